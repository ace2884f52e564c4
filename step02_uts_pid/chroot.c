/* chroot.c - the oldest isolation on Unix: a different root directory.
 *
 * chroot(2) changes one thing, the directory that "/" means for this process
 * and its children. Everything else (processes, hostname, mounts, network) is
 * still the host's, and a root process can climb back out (see
 * tests/chroot_escape.c): step03 replaces this with pivot_root(2).
 *
 * man: chroot(2), chdir(2)
 */
#include "chroot.h"

#include <unistd.h>

#include "common/die.h"

void enter_rootfs(const char *rootfs)
{
	/* Resolve later lookups of "/..." inside rootfs ... */
	if (chroot(rootfs) < 0)
		die_child("chroot %s", rootfs);
	/* ... and leave the old cwd, which still points outside the new root. */
	if (chdir("/") < 0)
		die_child("chdir / in %s", rootfs);
}
