/* dns.c - the container finds names: /etc/resolv.conf and --add-host.
 *
 * A container has its own network, so the host's nameserver may be out of
 * its reach: systemd-resolved listens on 127.0.0.53, which inside the
 * container is the container's own loopback. Docker therefore copies the
 * host's resolv.conf, takes the upstream servers from systemd-resolved's
 * own list when the host's names only 127.0.0.53, drops loopback (and,
 * without IPv6, IPv6) servers, and uses 8.8.8.8 and 8.8.4.4 when nothing
 * is left. We do the same. The file is bind-mounted over the image's
 * /etc/resolv.conf, like /etc/hosts: the image stays as it is.
 *
 * man: resolv.conf(5), hosts(5), systemd-resolved.service(8) ("/etc/resolv.conf")
 */
#include "dns.h"

#include <arpa/inet.h>
#include <bsd/string.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/die.h"
#include "common/parse.h"

#define RESOLV_CONF_MAX 4096 /* bytes of a resolv.conf that we read */

/* Append printf-style text at *len; false once out is full. */
static bool append(char *out, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool append(char *out, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = *len < size ? vsnprintf(out + *len, size - *len, fmt, ap) : -1;
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += n;
	return true;
}

/* A nameserver the container can use: IPv4, not the host's loopback. */
static bool reachable(const char *addr, struct in_addr *a)
{
	return parse_ipv4(addr, a) == 0 && ntohl(a->s_addr) >> 24 != IN_LOOPBACKNET;
}

/* The host's lines we keep: "search"/"domain" (unless --dns-search),
 * "options", and "nameserver" (unless --dns) if reachable. Returns how
 * many nameservers were kept, or -1 if out is full. */
static int copy_host_lines(char *out, size_t size, size_t *len, const char *host,
			   const struct options *opt)
{
	char line[512], key[16], value[256];
	int servers = 0;
	struct in_addr a;

	for (const char *p = host; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		if (sscanf(line, "%15s %255s", key, value) != 2)
			continue; /* blank or a comment */
		bool keep =
		    strcmp(key, "options") == 0 ||
		    ((strcmp(key, "search") == 0 || strcmp(key, "domain") == 0) &&
		     opt->n_dns_search == 0) ||
		    (strcmp(key, "nameserver") == 0 && opt->n_dns == 0 && reachable(value, &a));
		if (keep && !append(out, size, len, "%s\n", line))
			return -1;
		servers += keep && strcmp(key, "nameserver") == 0;
	}
	return servers;
}

int dns_resolv_conf(char *out, size_t size, const char *host, const struct options *opt)
{
	static const char *const fallback[] = {FALLBACK_DNS};
	size_t len = 0;
	int servers;
	bool ok = true;

	out[0] = '\0';
	if (opt->n_dns_search > 0) {
		ok = append(out, size, &len, "search");
		for (size_t i = 0; i < opt->n_dns_search; i++)
			ok = ok && append(out, size, &len, " %s", opt->dns_search[i]);
		ok = ok && append(out, size, &len, "\n");
	}
	for (size_t i = 0; ok && i < opt->n_dns; i++)
		ok = append(out, size, &len, "nameserver %s\n", inet_ntoa(opt->dns[i]));
	if (!ok || (servers = copy_host_lines(out, size, &len, host, opt)) < 0)
		return -1;
	if (servers > 0 || opt->n_dns > 0)
		return 0;
	ok = append(out, size, &len,
		    "# the host has no nameserver a container can reach: "
		    "Docker's fallback (--dns to choose)\n");
	for (size_t i = 0; ok && i < sizeof(fallback) / sizeof(fallback[0]); i++)
		ok = append(out, size, &len, "nameserver %s\n", fallback[i]);
	return ok ? 0 : -1;
}

/* Read a small text file into buf; "" if it is missing. */
static void read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* Does the resolv.conf text name a server a container can reach? */
static bool names_reachable_server(const char *text)
{
	static const struct options defaults; /* no --dns, no --dns-search */
	char scratch[RESOLV_CONF_MAX];
	size_t len = 0;

	return copy_host_lines(scratch, sizeof(scratch), &len, text, &defaults) > 0;
}

int dns_write_resolv_conf(const char *path, const struct options *opt)
{
	char host[RESOLV_CONF_MAX], resolved[RESOLV_CONF_MAX], text[RESOLV_CONF_MAX];
	FILE *f;

	read_text(HOST_RESOLV_CONF, host, sizeof(host));
	/* Only loopback servers, as with systemd-resolved's 127.0.0.53: the
	 * servers it asks are in its own list. */
	if (!names_reachable_server(host)) {
		read_text(RESOLVED_RESOLV_CONF, resolved, sizeof(resolved));
		if (names_reachable_server(resolved))
			strlcpy(host, resolved, sizeof(host));
	}
	if (dns_resolv_conf(text, sizeof(text), host, opt) < 0)
		return failx("%s: too long for a container's resolv.conf", HOST_RESOLV_CONF);
	if (!(f = fopen(path, "we")) || fputs(text, f) < 0 || fclose(f) != 0)
		return fail("write %s", path);
	return 0;
}

int dns_add_hosts(char *out, size_t size, const struct options *opt)
{
	size_t len = strlen(out);

	for (size_t i = 0; i < opt->n_hosts; i++)
		if (!append(out, size, &len, "%s\t%s\n", inet_ntoa(opt->hosts[i].addr),
			    opt->hosts[i].name))
			return -1;
	return 0;
}
