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

/* Mount at PATH inside ROOT (made if missing, resolved inside ROOT so a
 * symlink in the image cannot send the mount to a host path). */
static void mount_at(int root, const char *path, const char *source, const char *type,
		     unsigned long flags, const char *data)
{
	char at[32];
	int target = make_dirs_in_root(root, path);

	if (target < 0)
		die_child("mkdir %s", path);
	snprintf(at, sizeof(at), "/proc/self/fd/%d", target);
	if (mount(source, at, type, flags, data) < 0)
		die_child("mount %s on %s", type ? type : source, path);
	close(target);
}

/* One device in dev_fd (our new /dev): made with mknod(2), or in a user
 * namespace, which may not make devices (mknod needs CAP_MKNOD in the
 * host's namespace), the host's own device bind-mounted onto an empty file,
 * as rootless Podman and bubblewrap do. */
static void make_device(int dev_fd, const struct device *d)
{
	char host[PATH_MAX], at[32];
	int fd;

	if (mknodat(dev_fd, d->name, S_IFCHR | 0666, makedev(d->major, d->minor)) == 0) {
		fchmodat(dev_fd, d->name, 0666, 0); /* mknod's mode is filtered by the umask */
		return;
	}
	if (errno != EPERM ||
	    (fd = openat(dev_fd, d->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0)
		die_child("mknod /dev/%s", d->name);
	path_join(host, sizeof(host), "/dev", d->name);
	snprintf(at, sizeof(at), "/proc/self/fd/%d", fd);
	if (mount(host, at, NULL, MS_BIND, NULL) < 0)
		die_child("bind %s on /dev/%s", host, d->name);
	close(fd);
}

static void populate_dev(int root)
{
	int dev = open_in_root(root, "/dev", O_DIRECTORY);

	if (dev < 0)
		die_child("open /dev");
	for (size_t i = 0; i < sizeof(DEVICES) / sizeof(DEVICES[0]); i++)
		make_device(dev, &DEVICES[i]);
	for (size_t i = 0; i < sizeof(DEV_LINKS) / sizeof(DEV_LINKS[0]); i++)
		if (symlinkat(DEV_LINKS[i][0], dev, DEV_LINKS[i][1] + strlen("/dev/")) < 0)
			die_child("symlink %s", DEV_LINKS[i][1]);
	close(dev);
}

/* sysfs belongs to a network namespace: one of ours, or with --net host in
 * a user namespace, the host's, which only its owner may mount: then the
 * host's /sys is bound instead (its files stay the host's, unwritable). */
static void mount_sys(int root, unsigned long flags)
{
	char at[32];
	int target = make_dirs_in_root(root, "/sys");

	if (target < 0)
		die_child("mkdir /sys");
	snprintf(at, sizeof(at), "/proc/self/fd/%d", target);
	if (mount("sysfs", at, "sysfs", flags, NULL) < 0 &&
	    (errno != EPERM || mount("/sys", at, NULL, MS_BIND | MS_REC, NULL) < 0))
		die_child("mount sysfs on /sys");
	close(target);
}

void mount_system_dirs(const char *rootfs)
{
	const unsigned long safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (root < 0)
		die_child("open %s", rootfs);
	/* Mounted before pivot_root, while the host's /proc and /sys are still
	 * in our mount table: in a user namespace the kernel lets us mount
	 * proc and sysfs only where it can see that they reveal nothing the
	 * host's copies do not already show (mount_too_revealing() in
	 * fs/namespace.c); once the old root is detached it sees none. */
	mount_at(root, "/proc", "proc", "proc", safe, NULL);
	mount_sys(root, safe | MS_RDONLY);
	mount_at(root, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
		 "mode=755,size=65536k");
	populate_dev(root);
	/* newinstance: our own pty numbering, not the host's /dev/pts. */
	mount_at(root, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "newinstance,ptmxmode=0666,mode=0620");
	mount_at(root, "/dev/shm", "shm", "tmpfs", safe, "mode=1777,size=65536k");
	mount_at(root, "/dev/mqueue", "mqueue", "mqueue", safe, NULL); /* our IPC namespace's */
	close(root);
}

void make_root_read_only(void)
{
	/* Like a -v :ro volume, the root bind mount is made read-only by a
	 * remount; the mounts on top of it (/proc, /dev, volumes) keep theirs. */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		die_child("remount / read-only");
}
