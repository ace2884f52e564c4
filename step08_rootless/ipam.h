/* ipam.h - IP address management: lease addresses of a subnet to containers.
 *
 * Per subnet, DIR holds two small files, e.g. for 10.213.0.0/24:
 *   10.213.0.0-24.lock    flopen(3)ed (and so flock(2)ed) around every change
 *   10.213.0.0-24.leases  one line per lease: "ADDRESS PID ID"
 * PID is the supervisor that holds the lease. A lease whose PID is gone (a
 * supervisor killed with SIGKILL never released it) is stale, and reclaimed
 * by the next container that looks. The network address, the gateway (the
 * first host) and the broadcast address are never leased.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/cli.h"

struct lease {
	char dir[256]; /* where the .lock and .leases files live */
	struct in_addr subnet; /* network address */
	int prefix;
	struct in_addr addr; /* the leased address */
	pid_t owner;
	bool held; /* acquired and not yet released */
};

/* The first host of the subnet: the bridge's (the gateway's) address. */
struct in_addr ipam_gateway(struct in_addr subnet);

/* Lease an address of subnet/prefix to owner (a PID) for container `id`:
 * `wanted` if it is not 0.0.0.0, else the lowest free one. Creates dir if
 * needed. Returns 0, or -1 after printing one line: "address in use",
 * "subnet ... exhausted", "reserved", "not in the subnet", or an I/O error. */
int ipam_acquire(struct lease *l, const char *dir, struct in_addr subnet, int prefix,
		 struct in_addr wanted, pid_t owner, const char *id);

/* Give the address back. Idempotent; does nothing unless l->held.
 * Returns 0, or -1 after printing why. */
int ipam_release(struct lease *l);
