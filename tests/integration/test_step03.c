/* test_step03.c - step03_mount: pivot_root closes the chroot escape, the
 * host's mount table never changes, /dev /sys and volumes are as promised. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/harness.h"

#define STEP03 "step03_mount/container"

static struct run r;
static char tmp[] = "/tmp/kobako-step03-XXXXXX"; /* a host directory for -v */

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	make_fifos(); /* "I am up" / "go on" */
}

static void teardown(void)
{
	char cmd[256];

	remove_fifos();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(chroot_escape_fails)
{
	/* The same program that escaped step01 and step02: after pivot_root
	 * and the detached old root, ".." from "/" is "/" again. */
	run(&r, STEP03 " run %s /usr/local/bin/chroot-escape /bin/cat /etc/os-release", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "kobako busybox");
	ck_assert_ptr_null(strstr(r.out, "Debian"));
}
END_TEST

START_TEST(host_mount_table_unchanged_during_and_after)
{
	char *before = mount_snapshot(), during[4200];

	snprintf(during, sizeof(during), "%s/during", tmp);
	run(&r,
	    STEP03 " run %s /bin/sh -c 'echo up > /tmp/ready-%d; read x < /tmp/go-%d' & sup=$!; "
		   "read line < %s; cat /proc/self/mountinfo > %s; echo > %s; wait $sup",
	    rootfs(), getpid(), getpid(), ready_fifo, during, go_fifo);
	ck_assert_int_eq(r.code, 0);
	char *after = mount_snapshot();
	ck_assert_str_eq(before, after);
	/* the snapshot taken while the container ran, ids stripped alike */
	char *raw = slurp(during), *line = raw, *kept = calloc(1, strlen(raw) + 1);
	for (char *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = '\0';
		char *rest = strchr(strchr(line, ' ') + 1, ' ') + 1;
		strcat(strcat(kept, rest), "\n");
	}
	ck_assert_str_eq(before, kept);
	free(before), free(after), free(raw), free(kept);
}
END_TEST

START_TEST(inside_only_container_mounts)
{
	/* Field 5 of mountinfo is the mount point. */
	run(&r, STEP03 " run %s /bin/sh -c \"cut -d' ' -f5 /proc/self/mountinfo\"", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "/\n/proc\n/sys\n/dev\n/dev/pts\n/dev/shm\n/dev/mqueue\n");
}
END_TEST

START_TEST(dev_has_only_listed_nodes)
{
	run(&r, STEP03 " run %s /bin/ls /dev", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "fd\nfull\nmqueue\nnull\nptmx\npts\nrandom\nshm\nstderr\n"
				"stdin\nstdout\ntty\nurandom\nzero\n");
	run(&r,
	    STEP03 " run %s /bin/sh -c 'echo hi > /dev/null && head -c 4 /dev/zero | wc -c && "
		   "echo x > /dev/full'",
	    rootfs());
	ck_assert_str_eq(r.out, "4\n");
	ck_assert_contains(r.err, "No space left on device");
}
END_TEST

START_TEST(sys_is_read_only)
{
	run(&r, STEP03 " run %s /bin/sh -c 'echo 1 > /sys/kernel/uevent_helper'", rootfs());
	ck_assert_int_ne(r.code, 0);
	ck_assert_contains(r.err, "Read-only file system");
}
END_TEST

START_TEST(pid_and_ipc_and_pts_are_new)
{
	run(&r, STEP03 " run %s /bin/sh -c 'ls /dev/pts; ls /dev/mqueue; echo $$'", rootfs());
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "ptmx\n1\n"); /* no host ptys, no host queues */
}
END_TEST

START_TEST(volume_read_write)
{
	run(&r, STEP03 " run -v %s:/mnt %s /bin/sh -c 'echo hello > /mnt/f'", tmp, rootfs());
	ck_assert_int_eq(r.code, 0);
	char path[256];
	snprintf(path, sizeof(path), "%s/f", tmp);
	char *text = slurp(path);
	ck_assert_str_eq(text, "hello\n");
	free(text);
	/* the file is in the volume, not in the rootfs below it */
	snprintf(path, sizeof(path), "%s/mnt/f", rootfs());
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(volume_read_only)
{
	run(&r, STEP03 " run -v %s:/mnt:ro %s /bin/sh -c 'touch /mnt/f'", tmp, rootfs());
	ck_assert_int_ne(r.code, 0);
	ck_assert_contains(r.err, "Read-only file system");
	run(&r, STEP03 " run --volume %s:/mnt:ro -v %s:/tmp %s /bin/sh -c 'touch /tmp/ok'", tmp,
	    tmp, rootfs());
	ck_assert_int_eq(r.code, 0);
}
END_TEST

START_TEST(volume_symlink_stays_inside)
{
	/* /tmp/link in the image points "up and out" to /etc. Followed on the
	 * host it would be the host's /etc; resolved in the root it is the
	 * image's /etc, and that is where the volume must land. */
	char link[4200], marker[256];

	snprintf(link, sizeof(link), "%s/tmp/link-%d", rootfs(), getpid());
	unlink(link);
	ck_assert_int_eq(symlink("../../../../../../../../etc", link), 0);
	snprintf(marker, sizeof(marker), "%s/marker", tmp);
	fclose(fopen(marker, "w"));
	run(&r, STEP03 " run -v %s:/tmp/link-%d %s /bin/sh -c 'ls /etc; cat /etc/os-release'", tmp,
	    getpid(), rootfs());
	unlink(link);
	ck_assert_int_eq(r.code, 1); /* /etc is now the volume: no os-release */
	ck_assert_str_eq(r.out, "marker\n");
}
END_TEST

START_TEST(read_only_root)
{
	run(&r, STEP03 " run --read-only %s /bin/sh -c 'touch /x'", rootfs());
	ck_assert_int_ne(r.code, 0);
	ck_assert_contains(r.err, "Read-only file system");
	run(&r, STEP03 " run --read-only %s /bin/sh -c 'echo ok > /dev/shm/x && cat /dev/shm/x'",
	    rootfs());
	ck_assert_int_eq(r.code, 0); /* the mounts on top stay writable */
	ck_assert_str_eq(r.out, "ok\n");
}
END_TEST

/* A bad -v: exit 125, one line, and no mount left anywhere. */
static void expect_volume_error(const char *spec, const char *message)
{
	run_expect_125(&r, message, STEP03 " run -v %s %s /bin/true", spec, rootfs());
}

START_TEST(bad_volumes)
{
	expect_volume_error(
	    "/no/such/dir:/data",
	    "container: -v /no/such/dir:/data: /no/such/dir: No such file or directory");
	expect_volume_error("relative:/data",
			    "container: -v relative:/data: both paths must be absolute");
	expect_volume_error("/tmp:data", "both paths must be absolute");
	expect_volume_error("/tmp", "container: -v /tmp: expected HOST:CONTAINER[:ro]");
	expect_volume_error("/tmp:", "expected HOST:CONTAINER[:ro]");
	expect_volume_error("/tmp:/data:rx",
			    "container: -v /tmp:/data:rx: unknown mode 'rx' (use ro or rw)");
	expect_volume_error("/tmp:/", "container: -v /tmp:/: the destination cannot be /");
	/* a missing mount point and its parents are created, like Docker
	 * (test_first_contact.c checks that they are made inside ROOTFS) */
}
END_TEST

START_TEST(init_reaps_orphans)
{
	/* pid1.c's init (from step02), tried here where /dev/null exists for
	 * the background job. A shell starts a background job and exits at
	 * once: the job is orphaned and re-parented to PID 1. It holds the
	 * pipe to `cat`, so when cat returns the orphan has exited and is a
	 * zombie until PID 1 reaps it. init reaps on SIGCHLD, a moment later:
	 * wait for that, at most 2 s, then count what is left. */
	run(&r,
	    STEP03 " run --init %s /bin/sh -c '"
		   "sh -c \"(echo started; sleep 0.05) &\" | cat; "
		   "for i in $(seq 200); do ps -o stat | grep -q ^Z || break; sleep 0.01; done; "
		   "ps -o stat | grep -c ^Z; exit 5'",
	    rootfs());
	ck_assert_int_eq(r.code, 5);
	ck_assert_str_eq(r.out, "started\n0\n"); /* it ran, and no zombie is left */
}
END_TEST

START_TEST(help_lists_step03_options)
{
	run(&r, STEP03 " --help");
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "--volume HOST:DEST[:ro]");
	ck_assert_contains(r.out, "--read-only");
	ck_assert_ptr_null(strstr(r.out, "--net"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("step03_mount");
	TCase *tc = tcase_create("step03");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, chroot_escape_fails);
	tcase_add_test(tc, host_mount_table_unchanged_during_and_after);
	tcase_add_test(tc, inside_only_container_mounts);
	tcase_add_test(tc, dev_has_only_listed_nodes);
	tcase_add_test(tc, sys_is_read_only);
	tcase_add_test(tc, pid_and_ipc_and_pts_are_new);
	tcase_add_test(tc, volume_read_write);
	tcase_add_test(tc, volume_read_only);
	tcase_add_test(tc, volume_symlink_stays_inside);
	tcase_add_test(tc, read_only_root);
	tcase_add_test(tc, bad_volumes);
	tcase_add_test(tc, init_reaps_orphans);
	tcase_add_test(tc, help_lists_step03_options);
	suite_add_tcase(s, tc);
	return run_integration_suite(s);
}
