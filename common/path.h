/* path.h - plumbing: build paths without overflowing, create and remove directory trees. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* dst = dir + "/" + name (strlcpy(3)/strlcat(3)); one slash between them.
 * Returns 0, or -1 with errno ENAMETOOLONG when it does not fit. */
int path_join(char *dst, size_t size, const char *dir, const char *name);

/* mkdir -p: create path and its missing parents with mode.
 * Returns 0 (also when it already exists as a directory) or -1 with errno. */
int mkdir_p(const char *path, mode_t mode);

/* Is path an existing directory? */
int is_directory(const char *path);

/* rm -rf name (relative to dir_fd) without following symlinks, at any depth;
 * a mount point below is an error (EBUSY). ENOENT is success. Returns 0 or
 * -1 with errno. Changes the working directory while it runs. */
int remove_tree(int dir_fd, const char *name);
