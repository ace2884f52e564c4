/* parse.h - turn command-line strings into checked numbers and addresses. */
#pragma once

#include <netinet/in.h>
#include <stdint.h>

/* "64m", "1g", "512" -> bytes (expand_number(3), powers of 1024).
 * Rejects empty, negative, junk and overflow; accepts 0 (the caller decides).
 * Returns 0, or -1 with errno EINVAL or ERANGE. */
int parse_size(const char *text, uint64_t *bytes);

/* A decimal integer in [min, max] (strtonum(3)). Returns 0 or -1 (errno
 * EINVAL or ERANGE). */
int parse_int(const char *text, long long min, long long max, long long *value);

/* "0.25", "2", "1.5" -> thousandths ("millis"): 250, 2000, 1500.
 * At most three decimals, in (0, max_millis]. Returns 0 or -1 (EINVAL/ERANGE). */
int parse_millis(const char *text, long long max_millis, long long *millis);

/* "10.0.0.1" -> address (inet_pton(3)). Returns 0 or -1 (EINVAL). */
int parse_ipv4(const char *text, struct in_addr *addr);

/* "10.0.0.0/24" -> network address and prefix length (8..30). The host part
 * must be zero. Returns 0 or -1 (EINVAL). */
int parse_cidr(const char *text, struct in_addr *network, int *prefix);
