/* container.c - step03: its own mount table, and a root it cannot leave.
 *
 *     container run [-v HOST:DEST[:ro]]... [--read-only] ROOTFS COMMAND...
 *
 * step02 plus the mount and IPC namespaces. chroot(2) gives way to
 * pivot_root(2), and /proc, /sys and /dev are mounted inside the new mount
 * namespace, so the host's mount table never changes and nothing needs to
 * be unmounted afterwards: the namespace takes its mounts with it.
 *
 * man: clone(2), mount_namespaces(7), ipc_namespaces(7); mount.c has the mechanism.
 */
#include <bsd/unistd.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/die.h"
#include "common/sync.h"
#include "exec.h"
#include "mount.h"
#include "pid1.h"
#include "uts_pid.h"

#define STEP 3

struct container {
	struct options opt;
	struct sync_pipe sync; /* the child waits on it for the parent's go */
};

/* The container's side: runs in the cloned child, never returns. */
static void container_main(struct container *c)
{
	const struct options *opt = &c->opt;

	sync_wait_for_parent(&c->sync); /* until the parent says go */
	setup_uts(opt->hostname); /* our own hostname */
	make_mounts_private(); /* no mount events to or from the host */
	bind_rootfs(opt->rootfs); /* ROOTFS becomes a mount point */
	mount_volumes(opt->rootfs, opt->volumes, opt->n_volumes); /* -v */
	pivot_into(opt->rootfs); /* "/" is now ROOTFS; the host's root is gone */
	mount_system_dirs(); /* /proc, /sys, /dev of our own */
	if (opt->read_only)
		make_root_read_only(); /* --read-only */
	closefrom(3); /* no host file leaks into the container */
	if (opt->init)
		run_init(opt->command); /* init as PID 1, the command as its child */
	exec_command(opt->command); /* the command as PID 1 */
}

int main(int argc, char **argv)
{
	struct container c;

	parse_options(argc, argv, STEP, &c.opt); /* exits 125 on bad input */
	require_root(); /* namespaces need CAP_SYS_ADMIN */
	if (sync_open(&c.sync) < 0)
		die("pipe");
	block_forwarded_signals(); /* until supervise() takes them */

	pid_t child = clone_process(UTS_PID_NAMESPACES | MOUNT_NAMESPACES);
	if (child < 0)
		die("clone");
	if (child == 0)
		container_main(&c);

	if (sync_release_child(&c.sync) < 0) /* let it go on */
		fail("release the container");
	return supervise(child); /* forward signals, wait */
}
