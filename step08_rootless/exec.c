/* exec.c - the last step of every container: become the command.
 *
 * execve(2) replaces the program of the process, keeping its pid, its open
 * files, its root and (from step02 on) its namespaces: the container is
 * whatever the command is. The environment and signal dispositions are set
 * first, so nothing of the host's comes along. Failures map to Docker's exit
 * codes: 127 the command does not exist, 126 it cannot be executed.
 *
 * man: execve(2), execvp(3), environ(7), signal(7)
 */
#include "exec.h"

#include <bsd/string.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/die.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static char *const *extra_env; /* set_command_environment(): over the defaults */

void set_command_environment(char *const *env)
{
	extra_env = env;
}

noreturn void exec_command(char **command)
{
	char term[64] = "", hostname[256] = "";

	/* The host's environment is not the container's business. */
	if (getenv("TERM"))
		strlcpy(term, getenv("TERM"), sizeof(term));
	gethostname(hostname, sizeof(hostname) - 1);
	clearenv();
	setenv("PATH", DEFAULT_PATH, 1);
	setenv("HOME", "/root", 1);
	setenv("HOSTNAME", hostname, 1);
	if (term[0])
		setenv("TERM", term, 1);
	/* From step06 on: the image's Env, then -e, each KEY=VALUE replacing
	 * a default of the same name, as Docker merges them. */
	for (char *const *e = extra_env; e && *e; e++)
		if (strchr(*e, '=') && putenv(*e) < 0)
			die_child("environment %s", *e);
	/* The supervisor blocked the signals it forwards, and a shell that
	 * started us in the background ignores SIGINT; both survive execve(2),
	 * so the command would never see them. Start it with the defaults. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL); /* EINVAL for SIGKILL, SIGSTOP, glibc's own: fine */
	execvp(command[0], command);
	int code = (errno == ENOENT || errno == ENOTDIR) ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
	fail("exec %s", command[0]);
	_exit(code);
}

int exit_code_of(int wait_status)
{
	if (WIFSIGNALED(wait_status))
		return EXIT_SIGNAL_BASE + WTERMSIG(wait_status);
	return WEXITSTATUS(wait_status);
}
