/* sync.h - plumbing: the parent/child handshake over a pipe (clone3 itself
 * is step02's lesson, in step02_uts_pid/uts_pid.c). */
#pragma once

/* A pipe the child blocks on until the parent has finished its side of the
 * setup (cgroup, network). Both ends are close-on-exec. */
struct sync_pipe {
	int read_end, write_end;
};

/* Returns 0 or -1 with errno. */
int sync_open(struct sync_pipe *sync);
/* Child: wait for the parent's go. If the parent gave up (closed the pipe
 * without a go, or died), leave quietly with 125: the parent reports why.
 * From here on the child is killed if the parent dies. */
void sync_wait_for_parent(struct sync_pipe *sync);
/* Parent: let the child go on. Returns 0 or -1 with errno. */
int sync_release_child(struct sync_pipe *sync);
/* Parent: close our ends without a go (the child then exits). */
void sync_close(struct sync_pipe *sync);
