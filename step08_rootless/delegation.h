/* delegation.h - step08: a cgroup v2 subtree that systemd delegated to the
 * user, arranged so that a container's cgroup can go beneath it. */
#pragma once

#include <limits.h>
#include <stdbool.h>

#define LEAF_NAME "kobako-leaf" /* where the delegated cgroup's own processes go */

struct delegation {
	char dir[PATH_MAX]; /* the delegated cgroup: /sys/fs/cgroup/.../run-u7.service */
	char path[PATH_MAX]; /* the same as a cgroup path: /system.slice/run-u7.service */
	char controllers[256]; /* its cgroup.controllers: what we may enable below it */
	int lock; /* dir, flock()ed while we arrange it or take back; -1: not held */
	int held; /* the container's cgroup, flock()ed while we live; -1: none */
	bool arranged; /* processes may be in LEAF and controllers enabled: undo */
};

/* Is our own cgroup (or, if we are in its LEAF_NAME, its parent) on cgroup v2
 * and ours to manage: cgroup.procs and cgroup.subtree_control writable, as
 * systemd makes them for Delegate=yes? Fills d if so; if not, *why says
 * why not in a few words. */
bool delegation_find(struct delegation *d, const char **why);

/* Before the container's cgroup is made: take back the cgroups of killed
 * supervisors, and move every process of the delegated cgroup into its
 * leaf, so that cgroup_prepare may enable controllers for its children.
 * Keeps others out (flock) until delegation_hold(). 0, or -1 with a
 * message. */
int delegation_arrange(struct delegation *d);

/* After the container's cgroup dir was made below d->dir: hold it as ours
 * for as long as we live, and let other supervisors in. 0 or -1. */
int delegation_hold(struct delegation *d, const char *dir);

/* At the end, after the container's cgroup is gone: unless another
 * container still has one here, disable the controllers, move the processes
 * back and remove the leaf. Idempotent. */
void delegation_release(struct delegation *d);
