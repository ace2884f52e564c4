/* pid1.c - signals and zombies: what PID 1 must do.
 *
 * In a PID namespace the kernel treats the first process specially: it gets
 * only the signals it installed a handler for (even from the host, except
 * SIGKILL), and every orphan in the namespace becomes its child, to be
 * reaped. A shell or `sleep` as PID 1 has no SIGTERM handler, so
 * `kill -TERM` does nothing. `--init` puts a tiny init in front of the
 * command, as `docker run --init` does with tini.
 *
 * man: pid_namespaces(7) ("The namespace init process"), sigwaitinfo(2),
 *      waitpid(2)
 */
#include "pid1.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/die.h"
#include "exec.h"

static const int FORWARDED[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static sigset_t forwarded_and_sigchld(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof(FORWARDED) / sizeof(FORWARDED[0]); i++)
		sigaddset(&set, FORWARDED[i]);
	return set;
}

void block_forwarded_signals(void)
{
	sigset_t set = forwarded_and_sigchld();

	/* Blocked signals wait in the queue for sigwaitinfo(). The child
	 * inherits the mask, so a signal that comes before the command runs
	 * is not lost either; exec_command() unblocks them. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die("sigprocmask");
}

/* Wait for the next blocked signal; -1 only on a real error. A signal the
 * terminal sent (Ctrl-C: si_code SI_KERNEL) went to the whole foreground
 * process group, the container's processes too: it comes back as 0, so
 * that nobody passes it on a second time. */
static int next_signal(const sigset_t *set)
{
	siginfo_t info;
	int sig;

	while ((sig = sigwaitinfo(set, &info)) < 0)
		if (errno != EINTR)
			return -1;
	return sig != SIGCHLD && info.si_code == SI_KERNEL ? 0 : sig;
}

int supervise(pid_t child)
{
	sigset_t set = forwarded_and_sigchld();
	int sig, status;

	for (;;) {
		if ((sig = next_signal(&set)) < 0)
			die("sigwaitinfo");
		if (sig == SIGCHLD && waitpid(child, &status, WNOHANG) == child)
			return exit_code_of(status);
		if (sig > 0 && sig != SIGCHLD)
			kill(child, sig); /* the container decides what it means */
	}
}

/* Reap every child that has ended; return the command's exit code once it
 * is among them, else -1. */
static int reap_zombies(pid_t command)
{
	int status, code = -1;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == command)
			code = exit_code_of(status);
	return code;
}

noreturn void run_init(char **command)
{
	sigset_t set = forwarded_and_sigchld();
	int sig, code;

	pid_t pid = fork(); /* the signals are still blocked: none is lost */
	if (pid < 0)
		die_child("fork %s", command[0]);
	if (pid == 0)
		exec_command(command);
	for (;;) {
		if ((sig = next_signal(&set)) < 0)
			die_child("sigwaitinfo");
		if (sig > 0 && sig != SIGCHLD)
			kill(pid, sig); /* the command is not PID 1: defaults apply */
		else if (sig == SIGCHLD && (code = reap_zombies(pid)) >= 0)
			_exit(code); /* the kernel then kills what is left in here */
	}
}
