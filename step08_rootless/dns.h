/* dns.h - names in the container: /etc/resolv.conf and /etc/hosts lines. */
#pragma once

#include <stddef.h>

#include "common/cli.h"

#define HOST_RESOLV_CONF "/etc/resolv.conf"
/* systemd-resolved's list of the real servers behind its 127.0.0.53 */
#define RESOLVED_RESOLV_CONF "/run/systemd/resolve/resolv.conf"
#define FALLBACK_DNS "8.8.8.8", "8.8.4.4" /* Docker's, when nothing else is known */

/* The container's resolv.conf made from the host's text `host`: --dns (or
 * else the host's nameservers that the container can reach: not loopback,
 * IPv4), --dns-search (or else the host's search line), the host's options.
 * Writes it into out; returns 0, or -1 if it does not fit. */
int dns_resolv_conf(char *out, size_t size, const char *host, const struct options *opt);

/* Write the container's resolv.conf to path, from /etc/resolv.conf, or,
 * if that names only loopback servers (127.0.0.53), from systemd-resolved's
 * list. Returns 0, or -1 after printing why. */
int dns_write_resolv_conf(const char *path, const struct options *opt);

/* Append an "ADDR\tNAME" line per --add-host to out (size bytes in all,
 * NUL-terminated). Returns 0, or -1 if they do not fit. */
int dns_add_hosts(char *out, size_t size, const struct options *opt);
