/* uts_pid.h - step02's mechanism: a hostname and a process tree of our own. */
#pragma once

#include <sched.h>
#include <stdint.h>
#include <sys/types.h>

/* The namespaces step02 adds to clone(2). */
#define UTS_PID_NAMESPACES (CLONE_NEWUTS | CLONE_NEWPID)

/* clone3(2) used like fork(2): returns the child's pid in the parent and 0 in
 * the child, which runs on a copy of our stack. flags are CLONE_NEW* namespace
 * flags; the parent gets SIGCHLD when the child ends. -1 with errno. */
pid_t clone_process(uint64_t flags);

/* In the child: set the hostname of the new UTS namespace; exits 125 on failure. */
void setup_uts(const char *hostname);
