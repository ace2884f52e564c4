/* test_step01.c - step01_chroot/container: the root directory, exit codes,
 * bad input, and the chroot escape that step03 will close. */
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"

#define STEP01 "step01_chroot/container"

static struct run r;

START_TEST(sees_rootfs_os_release)
{
	run(&r, STEP01 " run %s /bin/cat /etc/os-release", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "kobako busybox");
	ck_assert_ptr_null(strstr(r.out, "Debian"));
}
END_TEST

START_TEST(root_listing_is_rootfs)
{
	run(&r, STEP01 " run %s /bin/ls /", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "bin");
	ck_assert_ptr_null(strstr(r.out, "build")); /* the host's top dir is invisible */
}
END_TEST

START_TEST(exit_status_propagates)
{
	run(&r, STEP01 " run %s /bin/true", rootfs());
	ck_assert_int_eq(r.code, 0);
	run(&r, STEP01 " run %s /bin/sh -c 'exit 3'", rootfs());
	ck_assert_int_eq(r.code, 3);
}
END_TEST

START_TEST(command_not_found_is_127)
{
	run(&r, STEP01 " run %s /no/such/command", rootfs());
	ck_assert_int_eq(r.code, 127);
	ck_assert_str_eq(r.err, "container: exec /no/such/command: No such file or directory\n");
	run(&r, STEP01 " run %s nosuchcommand", rootfs());
	ck_assert_int_eq(r.code, 127);
}
END_TEST

START_TEST(not_executable_is_126)
{
	run(&r, STEP01 " run %s /etc/os-release", rootfs());
	ck_assert_int_eq(r.code, 126);
	ck_assert_str_eq(r.err, "container: exec /etc/os-release: Permission denied\n");
}
END_TEST

START_TEST(killed_by_signal_is_128_plus_n)
{
	run(&r, STEP01 " run %s /bin/sh -c 'kill -KILL $$'", rootfs());
	ck_assert_int_eq(r.code, 128 + 9);
	run(&r, STEP01 " run %s /bin/sh -c 'kill -TERM $$'", rootfs());
	ck_assert_int_eq(r.code, 128 + 15);
}
END_TEST

START_TEST(command_options_are_its_own)
{
	run(&r, STEP01 " run %s /bin/echo -n --help", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "--help");
}
END_TEST

START_TEST(inherited_fds_are_closed)
{
	/* fd 7 is open in the supervisor; closefrom(3) keeps it out. */
	run(&r, "exec 7</etc/hostname; " STEP01 " run %s /bin/sh -c 'cat <&7'", rootfs());
	ck_assert_int_ne(r.code, 0);
	ck_assert_contains(r.err, "7");
}
END_TEST

/* One bad input: exit 125, one line naming the value, nothing left behind. */
static void expect_125(const char *args, const char *message)
{
	char *before = mount_snapshot();

	run(&r, STEP01 " %s", args);
	ck_assert_msg(r.code == 125, "%s: exit %d, stderr %s", args, r.code, r.err);
	ck_assert_contains(r.err, message);
	ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
	ck_assert_str_eq(r.out, "");
	char *after = mount_snapshot();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}

START_TEST(bad_input)
{
	char args[4200];

	expect_125("", "usage: container run");
	expect_125("start x y", "usage: container run");
	expect_125("run", "usage: container run");
	expect_125("run /tmp", "usage: container run");
	expect_125("run --bogus /tmp sh", "--bogus: unknown option");
	expect_125("run /no/such/dir sh", "rootfs /no/such/dir: not an existing directory");
	expect_125("run /etc/os-release sh", "rootfs /etc/os-release: not an existing directory");
	snprintf(args, sizeof(args), "run --hostname box %s sh", rootfs());
	expect_125(args, "--hostname: not in this step (it comes with step02_uts_pid)");
	snprintf(args, sizeof(args), "run --memory 64m %s sh", rootfs());
	expect_125(args, "--memory: not in this step (it comes with step05_cgroups)");
}
END_TEST

START_TEST(must_be_root)
{
	run(&r, "setpriv --reuid=65534 --regid=65534 --clear-groups " STEP01 " run %s /bin/true",
	    rootfs());
	ck_assert_int_eq(r.code, 125);
	ck_assert_contains(r.err, "container: must be run as root");
}
END_TEST

START_TEST(help)
{
	run(&r, STEP01 " --help");
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "Usage: container run [OPTIONS] ROOTFS COMMAND");
	ck_assert_ptr_null(strstr(r.out, "--hostname")); /* not in step01 */
}
END_TEST

/* The lesson of step01: a root process climbs out of a chroot. */
START_TEST(chroot_escape_succeeds)
{
	char *host = slurp("/etc/os-release");

	ck_assert_ptr_nonnull(host);
	run(&r, STEP01 " run %s /usr/local/bin/chroot-escape /bin/cat /etc/os-release", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, host); /* the host's file, read from "inside" */
	free(host);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("step01_chroot");
	TCase *tc = tcase_create("step01");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sees_rootfs_os_release);
	tcase_add_test(tc, root_listing_is_rootfs);
	tcase_add_test(tc, exit_status_propagates);
	tcase_add_test(tc, command_not_found_is_127);
	tcase_add_test(tc, not_executable_is_126);
	tcase_add_test(tc, killed_by_signal_is_128_plus_n);
	tcase_add_test(tc, command_options_are_its_own);
	tcase_add_test(tc, inherited_fds_are_closed);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, must_be_root);
	tcase_add_test(tc, help);
	tcase_add_test(tc, chroot_escape_succeeds);
	suite_add_tcase(s, tc);
	return run_integration_suite(s);
}
