/* test_steps.c - the steps stay diffable: a file carried from one step to
 * the next is byte-identical unless the change is the lesson, listed in
 * docs/step-changes.tsv; and docs/diffs/ is what `make diffs` writes now. */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/harness.h"

static const char *STEPS[] = {"step01_chroot",	 "step02_uts_pid", "step03_mount",
			      "step04_net",	 "step05_cgroups", "step06_rootfs",
			      "step07_security", "step08_rootless"};
#define N_STEPS 8

static struct run r;

/* Is (step, file) a listed lesson? "*" as step matches every step. */
static bool is_lesson(const char *step, const char *file)
{
	char path[PATH_MAX], line[512], s[128], f[128];
	bool found = false;

	snprintf(path, sizeof(path), "%s/docs/step-changes.tsv", top());
	FILE *table = fopen(path, "re");
	ck_assert_msg(table != NULL, "missing %s", path);
	while (!found && fgets(line, sizeof(line), table))
		if (line[0] != '#' && sscanf(line, "%127[^\t]\t%127[^\t]", s, f) == 2)
			found =
			    (strcmp(s, "*") == 0 || strcmp(s, step) == 0) && strcmp(f, file) == 0;
	fclose(table);
	return found;
}

static bool step_exists(const char *step)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/container.c", top(), step);
	return access(path, F_OK) == 0;
}

/* Compare every .c/.h of prev with the same file in step. */
static int check_carried(const char *prev, const char *step)
{
	char dir[PATH_MAX];
	struct dirent *e;
	int drift = 0;

	snprintf(dir, sizeof(dir), "%s/%s", top(), prev);
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 3 ||
		    (strcmp(e->d_name + len - 2, ".c") && strcmp(e->d_name + len - 2, ".h")))
			continue;
		run(&r, "cmp -s %s/%s %s/%s", prev, e->d_name, step, e->d_name);
		if (r.code != 0 && !is_lesson(step, e->d_name)) {
			fprintf(stderr,
				"drift: %s/%s differs from %s/%s (not in docs/step-changes.tsv)\n",
				step, e->d_name, prev, e->d_name);
			drift++;
		}
	}
	closedir(d);
	return drift;
}

START_TEST(carried_files_identical)
{
	const char *prev = NULL;
	int drift = 0, pairs = 0;

	for (int i = 0; i < N_STEPS; i++) {
		if (!step_exists(STEPS[i]))
			break; /* steps come in order */
		if (prev) {
			drift += check_carried(prev, STEPS[i]);
			pairs++;
		}
		prev = STEPS[i];
	}
	ck_assert_int_ge(pairs, 1);
	ck_assert_msg(drift == 0, "%d carried file(s) drifted (see above)", drift);
}
END_TEST

START_TEST(lesson_table_detects_drift)
{
	/* The check above must be able to fail: a changed mount.c is drift. */
	ck_assert(is_lesson("step04_net", "container.c"));
	ck_assert(is_lesson("step03_mount", "chroot.c"));
	ck_assert(!is_lesson("step04_net", "mount.c"));
	ck_assert(!is_lesson("step02_uts_pid", "chroot.c"));
}
END_TEST

START_TEST(diffs_are_current)
{
	char steps[512] = "";

	for (int i = 0; i < N_STEPS && step_exists(STEPS[i]); i++)
		strcat(strcat(steps, " "), STEPS[i]);
	run(&r,
	    "d=$(mktemp -d) && sh tests/mkdiffs.sh $d %s && diff -r $d docs/diffs; rc=$?; "
	    "rm -rf $d; exit $rc",
	    steps);
	ck_assert_msg(r.code == 0, "docs/diffs is stale, run `make diffs`:\n%s", r.out);
}
END_TEST

/* .clang-format was written for clang-format 14 (Debian 12); another major
 * version formats some constructs differently, so it would flip this test. */
#define CLANG_FORMAT_MAJOR "14"

START_TEST(c_files_are_formatted)
{
	/* .clang-format is applied to every C file (make format), so step
	 * diffs never carry whitespace noise. */
	run(&r, "clang-format --version");
	ck_assert_msg(r.code == 0, "clang-format is missing (apt install clang-format)");
	if (!strstr(r.out, "version " CLANG_FORMAT_MAJOR ".")) {
		fprintf(stderr, "c_files_are_formatted: not checked: %s is not version %s\n",
			strtok(r.out, "\n"), CLANG_FORMAT_MAJOR);
		return;
	}
	run(&r, "out=$(clang-format --style=file --dry-run -Werror common/*.[ch] step0*/*.[ch] "
		"tests/*.[ch] tests/*/*.[ch] 2>&1); rc=$?; printf '%%s\\n' \"$out\" | head -n 20; "
		"exit $rc");
	ck_assert_msg(r.code == 0, "not formatted (run `make format`):\n%s", r.out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("steps");
	TCase *tc = tcase_create("steps");

	tcase_add_test(tc, carried_files_identical);
	tcase_add_test(tc, lesson_table_detects_drift);
	tcase_add_test(tc, diffs_are_current);
	tcase_add_test(tc, c_files_are_formatted);
	suite_add_tcase(s, tc);
	return run_unit_suite(s);
}
