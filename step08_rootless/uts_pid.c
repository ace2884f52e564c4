/* uts_pid.c - the UTS and PID namespaces.
 *
 * A namespace wraps one global resource so that the processes inside see
 * their own copy. CLONE_NEWUTS gives the child its own hostname;
 * CLONE_NEWPID gives it its own PID numbers, starting at 1: the container's
 * first process is PID 1 in there and an ordinary PID out here.
 *
 * man: clone(2), namespaces(7), uts_namespaces(7), pid_namespaces(7), sethostname(2)
 * LWN: "Namespaces in operation, part 1" (https://lwn.net/Articles/531114/)
 */
#include "uts_pid.h"

#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/die.h"

pid_t clone_process(uint64_t flags)
{
	/* glibc has no clone3() wrapper; with stack = 0 the child continues on
	 * a copy of our stack, exactly like fork(), so no stack to manage. */
	struct clone_args args = {.flags = flags, .exit_signal = SIGCHLD};

	return syscall(SYS_clone3, &args, sizeof(args));
}

void setup_uts(const char *hostname)
{
	/* Only our UTS namespace sees this: the host keeps its name. */
	if (sethostname(hostname, strlen(hostname)) < 0)
		die_child("sethostname %s", hostname);
}
