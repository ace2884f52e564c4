/* test_step02.c - step02_uts_pid: hostname, PID 1, ps, the /proc mount it
 * must clean up, signal forwarding and zombie reaping under --init. */
#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/harness.h"

#define STEP02 "step02_uts_pid/container"

static struct run r;

/* Is ROOTFS/proc in our (the host's, for step02) mount table? */
static bool proc_mounted_on_host(void)
{
	char *table = mount_snapshot(), needle[4200];
	bool found;

	snprintf(needle, sizeof(needle), " %s/proc ", rootfs());
	found = strstr(table, needle) != NULL;
	free(table);
	return found;
}

START_TEST(hostname_given)
{
	char before[256], after[256];

	gethostname(before, sizeof(before));
	run(&r, STEP02 " run --hostname box-1 %s /bin/hostname", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "box-1\n");
	gethostname(after, sizeof(after));
	ck_assert_str_eq(before, after); /* the host keeps its name */
}
END_TEST

START_TEST(hostname_default_is_short_id)
{
	run(&r, STEP02 " run %s /bin/hostname", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_int_eq(strlen(r.out), 12 + 1);
	for (int i = 0; i < 12; i++)
		ck_assert_msg(isxdigit((unsigned char)r.out[i]), "not hex: %s", r.out);
}
END_TEST

START_TEST(bad_hostnames)
{
	const char *bad[] = {"''",
			     "-box",
			     "box-",
			     "a_b",
			     "a.b",
			     "'a b'",
			     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(&r, STEP02 " run --hostname %s %s /bin/true", bad[i], rootfs());
		assert_failed_cleanly(&r, "container: --hostname '");
	}
}
END_TEST

START_TEST(command_is_pid_1)
{
	run(&r, STEP02 " run %s /bin/sh -c 'echo $$; cut -d\" \" -f1,2 /proc/1/stat; true'",
	    rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "1\n1 (sh)\n");
}
END_TEST

START_TEST(ps_shows_only_the_container)
{
	run(&r, STEP02 " run %s /bin/ps -o pid,comm", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "PID   COMMAND\n    1 ps\n");
}
END_TEST

START_TEST(proc_visible_on_host_while_running)
{
	/* The lesson: without a mount namespace the host sees our /proc. The
	 * container says "up" through one FIFO and waits on a second one. */
	run(&r,
	    STEP02 " run %s /bin/sh -c 'echo up > /tmp/ready-%d; read x < /tmp/go-%d' & sup=$!; "
		   "read line < %s; grep -c ' %s/proc ' /proc/self/mountinfo; echo > %s; wait $sup",
	    rootfs(), getpid(), getpid(), ready_fifo, rootfs(), go_fifo);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "1\n");
	ck_assert(!proc_mounted_on_host());
}
END_TEST

START_TEST(proc_unmounted_after_exit)
{
	run(&r, STEP02 " run %s /bin/true", rootfs());
	ck_assert(!proc_mounted_on_host());
	run(&r, STEP02 " run %s /bin/sh -c 'exit 7'", rootfs());
	ck_assert_int_eq(r.code, 7);
	ck_assert(!proc_mounted_on_host());
	run(&r, STEP02 " run %s /no/such/command", rootfs());
	ck_assert_int_eq(r.code, 127);
	ck_assert(!proc_mounted_on_host());
}
END_TEST

START_TEST(proc_unmounted_after_pid1_killed)
{
	/* Supervisor in the background; once the container says it runs, kill
	 * its PID 1 (the supervisor's only child) with SIGKILL. */
	run(&r,
	    STEP02 " run %s /bin/sh -c 'echo up > /tmp/ready-%d; exec sleep 60' & sup=$!; "
		   "read line < %s; kill -KILL $(cat /proc/$sup/task/$sup/children); wait $sup",
	    rootfs(), getpid(), ready_fifo);
	ck_assert_int_eq(r.code, 128 + 9);
	ck_assert(!proc_mounted_on_host());
}
END_TEST

START_TEST(sigterm_forwarded_to_init)
{
	run(&r,
	    STEP02 " run --init %s /bin/sh -c 'echo up > /tmp/ready-%d; exec sleep 60' & sup=$!; "
		   "read line < %s; kill -TERM $sup; wait $sup",
	    rootfs(), getpid(), ready_fifo);
	ck_assert_int_eq(r.code, 128 + 15);
	ck_assert(!proc_mounted_on_host());
}
END_TEST

START_TEST(sigterm_ignored_by_pid1_without_init)
{
	/* sleep as PID 1 has no SIGTERM handler, so the kernel drops the
	 * forwarded SIGTERM; the container ends on its own with 0. */
	run(&r,
	    STEP02 " run %s /bin/sh -c 'echo up > /tmp/ready-%d; exec sleep 1' & sup=$!; "
		   "read line < %s; kill -TERM $sup; wait $sup",
	    rootfs(), getpid(), ready_fifo);
	ck_assert_int_eq(r.code, 0);
}
END_TEST

START_TEST(chroot_escape_still_works)
{
	char *host = slurp("/etc/os-release");

	run(&r, STEP02 " run %s /usr/local/bin/chroot-escape /bin/cat /etc/os-release", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, host);
	free(host);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("step02_uts_pid");
	TCase *tc = tcase_create("step02");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, make_fifos, remove_fifos);
	tcase_add_test(tc, hostname_given);
	tcase_add_test(tc, hostname_default_is_short_id);
	tcase_add_test(tc, bad_hostnames);
	tcase_add_test(tc, command_is_pid_1);
	tcase_add_test(tc, ps_shows_only_the_container);
	tcase_add_test(tc, proc_visible_on_host_while_running);
	tcase_add_test(tc, proc_unmounted_after_exit);
	tcase_add_test(tc, proc_unmounted_after_pid1_killed);
	tcase_add_test(tc, sigterm_forwarded_to_init);
	tcase_add_test(tc, sigterm_ignored_by_pid1_without_init);
	tcase_add_test(tc, chroot_escape_still_works);
	suite_add_tcase(s, tc);
	return run_integration_suite(s);
}
