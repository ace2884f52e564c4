/* die.c - print one line naming what failed and why, then leave. */
#include "die.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPORT_MAX 1024 /* bytes of one error line */
#define REASON_MAX 128 /* kept free for ": strerror(errno)" and the name */

/* Write "container: MSG[: strerror(saved_errno)]\n" in one write(2), so lines
 * from the supervisor and the container never interleave mid-line. A long
 * MSG is cut ("...") but the reason always fits. */
static void vreport(int saved_errno, const char *fmt, va_list ap)
{
	char line[REPORT_MAX], msg[REPORT_MAX - REASON_MAX];

	if (vsnprintf(msg, sizeof(msg), fmt, ap) >= (int)sizeof(msg))
		strcpy(msg + sizeof(msg) - 4, "...");
	/* A value from the command line ("--hostname $'a\nb'") must not break
	 * the one line apart, nor send escape sequences to the terminal. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	int n = snprintf(line, sizeof(line), "%s: %s%s%s\n", program_invocation_short_name, msg,
			 saved_errno ? ": " : "", saved_errno ? strerror(saved_errno) : "");
	if (n >= (int)sizeof(line)) { /* a very long program name */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
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
