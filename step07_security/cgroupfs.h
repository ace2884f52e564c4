/* cgroupfs.h - find the cgroup filesystems and work with cgroup directories.
 *
 * The plumbing under step05's cgroup.c: which cgroup version this machine
 * runs (v2, v1, or a hybrid of both), where each hierarchy is mounted, which
 * cgroup we are in, and the directory chores (create with delegation, remove
 * when empty, read the counters). The limits themselves are written in
 * step05_cgroups/cgroup.c, where a student reads them.
 *
 * man: cgroups(7), proc(5) (/proc/PID/mountinfo, /proc/PID/cgroup)
 * kernel: Documentation/admin-guide/cgroup-v2.rst, cgroup-v1/cgroups.rst
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum cgroup_version { CGROUP_NONE, CGROUP_V1, CGROUP_V2 };

/* The controllers kobako uses. On v2 they live in one tree; on v1 each is
 * mounted as a hierarchy of its own, or shares one ("cpu,cpuacct"). */
enum controller { CTRL_MEMORY, CTRL_CPU, CTRL_CPUACCT, CTRL_PIDS, N_CONTROLLERS };
#define CTRL_BIT(c) (1u << (c))
extern const char *const CONTROLLER_NAME[N_CONTROLLERS]; /* "memory", "cpu", ... */

#define MAX_HIERARCHIES N_CONTROLLERS /* v2: one; v1: at most one per controller */

/* One mounted cgroup hierarchy, and the container's directory in it. */
struct hierarchy {
	char mount[PATH_MAX]; /* mount point: /sys/fs/cgroup, /sys/fs/cgroup/memory */
	char mount_root[PATH_MAX]; /* the cgroup seen at the mount point, "/" usually */
	char options[256]; /* v1 mount options naming its controllers: "cpu,cpuacct" */
	unsigned controllers; /* CTRL_BIT()s it offers (v2: in the root's cgroup.controllers) */
	char own[PATH_MAX]; /* our own cgroup in it, from /proc/self/cgroup */
	char dir[PATH_MAX]; /* the container's cgroup directory, once resolved */
	bool created; /* we made dir: we remove it */
	char made[PATH_MAX]; /* the highest missing parent we made for it ("": none) */
};

struct cgroup_layout {
	enum cgroup_version version;
	struct hierarchy h[MAX_HIERARCHIES];
	size_t n;
};

/* Detect the layout from /proc/self/mountinfo and /proc/self/cgroup. v1 if any
 * of our controllers is on a v1 hierarchy (a hybrid whose controllers are on
 * v1 is v1 for limits), else v2 if cgroup2 is mounted. 0, or -1 with a message. */
int cgroup_detect(struct cgroup_layout *layout);
/* The parsing half of cgroup_detect(), from open streams (unit tests). On v2
 * it assumes every controller; cgroup_detect() then reads cgroup.controllers. */
int cgroup_detect_from(struct cgroup_layout *layout, FILE *mountinfo, FILE *self_cgroup);

/* The hierarchy that has controller c, or NULL. */
struct hierarchy *cgroup_hierarchy_of(struct cgroup_layout *layout, enum controller c);

/* --cgroup-parent to the container's cgroup path in h: an absolute parent is
 * taken from the hierarchy's root, a relative one from our own cgroup; then
 * "/<id>". Then the directory on disk (below h->mount) into h->dir.
 * 0, or -1 with a message. */
int cgroup_resolve(struct hierarchy *h, const char *parent, const char *id);

/* Create h->dir and its missing ancestors (h->made: the highest of them, which
 * cgroup_remove() removes again once empty). On v2 each level from the root
 * down first hands the controllers `need` to its children
 * (cgroup.subtree_control), and those of `wish` where it can; EBUSY there is
 * the no-internal-processes rule, and the message says so. 0, or -1 with a
 * message. */
int cgroup_make(struct hierarchy *h, enum cgroup_version version, unsigned need, unsigned wish);

/* Remove h->dir if we created it: rmdir, and only when that says EBUSY kill
 * what is still inside and retry briefly while the kernel finishes with exited
 * tasks; then the parents cgroup_make() made, while empty. Idempotent; ENOENT
 * is success. 0, or -1 with a message. */
int cgroup_remove(struct hierarchy *h);

/* Does the control file dir/file exist? */
bool cgroup_has(const char *dir, const char *file);
/* Write the formatted value into dir/file in one write(2). 0, or -1 with a
 * message naming the file and the value. */
int cgroup_write(const char *dir, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A file of one number; "max" reads as UINT64_MAX. 0, or -1 with errno. */
int cgroup_read_number(const char *dir, const char *file, uint64_t *value);
/* A flat-keyed file ("oom_kill 1\n..."): the value of key. 0, or -1 with errno
 * (ENOENT also when the key is missing). */
int cgroup_read_key(const char *dir, const char *file, const char *key, uint64_t *value);

/* What the container used, read after it ended; has_* false when this kernel
 * or layout does not count it. */
struct cgroup_usage {
	bool has_oom_kills, has_memory_peak, has_cpu, has_pids_peak;
	uint64_t oom_kills; /* processes the OOM killer killed in the cgroup */
	uint64_t memory_peak; /* bytes */
	uint64_t cpu_usec; /* user + system CPU time, microseconds */
	uint64_t pids_peak;
};
/* v2: memory.events, memory.peak, cpu.stat, pids.peak. v1: memory.oom_control,
 * memory.max_usage_in_bytes, cpuacct.usage, pids.peak. */
void cgroup_read_usage(struct cgroup_layout *layout, struct cgroup_usage *usage);

/* "64.0M", "512B", "1.5G": binary units, one decimal. */
void format_size(uint64_t bytes, char *buf, size_t size);
/* "0.503s", "2m05.250s": a CPU time given in microseconds. */
void format_cpu_time(uint64_t usec, char *buf, size_t size);
/* v1 cpu.shares (2..262144, default 1024) to v2 cpu.weight (1..10000,
 * default 100), as crun and runc >= 1.3 convert it. */
uint64_t cpu_weight_from_shares(uint64_t shares);
