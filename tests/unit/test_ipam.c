/* test_ipam.c - step04_net/ipam.c: leases in a temporary directory. Distinct
 * addresses, reserved ones refused, exhaustion, stale leases reclaimed, and
 * 20 processes leasing at once. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "step04_net/ipam.h"
#include "tests/harness.h"

static char dir[] = "/tmp/test_ipam.XXXXXX";
static struct run r;

static void make_dir(void)
{
	strcpy(dir, "/tmp/test_ipam.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	run(&r, "rm -rf %s", dir);
}

static struct in_addr ip(const char *text)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, text, &a), 1);
	return a;
}

static const char *text(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

/* A PID that surely belongs to no process: a child we have reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return pid;
}

/* Lease for this process (it is alive); 0 or -1. */
static int lease(struct lease *l, const char *subnet, int prefix, const char *wanted)
{
	return ipam_acquire(l, dir, ip(subnet), prefix, ip(wanted), getpid(), "c0ffee");
}

/* Run fn with stderr captured; return what it printed (static buffer). */
static const char *stderr_of(int (*fn)(void *), void *arg, int *result)
{
	static char out[512];
	int fd = memfd_create("stderr", 0), saved = dup(2);

	dup2(fd, 2);
	*result = fn(arg);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, out, sizeof(out) - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return out;
}

START_TEST(gateway_is_first_host)
{
	ck_assert_str_eq(text(ipam_gateway(ip("10.213.0.0"))), "10.213.0.1");
	ck_assert_str_eq(text(ipam_gateway(ip("192.168.8.0"))), "192.168.8.1");
}
END_TEST

START_TEST(distinct_then_released)
{
	struct lease a, b, c;

	ck_assert_int_eq(lease(&a, "10.9.0.0", 24, "0.0.0.0"), 0);
	ck_assert_str_eq(text(a.addr), "10.9.0.2"); /* .0 network, .1 gateway */
	ck_assert_int_eq(lease(&b, "10.9.0.0", 24, "0.0.0.0"), 0);
	ck_assert_str_eq(text(b.addr), "10.9.0.3");
	ck_assert_int_eq(ipam_release(&a), 0);
	ck_assert(!a.held);
	ck_assert_int_eq(ipam_release(&a), 0); /* idempotent */
	ck_assert_int_eq(lease(&c, "10.9.0.0", 24, "0.0.0.0"), 0);
	ck_assert_str_eq(text(c.addr), "10.9.0.2"); /* the freed one again */
	ipam_release(&b);
	ipam_release(&c);
	char path[256];
	snprintf(path, sizeof(path), "%s/10.9.0.0-24.leases", dir);
	char *left = slurp(path);
	ck_assert_str_eq(left, ""); /* nothing held, nothing written down */
	free(left);
}
END_TEST

START_TEST(file_records_address_pid_id)
{
	struct lease a;
	char path[256], want[128];

	ck_assert_int_eq(lease(&a, "10.9.1.0", 24, "10.9.1.77"), 0);
	snprintf(path, sizeof(path), "%s/10.9.1.0-24.leases", dir);
	snprintf(want, sizeof(want), "10.9.1.77 %d c0ffee\n", getpid());
	char *file = slurp(path);
	ck_assert_str_eq(file, want);
	free(file);
	ipam_release(&a);
}
END_TEST

static struct lease held;
static const char *wanted;
static int try_wanted(void *subnet)
{
	struct lease l;
	int rc = lease(&l, subnet, 29, wanted);

	ipam_release(&l);
	return rc;
}

START_TEST(wanted_address_checked)
{
	const char *out;
	int rc;

	ck_assert_int_eq(lease(&held, "10.9.2.0", 29, "10.9.2.5"), 0);
	struct {
		const char *wanted, *message;
	} cases[] = {
	    {"10.9.2.5", "--ip 10.9.2.5: address in use (container c0ffee, pid "},
	    {"10.9.2.1", "--ip 10.9.2.1: reserved (the gateway of 10.9.2.0/29)"},
	    {"10.9.2.0", "--ip 10.9.2.0: reserved (the network address of 10.9.2.0/29)"},
	    {"10.9.2.7", "--ip 10.9.2.7: reserved (the broadcast address of 10.9.2.0/29)"},
	    {"10.9.2.8", "--ip 10.9.2.8: not in the subnet 10.9.2.0/29"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wanted = cases[i].wanted;
		out = stderr_of(try_wanted, "10.9.2.0", &rc);
		ck_assert_int_eq(rc, -1);
		ck_assert_contains(out, cases[i].message);
		ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "not one line: %s", out);
	}
	wanted = "10.9.2.6";
	stderr_of(try_wanted, "10.9.2.0", &rc);
	ck_assert_int_eq(rc, 0);
	ipam_release(&held);
}
END_TEST

static int lease_one(void *subnet)
{
	struct lease l;

	return lease(&l, subnet, 30, "0.0.0.0"); /* kept: the subnet stays full */
}

static int lease_in_29(void *subnet)
{
	struct lease l;

	return lease(&l, subnet, 29, "0.0.0.0");
}

START_TEST(subnet_exhausted)
{
	struct lease l[5];
	const char *out;
	int rc;

	/* A /30 has 4 addresses: network, gateway, one host, broadcast. */
	out = stderr_of(lease_one, "10.9.3.0", &rc);
	ck_assert_int_eq(rc, 0);
	out = stderr_of(lease_one, "10.9.3.0", &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(out,
			 "test_ipam: subnet 10.9.3.0/30: exhausted (all 1 addresses in use)\n");
	/* A /29: 5 hosts. */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(lease(&l[i], "10.9.4.0", 29, "0.0.0.0"), 0);
	ck_assert_str_eq(text(l[4].addr), "10.9.4.6");
	struct lease extra;
	out = stderr_of(lease_in_29, "10.9.4.0", &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_contains(out, "subnet 10.9.4.0/29: exhausted (all 5 addresses in use)");
	ipam_release(&l[2]);
	ck_assert_int_eq(lease(&extra, "10.9.4.0", 29, "0.0.0.0"), 0);
	ck_assert_str_eq(text(extra.addr), "10.9.4.4");
}
END_TEST

START_TEST(stale_lease_reclaimed)
{
	struct lease crashed, next;

	/* A supervisor that died (SIGKILL) without releasing its lease. */
	ck_assert_int_eq(
	    ipam_acquire(&crashed, dir, ip("10.9.5.0"), 30, ip("0.0.0.0"), dead_pid(), "dead"), 0);
	ck_assert_int_eq(lease(&next, "10.9.5.0", 30, "0.0.0.0"), 0);
	ck_assert_str_eq(text(next.addr), text(crashed.addr));
	ipam_release(&next);
}
END_TEST

START_TEST(concurrent_leases_distinct)
{
	enum { N = 20 };
	int fds[2];
	uint32_t got[N];

	ck_assert_int_eq(pipe(fds), 0);
	for (int i = 0; i < N; i++) {
		if (fork() == 0) {
			struct lease l;
			uint32_t a = 0;
			if (ipam_acquire(&l, dir, ip("10.9.6.0"), 24, ip("0.0.0.0"), getppid(),
					 "x") == 0)
				a = l.addr.s_addr;
			_exit(write(fds[1], &a, sizeof(a)) == sizeof(a) ? 0 : 1);
		}
	}
	close(fds[1]);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(read(fds[0], &got[i], sizeof(got[i])), sizeof(got[i]));
		ck_assert_uint_ne(got[i], 0);
		for (int j = 0; j < i; j++)
			ck_assert_msg(got[i] != got[j], "address handed out twice");
	}
	while (wait(NULL) > 0)
		;
	char path[256];
	snprintf(path, sizeof(path), "%s/10.9.6.0-24.leases", dir);
	run(&r, "wc -l < %s", path);
	ck_assert_str_eq(r.out, "20\n"); /* all written down, none lost */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipam");
	TCase *tc = tcase_create("ipam");

	tcase_add_checked_fixture(tc, make_dir, remove_dir);
	tcase_add_test(tc, gateway_is_first_host);
	tcase_add_test(tc, distinct_then_released);
	tcase_add_test(tc, file_records_address_pid_id);
	tcase_add_test(tc, wanted_address_checked);
	tcase_add_test(tc, subnet_exhausted);
	tcase_add_test(tc, stale_lease_reclaimed);
	tcase_add_test(tc, concurrent_leases_distinct);
	suite_add_tcase(s, tc);
	return run_unit_suite(s);
}
