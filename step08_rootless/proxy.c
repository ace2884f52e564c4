/* proxy.c - the -p TCP proxy: a listener process, and per connection two
 * processes that each copy one direction until EOF, like docker-proxy's two
 * io.Copy goroutines. Blocking copies in separate processes cannot deadlock
 * on a peer that writes before it reads, and need no buffering state.
 *
 * Every process of the proxy asks for SIGKILL when its parent dies
 * (PR_SET_PDEATHSIG), so killing the proxy process, or the supervisor,
 * takes all of them down and frees the port.
 *
 * man: socket(7), tcp(7), accept4(2), poll(2), shutdown(2), prctl(2) (PR_SET_PDEATHSIG)
 */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/die.h"

#define LISTEN_BACKLOG 128
#define COPY_CHUNK (64 * 1024) /* bytes read and written at a time */

int proxy_listen(struct proxy *p, const struct port *ports, size_t n)
{
	char addr[INET_ADDRSTRLEN];
	int one = 1;

	*p = (struct proxy){.ports = ports, .n_ports = n};
	for (size_t i = 0; i < MAX_PORTS; i++)
		p->listeners[i] = -1;
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_port = htons(ports[i].host_port),
					 .sin_addr = ports[i].host_addr};
		bool udp = ports[i].proto == IPPROTO_UDP;
		int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return fail("-p: socket");
		p->listeners[i] = fd;
		/* REUSEADDR: a port in TIME_WAIT from a previous run is free;
		 * one that another program listens on is still "in use". (Not
		 * for UDP, where it lets two sockets share the port.) */
		if (!udp)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		inet_ntop(AF_INET, &sa.sin_addr, addr, sizeof(addr));
		/* UDP: the bound socket only holds the port; DNAT carries it. */
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    (!udp && listen(fd, LISTEN_BACKLOG) < 0))
			return fail("-p %s:%u:%u%s: listen on %s:%u", addr, ports[i].host_port,
				    ports[i].container_port, udp ? "/udp" : "", addr,
				    ports[i].host_port);
	}
	return 0;
}

/* In a freshly forked process: get SIGKILL when the parent dies. */
static void die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* it died before prctl: nobody will tell us */
		_exit(0);
}

/* Copy from -> to until EOF or error, then pass the EOF on (half-close). */
static void copy_stream(int from, int to)
{
	char buf[COPY_CHUNK];
	ssize_t n, sent;

	while ((n = read(from, buf, sizeof(buf))) > 0)
		for (ssize_t done = 0; done < n; done += sent)
			/* MSG_NOSIGNAL: a peer that has gone is an error, not SIGPIPE */
			if ((sent = send(to, buf + done, n - done, MSG_NOSIGNAL)) < 0)
				goto out;
out:
	shutdown(to, SHUT_WR);
}

/* One connection: connect to the container, then one process per direction. */
static noreturn void relay_connection(int client, struct in_addr addr, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr = addr};
	int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t self = getpid();

	/* Refused (nothing listens yet): the client sees its connection close. */
	if (server < 0 || connect(server, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		_exit(1);
	pid_t upstream = fork();
	if (upstream == 0) {
		die_with_parent(self);
		copy_stream(client, server); /* request: host -> container */
		_exit(0);
	}
	copy_stream(server, client); /* answer: container -> host */
	if (upstream > 0)
		waitpid(upstream, NULL, 0);
	_exit(0);
}

/* The proxy process: accept on every listener, fork a relay per connection. */
static noreturn void proxy_main(const struct proxy *p, struct in_addr container)
{
	struct pollfd fds[MAX_PORTS];
	pid_t self = getpid();

	signal(SIGCHLD, SIG_IGN); /* relays are reaped by the kernel */
	for (size_t i = 0; i < p->n_ports; i++)
		fds[i] = (struct pollfd){.fd = p->ports[i].proto == IPPROTO_UDP ? -1 /* ignored */
										: p->listeners[i],
					 .events = POLLIN};
	for (;;) {
		if (poll(fds, p->n_ports, -1) < 0 && errno != EINTR)
			die_child("-p: poll");
		for (size_t i = 0; i < p->n_ports; i++) {
			if (!(fds[i].revents & POLLIN))
				continue;
			int client = accept4(fds[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (client < 0)
				continue; /* the client gave up already */
			if (fork() == 0) {
				die_with_parent(self);
				relay_connection(client, container, p->ports[i].container_port);
			}
			close(client);
		}
	}
}

/* The proxy holds its listeners and nothing else of the supervisor's: not
 * the sync pipe, not the state lock (state.c: it must go with the
 * supervisor), not the store's records. close_range(2) between them. */
static void close_all_but_listeners(const struct proxy *p)
{
	unsigned from = STDERR_FILENO + 1;

	for (;;) {
		unsigned next = ~0U; /* the lowest listener at or above `from` */
		for (size_t i = 0; i < p->n_ports; i++)
			if (p->listeners[i] >= (int)from && (unsigned)p->listeners[i] < next)
				next = p->listeners[i];
		if (next > from)
			close_range(from, next == ~0U ? ~0U : next - 1, 0);
		if (next == ~0U)
			return;
		from = next + 1;
	}
}

int proxy_start(struct proxy *p, struct in_addr container)
{
	pid_t supervisor = getpid();

	if (p->n_ports == 0)
		return 0;
	p->pid = fork();
	if (p->pid < 0) {
		p->pid = 0;
		return fail("-p: fork the proxy");
	}
	if (p->pid == 0) {
		die_with_parent(supervisor);
		close_all_but_listeners(p);
		proxy_main(p, container);
	}
	return 0;
}

void proxy_stop(struct proxy *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL); /* its relays follow (PDEATHSIG) */
		waitpid(p->pid, NULL, 0);
		p->pid = 0;
	}
	for (size_t i = 0; i < p->n_ports; i++) { /* none in a zeroed struct */
		if (p->listeners[i] >= 0)
			close(p->listeners[i]);
		p->listeners[i] = -1;
	}
}
