/* proxy.h - `-p HOSTPORT:CONTAINERPORT`: a userspace TCP proxy, as
 * docker-proxy is. The supervisor listens on the host address; each
 * connection is relayed, byte for byte in both directions, to the container.
 */
#pragma once

#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/cli.h"

struct proxy {
	const struct port *ports;
	size_t n_ports;
	int listeners[MAX_PORTS]; /* -1 when closed */
	pid_t pid; /* the proxy process, 0 if not running */
};

/* Bind and listen on every published host address:port. Done before the
 * container starts, so "port in use" is a clean 125. Returns 0, or -1 after
 * printing one line (the caller then calls proxy_stop). */
int proxy_listen(struct proxy *p, const struct port *ports, size_t n);

/* Fork the proxy process, which forwards each connection to the same
 * container port on `container`. Returns 0, or -1 after printing why. */
int proxy_start(struct proxy *p, struct in_addr container);

/* Stop the proxy (SIGKILL, reaped) and close the listeners. Idempotent;
 * open connections are cut, as when docker-proxy stops. */
void proxy_stop(struct proxy *p);
