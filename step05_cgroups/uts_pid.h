/* uts_pid.h - step02's mechanism: a hostname and a process tree of our own. */
#pragma once

#include <sched.h>

/* The namespaces step02 adds to clone(2). */
#define UTS_PID_NAMESPACES (CLONE_NEWUTS | CLONE_NEWPID)

/* In the child: set the hostname of the new UTS namespace; exits 125 on failure. */
void setup_uts(const char *hostname);
