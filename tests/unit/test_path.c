/* test_path.c - common/path.c and common/file.c: joins, mkdir -p, small files. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file.h"
#include "common/path.h"
#include "tests/harness.h"

START_TEST(join)
{
	char p[32];

	ck_assert_int_eq(path_join(p, sizeof(p), "/a", "b"), 0);
	ck_assert_str_eq(p, "/a/b");
	ck_assert_int_eq(path_join(p, sizeof(p), "/a/", "/b"), 0);
	ck_assert_str_eq(p, "/a/b");
	ck_assert_int_eq(path_join(p, sizeof(p), "/", "proc"), 0);
	ck_assert_str_eq(p, "/proc");
	ck_assert_int_eq(path_join(p, sizeof(p), "", "x"), 0);
	ck_assert_str_eq(p, "x");
	ck_assert_int_eq(path_join(p, sizeof(p), "/a", ""), 0);
	ck_assert_str_eq(p, "/a/");
}
END_TEST

START_TEST(join_too_long)
{
	char p[8], huge[PATH_MAX * 2];

	ck_assert_int_eq(path_join(p, sizeof(p), "/abcdef", "g"), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	ck_assert_int_eq(path_join(p, sizeof(p), "/abcdefgh", "g"), -1);
	memset(huge, 'x', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	char out[PATH_MAX];
	ck_assert_int_eq(path_join(out, sizeof(out), "/", huge), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

static char tmp[] = "/tmp/kobako-test-XXXXXX";

static void make_tmp(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void remove_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(mkdir_p_creates_chain)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/a/b/c", tmp);
	ck_assert_int_eq(mkdir_p(p, 0755), 0);
	ck_assert(is_directory(p));
	ck_assert_int_eq(mkdir_p(p, 0755), 0); /* again: fine */
	snprintf(p, sizeof(p), "%s/a/b/c/", tmp);
	ck_assert_int_eq(mkdir_p(p, 0755), 0);
}
END_TEST

START_TEST(mkdir_p_over_file)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/file", tmp);
	ck_assert_int_eq(write_file(p, "x"), -1); /* O_TRUNC without O_CREAT */
	ck_assert_int_eq(errno, ENOENT);
	FILE *f = fopen(p, "w");
	fclose(f);
	ck_assert_int_eq(mkdir_p(p, 0755), -1);
	ck_assert_int_eq(errno, ENOTDIR);
	snprintf(p, sizeof(p), "%s/file/below", tmp);
	ck_assert_int_eq(mkdir_p(p, 0755), -1);
	ck_assert_int_eq(mkdir_p("", 0755), -1);
}
END_TEST

START_TEST(write_and_read)
{
	char p[256], buf[16];

	snprintf(p, sizeof(p), "%s/f", tmp);
	fclose(fopen(p, "w"));
	ck_assert_int_eq(write_file(p, "%d %s\n", 42, "max"), 0);
	ck_assert_int_eq(read_file(p, buf, sizeof(buf)), 6);
	ck_assert_str_eq(buf, "42 max");
	ck_assert_int_eq(write_file(p, "%s", "0123456789abcdefghij"), 0);
	ck_assert_int_eq(read_file(p, buf, sizeof(buf)), 15); /* truncated to fit */
	ck_assert_int_eq(read_file("/nonexistent/x", buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(write_file("/proc/self/nonexistent", "1"), -1);
}
END_TEST

START_TEST(write_too_big)
{
	static char big[8192];
	char p[256];

	memset(big, 'a', sizeof(big) - 1);
	snprintf(p, sizeof(p), "%s/f", tmp);
	fclose(fopen(p, "w"));
	ck_assert_int_eq(write_file(p, "%s", big), -1);
	ck_assert_int_eq(errno, E2BIG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("path");

	tcase_add_checked_fixture(tc, make_tmp, remove_tmp);
	tcase_add_test(tc, join);
	tcase_add_test(tc, join_too_long);
	tcase_add_test(tc, mkdir_p_creates_chain);
	tcase_add_test(tc, mkdir_p_over_file);
	tcase_add_test(tc, write_and_read);
	tcase_add_test(tc, write_too_big);
	suite_add_tcase(s, tc);
	return run_unit_suite(s);
}
