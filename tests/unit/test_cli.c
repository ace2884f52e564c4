/* test_cli.c - common/cli.c: what each step accepts, defaults, and the
 * one-line errors (exit 125) for bad values. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cli.h"
#include "tests/harness.h"

static struct options opt;

/* Parse "run OPTIONS /tmp sh" as step `step`. argv is static: opt points into it. */
#define PARSE(step, ...)                                                                           \
	do {                                                                                       \
		static char *argv[] = {"container", "run", __VA_ARGS__, "/tmp", "sh", NULL};       \
		parse_options(sizeof(argv) / sizeof(argv[0]) - 1, argv, step, &opt);               \
	} while (0)

START_TEST(defaults)
{
	PARSE(6, "--stats");
	ck_assert_str_eq(opt.rootfs, "/tmp");
	ck_assert_str_eq(opt.command[0], "sh");
	ck_assert_ptr_null(opt.command[1]);
	ck_assert_int_eq(strlen(opt.id), 64);
	ck_assert_int_eq(strncmp(opt.id, opt.short_id, 12), 0);
	ck_assert_str_eq(opt.hostname, opt.short_id);
	ck_assert_int_eq(opt.net, NET_BRIDGE);
	ck_assert_str_eq(inet_ntoa(opt.subnet), "10.213.0.0");
	ck_assert_int_eq(opt.prefix, 24);
	ck_assert_str_eq(opt.cgroup_parent, "/kobako");
	ck_assert(!opt.init && !opt.read_only && !opt.keep && opt.stats);
}
END_TEST

START_TEST(ids_differ)
{
	char first[ID_HEX_LEN + 1];

	PARSE(2, "--init");
	strcpy(first, opt.id);
	PARSE(2, "--init");
	ck_assert_str_ne(first, opt.id);
}
END_TEST

START_TEST(every_value)
{
	PARSE(6, "--hostname", "web-1", "--init", "-v", "/tmp:/a:ro", "--volume", "/:/b",
	      "--read-only", "--net", "bridge", "--subnet", "10.9.0.0/16", "--ip", "10.9.3.4", "-p",
	      "8080:80", "--publish", "127.0.0.2:9000:90/tcp", "--memory", "64m", "--memory-swap",
	      "128m", "--cpus", "0.5", "--cpu-shares", "512", "--pids-limit", "20",
	      "--cgroup-parent", "test", "--keep", "--root", "/srv");
	ck_assert_str_eq(opt.hostname, "web-1");
	ck_assert_int_eq(opt.n_volumes, 2);
	ck_assert_str_eq(opt.volumes[0].host, "/tmp");
	ck_assert_str_eq(opt.volumes[0].target, "/a");
	ck_assert(opt.volumes[0].read_only && !opt.volumes[1].read_only);
	ck_assert_int_eq(opt.prefix, 16);
	ck_assert_str_eq(inet_ntoa(opt.ip), "10.9.3.4");
	ck_assert_int_eq(opt.n_ports, 2);
	ck_assert_int_eq(opt.ports[0].host_port, 8080);
	ck_assert_int_eq(opt.ports[0].container_port, 80);
	ck_assert_str_eq(inet_ntoa(opt.ports[0].host_addr), "127.0.0.1");
	ck_assert_str_eq(inet_ntoa(opt.ports[1].host_addr), "127.0.0.2");
	ck_assert_uint_eq(opt.memory, 64 << 20);
	ck_assert_int_eq(opt.memory_swap, 128 << 20);
	ck_assert_int_eq(opt.cpu_millis, 500);
	ck_assert_int_eq(opt.cpu_shares, 512);
	ck_assert_int_eq(opt.pids_limit, 20);
	ck_assert_str_eq(opt.cgroup_parent, "test");
	ck_assert(opt.keep && opt.read_only && opt.init);
	ck_assert_str_eq(opt.store, "/srv");
}
END_TEST

START_TEST(volumes_parents_first)
{
	PARSE(3, "-v", "/tmp:/data/sub", "-v", "/:/data", "-v", "/tmp:/x/y/z");
	ck_assert_str_eq(opt.volumes[0].target, "/data");
	ck_assert_str_eq(opt.volumes[1].target, "/data/sub");
	ck_assert_str_eq(opt.volumes[2].target, "/x/y/z");
}
END_TEST

START_TEST(memory_swap_unlimited)
{
	PARSE(5, "--memory", "1g", "--memory-swap", "-1");
	ck_assert_int_eq(opt.memory_swap, -1);
}
END_TEST

START_TEST(store_from_environment)
{
	setenv("KOBAKO_ROOT", "/var/tmp/kb", 1);
	PARSE(6, "--keep");
	ck_assert_str_eq(opt.store, "/var/tmp/kb");
	unsetenv("KOBAKO_ROOT");
}
END_TEST

START_TEST(port_ranges_udp_dns)
{
	PARSE(4, "-p", "8000-8002:9000-9002", "-p", "0.0.0.0:53:5353/udp", "--dns", "192.0.2.53",
	      "--dns-search", "example.org", "--add-host", "db.test:10.0.0.7");
	ck_assert_int_eq(opt.n_ports, 4);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(opt.ports[i].host_port, 8000 + i);
		ck_assert_int_eq(opt.ports[i].container_port, 9000 + i);
		ck_assert_int_eq(opt.ports[i].proto, IPPROTO_TCP);
		ck_assert_str_eq(inet_ntoa(opt.ports[i].host_addr), "127.0.0.1");
	}
	ck_assert_int_eq(opt.ports[3].proto, IPPROTO_UDP);
	ck_assert_str_eq(inet_ntoa(opt.ports[3].host_addr), "0.0.0.0");
	ck_assert_int_eq(opt.ports[3].container_port, 5353);
	ck_assert_int_eq(opt.n_dns, 1);
	ck_assert_str_eq(inet_ntoa(opt.dns[0]), "192.0.2.53");
	ck_assert_str_eq(opt.dns_search[0], "example.org");
	ck_assert_str_eq(opt.hosts[0].name, "db.test");
	ck_assert_str_eq(inet_ntoa(opt.hosts[0].addr), "10.0.0.7");
}
END_TEST

/* step07: capability names are the step's to check (caps.c); the parser
 * keeps them in order, and reads Docker's --security-opt spellings. */
START_TEST(security_options)
{
	PARSE(7, "--cap-add", "NET_ADMIN", "--cap-drop", "ALL", "--cap-add", "sys_time",
	      "--security-opt", "no-new-privileges:true", "--security-opt",
	      "seccomp=/etc/profile.json", "--privileged", "-it");
	ck_assert_int_eq(opt.n_cap_add, 2);
	ck_assert_str_eq(opt.cap_add[0], "NET_ADMIN");
	ck_assert_str_eq(opt.cap_add[1], "sys_time");
	ck_assert_int_eq(opt.n_cap_drop, 1);
	ck_assert_str_eq(opt.cap_drop[0], "ALL");
	ck_assert_str_eq(opt.seccomp, "/etc/profile.json");
	ck_assert(opt.no_new_privs && opt.privileged && opt.tty && opt.interactive);
	PARSE(7, "--security-opt", "seccomp=unconfined");
	ck_assert_str_eq(opt.seccomp, "unconfined");
	ck_assert(!opt.no_new_privs && !opt.privileged && opt.n_cap_add == 0 && !opt.tty);
}
END_TEST

/* Each of these must exit 125 (Check's exit tests fork for us) after one line
 * on stderr that contains `message`. stderr goes to a temporary file; an
 * atexit(3) handler reads it when parse_options exits and turns a missing or
 * wrong message into exit 1, so the exit test fails. */
static const char *bad_message;
static FILE *bad_stderr;
static int real_stderr = -1;

static void check_bad_message(void)
{
	char text[1024] = "";

	fflush(stderr);
	rewind(bad_stderr);
	size_t n = fread(text, 1, sizeof(text) - 1, bad_stderr);
	text[n] = '\0';
	if (strstr(text, bad_message) && strchr(text, '\n') == text + n - 1)
		return;
	dprintf(real_stderr, "expected one line with \"%s\", got \"%s\"\n", bad_message, text);
	_exit(1);
}

static void expect_message(const char *message)
{
	bad_message = message;
	bad_stderr = tmpfile();
	real_stderr = dup(STDERR_FILENO);
	ck_assert(bad_stderr && real_stderr >= 0);
	ck_assert_int_ge(dup2(fileno(bad_stderr), STDERR_FILENO), 0);
	ck_assert_int_eq(atexit(check_bad_message), 0);
}

#define BAD(name, step, message, ...)                                                              \
	START_TEST(name)                                                                           \
	{                                                                                          \
		expect_message(message);                                                           \
		PARSE(step, __VA_ARGS__);                                                          \
	}                                                                                          \
	END_TEST
BAD(option_of_later_step, 2, "--volume (-v): not in this step (it comes with step03_mount)", "-v",
    "/tmp:/x")
BAD(unknown_option, 6, "--bogus: unknown option (see --help)", "--bogus")
BAD(missing_value, 6, "--memory /tmp: not a positive size", "--memory")
BAD(hostname_underscore, 2, "--hostname 'a_b': only letters, digits and '-' are allowed",
    "--hostname", "a_b")
BAD(hostname_too_long, 2, "': must be 1 to 64 characters", "--hostname",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
BAD(volume_relative, 3, "-v tmp:/x: both paths must be absolute", "-v", "tmp:/x")
BAD(volume_missing_host, 3, "-v /no/such:/x: /no/such: No such file or directory", "-v",
    "/no/such:/x")
BAD(volume_bad_mode, 3, "-v /tmp:/x:rx: unknown mode 'rx' (use ro or rw)", "-v", "/tmp:/x:rx")
BAD(net_unknown, 4, "--net overlay: expected bridge, none or host", "--net", "overlay")
BAD(subnet_host_bits, 4, "--subnet 10.0.0.1/24: expected a network like", "--subnet", "10.0.0.1/24")
BAD(ip_outside_subnet, 4, "--ip 10.214.0.5: not in the subnet 10.213.0.0/24", "--ip", "10.214.0.5")
BAD(port_zero, 4, "-p 0:80: '0' is not a port (1-65535)", "-p", "0:80")
BAD(port_junk, 4, "-p 80: expected [ADDR:]HOSTPORT:CONTAINERPORT", "-p", "80")
BAD(port_with_net_none, 4, "-p and --ip need --net bridge", "--net", "none", "-p", "80:80")
BAD(memory_junk, 5, "--memory abc: not a positive size", "--memory", "abc")
BAD(memory_negative, 5, "--memory -5m: not a positive size", "--memory", "-5m")
BAD(memory_zero, 5, "--memory 0: not a positive size", "--memory", "0")
BAD(memory_huge, 5, "--memory 99999999999999g: too large", "--memory", "99999999999999g")
BAD(swap_below_memory, 5, "--memory-swap must be at least --memory", "--memory", "64m",
    "--memory-swap", "32m")
BAD(cpus_zero, 5, "--cpus 0: must be a number from 0.01 to", "--cpus", "0")
BAD(cpus_negative, 5, "--cpus -1: must be a number from 0.01 to", "--cpus", "-1")
BAD(cpus_exponent, 5, "--cpus 1e9: must be a number from 0.01 to", "--cpus", "1e9")
BAD(cpus_too_many, 5, "--cpus 100000: must be a number from 0.01 to", "--cpus", "100000")
BAD(pids_zero, 5, "--pids-limit 0: must be an integer from 1 to 4194304", "--pids-limit", "0")
BAD(shares_one, 5, "--cpu-shares 1: must be an integer from 2 to 262144", "--cpu-shares", "1")
BAD(cgroup_parent_dotdot, 5, "--cgroup-parent ../x: must not contain '..'", "--cgroup-parent",
    "../x")
BAD(port_udp, 4, "UDP is published by DNAT only", "-p", "80:80/udp")
BAD(port_sctp, 4, "unknown protocol 'sctp' (tcp or udp)", "-p", "0.0.0.0:80:80/sctp")
BAD(port_ranges_unequal, 4, "the two ranges differ in length", "-p", "8000-8010:8000-8009")
BAD(port_range_backwards, 4, "range 8010-8000 goes backwards", "-p", "8010-8000:8010-8000")
BAD(port_range_too_many, 4, "at most 64 published ports", "-p", "1000-1100:1000-1100")
BAD(dns_not_ipv4, 4, "--dns dns.google: not an IPv4 address", "--dns", "dns.google")
BAD(dns_four, 4, "--dns 1.1.1.4: at most 3 nameservers", "--dns", "1.1.1.1", "--dns", "1.1.1.2",
    "--dns", "1.1.1.3", "--dns", "1.1.1.4")
BAD(dns_search_junk, 4, "--dns-search a b: not a domain name", "--dns-search", "a b")
BAD(add_host_no_colon, 4, "--add-host db.test: expected NAME:ADDR", "--add-host", "db.test")
BAD(add_host_bad_addr, 4, "'10.0.0' is not an IPv4 address", "--add-host", "db.test:10.0.0")
BAD(dns_with_net_host, 4, "--dns, --dns-search and --add-host need --net bridge", "--net", "host",
    "--dns", "1.1.1.1")
BAD(privileged_before_step7, 6, "--privileged: not in this step (it comes with step07_security)",
    "--privileged")
BAD(security_opt_unknown, 7, "--security-opt apparmor=unconfined: expected no-new-privileges",
    "--security-opt", "apparmor=unconfined")
BAD(security_opt_empty_seccomp, 7, "--security-opt seccomp=: expected", "--security-opt",
    "seccomp=")

int main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, ids_differ);
	tcase_add_test(tc, every_value);
	tcase_add_test(tc, memory_swap_unlimited);
	tcase_add_test(tc, volumes_parents_first);
	tcase_add_test(tc, store_from_environment);
	tcase_add_test(tc, security_options);
	tcase_add_test(tc, port_ranges_udp_dns);
	const TTest *const bad[] = {
	    option_of_later_step,
	    unknown_option,
	    missing_value,
	    hostname_underscore,
	    hostname_too_long,
	    volume_relative,
	    volume_missing_host,
	    volume_bad_mode,
	    net_unknown,
	    subnet_host_bits,
	    ip_outside_subnet,
	    port_zero,
	    port_junk,
	    port_udp,
	    port_sctp,
	    port_ranges_unequal,
	    port_range_backwards,
	    port_range_too_many,
	    dns_not_ipv4,
	    dns_four,
	    dns_search_junk,
	    add_host_no_colon,
	    add_host_bad_addr,
	    dns_with_net_host,
	    port_with_net_none,
	    memory_junk,
	    memory_negative,
	    memory_zero,
	    memory_huge,
	    swap_below_memory,
	    cpus_zero,
	    cpus_negative,
	    cpus_exponent,
	    cpus_too_many,
	    pids_zero,
	    shares_one,
	    cgroup_parent_dotdot,
	    privileged_before_step7,
	    security_opt_unknown,
	    security_opt_empty_seccomp,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tcase_add_exit_test(tc, bad[i], 125);
	suite_add_tcase(s, tc);
	return run_unit_suite(s);
}
