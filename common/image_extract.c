/* image_extract.c - unpack a tar archive into a directory, safely.
 *
 * We do not use archive_write_disk(3): it resolves names from the process's
 * cwd, and we want the kernel to do the containment. Each entry is split into
 * PARENT/NAME; PARENT is opened with openat2(2) RESOLVE_IN_ROOT (a symlink to
 * "/" or "../.." ends at the layer's top, never above), and NAME is created
 * with *at() calls that never follow a final symlink (O_NOFOLLOW, O_EXCL).
 *
 * OCI whiteouts (image-spec layer.md): ".wh.NAME" deletes NAME from the layers
 * below, ".wh..wh..opq" hides everything below in its directory. In a layer we
 * store them the way overlayfs reads them (a 0/0 character device, and the
 * xattr trusted.overlay.opaque=y), so layers stack at mount time and each one
 * is stored once, shared by every image that has it.
 *
 * man: openat2(2), mknodat(2), linkat(2), setxattr(2), libarchive_read(3)
 */
#include "image_extract.h"

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
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "die.h"

#define READ_BLOCK   (128 * 1024) /* bytes handed to libarchive per read */
#define PARENT_MODE  0755	  /* directories the archive did not list */
#define WHITEOUT     ".wh."
#define OPAQUE	     ".wh..wh..opq"
#define OPAQUE_XATTR "trusted.overlay.opaque"

/* The raw archive bytes pass through here, so the digest covers exactly
 * what libarchive read. */
struct source {
	int fd;
	SHA256_CTX sha;
	unsigned char buf[READ_BLOCK];
};

struct unpack {
	struct archive *a;
	const char *label;
	int root;
	enum extract_mode mode;
	uint64_t bytes;
};

int open_in_root(int root, const char *path, int flags)
{
	struct open_how how = {
	    .flags = flags | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};

	return syscall(SYS_openat2, root, *path ? path : ".", &how, sizeof(how));
}

static ssize_t source_read(struct archive *a, void *data, const void **block)
{
	struct source *s = data;
	ssize_t n;

	do
		n = read(s->fd, s->buf, sizeof(s->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read: %s", strerror(errno));
		return -1;
	}
	SHA256Update(&s->sha, s->buf, n);
	*block = s->buf;
	return n;
}

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
	int fd = open_in_root(root, dir, O_PATH | O_DIRECTORY), up_fd;

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
	return open_in_root(root, dir, O_PATH | O_DIRECTORY);
}

/* Make room for a new entry called name: remove what is there, except a
 * directory that is to stay a directory. Never follows a symlink. */
static int clear_name(int dir_fd, const char *name, bool keep_dir)
{
	struct stat st;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode))
		return keep_dir ? 0 : remove_tree(dir_fd, name);
	return unlinkat(dir_fd, name, 0);
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

/* Owner, mode, xattrs and mtime of the entry just created, in that order:
 * chown(2) clears set-user-ID bits and file capabilities. */
static int set_metadata(int dir_fd, const char *name, struct archive_entry *e)
{
	mode_t type = archive_entry_filetype(e);
	struct timespec times[2] = {{.tv_nsec = UTIME_OMIT},
				    {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
	int fd, r = 0;

	if (geteuid() == 0 && fchownat(dir_fd, name, archive_entry_uid(e), archive_entry_gid(e),
				       AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (type == AE_IFLNK)
		return utimensat(dir_fd, name, times, AT_SYMLINK_NOFOLLOW);
	if (fchmodat(dir_fd, name, archive_entry_perm(e), 0) < 0)
		return -1;
	if (type == AE_IFREG || type == AE_IFDIR) {
		fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -1;
		r = copy_xattrs(fd, e);
		close(fd);
	}
	/* A directory's mtime changes as entries land in it: leave it. */
	return r < 0 || type == AE_IFDIR ? r : utimensat(dir_fd, name, times, AT_SYMLINK_NOFOLLOW);
}

/* A hard link to another entry of this archive, looked up inside the root:
 * "/etc/passwd" means this layer's etc/passwd, never the host's. */
static int create_hardlink(struct unpack *u, int dir_fd, const char *name, const char *target)
{
	char clean[PATH_MAX];
	int fd, r;

	if (clean_path(target, clean, sizeof(clean)) < 0)
		return -1;
	fd = open_in_root(u->root, clean, O_PATH | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	r = clear_name(dir_fd, name, false);
	if (r == 0)
		r = linkat(fd, "", dir_fd, name, AT_EMPTY_PATH);
	close(fd);
	return r;
}

static int create_regular(struct unpack *u, int dir_fd, const char *name, struct archive_entry *e)
{
	int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int r;

	if (fd < 0)
		return -1;
	r = archive_read_data_into_fd(u->a, fd);
	close(fd);
	if (r != ARCHIVE_OK) {
		errno = archive_errno(u->a) > 0 ? archive_errno(u->a) : EIO;
		return -1;
	}
	u->bytes += archive_entry_size(e);
	return 0;
}

/* Create one non-whiteout entry as NAME in dir_fd. */
static int create_entry(struct unpack *u, int dir_fd, const char *name, struct archive_entry *e)
{
	mode_t type = archive_entry_filetype(e);

	if (archive_entry_hardlink(e))
		return create_hardlink(u, dir_fd, name, archive_entry_hardlink(e));
	if (clear_name(dir_fd, name, type == AE_IFDIR) < 0)
		return -1;
	switch (type) {
	case AE_IFDIR: return mkdirat(dir_fd, name, 0700) < 0 && errno != EEXIST ? -1 : 0;
	case AE_IFREG: return create_regular(u, dir_fd, name, e);
	case AE_IFLNK: return symlinkat(archive_entry_symlink(e), dir_fd, name);
	case AE_IFCHR:
	case AE_IFBLK:
		if (geteuid() != 0)
			return errno = EPERM, -1; /* device nodes only as root */
						  /* fallthrough */
	case AE_IFIFO: return mknodat(dir_fd, name, type | 0600, archive_entry_rdev(e));
	default: return errno = ENOTSUP, -1; /* sockets have no place in an image */
	}
}

/* ".wh..wh..opq": mark the directory opaque; ".wh.NAME": a 0/0 character
 * device called NAME, overlayfs's "this name is deleted". */
static int create_whiteout(struct unpack *u, int dir_fd, const char *parent, const char *name)
{
	const char *hidden = name + strlen(WHITEOUT);
	int fd, r;

	if (strcmp(name, OPAQUE) == 0) {
		fd = open_in_root(u->root, parent, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return -1;
		r = fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0);
		close(fd);
		return r;
	}
	if (strncmp(hidden, WHITEOUT, strlen(WHITEOUT)) == 0)
		return 0; /* other ".wh..wh." names are aufs bookkeeping */
	if (!*hidden || strcmp(hidden, ".") == 0 || strcmp(hidden, "..") == 0)
		return errno = EINVAL, -1;
	if (clear_name(dir_fd, hidden, false) < 0)
		return -1;
	return mknodat(dir_fd, hidden, S_IFCHR | 0, makedev(0, 0));
}

static bool is_whiteout(const struct unpack *u, const char *name)
{
	return u->mode == EXTRACT_LAYER && strncmp(name, WHITEOUT, strlen(WHITEOUT)) == 0;
}

/* Create NAME in PARENT (below the root) as the entry says. */
static int place_entry(struct unpack *u, const char *parent, const char *name,
		       struct archive_entry *e)
{
	int dir_fd = open_parent(u->root, parent), r;

	if (dir_fd < 0)
		return -1;
	if (is_whiteout(u, name)) {
		r = create_whiteout(u, dir_fd, parent, name);
	} else {
		r = create_entry(u, dir_fd, name, e);
		if (r == 0)
			r = set_metadata(dir_fd, name, e);
	}
	close(dir_fd);
	return r;
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
		return fail("%s: entry '%s'", u->label, entry);
	return 0;
}

static struct archive *open_reader(struct source *s)
{
	struct archive *a = archive_read_new();

	/* Only tar: an image layer is a tar stream; compression is detected.
	 * An open error shows up as the first archive_read_next_header's. */
	archive_read_support_format_tar(a);
	archive_read_support_filter_all(a);
	archive_read_open(a, s, NULL, source_read, NULL);
	return a;
}

/* Read entries until the end; -1 after reporting the first problem. */
static int unpack_all(struct unpack *u)
{
	struct archive_entry *e;
	int r, entries = 0;

	while ((r = archive_read_next_header(u->a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
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

int extract_archive(int fd, const char *label, int dir_fd, enum extract_mode mode,
		    struct extract_result *result)
{
	static struct source s; /* 128 KiB: not on the stack */
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return fail("%s", label);
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return failx("%s: %s", label,
			     S_ISREG(st.st_mode) ? "empty file" : "not a regular file");
	s.fd = fd;
	SHA256Init(&s.sha);
	struct unpack u = {open_reader(&s), label, dir_fd, mode, 0};
	r = unpack_all(&u);
	archive_read_free(u.a);
	/* libarchive may stop before the tar padding: hash the rest too. */
	for (ssize_t n = 1; r == 0 && n > 0;) {
		n = read(fd, s.buf, sizeof(s.buf));
		if (n < 0)
			r = fail("%s", label);
		else
			SHA256Update(&s.sha, s.buf, n);
	}
	strlcpy(result->digest, "sha256:", sizeof(result->digest));
	SHA256End(&s.sha, result->digest + 7);
	result->bytes = u.bytes;
	return r;
}

int remove_tree(int dir_fd, const char *name)
{
	struct dirent *d;
	struct stat st;
	DIR *dir;
	int fd, r = 0;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(dir = fdopendir(fd)))
		return fd >= 0 ? close(fd), -1 : -1;
	while (r == 0 && (d = readdir(dir)))
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			r = remove_tree(fd, d->d_name);
	closedir(dir);
	if (r < 0)
		return -1;
	return unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
}
