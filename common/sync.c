/* sync.c - plumbing: the pipe the child waits on until the parent gives its go. */
#include "sync.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "die.h"

int sync_open(struct sync_pipe *sync)
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	*sync = (struct sync_pipe){.read_end = fds[0], .write_end = fds[1]};
	return 0;
}

void sync_wait_for_parent(struct sync_pipe *sync)
{
	char go;

	close(sync->write_end); /* else we would never see EOF */
	/* If the supervisor dies, no one forwards signals or cleans up after
	 * us: die with it (like `bwrap --die-with-parent`). Set before the read,
	 * so a parent that died already shows up as EOF. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (read(sync->read_end, &go, 1) != 1)
		_exit(EXIT_RUNTIME);
	close(sync->read_end);
}

int sync_release_child(struct sync_pipe *sync)
{
	int ok = write(sync->write_end, "g", 1) == 1;

	sync_close(sync);
	return ok ? 0 : -1;
}

void sync_close(struct sync_pipe *sync)
{
	if (sync->read_end >= 0)
		close(sync->read_end);
	if (sync->write_end >= 0)
		close(sync->write_end);
	sync->read_end = sync->write_end = -1;
}
