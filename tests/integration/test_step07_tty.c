/* test_step07_tty.c - step07_security/container's terminal: -t gives the
 * container a pty of its own, -i keeps stdin open, and the host's terminal
 * never reaches the container (TIOCSTI, Ctrl-Z, hangup). Every terminal here
 * is a pty the test made with forkpty(3), never the real one. */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tests/fixtures.h"
#include "tests/harness.h"

#define BIN "step07_security/container"
#define STEP06 "step06_rootfs/container"
#define WAIT_MS 20000 /* at most this long for an expected output */

static struct run r;

/* A command running on a pty of the test's own, as if typed at a terminal. */
struct session {
	pid_t pid;
	int master;
	char out[OUTPUT_MAX];
	size_t len;
};

/* Start /bin/sh -c CMD (printf-style) on a new pty of rows x cols, in the
 * repository's top directory; "exec" in CMD makes it the session leader. */
static void start(struct session *s, int rows, int cols, const char *fmt, ...)
{
	struct winsize size = {.ws_row = rows, .ws_col = cols};
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	*s = (struct session){0};
	s->pid = forkpty(&s->master, NULL, NULL, &size);
	ck_assert_int_ge(s->pid, 0);
	if (s->pid == 0) {
		if (chdir(top()) < 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
}

static void type(struct session *s, const char *text)
{
	ck_assert_int_eq(write(s->master, text, strlen(text)), (ssize_t)strlen(text));
}

/* Read the pty until needle shows up; fails the test after WAIT_MS. */
static void expect(struct session *s, const char *needle)
{
	while (!strstr(s->out, needle)) {
		struct pollfd p = {.fd = s->master, .events = POLLIN};
		ck_assert_msg(poll(&p, 1, WAIT_MS) == 1, "no \"%s\" in:\n%s", needle, s->out);
		ssize_t n = read(s->master, s->out + s->len, sizeof(s->out) - 1 - s->len);
		ck_assert_msg(n > 0, "pty closed without \"%s\" in:\n%s", needle, s->out);
		s->len += n;
		s->out[s->len] = '\0';
		if (getenv("TTY_DEBUG"))
			fprintf(stderr, "[%.*s]\n", (int)n, s->out + s->len - n);
	}
}

/* Read until the other side closes, then reap: the exit code (-1 stopped).
 * The terminal's final settings go to *last if not NULL. */
static int finish_with(struct session *s, struct termios *last)
{
	int status;
	ssize_t n;
	char buf[4096];

	while ((n = read(s->master, buf, sizeof(buf))) > 0)
		if (getenv("TTY_DEBUG") && fprintf(stderr, "{%.*s}\n", (int)n, buf) < 0)
			;
		else if (s->len + n < sizeof(s->out)) {
			memcpy(s->out + s->len, buf, n);
			s->out[s->len += n] = '\0';
		}
	ck_assert_int_eq(waitpid(s->pid, &status, WUNTRACED), s->pid);
	if (last)
		ck_assert_int_eq(tcgetattr(s->master, last), 0);
	close(s->master);
	if (WIFSTOPPED(status))
		return -1;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static int finish(struct session *s)
{
	return finish_with(s, NULL);
}

static bool same_termios(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
	       a->c_lflag == b->c_lflag && memcmp(a->c_cc, b->c_cc, sizeof(a->c_cc)) == 0;
}

/* `-it sh`: a shell on the container's own pty; the host's terminal is raw
 * while it runs, and as it was afterwards. */
START_TEST(interactive_shell_on_own_pty)
{
	struct session s;
	struct termios before, during, after;

	start(&s, 24, 80, "exec " BIN " run -it --net none --root %s %s /bin/sh", store, rootfs());
	ck_assert_int_eq(tcgetattr(s.master, &before), 0);
	expect(&s, "# ");
	ck_assert_int_eq(tcgetattr(s.master, &during), 0);
	ck_assert(!(during.c_lflag & (ICANON | ECHO | ISIG))); /* raw: keys go through */
	type(&s, "echo hi; tty; exit 3\r");
	expect(&s, "hi\r\n/dev/pts/0\r\n"); /* the first pty of its own devpts */
	ck_assert_int_eq(finish_with(&s, &after), 3);
	ck_assert_msg(same_termios(&before, &after), "the terminal was not restored");
}
END_TEST

/* The pty has the host terminal's size, and follows it (SIGWINCH). */
START_TEST(window_size_follows)
{
	struct session s;
	struct winsize bigger = {.ws_row = 30, .ws_col = 100};

	start(&s, 24, 80, "exec " BIN " run -it --net none --root %s %s /bin/sh", store, rootfs());
	expect(&s, "# ");
	type(&s, "stty size; echo si''ze-1\r");
	expect(&s, "24 80\r\nsize-1");
	ck_assert_int_eq(ioctl(s.master, TIOCSWINSZ, &bigger), 0); /* SIGWINCH to the supervisor */
	type(&s, "stty size; exit\r");
	expect(&s, "30 100\r\n");
	ck_assert_int_eq(finish(&s), 0);
}
END_TEST

/* Under -t, Ctrl-Z is a byte for the container's pty: its shell stops its
 * own job; the supervisor goes on relaying and is never stopped. */
START_TEST(ctrl_z_goes_to_the_container)
{
	struct session s;

	start(&s, 24, 80, "exec " BIN " run -it --net none --root %s %s /bin/sh", store, rootfs());
	expect(&s, "# ");
	/* "ready" is printed by the job itself, once it is the foreground */
	type(&s, "sh -c 'echo re\"\"ady; exec sleep 100'\r");
	expect(&s, "ready\r\n");
	type(&s, "\x1a"); /* Ctrl-Z */
	expect(&s, "Stopped");
	type(&s, "kill -9 %1; echo al\"\"ive\r");
	expect(&s, "alive");
	type(&s, "exit 4\rexit 4\r"); /* the first: "You have stopped jobs" */
	ck_assert_int_eq(finish(&s), 4); /* not -1: the supervisor never stopped */
}
END_TEST

/* Without -t, Ctrl-Z in an interactive shell's job: step06's supervisor is
 * stopped (it shares the terminal's foreground group), step07's is not;
 * Ctrl-C then reaches the container through the supervisor. */
START_TEST(ctrl_z_without_tty)
{
	const char *bins[] = {STEP06, BIN};

	for (int i = 0; i < 2; i++) {
		struct session s;

		start(&s, 24, 80, "PS1='$ ' exec /bin/sh -i");
		expect(&s, "$ ");
		dprintf(s.master,
			"%s run --init --net none --root %s %s /bin/sh -c 'echo u\"\"p; exec sleep "
			"100'; echo rc:$?:\r",
			bins[i], store, rootfs());
		expect(&s, "up\r\n");
		type(&s, "\x1a"); /* Ctrl-Z */
		if (i == 0) {
			expect(&s, "Stopped"); /* step06: the shell took the terminal back */
			/* go on, and end with SIGINT, so that its cleanup runs */
			type(&s, "kill -CONT %1; kill -INT %1; wait; echo ba\"\"ck:$?:\r");
			expect(&s, "back:"); /* the output, not the echo (ba""ck) */
			type(&s, "exit\rexit\r"); /* dash still counts it stopped: exit twice */
		} else {
			type(&s, "\x03"); /* Ctrl-C: still ours, passed on to the container */
			expect(&s, "rc:130:");
			type(&s, "exit\r");
		}
		finish(&s);
	}
}
END_TEST

static bool legacy_tiocsti(void)
{
	char *v = slurp("/proc/sys/dev/tty/legacy_tiocsti");
	bool on = !v || v[0] != '0'; /* before Linux 6.2 the file is missing: allowed */

	free(v);
	return on;
}

/* The container types into the host shell's terminal (the shell runs the
 * marker command after the container exits) in step06, and cannot in step07. */
START_TEST(tiocsti_cannot_type_into_host_shell)
{
	const char *bins[] = {STEP06, BIN};
	char marker[PATH_MAX];

	if (!legacy_tiocsti()) /* the kernel refuses TIOCSTI to everyone (EIO) */
		fprintf(stderr, "tiocsti: dev.tty.legacy_tiocsti=0: step06 part skipped\n");
	for (int i = legacy_tiocsti() ? 0 : 1; i < 2; i++) {
		struct session s;

		snprintf(marker, sizeof(marker), "%s/marker-%d", work, i);
		start(&s, 24, 80, "exec /bin/sh");
		dprintf(s.master,
			"%s run --net none --root %s %s /usr/local/bin/tiocsti 'echo MARKER > %s'; "
			"echo rc:$?:\r",
			bins[i], store, rootfs(), marker);
		expect(&s, i == 0 ? "rc:0:" : "rc:1:");
		type(&s, "exit\r");
		finish(&s);
		if (i == 0) { /* the host's shell ran what the container typed */
			ck_assert_contains(s.out, "tiocsti: fd 0: pushed");
			ck_assert_int_eq(access(marker, F_OK), 0);
		} else { /* no terminal in there at all */
			ck_assert_contains(s.out, "tiocsti: fd 1: Inappropriate ioctl for device");
			ck_assert_contains(s.out, "tiocsti: fd 2: Inappropriate ioctl for device");
			ck_assert_int_eq(access(marker, F_OK), -1);
		}
	}
}
END_TEST

/* The host's terminal hangs up (the test closes its pty): the supervisor
 * gets SIGHUP and ends the container, even a PID 1 that ignores SIGHUP. */
START_TEST(hangup_ends_container)
{
	struct session s;
	int status;

	start(&s, 24, 80,
	      "exec " BIN " run -it --net none --root %s %s /bin/sh -c 'echo u\"\"p; "
	      "exec sleep 1000'",
	      store, rootfs());
	expect(&s, "up\r\n");
	close(s.master);
	ck_assert_int_eq(waitpid(s.pid, &status, 0), s.pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 128 + SIGKILL); /* after the grace */
}
END_TEST

/* Without -i stdin is /dev/null (cat ends at once); with -i it is passed on. */
START_TEST(stdin_needs_interactive)
{
	run(&r, "echo abc | " BIN " run --net none --root %s %s /bin/cat", store, rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "");
	run(&r, "echo abc | " BIN " run -i --net none --root %s %s /bin/cat", store, rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "abc\n");

	struct session s; /* a terminal as stdin, no -i: cat must not wait for it */
	start(&s, 24, 80, "exec " BIN " run --net none --root %s %s /bin/sh -c 'cat; echo done'",
	      store, rootfs());
	expect(&s, "done");
	ck_assert_int_eq(finish(&s), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("step07_tty");
	TCase *tc = tcase_create("tty");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, make_store_base, remove_store_base);
	tcase_add_checked_fixture(tc, fresh_store, NULL);
	if (!getenv("TTY_ONLY")) {
		tcase_add_test(tc, interactive_shell_on_own_pty);
		tcase_add_test(tc, window_size_follows);
		tcase_add_test(tc, ctrl_z_goes_to_the_container);
	}
	tcase_add_test(tc, ctrl_z_without_tty);
	if (!getenv("TTY_ONLY")) {
		tcase_add_test(tc, tiocsti_cannot_type_into_host_shell);
		tcase_add_test(tc, hangup_ends_container);
		tcase_add_test(tc, stdin_needs_interactive);
	}
	suite_add_tcase(s, tc);
	return run_integration_suite(s);
}
