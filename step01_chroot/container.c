/* container.c - step01: a process that sees another root directory.
 *
 *     container run ROOTFS COMMAND [ARG...]
 *
 * The supervisor forks; the child changes its root to ROOTFS and becomes
 * COMMAND. Nothing else is isolated yet: `ps`, `hostname` and `ip addr` in
 * the container show the host's. Each later step adds one mechanism.
 *
 * man: fork(2), chroot(2), execve(2), wait(2); chroot.c has the mechanism.
 */
#include <bsd/unistd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chroot.h"
#include "common/cli.h"
#include "common/die.h"
#include "exec.h"

#define STEP 1

/* The container's side: runs in the forked child, never returns. */
static void container_main(const struct options *opt)
{
	enter_rootfs(opt->rootfs); /* "/" is now ROOTFS */
	closefrom(3); /* no host file leaks into the container */
	exec_command(opt->command); /* become COMMAND (126/127 on failure) */
}

int main(int argc, char **argv)
{
	struct options opt;
	int status;

	parse_options(argc, argv, STEP, &opt); /* exits 125 on bad input */
	require_root(); /* chroot(2) needs CAP_SYS_CHROOT */

	pid_t child = fork(); /* an ordinary child process */
	if (child < 0)
		die("fork");
	if (child == 0)
		container_main(&opt);

	if (waitpid(child, &status, 0) < 0) /* the container's life */
		die("waitpid %d", child);
	return exit_code_of(status); /* its status is ours */
}
