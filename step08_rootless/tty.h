/* tty.h - the container's terminal: a pty of its own with -t, and never the
 * host's terminal, so that nothing inside can type into the host's shell. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct terminal {
	bool tty; /* -t: a pty of the container's own */
	bool interactive; /* -i: the supervisor passes stdin on */
	int console[2]; /* -t: the child sends the pty master over console[1] */
	int pipes[3][2]; /* no -t: a pipe for each of fd 0, 1, 2 that is a terminal */
	int master; /* -t: the pty master, in the supervisor */
};

/* Parent, before clone: the console socket (-t) or the pipes that stand in
 * for the host's terminal; hold back SIGWINCH for the relay; the supervisor
 * is never stopped by Ctrl-Z. Returns 0, or -1 after printing why. */
int terminal_prepare(struct terminal *t, bool tty, bool interactive);

/* Child, once its own /dev is mounted and before closefrom(3): a session of
 * its own; with -t the new pty as its controlling terminal and stdin, stdout,
 * stderr, and the master sent to the supervisor; else the pipes, and
 * /dev/null as stdin without -i. Leaves with 125 on failure. */
void terminal_inside(struct terminal *t);

/* Parent, once the child is released: relay bytes between the host's
 * terminal (raw with -it) and the pty or pipes, forward signals and window
 * size changes, end the container when the host's terminal hangs up, and
 * wait. Returns the container's exit code; the host's terminal is restored
 * on every way out. */
int terminal_supervise(struct terminal *t, pid_t child);
