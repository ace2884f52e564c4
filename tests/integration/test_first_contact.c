/* test_first_contact.c - what a new user types first, from the real binaries:
 * Docker's habits (-it, --network, -m), typos and bad values. Each must end
 * in exit 125 and one line that names the word that is wrong (issue #12). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/harness.h"

static struct run r;

#define STEP06 "step06_rootfs/container"

START_TEST(image_without_verb_is_an_error_not_a_crash)
{
	run(&r, STEP06 " image");
	assert_failed_cleanly(&r, "image: ");
}
END_TEST

START_TEST(abbreviations_are_refused)
{
	/* getopt_long would read these as --pids-limit and --root */
	run(&r, STEP06 " run --pid host %s /bin/true", rootfs());
	assert_failed_cleanly(&r, "--pid: unknown option");
	run(&r, STEP06 " run --ro X %s /bin/true", rootfs());
	assert_failed_cleanly(&r, "--ro: unknown option");
}
END_TEST

START_TEST(docker_names_are_accepted)
{
	run(&r, STEP06 " run --network none -m 64m -c 512 %s /bin/true", rootfs());
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	run(&r, STEP06 " run --network=none --memory=64m %s /bin/true", rootfs());
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
}
END_TEST

START_TEST(letters_of_later_steps_and_unknown_letters_are_named)
{
	run(&r, STEP06 " run -it %s /bin/sh", rootfs());
	assert_failed_cleanly(&r, "--interactive (-i): not in this step (it comes with step07");
	run(&r, STEP06 " run -dit %s /bin/sh", rootfs());
	assert_failed_cleanly(&r, "-dit: unknown option -d");
}
END_TEST

START_TEST(missing_value_differs_from_unknown_option)
{
	run(&r, STEP06 " run --memory");
	assert_failed_cleanly(&r, "--memory: needs a value");
	run(&r, STEP06 " run --init=yes %s /bin/true", rootfs());
	assert_failed_cleanly(&r, "--init=yes: takes no value");
}
END_TEST

START_TEST(option_of_a_later_step_says_which)
{
	run(&r, "step03_mount/container run --network none %s /bin/true", rootfs());
	assert_failed_cleanly(&r, "--net: not in this step (it comes with step04_net)");
}
END_TEST

START_TEST(hostname_with_newline_is_one_line)
{
	run(&r, "step02_uts_pid/container run --hostname \"$(printf 'x\\ny')\" %s /bin/true",
	    rootfs());
	assert_failed_cleanly(&r, "--hostname 'x?y'");
}
END_TEST

START_TEST(memory_below_minimum_is_refused)
{
	run(&r, STEP06 " run --net none -m 1 %s /bin/true", rootfs());
	assert_failed_cleanly(&r, "--memory 1: below the minimum of 6m");
}
END_TEST

START_TEST(reserved_subnets_are_refused)
{
	static const char *const bad[][2] = {
	    {"127.0.0.0/24", "loopback"},     {"224.0.0.0/24", "multicast"},
	    {"169.254.3.0/24", "link-local"}, {"0.0.0.0/8", "this network"},
	    {"250.1.0.0/16", "class E"},      {"169.0.0.0/8", "link-local"},
	};
	char *before = mount_snapshot();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(&r, STEP06 " run --subnet %s %s /bin/true", bad[i][0], rootfs());
		assert_failed_cleanly(&r, bad[i][1]);
	}
	/* nothing reached the kernel: no bridge, no address */
	run(&r, "ip -o link show kobako0");
	ck_assert_msg(r.code != 0, "kobako0 exists: %s", r.out);
	char *after = mount_snapshot();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

/* A scratch copy of the busybox rootfs that a test may change. */
static char scratch[64];

static void make_scratch(void)
{
	strcpy(scratch, "/tmp/kobako-first-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(scratch));
	run(&r, "cp -a %s/. %s", rootfs(), scratch);
	ck_assert_int_eq(r.code, 0);
}

static void remove_scratch(void)
{
	run(&r, "rm -rf %s", scratch);
}

START_TEST(rootfs_without_etc_runs)
{
	/* step04 binds /etc/hosts and /etc/hostname: /etc is made, not required */
	run(&r, "rm -rf %s/etc", scratch);
	run(&r, "step04_net/container run --net none --hostname box %s /bin/cat /etc/hostname",
	    scratch);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(r.out, "box\n");
}
END_TEST

START_TEST(volume_parents_are_made_inside_the_root)
{
	char name[32], path[PATH_MAX];

	/* An absolute symlink in the image to /tmp, which the host has too:
	 * the parents must be made in the image's /tmp, never in the host's. */
	snprintf(name, sizeof(name), "kobako-parent-%d", getpid());
	run(&r, "ln -s /tmp %s/escape", scratch);
	run(&r, "step03_mount/container run -v /tmp:/escape/%s/b %s /bin/ls -d /tmp/%s/b", name,
	    scratch, name);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	snprintf(path, sizeof(path), "/tmp/%s", name);
	ck_assert_msg(access(path, F_OK) < 0, "%s was made on the host", path);
	snprintf(path, sizeof(path), "%s/tmp/%s/b", scratch, name);
	ck_assert_msg(access(path, F_OK) == 0, "%s is missing", path);
}
END_TEST

START_TEST(volume_on_root_is_refused)
{
	run(&r, "step03_mount/container run -v /tmp:/ %s /bin/true", scratch);
	assert_failed_cleanly(&r, "-v /tmp:/: the destination cannot be /");
}
END_TEST

START_TEST(relative_store_is_refused)
{
	run(&r, "cd /tmp && %s/" STEP06 " run --root store busybox /bin/true", top());
	assert_failed_cleanly(&r, "--root store: the image store must be an absolute path");
	run(&r, "cd /tmp && %s/" STEP06 " image ls --root store", top());
	assert_failed_cleanly(&r, "--root store: the image store must be an absolute path");
	ck_assert_int_ne(access("/tmp/store", F_OK), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("first contact");
	TCase *tc = tcase_create("bad input");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, image_without_verb_is_an_error_not_a_crash);
	tcase_add_test(tc, abbreviations_are_refused);
	tcase_add_test(tc, docker_names_are_accepted);
	tcase_add_test(tc, letters_of_later_steps_and_unknown_letters_are_named);
	tcase_add_test(tc, missing_value_differs_from_unknown_option);
	tcase_add_test(tc, option_of_a_later_step_says_which);
	tcase_add_test(tc, hostname_with_newline_is_one_line);
	tcase_add_test(tc, memory_below_minimum_is_refused);
	tcase_add_test(tc, reserved_subnets_are_refused);
	tcase_add_test(tc, relative_store_is_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("rootfs and volumes");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, make_scratch, remove_scratch);
	tcase_add_test(tc, rootfs_without_etc_runs);
	tcase_add_test(tc, volume_parents_are_made_inside_the_root);
	tcase_add_test(tc, volume_on_root_is_refused);
	suite_add_tcase(s, tc);
	return run_integration_suite(s);
}
