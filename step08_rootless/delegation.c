/* delegation.c - cgroups without root: a subtree that systemd delegated.
 *
 * Only root may make cgroups in the tree systemd manages, except where
 * systemd hands a subtree over: a unit with Delegate=yes (a service with
 * User=, or a scope of the user's own manager: `systemd-run --user --scope
 * -p Delegate=yes`) gets a cgroup whose directory, cgroup.procs and
 * cgroup.subtree_control belong to the user. Below it, the user may do what
 * root does above: make cgroups, enable controllers, move processes.
 *
 * One rule of cgroup v2 is in the way: a cgroup that hands controllers to
 * its children holds no processes itself ("no internal processes"), and the
 * delegated cgroup holds us. So we do what systemd, crun and podman do: we
 * make a leaf, move every process of the delegated cgroup into it, enable
 * the controllers, and make the container's cgroup next to the leaf:
 *
 *   run-u7.service/              delegated; subtree_control "memory pids"
 *   ├── kobako-leaf/             the supervisor (and whatever else was there)
 *   └── <id>/                    the container, with its limits (cgroup.c)
 *
 * At the end it is all undone, by the last supervisor to leave. One that was
 * killed cannot: its container cgroup is held with flock(2) while it lives
 * (the kernel drops the lock when it dies), so the next run in the same
 * delegated cgroup finds it free and takes it back.
 *
 * man: cgroups(7), systemd.resource-control(5) (Delegate=), flock(2)
 * kernel: Documentation/admin-guide/cgroup-v2.rst ("Delegation",
 *         "No Internal Process Constraint"); systemd: docs/CGROUP_DELEGATION.md
 */
#include "delegation.h"

#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "common/die.h"
#include "common/file.h"
#include "common/path.h"
#include "state.h"

#define MOVE_PASSES 10 /* reads of cgroup.procs, should processes fork meanwhile */
#define LEAF_MODE 0755

/* Is dir/file writable for us? */
static bool writable(const char *dir, const char *file)
{
	char path[PATH_MAX];

	return path_join(path, sizeof(path), dir, file) == 0 && access(path, W_OK) == 0;
}

bool delegation_find(struct delegation *d, const char **why)
{
	struct cgroup_layout l;
	char *last, path[PATH_MAX];

	*d = (struct delegation){.lock = -1, .held = -1};
	*why = "this machine's controllers are on cgroup v1, where systemd delegates nothing "
	       "(boot with systemd.unified_cgroup_hierarchy=1)";
	if (cgroup_detect(&l) < 0 || l.version != CGROUP_V2 || strcmp(l.h[0].mount_root, "/") != 0)
		return false;
	*why = "your cgroup is not (its cgroup.procs is not yours)";
	/* Started by a process that an earlier run moved into the leaf: the
	 * delegated cgroup is the leaf's parent. */
	strlcpy(d->path, l.h[0].own, sizeof(d->path));
	last = strrchr(d->path, '/');
	if (last && strcmp(last + 1, LEAF_NAME) == 0)
		*(last == d->path ? last + 1 : last) = '\0';
	if (path_join(d->dir, sizeof(d->dir), l.h[0].mount, d->path) < 0 ||
	    path_join(path, sizeof(path), d->dir, "cgroup.controllers") < 0 ||
	    read_file(path, d->controllers, sizeof(d->controllers)) < 0)
		return false;
	return writable(d->dir, "cgroup.procs") && writable(d->dir, "cgroup.subtree_control");
}

/* Hold d->dir's lock: one supervisor at a time arranges it or takes back. */
static int lock_dir(struct delegation *d)
{
	if (d->lock >= 0)
		return 0;
	if ((d->lock = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    flock(d->lock, LOCK_EX) < 0)
		return fail("cgroup: lock %s", d->dir);
	return 0;
}

static void unlock_dir(struct delegation *d)
{
	if (d->lock >= 0)
		close(d->lock); /* the lock goes with the last fd */
	d->lock = -1;
}

/* A container's cgroup whose lock nobody holds: its supervisor is gone. */
static bool abandoned(int dir_fd, const char *name)
{
	int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool free = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0;

	if (fd >= 0)
		close(fd);
	return free;
}

/* Take back the cgroups of containers whose supervisor was killed (cgroup.c
 * kills what is left in one, then removes it). Returns how many are left:
 * those of supervisors that still live. */
static int take_back_dead(const struct delegation *d)
{
	DIR *dir = opendir(d->dir);
	char path[PATH_MAX];
	struct dirent *e;
	int alive = 0;

	while (dir && (e = readdir(dir))) {
		if (!state_is_id(e->d_name) || path_join(path, sizeof(path), d->dir, e->d_name) < 0)
			continue;
		if (!abandoned(dirfd(dir), e->d_name) || cgroup_take_back(path) < 0)
			alive++;
		else
			fprintf(
			    stderr,
			    "container: took back the cgroup of container %.12s (its supervisor "
			    "is gone): %s\n",
			    e->d_name, path);
	}
	if (dir)
		closedir(dir);
	return alive;
}

/* Move every process of cgroup `from` into `to` (writing its pid into to's
 * cgroup.procs moves it), until none is left: one may fork meanwhile. */
static int move_procs(const char *from, const char *to)
{
	char procs[PATH_MAX], dest[PATH_MAX];

	if (path_join(procs, sizeof(procs), from, "cgroup.procs") < 0 ||
	    path_join(dest, sizeof(dest), to, "cgroup.procs") < 0)
		return fail("cgroup: %s", from);
	for (int pass = 0; pass < MOVE_PASSES; pass++) {
		FILE *f = fopen(procs, "re");
		int pid, moved = 0;

		if (!f)
			return fail("cgroup: open %s", procs);
		while (fscanf(f, "%d", &pid) == 1) {
			if (write_file(dest, "%d", pid) < 0 &&
			    errno != ESRCH) { /* ESRCH: it exited */
				fclose(f);
				return fail("cgroup: move process %d into %s", pid, dest);
			}
			moved++;
		}
		fclose(f);
		if (moved == 0)
			return 0;
	}
	return failx("cgroup: %s keeps getting new processes, cannot move them all to %s", from,
		     to);
}

int delegation_arrange(struct delegation *d)
{
	char leaf[PATH_MAX];

	if (lock_dir(d) < 0)
		return -1;
	take_back_dead(d);
	d->arranged = true;
	if (path_join(leaf, sizeof(leaf), d->dir, LEAF_NAME) < 0 ||
	    (mkdir(leaf, LEAF_MODE) < 0 && errno != EEXIST))
		return fail("cgroup: mkdir %s/" LEAF_NAME, d->dir);
	/* Empty the delegated cgroup: the kernel refuses to enable a
	 * controller for the children of a cgroup with processes (EBUSY).
	 * step05's cgroup_prepare then enables them, as at every level. */
	return move_procs(d->dir, leaf);
}

int delegation_hold(struct delegation *d, const char *dir)
{
	/* A lock on the directory itself: the kernel drops it when we die,
	 * which is how the next supervisor tells a killed one's cgroup. */
	if ((d->held = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    flock(d->held, LOCK_EX | LOCK_NB) < 0)
		return fail("cgroup: lock %s", dir);
	unlock_dir(d);
	return 0;
}

/* Disable every controller the delegated cgroup hands down ("-memory"),
 * so that it may hold processes again. */
static int disable_controllers(const struct delegation *d)
{
	char path[PATH_MAX], enabled[256], *save = NULL;

	if (path_join(path, sizeof(path), d->dir, "cgroup.subtree_control") < 0 ||
	    read_file(path, enabled, sizeof(enabled)) < 0)
		return fail("cgroup: read %s/cgroup.subtree_control", d->dir);
	for (char *c = strtok_r(enabled, " ", &save); c; c = strtok_r(NULL, " ", &save))
		if (cgroup_write(d->dir, "cgroup.subtree_control", "-%s", c) < 0)
			return -1;
	return 0;
}

void delegation_release(struct delegation *d)
{
	char leaf[PATH_MAX];
	int saved = errno;

	if (d->held >= 0)
		close(d->held);
	d->held = -1;
	/* The last one out puts it back as systemd gave it to us. */
	if (d->arranged && lock_dir(d) == 0 && take_back_dead(d) == 0 &&
	    disable_controllers(d) == 0 && path_join(leaf, sizeof(leaf), d->dir, LEAF_NAME) == 0 &&
	    move_procs(leaf, d->dir) == 0 && rmdir(leaf) < 0 && errno != ENOENT)
		fail("cgroup: rmdir %s", leaf);
	d->arranged = false;
	unlock_dir(d);
	errno = saved;
}
