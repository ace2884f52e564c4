/* pid1.h - the duties of PID 1, on both sides of the namespace wall. */
#pragma once

#include <stdnoreturn.h>
#include <sys/types.h>

/* Parent, before clone: hold back the signals we forward (and SIGCHLD), so
 * none is lost or kills us before supervise() is ready for it. */
void block_forwarded_signals(void);
/* Parent: forward SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2 to the
 * container's PID 1 until it exits. Returns its exit code (128+N if killed). */
int supervise(pid_t child);
/* Child, as PID 1 (--init): run the command as our child, forward signals to
 * it, reap every zombie, and exit with the command's exit code. */
noreturn void run_init(char **command);
