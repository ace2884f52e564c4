/* test_basics.c - what every step keeps: the rootfs, Docker's exit codes,
 * clean fds, and one-line errors for bad input. Runs against each step. */
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/harness.h"

static const char *STEPS[] = {
    "step01_chroot",  "step02_uts_pid", "step03_mount",	   "step04_net",
    "step05_cgroups", "step06_rootfs",	"step07_security",
};
#define N_STEPS (sizeof(STEPS) / sizeof(STEPS[0]))
static const char *bin; /* "stepNN_x/container run [--net none]", set per TCase */
static const char *init; /* "--init" from step02 on */
static struct run r;

START_TEST(sees_rootfs_os_release)
{
	run(&r, "%s %s /bin/cat /etc/os-release", bin, rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "kobako busybox");
	ck_assert_ptr_null(strstr(r.out, "Debian"));
}
END_TEST

START_TEST(root_listing_is_rootfs)
{
	run(&r, "%s %s /bin/ls /", bin, rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "bin");
	ck_assert_ptr_null(strstr(r.out, "build")); /* the host's top dir is invisible */
}
END_TEST

START_TEST(exit_status_propagates)
{
	run(&r, "%s %s /bin/true", bin, rootfs());
	ck_assert_int_eq(r.code, 0);
	run(&r, "%s %s /bin/sh -c 'exit 3'", bin, rootfs());
	ck_assert_int_eq(r.code, 3);
}
END_TEST

START_TEST(command_not_found_is_127)
{
	run(&r, "%s %s /no/such/command", bin, rootfs());
	ck_assert_int_eq(r.code, 127);
	ck_assert_str_eq(r.err, "container: exec /no/such/command: No such file or directory\n");
	run(&r, "%s %s nosuchcommand", bin, rootfs());
	ck_assert_int_eq(r.code, 127);
}
END_TEST

START_TEST(not_executable_is_126)
{
	run(&r, "%s %s /etc/os-release", bin, rootfs());
	ck_assert_int_eq(r.code, 126);
	ck_assert_str_eq(r.err, "container: exec /etc/os-release: Permission denied\n");
}
END_TEST

START_TEST(killed_by_signal_is_128_plus_n)
{
	/* From step02 on the shell would be PID 1, which no signal from inside
	 * its own namespace can kill (not even SIGKILL): run it under --init. */
	run(&r, "%s %s %s /bin/sh -c 'kill -KILL $$'", bin, init, rootfs());
	ck_assert_int_eq(r.code, 128 + 9);
	run(&r, "%s %s %s /bin/sh -c 'kill -TERM $$'", bin, init, rootfs());
	ck_assert_int_eq(r.code, 128 + 15);
}
END_TEST

START_TEST(command_options_are_its_own)
{
	run(&r, "%s %s /bin/echo -n --help", bin, rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "--help");
}
END_TEST

START_TEST(inherited_fds_are_closed)
{
	/* fd 7 is open in the supervisor; closefrom(3) keeps it out. */
	run(&r, "exec 7</etc/hostname; head -c1 <&7 >/dev/null && %s %s /bin/sh -c 'cat <&7'", bin,
	    rootfs());
	ck_assert_int_eq(r.code, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_contains(r.err, "7: Bad file descriptor"); /* busybox sh, as of 1.35 */
}
END_TEST

/* One bad input: exit 125, one line naming the value, nothing left behind. */
static void expect_125(const char *args, const char *message)
{
	run_expect_125(&r, message, "%s %s", bin, args);
}

START_TEST(bad_input)
{
	/* bin is "stepNN/container run ..." : strip "run" for the usage cases */
	expect_125("--bogus /tmp sh", "--bogus: unknown option");
	expect_125("/no/such/dir sh", "/no/such/dir");
	/* From step06 on COMMAND may come from an image; a directory has none. */
	expect_125("/tmp", strncmp(bin, "step0", 5) == 0 && bin[5] >= '6' ? "/tmp: no command"
									  : "usage: container run");
}
END_TEST

START_TEST(must_be_root)
{
	/* "/": the repository may lie below a directory only root may enter (/root,
	 * or a home directory on Debian 12), and the rootfs is checked first. */
	run(&r, "setpriv --reuid=65534 --regid=65534 --clear-groups %s / /bin/true", bin);
	ck_assert_int_eq(r.code, 125);
	ck_assert_contains(r.err, "container: must be run as root");
}
END_TEST

START_TEST(nothing_left_in_mount_table)
{
	char *before = mount_snapshot();

	run(&r, "%s %s /bin/true", bin, rootfs());
	ck_assert_int_eq(r.code, 0);
	run(&r, "%s %s /bin/false", bin, rootfs());
	ck_assert_int_eq(r.code, 1);
	char *after = mount_snapshot();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

static char bins[N_STEPS][128];
#define USE_STEP(n)                                                                                \
	static void use_step##n(void)                                                              \
	{                                                                                          \
		bin = bins[n - 1];                                                                 \
		init = n >= 2 ? "--init" : "";                                                     \
	}
/* clang-format off: one fixture per step, each a function of its own */
USE_STEP(1)
USE_STEP(2)
USE_STEP(3)
USE_STEP(4)
USE_STEP(5)
USE_STEP(6)
USE_STEP(7)
/* clang-format on */
static void (*const USE[])(void) = {use_step1, use_step2, use_step3, use_step4,
				    use_step5, use_step6, use_step7};

int main(void)
{
	Suite *s = suite_create("basics (every step)");

	for (size_t i = 0; i < N_STEPS; i++) {
		char path[64];
		snprintf(path, sizeof(path), "%s/container", STEPS[i]);
		/* step04+ default to a bridge; these tests are about the basics */
		snprintf(bins[i], sizeof(bins[i]), "%s run%s", path, i >= 3 ? " --net none" : "");
		char full[PATH_MAX];
		snprintf(full, sizeof(full), "%s/%s", top(), path);
		if (access(full, X_OK) < 0) /* a step not built (yet) */
			continue;
		TCase *tc = tcase_create(STEPS[i]);
		tcase_set_timeout(tc, 60);
		tcase_add_checked_fixture(tc, USE[i], NULL);
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
		tcase_add_test(tc, nothing_left_in_mount_table);
		suite_add_tcase(s, tc);
	}
	return run_integration_suite(s);
}
