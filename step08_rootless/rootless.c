/* rootless.c - a container without sudo.
 *
 * An ordinary user runs kobako the way rootless Podman does: the supervisor
 * first moves itself into a user namespace of its own (userns.c), where the
 * user is root, and everything after that is the story of steps 01-07,
 * inside it. What root had for itself needs the user's own places instead:
 *
 *   images    $XDG_DATA_HOME/kobako (~/.local/share/kobako), imported inside
 *             the namespace: layer files belong to the user's mapped ids,
 *             overlayfs is mounted there with "userxattr" (Linux >= 5.11;
 *             older kernels refuse overlay in a user namespace: EPERM)
 *   run dir   $XDG_RUNTIME_DIR/kobako (Podman's convention), a tmpfs of the
 *             supervisor's own mount namespace, seen as /run/kobako
 *   filters   $XDG_RUNTIME_DIR/kobako-seccomp: seccomp.c's compiled filters,
 *             kept from one run to the next (the run dir is empty at each)
 *   network   no bridge, veth or nftables (they need root on the host): a
 *             namespace of its own with pasta(1), a user-mode network
 *             program that relays the container's packets through ordinary
 *             sockets of the user. kobako starts and stops it; pasta itself
 *             is not taught here (Debian's passt package)
 *   cgroups   only in a cgroup v2 subtree that systemd delegated to the user
 *             (delegation.c); the container's cgroup goes below it
 *
 * Some distributions restrict unprivileged user namespaces; we read their
 * switches in /proc/sys (never write them) and say what to do.
 *
 * man: user_namespaces(7), pasta(1), systemd.resource-control(5) (Delegate=)
 * Podman: docs/tutorials/rootless_tutorial.md
 */
#include "rootless.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "common/die.h"
#include "common/file.h"
#include "common/path.h"
#include "dns.h"
#include "seccomp.h"

#define MAX_USERNS_FILE "/proc/sys/user/max_user_namespaces"
#define DEBIAN_USERNS_FILE "/proc/sys/kernel/unprivileged_userns_clone" /* older Debian kernels */
#define APPARMOR_FILE "/proc/sys/kernel/apparmor_restrict_unprivileged_userns" /* Ubuntu 23.10+ */
#define APPARMOR_LABEL "/proc/self/attr/apparmor/current" /* our profile: "unconfined" if none */
#define APPARMOR_PROFILE "/etc/apparmor.d/kobako-step08" /* kobako-step08.apparmor, installed */
#define DIR_MODE 0700 /* the user's kobako directories: theirs alone */
#define SECCOMP_CACHE ROOTLESS_DIR "-seccomp" /* below $XDG_RUNTIME_DIR, seccomp.c makes it */
#define RUN_TMPFS_OPTIONS "mode=755,size=1m" /* our run dir (and /run, when needed) */
#define TUN_DEVICE "/dev/net/tun"
#define PASTA_ARGS_MAX (8 + 2 * MAX_PORTS + 2)

/* The value of a /proc/sys switch, or -1 if this kernel has none. */
static long read_switch(const char *path)
{
	char text[32];

	return read_file(path, text, sizeof(text)) > 0 ? strtol(text, NULL, 10) : -1;
}

/* Does AppArmor confine us with a profile? Its name is in our label
 * ("kobako-step08 (unconfined)"); a program without one reads "unconfined",
 * and a kernel without AppArmor has no such file. apparmor(7) */
static bool has_apparmor_profile(void)
{
	char label[256];

	return read_file(APPARMOR_LABEL, label, sizeof(label)) > 0 &&
	       strcmp(label, "unconfined") != 0;
}

/* Distributions that turn unprivileged user namespaces off: one line each.
 * Ubuntu's AppArmor does not refuse the namespace, it empties it: unshare(2)
 * succeeds, and the kernel moves a program without a profile of its own into
 * the profile unprivileged_userns, which denies it every capability there; so
 * the note comes first, and the step that needs one (uid_map, the mount
 * namespace) fails next with EPERM (or unshare(2) itself, with EACCES, where
 * that profile is missing). The profile that lifts it is ours:
 * kobako-step08.apparmor, put in place by `make install`. user_namespaces(7) */
static int check_distribution(void)
{
	if (read_switch(MAX_USERNS_FILE) == 0)
		return failx("user namespaces are disabled (" MAX_USERNS_FILE " is 0): ask root "
			     "for sysctl -w user.max_user_namespaces=28633, or run with sudo");
	if (read_switch(DEBIAN_USERNS_FILE) == 0)
		return failx("unprivileged user namespaces are off (" DEBIAN_USERNS_FILE " is 0): "
			     "ask root for sysctl -w kernel.unprivileged_userns_clone=1, or run "
			     "with sudo");
	if (read_switch(APPARMOR_FILE) == 1 && !has_apparmor_profile())
		fprintf(stderr,
			"container: note: Ubuntu's AppArmor gives a program without a profile no "
			"capabilities in its user namespace (" APPARMOR_FILE " is 1), so what "
			"follows may fail with \"Operation not permitted\": run the installed "
			"kobako-step08 after sudo make install, which puts its profile "
			"in " APPARMOR_PROFILE
			" (to load it again: sudo apparmor_parser -r " APPARMOR_PROFILE ")\n");
	return 0;
}

/* $XDG_DATA_HOME/kobako and $XDG_RUNTIME_DIR/kobako, made 0700. */
static int make_user_dirs(struct rootless *rl)
{
	const char *data = getenv("XDG_DATA_HOME"), *run = getenv("XDG_RUNTIME_DIR");
	const char *home = getenv("HOME");
	char base[PATH_MAX];

	if (!data || data[0] != '/') {
		if (!home || home[0] != '/')
			return failx("rootless: neither $XDG_DATA_HOME nor $HOME is an absolute "
				     "path: where should the images go?");
		snprintf(base, sizeof(base), "%s/.local/share", home);
		data = base;
	}
	if (path_join(rl->store, sizeof(rl->store), data, ROOTLESS_DIR) < 0 ||
	    mkdir_p(rl->store, DIR_MODE) < 0)
		return fail("image store %s/" ROOTLESS_DIR, data);
	if (!run || run[0] != '/')
		return failx("rootless: $XDG_RUNTIME_DIR is not set (log in through "
			     "systemd-logind, or set it to a directory of yours on a tmpfs)");
	if (path_join(rl->run, sizeof(rl->run), run, ROOTLESS_DIR) < 0 ||
	    mkdir_p(rl->run, DIR_MODE) < 0)
		return fail("run dir %s/" ROOTLESS_DIR, run);
	if (path_join(rl->seccomp_cache, sizeof(rl->seccomp_cache), run, SECCOMP_CACHE) < 0)
		return failx("run dir %s: too long", run);
	return 0;
}

/* In our own mount namespace: rl->run gets a tmpfs of ours, seen as
 * /run/kobako (net.c's KOBAKO_RUN_DIR): what we write there is gone with
 * our namespace, even if we are killed with SIGKILL. If the host has no
 * /run/kobako to mount on, /run gets a tmpfs of ours first, seen by us
 * alone, and the run dir is carried over it (open_tree(2), move_mount(2)). */
static int mount_run_dir(const struct rootless *rl)
{
	int tree;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("make / private");
	if (mount("tmpfs", rl->run, "tmpfs", MS_NOSUID | MS_NODEV, RUN_TMPFS_OPTIONS) < 0)
		return fail("mount tmpfs on %s", rl->run);
	if (is_directory(KOBAKO_RUN_DIR))
		return mount(rl->run, KOBAKO_RUN_DIR, NULL, MS_BIND, NULL) < 0
			   ? fail("bind %s on " KOBAKO_RUN_DIR, rl->run)
			   : 0;
	tree = syscall(SYS_open_tree, AT_FDCWD, rl->run, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return fail("open_tree %s", rl->run);
	if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, RUN_TMPFS_OPTIONS) < 0 ||
	    mkdir(KOBAKO_RUN_DIR, DIR_MODE) < 0 ||
	    syscall(SYS_move_mount, tree, "", AT_FDCWD, KOBAKO_RUN_DIR, MOVE_MOUNT_F_EMPTY_PATH) <
		0) {
		close(tree);
		return fail("mount %s on " KOBAKO_RUN_DIR, rl->run);
	}
	close(tree);
	return 0;
}

int rootless_enter(struct rootless *rl)
{
	*rl = (struct rootless){0};
	if (geteuid() == 0)
		return 0; /* root: step07's way, or --userns=remap */
	rl->on = true;
	if (check_distribution() < 0 || make_user_dirs(rl) < 0 ||
	    userns_plan_rootless(&rl->userns) < 0)
		return -1;
	/* The user namespace first: the mount namespace made next, and every
	 * namespace the container gets later, belong to it. */
	if (userns_enter(&rl->userns) < 0)
		return -1;
	if (unshare(CLONE_NEWNS) < 0)
		return fail("unshare(CLONE_NEWNS)");
	if (mount_run_dir(rl) < 0)
		return -1;
	/* Our images, unless the user named a store ($KOBAKO_ROOT, --root). */
	return setenv("KOBAKO_ROOT", rl->store, 0) < 0 ? fail("setenv") : 0;
}

/* Any option that needs a cgroup of the container's own? */
static bool wants_cgroup(const struct options *opt)
{
	return opt->memory || opt->memory_swap || opt->cpu_millis || opt->cpu_shares ||
	       opt->pids_limit || opt->stats;
}

/* Is word one of the space-separated words of list ("cpu memory pids")? */
static bool listed(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = strstr(list, word); p; p = strstr(p + 1, word))
		if ((p == list || p[-1] == ' ') && (p[len] == '\0' || p[len] == ' '))
			return true;
	return false;
}

/* A limit whose controller systemd did not delegate to us: one line. */
static int check_delegated(const struct delegation *d, bool asked, const char *option,
			   enum controller c)
{
	if (!asked || listed(d->controllers, CONTROLLER_NAME[c]))
		return 0;
	return failx("%s: systemd did not delegate the %s controller to your cgroup %s (it has "
		     "\"%s\"; Debian 12's user@.service delegates pids memory cpu): ask root for "
		     "Delegate=pids memory cpu in a drop-in of user@.service, or use a system unit "
		     "(systemd-run -p Delegate=yes -p User=$USER)",
		     option, CONTROLLER_NAME[c], d->path, d->controllers);
}

/* cgroups as a user: only below a cgroup that systemd delegated to us. */
static int adjust_cgroups(struct rootless *rl, struct options *opt)
{
	struct delegation *d = &rl->delegation;
	const char *why;

	if (!delegation_find(d, &why))
		return failx(
		    "--memory, --cpus, --cpu-shares, --pids-limit and --stats need a cgroup "
		    "v2 subtree delegated to you, and %s: run inside `systemd-run --user "
		    "--scope -p Delegate=yes container run ...`",
		    why);
	if (strcmp(opt->cgroup_parent, DEFAULT_CGROUP_PARENT) != 0)
		return failx("--cgroup-parent %s: without root the container's cgroup is always "
			     "below your delegated cgroup %s",
			     opt->cgroup_parent, d->path);
	if (check_delegated(d, opt->memory, "--memory", CTRL_MEMORY) < 0 ||
	    check_delegated(d, opt->cpu_millis || opt->cpu_shares, "--cpus/--cpu-shares",
			    CTRL_CPU) < 0 ||
	    check_delegated(d, opt->pids_limit, "--pids-limit", CTRL_PIDS) < 0)
		return -1;
	rl->cgroups = true;
	opt->cgroup_parent = d->path; /* PARENT/<id>: next to the leaf */
	return 0;
}

int rootless_adjust(struct rootless *rl, struct options *opt)
{
	if (!rl->on)
		return 0;
	if (opt->net == NET_BRIDGE) { /* no bridge without root: pasta's network */
		if (access(PASTA, X_OK) < 0)
			return failx("--net bridge without root needs pasta (sudo apt-get install "
				     "passt), or use --net none");
		/* pasta's end of the cable is a tap device, which anyone may
		 * make in a namespace of their own, if they may open this. */
		if (access(TUN_DEVICE, R_OK | W_OK) < 0)
			return fail(
			    "--net bridge without root: pasta needs " TUN_DEVICE
			    " (udev makes it mode 0666; here it is not: sudo chmod 0666 " TUN_DEVICE
			    "), or use --net none");
		rl->pasta = true;
		memcpy(rl->ports, opt->ports, sizeof(rl->ports));
		rl->n_ports = opt->n_ports;
		opt->net = NET_NONE; /* net.c: a namespace with lo; pasta adds the rest */
		opt->n_ports = 0;
	}
	return wants_cgroup(opt) ? adjust_cgroups(rl, opt) : 0;
}

bool rootless_has_cgroups(const struct rootless *rl)
{
	return !rl->on || rl->cgroups;
}

int rootless_delegate(struct rootless *rl)
{
	return rl->cgroups ? delegation_arrange(&rl->delegation) : 0;
}

int rootless_hold_cgroup(struct rootless *rl, const struct cgroup *cg)
{
	return rl->cgroups ? delegation_hold(&rl->delegation, cg->fs.h[0].dir) : 0;
}

const char *rootless_seccomp_cache(const struct rootless *rl)
{
	return rl->on ? rl->seccomp_cache : SECCOMP_CACHE_DIR;
}

/* "-t 127.0.0.1/8080:80": pasta's spelling of one -p. */
static void port_spec(const struct port *p, char *spec, size_t size)
{
	char addr[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &p->host_addr, addr, sizeof(addr));
	if (p->host_addr.s_addr == htonl(INADDR_ANY))
		snprintf(spec, size, "%u:%u", p->host_port, p->container_port);
	else
		snprintf(spec, size, "%s/%u:%u", addr, p->host_port, p->container_port);
}

/* pasta's command line: -t/-u for each -p, the network namespace as
 * /proc/self/fd/NETNS and its readiness (its pid, written once the network
 * is configured) to /proc/self/fd/READY, both fds it inherits. */
static void pasta_args(const struct rootless *rl, int netns, int ready, char *argv[],
		       char specs[][64], char fds[2][32])
{
	size_t n = 0;

	snprintf(fds[0], sizeof(fds[0]), "/proc/self/fd/%d", netns);
	snprintf(fds[1], sizeof(fds[1]), "/proc/self/fd/%d", ready);
	argv[n++] = "pasta";
	argv[n++] = "--config-net"; /* addresses and routes copied from the host's */
	argv[n++] = "--foreground"; /* our child: it dies with us (PR_SET_PDEATHSIG) */
	argv[n++] = "--quiet";
	argv[n++] = "--runas"; /* we are root in our namespace: stay who we are */
	argv[n++] = "0:0";
	argv[n++] = "--no-netns-quit"; /* we stop it */
	argv[n++] = "--netns";
	argv[n++] = fds[0];
	argv[n++] = "--pid";
	argv[n++] = fds[1];
	for (size_t i = 0; i < rl->n_ports; i++) {
		port_spec(&rl->ports[i], specs[i], sizeof(specs[0]));
		argv[n++] = rl->ports[i].proto == IPPROTO_UDP ? "-u" : "-t";
		argv[n++] = specs[i];
	}
	argv[n] = NULL;
}

/* In the fork, before exec: pasta hears SIGTERM (ours is blocked), dies
 * with the supervisor, and starts at all (it refuses an ignored SIGPIPE). */
static noreturn void exec_pasta(char *argv[])
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	execv(PASTA, argv);
	die_child("exec " PASTA);
}

/* Start pasta on the child's network namespace and wait until it says it
 * is ready: it opens the namespace through an fd of ours (it keeps fewer
 * capabilities than the child has, so the kernel would not let it open
 * /proc/CHILD/ns/net itself), and its "pid file" is a pipe to us. */
static int run_pasta(struct rootless *rl, pid_t child)
{
	char specs[MAX_PORTS][64], fds[2][32], path[64], text[32] = "", *argv[PASTA_ARGS_MAX];
	int ready[2], netns;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
	if ((netns = open(path, O_RDONLY)) < 0) /* inherited: no O_CLOEXEC */
		return fail("open %s", path);
	if (pipe(ready) < 0) {
		close(netns);
		return fail("pipe");
	}
	pasta_args(rl, netns, ready[1], argv, specs, fds);
	rl->pasta_pid = fork();
	if (rl->pasta_pid == 0)
		exec_pasta(argv);
	close(netns);
	close(ready[1]);
	n = rl->pasta_pid < 0 ? -1 : read(ready[0], text, sizeof(text) - 1);
	close(ready[0]);
	if (rl->pasta_pid < 0)
		return rl->pasta_pid = 0, fail("fork");
	if (n <= 0) /* it exited without a word: it said why on stderr */
		return failx(PASTA ": failed to set up the container's network (see above)");
	return 0;
}

int rootless_net_prepare(struct rootless *rl, struct net *n, const struct options *opt)
{
	struct volume *resolv = &n->files[n->n_files];

	if (!rl->pasta)
		return 0;
	/* pasta answers nothing itself: the host's nameservers, reached
	 * through its sockets like any other address. */
	*resolv = (struct volume){.target = "/etc/resolv.conf"};
	path_join(resolv->host, sizeof(resolv->host), n->dir, "resolv.conf");
	if (dns_write_resolv_conf(resolv->host, opt) < 0)
		return -1;
	n->n_files++; /* net_release removes it */
	return 0;
}

int rootless_net_attach(struct rootless *rl, pid_t child)
{
	return rl->pasta ? run_pasta(rl, child) : 0;
}

void rootless_release(struct rootless *rl)
{
	int saved = errno;

	if (rl->pasta_pid > 0 && kill(rl->pasta_pid, SIGTERM) == 0)
		waitpid(rl->pasta_pid, NULL, 0);
	rl->pasta_pid = 0;
	if (rl->cgroups)
		delegation_release(&rl->delegation); /* the leaf, the controllers */
	errno = saved;
}
