/* rootless.h - step08 without root: the supervisor in a user namespace of
 * its own, the user's directories, pasta for the network, cgroups only
 * where systemd delegated them. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "common/cli.h"
#include "delegation.h"
#include "net.h"
#include "userns.h"

#define ROOTLESS_DIR "kobako" /* below $XDG_DATA_HOME and $XDG_RUNTIME_DIR */
#define PASTA "/usr/bin/pasta" /* Debian's passt package */

struct rootless {
	bool on; /* started by an ordinary user */
	struct userns userns; /* the supervisor's own namespace: caller = root */
	char store[PATH_MAX]; /* $XDG_DATA_HOME/kobako */
	char run[PATH_MAX]; /* $XDG_RUNTIME_DIR/kobako, seen as /run/kobako */
	char seccomp_cache[PATH_MAX]; /* $XDG_RUNTIME_DIR/kobako-seccomp: compiled filters */
	bool pasta; /* --net bridge becomes pasta's user-mode network */
	struct port ports[MAX_PORTS]; /* -p, forwarded by pasta */
	size_t n_ports;
	pid_t pasta_pid; /* pasta, our child until we stop it; 0: none */
	bool cgroups; /* limits asked for, in a cgroup systemd delegated to us */
	struct delegation delegation; /* that cgroup, arranged for the container's */
};

/* Called first by an ordinary user (does nothing for root): say what a
 * distribution forbids, then move this process into a user namespace of
 * its own (userns.c) where it is root, and a mount namespace where the
 * user's XDG directories are the image store ($KOBAKO_ROOT) and
 * /run/kobako. 0, or -1 with a message. */
int rootless_enter(struct rootless *rl);

/* After parse_options: without root, --net bridge becomes pasta (its
 * ports kept here, opt's cleared), and cgroup limits are refused unless
 * systemd delegated our cgroup; if it did, the container's cgroup goes
 * below it (opt's cgroup_parent). rl->on only. 0, or -1 with a message. */
int rootless_adjust(struct rootless *rl, struct options *opt);

/* Does the container get cgroups? (root: always; a user: with delegation) */
bool rootless_has_cgroups(const struct rootless *rl);

/* Where compiled seccomp filters are kept: root's SECCOMP_CACHE_DIR, or
 * the user's own (beside the run dir: that one is a tmpfs of our
 * namespace, empty at every start). */
const char *rootless_seccomp_cache(const struct rootless *rl);

/* Before cgroup_prepare, with delegation: our processes into a leaf
 * (delegation.c), so that it may enable the controllers. 0 or -1 with a
 * message. */
int rootless_delegate(struct rootless *rl);

/* After cgroup_prepare, with delegation: the container's cgroup is held as
 * ours while we live. 0 or -1 with a message. */
int rootless_hold_cgroup(struct rootless *rl, const struct cgroup *cg);

/* Parent, after net_prepare, before clone: with pasta, the container's
 * resolv.conf (the host's nameservers) joins net's files. 0 or -1. */
int rootless_net_prepare(struct rootless *rl, struct net *n, const struct options *opt);

/* Parent, after clone, before the go: start pasta on the child's user and
 * network namespaces (-p ports, outbound through the user's sockets). 0 or -1. */
int rootless_net_attach(struct rootless *rl, pid_t child);

/* Parent, at the end, after cgroup_release: stop pasta; undo what
 * rootless_delegate arranged. Idempotent. */
void rootless_release(struct rootless *rl);
