/* path.c - path joining and mkdir -p. */
#include "path.h"

#include <bsd/string.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

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
