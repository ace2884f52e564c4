/* test_step04.c - step04_net: a network namespace with lo and eth0, a bridge
 * on the host side, -p, address leases, and nothing left behind.
 *
 * The harness runs this in a network namespace of its own, with a private
 * /run: "the host" below is that namespace, never the machine's network.
 * Note /sys/class/net in this process still shows the machine's links (the
 * sysfs mount is the machine's), so links are listed with if_nameindex(3),
 * which asks our namespace over netlink. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sha256.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/harness.h"

#define STEP04 "step04_net/container"
#define SUBNET "10.213.0" /* the default, 10.213.0.0/24 */
#define PAYLOAD_SIZE (1 << 20) /* 1 MiB through the -p proxy */
#define MANY 20 /* containers started at once */
#define ANSWER_TIMEOUT_S                                                                           \
	3 /* "at once": well below the kernel's 5 s before it re-checks a neighbour */
#define VETH_GONE_TIMEOUT_MS 10000 /* the kernel's namespace clean-up, even when busy */

static struct run r;
static char www[4200]; /* rootfs/tmp/www-PID: what httpd serves in the container */
static char *payload; /* PAYLOAD_SIZE random bytes, also www/big */

/* ---- helpers ---- */

static void write_file_or_fail(const char *dir, const char *name, const void *data, size_t len,
			       mode_t mode)
{
	char path[4300];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* www/hello, www/big (1 MiB random), www/cgi-bin/sum (sha256 of a POST body). */
static void setup(void)
{
	static const char sum_cgi[] = "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
				      "head -c \"$CONTENT_LENGTH\" | sha256sum | cut -d' ' -f1\n";
	char cgi[4300];

	snprintf(www, sizeof(www), "%s/tmp/www-%d", rootfs(), getpid());
	snprintf(cgi, sizeof(cgi), "%s/cgi-bin", www);
	ck_assert_int_eq(mkdir(www, 0755), 0);
	ck_assert_int_eq(mkdir(cgi, 0755), 0);
	payload = malloc(PAYLOAD_SIZE);
	ck_assert_int_eq(getentropy(payload, 256), 0);
	for (size_t i = 256; i < PAYLOAD_SIZE; i++) /* random enough, every byte value */
		payload[i] = payload[i % 256] ^ (char)(i * 2654435761u >> 13);
	write_file_or_fail(www, "hello", "hello\n", 6, 0644);
	write_file_or_fail(www, "big", payload, PAYLOAD_SIZE, 0644);
	write_file_or_fail(cgi, "sum", sum_cgi, strlen(sum_cgi), 0755);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The links of our network namespace, sorted like ls(1), one per line. */
static char *links(void)
{
	struct if_nameindex *all = if_nameindex();
	static char list[4096];
	char *names[256];
	size_t n = 0;

	ck_assert_ptr_nonnull(all);
	for (struct if_nameindex *i = all; i->if_index && n < 256; i++)
		names[n++] = i->if_name;
	qsort(names, n, sizeof(names[0]), by_name);
	list[0] = '\0';
	for (size_t i = 0; i < n; i++)
		strcat(strcat(list, names[i]), "\n");
	if_freenameindex(all);
	return list;
}

/* Host ends of veth pairs (kb<id>) in our namespace. */
static int count_veths(void)
{
	char *list = links();
	int n = 0;

	for (char *l = list; (l = strstr(l, "kb")); l++)
		n += l == list || l[-1] == '\n';
	return n;
}

/* Wait until the kernel has removed every veth pair: it does when it frees
 * a dead container's namespace, soon but later, in a work queue. We wait on
 * link events (rtnetlink(7) multicast), subscribed before we look, so no
 * removal slips by. True if none is left within VETH_GONE_TIMEOUT_MS. */
static bool veths_gone(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct timespec now, end;
	char events[8192];

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += VETH_GONE_TIMEOUT_MS / 1000;
	while (count_veths() > 0) {
		struct pollfd event = {.fd = fd, .events = POLLIN};
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left_ms =
		    (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left_ms <= 0 || poll(&event, 1, left_ms) <= 0)
			break;
		while (recv(fd, events, sizeof(events), MSG_DONTWAIT) > 0)
			; /* which event does not matter: we count again */
	}
	close(fd);
	return count_veths() == 0;
}

/* Host ends still plugged into the bridge, one per line. */
static char *bridge_ports(void)
{
	run(&r, "ip -o link show master kobako0 | cut -d' ' -f2");
	ck_assert_msg(r.code == 0 && !r.err[0], "ip link: %s", r.err); /* r.code is cut's */
	return r.out;
}

/* Each test also waits for the kernel to remove the veths of its
 * containers, so the next one starts with none. */
static void teardown(void)
{
	run(&r, "rm -rf %s", www);
	free(payload);
	ck_assert_msg(veths_gone(), "veths left after %d ms:\n%s", VETH_GONE_TIMEOUT_MS, links());
}

/* Leases still held in /run/kobako/net, as "ADDR PID ID" lines. */
static char *leases(void)
{
	run(&r, "cat /run/kobako/net/*.leases 2>/dev/null; ls /run/kobako | grep -v '^net$'");
	return strdup(r.out);
}

/* ROOTFS and a command that starts httpd on port 80, then says "ready" and
 * waits for its stdin to close. No race: busybox httpd goes to the
 * background only once it listens. */
#define SERVE "%s /bin/sh -c 'httpd -p 80 -h /tmp/www-%d && echo ready && read x || true'"

/* Send `len` bytes to addr:port, half-close, and return the whole answer
 * (malloc'd, *got bytes; what came before a silence of `timeout_s` seconds,
 * if not 0). */
static char *tcp_exchange(const char *addr, int port, const void *data, size_t len, int timeout_s,
			  size_t *got)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval timeout = {.tv_sec = timeout_s};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t cap = PAYLOAD_SIZE + 4096;
	char *answer = malloc(cap);
	ssize_t n;

	ck_assert_int_eq(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)), 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect %s:%d: %s",
		      addr, port, strerror(errno));
	for (size_t sent = 0; sent < len; sent += n)
		ck_assert_int_gt(n = send(fd, (const char *)data + sent, len - sent, MSG_NOSIGNAL),
				 0);
	shutdown(fd, SHUT_WR);
	for (*got = 0; (n = read(fd, answer + *got, cap - *got)) > 0;)
		*got += n;
	close(fd);
	return answer;
}

/* GET path from addr:port, answered within timeout_s seconds (0: no limit);
 * returns the body (malloc'd, *len bytes). */
static char *http_get_within(const char *addr, int port, const char *path, int timeout_s,
			     size_t *len)
{
	char request[256];
	size_t got;

	snprintf(request, sizeof(request), "GET %s HTTP/1.0\r\n\r\n", path);
	char *answer = tcp_exchange(addr, port, request, strlen(request), timeout_s, &got);
	ck_assert_msg(got > 12 && memcmp(answer + 9, "200", 3) == 0, "GET %s: \"%.*s\"%s", path,
		      (int)(got < 200 ? got : 200), answer, got ? "" : " (no answer in time)");
	char *body = memmem(answer, got, "\r\n\r\n", 4) + 4;
	*len = got - (body - answer);
	memmove(answer, body, *len);
	return answer;
}

static char *http_get(const char *addr, int port, const char *path, size_t *len)
{
	return http_get_within(addr, port, path, 0, len);
}

/* ---- inside ---- */

START_TEST(inside_only_lo_and_eth0)
{
	run(&r, STEP04 " run %s /bin/sh -c 'ls /sys/class/net; ip -4 -o addr show dev eth0'",
	    rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_msg(strncmp(r.out, "eth0\nlo\n", 8) == 0, "links: %s", r.out);
	ck_assert_contains(r.out, "inet " SUBNET ".");
	ck_assert_contains(r.out, "/24 ");
	run(&r,
	    STEP04 " run --subnet 10.77.5.0/28 %s /bin/sh -c 'ip -4 -o addr show dev eth0; "
		   "ip route; cat /sys/class/net/lo/operstate /sys/class/net/eth0/operstate'",
	    rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "inet 10.77.5.2/28 brd 10.77.5.15");
	ck_assert_contains(r.out, "default via 10.77.5.1 dev eth0");
	ck_assert_contains(r.out, "\nup\n"); /* eth0 is up; lo says "unknown" */
}
END_TEST

START_TEST(etc_hosts_and_hostname_generated)
{
	char image_hosts[4200];

	snprintf(image_hosts, sizeof(image_hosts), "%s/etc/hosts", rootfs());
	char *host_hosts = slurp(image_hosts);

	run(&r,
	    STEP04 " run --hostname box --ip " SUBNET ".42 %s /bin/sh -c "
		   "'cat /etc/hostname; cat /etc/hosts; hostname'",
	    rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "box\n127.0.0.1\tlocalhost\n");
	ck_assert_contains(r.out, SUBNET ".42\tbox\nbox\n");
	char *after = slurp(image_hosts);
	ck_assert_str_eq(host_hosts, after); /* the image's own file is untouched */
	free(host_hosts), free(after);
}
END_TEST

/* ---- reachability ---- */

START_TEST(host_reaches_server_in_container)
{
	struct bg c;
	size_t len;

	start_bg(&c, STEP04 " run --ip " SUBNET ".10 " SERVE, rootfs(), getpid());
	ck_assert_str_eq(next_line(&c), "ready\n");
	char *body = http_get(SUBNET ".10", 80, "/hello", &len);
	ck_assert_uint_eq(len, 6);
	ck_assert(memcmp(body, "hello\n", 6) == 0);
	free(body);
	ck_assert_int_eq(stop_bg(&c), 0);
}
END_TEST

START_TEST(container_reaches_gateway)
{
	run(&r, STEP04 " run %s /bin/ping -c 1 -W 5 " SUBNET ".1", rootfs());
	ck_assert_msg(r.code == 0, "ping: %s%s", r.out, r.err);
	ck_assert_contains(r.out, "1 packets received");
}
END_TEST

START_TEST(two_containers_reach_each_other)
{
	struct bg a;

	start_bg(&a, STEP04 " run --ip " SUBNET ".11 " SERVE, rootfs(), getpid());
	ck_assert_str_eq(next_line(&a), "ready\n");
	/* b asks a for a file, by address, across the bridge */
	run(&r, STEP04 " run %s wget -q -O - http://" SUBNET ".11/hello", rootfs());
	ck_assert_msg(r.code == 0, "wget: %s", r.err);
	ck_assert_str_eq(r.out, "hello\n");
	ck_assert_int_eq(stop_bg(&a), 0);
}
END_TEST

START_TEST(net_none_has_only_lo)
{
	char before[4096];

	strcpy(before, links());
	run(&r,
	    STEP04 " run --net none %s /bin/sh -c 'ls /sys/class/net; ip -o link | wc -l; "
		   "ping -c 1 -W 1 " SUBNET ".1'",
	    rootfs());
	ck_assert_int_ne(r.code, 0);
	ck_assert_msg(strncmp(r.out, "lo\n1\nPING", 9) == 0, "links: %s", r.out);
	ck_assert_contains(r.err, "Network is unreachable");
	ck_assert_str_eq(before, links()); /* no veth was made */
}
END_TEST

START_TEST(net_host_shares_the_network)
{
	/* The bridge exists from earlier containers: make sure of it. */
	run(&r, STEP04 " run %s /bin/true", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert(veths_gone()); /* else its veth could vanish between the two lists */
	run(&r, STEP04 " run --net host %s /bin/ls /sys/class/net", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, links()); /* our lo and kobako0, nothing of its own */
	ck_assert_contains(r.out, "kobako0\n");
}
END_TEST

/* ---- -p ---- */

START_TEST(publish_forwards_byte_for_byte)
{
	struct bg c;
	size_t len;
	char request[128], digest[SHA256_DIGEST_STRING_LENGTH];

	start_bg(&c, STEP04 " run -p 18080:80 -p 127.0.0.1:18081:80 " SERVE, rootfs(), getpid());
	ck_assert_str_eq(next_line(&c), "ready\n");
	char *body = http_get("127.0.0.1", 18080, "/hello", &len);
	ck_assert_uint_eq(len, 6);
	ck_assert(memcmp(body, "hello\n", 6) == 0);
	free(body);
	/* 1 MiB from the container to us ... */
	body = http_get("127.0.0.1", 18081, "/big", &len);
	ck_assert_uint_eq(len, PAYLOAD_SIZE);
	ck_assert_msg(memcmp(body, payload, PAYLOAD_SIZE) == 0, "1 MiB download differs");
	free(body);
	/* ... and 1 MiB from us to the container, which answers its sha256 */
	int head =
	    snprintf(request, sizeof(request),
		     "POST /cgi-bin/sum HTTP/1.0\r\nContent-Length: %d\r\n\r\n", PAYLOAD_SIZE);
	char *post = malloc(head + PAYLOAD_SIZE);
	memcpy(post, request, head);
	memcpy(post + head, payload, PAYLOAD_SIZE);
	char *answer = tcp_exchange("127.0.0.1", 18080, post, head + PAYLOAD_SIZE, 0, &len);
	answer[len < PAYLOAD_SIZE ? len : PAYLOAD_SIZE] = '\0';
	SHA256Data((const uint8_t *)payload, PAYLOAD_SIZE, digest);
	ck_assert_contains(answer, digest);
	free(post), free(answer);
	ck_assert_int_eq(stop_bg(&c), 0);
	/* the proxy stopped with the container: the port is closed */
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(18080),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	close(fd);
}
END_TEST

/* The next container usually gets the address of the one before it. If
 * the first talked to the host, the host's neighbour table still maps that
 * address to the first one's MAC for a few seconds: with a new random MAC
 * the second is unreachable from the host (and so through -p) until the
 * kernel re-checks. A MAC derived from the address is the same both times. */
START_TEST(reused_address_answers_at_once)
{
	struct bg c;
	size_t len;

	run(&r, STEP04 " run --ip " SUBNET ".90 %s /bin/ping -c 1 -W 5 " SUBNET ".1", rootfs());
	ck_assert_msg(r.code == 0, "ping: %s%s", r.out, r.err);
	start_bg(&c, STEP04 " run --ip " SUBNET ".90 -p 18095:80 " SERVE, rootfs(), getpid());
	ck_assert_str_eq(next_line(&c), "ready\n");
	char *body = http_get_within("127.0.0.1", 18095, "/hello", ANSWER_TIMEOUT_S, &len);
	ck_assert_uint_eq(len, 6);
	ck_assert(memcmp(body, "hello\n", 6) == 0);
	free(body);
	ck_assert_int_eq(stop_bg(&c), 0);
}
END_TEST

/* ---- leases ---- */

START_TEST(many_at_once_get_distinct_addresses)
{
	struct bg c[MANY];
	char *before = leases();

	for (int i = 0; i < MANY; i++)
		start_bg(&c[i],
			 STEP04 " run %s /bin/sh -c \"ip -4 -o addr show dev eth0 | "
				"awk '{print \\$4}' && read x || true\"",
			 rootfs());
	/* all 20 are running at the same time now: their addresses differ */
	for (int i = 0; i < MANY; i++) {
		ck_assert_contains(next_line(&c[i]), SUBNET ".");
		for (int j = 0; j < i; j++)
			ck_assert_msg(strcmp(c[i].line, c[j].line) != 0, "%s twice", c[i].line);
	}
	ck_assert_int_eq(count_veths(), MANY);
	for (int i = 0; i < MANY; i++)
		ck_assert_int_eq(stop_bg(&c[i]), 0);
	char *after = leases();
	ck_assert_str_eq(before, after); /* all released */
	ck_assert_str_eq(bridge_ports(), "");
	ck_assert(veths_gone());
	free(before), free(after);
}
END_TEST

START_TEST(killed_supervisor_lease_reclaimed)
{
	struct bg c;
	char held[128];

	/* A /30 has room for one container. */
	start_bg(&c, STEP04 " run --subnet 10.66.0.0/30 %s /bin/sh -c 'echo up; read x || true'",
		 rootfs());
	ck_assert_str_eq(next_line(&c), "up\n");
	kill(c.pid, SIGKILL); /* no cleanup runs: the lease stays written down */
	ck_assert_int_eq(stop_bg(&c), 128 + SIGKILL);
	/* stop_bg read to EOF: the container died with its supervisor */
	snprintf(held, sizeof(held), "10.66.0.2 %d ", c.pid);
	char *stale = leases();
	ck_assert_contains(stale, held);
	run(&r, STEP04 " run --subnet 10.66.0.0/30 %s /bin/sh -c 'ip -4 -o addr show dev eth0'",
	    rootfs());
	ck_assert_msg(r.code == 0, "not reclaimed: %s", r.err);
	ck_assert_contains(r.out, "inet 10.66.0.2/30");
	char *now = leases();
	ck_assert_ptr_null(strstr(now, "10.66.0.2"));
	/* What a SIGKILL does leave: the dead one's /run/kobako/<id> files.
	 * Remove them so the next tests start clean. (Its veth goes with its
	 * namespace, as always: teardown waits for that.) */
	char id[65] = "";
	sscanf(strstr(stale, held) + strlen(held), "%64s", id);
	ck_assert_uint_eq(strlen(id), 64);
	run(&r, "rm -rf /run/kobako/%s", id);
	free(stale), free(now);
}
END_TEST

/* ---- cleanup ---- */

START_TEST(veth_unplugged_at_exit_then_removed)
{
	char *before = leases();

	ck_assert_int_eq(count_veths(), 0);
	run(&r, STEP04 " run %s /bin/true", rootfs());
	ck_assert_int_eq(r.code, 0);
	/* Right after exit our end is out of the bridge; the kernel removes
	 * the pair soon after, when it frees the namespace. */
	ck_assert_str_eq(bridge_ports(), "");
	run(&r, STEP04 " run %s /bin/sh -c 'exit 7'", rootfs());
	ck_assert_int_eq(r.code, 7);
	ck_assert_str_eq(bridge_ports(), "");
	run(&r, STEP04 " run %s /no/such/command", rootfs());
	ck_assert_int_eq(r.code, 127);
	ck_assert_str_eq(bridge_ports(), "");
	run(&r, STEP04 " run --init %s /bin/sh -c 'kill -KILL $$'", rootfs());
	ck_assert_int_eq(r.code, 128 + SIGKILL);
	ck_assert_str_eq(bridge_ports(), "");
	/* SIGTERM to the supervisor is forwarded; the cleanup still runs */
	struct bg c;
	start_bg(&c, STEP04 " run --init %s /bin/sh -c 'echo up; exec sleep 60'", rootfs());
	ck_assert_str_eq(next_line(&c), "up\n");
	kill(c.pid, SIGTERM);
	ck_assert_int_eq(stop_bg(&c), 128 + SIGTERM);
	ck_assert_str_eq(bridge_ports(), "");
	char *after = leases();
	ck_assert_str_eq(before, after);
	ck_assert(veths_gone());
	free(before), free(after);
}
END_TEST

/* Bad input: 125, one line naming the problem, and no link, lease, file or
 * mount left behind. */
static void expect_125(const char *args, const char *message)
{
	char links_before[4096], *held = leases();

	strcpy(links_before, links());
	run_expect_125(&r, message, STEP04 " run %s %s /bin/true", args, rootfs());
	ck_assert_str_eq(links_before, links());
	char *held_after = leases();
	ck_assert_str_eq(held, held_after);
	free(held), free(held_after);
}

/* The -p proxy is a child of the supervisor that holds only what it needs:
 * stdin, stdout, stderr and its one listener; not the sync pipe, not the
 * state lock (else a killed supervisor would look alive), nothing else. */
START_TEST(proxy_holds_only_its_listener)
{
	char path[64], exe[PATH_MAX], self[PATH_MAX], *children;
	struct bg c;
	int proxies = 0;

	start_until_up(&c, "up\n",
		       STEP04 " run -p 18097:80 %s /bin/sh -c 'echo up; read x || true'", rootfs());
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", c.pid, c.pid);
	ck_assert_ptr_nonnull(children = slurp(path));
	snprintf(path, sizeof(path), "/proc/%d/exe", c.pid);
	ck_assert_int_gt(readlink(path, self, sizeof(self) - 1), 0);
	for (char *pid = strtok(children, " \n"); pid; pid = strtok(NULL, " \n")) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%s/exe", pid);
		if ((n = readlink(path, exe, sizeof(exe) - 1)) < 0 || strncmp(exe, self, n) != 0)
			continue; /* the container's sh */
		snprintf(path, sizeof(path), "/proc/%s/fd", pid);
		run(&r, "ls %s | wc -l", path);
		ck_assert_str_eq(r.out, "4\n");
		proxies++;
	}
	ck_assert_int_eq(proxies, 1);
	free(children);
	ck_assert_int_eq(stop_bg(&c), 0);
}
END_TEST

START_TEST(bad_network_options)
{
	expect_125("--subnet 10.0.0.0/33", "--subnet 10.0.0.0/33: expected a network");
	expect_125("--subnet 10.0.0.1/24", "--subnet 10.0.0.1/24: expected a network");
	expect_125("--subnet banana", "--subnet banana");
	expect_125("--ip 10.99.0.5", "--ip 10.99.0.5: not in the subnet 10.213.0.0/24");
	expect_125("--ip " SUBNET ".1", "--ip " SUBNET ".1: reserved (the gateway of");
	expect_125("--ip 300.1.1.1", "--ip 300.1.1.1: not an IPv4 address");
	expect_125("--net bridged", "--net bridged: expected bridge, none or host");
	expect_125("--net none -p 8080:80", "-p and --ip need --net bridge");
	expect_125("-p 80", "-p 80: expected [ADDR:]HOSTPORT:CONTAINERPORT");
	expect_125("-p 0:80", "-p 0:80: '0' is not a port");
	expect_125("-p 1:2:3:4", "-p 1:2:3:4: expected");
	expect_125("-p 80:80/sctp", "-p 80:80/sctp: unknown protocol 'sctp' (tcp or udp)");
	expect_125("-p 80:80/udp", "-p 127.0.0.1:80:80/udp: UDP is published by DNAT only");
	expect_125("-p 10.1.2.3.4:80:80", "is not an IPv4 address");
}
END_TEST

START_TEST(address_in_use_and_subnet_exhausted)
{
	struct bg a, b;

	start_bg(&a, STEP04 " run --ip " SUBNET ".77 %s /bin/sh -c 'echo up; read x || true'",
		 rootfs());
	ck_assert_str_eq(next_line(&a), "up\n");
	expect_125("--ip " SUBNET ".77", "--ip " SUBNET ".77: address in use (container ");
	start_bg(&b, STEP04 " run --subnet 10.67.0.0/30 %s /bin/sh -c 'echo up; read x || true'",
		 rootfs());
	ck_assert_str_eq(next_line(&b), "up\n");
	expect_125("--subnet 10.67.0.0/30",
		   "container: subnet 10.67.0.0/30: exhausted (all 1 addresses in use)");
	ck_assert_int_eq(stop_bg(&a), 0);
	ck_assert_int_eq(stop_bg(&b), 0);
}
END_TEST

START_TEST(port_in_use)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons(18090),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	expect_125(
	    "-p 18090:80",
	    "container: -p 127.0.0.1:18090:80: listen on 127.0.0.1:18090: Address already in use");
	close(fd);
}
END_TEST

/* ---- the internet: NAT, DNS, DNAT ----
 *
 * A small internet of namespaces the test makes (ip netns, in our private
 * /run), no packet leaves the machine:
 *
 *   container 10.213.0.x -- kobako0 [this namespace: "the host"] kbt-up 192.0.2.2
 *       -- 192.0.2.1 [kb-up: router; DNS 203.0.113.53, HTTP 203.0.113.10 on lo]
 *   [the host] kbt-remote 198.51.100.1 -- 198.51.100.2 [kb-remote: a client]
 *
 * kb-up has no route to 10.213.0.0/24: only masquerade brings a reply back.
 * The host's resolv.conf names systemd-resolved's stub 127.0.0.53 (a bind
 * mount in our mount namespace); resolved's list names kb-up's dnsmasq. */
#define UPSTREAM_DNS "203.0.113.53"
#define UPSTREAM_WWW "203.0.113.10"
#define TEST_DOMAIN "www.kobako.test"
#define HOST_FOR_REMOTE "198.51.100.1"
#define REMOTE "198.51.100.2"
#define UDP_TIMEOUT_S 3

static void sh_or_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh_or_fail(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	run(&r, "%s", cmd);
	ck_assert_msg(r.code == 0, "%s: %s%s", cmd, r.out, r.err);
}

/* The namespaces' processes are killed by namespace (ip netns pids), never
 * by name. Also before make_internet: a failed test skips its teardown. */
static void remove_internet(void)
{
	run(&r, "umount /etc/resolv.conf; rm -rf /run/systemd /run/host-resolv.conf; "
		"ip link del kbt-up; ip link del kbt-remote; for ns in kb-up kb-remote; do ip "
		"netns pids $ns | xargs -r kill -9; "
		"ip netns del $ns; done 2>/dev/null; nft delete table ip filter 2>/dev/null");
}

static void make_internet(void)
{
	remove_internet();
	static const char addr_cgi[] = "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
				       "echo \"$REMOTE_ADDR\"\n";
	char cgi[4300];

	snprintf(cgi, sizeof(cgi), "%s/cgi-bin", www);
	write_file_or_fail(cgi, "addr", addr_cgi, strlen(addr_cgi), 0755);
	sh_or_fail("ip netns add kb-up && ip netns add kb-remote && "
		   "ip link add kbt-up type veth peer name eth0 netns kb-up && "
		   "ip link add kbt-remote type veth peer name eth0 netns kb-remote && "
		   "ip addr add 192.0.2.2/24 dev kbt-up && ip link set kbt-up up && "
		   "ip addr add " HOST_FOR_REMOTE
		   "/24 dev kbt-remote && ip link set kbt-remote up && "
		   "ip route add default via 192.0.2.1");
	sh_or_fail("ip -n kb-up addr add 192.0.2.1/24 dev eth0 && ip -n kb-up link set eth0 up && "
		   "ip -n kb-up link set lo up && ip -n kb-up addr add " UPSTREAM_WWW
		   "/32 dev lo && "
		   "ip -n kb-up addr add " UPSTREAM_DNS "/32 dev lo && "
		   "ip -n kb-remote addr add " REMOTE "/24 dev eth0 && "
		   "ip -n kb-remote link set eth0 up && "
		   "ip -n kb-remote route add default via " HOST_FOR_REMOTE);
	/* Both go to the background only once they listen: no race. */
	sh_or_fail("ip netns exec kb-up dnsmasq -C /dev/null --no-resolv --no-hosts --user=root "
		   "--listen-address=" UPSTREAM_DNS " --bind-interfaces "
		   "--address=/" TEST_DOMAIN "/" UPSTREAM_WWW " --log-facility=/dev/null");
	sh_or_fail("ip netns exec kb-up %s/bin/busybox httpd -p " UPSTREAM_WWW ":80 -h %s",
		   rootfs(), www);
	sh_or_fail(
	    "mkdir -p /run/systemd/resolve && "
	    "printf 'nameserver " UPSTREAM_DNS "\\nsearch kobako.test\\n' "
	    "> /run/systemd/resolve/resolv.conf && "
	    "printf 'nameserver 127.0.0.53\\noptions edns0 trust-ad\\nsearch kobako.test\\n' "
	    "> /run/host-resolv.conf && mount --bind /run/host-resolv.conf /etc/resolv.conf");
}

/* `nft list table ip kobako`, as nft prints it. */
static char *nat_table(void)
{
	run(&r, "nft list table ip kobako");
	ck_assert_msg(r.code == 0, "nft: %s", r.err);
	return strdup(r.out);
}

static int count(const char *haystack, const char *needle)
{
	int n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Enter the network namespace at path (/proc/PID/ns/net, /run/netns/NAME). */
static void enter_netns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		_exit(90);
	close(fd);
}

/* In the network namespace of process `pid`: answer one UDP datagram on
 * `port` with "pong from ADDR" (the sender's address as seen there).
 * Returns once it listens; the pid of the answering process. */
static pid_t udp_echo_in(pid_t pid, int port)
{
	char path[64];
	int ready[2];
	pid_t child;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
	if ((child = fork()) == 0) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)}, from;
		socklen_t len = sizeof(from);
		char buf[64], answer[96];
		enter_netns(path);
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(91);
		write(ready[1], "", 1);
		if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) < 0)
			_exit(92);
		int n = snprintf(answer, sizeof(answer), "pong from %s", inet_ntoa(from.sin_addr));
		sendto(fd, answer, n, 0, (struct sockaddr *)&from, len);
		_exit(0);
	}
	close(ready[1]);
	char byte;
	ck_assert_int_eq(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	return child;
}

/* From kb-remote: "ping" to addr:port by UDP; the answer, or "" in time. */
static char *udp_ask_from_remote(const char *addr, int port)
{
	static char answer[96];
	int out[2];
	pid_t child;

	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	if ((child = fork()) == 0) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
		struct timeval timeout = {.tv_sec = UDP_TIMEOUT_S};
		enter_netns("/run/netns/kb-remote");
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		inet_pton(AF_INET, addr, &sa.sin_addr);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
		sendto(fd, "ping", 4, 0, (struct sockaddr *)&sa, sizeof(sa));
		ssize_t n = recv(fd, answer, sizeof(answer), 0);
		if (n > 0)
			write(out[1], answer, n);
		_exit(0);
	}
	close(out[1]);
	ssize_t n = read(out[0], answer, sizeof(answer) - 1);
	answer[n > 0 ? n : 0] = '\0';
	close(out[0]);
	waitpid(child, NULL, 0);
	return answer;
}

/* The container process (PID 1 inside) of supervisor `pid`. */
static pid_t container_of(pid_t supervisor)
{
	char path[64];
	int pid = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", supervisor, supervisor);
	char *children = slurp(path);
	ck_assert_ptr_nonnull(children);
	sscanf(children, "%d", &pid);
	free(children);
	return pid;
}

START_TEST(resolves_and_fetches_through_nat)
{
	run(&r,
	    STEP04 " run %s /bin/sh -c 'cat /etc/resolv.conf; "
		   "wget -q -O - http://" TEST_DOMAIN "/hello && wget -q -O - "
		   "http://www/cgi-bin/addr'",
	    rootfs());
	ck_assert_msg(r.code == 0, "%s%s", r.out, r.err);
	/* 127.0.0.53 replaced by resolved's upstream; search and options kept */
	ck_assert_str_eq(r.out,
			 "nameserver " UPSTREAM_DNS "\nsearch kobako.test\nhello\n192.0.2.2\n");
	/* the server saw the host's address: masquerade */
	char *table = nat_table();
	ck_assert_contains(table, "ip saddr 10.213.0.0/24 oifname != \"kobako0\" counter packets");
	ck_assert_contains(table, "masquerade");
	free(table);
	run(&r, "cat /proc/sys/net/ipv4/ip_forward"); /* this test namespace's own */
	ck_assert_str_eq(r.out, "1\n");
}
END_TEST

START_TEST(dns_options_and_add_host)
{
	run(&r,
	    STEP04 " run --dns " UPSTREAM_DNS " --dns 192.0.2.1 --dns-search example.org "
		   "--add-host db.test:10.1.2.3 --hostname box %s /bin/sh -c "
		   "'cat /etc/resolv.conf /etc/hosts; ping -c 1 -W 1 db.test | head -1; "
		   "nslookup " TEST_DOMAIN " | grep -c " UPSTREAM_WWW "'",
	    rootfs());
	ck_assert_msg(r.code == 0, "%s%s", r.out, r.err);
	ck_assert_contains(r.out, "search example.org\nnameserver " UPSTREAM_DNS
				  "\nnameserver 192.0.2.1\n127.0.0.1");
	ck_assert_ptr_null(strstr(r.out, "kobako.test\n")); /* the host's search is replaced */
	ck_assert_contains(r.out, "\tbox\n10.1.2.3\tdb.test\nPING db.test (10.1.2.3)");
	ck_assert_contains(r.out, "\n1\n"); /* the upstream DNS answered nslookup */
}
END_TEST

START_TEST(no_usable_nameserver_falls_back)
{
	run(&r, "printf 'nameserver 127.0.0.53\\n' > /run/systemd/resolve/resolv.conf");
	run(&r, STEP04 " run %s /bin/cat /etc/resolv.conf", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	ck_assert_contains(r.out, "options edns0 trust-ad\nsearch kobako.test\n# the host has");
}
END_TEST

START_TEST(published_ports_reached_from_remote)
{
	struct bg c;

	start_bg(&c,
		 STEP04 " run -p 0.0.0.0:8080:80 -p 0.0.0.0:9091:91/udp -p 8081-8082:81-82 " SERVE,
		 rootfs(), getpid());
	ck_assert_str_eq(next_line(&c), "ready\n");
	char *table = nat_table();
	ck_assert_int_eq(count(table, "dnat to "), 2); /* not for 127.0.0.1:8081-8082 */
	ck_assert_contains(table, "fib daddr type local iifname != \"kobako0\" tcp dport 8080 "
				  "counter packets 0 bytes 0 dnat to " SUBNET ".");
	ck_assert_contains(table, "udp dport 9091 counter packets 0 bytes 0 dnat to " SUBNET ".");
	/* TCP from kb-remote: the server sees the remote's own address (DNAT),
	 * not the gateway's (as through the proxy) */
	run(&r,
	    "ip netns exec kb-remote %s/bin/busybox wget -q -O - http://" HOST_FOR_REMOTE
	    ":8080/cgi-bin/addr",
	    rootfs());
	ck_assert_msg(r.code == 0, "%s", r.err);
	ck_assert_contains(r.out, REMOTE "]\n"); /* httpd prints [::ffff:ADDR] */
	/* from this host: the proxy */
	run(&r, "%s/bin/busybox wget -q -O - http://127.0.0.1:8080/cgi-bin/addr", rootfs());
	ck_assert_contains(r.out, SUBNET ".1]\n");
	/* UDP from kb-remote, answered in the container's namespace */
	pid_t echo = udp_echo_in(container_of(c.pid), 91);
	ck_assert_str_eq(udp_ask_from_remote(HOST_FOR_REMOTE, 9091), "pong from " REMOTE);
	ck_assert_int_eq(waitpid(echo, NULL, 0), echo);
	ck_assert_int_eq(stop_bg(&c), 0);
	free(table);
	table = nat_table();
	ck_assert_ptr_null(strstr(table, "dnat"));
	free(table);
}
END_TEST

START_TEST(same_host_port_twice)
{
	struct bg a;

	start_bg(&a,
		 STEP04 " run -p 0.0.0.0:8090:80 -p 0.0.0.0:9095:95/udp %s /bin/sh -c 'echo up; "
			"read x || true'",
		 rootfs());
	ck_assert_str_eq(next_line(&a), "up\n");
	char *before = nat_table();
	expect_125("-p 0.0.0.0:8090:80",
		   "container: -p 0.0.0.0:8090:80: listen on 0.0.0.0:8090: Address already in use");
	expect_125("-p 0.0.0.0:9095:80/udp", "container: -p 0.0.0.0:9095:80/udp: listen on "
					     "0.0.0.0:9095: Address already in use");
	char *after = nat_table();
	ck_assert_str_eq(before, after); /* no rule of the failed ones */
	ck_assert_int_eq(count(after, "dnat to "), 2);
	ck_assert_int_eq(stop_bg(&a), 0);
	free(before), free(after);
}
END_TEST

START_TEST(killed_supervisor_rules_reclaimed)
{
	struct bg c;
	char id[65] = "", *table;

	start_bg(&c, STEP04 " run -p 0.0.0.0:8095:80 %s /bin/sh -c 'echo up; read x || true'",
		 rootfs());
	ck_assert_str_eq(next_line(&c), "up\n");
	kill(c.pid, SIGKILL); /* no cleanup runs: its rule stays */
	ck_assert_int_eq(stop_bg(&c), 128 + SIGKILL);
	table = nat_table();
	ck_assert_int_eq(count(table, "dport 8095"), 1);
	sscanf(strstr(table, "dport 8095") + strlen("dport 8095"), "%*[^\"]\"%64[0-9a-f]", id);
	ck_assert_uint_eq(strlen(id), 64);
	free(table);
	run(&r, STEP04 " run %s /bin/true", rootfs()); /* the next run takes it back */
	ck_assert_int_eq(r.code, 0);
	table = nat_table();
	ck_assert_ptr_null(strstr(table, "dnat"));
	free(table);
	run(&r, "rm -rf /run/kobako/%s", id); /* what a SIGKILL leaves besides */
}
END_TEST

START_TEST(bad_nat_input)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(9096)};

	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	char *before = nat_table();
	expect_125("--dns 10.0.0 -p 0.0.0.0:8096:80", "--dns 10.0.0: not an IPv4 address");
	expect_125("--add-host db.test -p 0.0.0.0:8096:80",
		   "--add-host db.test: expected NAME:ADDR");
	expect_125("-p 0.0.0.0:8000-8010:8000-8009",
		   "-p 0.0.0.0:8000-8010:8000-8009: the two ranges differ in length");
	expect_125("-p 0.0.0.0:8096:80 -p 0.0.0.0:9096:96/udp",
		   "-p 0.0.0.0:9096:96/udp: listen on 0.0.0.0:9096: Address already in use");
	char *after = nat_table();
	ck_assert_str_eq(before, after);
	close(fd);
	free(before), free(after);
}
END_TEST

/* Docker's iptables FORWARD policy drop, in another table: we are told, and
 * it is real (nothing gets through). */
START_TEST(forward_drop_reported)
{
	run(&r, "nft delete table ip kobako; nft add table ip filter && nft add chain ip filter "
		"FORWARD '{ type filter hook forward priority 0; policy drop; }'");
	ck_assert_int_eq(r.code, 0);
	/* (busybox 1.35's wget -T crashes: nc -w gives up in time) */
	run(&r, STEP04 " run %s /bin/sh -c 'echo | nc -w 2 " UPSTREAM_WWW " 80'", rootfs());
	int code = r.code;
	char *err = strdup(r.err);
	run(&r, "nft delete table ip filter");
	ck_assert_contains(err, "container: warning: iptables' FORWARD policy is DROP (Docker sets "
				"it): it drops kobako0's traffic; to let it through: iptables -I "
				"FORWARD -i kobako0 -j ACCEPT;");
	ck_assert_int_ne(code, 0);
	free(err);
	run(&r, STEP04 " run %s /bin/sh -c 'wget -q -O - http://" UPSTREAM_WWW "/hello'", rootfs());
	ck_assert_str_eq(r.out, "hello\n");
	ck_assert_str_eq(r.err, "");
}
END_TEST

START_TEST(help_lists_step04_options)
{
	run(&r, STEP04 " --help");
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "--net, --network bridge|none|host");
	ck_assert_contains(r.out, "--publish [ADDR:]PORT[-PORT]:PORT[-PORT][/udp]");
	ck_assert_contains(r.out, "defaults to 127.0.0.1");
	ck_assert_ptr_null(strstr(r.out, "--memory"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("step04_net");
	TCase *tc = tcase_create("step04");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, inside_only_lo_and_eth0);
	tcase_add_test(tc, proxy_holds_only_its_listener);
	tcase_add_test(tc, etc_hosts_and_hostname_generated);
	tcase_add_test(tc, host_reaches_server_in_container);
	tcase_add_test(tc, container_reaches_gateway);
	tcase_add_test(tc, two_containers_reach_each_other);
	tcase_add_test(tc, net_none_has_only_lo);
	tcase_add_test(tc, net_host_shares_the_network);
	tcase_add_test(tc, publish_forwards_byte_for_byte);
	tcase_add_test(tc, reused_address_answers_at_once);
	tcase_add_test(tc, many_at_once_get_distinct_addresses);
	tcase_add_test(tc, killed_supervisor_lease_reclaimed);
	tcase_add_test(tc, veth_unplugged_at_exit_then_removed);
	tcase_add_test(tc, bad_network_options);
	tcase_add_test(tc, address_in_use_and_subnet_exhausted);
	tcase_add_test(tc, port_in_use);
	tcase_add_test(tc, help_lists_step04_options);
	suite_add_tcase(s, tc);
	TCase *net = tcase_create("internet");
	tcase_set_timeout(net, 120);
	tcase_add_checked_fixture(net, setup, teardown);
	tcase_add_checked_fixture(net, make_internet, remove_internet);
	tcase_add_test(net, resolves_and_fetches_through_nat);
	tcase_add_test(net, dns_options_and_add_host);
	tcase_add_test(net, no_usable_nameserver_falls_back);
	tcase_add_test(net, published_ports_reached_from_remote);
	tcase_add_test(net, same_host_port_twice);
	tcase_add_test(net, killed_supervisor_rules_reclaimed);
	tcase_add_test(net, bad_nat_input);
	tcase_add_test(net, forward_drop_reported);
	suite_add_tcase(s, net);
	return run_integration_suite(s);
}
