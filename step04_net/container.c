/* container.c - step04: a network of its own, wired to the host's bridge.
 *
 *     container run [--net bridge|none|host] [--subnet CIDR] [--ip ADDR]
 *                   [-p [ADDR:]HOSTPORT:PORT]... ROOTFS COMMAND...
 *
 * step03 plus the network namespace. The container sees only lo and eth0;
 * eth0 is one end of a veth pair whose other end is on the bridge kobako0,
 * with an address leased from the subnet and a default route via the
 * bridge. -p publishes a TCP port through a small proxy on the host.
 *
 * man: clone(2), network_namespaces(7), veth(4); net.c has the mechanism.
 */
#include <bsd/unistd.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/die.h"
#include "common/sync.h"
#include "exec.h"
#include "mount.h"
#include "net.h"
#include "pid1.h"
#include "state.h"
#include "uts_pid.h"

#define STEP 4

struct container {
	struct options opt;
	struct state state; /* /run/kobako/<id>, locked while we live */
	struct sync_pipe sync; /* the child waits on it for the parent's go */
	struct net net; /* address lease, veth, -p proxy */
};

/* The container's side: runs in the cloned child, never returns. */
static void container_main(struct container *c)
{
	const struct options *opt = &c->opt;

	sync_wait_for_parent(&c->sync); /* until the parent says go */
	setup_uts(opt->hostname); /* our own hostname */
	net_inside(&c->net); /* lo, eth0, address, default route */
	make_mounts_private(); /* no mount events to or from the host */
	bind_rootfs(opt->rootfs); /* ROOTFS becomes a mount point */
	mount_volumes(opt->rootfs, opt->volumes, opt->n_volumes); /* -v */
	mount_volumes(opt->rootfs, c->net.files, c->net.n_files); /* /etc/hosts, /etc/hostname */
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
	struct container c = {0}; /* nothing held yet: each release below is safe */
	int code = EXIT_RUNTIME;

	parse_options(argc, argv, STEP, &c.opt); /* exits 125 on bad input */
	require_root(); /* namespaces need CAP_SYS_ADMIN */
	if (state_open(&c.state, c.opt.id) < 0) /* locked: we are alive */
		goto out;
	state_reclaim(NULL); /* what killed supervisors left */
	if (sync_open(&c.sync) < 0)
		die("pipe");
	block_forwarded_signals(); /* until supervise() takes them */
	if (net_prepare(&c.net, &c.opt) < 0) /* -p ports, an address, the bridge */
		goto out;

	pid_t child = clone_process(UTS_PID_NAMESPACES | MOUNT_NAMESPACES | net_namespace(&c.opt));
	if (child < 0) {
		fail("clone");
		goto out;
	}
	if (child == 0)
		container_main(&c);

	if (net_attach(&c.net, child) < 0) /* its eth0, the -p proxy */
		sync_close(&c.sync); /* no go: the child leaves with 125 */
	else if (sync_release_child(&c.sync) < 0) /* let it go on */
		fail("release the container");
	code = supervise(child); /* forward signals, wait */
out:
	net_release(&c.net); /* proxy, veth, lease, files */
	state_close(&c.state); /* nothing of ours is left */
	return code;
}
