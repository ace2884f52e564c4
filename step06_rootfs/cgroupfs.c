/* cgroupfs.c - find the cgroup hierarchies, make and remove cgroups, read counters. */
#include "cgroupfs.h"

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "common/die.h"
#include "common/file.h"
#include "common/path.h"

#define MAKE_TRIES 3 /* walks, when a parent vanished under one */
#define RMDIR_TRIES 100 /* EBUSY retries of rmdir ... */
#define RMDIR_RETRY_MS 10 /* ... this far apart: at most a second in all */
#define CGROUP_DIR_MODE 0755
#define CONTROL_TEXT_MAX 1024 /* cgroup.controllers, a number, a key line */

const char *const CONTROLLER_NAME[N_CONTROLLERS] = {"memory", "cpu", "cpuacct", "pids"};

/* Is word one of the separator-separated words of list? */
static bool has_word(const char *list, const char *word, const char *separators)
{
	size_t len = strlen(word);

	for (const char *p = list; *p; p += strcspn(p, separators), p += strspn(p, separators))
		if (strncmp(p, word, len) == 0 && (p[len] == '\0' || strchr(separators, p[len])))
			return true;
	return false;
}

/* Our controllers named in a word list ("rw,cpu,cpuacct" or "cpu memory pids"). */
static unsigned controllers_in(const char *list, const char *separators)
{
	unsigned mask = 0;

	for (int c = 0; c < N_CONTROLLERS; c++)
		if (has_word(list, CONTROLLER_NAME[c], separators))
			mask |= CTRL_BIT(c);
	return mask;
}

/* v1 super options minus what must not be repeated when mounting the same
 * hierarchy again inside the container: "rw,cpu,cpuacct" -> "cpu,cpuacct". */
static void v1_mount_options(const char *super, char *out, size_t size)
{
	char copy[256], *save = NULL;

	strlcpy(copy, super, sizeof(copy));
	out[0] = '\0';
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "rw") || !strcmp(o, "ro") || !strncmp(o, "release_agent=", 14))
			continue;
		if (out[0])
			strlcat(out, ",", size);
		strlcat(out, o, size);
	}
}

/* One line of mountinfo: a v1 hierarchy with our controllers, or the cgroup2
 * mount, added to the layout (first mount of each wins). */
static void add_mount(struct cgroup_layout *l, struct hierarchy *v2, const char *line)
{
	char root[PATH_MAX], mount[PATH_MAX], type[32], super[256];
	const char *rest = strstr(line, " - ");
	unsigned mask, taken = 0;

	/* "36 25 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory" */
	if (!rest || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mount) != 2 ||
	    sscanf(rest + 3, "%31s %*s %255s", type, super) != 2)
		return;
	if (strcmp(type, "cgroup2") == 0 && !v2->mount[0]) {
		strlcpy(v2->mount, mount, sizeof(v2->mount));
		strlcpy(v2->mount_root, root, sizeof(v2->mount_root));
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		taken |= l->h[i].controllers;
	if (strcmp(type, "cgroup") != 0 || !(mask = controllers_in(super, ",")) || (mask & taken))
		return;
	struct hierarchy *h = &l->h[l->n++];
	*h = (struct hierarchy){.controllers = mask};
	strlcpy(h->mount, mount, sizeof(h->mount));
	strlcpy(h->mount_root, root, sizeof(h->mount_root));
	v1_mount_options(super, h->options, sizeof(h->options));
}

/* Our cgroup in h, from /proc/self/cgroup lines "ID:CONTROLLERS:PATH"
 * ("0::PATH" for v2). */
static int find_own_cgroup(struct hierarchy *h, enum cgroup_version v, FILE *self)
{
	char *line = NULL;
	size_t cap = 0;
	int found = -1;

	rewind(self);
	while (found < 0 && getline(&line, &cap, self) > 0) {
		char *list = strchr(line, ':'), *path = list ? strchr(list + 1, ':') : NULL;
		if (!path)
			continue;
		*list++ = '\0';
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		bool match = v == CGROUP_V2 ? strcmp(line, "0") == 0 && list[0] == '\0'
					    : (controllers_in(list, ",") & h->controllers) != 0;
		if (match && strlcpy(h->own, path, sizeof(h->own)) < sizeof(h->own))
			found = 0;
	}
	free(line);
	if (found < 0)
		return failx("cgroup: our own cgroup in %s is not in /proc/self/cgroup", h->mount);
	return 0;
}

int cgroup_detect_from(struct cgroup_layout *l, FILE *mountinfo, FILE *self_cgroup)
{
	struct hierarchy v2 = {0};
	char *line = NULL;
	size_t cap = 0;

	*l = (struct cgroup_layout){0};
	while (getline(&line, &cap, mountinfo) > 0)
		add_mount(l, &v2, line);
	free(line);
	if (l->n > 0) {
		l->version = CGROUP_V1;
	} else if (v2.mount[0]) {
		l->version = CGROUP_V2;
		v2.controllers = CTRL_BIT(CTRL_MEMORY) | CTRL_BIT(CTRL_CPU) | CTRL_BIT(CTRL_PIDS);
		l->h[l->n++] = v2;
	} else {
		return failx("cgroup: none mounted (no cgroup2 and no v1 memory, cpu or pids "
			     "hierarchy in /proc/self/mountinfo)");
	}
	for (size_t i = 0; i < l->n; i++)
		if (find_own_cgroup(&l->h[i], l->version, self_cgroup) < 0)
			return -1;
	return 0;
}

int cgroup_detect(struct cgroup_layout *l)
{
	FILE *mountinfo = fopen("/proc/self/mountinfo", "re"),
	     *self = fopen("/proc/self/cgroup", "re");
	char available[CONTROL_TEXT_MAX], path[PATH_MAX];
	int ok = -1;

	if (!mountinfo || !self)
		fail("cgroup: open /proc/self/%s", mountinfo ? "cgroup" : "mountinfo");
	else
		ok = cgroup_detect_from(l, mountinfo, self);
	if (mountinfo)
		fclose(mountinfo);
	if (self)
		fclose(self);
	if (ok < 0 || l->version != CGROUP_V2)
		return ok;
	/* v2: what the kernel offers is listed at the top of the mounted tree. */
	if (path_join(path, sizeof(path), l->h[0].mount, "cgroup.controllers") < 0 ||
	    read_file(path, available, sizeof(available)) < 0)
		return fail("cgroup: read %s/cgroup.controllers", l->h[0].mount);
	l->h[0].controllers = controllers_in(available, " ");
	return 0;
}

struct hierarchy *cgroup_hierarchy_of(struct cgroup_layout *l, enum controller c)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->h[i].controllers & CTRL_BIT(c))
			return &l->h[i];
	return NULL;
}

int cgroup_resolve(struct hierarchy *h, const char *parent, const char *id)
{
	char parent_path[PATH_MAX], path[PATH_MAX];
	size_t root_len = strcmp(h->mount_root, "/") == 0 ? 0 : strlen(h->mount_root);

	if ((parent[0] == '/'
		 ? strlcpy(parent_path, parent, sizeof(parent_path)) >= sizeof(parent_path)
		 : path_join(parent_path, sizeof(parent_path), h->own, parent) < 0) ||
	    path_join(path, sizeof(path), parent_path, id) < 0) {
		errno = ENAMETOOLONG;
		return fail("--cgroup-parent %s", parent);
	}
	/* Only the part of the tree below mount_root is visible at h->mount. */
	if (root_len && (strncmp(path, h->mount_root, root_len) != 0 || path[root_len] != '/'))
		return failx("cgroup %s: outside %s, the part of the hierarchy mounted at %s", path,
			     h->mount_root, h->mount);
	if (path_join(h->dir, sizeof(h->dir), h->mount, path + root_len) < 0)
		return fail("cgroup %s", path);
	return 0;
}

/* v2: let the children of dir use `need` and what it can of `*wish`, by
 * writing "+name" into its cgroup.subtree_control (only those not enabled
 * yet). A wished controller this level cannot hand down (not offered to it,
 * or not ours to enable: a user's delegated subtree may lack memory) is left
 * out here and below; a needed one is an error. */
static int delegate(const char *dir, unsigned need, unsigned *wish)
{
	char offered[CONTROL_TEXT_MAX], enabled[CONTROL_TEXT_MAX], path[PATH_MAX];

	if (path_join(path, sizeof(path), dir, "cgroup.controllers") < 0 ||
	    read_file(path, offered, sizeof(offered)) < 0 ||
	    path_join(path, sizeof(path), dir, "cgroup.subtree_control") < 0 ||
	    read_file(path, enabled, sizeof(enabled)) < 0)
		return fail("cgroup: read %s", path);
	for (int c = 0; c < N_CONTROLLERS; c++) {
		const char *name = CONTROLLER_NAME[c];
		if (!((need | *wish) & CTRL_BIT(c)) || has_word(enabled, name, " "))
			continue;
		if (!(need & CTRL_BIT(c))) {
			if (!has_word(offered, name, " ") || write_file(path, "+%s", name) < 0)
				*wish &= ~CTRL_BIT(c);
			continue;
		}
		if (!has_word(offered, name, " "))
			return failx("cgroup v2: no %s controller in %s/cgroup.controllers", name,
				     dir);
		if (write_file(path, "+%s", name) == 0)
			continue;
		if (errno == EBUSY)
			return failx(
			    "cgroup v2: %s has processes of its own, so it cannot hand the %s "
			    "controller to child cgroups (the no-internal-processes rule); "
			    "use an absolute --cgroup-parent such as /kobako",
			    dir, name);
		return fail("cgroup v2: enable %s in %s", name, path);
	}
	return 0;
}

/* One walk of cgroup_make(); -1 with errno ENOENT if a parent went away
 * under us (the last container of a parent we found removes it). */
static int make_levels(struct hierarchy *h, enum cgroup_version version, unsigned need,
		       unsigned wish)
{
	char dir[PATH_MAX];

	/* Walk down from the mount point, one level at a time:
	 * /sys/fs/cgroup -> /sys/fs/cgroup/kobako -> /sys/fs/cgroup/kobako/ID. */
	strlcpy(dir, h->dir, sizeof(dir));
	for (char *p = dir + strlen(h->mount); *p;) {
		char *end = p + strspn(p, "/");
		end += strcspn(end, "/");
		bool leaf = end[strspn(end, "/")] == '\0';
		char saved = *p;

		*p = '\0'; /* dir is the level we are at: on v2 it hands the controllers down */
		int ok = version != CGROUP_V2 || delegate(dir, need, &wish) == 0;
		*p = saved;
		if (!ok)
			return -1;
		saved = *end;
		*end = '\0'; /* dir is the next level down */
		if (mkdir(dir, CGROUP_DIR_MODE) < 0) {
			if (errno != EEXIST || leaf)
				return errno == ENOENT ? -1 : fail("cgroup: mkdir %s", dir);
		} else if (!leaf && !h->made[0]) { /* a parent that was missing */
			strlcpy(h->made, dir, sizeof(h->made));
		}
		*end = saved;
		p = end;
		if (leaf)
			break;
	}
	h->created = true;
	return 0;
}

int cgroup_make(struct hierarchy *h, enum cgroup_version version, unsigned need, unsigned wish)
{
	for (int try = 0; try < MAKE_TRIES; try++) {
		if (make_levels(h, version, need, wish) == 0)
			return 0;
		if (errno != ENOENT)
			return -1;
	}
	return fail("cgroup: mkdir %s", h->dir);
}

/* rmdir the parents we made for h->dir, up to h->made, while they are empty
 * (another container may still use one: EBUSY; that one removes it). */
static void remove_made_parents(struct hierarchy *h)
{
	char dir[PATH_MAX];
	char *slash;

	strlcpy(dir, h->dir, sizeof(dir));
	while (h->made[0] && (slash = strrchr(dir, '/')) && slash > dir) {
		*slash = '\0';
		if (strlen(dir) < strlen(h->made) || (rmdir(dir) < 0 && errno != ENOENT))
			break;
	}
	h->made[0] = '\0';
}

/* SIGKILL whatever is still in dir. */
static void kill_all(const char *dir)
{
	char path[PATH_MAX];
	FILE *procs;
	int pid;

	/* v2 (Linux 5.14+): one write kills the whole cgroup, forks included. */
	if (cgroup_has(dir, "cgroup.kill") &&
	    path_join(path, sizeof(path), dir, "cgroup.kill") == 0 && write_file(path, "1") == 0)
		return;
	if (path_join(path, sizeof(path), dir, "cgroup.procs") < 0 || !(procs = fopen(path, "re")))
		return;
	while (fscanf(procs, "%d", &pid) == 1)
		kill(pid, SIGKILL);
	fclose(procs);
}

int cgroup_remove(struct hierarchy *h)
{
	const struct timespec pause = {0, RMDIR_RETRY_MS * 1000000L};

	if (!h->created)
		return 0;
	/* A cgroup can only be removed once empty, and normally it is: the
	 * kernel killed the PID namespace with its init. If not (an error
	 * path), or the kernel is still tearing the last task down, rmdir fails
	 * with EBUSY: kill what is left and retry a moment later (as crun does). */
	for (int try = 0; rmdir(h->dir) < 0 && errno != ENOENT; try++) {
		if (errno != EBUSY || try == RMDIR_TRIES)
			return fail("cgroup: rmdir %s", h->dir);
		kill_all(h->dir);
		nanosleep(&pause, NULL);
	}
	h->created = false;
	remove_made_parents(h);
	return 0;
}

bool cgroup_has(const char *dir, const char *file)
{
	char path[PATH_MAX];

	return path_join(path, sizeof(path), dir, file) == 0 && access(path, F_OK) == 0;
}

int cgroup_write(const char *dir, const char *file, const char *fmt, ...)
{
	char path[PATH_MAX], value[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (path_join(path, sizeof(path), dir, file) < 0)
		return fail("cgroup: %s/%s", dir, file);
	if (write_file(path, "%s", value) < 0)
		return fail("cgroup: write %s to %s", value, path);
	return 0;
}

/* "123" -> 123, "max" -> UINT64_MAX. */
static int parse_counter(const char *text, uint64_t *value)
{
	char *end;

	if (strcmp(text, "max") == 0) {
		*value = UINT64_MAX;
		return 0;
	}
	errno = 0;
	*value = strtoull(text, &end, 10);
	if (end == text || *end != '\0' || errno) {
		errno = errno ? errno : EINVAL;
		return -1;
	}
	return 0;
}

int cgroup_read_number(const char *dir, const char *file, uint64_t *value)
{
	char path[PATH_MAX], text[CONTROL_TEXT_MAX];

	if (path_join(path, sizeof(path), dir, file) < 0 || read_file(path, text, sizeof(text)) < 0)
		return -1;
	return parse_counter(text, value);
}

int cgroup_read_key(const char *dir, const char *file, const char *key, uint64_t *value)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0, len = strlen(key);
	int found = -1;
	FILE *f;

	if (path_join(path, sizeof(path), dir, file) < 0 || !(f = fopen(path, "re")))
		return -1;
	while (found < 0 && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, key, len) == 0 && line[len] == ' ')
			found = parse_counter(line + len + 1, value);
	}
	free(line);
	fclose(f);
	if (found < 0 && errno == 0)
		errno = ENOENT;
	return found;
}

void cgroup_read_usage(struct cgroup_layout *l, struct cgroup_usage *u)
{
	struct hierarchy *mem = cgroup_hierarchy_of(l, CTRL_MEMORY);
	struct hierarchy *cpu = cgroup_hierarchy_of(l, CTRL_CPUACCT);
	struct hierarchy *pids = cgroup_hierarchy_of(l, CTRL_PIDS);

	*u = (struct cgroup_usage){0};
	if (l->version == CGROUP_V2) {
		const char *dir = l->h[0].dir; /* one tree; cpu.stat is always there */
		u->has_oom_kills =
		    cgroup_read_key(dir, "memory.events", "oom_kill", &u->oom_kills) == 0;
		u->has_memory_peak = cgroup_read_number(dir, "memory.peak", &u->memory_peak) == 0;
		u->has_cpu = cgroup_read_key(dir, "cpu.stat", "usage_usec", &u->cpu_usec) == 0;
		u->has_pids_peak = cgroup_read_number(dir, "pids.peak", &u->pids_peak) == 0;
		return;
	}
	u->has_oom_kills =
	    mem && cgroup_read_key(mem->dir, "memory.oom_control", "oom_kill", &u->oom_kills) == 0;
	u->has_memory_peak =
	    mem && cgroup_read_number(mem->dir, "memory.max_usage_in_bytes", &u->memory_peak) == 0;
	u->has_cpu = cpu && cgroup_read_number(cpu->dir, "cpuacct.usage", &u->cpu_usec) == 0;
	u->cpu_usec /= 1000; /* v1 counts nanoseconds */
	u->has_pids_peak = pids && cgroup_read_number(pids->dir, "pids.peak", &u->pids_peak) == 0;
}

void format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char UNITS[] = "KMGTPE";
	double value = bytes;
	int unit = -1;

	if (bytes < 1024) {
		snprintf(buf, size, "%lluB", (unsigned long long)bytes);
		return;
	}
	while (value >= 1024 && unit < (int)sizeof(UNITS) - 2) {
		value /= 1024;
		unit++;
	}
	snprintf(buf, size, "%.1f%c", value, UNITS[unit]);
}

void format_cpu_time(uint64_t usec, char *buf, size_t size)
{
	const uint64_t USEC_PER_MIN = 60 * 1000000ULL;

	if (usec < USEC_PER_MIN)
		snprintf(buf, size, "%.3fs", usec / 1e6);
	else
		snprintf(buf, size, "%llum%06.3fs", (unsigned long long)(usec / USEC_PER_MIN),
			 (usec % USEC_PER_MIN) / 1e6);
}

uint64_t cpu_weight_from_shares(uint64_t shares)
{
	const uint64_t SHARES_MIN = 2, SHARES_MAX = 262144, WEIGHT_MAX = 10000;

	if (shares == 0)
		return 0; /* unset */
	if (shares <= SHARES_MIN)
		return 1;
	if (shares >= SHARES_MAX)
		return WEIGHT_MAX;
	/* A linear map would send the v1 default 1024 to 39, not the v2
	 * default 100. This quadratic in log2 space meets all three anchors:
	 * 2 -> 1, 1024 -> 100, 262144 -> 10000 (crun; runc since 1.3). */
	double l = log2(shares);
	double weight = pow(10, (l * l + 125 * l) / 612.0 - 7.0 / 34.0);
	uint64_t w = weight;

	return w + (weight > w); /* ceil */
}
