/* devices.h - step07's device policy: only the devices it was given. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "cgroupfs.h"
#include "common/cli.h"

struct devices {
	struct hierarchy v1; /* v1: the devices hierarchy and the container's directory in it */
	bool use_v1;
};

/* Parent, after cgroup_prepare(): v1, make PARENT/<id> in the devices
 * hierarchy with "deny all" and Docker's allow list; v2, load a BPF device
 * program and attach it to the container's cgroup. Nothing with --privileged.
 * 0, or -1 with a message and nothing left behind. */
int devices_prepare(struct devices *d, const struct cgroup *cg, const struct options *opt);
/* Parent: v1, move the child into its devices cgroup. 0, or -1 with a message. */
int devices_attach(struct devices *d, pid_t child);
/* Parent: remove the v1 directory (v2: it goes with the cgroup). Idempotent. */
int devices_release(struct devices *d);
