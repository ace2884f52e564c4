/* test_image_config.c - `container run IMAGE` runs the image's config
 * (Entrypoint, Cmd, Env, WorkingDir, User) with Docker's rules for
 * --entrypoint, COMMAND, -e, --env-file, -w and -u; through the real step06
 * and step07 binaries, from images the test builds (OCI and docker save). */
#include <bsd/string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fixtures.h"
#include "tests/harness.h"

static const char *const BINS[] = {"step06_rootfs/container", "step07_security/container"};
#define N_BINS 2

static struct run r;

/* stdout must be exactly expected; else show the exit code and stderr. */
#define assert_out(expected)                                                                       \
	ck_assert_msg(strcmp(r.out, (expected)) == 0, "exit %d, stdout:\n%s\nstderr:\n%s", r.code, \
		      r.out, r.err)

/* The image's own users, unknown to the host: the lookup must use these. */
static const struct tar_entry USERS[] = {
    {'d', "etc", NULL},
    {'f', "etc/passwd",
     "root:x:0:0:root:/root:/bin/sh\nkbkapp:x:1234:1234:app:/home/kbkapp:/bin/sh\n"},
    {'f', "etc/group", "root:x:0:\nkbkapp:x:1234:\nkbkextra:x:2345:kbkapp\nkbkother:x:3456:root\n"},
    {'d', "tmp", NULL},
    {0}};

/* Import an OCI layout of busybox + USERS with this config as NAME. */
static void import_config(const char *name, const char *config)
{
	struct layout l = {0};
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", work, name);
	make_oci_config(&l, USERS, config);
	layout_write_dir(&l, dir);
	run(&r, "%s image import --root %s %s %s", BINS[0], store, dir, name);
	ck_assert_msg(r.code == 0, "import %s: %s", name, r.err);
	layout_free(&l);
}

/* `run --root STORE --net none OPTIONS` with binary i. */
#define RUN(i, fmt, ...) run(&r, "%s run --root %s --net none " fmt, BINS[i], store, __VA_ARGS__)

START_TEST(entrypoint_and_cmd)
{
	import_config("ep", "{\"Entrypoint\":[\"/bin/echo\",\"ep\"],\"Cmd\":[\"cmd\",\"two\"]}");
	import_config("cmd", "{\"Cmd\":[\"/bin/echo\",\"only cmd\"]}");
	import_config("none", "{}");
	for (int i = 0; i < N_BINS; i++) {
		RUN(i, "%s", "ep"); /* Entrypoint + Cmd */
		assert_out("ep cmd two\n");
		RUN(i, "%s", "ep other"); /* COMMAND replaces Cmd */
		assert_out("ep other\n");
		RUN(i, "%s", "--entrypoint /bin/echo ep"); /* the image's Cmd goes too */
		assert_out("\n");
		RUN(i, "%s", "--entrypoint /bin/echo ep x y");
		assert_out("x y\n");
		RUN(i, "%s", "--entrypoint '' ep /bin/echo cleared"); /* "" clears it */
		assert_out("cleared\n");
		RUN(i, "%s", "cmd");
		assert_out("only cmd\n");
		RUN(i, "%s", "--entrypoint '' ep");
		assert_failed_cleanly(&r, "ep: no command: the image has no Entrypoint or Cmd");
		RUN(i, "%s", "none");
		assert_failed_cleanly(&r, "none: no command");
	}
}
END_TEST

/* docker save archives carry the same config. */
START_TEST(docker_save_config)
{
	struct layout l = {0};
	char tar[PATH_MAX];

	make_docker_save_config(&l, USERS,
				"{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo $GREETING from $PWD\"],"
				"\"Env\":[\"GREETING=hello\"],\"WorkingDir\":\"/etc\"}");
	snprintf(tar, sizeof(tar), "%s/docker.tar", work);
	layout_write_tar(&l, tar);
	run(&r, "%s image import --root %s %s saved", BINS[0], store, tar);
	ck_assert_msg(r.code == 0, "import: %s", r.err);
	for (int i = 0; i < N_BINS; i++) {
		RUN(i, "%s", "saved");
		assert_out("hello from /etc\n");
	}
	layout_free(&l);
}
END_TEST

/* Env, then --env-file, then -e; -e KEY takes the host's value or nothing. */
START_TEST(environment)
{
	char file[PATH_MAX];
	FILE *f;

	import_config("env",
		      "{\"Env\":[\"PATH=/bin:/custom\",\"A=image\",\"B=image\","
		      "\"HOSTNAME=from-image\"],\"Cmd\":[\"/bin/sh\",\"-c\",\"env | sort\"]}");
	snprintf(file, sizeof(file), "%s/env.list", work);
	ck_assert_ptr_nonnull(f = fopen(file, "we"));
	fputs("# a comment\n\nB=file\n  C=with spaces \nFROM_HOST\nNOT_ON_HOST\nE=\n", f);
	fclose(f);
	for (int i = 0; i < N_BINS; i++) {
		run(&r,
		    "FROM_HOST=h1 OTHER=h2 %s run --root %s --net none --env-file %s -e A=cli "
		    "-e OTHER -e ABSENT env",
		    BINS[i], store, file);
		ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
		memmove(r.out + 1, r.out, strlen(r.out) + 1); /* each line between "\n"s */
		r.out[0] = '\n';
		ck_assert_contains(r.out, "\nA=cli\n");
		ck_assert_contains(r.out, "\nB=file\n");
		ck_assert_contains(r.out, "\nC=with spaces \n");
		ck_assert_contains(r.out, "\nE=\n");
		ck_assert_contains(r.out, "\nFROM_HOST=h1\n");
		ck_assert_contains(r.out, "\nOTHER=h2\n");
		ck_assert_contains(r.out, "\nHOSTNAME=from-image\n");
		ck_assert_contains(r.out, "\nPATH=/bin:/custom\n");
		ck_assert_contains(r.out, "\nHOME=/root\n");
		ck_assert_ptr_null(strstr(r.out, "ABSENT"));
		ck_assert_ptr_null(strstr(r.out, "NOT_ON_HOST"));
		ck_assert_ptr_null(strstr(r.out, "# a comment"));
	}
	run(&r, "printf 'BAD NAME=1\\n' > %s && %s run --root %s --env-file %s env true", file,
	    BINS[0], store, file);
	assert_failed_cleanly(&r, "line 1: variable 'BAD NAME' contains whitespace");
	run(&r, "%s run --root %s --env-file /no/such env true", BINS[0], store);
	assert_failed_cleanly(&r, "--env-file /no/such: No such file or directory");
}
END_TEST

#define IDS                                                                                        \
	"pwd; grep -E \"^(Uid|Gid|Groups)\" /proc/self/status | tr -s \"\\t \" \" \"; echo $HOME"

/* WorkingDir and User from the image; -w and -u instead; the image's
 * /etc/passwd and /etc/group, with supplementary groups. */
START_TEST(workdir_and_user)
{
	import_config("app", "{\"User\":\"kbkapp\",\"WorkingDir\":\"/srv/app\"}");
	for (int i = 0; i < N_BINS; i++) {
		RUN(i, "app /bin/sh -c '%s'", IDS); /* /srv/app is made, as Docker does */
		assert_out("/srv/app\nUid: 1234 1234 1234 1234\nGid: 1234 1234 1234 1234\n"
			   "Groups: 2345 \n/home/kbkapp\n");
		RUN(i, "-u kbkapp:kbkother -w /tmp app /bin/sh -c '%s'", IDS);
		assert_out("/tmp\nUid: 1234 1234 1234 1234\nGid: 3456 3456 3456 3456\n"
			   "Groups: \n/home/kbkapp\n");
		RUN(i, "-u 0 app /bin/sh -c '%s'", IDS); /* uid 0 is root: root's groups */
		assert_out("/srv/app\nUid: 0 0 0 0\nGid: 0 0 0 0\nGroups: 3456 \n/root\n");
		RUN(i, "-u 4242:77 -e HOME=/h app /bin/sh -c '%s'", IDS); /* not in passwd */
		assert_out("/srv/app\nUid: 4242 4242 4242 4242\nGid: 77 77 77 77\nGroups: \n/h\n");
		RUN(i, "-u root app /bin/sh -c '%s'",
		    "touch /srv/app/mine && ls -ln /srv | "
		    "grep -c \" 0 *0 .* app\"");
		assert_out("1\n");
		RUN(i, "-u nosuchuser app %s", "/bin/true");
		assert_failed_cleanly(
		    &r, "-u nosuchuser: no user nosuchuser in the image's /etc/passwd");
		RUN(i, "-u kbkapp:nosuchgroup app %s", "/bin/true");
		assert_failed_cleanly(&r, "no group nosuchgroup in the image's /etc/group");
	}
	run(&r, "%s run --root %s -w relative app /bin/true", BINS[0], store);
	assert_failed_cleanly(&r, "-w relative: the working directory must be an absolute path");
}
END_TEST

/* Docker: a non-root user runs with no capabilities (permitted and effective
 * empty after execve), the bounding set still Docker's 14; --cap-drop SETUID
 * does not stop -u (the user is set before the capabilities are dropped). */
START_TEST(step07_user_has_no_capabilities)
{
	import_config("app", "{\"User\":\"kbkapp\"}");
	run(&r, "%s run --root %s --net none app /bin/sh -c 'grep -E ^Cap /proc/self/status'",
	    BINS[1], store);
	assert_out(
	    "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
	    "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n");
	run(&r, "%s run --root %s --net none -u 0 app /bin/sh -c 'grep ^CapEff /proc/self/status'",
	    BINS[1], store);
	assert_out("CapEff:\t00000000a80425fb\n");
	run(&r,
	    "%s run --root %s --net none --cap-drop SETUID --cap-drop SETGID app /bin/sh -c 'id "
	    "-u'",
	    BINS[1], store);
	assert_out("1234\n");
}
END_TEST

/* Steps 1-5 have no image: COMMAND is still required there. */
START_TEST(command_required_before_step06)
{
	run(&r, "step05_cgroups/container run %s", rootfs());
	assert_failed_cleanly(&r, "usage: container run [OPTIONS] ROOTFS COMMAND");
	run(&r, "step05_cgroups/container run -e A=1 %s /bin/true", rootfs());
	assert_failed_cleanly(&r, "--env (-e): not in this step (it comes with step06_rootfs)");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image_config");
	TCase *tc = tcase_create("image_config");

	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, make_store_base, remove_store_base);
	tcase_add_checked_fixture(tc, fresh_store, NULL);
	tcase_add_test(tc, entrypoint_and_cmd);
	tcase_add_test(tc, docker_save_config);
	tcase_add_test(tc, environment);
	tcase_add_test(tc, workdir_and_user);
	tcase_add_test(tc, step07_user_has_no_capabilities);
	tcase_add_test(tc, command_required_before_step06);
	suite_add_tcase(s, tc);
	return run_integration_suite(s);
}
