/* userns.c - the user namespace: uid 0 inside, an ordinary uid outside.
 *
 * CLONE_NEWUSER gives a process its own numbering of user and group ids.
 * A new user namespace starts empty: every id shows as nobody (65534) until
 * a process outside writes the two tables that translate ids,
 * /proc/PID/uid_map and /proc/PID/gid_map, one "INSIDE OUTSIDE COUNT" line
 * per range. Its first process then has every capability, but only over
 * what the namespace owns: the namespaces created with it (mount, network,
 * PID, ...) and files whose owners are in the map. So "root" inside can
 * mount an overlay or configure its own network, and to the host it is
 * still the user who started it: a file it writes on a volume belongs to
 * that user, and the host's root-owned files stay out of its reach.
 *
 * The order matters: the user namespace first, then the others, so that
 * they belong to it (clone(2) with all the flags at once does that); and
 * the maps are written after the clone, before the parent's go.
 *
 * An unprivileged process may map only its own uid and gid (and must write
 * "deny" to /proc/PID/setgroups first, so a process cannot drop a group
 * that denies it access). More ids come from /etc/subuid and /etc/subgid,
 * ranges root gave the user, written by the setuid helpers newuidmap(1)
 * and newgidmap(1) of Debian's uidmap package, which check those files.
 *
 * man: user_namespaces(7), newuidmap(1), subuid(5), subgid(5)
 * LWN: "Namespaces in operation, part 5: User namespaces"
 *      (https://lwn.net/Articles/532593/)
 */
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/die.h"
#include "common/file.h"
#include "common/path.h"
#include "uts_pid.h"
#include "whiteout.h"

#define SUBUID_FILE "/etc/subuid"
#define SUBGID_FILE "/etc/subgid"
#define NEWUIDMAP "/usr/bin/newuidmap"
#define NEWGIDMAP "/usr/bin/newgidmap"
#define MAP_TEXT_MAX 128 /* two lines of three numbers */

/* The first range of NAME (or of its number ID) in an /etc/subuid-like
 * file with at least `need` ids: its start in *start. 0, or -1 if none. */
static int find_subid_range(const char *file, const char *name, unsigned long id,
			    unsigned long need, unsigned long *start)
{
	char line[256], owner[128];
	unsigned long first, count;
	int found = -1;
	FILE *f = fopen(file, "re");

	while (f && found < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%127[^:]:%lu:%lu", owner, &first, &count) == 3 && count >= need &&
		    (strcmp(owner, name) == 0 || strtoul(owner, NULL, 10) == id)) {
			*start = first;
			found = 0;
		}
	if (f)
		fclose(f);
	return found;
}

/* The login name of uid, from /etc/passwd (fgetpwent(3) needs no NSS, so
 * it works in our static binary); "" if it has none. */
static void user_name(uid_t uid, char *name, size_t size)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;

	snprintf(name, size, "%s", "");
	while (f && (pw = fgetpwent(f)))
		if (pw->pw_uid == uid) {
			snprintf(name, size, "%s", pw->pw_name);
			break;
		}
	if (f)
		fclose(f);
}

int userns_plan_rootless(struct userns *u)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	unsigned long sub_uid, sub_gid;
	char name[128];

	*u = (struct userns){.on = true, .n = 1};
	u->uid[0] = (struct id_range){0, uid, 1};
	u->gid[0] = (struct id_range){0, gid, 1};
	user_name(uid, name, sizeof(name));
	if (find_subid_range(SUBUID_FILE, name, uid, USERNS_IDS - 1, &sub_uid) == 0 &&
	    find_subid_range(SUBGID_FILE, name, uid, USERNS_IDS - 1, &sub_gid) == 0 &&
	    access(NEWUIDMAP, X_OK) == 0 && access(NEWGIDMAP, X_OK) == 0) {
		u->uid[1] = (struct id_range){1, sub_uid, USERNS_IDS - 1};
		u->gid[1] = (struct id_range){1, sub_gid, USERNS_IDS - 1};
		u->n = 2;
		u->helpers = true;
		return 0;
	}
	fprintf(stderr,
		"container: note: no %lu-id range for %s in " SUBUID_FILE " and " SUBGID_FILE
		" (or no newuidmap): only uid 0 exists inside, other owners show as nobody and "
		"apt's _apt cannot drop privileges (sudo apt-get install uidmap; sudo usermod "
		"--add-subuids 100000-165535 --add-subgids 100000-165535 %s)\n",
		(unsigned long)USERNS_IDS - 1, name[0] ? name : "you", name[0] ? name : "USER");
	return 0;
}

int userns_plan_remap(struct userns *u)
{
	unsigned long sub_uid, sub_gid;

	*u = (struct userns){.on = true, .n = 1};
	if (find_subid_range(SUBUID_FILE, REMAP_USER, (unsigned long)-1, USERNS_IDS, &sub_uid) <
		0 ||
	    find_subid_range(SUBGID_FILE, REMAP_USER, (unsigned long)-1, USERNS_IDS, &sub_gid) < 0)
		return failx("--userns=remap: no range of %d ids for \"" REMAP_USER
			     "\" in " SUBUID_FILE " and " SUBGID_FILE
			     " (add a line like " REMAP_USER ":1000000:65536 to both)",
			     USERNS_IDS);
	u->uid[0] = (struct id_range){0, sub_uid, USERNS_IDS};
	u->gid[0] = (struct id_range){0, sub_gid, USERNS_IDS};
	return 0;
}

/* "0 1000 1\n1 100000 65535\n", the format of uid_map. */
static void format_map(const struct id_range *r, size_t n, char *text, size_t size)
{
	size_t len = 0;

	text[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += snprintf(text + len, size - len, "%lu %lu %lu\n", r[i].inside, r[i].outside,
				r[i].count);
}

/* In a child: exec newuidmap/newgidmap PID INSIDE OUTSIDE COUNT... */
static noreturn void exec_helper(const char *helper, pid_t pid, const struct id_range *r, size_t n)
{
	char args[1 + 1 + 3 * 2][24], *argv[1 + 1 + 3 * 2 + 1] = {0};

	snprintf(args[0], sizeof(args[0]), "%s", strrchr(helper, '/') + 1);
	snprintf(args[1], sizeof(args[1]), "%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		snprintf(args[2 + 3 * i], sizeof(args[0]), "%lu", r[i].inside);
		snprintf(args[3 + 3 * i], sizeof(args[0]), "%lu", r[i].outside);
		snprintf(args[4 + 3 * i], sizeof(args[0]), "%lu", r[i].count);
	}
	for (size_t i = 0; i < 2 + 3 * n; i++)
		argv[i] = args[i];
	execv(helper, argv); /* setuid root: it checks /etc/subuid for us */
	die_child("exec %s", helper);
}

/* Start newgidmap and newuidmap for pid at once (each takes a few
 * milliseconds); a helper first waits for a byte on wait_fd, if >= 0, after
 * closing its copy of the pipe's other end, our_fd: should we give up, it
 * reads EOF instead of waiting forever. Their pids in helpers[2]. 0 or -1. */
static int start_helpers(const struct userns *u, pid_t pid, int wait_fd, int our_fd,
			 pid_t helpers[2])
{
	char c;

	for (int i = 0; i < 2; i++) {
		if ((helpers[i] = fork()) < 0)
			return fail("fork");
		if (helpers[i] > 0)
			continue;
		if (our_fd >= 0)
			close(our_fd);
		if (wait_fd >= 0 && read(wait_fd, &c, 1) != 1)
			_exit(EXIT_RUNTIME); /* we gave up */
		if (i == 0)
			exec_helper(NEWGIDMAP, pid ? pid : getppid(), u->gid, u->n);
		exec_helper(NEWUIDMAP, pid ? pid : getppid(), u->uid, u->n);
	}
	return 0;
}

/* Wait for the helpers that started; 0 if both succeeded. */
static int wait_helpers(const pid_t helpers[2], pid_t pid)
{
	int status, r = 0;

	for (int i = 0; i < 2; i++)
		if (helpers[i] > 0 && (waitpid(helpers[i], &status, 0) < 0 || !WIFEXITED(status) ||
				       WEXITSTATUS(status) != 0))
			r = failx("%s %d: failed (see its message above)",
				  i ? NEWUIDMAP : NEWGIDMAP, (int)pid);
	return r;
}

int userns_write_maps(const struct userns *u, pid_t pid)
{
	char path[64], map[MAP_TEXT_MAX];

	if (!u->on)
		return 0;
	if (u->helpers) {
		pid_t helpers[2] = {0, 0};
		int r = start_helpers(u, pid, -1, -1, helpers);
		return wait_helpers(helpers, pid) < 0 ? -1 : r;
	}
	/* Without CAP_SETGID outside, gid_map is only accepted once
	 * setgroups(2) is off for good in the namespace. Root keeps it. */
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (geteuid() != 0 && write_file(path, "deny") < 0)
		return fail("write %s", path);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	format_map(u->gid, u->n, map, sizeof(map));
	if (write_file(path, "%s", map) < 0)
		return fail("write %s (%s)", path, map);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	format_map(u->uid, u->n, map, sizeof(map));
	if (write_file(path, "%s", map) < 0)
		return fail("write %s (%s)", path, map);
	return 0;
}

/* userns_enter with subordinate ids: newuidmap must run outside the new
 * namespace (inside it the setuid bit means nothing: host root is not in
 * our map), so two children stay outside, wait until we are in, map us. */
static int enter_with_helpers(const struct userns *u)
{
	pid_t helpers[2] = {0, 0};
	int go[2], r;

	if (pipe2(go, O_CLOEXEC) < 0)
		return fail("pipe");
	r = start_helpers(u, 0, go[0], go[1], helpers);
	close(go[0]);
	if (r == 0 && unshare(CLONE_NEWUSER) < 0)
		r = fail("unshare(CLONE_NEWUSER)");
	if (r == 0 && write(go[1], "gg", 2) != 2) /* one byte each */
		r = fail("pipe");
	close(go[1]);
	return wait_helpers(helpers, getpid()) < 0 ? -1 : r;
}

int userns_enter(const struct userns *u)
{
	if (u->helpers)
		return enter_with_helpers(u);
	/* Our own uid only: we may write our own maps, from inside. */
	if (unshare(CLONE_NEWUSER) < 0)
		return fail("unshare(CLONE_NEWUSER)");
	return userns_write_maps(u, getpid());
}

int userns_prepare(struct userns *u, const struct options *opt)
{
	*u = (struct userns){0};
	if (!opt->userns_remap)
		return 0;
	if (in_user_namespace())
		return failx("--userns remap: for root; an ordinary user's containers are "
			     "remapped already (to the user's own ids)");
	return userns_plan_remap(u);
}

uint64_t userns_namespace(const struct userns *u)
{
	return u->on ? CLONE_NEWUSER : 0;
}

int userns_give_dirs(const struct userns *u, const struct image *img)
{
	const char *names[] = {"", "upper", "work", "rootfs"};
	char path[PATH_MAX];

	if (!u->on || !img->created)
		return 0;
	/* The container's root must own its layer, or it could not write to
	 * its own "/"; root outside still owns the store above it. */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (path_join(path, sizeof(path), img->dir, names[i]) < 0 ||
		    chown(path, userns_root_uid(u), userns_root_gid(u)) < 0)
			return fail("chown %s to %lu", path, (unsigned long)userns_root_uid(u));
	return 0;
}

/* A user namespace with u's maps, as an fd, for mount_setattr(2): a child
 * is cloned into a new one, mapped, its namespace opened, and let go. */
static int open_mapped_userns(const struct userns *u)
{
	int hold[2], fd = -1;
	char path[64], c;

	if (pipe2(hold, O_CLOEXEC) < 0)
		return fail("pipe");
	pid_t child = clone_process(CLONE_NEWUSER);
	if (child == 0) {
		close(hold[1]);
		_exit(read(hold[0], &c, 1) < 0); /* until we close our end */
	}
	close(hold[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)child);
	if (child < 0)
		fail("clone(CLONE_NEWUSER)");
	else if (userns_write_maps(u, child) == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		fail("open %s", path);
	close(hold[1]);
	if (child > 0)
		waitpid(child, NULL, 0);
	return fd;
}

/* Mount a copy of the layer dir at at, its owners shifted by the map of
 * the namespace userns_fd: host uid 0 shows as that namespace's 0, which
 * is the container's root. The files on disk stay as they are. */
static int mount_idmapped(const char *dir, const char *at, int userns_fd)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = userns_fd};
	int tree = syscall(SYS_open_tree, AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	int r = -1;

	if (tree < 0)
		return fail("open_tree %s", dir);
	if (mkdir(at, 0755) < 0)
		fail("mkdir %s", at);
	else if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		fail("mount_setattr %s (MOUNT_ATTR_IDMAP)", dir);
	else if (syscall(SYS_move_mount, tree, "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		fail("move_mount %s to %s", dir, at);
	else
		r = 0;
	close(tree);
	return r;
}

/* DIR/lowerI: where the idmapped copy of layer I is mounted. */
static int lower_path(const struct image *img, size_t i, char *path, size_t size)
{
	char name[32];

	snprintf(name, sizeof(name), "lower%zu", i);
	return path_join(path, size, img->dir, name) < 0 ? fail("%s/%s", img->dir, name) : 0;
}

/* Idmapped copies of img's layers as DIR/lower0, lower1, ... and the
 * overlay options that stack them instead. */
static int idmap_layers(struct userns *u, const struct image *img, int userns_fd, char *options,
			size_t size)
{
	char lowers[OVERLAY_OPTIONS_MAX], *rest, *save = NULL, at[PATH_MAX];
	size_t len = strlen("lowerdir=");

	snprintf(lowers, sizeof(lowers), "%s", img->options + strlen("lowerdir="));
	if (!(rest = strstr(lowers, ",upperdir=")))
		return failx("overlay options %s: no upperdir", img->options);
	*rest++ = '\0';
	snprintf(options, size, "lowerdir=");
	for (char *dir = strtok_r(lowers, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (lower_path(img, u->n_lowers, at, sizeof(at)) < 0 ||
		    mount_idmapped(dir, at, userns_fd) < 0)
			return -1;
		u->n_lowers++;
		len += snprintf(options + len, size - len, "%s%s", u->n_lowers > 1 ? ":" : "", at);
	}
	if (snprintf(options + len, size - len, ",%s", rest) >= (int)(size - len))
		return failx("%s: too many layers for one overlay mount", img->dir);
	return 0;
}

int userns_mount_image(struct userns *u, const struct image *img)
{
	char options[OVERLAY_OPTIONS_MAX];
	int userns_fd, r;

	if (!u->on || !img->created)
		return 0;
	/* Our own mount namespace: these mounts are gone when we are, even
	 * after a SIGKILL; the container gets a copy of them at clone. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("a mount namespace for the supervisor");
	if ((userns_fd = open_mapped_userns(u)) < 0)
		return -1;
	r = idmap_layers(u, img, userns_fd, options, sizeof(options));
	close(userns_fd);
	if (r < 0)
		return -1;
	if (mount("overlay", img->rootfs, "overlay", 0, options) < 0)
		return fail("mount overlay on %s (%s)", img->rootfs, options);
	/* The container's root may not look up the store's path (root's
	 * alone). It need not: clone(CLONE_NEWNS) moves the child's working
	 * directory to the same place in its copy of our mounts, so ours is
	 * made the overlay, and the child finds its root at ".". */
	if ((u->cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 || chdir(img->rootfs) < 0)
		return fail("chdir %s", img->rootfs);
	snprintf(u->root, sizeof(u->root), ".");
	return 0;
}

const char *userns_rootfs(const struct userns *u, const struct image *img)
{
	return u->root[0] ? u->root : img->rootfs;
}

void userns_unmount_image(struct userns *u, const struct image *img)
{
	char at[PATH_MAX];
	int saved = errno;

	if (u->root[0]) {
		if (fchdir(u->cwd_fd) < 0) /* out of the overlay, where we were */
			fail("chdir back");
		close(u->cwd_fd);
		u->root[0] = '\0';
		umount2(img->rootfs, MNT_DETACH);
	}
	for (; u->n_lowers > 0; u->n_lowers--) {
		if (lower_path(img, u->n_lowers - 1, at, sizeof(at)) == 0)
			umount2(at, MNT_DETACH);
	}
	errno = saved;
}

void userns_become_root(const struct userns *u)
{
	if (!u->on)
		return;
	/* We kept the ids we were cloned with: host root's, which the map
	 * does not contain (they show as nobody here). Take uid and gid 0 of
	 * the namespace, the range's first ids on the host. */
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		die_child("become root of the user namespace");
	if (!u->root[0])
		return;
	/* The overlay came from our parent's namespace, so the kernel locks
	 * it here (pivot_root(2) refuses a locked mount: EINVAL). A bind mount
	 * of it we make ourselves is ours; step back in through "..", which
	 * crosses to the mount on top of our directory ("." would not). */
	if (mount(".", ".", NULL, MS_BIND | MS_REC, NULL) < 0 || chdir("../" ROOTFS_NAME) < 0)
		die_child("bind the container's root onto itself");
}

uid_t userns_root_uid(const struct userns *u)
{
	return u->uid[0].outside;
}

gid_t userns_root_gid(const struct userns *u)
{
	return u->gid[0].outside;
}
