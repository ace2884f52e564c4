/* parse.c - checked parsing of sizes, integers and addresses. */
#include "parse.h"

#include <arpa/inet.h>
#include <bsd/libutil.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define MAX_SIZE_DIGITS 19 /* more decimal digits cannot fit in 64 bits */

int parse_size(const char *text, uint64_t *bytes)
{
	size_t digits = strspn(text, "0123456789");

	/* expand_number() wraps "-5m" into a huge number, takes "5mm" as "5m"
	 * and ignores an overflowing number: accept only DIGITS[kmgtpe]. */
	if (digits == 0 ||
	    (text[digits] && (!strchr("kKmMgGtTpPeE", text[digits]) || text[digits + 1]))) {
		errno = EINVAL;
		return -1;
	}
	if (digits > MAX_SIZE_DIGITS) {
		errno = ERANGE;
		return -1;
	}
	return expand_number(text, bytes);
}

int parse_int(const char *text, long long min, long long max, long long *value)
{
	const char *why = NULL;

	*value = strtonum(text, min, max, &why);
	if (!why)
		return 0;
	/* libbsd's strtonum does not always set errno: say which it was. */
	errno = strstr(why, "too") ? ERANGE : EINVAL; /* "too small", "too large" */
	return -1;
}

int parse_millis(const char *text, long long max_millis, long long *millis)
{
	const char *dot = strchr(text, '.');
	char whole[32], frac[4] = "000";
	size_t whole_len = dot ? (size_t)(dot - text) : strlen(text);
	long long w, f;

	if (whole_len == 0 || whole_len >= sizeof(whole) ||
	    (dot && (strlen(dot + 1) == 0 || strlen(dot + 1) > 3)))
		goto invalid;
	memcpy(whole, text, whole_len);
	whole[whole_len] = '\0';
	if (dot)
		memcpy(frac, dot + 1, strlen(dot + 1));
	for (const char *p = frac; *p; p++)
		if (!isdigit((unsigned char)*p))
			goto invalid;
	if (!isdigit((unsigned char)whole[0]) || parse_int(whole, 0, max_millis / 1000, &w) < 0 ||
	    parse_int(frac, 0, 999, &f) < 0)
		return -1;
	*millis = w * 1000 + f;
	if (*millis == 0 || *millis > max_millis) {
		errno = ERANGE;
		return -1;
	}
	return 0;
invalid:
	errno = EINVAL;
	return -1;
}

int parse_ipv4(const char *text, struct in_addr *addr)
{
	if (inet_pton(AF_INET, text, addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int parse_cidr(const char *text, struct in_addr *network, int *prefix)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	long long bits;

	if (!slash || (size_t)(slash - text) >= sizeof(addr))
		goto invalid;
	strlcpy(addr, text, slash - text + 1);
	if (parse_ipv4(addr, network) < 0 || parse_int(slash + 1, 8, 30, &bits) < 0)
		goto invalid;
	*prefix = bits;
	uint32_t mask = htonl(~0u << (32 - bits));
	if (network->s_addr & ~mask)
		goto invalid; /* "10.0.0.1/24": host bits set */
	return 0;
invalid:
	errno = EINVAL;
	return -1;
}
