/* probe.c - try one thing the host's root can do, and say what the kernel
 * answered (run it as root inside a container; used by test_step07).
 *
 *     probe open-write FILE          open(2) FILE for writing (never writes)
 *     probe unshare net|user|mount   unshare(2) one new namespace
 *     probe clone net|user           clone(2) a child in a new namespace
 *     probe clone3                   clone3(2) a plain child
 *     probe remount-rw DIR           remount the mount at DIR read-write
 *     probe handle DIR TYPE HEX      open_by_handle_at(2) a file handle made
 *                                    on the host, on DIR's filesystem; print it
 *     probe mknod-read PATH MAJ MIN  mknod(2) a block device, read its start
 *
 * Prints "WHAT: ok" (exit 0) or "WHAT: EPERM (Operation not permitted)"
 * (exit 1). Built static by `make rootfs` into /usr/local/bin of the rootfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_HANDLE 128 /* MAX_HANDLE_SZ */
#define SHOW 64 /* bytes of a file printed */

static int answer(const char *what, int rc)
{
	if (rc >= 0) {
		printf("%s: ok\n", what);
		return 0;
	}
	printf("%s: %s (%s)\n", what, strerrorname_np(errno), strerror(errno));
	return 1;
}

/* Print the first bytes of fd up to a NUL, printable ones only. */
static int show(const char *what, int fd)
{
	char buf[SHOW + 1];
	ssize_t n = read(fd, buf, SHOW);

	if (n < 0)
		return answer(what, -1);
	buf[n] = '\0';
	n = strlen(buf); /* up to the first NUL */
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] < ' ' || buf[i] > '~')
			buf[i] = '.';
	printf("%s: ok: %s\n", what, buf);
	return 0;
}

static int namespace_flag(const char *name)
{
	return strcmp(name, "net") == 0	    ? CLONE_NEWNET
	       : strcmp(name, "user") == 0  ? CLONE_NEWUSER
	       : strcmp(name, "mount") == 0 ? CLONE_NEWNS
					    : 0;
}

static int unshare_one(const char *name)
{
	int flag = namespace_flag(name);

	return answer("unshare", flag ? unshare(flag) : (errno = EINVAL, -1));
}

/* The raw system calls, as a runtime inside the container would make them
 * (glibc's wrappers may pick the other one). The child leaves at once. */
static int clone_child(const char *name)
{
	long pid;

	if (name) /* clone(2): the flags are in a register, seccomp sees them */
		pid = syscall(SYS_clone, namespace_flag(name) | SIGCHLD, 0, 0, 0, 0);
	else { /* clone3(2): the flags are in memory, seccomp cannot look */
		struct clone_args args = {.exit_signal = SIGCHLD};
		pid = syscall(SYS_clone3, &args, sizeof(args));
	}
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return answer(name ? "clone" : "clone3", pid);
}

static int remount_rw(const char *dir)
{
	struct statvfs fs;

	/* A bind remount changes this mount's flags only: read-write, keeping
	 * nosuid/nodev/noexec. */
	if (statvfs(dir, &fs) < 0)
		return answer("statvfs", -1);
	return answer("remount",
		      mount(NULL, dir, NULL,
			    MS_REMOUNT | MS_BIND | (fs.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC)),
			    NULL));
}

/* The "shocker" escape: any fd on a filesystem plus a file handle (which an
 * attacker guesses: inode numbers are small) opens a file of that
 * filesystem, wherever it is, mounted in the container or not. */
static int open_handle(const char *dir, const char *type, const char *hex)
{
	struct file_handle *handle = calloc(1, sizeof(*handle) + MAX_HANDLE);
	unsigned char *bytes = handle->f_handle;
	int mount_fd = open(dir, O_RDONLY | O_DIRECTORY), fd;

	if (mount_fd < 0)
		return answer("open", -1);
	handle->handle_type = atoi(type);
	for (size_t i = 0; hex[2 * i] && hex[2 * i + 1] && i < MAX_HANDLE; i++) {
		sscanf(hex + 2 * i, "%2hhx", &bytes[i]);
		handle->handle_bytes = i + 1;
	}
	if ((fd = open_by_handle_at(mount_fd, handle, O_RDONLY)) < 0)
		return answer("open_by_handle_at", -1);
	return show("open_by_handle_at", fd);
}

static int mknod_read(const char *path, const char *major, const char *minor)
{
	int fd;

	if (mknod(path, S_IFBLK | 0600, makedev(atoi(major), atoi(minor))) < 0)
		return answer("mknod", -1);
	printf("mknod: ok\n");
	if ((fd = open(path, O_RDONLY)) < 0)
		return answer("open", -1);
	return show("read", fd);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (strcmp(cmd, "open-write") == 0 && argc == 3)
		return answer("open", open(argv[2], O_WRONLY)); /* closed at exit, never written */
	if (strcmp(cmd, "unshare") == 0 && argc == 3)
		return unshare_one(argv[2]);
	if (strcmp(cmd, "clone") == 0 && argc == 3)
		return clone_child(argv[2]);
	if (strcmp(cmd, "clone3") == 0 && argc == 2)
		return clone_child(NULL);
	if (strcmp(cmd, "remount-rw") == 0 && argc == 3)
		return remount_rw(argv[2]);
	if (strcmp(cmd, "handle") == 0 && argc == 5)
		return open_handle(argv[2], argv[3], argv[4]);
	if (strcmp(cmd, "mknod-read") == 0 && argc == 5)
		return mknod_read(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: probe open-write FILE | unshare net|user|mount | clone net|user | "
			"clone3 | remount-rw DIR |"
			" handle DIR TYPE HEX | mknod-read PATH MAJOR MINOR\n");
	return 2;
}
