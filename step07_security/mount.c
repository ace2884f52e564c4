/* mount.c - the mount namespace and pivot_root: a root we cannot climb out of.
 *
 * CLONE_NEWNS gives the child a copy of the host's mount table; from then on
 * its mounts are its own and vanish with it. pivot_root(2) then swaps the
 * root mount itself, and the old root is unmounted, so unlike chroot(2)
 * there is no path left that leads back to the host's files.
 *
 * man: mount_namespaces(7), pivot_root(2), mount(2), umount(2), openat2(2)
 * LWN: "Mount namespaces and shared subtrees" (https://lwn.net/Articles/689856/)
 */
#include "mount.h"

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/die.h"
#include "common/path.h"

void make_mounts_private(void)
{
	/* systemd makes "/" shared: every mount event would propagate back to
	 * the host (and the host's to us). MS_PRIVATE on the whole tree cuts
	 * both ways; pivot_root also refuses to work on a shared mount. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die_child("make / private");
}

void bind_rootfs(const char *rootfs)
{
	/* pivot_root needs the new root to be a mount point, and ROOTFS is
	 * usually just a directory: bind-mount it onto itself. */
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		die_child("bind %s", rootfs);
}

/* Open PATH below the directory fd ROOT as if ROOT were "/": absolute
 * symlinks and ".." stay inside. An fd, or -1 with errno. */
static int open_in_root(int root, const char *path, int flags)
{
	struct open_how how = {.flags = flags | O_CLOEXEC,
			       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};

	return syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/* Open the directory PATH inside ROOT, creating what is missing of it, one
 * component at a time, as `docker run -v` does. Every component is looked
 * up inside ROOT, so a symlink in the image cannot lead the mkdir out. An fd,
 * or -1 with errno. */
static int make_dirs_in_root(int root, const char *path)
{
	char prefix[PATH_MAX];
	size_t len = 0;
	int dir = open_in_root(root, "/", O_DIRECTORY);

	while (dir >= 0 && path[len]) {
		len += strspn(path + len, "/"); /* the slashes, */
		len += strcspn(path + len, "/"); /* then one name */
		if (len >= sizeof(prefix)) {
			close(dir);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(prefix, path, len);
		prefix[len] = '\0';
		int next = open_in_root(root, prefix, O_DIRECTORY);
		if (next < 0 && errno == ENOENT &&
		    (mkdirat(dir, strrchr(prefix, '/') + 1, 0755) == 0 || errno == EEXIST))
			next = open_in_root(root, prefix, O_DIRECTORY);
		close(dir);
		dir = next;
	}
	return dir;
}

/* Create the mount point for a volume if it is missing: a directory, or an
 * empty file when the host side is a file (a bind mount needs the same kind). */
static void create_mount_point(int root, const struct volume *v)
{
	char parent[PATH_MAX], *name;
	struct stat st;
	int dir, made;

	strlcpy(parent, v->target, sizeof(parent));
	name = strrchr(parent, '/');
	*name++ = '\0';
	if ((dir = make_dirs_in_root(root, parent)) < 0)
		die_child("bind %s on %s: create %s", v->host, v->target, parent[0] ? parent : "/");
	if (stat(v->host, &st) < 0)
		die_child("bind %s on %s", v->host, v->target);
	made =
	    S_ISDIR(st.st_mode) ? mkdirat(dir, name, 0755) : mknodat(dir, name, S_IFREG | 0644, 0);
	if (made < 0 && errno != EEXIST)
		die_child("bind %s on %s: create %s", v->host, v->target, v->target);
	close(dir);
}

/* Bind one volume. The target is resolved inside ROOTFS and the mount is
 * made through the fd (/proc/self/fd/N), so a symlink in the image cannot
 * redirect it to a host path. */
static void mount_volume(int root, const struct volume *v)
{
	char at[32];
	int target = open_in_root(root, v->target, O_PATH);

	if (target < 0 && errno == ENOENT) {
		create_mount_point(root, v);
		target = open_in_root(root, v->target, O_PATH);
	}
	if (target < 0)
		die_child("bind %s on %s", v->host, v->target);
	snprintf(at, sizeof(at), "/proc/self/fd/%d", target);
	/* MS_REC brings the mounts below HOST along; not for :ro, since the
	 * read-only remount below covers only the top mount. */
	if (mount(v->host, at, NULL, MS_BIND | (v->read_only ? 0 : MS_REC), NULL) < 0)
		die_child("bind %s on %s", v->host, v->target);
	close(target);
	if (!v->read_only)
		return;
	/* A bind mount ignores MS_RDONLY: remount it. Reopen first, so the
	 * fd names the new mount and not the directory beneath it. */
	if ((target = open_in_root(root, v->target, O_PATH)) < 0)
		die_child("bind %s on %s", v->host, v->target);
	snprintf(at, sizeof(at), "/proc/self/fd/%d", target);
	if (mount(NULL, at, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		die_child("make %s read-only", v->target);
	close(target);
}

void mount_volumes(const char *rootfs, const struct volume *volumes, size_t n)
{
	int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (root < 0)
		die_child("open %s", rootfs);
	for (size_t i = 0; i < n; i++)
		mount_volume(root, &volumes[i]);
	close(root);
}

void pivot_into(const char *rootfs)
{
	if (chdir(rootfs) < 0)
		die_child("chdir %s", rootfs);
	/* pivot_root(".", "."): the new root and the put-old directory are the
	 * same, so the old root ends up stacked on top of "/" here, and no
	 * directory has to be created (or removed) in the image for it. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die_child("pivot_root %s", rootfs);
	/* Detach the old root. MNT_DETACH: processes of the host may still use
	 * it, but it is gone from our mount table; nothing leads back. */
	if (umount2(".", MNT_DETACH) < 0)
		die_child("detach the old root");
	if (chdir("/") < 0)
		die_child("chdir /");
}

struct device {
	const char *name;
	unsigned major, minor;
};

/* The devices a program expects; never the host's whole /dev. */
static const struct device DEVICES[] = {
    {"null", 1, 3},   {"zero", 1, 5},	 {"full", 1, 7},
    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const char *const DEV_LINKS[][2] = {
    {"/proc/self/fd", "/dev/fd"},	{"/proc/self/fd/0", "/dev/stdin"},
    {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
    {"pts/ptmx", "/dev/ptmx"},
};

static void mount_at(const char *source, const char *target, const char *type, unsigned long flags,
		     const char *data)
{
	if (mkdir(target, 0755) < 0 && errno != EEXIST)
		die_child("mkdir %s", target);
	if (mount(source, target, type, flags, data) < 0)
		die_child("mount %s on %s", type, target);
}

static void populate_dev(void)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(DEVICES) / sizeof(DEVICES[0]); i++) {
		const struct device *d = &DEVICES[i];
		path_join(path, sizeof(path), "/dev", d->name);
		if (mknod(path, S_IFCHR | 0666, makedev(d->major, d->minor)) < 0)
			die_child("mknod %s", path);
		chmod(path, 0666); /* mknod's mode is filtered by the umask */
	}
	for (size_t i = 0; i < sizeof(DEV_LINKS) / sizeof(DEV_LINKS[0]); i++)
		if (symlink(DEV_LINKS[i][0], DEV_LINKS[i][1]) < 0)
			die_child("symlink %s", DEV_LINKS[i][1]);
}

void mount_system_dirs(void)
{
	const unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	/* Mounted after pivot_root, inside our namespaces: proc shows our PIDs,
	 * and nothing here ever appears in the host's mount table. */
	mount_at("proc", "/proc", "proc", safe, NULL);
	mount_at("sysfs", "/sys", "sysfs", safe | MS_RDONLY, NULL);
	mount_at("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	populate_dev();
	/* newinstance: our own pty numbering, not the host's /dev/pts. */
	mount_at("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "newinstance,ptmxmode=0666,mode=0620");
	mount_at("shm", "/dev/shm", "tmpfs", safe, "mode=1777,size=65536k");
	mount_at("mqueue", "/dev/mqueue", "mqueue", safe, NULL); /* our IPC namespace's queues */
}

void make_root_read_only(void)
{
	/* Like a -v :ro volume, the root bind mount is made read-only by a
	 * remount; the mounts on top of it (/proc, /dev, volumes) keep theirs. */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		die_child("remount / read-only");
}
