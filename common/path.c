/* path.c - plumbing: path joining, mkdir -p, rm -rf. */
#include "path.h"

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int path_join(char *dst, size_t size, const char *dir, const char *name)
{
	size_t len = strlcpy(dst, dir, size);

	if (len >= size)
		goto too_long;
	while (len > 1 && dst[len - 1] == '/') /* "a/" + "b" -> "a/b" */
		dst[--len] = '\0';
	while (*name == '/')
		name++;
	if ((len && dst[len - 1] != '/' && strlcat(dst, "/", size) >= size) ||
	    strlcat(dst, name, size) >= size)
		goto too_long;
	return 0;
too_long:
	errno = ENAMETOOLONG;
	return -1;
}

int is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* Create each prefix "a", "a/b", ... in turn; EEXIST is fine. */
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = saved;
		if (saved == '\0')
			break;
	}
	if (!is_directory(path)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* Remove what fts found: a directory once it is empty (FTS_DP, after its
 * contents), anything else at once. 0 or -1 with errno; gone already is fine. */
static int remove_entry(const FTSENT *e)
{
	switch (e->fts_info) {
	case FTS_D: return 0; /* on the way down: its contents come first */
	case FTS_DP: return rmdir(e->fts_accpath) < 0 && errno != ENOENT ? -1 : 0;
	case FTS_DNR:
	case FTS_ERR:
	case FTS_NS: errno = e->fts_errno; return errno == ENOENT ? 0 : -1;
	default: return unlink(e->fts_accpath) < 0 && errno != ENOENT ? -1 : 0;
	}
}

int remove_tree(int dir_fd, const char *name)
{
	/* fts(3) walks depth first by changing into each directory: no
	 * descriptor per level, so a container that nested directories deeper
	 * than the limit on open files is removed too, and ".." is checked on
	 * the way back up. FTS_PHYSICAL: symbolic links are removed, never
	 * followed. FTS_XDEV: never into a filesystem mounted below (its mount
	 * point then cannot be removed: EBUSY, and what is mounted stays). */
	char *paths[] = {(char *)name, NULL};
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), r = 0, saved;
	FTS *fts = NULL;
	FTSENT *e;

	if (cwd < 0 || (dir_fd != AT_FDCWD && fchdir(dir_fd) < 0) ||
	    !(fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV, NULL)))
		r = -1;
	while (r == 0) {
		errno = 0;
		if (!(e = fts_read(fts))) {
			r = errno ? -1 : 0; /* 0: the end; else e.g. ".." was not where it was */
			break;
		}
		r = remove_entry(e);
	}
	saved = errno;
	if (fts)
		fts_close(fts);
	if (cwd >= 0 && fchdir(cwd) < 0) { /* back where the caller was */
		r = -1;
		saved = errno;
	}
	if (cwd >= 0)
		close(cwd);
	errno = saved;
	return r;
}
