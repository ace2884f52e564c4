/* archive.c - plumbing: unpack a tar archive into a directory, safely.
 *
 * We do not use archive_write_disk(3): it resolves names from the process's
 * cwd, and we want the kernel to do the containment. Each entry is split into
 * PARENT/NAME; PARENT is opened with openat2(2) RESOLVE_IN_ROOT (a symlink to
 * "/" or "../.." ends at the layer's top, never above), and NAME is created
 * with *at() calls that never follow a final symlink (O_NOFOLLOW, O_EXCL).
 * Names that mean something else to the caller (an image layer's whiteouts,
 * step06_rootfs/whiteout.c) are handed back to it.
 *
 * Speed (docs/benchmarks.md) lives in fast_extract.c, which a first reading
 * can skip: the bytes are hashed on a second core, the last entry's
 * directory stays open, and chown/chmod run only where they change
 * something, so a regular file costs four syscalls: open, write, futimens,
 * close.
 *
 * man: openat2(2), mknodat(2), linkat(2), libarchive_read(3)
 */
#include "archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "die.h"
#include "fast_extract.h"
#include "path.h"

#define PARENT_MODE 0755 /* directories the archive did not list */

atomic_int extract_stop;

struct unpack {
	struct archive *a;
	const char *label;
	int root;
	const struct extract_special *special; /* or NULL */
	bool as_root; /* geteuid() == 0: owners and device nodes */
	struct new_file_defaults defaults; /* what a new file gets without chown/chmod */
	struct parent_cache parent; /* the last entry's directory, still open */
	uint64_t bytes;
	uint64_t declared, room; /* data the headers announce; free bytes at the start */
};

int open_beneath(int root, const char *path, int flags)
{
	struct open_how how = {
	    .flags = flags | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};

	return syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof(how));
}

/*** unpacking ***/

/* "./a//b/./c/" -> "a/b/c", "/etc/x" -> "etc/x" (tar's rule: a leading "/"
 * is dropped), "./" -> "" (the top). -1 (EINVAL) if a component is "..". */
static int clean_path(const char *in, char *out, size_t size)
{
	char copy[PATH_MAX], *save = NULL;

	if (strlcpy(copy, in, sizeof(copy)) >= sizeof(copy))
		return errno = ENAMETOOLONG, -1;
	out[0] = '\0';
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0)
			return errno = EINVAL, -1;
		if ((out[0] && strlcat(out, "/", size) >= size) || strlcat(out, c, size) >= size)
			return errno = ENAMETOOLONG, -1;
	}
	return 0;
}

/* Open directory dir (below root), creating what is missing like mkdir -p.
 * Returns an O_PATH fd or -1 with errno. */
static int open_parent(int root, const char *dir)
{
	char up[PATH_MAX], *name;
	int fd = open_beneath(root, dir, O_PATH | O_DIRECTORY), up_fd;

	if (fd >= 0 || errno != ENOENT || !*dir)
		return fd;
	strlcpy(up, dir, sizeof(up));
	name = strrchr(up, '/');
	if (name)
		*name++ = '\0';
	up_fd = open_parent(root, name ? up : "");
	if (up_fd < 0)
		return -1;
	if (mkdirat(up_fd, name ? name : up, PARENT_MODE) < 0 && errno != EEXIST) {
		close(up_fd);
		return -1;
	}
	close(up_fd);
	return open_beneath(root, dir, O_PATH | O_DIRECTORY);
}

/* The directory parent (below the root) as an O_PATH fd, owned by the
 * cache (fast_extract.c): the plain idea is open_parent(). */
static int enter_parent(struct unpack *u, const char *parent)
{
	return parent_cache_enter(&u->parent, u->root, parent, open_parent);
}

/* Something was removed: the next entry resolves its parent afresh. */
static void forget_parent(struct unpack *u)
{
	parent_cache_forget(&u->parent);
}

/* Make room for a new entry called name: remove what is there, except a
 * directory that is to stay a directory. Never follows a symlink. */
static int clear_name(struct unpack *u, int dir_fd, const char *name, bool keep_dir)
{
	struct stat st;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode) && keep_dir)
		return 0;
	forget_parent(u);
	return S_ISDIR(st.st_mode) ? remove_tree(dir_fd, name) : unlinkat(dir_fd, name, 0);
}

/* Copy the entry's extended attributes. Only user.* and security.* (file
 * capabilities): trusted.overlay.* from an archive would steer overlayfs. */
static int copy_xattrs(int fd, struct archive_entry *e)
{
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (strncmp(name, "user.", 5) != 0 && strncmp(name, "security.", 9) != 0)
			continue;
		if (fsetxattr(fd, name, value, size, 0) < 0 && errno != ENOTSUP)
			return -1;
	}
	return 0;
}

/* The entry's mtime, for utimensat(2); the access time is left alone. */
static void entry_times(struct archive_entry *e, struct timespec times[2])
{
	times[0] = (struct timespec){.tv_nsec = UTIME_OMIT};
	times[1] = (struct timespec){archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
}

/* Owner, mode, xattrs and mtime of a regular file just written, on its open
 * fd (no path lookups: most of an archive is regular files). In that order:
 * chown(2) clears set-user-ID bits and file capabilities. chown and chmod
 * run only where they change something: for most files, neither does. */
static int set_file_metadata(struct unpack *u, int fd, struct archive_entry *e)
{
	struct timespec times[2];

	entry_times(e, times);
	if (u->as_root &&
	    chown_needed(&u->defaults, u->parent.gid, archive_entry_uid(e), archive_entry_gid(e)) &&
	    fchown(fd, archive_entry_uid(e), archive_entry_gid(e)) < 0)
		return -1;
	if (chmod_needed(&u->defaults, archive_entry_perm(e)) &&
	    fchmod(fd, archive_entry_perm(e)) < 0)
		return -1;
	if (copy_xattrs(fd, e) < 0)
		return -1;
	return futimens(fd, times);
}

/* The same for any other entry, by name (a device or fifo must not be
 * opened). */
static int set_metadata(struct unpack *u, int dir_fd, const char *name, struct archive_entry *e)
{
	mode_t type = archive_entry_filetype(e);
	struct timespec times[2];
	int fd, r = 0;

	entry_times(e, times);
	if (u->as_root && fchownat(dir_fd, name, archive_entry_uid(e), archive_entry_gid(e),
				   AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (type == AE_IFLNK)
		return utimensat(dir_fd, name, times, AT_SYMLINK_NOFOLLOW);
	if (fchmodat(dir_fd, name, archive_entry_perm(e), 0) < 0)
		return -1;
	if (type == AE_IFDIR) {
		fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -1;
		r = copy_xattrs(fd, e);
		close(fd);
	}
	/* A directory's mtime changes as entries land in it: leave it. */
	return r < 0 || type == AE_IFDIR ? r : utimensat(dir_fd, name, times, AT_SYMLINK_NOFOLLOW);
}

/* A hard link to another entry of this archive, looked up inside the root:
 * "/etc/passwd" means this layer's etc/passwd, never the host's. It shares
 * its target's inode, so it gets no metadata of its own (chmod by name would
 * follow the target if that is a symlink: a link to a link to a host file). */
static int create_hardlink(struct unpack *u, int dir_fd, const char *name, const char *target)
{
	char clean[PATH_MAX];
	int fd, r;

	if (clean_path(target, clean, sizeof(clean)) < 0)
		return -1;
	fd = open_beneath(u->root, clean, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	r = clear_name(u, dir_fd, name, false);
	if (r == 0)
		r = linkat(fd, "", dir_fd, name, AT_EMPTY_PATH);
	close(fd);
	return r;
}

/* A new file NAME, created with the entry's permissions (no set-ID bits:
 * those come with chmod, after chown); the layer is not reachable by anyone
 * else until it is complete. Never opens what is already there (O_EXCL also
 * refuses to follow a symlink called NAME). */
static int open_new_file(int dir_fd, const char *name, struct archive_entry *e)
{
	return openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      archive_entry_perm(e) & ACCESSPERMS);
}

/* Write all of buf at offset; a short write is retried, as write(2) allows. */
static int write_all(int fd, const char *buf, size_t size, off_t offset)
{
	for (ssize_t n; size > 0; buf += n, size -= n, offset += n) {
		n = pwrite(fd, buf, size, offset);
		if (n < 0 && errno != EINTR)
			return -1;
		n = n < 0 ? 0 : n;
	}
	return 0;
}

/* Copy the entry's data into fd, block by block as libarchive has it (for
 * plain tar: pointers into our read buffer, no copy). A sparse file's holes
 * stay holes: blocks go to their offsets, and the size is set at the end.
 * (archive_read_data_into_fd(3) would fstat(2) every file first.) */
static int write_data(struct unpack *u, int fd, struct archive_entry *e)
{
	const void *block;
	size_t size;
	la_int64_t offset, end = 0;
	int r;

	while ((r = archive_read_data_block(u->a, &block, &size, &offset)) == ARCHIVE_OK) {
		if (write_all(fd, block, size, offset) < 0)
			return -1;
		end = offset + size;
	}
	if (r != ARCHIVE_EOF)
		return errno = archive_errno(u->a) > 0 ? archive_errno(u->a) : EIO, -1;
	return end < archive_entry_size(e) ? ftruncate(fd, archive_entry_size(e)) : 0;
}

/* The data the entry's header says is in the archive: its size, or for a
 * sparse file only its data regions (the holes take no room). */
static uint64_t declared_data(struct archive_entry *e)
{
	la_int64_t offset, length;
	uint64_t bytes = 0;

	if (archive_entry_sparse_reset(e) == 0)
		return archive_entry_size(e);
	while (archive_entry_sparse_next(e, &offset, &length) == ARCHIVE_OK)
		bytes += length;
	return bytes;
}

/* A regular file: created, filled from the archive, its metadata set. */
static int create_regular(struct unpack *u, int dir_fd, const char *name, struct archive_entry *e)
{
	int fd, r;

	/* Refuse before writing what the filesystem cannot hold: a gzip
	 * layer of a few MB may declare gigabytes of zeros. */
	u->declared += declared_data(e);
	if (u->declared > u->room)
		return errno = ENOSPC, -1;
	fd = open_new_file(dir_fd, name, e);

	/* The name is almost always new: look at what is there only if taken. */
	if (fd < 0 && errno == EEXIST && clear_name(u, dir_fd, name, false) == 0)
		fd = open_new_file(dir_fd, name, e);
	if (fd < 0)
		return -1;
	r = write_data(u, fd, e);
	if (r == 0)
		r = set_file_metadata(u, fd, e);
	close(fd);
	if (r != 0)
		return -1;
	u->bytes += archive_entry_size(e);
	return 0;
}

/* mkdir, symlink or mknod NAME as the entry says; EEXIST if it is taken. */
static int make_node(struct unpack *u, int dir_fd, const char *name, struct archive_entry *e)
{
	mode_t type = archive_entry_filetype(e);

	switch (type) {
	case AE_IFDIR: return mkdirat(dir_fd, name, 0700);
	case AE_IFLNK: return symlinkat(archive_entry_symlink(e), dir_fd, name);
	case AE_IFCHR:
	case AE_IFBLK:
		if (!u->as_root)
			return errno = EPERM, -1; /* device nodes only as root */
		/* fallthrough */
	case AE_IFIFO: return mknodat(dir_fd, name, type | 0600, archive_entry_rdev(e));
	default: return errno = ENOTSUP, -1; /* sockets have no place in an image */
	}
}

/* Any other entry, then its metadata. A taken name is cleared and the node
 * made again, except a directory that stays one (tar's rule). */
static int create_node(struct unpack *u, int dir_fd, const char *name, struct archive_entry *e)
{
	bool is_dir = archive_entry_filetype(e) == AE_IFDIR;
	int r = make_node(u, dir_fd, name, e);

	if (r < 0 && errno == EEXIST && clear_name(u, dir_fd, name, is_dir) == 0) {
		r = make_node(u, dir_fd, name, e);
		if (r < 0 && is_dir && errno == EEXIST)
			r = 0; /* a directory was there: it stays */
	}
	return r < 0 ? -1 : set_metadata(u, dir_fd, name, e);
}

/* Create one entry as NAME in dir_fd. */
static int create_entry(struct unpack *u, int dir_fd, const char *name, struct archive_entry *e)
{
	if (archive_entry_hardlink(e))
		return create_hardlink(u, dir_fd, name, archive_entry_hardlink(e));
	if (archive_entry_filetype(e) == AE_IFREG)
		return create_regular(u, dir_fd, name, e);
	return create_node(u, dir_fd, name, e);
}

/* Does the caller place NAME itself (special->prefix)? */
static bool is_special(const struct unpack *u, const char *name)
{
	return u->special && strncmp(name, u->special->prefix, strlen(u->special->prefix)) == 0;
}

/* Create NAME in PARENT (below the root) as the entry says. */
static int place_entry(struct unpack *u, const char *parent, const char *name,
		       struct archive_entry *e)
{
	int dir_fd = enter_parent(u, parent);

	if (dir_fd < 0)
		return -1;
	if (is_special(u, name)) {
		forget_parent(u); /* it may remove what the cache points into */
		return u->special->place(u->root, dir_fd, parent, name);
	}
	return create_entry(u, dir_fd, name, e);
}

/* Place one archive entry below u->root; one line on failure. */
static int unpack_entry(struct unpack *u, struct archive_entry *e)
{
	const char *entry = archive_entry_pathname(e), *parent = "", *name;
	char path[PATH_MAX], *slash;

	if (!entry || clean_path(entry, path, sizeof(path)) < 0)
		return failx("%s: entry '%s': %s", u->label, entry ? entry : "",
			     errno == EINVAL ? "'..' in a path is not allowed" : "name too long");
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		parent = path, name = slash + 1;
	} else {
		name = *path ? path : "."; /* "." : the top directory itself */
	}
	if (strcmp(name, ".") == 0 &&
	    (archive_entry_filetype(e) != AE_IFDIR || archive_entry_hardlink(e)))
		return failx("%s: entry '%s': the top must stay a directory", u->label, entry);
	if (place_entry(u, parent, name, e) < 0)
		return u->declared > u->room
			   ? failx("%s: entry '%s': the files need %llu bytes, the store's "
				   "filesystem has %llu free",
				   u->label, entry, (unsigned long long)u->declared,
				   (unsigned long long)u->room)
			   : fail("%s: entry '%s'", u->label, entry);
	return 0;
}

static struct archive *open_reader(struct hashed_source *s)
{
	struct archive *a = archive_read_new();

	/* Only tar: an image layer is a tar stream; compression is detected.
	 * An open error shows up as the first archive_read_next_header's. */
	archive_read_support_format_tar(a);
	archive_read_support_filter_all(a);
	archive_read_open(a, s, NULL, hashed_source_read, NULL);
	return a;
}

/* Read entries until the end; -1 after reporting the first problem. */
static int unpack_all(struct unpack *u)
{
	struct archive_entry *e;
	int r, entries = 0;

	while ((r = archive_read_next_header(u->a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		if (extract_stop)
			return errno = EINTR, -1;
		if (unpack_entry(u, e) < 0)
			return -1;
		entries++;
	}
	if (r != ARCHIVE_EOF)
		return failx("%s: %s", u->label, archive_error_string(u->a));
	if (entries == 0)
		return failx("%s: no entries: not a tar archive", u->label);
	return 0;
}

int extract_archive(int fd, const char *label, int dir_fd, const struct extract_special *special,
		    struct extract_result *result)
{
	static struct hashed_source s; /* 2 MiB: not on the stack */
	struct statvfs fs;
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0 || fstatvfs(dir_fd, &fs) < 0)
		return fail("%s", label);
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return failx("%s: %s", label,
			     S_ISREG(st.st_mode) ? "empty file" : "not a regular file");
	if (hashed_source_start(&s, fd) < 0)
		return fail("%s: start the hashing thread", label);
	struct unpack u = {.a = open_reader(&s),
			   .label = label,
			   .root = dir_fd,
			   .special = special,
			   .as_root = geteuid() == 0,
			   .defaults = new_file_defaults(dir_fd),
			   .parent.fd = -1,
			   .room = (uint64_t)fs.f_bavail * fs.f_frsize};
	r = unpack_all(&u);
	int saved = errno; /* EINTR if stopped: the caller's to say */
	archive_read_free(u.a);
	parent_cache_close(&u.parent);
	if (hashed_source_finish(&s, r == 0, result->digest) < 0)
		r = fail("%s", label);
	result->bytes = u.bytes;
	errno = r < 0 && extract_stop ? saved : errno;
	return r;
}
