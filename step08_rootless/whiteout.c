/* whiteout.c - how a layer deletes what the layers below it have.
 *
 * An image layer is a tar archive of what changed. A file that was deleted
 * is an entry ".wh.NAME" (OCI image-spec layer.md), a directory whose old
 * contents are all gone has an entry ".wh..wh..opq". overlayfs has its own
 * marks for the same two things: a character device 0/0 called NAME, and the
 * directory's xattr trusted.overlay.opaque=y. We store a layer in overlayfs's
 * form, so layers stack at mount time (image.c) and each is stored once,
 * shared by every image that has it.
 *
 * In a user namespace (step08) the mark is user.overlay.opaque, and the
 * overlay is mounted with "userxattr" (image.c); 0/0 devices are allowed
 * there since Linux 5.8.
 *
 * man: mknodat(2), setxattr(2); kernel Documentation/filesystems/overlayfs.rst
 * ("whiteouts and opaque directories"); OCI image-spec layer.md
 */
#include "whiteout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/path.h"

#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"
#define OPAQUE_XATTR "trusted.overlay.opaque"
/* In a user namespace trusted.* is out of reach (it needs CAP_SYS_ADMIN in
 * the host's namespace): overlayfs mounted with "userxattr" reads user.*. */
#define USER_OPAQUE_XATTR "user.overlay.opaque"

bool in_user_namespace(void)
{
	char map[64] = "";
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, map, sizeof(map) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	/* "         0          0 4294967295": every uid, unchanged */
	unsigned long inside, outside, count;
	return sscanf(map, "%lu %lu %lu", &inside, &outside, &count) == 3 &&
	       !(inside == 0 && outside == 0 && count == 4294967295UL);
}

/* Remove what is called name in dir_fd (any type, never following a
 * symlink); gone already is fine. */
static int remove_name(int dir_fd, const char *name)
{
	struct stat st;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	return S_ISDIR(st.st_mode) ? remove_tree(dir_fd, name) : unlinkat(dir_fd, name, 0);
}

/* ".wh..wh..opq": mark the directory opaque; ".wh.NAME": a 0/0 character
 * device called NAME, overlayfs's "this name is deleted". */
static int place_whiteout(int root, int dir_fd, const char *parent, const char *name)
{
	const char *hidden = name + strlen(WHITEOUT);
	int fd, r;

	if (strcmp(name, OPAQUE) == 0) {
		/* overlayfs stops looking in lower layers at this directory */
		fd = open_beneath(root, parent, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return -1;
		r = fsetxattr(fd, in_user_namespace() ? USER_OPAQUE_XATTR : OPAQUE_XATTR, "y", 1,
			      0);
		close(fd);
		return r;
	}
	if (strncmp(hidden, WHITEOUT, strlen(WHITEOUT)) == 0)
		return 0; /* other ".wh..wh." names are aufs bookkeeping */
	if (!*hidden || strcmp(hidden, ".") == 0 || strcmp(hidden, "..") == 0)
		return errno = EINVAL, -1;
	if (remove_name(dir_fd, hidden) < 0)
		return -1;
	/* overlayfs hides NAME of the lower layers behind this device */
	return mknodat(dir_fd, hidden, S_IFCHR | 0, makedev(0, 0));
}

const struct extract_special oci_whiteouts = {.prefix = WHITEOUT, .place = place_whiteout};
