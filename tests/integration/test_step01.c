/* test_step01.c - step01_chroot: what only step01 shows, above all the
 * chroot escape that step03 will close (test_basics.c has the rest). */
#include <stdlib.h>
#include <unistd.h>

#include "tests/harness.h"

#define STEP01 "step01_chroot/container"

static struct run r;

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

START_TEST(sees_host_processes_and_hostname)
{
	char host[256];

	gethostname(host, sizeof(host));
	run(&r, STEP01 " run %s /bin/hostname", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, strcat(host, "\n")); /* nothing isolated but "/" */
}
END_TEST

START_TEST(later_options_name_their_step)
{
	run(&r, STEP01 " run --hostname box %s /bin/true", rootfs());
	ck_assert_int_eq(r.code, 125);
	ck_assert_str_eq(
	    r.err, "container: --hostname (-h): not in this step (it comes with step02_uts_pid)\n");
	run(&r, STEP01 " run --memory 64m %s /bin/true", rootfs());
	ck_assert_int_eq(r.code, 125);
	ck_assert_contains(r.err, "it comes with step05_cgroups");
}
END_TEST

START_TEST(usage_errors)
{
	const char *cases[] = {"", "start x y", "run", "run /tmp"};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(&r, STEP01 " %s", cases[i]);
		ck_assert_int_eq(r.code, 125);
		ck_assert_str_eq(r.err, "container: usage: container run [OPTIONS] ROOTFS COMMAND "
					"[ARG...] (see --help)\n");
	}
	run(&r, STEP01 " run /etc/os-release sh");
	ck_assert_int_eq(r.code, 125);
	ck_assert_str_eq(r.err, "container: rootfs /etc/os-release: not an existing directory\n");
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

int main(void)
{
	Suite *s = suite_create("step01_chroot");
	TCase *tc = tcase_create("step01");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, chroot_escape_succeeds);
	tcase_add_test(tc, sees_host_processes_and_hostname);
	tcase_add_test(tc, later_options_name_their_step);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, help);
	suite_add_tcase(s, tc);
	return run_integration_suite(s);
}
