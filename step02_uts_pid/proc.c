/* proc.c - a /proc that shows the container's PID namespace.
 *
 * ps(1) reads /proc. A proc filesystem shows the PID namespace of whoever
 * mounted it, so the child mounts a fresh one on ROOTFS/proc. Without a
 * mount namespace (step03) this mount is the host's: `findmnt` on the host
 * shows it, and it would stay there after the container ends unless the
 * supervisor unmounts it. step03 fixes this for good and deletes this file.
 *
 * man: proc(5), mount(2), umount(2)
 */
#include "proc.h"

#include <errno.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/die.h"
#include "common/path.h"

void mount_proc(const char *rootfs)
{
	char path[PATH_MAX];
	struct stat st;

	if (path_join(path, sizeof(path), rootfs, "proc") < 0)
		die_child("%s/proc", rootfs);
	/* mount(2) follows symlinks, and this is the host's mount table: an
	 * image whose /proc points at /etc would cover the host's /etc. */
	if (lstat(path, &st) < 0)
		die_child("%s", path);
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR; /* a symlink, say */
		die_child("mount proc on %s", path);
	}
	if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die_child("mount proc on %s", path);
}

int unmount_proc(const char *rootfs)
{
	char path[PATH_MAX];

	if (path_join(path, sizeof(path), rootfs, "proc") < 0)
		return fail("%s/proc", rootfs);
	/* EINVAL: not mounted, e.g. the child failed before mount_proc(). */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return fail("umount %s", path);
	return 0;
}
