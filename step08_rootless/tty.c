/* tty.c - a terminal of the container's own, and never the host's.
 *
 * Up to step06 the container inherits the host's terminal as stdin, stdout
 * and stderr. Anything inside can then ioctl(TIOCSTI) bytes into the host
 * terminal's input queue: the shell that started the container reads them
 * as typed, and runs them as root once the container has exited. The
 * container also shares the terminal's foreground process group with the
 * supervisor, so Ctrl-Z stops the supervisor and leaves the container
 * running with nobody watching it.
 *
 * Here, as in Docker, the host's terminal never reaches the container:
 *  - the container gets a session of its own (setsid), so the host terminal
 *    is not its controlling terminal and sends it no signals;
 *  - with -t it gets a pty of its own; the supervisor puts the host terminal
 *    in raw mode and copies bytes both ways (Ctrl-C and Ctrl-Z are bytes,
 *    which the container's own pty turns into its signals);
 *  - without -t, each of stdin/stdout/stderr that is a terminal is replaced
 *    by a pipe the supervisor relays, so TIOCSTI inside finds no terminal
 *    (ENOTTY), whatever capabilities the container holds; stdin is
 *    /dev/null unless -i.
 *
 * man: pty(7), termios(3), ioctl_tty(2) (TIOCSCTTY, TIOCSTI, TIOCGWINSZ),
 *      setsid(2), credentials(7) ("Sessions and process groups"),
 *      unix(7) (SCM_RIGHTS), signalfd(2)
 * ref: runc's docs/terminals.md; CVE-2016-7545 / CVE-2017-5226 (TIOCSTI)
 */
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/die.h"
#include "exec.h"

#define RELAY_CHUNK 4096 /* bytes copied per read */
/* After the host's terminal hangs up, the container gets SIGHUP and this
 * long to end by itself (a namespace's PID 1 ignores SIGHUP without a
 * handler), then SIGKILL; `docker stop` waits 10 s the same way. */
#define HANGUP_GRACE_MS 3000

/* The signals the supervisor passes on to the container (as pid1.c's). */
static const int FORWARDED[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/*** the host's terminal ***/

static struct termios saved_termios; /* as the user had it */
static bool terminal_raw; /* we changed it: restore at exit */

static void restore_terminal(void)
{
	if (terminal_raw && tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_termios) == 0)
		terminal_raw = false;
}

/* Raw mode: no echo, no line editing, no signals from Ctrl-C/Ctrl-Z: every
 * key goes to the container's pty, whose line discipline does all that. */
static void make_terminal_raw(void)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return; /* stdin is not a terminal: nothing to do */
	raw = saved_termios;
	cfmakeraw(&raw);
	atexit(restore_terminal); /* die() goes out through exit(3) */
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) < 0)
		die("raw mode on the terminal");
	terminal_raw = true;
}

/* The pty's window size follows the host terminal's; the kernel sends the
 * container's foreground process group SIGWINCH when it changes. */
static void copy_window_size(int master)
{
	struct winsize size;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &size) < 0 &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) < 0)
		return; /* neither is a terminal */
	ioctl(master, TIOCSWINSZ, &size);
}

/*** setup: parent before clone ***/

static int open_pipes(struct terminal *t)
{
	for (int fd = 0; fd < 3; fd++) {
		t->pipes[fd][0] = t->pipes[fd][1] = -1;
		if (!isatty(fd) || (fd == STDIN_FILENO && !t->interactive))
			continue; /* a file or pipe of the user's: passed as it is */
		if (pipe2(t->pipes[fd], O_CLOEXEC) < 0)
			return fail("pipe for fd %d", fd);
	}
	return 0;
}

int terminal_prepare(struct terminal *t, bool tty, bool interactive)
{
	sigset_t winch;

	*t = (struct terminal){.tty = tty, .interactive = interactive, .master = -1};
	t->console[0] = t->console[1] = -1;
	/* SIGWINCH waits for the relay's signalfd; the child inherits the mask
	 * and exec_command() clears it. */
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	sigprocmask(SIG_BLOCK, &winch, NULL);
	/* Ctrl-Z on the host terminal (without -t, or -t without -i) reaches
	 * only us: the container is in a session of its own. Stopping us would
	 * leave it running unwatched, and its PID 1 ignores SIGTSTP anyway, so
	 * the supervisor ignores it (Docker's client catches it too). SIGTTOU:
	 * restoring the terminal from the background must not stop us either;
	 * SIGPIPE: a closed stdout ends a relay, not the supervisor. */
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (!tty)
		return open_pipes(t);
	/* The console socket, as runc and crun call it: the pty is made inside
	 * the container (below) and its master comes back over this. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, t->console) < 0)
		return fail("socketpair for the console");
	return 0;
}

/*** the container's side ***/

/* Send fd over a unix socket: SCM_RIGHTS puts a copy in the receiver. */
static void send_fd(int sock, int fd)
{
	char data = 'm', control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &data, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	*cmsg = (struct cmsghdr){
	    .cmsg_level = SOL_SOCKET, .cmsg_type = SCM_RIGHTS, .cmsg_len = CMSG_LEN(sizeof(int))};
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) < 0)
		die_child("send the pty master to the supervisor");
}

static void use_as_stdio(int fd, int first, int last)
{
	for (int i = first; i <= last; i++)
		if (dup2(fd, i) < 0)
			die_child("dup2 fd %d", i);
}

/* Which devpts the pty lives on: the container has mounted a new instance
 * at /dev/pts (mount.c), and /dev/ptmx points into it. A pty opened by the
 * supervisor on the host's /dev/ptmx would have its slave on the host's
 * devpts, which does not exist in here (`tty` would print "not a tty") and
 * would count against the host's ptys. So, as runc and crun do, the child
 * opens the pty here and hands the master out through the console socket. */
static void open_own_pty(struct terminal *t)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		die_child("open a pty (/dev/ptmx)");
	const char *name = ptsname(master); /* /dev/pts/0: the first of our own */
	int slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0)
		die_child("open %s", name);
	/* A session leader without a terminal takes this one as its
	 * controlling terminal: Ctrl-C, Ctrl-Z and hangups of the pty are
	 * signals to us, job control works in a shell. */
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		die_child("TIOCSCTTY %s", name);
	send_fd(t->console[1], master);
	use_as_stdio(slave, STDIN_FILENO, STDERR_FILENO);
	close(slave);
	close(master);
}

void terminal_inside(struct terminal *t)
{
	/* A new session with no controlling terminal: the host's terminal
	 * sends us no signals and TIOCSTI on it is refused (EPERM) unless we
	 * hold CAP_SYS_ADMIN; we are PID 1, never a group leader, so this
	 * cannot fail with EPERM. */
	if (setsid() < 0)
		die_child("setsid");
	if (t->tty) {
		open_own_pty(t);
		return;
	}
	if (!t->interactive) { /* as Docker without -i: nothing to read */
		int null = open("/dev/null", O_RDONLY);
		if (null < 0)
			die_child("open /dev/null");
		use_as_stdio(null, STDIN_FILENO, STDIN_FILENO);
		close(null);
	}
	for (int fd = 0; fd < 3; fd++) /* a pipe where the host had a terminal */
		if (t->pipes[fd][0] >= 0)
			use_as_stdio(t->pipes[fd][fd == STDIN_FILENO ? 0 : 1], fd, fd);
}

/*** the supervisor's relay ***/

struct relay {
	int from, to; /* -1 once done */
	bool output; /* container -> host: drained before we return */
};

struct supervisor {
	pid_t child;
	int code; /* the container's exit code, -1 while it runs */
	int master; /* -t: the pty master, else -1 */
	struct timespec kill_at; /* after a hangup: SIGKILL then; 0: not armed */
	struct relay relay[3];
	size_t n;
};

/* The master, from the child; -1 if it ended before it sent one. */
static int receive_fd(int sock)
{
	char data, control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &data, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	int fd = -1;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
		return -1; /* EOF: the child failed before (it said why) */
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static void add_relay(struct supervisor *s, int from, int to, bool output)
{
	if (from < 0 || to < 0)
		return;
	if (output) /* read what is there, never wait on a writer gone astray */
		fcntl(from, F_SETFL, fcntl(from, F_GETFL) | O_NONBLOCK);
	s->relay[s->n++] = (struct relay){.from = from, .to = to, .output = output};
}

/* Close our copies of the child's ends and set up what to copy where. */
static void start_relays(struct supervisor *s, struct terminal *t)
{
	if (t->tty) {
		close(t->console[1]);
		s->master = receive_fd(t->console[0]);
		close(t->console[0]);
		if (s->master < 0)
			return;
		if (t->interactive)
			make_terminal_raw();
		copy_window_size(s->master);
		add_relay(s, t->interactive ? STDIN_FILENO : -1, s->master, false);
		add_relay(s, s->master, STDOUT_FILENO, true);
		return;
	}
	for (int fd = 0; fd < 3; fd++) {
		if (t->pipes[fd][0] < 0)
			continue;
		close(t->pipes[fd][fd == STDIN_FILENO ? 0 : 1]);
		if (fd == STDIN_FILENO)
			add_relay(s, STDIN_FILENO, t->pipes[fd][1], false);
		else
			add_relay(s, t->pipes[fd][0], fd, true);
	}
}

static void write_all(int fd, const char *buf, ssize_t n)
{
	for (ssize_t done = 0, w; done < n; done += w)
		if ((w = write(fd, buf + done, n - done)) < 0 && errno != EINTR)
			return; /* the reader has gone: drop the rest */
		else if (w < 0)
			w = 0;
}

/* The relay is over: the pipe to the container closes, so it reads EOF. */
static void finish(struct supervisor *s, struct relay *r)
{
	if (r->from != s->master && r->from != STDIN_FILENO)
		close(r->from);
	if (r->to != s->master && !r->output)
		close(r->to);
	r->from = r->to = -1;
}

/* Copy what is there. Returns the bytes copied, 0 if none is there now, -1
 * when the relay is over: EOF, or EIO (the pty's other side is closed). */
static ssize_t pump(struct supervisor *s, struct relay *r)
{
	char buf[RELAY_CHUNK];
	ssize_t n = read(r->from, buf, sizeof(buf));

	if (n > 0) {
		write_all(r->to, buf, n);
		return n;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	finish(s, r);
	return -1;
}

/* The container has exited: copy what it left, then stop. A writer we do
 * not know of (the -p proxy got copies of our fds) cannot keep us here. */
static void drain(struct supervisor *s, struct relay *r)
{
	while (r->from >= 0 && pump(s, r) > 0)
		;
	if (r->from >= 0)
		finish(s, r);
}

static bool outputs_open(const struct supervisor *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->relay[i].output && s->relay[i].from >= 0)
			return true;
	return false;
}

/* The host's terminal is gone: hang up the container's (the kernel sends its
 * session SIGHUP, reads there return EOF), and pass SIGHUP on. */
static void hang_up(struct supervisor *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->relay[i].from = s->relay[i].to = -1;
	if (s->master >= 0)
		close(s->master);
	s->master = -1;
	kill(s->child, SIGHUP);
	clock_gettime(CLOCK_MONOTONIC, &s->kill_at);
	s->kill_at.tv_sec += HANGUP_GRACE_MS / 1000;
	s->kill_at.tv_nsec += HANGUP_GRACE_MS % 1000 * 1000000L;
}

static void on_signal(struct supervisor *s, const struct signalfd_siginfo *si)
{
	int status;

	if (si->ssi_signo == SIGCHLD) {
		if (waitpid(s->child, &status, WNOHANG) == s->child)
			s->code = exit_code_of(status);
	} else if (si->ssi_signo == SIGWINCH) {
		if (s->master >= 0)
			copy_window_size(s->master);
	} else if (si->ssi_signo == SIGHUP && si->ssi_code == SI_KERNEL) {
		hang_up(s); /* from the terminal driver, not from kill(1) */
	} else if (s->code < 0) {
		/* Ctrl-C without -t, or kill(1): the container is in a session
		 * of its own, so nobody else passes it on. */
		kill(s->child, si->ssi_signo);
	}
}

/* poll(2)'s timeout: until the SIGKILL after a hangup, or forever. */
static int poll_timeout(const struct supervisor *s)
{
	struct timespec now;

	if (s->kill_at.tv_sec == 0 || s->code >= 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (s->kill_at.tv_sec - now.tv_sec) * 1000LL +
		       (s->kill_at.tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	for (size_t i = 0; i < sizeof(FORWARDED) / sizeof(FORWARDED[0]); i++)
		sigaddset(&set, FORWARDED[i]);
	int fd = signalfd(-1, &set, SFD_CLOEXEC); /* all blocked since before clone */
	if (fd < 0)
		die("signalfd");
	return fd;
}

/* One round: signals first (a window size set before a key is typed is
 * seen first), then every relay with something to read. */
static void relay_once(struct supervisor *s, int sfd)
{
	struct pollfd p[4] = {{.fd = sfd, .events = POLLIN}};
	struct signalfd_siginfo si;

	for (size_t i = 0; i < s->n; i++) /* poll(2) skips a negative fd */
		p[i + 1] =
		    (struct pollfd){.fd = s->code < 0 || s->relay[i].output ? s->relay[i].from : -1,
				    .events = POLLIN};
	int n = poll(p, s->n + 1, poll_timeout(s));
	if (n < 0 && errno != EINTR)
		die("poll");
	if (n == 0) { /* the grace after the hangup is over */
		kill(s->child, SIGKILL);
		s->kill_at = (struct timespec){0};
	}
	if (n > 0 && (p[0].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si))
		on_signal(s, &si);
	for (size_t i = 0; n > 0 && i < s->n; i++)
		if (p[i + 1].revents && s->relay[i].from >= 0)
			pump(s, &s->relay[i]);
}

int terminal_supervise(struct terminal *t, pid_t child)
{
	struct supervisor s = {.child = child, .code = -1, .master = -1};
	int sfd = signal_fd();

	start_relays(&s, t);
	/* Until the container has exited and all it wrote is out: by then
	 * every process of its PID namespace is gone (the kernel kills them
	 * when PID 1 ends), so no output is lost. */
	while (s.code < 0 || outputs_open(&s)) {
		relay_once(&s, sfd);
		for (size_t i = 0; s.code >= 0 && i < s.n; i++)
			if (s.relay[i].output)
				drain(&s, &s.relay[i]);
	}
	restore_terminal();
	if (s.master >= 0)
		close(s.master);
	close(sfd);
	return s.code;
}
