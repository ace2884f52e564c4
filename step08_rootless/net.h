/* net.h - step04's mechanism: a network namespace, wired to a host bridge. */
#pragma once

#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cli.h"
#include "ipam.h"
#include "proxy.h"

#define BRIDGE_NAME "kobako0" /* the host's bridge, shared by all containers */
#define CONTAINER_IFNAME "eth0" /* the container's end of its veth pair */
#define KOBAKO_RUN_DIR "/run/kobako" /* leases, generated /etc files; tmpfs */

struct net {
	enum net_mode mode; /* --net bridge|none|host */
	char veth[IF_NAMESIZE]; /* host end of the veth pair: kb<short-id> */
	bool veth_created; /* ours to unplug from the bridge at exit */
	struct lease lease; /* the container's address (bridge) */
	struct in_addr gateway; /* the bridge's address: first host of the subnet */
	struct proxy proxy; /* -p listeners and the proxy process */
	char dir[PATH_MAX]; /* /run/kobako/<id>: the files below */
	struct volume files[3]; /* bind-mounted on /etc/hosts, hostname, resolv.conf */
	size_t n_files;
	const char *id; /* the container's, tags its nftables rules */
	bool published; /* DNAT rules of ours may exist */
};

/* The namespace step04 adds to clone(2): CLONE_NEWNET, none for --net host. */
uint64_t net_namespace(const struct options *opt);

/* Parent, before clone: listen on the -p ports, lease an address, make sure
 * the bridge is there, write /etc/hosts and /etc/hostname under
 * /run/kobako/<id>. Returns 0 or -1 (printed); net_release() undoes it. */
int net_prepare(struct net *n, const struct options *opt);

/* Parent, after clone, before the go: create the veth pair with its
 * container end already inside the child's network namespace; start the
 * -p proxy. Returns 0 or -1 (printed). */
int net_attach(struct net *n, pid_t child);

/* Child, after the go: lo up; with a bridge, eth0 gets its address, goes
 * up, and gets a default route via the gateway. Exits 125 on failure. */
void net_inside(const struct net *n);

/* Parent, at the end, on every path: stop the proxy, unplug the veth from
 * the bridge (the kernel deletes the pair with the namespace), release the
 * lease, remove the files. Idempotent; the bridge stays. */
void net_release(struct net *n);
