/* ipam.c - address leases in a flock(2)ed file, safe for concurrent starts. */
#include "ipam.h"

#include <arpa/inet.h>
#include <bsd/libutil.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/die.h"
#include "common/path.h"

#define IPAM_DIR_MODE 0755
#define LOCK_FILE_MODE 0644

struct entry {
	struct in_addr addr;
	pid_t pid;
	char id[ID_HEX_LEN + 1];
};

struct table {
	struct entry *entries;
	size_t n;
};

struct in_addr ipam_gateway(struct in_addr subnet)
{
	return (struct in_addr){htonl(ntohl(subnet.s_addr) + 1)};
}

/* "<dir>/10.213.0.0-24<suffix>" */
static int file_path(const struct lease *l, const char *suffix, char *path, size_t size)
{
	char net[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &l->subnet, net, sizeof(net));
	if (snprintf(path, size, "%s/%s-%d%s", l->dir, net, l->prefix, suffix) >= (int)size) {
		errno = ENAMETOOLONG;
		return fail("ipam: %s", l->dir);
	}
	return 0;
}

/* Is the supervisor that took this lease still running? (EPERM: it exists.) */
static bool pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Read the live leases of `path` into t; a missing file is an empty table.
 * Stale leases (their PID is gone) and malformed lines are dropped. */
static int read_table(const char *path, struct table *t)
{
	FILE *f = fopen(path, "re");
	char line[128], addr[INET_ADDRSTRLEN];
	struct entry e;

	*t = (struct table){0};
	if (!f)
		return errno == ENOENT ? 0 : fail("ipam: open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%15s %d %64s", addr, &e.pid, e.id) != 3 ||
		    inet_pton(AF_INET, addr, &e.addr) != 1 || !pid_alive(e.pid))
			continue;
		struct entry *more = reallocarray(t->entries, t->n + 1, sizeof(*more));
		if (!more) {
			fclose(f);
			return fail("ipam: read %s", path);
		}
		t->entries = more;
		t->entries[t->n++] = e;
	}
	fclose(f);
	return 0;
}

/* Replace `path` with the table: write a temporary file, then rename(2) it
 * over the old one, so a crash never leaves a half-written lease file. */
static int write_table(const char *path, const struct table *t)
{
	char tmp[PATH_MAX], addr[INET_ADDRSTRLEN];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    !(f = fopen(tmp, "we")))
		return fail("ipam: create %s.tmp", path);
	for (size_t i = 0; i < t->n; i++) {
		inet_ntop(AF_INET, &t->entries[i].addr, addr, sizeof(addr));
		fprintf(f, "%s %d %s\n", addr, t->entries[i].pid, t->entries[i].id);
	}
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return fail("ipam: write %s", path);
	return 0;
}

static const struct entry *find(const struct table *t, struct in_addr addr)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->entries[i].addr.s_addr == addr.s_addr)
			return &t->entries[i];
	return NULL;
}

/* Check that --ip `wanted` may be leased: in the subnet, not reserved, free. */
static int check_wanted(const struct lease *l, const struct table *t, struct in_addr wanted)
{
	uint32_t net = ntohl(l->subnet.s_addr), a = ntohl(wanted.s_addr);
	uint32_t last = net + (1u << (32 - l->prefix)) - 1; /* the broadcast address */
	char ip[INET_ADDRSTRLEN], sub[INET_ADDRSTRLEN];
	const struct entry *e = find(t, wanted);

	inet_ntop(AF_INET, &wanted, ip, sizeof(ip));
	inet_ntop(AF_INET, &l->subnet, sub, sizeof(sub));
	if (a < net || a > last)
		return failx("--ip %s: not in the subnet %s/%d", ip, sub, l->prefix);
	if (a == net || a == net + 1 || a == last)
		return failx("--ip %s: reserved (the %s of %s/%d)", ip,
			     a == net	 ? "network address"
			     : a == last ? "broadcast address"
					 : "gateway",
			     sub, l->prefix);
	if (e)
		return failx("--ip %s: address in use (container %.12s, pid %d)", ip, e->id,
			     e->pid);
	return 0;
}

/* Pick `wanted`, or the lowest free host after the gateway. */
static int choose_address(struct lease *l, const struct table *t, struct in_addr wanted)
{
	uint32_t net = ntohl(l->subnet.s_addr), hosts = (1u << (32 - l->prefix)) - 3;
	char sub[INET_ADDRSTRLEN];

	if (wanted.s_addr) {
		l->addr = wanted;
		return check_wanted(l, t, wanted);
	}
	for (uint32_t a = net + 2; a < net + 2 + hosts; a++) {
		l->addr.s_addr = htonl(a);
		if (!find(t, l->addr))
			return 0;
	}
	inet_ntop(AF_INET, &l->subnet, sub, sizeof(sub));
	return failx("subnet %s/%d: exhausted (all %u addresses in use)", sub, l->prefix, hosts);
}

/* Open and lock the subnet's lock file; the lock goes with close(2). */
static int lock_subnet(const struct lease *l)
{
	char path[PATH_MAX];
	int fd;

	if (file_path(l, ".lock", path, sizeof(path)) < 0)
		return -1;
	/* flopen(3): open + flock(LOCK_EX), and retries if the file was
	 * replaced meanwhile. Blocks while another container holds it. */
	if ((fd = flopen(path, O_RDWR | O_CREAT | O_CLOEXEC, LOCK_FILE_MODE)) < 0)
		return fail("ipam: lock %s", path);
	return fd;
}

int ipam_acquire(struct lease *l, const char *dir, struct in_addr subnet, int prefix,
		 struct in_addr wanted, pid_t owner, const char *id)
{
	char path[PATH_MAX];
	struct table t = {0};
	int lock, ok = -1;

	*l = (struct lease){.subnet = subnet, .prefix = prefix, .owner = owner};
	if (prefix < 8 || prefix > 30 || strlcpy(l->dir, dir, sizeof(l->dir)) >= sizeof(l->dir))
		return failx("ipam: bad subnet prefix /%d or directory %s", prefix, dir);
	if (mkdir_p(dir, IPAM_DIR_MODE) < 0)
		return fail("ipam: mkdir %s", dir);
	if ((lock = lock_subnet(l)) < 0)
		return -1;
	if (file_path(l, ".leases", path, sizeof(path)) == 0 && read_table(path, &t) == 0 &&
	    choose_address(l, &t, wanted) == 0) {
		struct entry *more = reallocarray(t.entries, t.n + 1, sizeof(*more));
		if (more) {
			t.entries = more;
			t.entries[t.n] = (struct entry){.addr = l->addr, .pid = owner};
			strlcpy(t.entries[t.n++].id, id, sizeof(more->id));
			ok = write_table(path, &t);
		} else {
			fail("ipam: lease");
		}
	}
	l->held = ok == 0;
	free(t.entries);
	close(lock);
	return ok;
}

int ipam_release(struct lease *l)
{
	char path[PATH_MAX];
	struct table t = {0};
	int lock, ok = -1;

	if (!l->held)
		return 0;
	if ((lock = lock_subnet(l)) < 0)
		return -1;
	if (file_path(l, ".leases", path, sizeof(path)) == 0 && read_table(path, &t) == 0) {
		size_t kept = 0;
		for (size_t i = 0; i < t.n; i++) /* keep all but ours */
			if (t.entries[i].addr.s_addr != l->addr.s_addr ||
			    t.entries[i].pid != l->owner)
				t.entries[kept++] = t.entries[i];
		t.n = kept;
		ok = write_table(path, &t);
	}
	l->held = ok < 0; /* still ours if we could not write */
	free(t.entries);
	close(lock);
	return ok;
}
