/* cgroup.c - control groups: how much the container may use.
 *
 * Namespaces decide what a container sees; cgroups decide how much it may
 * use. A cgroup is a directory in a special filesystem, and its files are
 * the knobs: write "33554432" into memory.max, write a pid into cgroup.procs,
 * and the kernel holds that process and all its future children to 32 MiB.
 *
 * There are two versions of the files. cgroup v2 is one tree: a cgroup can
 * use a controller only if its parent lists it in cgroup.subtree_control.
 * cgroup v1 has one tree ("hierarchy") per controller, each with its own
 * file names. The machine tells us which at run time (cgroupfs.c).
 *
 *   limit          v2 file              v1 file
 *   --memory       memory.max           memory.limit_in_bytes
 *   (no swap)      memory.swap.max      memory.memsw.limit_in_bytes (memory + swap)
 *   --cpus         cpu.max "QUOTA PERIOD"   cpu.cfs_quota_us, cpu.cfs_period_us
 *   --cpu-shares   cpu.weight (1..10000)    cpu.shares (2..262144)
 *   --pids-limit   pids.max             pids.max
 *
 * man: cgroups(7), cgroup_namespaces(7)
 * kernel: Documentation/admin-guide/cgroup-v2.rst
 * LWN: "Understanding the new control groups API" (https://lwn.net/Articles/679786/)
 */
#include "cgroup.h"

#include <bsd/string.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/die.h"
#include "common/path.h"
#include "state.h"

#define CPU_PERIOD_US 100000 /* the CFS period, 100 ms: the kernel's and Docker's default */
#define MILLIS_PER_CPU 1000 /* --cpus 0.25 is 250 millis */
#define CGROUP_MOUNT "/sys/fs/cgroup"
#define V1_TMPFS_OPTIONS "mode=755,size=64k"
#define SIZE_TEXT 32 /* "1023.9K", "12m03.250s" */

static bool v2(const struct cgroup *cg)
{
	return cg->fs.version == CGROUP_V2;
}

/* The directory where controller c's files are (v1: its own hierarchy). */
static const char *dir_of(struct cgroup *cg, enum controller c)
{
	return cgroup_hierarchy_of(&cg->fs, c)->dir;
}

/* The controllers the options need. */
static unsigned required_controllers(const struct options *opt)
{
	return (opt->memory ? CTRL_BIT(CTRL_MEMORY) : 0) |
	       (opt->cpu_millis || opt->cpu_shares ? CTRL_BIT(CTRL_CPU) : 0) |
	       (opt->pids_limit ? CTRL_BIT(CTRL_PIDS) : 0);
}

/* A limit we cannot apply is an error, never a container that runs without it. */
static int check_controllers(struct cgroup *cg)
{
	static const char *const OPTION[N_CONTROLLERS] = {"--memory", "--cpus/--cpu-shares", "",
							  "--pids-limit"};
	unsigned have = 0, need = required_controllers(cg->opt);

	for (size_t i = 0; i < cg->fs.n; i++)
		have |= cg->fs.h[i].controllers;
	for (int c = 0; c < N_CONTROLLERS; c++) {
		if (!(need & ~have & CTRL_BIT(c)))
			continue;
		if (v2(cg)) /* the file where cgroupfs.c found the list: not always /sys/fs/cgroup */
			return failx("%s: no %s controller here (not in %s/cgroup.controllers)",
				     OPTION[c], CONTROLLER_NAME[c], cg->fs.h[0].mount);
		return failx("%s: no %s controller here (cgroup v1: no hierarchy mounted with it)",
			     OPTION[c], CONTROLLER_NAME[c]);
	}
	return 0;
}

/* No swap unless --memory-swap allows some: else the container would swap
 * instead of stopping at its limit. */
static int set_swap(struct cgroup *cg, const char *dir)
{
	const struct options *opt = cg->opt;
	const char *file = v2(cg) ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
	/* Docker's --memory-swap is memory plus swap, as v1's memsw is; v2
	 * limits the swap alone. */
	uint64_t total = opt->memory_swap > 0 ? (uint64_t)opt->memory_swap : opt->memory;
	unsigned long long value = v2(cg) ? total - opt->memory : total;

	/* The file is missing when the kernel does not account swap. */
	if (!cgroup_has(dir, file))
		return opt->memory_swap ? failx("--memory-swap: no %s (no swap accounting)", file)
					: 0;
	if (opt->memory_swap < 0) /* -1: unlimited */
		return cgroup_write(dir, file, v2(cg) ? "max" : "-1");
	return cgroup_write(dir, file, "%llu", value);
}

/* --memory: above it the kernel reclaims, and failing that the OOM killer
 * kills a process in this cgroup (not somewhere on the machine). */
static int set_memory(struct cgroup *cg)
{
	if (!cg->opt->memory)
		return 0;
	const char *dir = dir_of(cg, CTRL_MEMORY);
	if (cgroup_write(dir, v2(cg) ? "memory.max" : "memory.limit_in_bytes", "%llu",
			 (unsigned long long)cg->opt->memory) < 0)
		return -1;
	return set_swap(cg, dir);
}

/* --cpus: at most QUOTA microseconds of CPU time in every PERIOD, enforced
 * by the scheduler (CFS bandwidth control): 0.25 CPU is 25 ms per 100 ms. */
static int set_cpu_quota(struct cgroup *cg)
{
	long long quota_us = cg->opt->cpu_millis * CPU_PERIOD_US / MILLIS_PER_CPU;

	if (!cg->opt->cpu_millis)
		return 0;
	const char *dir = dir_of(cg, CTRL_CPU);
	if (v2(cg))
		return cgroup_write(dir, "cpu.max", "%lld %d", quota_us, CPU_PERIOD_US);
	if (cgroup_write(dir, "cpu.cfs_period_us", "%d", CPU_PERIOD_US) < 0)
		return -1;
	return cgroup_write(dir, "cpu.cfs_quota_us", "%lld", quota_us);
}

/* --cpu-shares: no limit, a weight that counts only when CPUs are busy. */
static int set_cpu_weight(struct cgroup *cg)
{
	if (!cg->opt->cpu_shares)
		return 0;
	const char *dir = dir_of(cg, CTRL_CPU);
	if (v2(cg)) /* v1's 2..262144 (default 1024) becomes v2's 1..10000 (default 100) */
		return cgroup_write(
		    dir, "cpu.weight", "%llu",
		    (unsigned long long)cpu_weight_from_shares(cg->opt->cpu_shares));
	return cgroup_write(dir, "cpu.shares", "%lld", cg->opt->cpu_shares);
}

/* --pids-limit: fork(2) and clone(2) fail with EAGAIN beyond it. Same file on v1 and v2. */
static int set_pids(struct cgroup *cg)
{
	if (!cg->opt->pids_limit)
		return 0;
	return cgroup_write(dir_of(cg, CTRL_PIDS), "pids.max", "%lld", cg->opt->pids_limit);
}

/* Create the directories and write the limits; cgroup_prepare() undoes a failure. */
static int create_with_limits(struct cgroup *cg, const struct options *opt)
{
	if (cgroup_detect(&cg->fs) < 0 || check_controllers(cg) < 0)
		return -1;
	/* v2: what the limits need, and memory and pids where we may, for the
	 * OOM report and --stats (cpu.stat is always there). */
	unsigned need = required_controllers(opt),
		 wish = CTRL_BIT(CTRL_MEMORY) | CTRL_BIT(CTRL_PIDS);
	for (size_t i = 0; i < cg->fs.n; i++) {
		struct hierarchy *h = &cg->fs.h[i];
		/* recorded first: should our supervisor be killed, the next
		 * run takes it back (state.c) */
		if (cgroup_resolve(h, opt->cgroup_parent, opt->id) < 0 ||
		    state_record(opt->id, "cgroup", h->dir) < 0 ||
		    cgroup_make(h, cg->fs.version, need, wish) < 0)
			return -1;
	}
	if (set_memory(cg) < 0 || set_cpu_quota(cg) < 0 || set_cpu_weight(cg) < 0 ||
	    set_pids(cg) < 0)
		return -1;
	return 0;
}

int cgroup_prepare(struct cgroup *cg, const struct options *opt)
{
	*cg = (struct cgroup){.opt = opt};
	if (create_with_limits(cg, opt) == 0)
		return 0;
	cgroup_release(cg); /* nothing half-made stays behind */
	return -1;
}

int cgroup_attach(struct cgroup *cg, pid_t child)
{
	/* Writing a pid into cgroup.procs moves that process; whatever it
	 * forks later starts out in the same cgroup. The child is still
	 * waiting on the sync pipe, so the limits hold before the command
	 * runs. v1: once in every hierarchy. */
	for (size_t i = 0; i < cg->fs.n; i++)
		if (cgroup_write(cg->fs.h[i].dir, "cgroup.procs", "%d", child) < 0)
			return -1;
	cg->attached = true;
	return 0;
}

void cgroup_enter_namespace(void)
{
	/* A cgroup namespace makes the cgroup we are in right now the root of
	 * what we can see: /proc/self/cgroup shows "/", and a cgroupfs mounted
	 * in here starts at our cgroup. So it is made here, after the parent
	 * moved us, and not by clone(): then we were still in its cgroup. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		die_child("unshare(CLONE_NEWCGROUP)");
}

/* "cpu" -> "cpu,cpuacct": each controller of a shared hierarchy also under
 * its own name, as systemd links them. */
static void link_controller_names(const struct hierarchy *h)
{
	char path[PATH_MAX];

	for (int c = 0; c < N_CONTROLLERS && strchr(h->options, ','); c++)
		if ((h->controllers & CTRL_BIT(c)) &&
		    (path_join(path, sizeof(path), CGROUP_MOUNT, CONTROLLER_NAME[c]) < 0 ||
		     symlink(h->options, path) < 0))
			die_child("symlink %s/%s", CGROUP_MOUNT, CONTROLLER_NAME[c]);
}

/* v1: a small tmpfs at /sys/fs/cgroup with one directory per hierarchy
 * ("memory", "cpu,cpuacct", ...), as systemd lays it out, then read-only. */
static void mount_v1_hierarchies(const struct cgroup *cg, unsigned long flags)
{
	char path[PATH_MAX];

	if (mount("tmpfs", CGROUP_MOUNT, "tmpfs", flags & ~MS_RDONLY, V1_TMPFS_OPTIONS) < 0)
		die_child("mount tmpfs on %s", CGROUP_MOUNT);
	for (size_t i = 0; i < cg->fs.n; i++) {
		const struct hierarchy *h = &cg->fs.h[i];
		if (path_join(path, sizeof(path), CGROUP_MOUNT, h->options) < 0 ||
		    (mkdir(path, 0755) < 0 && errno != EEXIST))
			die_child("mkdir %s/%s", CGROUP_MOUNT, h->options);
		/* The options name the controllers: the kernel finds the existing
		 * hierarchy, shown from our namespace's root down. */
		if (mount("cgroup", path, "cgroup", flags, h->options) < 0)
			die_child("mount cgroup (%s) on %s", h->options, path);
		link_controller_names(h);
	}
	if (mount(NULL, CGROUP_MOUNT, NULL, MS_REMOUNT | flags, V1_TMPFS_OPTIONS) < 0)
		die_child("make %s read-only", CGROUP_MOUNT);
}

void mount_cgroupfs(const struct cgroup *cg)
{
	/* Read-only: the container may look at its limits and counters, not
	 * raise them. */
	const unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY;

	if (cg->fs.version == CGROUP_V1) {
		mount_v1_hierarchies(cg, flags);
		return;
	}
	if (mount("cgroup2", CGROUP_MOUNT, "cgroup2", flags, NULL) < 0)
		die_child("mount cgroup2 on %s", CGROUP_MOUNT);
}

/* --stats, on stderr (stdout is the container's). */
static void print_stats(const struct cgroup_usage *u)
{
	char memory[SIZE_TEXT] = "n/a", cpu[SIZE_TEXT] = "n/a", pids[SIZE_TEXT] = "n/a";

	if (u->has_memory_peak)
		format_size(u->memory_peak, memory, sizeof(memory));
	if (u->has_cpu)
		format_cpu_time(u->cpu_usec, cpu, sizeof(cpu));
	if (u->has_pids_peak)
		snprintf(pids, sizeof(pids), "%llu", (unsigned long long)u->pids_peak);
	fprintf(stderr, "container: stats: peak memory %s, CPU time %s, peak pids %s\n", memory,
		cpu, pids);
}

void cgroup_report(struct cgroup *cg, int code)
{
	struct cgroup_usage usage;
	char limit[SIZE_TEXT] = "of a parent cgroup";

	if (!cg->attached)
		return;
	/* The kernel counts its OOM kills per cgroup: v2 memory.events,
	 * v1 memory.oom_control, each with a line "oom_kill N". */
	cgroup_read_usage(&cg->fs, &usage);
	if (cg->opt->memory)
		format_size(cg->opt->memory, limit, sizeof(limit));
	if (usage.has_oom_kills && usage.oom_kills > 0 && code == EXIT_SIGNAL_BASE + SIGKILL)
		fprintf(stderr, "container killed: out of memory (limit %s)\n", limit);
	else if (usage.has_oom_kills && usage.oom_kills > 0)
		fprintf(stderr, "container: out of memory: %llu process(es) killed (limit %s)\n",
			(unsigned long long)usage.oom_kills, limit);
	if (cg->opt->stats)
		print_stats(&usage);
}

int cgroup_take_back(const char *dir)
{
	struct hierarchy h = {.created = true};

	if (strlcpy(h.dir, dir, sizeof(h.dir)) >= sizeof(h.dir))
		return failx("cgroup %s: path too long", dir);
	return cgroup_remove(&h); /* kills what is left in it, then rmdir */
}

int cgroup_release(struct cgroup *cg)
{
	int ok = 0, saved_errno = errno;

	for (size_t i = 0; i < cg->fs.n; i++)
		if (cgroup_remove(&cg->fs.h[i]) < 0)
			ok = -1;
	errno = saved_errno; /* the caller may be about to report its own error */
	return ok;
}
