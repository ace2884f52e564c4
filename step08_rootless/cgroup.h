/* cgroup.h - step05's mechanism: limits on memory, CPU and processes. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cgroupfs.h"
#include "common/cli.h"

struct cgroup {
	struct cgroup_layout fs; /* the hierarchies, and our directory in each */
	const struct options *opt; /* the limits asked for */
	bool attached; /* the container ran in it: report on it */
};

/* Parent, before clone: create PARENT/<id> in every hierarchy (v2: delegating
 * the controllers down) and write the limits. A limit that cannot be applied
 * is an error. 0, or -1 with a message and nothing left behind. */
int cgroup_prepare(struct cgroup *cg, const struct options *opt);
/* Parent: move the child into the cgroup, before it is released to run the
 * command. 0, or -1 with a message. */
int cgroup_attach(struct cgroup *cg, pid_t child);
/* Child, right after the parent's go: a cgroup namespace of its own, so its
 * cgroup is "/" to it. Exits 125 on failure. */
void cgroup_enter_namespace(void);
/* Child, after pivot_root and /sys: the cgroup filesystem at /sys/fs/cgroup,
 * read-only (cgroup2 on v2; on v1 a tmpfs with one mount per hierarchy). */
void mount_cgroupfs(const struct cgroup *cg);
/* Parent, after the container ended with exit code code: say so if the OOM
 * killer struck (and whether it killed the container itself), print --stats. */
void cgroup_report(struct cgroup *cg, int code);
/* Remove the cgroup directory dir of a container whose supervisor was
 * killed (state.c), killing what is still in it. 0, or -1 with a message. */
int cgroup_take_back(const char *dir);
/* Parent: remove the container's cgroup directories, on every path.
 * Idempotent; keeps errno. 0, or -1 with a message. */
int cgroup_release(struct cgroup *cg);
