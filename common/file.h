/* file.h - write a short string to a file (procfs, sysfs, cgroupfs). */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Write the formatted text to path in one write(2), the way the kernel's
 * control files want it. Returns 0, or -1 with errno (also for a short write). */
int write_file(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Read at most size-1 bytes of path into buf, NUL-terminated, trailing newline
 * removed. Returns the length, or -1 with errno. */
ssize_t read_file(const char *path, char *buf, size_t size);
