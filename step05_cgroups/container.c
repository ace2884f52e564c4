/* container.c - step05: limits on memory, CPU and processes.
 *
 *     container run [--memory SIZE] [--cpus N.NN] [--pids-limit N]
 *                   [--cgroup-parent PATH] [--stats] ROOTFS COMMAND...
 *
 * step04 plus control groups: the supervisor creates a cgroup for the
 * container, writes the limits into it and moves the child in before the
 * child may run the command. The child takes a cgroup namespace, so it sees
 * its cgroup as "/". At the end the supervisor reports an OOM kill (and
 * --stats), then removes the cgroup, on every path.
 *
 * man: cgroups(7), cgroup_namespaces(7); cgroup.c has the mechanism.
 */
#include <bsd/unistd.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "common/cli.h"
#include "common/die.h"
#include "common/sync.h"
#include "exec.h"
#include "mount.h"
#include "net.h"
#include "pid1.h"
#include "state.h"
#include "uts_pid.h"

#define STEP 5

struct container {
	struct options opt;
	struct state state; /* /run/kobako/<id>, locked while we live */
	struct sync_pipe sync; /* the child waits on it for the parent's go */
	struct net net; /* address lease, veth, -p proxy */
	struct cgroup cgroup; /* where its limits are */
};

/* What a supervisor killed with SIGKILL left (state.c): its cgroups. */
static int take_back(const char *id, const char *kind, const char *path)
{
	(void)id;
	return strcmp(kind, "cgroup") == 0 ? cgroup_take_back(path) : 0;
}

/* The container's side: runs in the cloned child, never returns. */
static void container_main(struct container *c)
{
	const struct options *opt = &c->opt;

	sync_wait_for_parent(&c->sync); /* until the parent says go */
	cgroup_enter_namespace(); /* our cgroup is "/" from here on */
	setup_uts(opt->hostname); /* our own hostname */
	net_inside(&c->net); /* lo, eth0, address, default route */
	make_mounts_private(); /* no mount events to or from the host */
	bind_rootfs(opt->rootfs); /* ROOTFS becomes a mount point */
	mount_volumes(opt->rootfs, opt->volumes, opt->n_volumes); /* -v */
	mount_volumes(opt->rootfs, c->net.files, c->net.n_files); /* /etc/hosts, /etc/hostname */
	pivot_into(opt->rootfs); /* "/" is now ROOTFS; the host's root is gone */
	mount_system_dirs(); /* /proc, /sys, /dev of our own */
	mount_cgroupfs(&c->cgroup); /* /sys/fs/cgroup, read-only */
	if (opt->read_only)
		make_root_read_only(); /* --read-only */
	closefrom(3); /* no host file leaks into the container */
	if (opt->init)
		run_init(opt->command); /* init as PID 1, the command as its child */
	exec_command(opt->command); /* the command as PID 1 */
}

int main(int argc, char **argv)
{
	struct container c = {0}; /* nothing held yet: each release below is safe */
	int code = EXIT_RUNTIME;

	parse_options(argc, argv, STEP, &c.opt); /* exits 125 on bad input */
	require_root(); /* namespaces need CAP_SYS_ADMIN */
	if (state_open(&c.state, c.opt.id) < 0) /* locked: we are alive */
		goto out;
	state_reclaim(take_back); /* what killed supervisors left */
	if (sync_open(&c.sync) < 0)
		die("pipe");
	block_forwarded_signals(); /* until supervise() takes them */
	if (net_prepare(&c.net, &c.opt) < 0) /* -p ports, an address, the bridge */
		goto out;
	if (cgroup_prepare(&c.cgroup, &c.opt) < 0) /* PARENT/<id> with the limits */
		goto out;

	pid_t child = clone_process(UTS_PID_NAMESPACES | MOUNT_NAMESPACES | net_namespace(&c.opt));
	if (child < 0) {
		fail("clone");
		goto out;
	}
	if (child == 0)
		container_main(&c);

	if (cgroup_attach(&c.cgroup, child) < 0 || /* into its cgroup, before it runs */
	    net_attach(&c.net, child) < 0) /* its eth0, the -p proxy */
		sync_close(&c.sync); /* no go: the child leaves with 125 */
	else if (sync_release_child(&c.sync) < 0) /* let it go on */
		fail("release the container");
	code = supervise(child); /* forward signals, wait */
	cgroup_report(&c.cgroup, code); /* OOM kill? --stats */
out:
	if (cgroup_release(&c.cgroup) < 0) /* rmdir PARENT/<id> */
		code = EXIT_RUNTIME;
	net_release(&c.net); /* proxy, veth, lease, files */
	state_close(&c.state); /* nothing of ours is left */
	return code;
}
