/* die.c - print one line naming what failed and why, then leave. */
#include "die.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write "container: MSG[: strerror(saved_errno)]\n" in one write(2), so lines
 * from the supervisor and the container never interleave mid-line. */
static void vreport(int saved_errno, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s: ", program_invocation_short_name);

	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (saved_errno && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, ": %s", strerror(saved_errno));
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fflush(stdout);
	(void)!write(STDERR_FILENO, line, n);
}

#define REPORT(err)                                                                                \
	do {                                                                                       \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vreport(err, fmt, ap);                                                             \
		va_end(ap);                                                                        \
	} while (0)

noreturn void die(const char *fmt, ...)
{
	REPORT(errno);
	exit(EXIT_RUNTIME);
}

noreturn void diex(const char *fmt, ...)
{
	REPORT(0);
	exit(EXIT_RUNTIME);
}

noreturn void die_child(const char *fmt, ...)
{
	REPORT(errno);
	_exit(EXIT_RUNTIME);
}

int fail(const char *fmt, ...)
{
	int saved_errno = errno;

	REPORT(saved_errno);
	errno = saved_errno;
	return -1;
}

int failx(const char *fmt, ...)
{
	REPORT(0);
	return -1;
}
