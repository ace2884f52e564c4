/* die.h - the one error idiom of kobako.
 *
 * Every failure is one line on stderr that names what failed, the value it
 * failed on and why:  "container: mount /proc: Permission denied".
 * Exit codes follow Docker (docker-run(1), "Exit Status").
 */
#pragma once

#include <stdnoreturn.h>

enum exit_code {
	EXIT_RUNTIME = 125, /* kobako itself failed: bad option, setup error */
	EXIT_CANNOT_EXEC = 126, /* the command exists but cannot be executed */
	EXIT_NOT_FOUND = 127, /* the command does not exist */
	EXIT_SIGNAL_BASE = 128, /* killed by signal N: exit 128 + N */
};

/* Print "container: MSG: strerror(errno)" and exit 125. Keeps errno. */
noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "container: MSG" (no errno) and exit 125. */
noreturn void diex(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* die() for a child after fork/clone: leaves with _exit(), so the parent's
 * atexit handlers and stdio buffers are not run twice. */
noreturn void die_child(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print like die() but return -1, for functions that own outside state and
 * must let the caller's cleanup run:  return fail("mkdir %s", path); */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* fail() without errno. */
int failx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
