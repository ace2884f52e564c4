/* container.c - step02: its own hostname and its own process tree.
 *
 *     container run [--hostname NAME] [--init] ROOTFS COMMAND [ARG...]
 *
 * step01 plus two namespaces: clone(2) with CLONE_NEWUTS | CLONE_NEWPID
 * instead of fork(2). The command is PID 1 in there; `ps` shows only the
 * container's processes, `hostname` its own name. The parent, still on the
 * host, supervises: it forwards signals and waits.
 *
 * man: clone(2), namespaces(7); uts_pid.c, proc.c and pid1.c have the mechanism.
 */
#include <bsd/unistd.h>
#include <unistd.h>

#include "chroot.h"
#include "common/cli.h"
#include "common/die.h"
#include "common/sync.h"
#include "exec.h"
#include "pid1.h"
#include "proc.h"
#include "uts_pid.h"

#define STEP 2

struct container {
	struct options opt;
	struct sync_pipe sync; /* the child waits on it for the parent's go */
};

/* The container's side: runs in the cloned child, never returns. */
static void container_main(struct container *c)
{
	sync_wait_for_parent(&c->sync); /* until the parent says go */
	setup_uts(c->opt.hostname); /* our own hostname */
	mount_proc(c->opt.rootfs); /* a /proc that shows our PID namespace */
	enter_rootfs(c->opt.rootfs); /* "/" is now ROOTFS */
	closefrom(3); /* no host file leaks into the container */
	if (c->opt.init)
		run_init(c->opt.command); /* init as PID 1, the command as its child */
	exec_command(c->opt.command); /* the command as PID 1 */
}

int main(int argc, char **argv)
{
	struct container c;

	parse_options(argc, argv, STEP, &c.opt); /* exits 125 on bad input */
	require_root(); /* namespaces need CAP_SYS_ADMIN */
	if (sync_open(&c.sync) < 0)
		die("pipe");
	block_forwarded_signals(); /* until supervise() takes them */

	pid_t child = clone_process(UTS_PID_NAMESPACES); /* a child in new namespaces */
	if (child < 0)
		die("clone");
	if (child == 0)
		container_main(&c);

	if (sync_release_child(&c.sync) < 0) /* let it go on */
		fail("release the container");
	int code = supervise(child); /* forward signals, wait */
	if (unmount_proc(c.opt.rootfs) < 0) /* no namespace cleans up for us */
		code = EXIT_RUNTIME;
	return code;
}
