/* container.c - step08: containers without sudo; root inside is nobody outside.
 *
 *     container run [--userns host|remap] IMAGE|ROOTFS [COMMAND...]   (as any user)
 *
 * step07 plus one idea, the user namespace (userns.c): uid 0 inside is an
 * ordinary uid outside. Started by an ordinary user, kobako first makes the
 * user root of a namespace of its own and runs step07's story in it, with
 * the user's directories, pasta for the network and no cgroups unless
 * systemd delegated some (rootless.c, delegation.c). Started by root, --userns remap gives
 * the container a range of unprivileged ids (/etc/subuid), so root inside
 * owns nothing of the host's.
 *
 * man: user_namespaces(7), subuid(5), newuidmap(1), pasta(1)
 */
#include <bsd/unistd.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "common/cli.h"
#include "common/die.h"
#include "common/sync.h"
#include "config.h"
#include "devices.h"
#include "exec.h"
#include "image.h"
#include "mask.h"
#include "mount.h"
#include "net.h"
#include "pid1.h"
#include "rootless.h"
#include "seccomp.h"
#include "state.h"
#include "tty.h"
#include "userns.h"
#include "uts_pid.h"

#define STEP 8

struct container {
	struct options opt;
	struct state state; /* /run/kobako/<id>, locked while we live */
	struct sync_pipe sync; /* the child waits on it for the parent's go */
	struct net net; /* address lease, veth, -p proxy */
	struct cgroup cgroup; /* where its limits are */
	struct image image; /* the layers, our upper layer, the mount point */
	struct config config; /* what to run, its env, working directory, user */
	struct caps caps; /* the capabilities it keeps */
	struct syscall_filter filter; /* the seccomp filter, built by the parent */
	struct devices devices; /* the devices it may open */
	struct terminal term; /* -t: a pty of its own; never the host's terminal */
	struct rootless rootless; /* started by a user: our namespace, pasta */
	struct userns userns; /* --userns remap: the container's id maps */
};

/* What a supervisor killed with SIGKILL left (state.c): its cgroups and
 * its upper layer. */
static int take_back(const char *id, const char *kind, const char *path)
{
	(void)id;
	if (strcmp(kind, "cgroup") == 0)
		return cgroup_take_back(path);
	if (strcmp(kind, "upper") == 0)
		return image_take_back(path);
	return 0;
}

/* The container's side: runs in the cloned child, never returns. */
static void container_main(struct container *c)
{
	const struct options *opt = &c->opt;
	const char *root = userns_rootfs(&c->userns, &c->image); /* the overlay, not ROOTFS */

	sync_wait_for_parent(&c->sync); /* until the parent says go */
	userns_become_root(&c->userns); /* --userns remap: uid 0 of our namespace */
	cgroup_enter_namespace(); /* our cgroup is "/" from here on */
	setup_uts(opt->hostname); /* our own hostname */
	net_inside(&c->net); /* lo, eth0, address, default route */
	make_mounts_private(); /* no mount events to or from the host */
	if (!c->userns.on)
		mount_image(&c->image); /* layers + upper layer = ROOT, a mount point */
	mount_volumes(root, opt->volumes, opt->n_volumes); /* -v */
	mount_volumes(root, c->net.files, c->net.n_files); /* /etc/hosts, /etc/hostname */
	mount_system_dirs(root); /* /proc, /sys, /dev of our own, before the pivot */
	pivot_into(root); /* "/" is now ROOT; the host's root is gone */
	if (rootless_has_cgroups(&c->rootless))
		mount_cgroupfs(&c->cgroup); /* /sys/fs/cgroup, read-only */
	terminal_inside(&c->term); /* own session; -t: own pty as stdin/out/err */
	if (opt->read_only)
		make_root_read_only(); /* --read-only */
	if (!opt->privileged)
		mask_kernel_files(); /* /proc/kcore, /proc/keys, ... hidden; /proc/sys read-only */
	closefrom(3); /* no host file leaks into the container */
	seccomp_filter_load(&c->filter); /* while we still have CAP_SYS_ADMIN */
	keep_capabilities_through_setuid(); /* -u must not take CAP_SETPCAP yet */
	config_apply(&c->config); /* -w, -u, -e: the image's config, overridden */
	drop_capabilities(&c->caps); /* Docker's 14, in all five sets; none for -u USER */
	if (opt->no_new_privs)
		set_no_new_privs(); /* --security-opt no-new-privileges */
	if (opt->init)
		run_init(c->config.command); /* init as PID 1, the command as its child */
	exec_command(c->config.command); /* the command as PID 1 */
}

/* container run: the story of steps 01-07, with a user namespace. */
static int run_container(int argc, char **argv, const struct rootless *rootless)
{
	struct container c = {.rootless = *rootless}; /* nothing held yet: each release is safe */
	int code = EXIT_RUNTIME;

	parse_options(argc, argv, STEP, &c.opt); /* exits 125 on bad input */
	require_root(); /* namespaces need CAP_SYS_ADMIN: ours, as a user */
	if (state_open(&c.state, c.opt.id) < 0) /* locked: we are alive */
		goto out;
	state_reclaim(take_back); /* what killed supervisors left */
	if (rootless_adjust(&c.rootless, &c.opt) < 0 || /* pasta, no cgroups */
	    userns_prepare(&c.userns, &c.opt) < 0) /* --userns remap: the maps */
		goto out;
	if (caps_prepare(&c.caps, &c.opt) < 0 || /* --cap-add, --cap-drop */
	    seccomp_filter_prepare(&c.filter, &c.opt, &c.caps,
				   rootless_seccomp_cache(&c.rootless)) < 0) /* the profile */
		goto out;
	if (sync_open(&c.sync) < 0)
		die("pipe");
	block_forwarded_signals(); /* until supervise() takes them */
	if (image_prepare(&c.image, &c.opt) < 0) /* find the layers, make upper/ */
		goto out;
	if (userns_give_dirs(&c.userns, &c.image) < 0 || /* upper/ belongs to its root */
	    userns_mount_image(&c.userns, &c.image) < 0) /* --userns remap: idmapped layers */
		goto out;
	if (config_prepare(&c.config, &c.opt, c.image.config) < 0) /* Entrypoint, Cmd, Env */
		goto out;
	if (net_prepare(&c.net, &c.opt) < 0 || /* -p ports, an address, the bridge */
	    rootless_net_prepare(&c.rootless, &c.net, &c.opt) < 0) /* pasta: resolv.conf */
		goto out;
	if (rootless_has_cgroups(&c.rootless) &&
	    (rootless_delegate(&c.rootless) < 0 || /* a user: our processes into a leaf */
	     cgroup_prepare(&c.cgroup, &c.opt) < 0 || /* PARENT/<id> with the limits */
	     rootless_hold_cgroup(&c.rootless, &c.cgroup) < 0)) /* a user: ours while we live */
		goto out;
	if (!c.rootless.on && /* a user may not load BPF: its namespace makes no devices */
	    devices_prepare(&c.devices, &c.cgroup, &c.opt) < 0) /* deny all but /dev/null, ... */
		goto out;
	if (terminal_prepare(&c.term, c.opt.tty, c.opt.interactive) < 0) /* -t, -i */
		goto out;

	pid_t child = clone_process(userns_namespace(&c.userns) | UTS_PID_NAMESPACES |
				    MOUNT_NAMESPACES | net_namespace(&c.opt));
	if (child < 0) {
		fail("clone");
		goto out;
	}
	if (child == 0)
		container_main(&c);

	if (userns_write_maps(&c.userns, child) < 0 || /* --userns remap: its ids */
	    (rootless_has_cgroups(&c.rootless) &&
	     cgroup_attach(&c.cgroup, child) < 0) || /* into its cgroup, before it runs */
	    (!c.rootless.on &&
	     devices_attach(&c.devices, child) < 0) || /* v1: its devices cgroup */
	    net_attach(&c.net, child) < 0 || /* its eth0, the -p proxy */
	    rootless_net_attach(&c.rootless, child) < 0) /* pasta: lo, tap, -p */
		sync_close(&c.sync); /* no go: the child leaves with 125 */
	else if (sync_release_child(&c.sync) < 0) /* let it go on */
		fail("release the container");
	code = terminal_supervise(&c.term, child); /* relay -t/-i, forward signals, wait */
	if (rootless_has_cgroups(&c.rootless))
		cgroup_report(&c.cgroup, code); /* OOM kill? --stats */
out:
	devices_release(&c.devices); /* v1: rmdir its devices cgroup */
	if (cgroup_release(&c.cgroup) < 0) /* rmdir PARENT/<id> */
		code = EXIT_RUNTIME;
	rootless_release(&c.rootless); /* stop pasta; a user: the leaf back */
	net_release(&c.net); /* proxy, veth, lease, files */
	userns_unmount_image(&c.userns, &c.image); /* --userns remap: the overlay, the layers */
	image_release(&c.image); /* drop the upper layer (or --keep it) */
	config_release(&c.config);
	seccomp_filter_free(&c.filter);
	state_close(&c.state); /* nothing of ours is left */
	return code;
}

int main(int argc, char **argv)
{
	struct rootless rootless;

	if (rootless_enter(&rootless) < 0) /* a user: root of a user namespace of our own */
		return EXIT_RUNTIME;
	if (argc >= 2 && strcmp(argv[1], "image") == 0)
		return image_command(argc - 1,
				     argv + 1); /* container image pull|import|ls|rm|inspect */
	return run_container(argc, argv, &rootless); /* container run IMAGE|ROOTFS COMMAND... */
}
