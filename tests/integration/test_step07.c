/* test_step07.c - step07_security/container: the attacks that own the host
 * from a step06 container, each run in step06 (where it works) and in step07
 * (where the kernel refuses it); real workloads that still work with the
 * defaults; --cap-add, --privileged, seccomp profiles, bad values.
 *
 * Host canaries only: a file the test made, a key the test added, a loop
 * device over a file of the test's. Never a real disk, never a sysctl write
 * (core_pattern is only opened for writing, then closed). */
#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/loop.h>
#include <linux/seccomp.h>
#include <sha2.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "step05_cgroups/cgroupfs.h"
#include "tests/fixtures.h"
#include "tests/harness.h"

#define STEP6 "step06_rootfs/container"
#define STEP7 "step07_security/container"
#define DEFAULT_CAPS "00000000a80425fb" /* Docker's 14, as /proc/PID/status shows them */
#define PROFILE "/usr/share/containers/seccomp.json" /* Debian's containers-common */
#define MARKER "kobako-canary-7f3a" /* in host files the attacks try to reach */
#define CACHE "/run/kobako/seccomp" /* the harness's own /run (tests/harness.c) */
#define ATTACKS "probe unshare net; probe clone user; probe clone3" /* refused by either filter */

static struct run r6, r7;

/* stdout must be exactly `expected`; else show the exit code and stderr too. */
#define assert_out(r, expected)                                                                    \
	ck_assert_msg(strcmp((r).out, (expected)) == 0, "%s: exit %d, stdout:\n%s\nstderr:\n%s",   \
		      #r, (r).code, (r).out, (r).err)

/* Import the busybox image once; every test runs containers of it. */
static void make_store(void)
{
	char tar[PATH_MAX];

	make_store_base();
	ck_assert_int_eq(mkdir(store, 0700), 0);
	ck_assert_int_eq(mkdir(work, 0700), 0);
	snprintf(tar, sizeof(tar), "%s/build/images/busybox.tar", top());
	run(&r6, STEP6 " image import --root %s %s busybox", store, tar);
	ck_assert_msg(r6.code == 0, "import: %s", r6.err);
}

/* The same `run OPTIONS busybox sh -c SCRIPT` in step06 (r6) and step07 (r7). */
static void run_both(const char *options, const char *script)
{
	run(&r6, STEP6 " run --root %s --net none %s busybox /bin/sh -c '%s'", store, options,
	    script);
	run(&r7, STEP7 " run --root %s --net none %s busybox /bin/sh -c '%s'", store, options,
	    script);
}

static void run7(const char *options, const char *script)
{
	run(&r7, STEP7 " run --root %s --net none %s busybox /bin/sh -c '%s'", store, options,
	    script);
}

/* The container's root had all of root's capabilities; now Docker's 14. */
START_TEST(capabilities_reduced)
{
	run_both("", "grep -E \"^Cap(Eff|Bnd|Inh|Amb)\" /proc/self/status");
	ck_assert_ptr_null(strstr(r6.out, DEFAULT_CAPS)); /* step06: the host root's set */
	assert_out(r7, "CapInh:\t0000000000000000\nCapEff:\t" DEFAULT_CAPS
		       "\nCapBnd:\t" DEFAULT_CAPS "\nCapAmb:\t0000000000000000\n");
}
END_TEST

/* The "shocker" escape: a file handle of a host file, made on the host (an
 * attacker guesses it: inode numbers are small), opened through a volume on
 * the same filesystem reads a file that was never mounted in. */
START_TEST(open_by_handle_at_reaches_host_file)
{
	char canary[160], volume[160], hex[2 * MAX_HANDLE_SZ + 1] = "", options[256], script[512];
	struct file_handle *h = calloc(1, sizeof(*h) + MAX_HANDLE_SZ);
	unsigned char *bytes = h->f_handle;
	int mount_id;

	snprintf(canary, sizeof(canary), "%s/canary", work);
	snprintf(volume, sizeof(volume), "%s/volume", work);
	run(&r6, "echo " MARKER " > %s && mkdir %s", canary, volume);
	h->handle_bytes = MAX_HANDLE_SZ;
	ck_assert_msg(name_to_handle_at(AT_FDCWD, canary, h, &mount_id, 0) == 0,
		      "name_to_handle_at: %s", strerror(errno));
	for (unsigned i = 0; i < h->handle_bytes; i++)
		snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
	snprintf(options, sizeof(options), "-v %s:/volume", volume);
	snprintf(script, sizeof(script), "probe handle /volume %d %s", h->handle_type, hex);
	run_both(options, script);
	assert_out(r6, "open_by_handle_at: ok: " MARKER ".\n");
	assert_out(r7, "open_by_handle_at: EPERM (Operation not permitted)\n");
	run(&r7, STEP7 " run --root %s --net none --privileged %s busybox %s", store, options,
	    script);
	assert_out(r7, "open_by_handle_at: ok: " MARKER ".\n"); /* all back */
	free(h);
}
END_TEST

/* Lifting its own limit: remount the cgroup filesystem read-write and raise
 * --memory 32m to 1 GiB (v1 memory.limit_in_bytes after memory+swap, which
 * it may not exceed). On v2 the kernel already refuses the write itself when
 * the hierarchy is mounted with nsdelegate (systemd does so): the root of a
 * cgroup namespace may not change its own limits. */
START_TEST(cgroup_remount_raises_memory_limit)
{
	struct cgroup_layout layout;

	ck_assert_int_eq(cgroup_detect(&layout), 0);
	run_both("--memory 32m",
		 "d=/sys/fs/cgroup/memory; [ -d $d ] || d=/sys/fs/cgroup; "
		 "probe remount-rw $d || exit; "
		 "for f in memory.memsw.limit_in_bytes memory.limit_in_bytes memory.max; do "
		 "[ ! -e $d/$f ] || echo 1073741824 > $d/$f || exit; done; "
		 "cat $d/memory.limit_in_bytes 2>/dev/null || cat $d/memory.max");
	if (layout.version == CGROUP_V1)
		assert_out(r6, "remount: ok\n1073741824\n");
	else
		ck_assert_msg(strncmp(r6.out, "remount: ok\n", 12) == 0, "r6: %s", r6.out);
	assert_out(r7, "remount: EPERM (Operation not permitted)\n");
	run_both("", "probe remount-rw /sys");
	assert_out(r6, "remount: ok\n");
	assert_out(r7, "remount: EPERM (Operation not permitted)\n");
}
END_TEST

/* A host-wide sysctl: opened for writing only, never written. */
START_TEST(core_pattern_not_writable)
{
	run_both("", "probe open-write /proc/sys/kernel/core_pattern");
	assert_out(r6, "open: ok\n");
	assert_out(r7, "open: EROFS (Read-only file system)\n");
}
END_TEST

/* The host's keys (a key the test adds to root's user keyring), its kernel
 * log, its timers (what every host process waits for). */
START_TEST(host_kernel_secrets_hidden)
{
	long key = syscall(SYS_add_key, "user", MARKER, "secret", 6, KEY_SPEC_USER_KEYRING);

	ck_assert_msg(key > 0, "add_key: %s", strerror(errno));
	run_both("", "grep -c " MARKER " /proc/keys; dmesg >/dev/null && echo dmesg ok; "
		     "wc -c < /proc/timer_list");
	syscall(SYS_keyctl, KEYCTL_INVALIDATE, key);
	ck_assert_str_eq(strtok(r6.out, "\n"), "1"); /* the key is listed */
	ck_assert_str_eq(strtok(NULL, "\n"), "dmesg ok");
	ck_assert_str_ne(strtok(NULL, "\n"), "0");
	assert_out(r7, "0\n0\n"); /* /proc/keys and /proc/timer_list: empty */
	ck_assert_contains(r7.err, "klogctl: Operation not permitted");
}
END_TEST

/* /proc/kallsyms shows real addresses only to CAP_SYSLOG, and only when
 * kernel.kptr_restrict is 1 (0: to everybody, 2: to nobody). */
START_TEST(kallsyms_addresses_hidden)
{
	char *restrict_ = slurp("/proc/sys/kernel/kptr_restrict");

	if (!restrict_ || restrict_[0] != '1') {
		printf("SKIPPED kallsyms_addresses_hidden: kernel.kptr_restrict is %c, not 1\n",
		       restrict_ ? restrict_[0] : '?');
		free(restrict_);
		return;
	}
	free(restrict_);
	run_both("", "head -c 16 /proc/kallsyms");
	ck_assert_str_ne(r6.out, "0000000000000000");
	assert_out(r7, "0000000000000000");
}
END_TEST

/* New namespaces: a way out of the ones the container was given (and user
 * namespaces need no capability at all: seccomp refuses them). clone3(2)
 * hides its flags from seccomp, so step07 answers it ENOSYS (libc then uses
 * clone(2), whose flags seccomp checks). */
START_TEST(unshare_refused)
{
	run_both("", "probe unshare net; probe unshare user; probe unshare mount; "
		     "probe clone net; probe clone user; probe clone3");
	assert_out(r6, "unshare: ok\nunshare: ok\nunshare: ok\nclone: ok\nclone: ok\nclone3: ok\n");
	assert_out(r7, "unshare: EPERM (Operation not permitted)\n"
		       "unshare: EPERM (Operation not permitted)\n"
		       "unshare: EPERM (Operation not permitted)\n"
		       "clone: EPERM (Operation not permitted)\n"
		       "clone: EPERM (Operation not permitted)\n"
		       "clone3: ENOSYS (Function not implemented)\n");
	run7("", "echo $(echo plain) child"); /* a child without new namespaces still works */
	assert_out(r7, "plain child\n");
}
END_TEST

/* A block device the container was never given: a loop device over a file
 * of the test's, with a marker at its start. mknod works in both (Docker
 * keeps CAP_MKNOD); opening it is what the device cgroup refuses. */
START_TEST(device_not_given_refused)
{
	char file[160], script[160];
	int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC), loop_fd, n;

	if (control < 0) {
		printf("SKIPPED device_not_given_refused: /dev/loop-control: %s\n",
		       strerror(errno));
		return;
	}
	snprintf(file, sizeof(file), "%s/disk", work);
	run(&r6, "printf " MARKER " > %s && truncate -s 1M %s", file, file);
	int backing = open(file, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(n = ioctl(control, LOOP_CTL_GET_FREE), 0);
	char loop[32];
	snprintf(loop, sizeof(loop), "/dev/loop%d", n);
	ck_assert_int_ge(loop_fd = open(loop, O_RDWR | O_CLOEXEC), 0);
	ck_assert_int_eq(ioctl(loop_fd, LOOP_SET_FD, backing), 0);
	snprintf(script, sizeof(script), "probe mknod-read /dev/disk 7 %d", n);
	run_both("", script);
	ioctl(loop_fd, LOOP_CLR_FD, 0);
	close(loop_fd);
	close(backing);
	close(control);
	assert_out(r6, "mknod: ok\nread: ok: " MARKER "\n");
	assert_out(r7, "mknod: ok\nopen: EPERM (Operation not permitted)\n");
}
END_TEST

/* What real programs need still works: a web server on port 80
 * (NET_BIND_SERVICE), ping (NET_RAW), chown and su (CHOWN, SETUID, SETGID),
 * the devices it was given. Each stops working without its capability. */
START_TEST(workloads_work_with_defaults)
{
	const char *web = "mkdir /www && echo hello > /www/index.html && httpd -p 80 -h /www && "
			  "wget -qO- http://127.0.0.1/";
	const char *ping = "ping -c 1 -W 3 127.0.0.1 >/dev/null && echo pong";
	const char *su = "touch /tmp/f && chown nobody:nogroup /tmp/f && stat -c %U /tmp/f && "
			 "su -s /bin/sh nobody -c \"id -u\"";

	run7("", web);
	assert_out(r7, "hello\n");
	run7("--cap-drop NET_BIND_SERVICE", web);
	ck_assert_contains(r7.err, "Permission denied");
	run7("", ping);
	assert_out(r7, "pong\n");
	run7("--cap-drop net_raw", ping);
	ck_assert_int_ne(r7.code, 0);
	run7("", su);
	assert_out(r7, "nobody\n65534\n");
	run7("--cap-drop CAP_SETUID", su);
	ck_assert_int_ne(r7.code, 0);
	run7("", "head -c 4 /dev/zero | wc -c; echo x > /dev/null; head -c 4 /dev/urandom | wc -c");
	assert_out(r7, "4\n4\n");
}
END_TEST

/* --cap-add SYS_ADMIN brings mount(2) back (capability and seccomp rule);
 * --cap-drop ALL leaves nothing; no-new-privileges is set. */
START_TEST(cap_add_and_drop)
{
	const char *mnt = "mount -t tmpfs none /mnt && grep -c \" /mnt tmpfs\" /proc/mounts";

	run7("", mnt);
	ck_assert_int_ne(r7.code, 0);
	run7("--cap-add SYS_ADMIN", mnt);
	assert_out(r7, "1\n");
	run7("--cap-drop ALL --cap-add KILL", "grep ^CapEff /proc/self/status");
	assert_out(r7, "CapEff:\t0000000000000020\n");
	run7("--security-opt no-new-privileges", "grep ^NoNewPrivs /proc/self/status");
	assert_out(r7, "NoNewPrivs:\t1\n");
	run7("", "grep ^NoNewPrivs /proc/self/status");
	assert_out(r7, "NoNewPrivs:\t0\n"); /* as Docker: only when asked */
}
END_TEST

/* --privileged: everything back, as Docker's (for comparison). */
START_TEST(privileged_brings_all_back)
{
	run(&r6, STEP6 " run --root %s --net none busybox grep ^CapEff /proc/self/status", store);
	run7("--privileged", "grep -E \"^(CapEff|Seccomp):\" /proc/self/status; "
			     "probe unshare net; probe open-write /proc/sys/kernel/core_pattern");
	ck_assert_contains(r7.out, r6.out);
	ck_assert_contains(r7.out, "Seccomp:\t0\nunshare: ok\nopen: ok\n");
}
END_TEST

/* Debian's containers-common profile (Podman's), read from its JSON: an
 * allowlist answering ENOSYS, so a made-up system call number says so. */
START_TEST(docker_json_profile)
{
	if (access(PROFILE, R_OK) < 0) {
		printf("SKIPPED docker_json_profile: no %s (apt-get install "
		       "golang-github-containers-common)\n",
		       PROFILE);
		return;
	}
	run7("--security-opt seccomp=" PROFILE,
	     "grep ^Seccomp: /proc/self/status; probe unshare net; "
	     "probe open-write /proc/sys/kernel/core_pattern; ping -c1 -W3 127.0.0.1 >/dev/null && "
	     "echo pong");
	ck_assert_msg(r7.code == 0, "exit %d: %s", r7.code, r7.err);
	assert_out(r7, "Seccomp:\t2\nunshare: EPERM (Operation not permitted)\n"
		       "open: EROFS (Read-only file system)\npong\n");
	run7("--security-opt seccomp=unconfined", "grep ^Seccomp: /proc/self/status");
	assert_out(r7, "Seccomp:\t0\n");
}
END_TEST

/*** the compiled filters, cached in CACHE ***/

/* The cache's *.bpf files: how many, and the first one's path in first. */
static int cache_files(char *first, size_t size)
{
	glob_t g;
	int n = glob(CACHE "/*.bpf", 0, NULL, &g) == 0 ? (int)g.gl_pathc : 0;

	if (n > 0 && first)
		strlcpy(first, g.gl_pathv[0], size);
	if (n > 0)
		globfree(&g);
	return n;
}

/* An empty cache, as on a fresh boot. */
static void clear_cache(void)
{
	run(&r6, "rm -rf " CACHE);
	ck_assert_int_eq(cache_files(NULL, 0), 0);
}

/* The refusals of kobako's own filter, in r7. */
static void assert_refused(void)
{
	assert_out(r7, "unshare: EPERM (Operation not permitted)\n"
		       "clone: EPERM (Operation not permitted)\n"
		       "clone3: ENOSYS (Function not implemented)\n");
}

/* The first start compiles and keeps the program (root's, 0600 in a 0700
 * directory); the second loads that same file, and refuses the same. */
START_TEST(seccomp_cache_kept_and_used)
{
	char file[PATH_MAX];
	struct stat dir, first, second;

	clear_cache();
	run7("", ATTACKS);
	assert_refused();
	ck_assert_int_eq(cache_files(file, sizeof(file)), 1);
	ck_assert_int_eq(stat(CACHE, &dir), 0);
	ck_assert_int_eq(stat(file, &first), 0);
	ck_assert_uint_eq(dir.st_uid, 0);
	ck_assert_uint_eq(dir.st_mode & 07777, 0700);
	ck_assert_uint_eq(first.st_uid, 0);
	ck_assert_uint_eq(first.st_mode & 07777, 0600);
	ck_assert_uint_eq((first.st_size - SHA256_DIGEST_LENGTH) % sizeof(struct sock_filter), 0);
	run7("", ATTACKS);
	assert_refused();
	ck_assert_int_eq(stat(file, &second), 0);
	ck_assert_uint_eq(second.st_ino, first.st_ino); /* read, not written again */
	ck_assert_int_eq(cache_files(NULL, 0), 1);
}
END_TEST

/* Whoever can write the cache can switch the filter off: a program that
 * allows everything, under the right name, with the right digest, is
 * loaded as it is. (So the cache is used; and so it must be root's.) */
START_TEST(seccomp_cache_is_what_is_loaded)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	char file[PATH_MAX], key[65];
	uint8_t digest[SHA256_DIGEST_LENGTH];
	SHA2_CTX sha;
	FILE *f;

	clear_cache();
	run7("", "probe unshare user");
	assert_out(r7, "unshare: EPERM (Operation not permitted)\n");
	ck_assert_int_eq(cache_files(file, sizeof(file)), 1);
	strlcpy(key, strrchr(file, '/') + 1, sizeof(key)); /* <key>.bpf */
	SHA256Init(&sha);
	SHA256Update(&sha, (const uint8_t *)key, strlen(key));
	SHA256Update(&sha, (const uint8_t *)&allow, sizeof(allow));
	SHA256Final(digest, &sha);
	ck_assert_ptr_nonnull(f = fopen(file, "we"));
	fwrite(&allow, sizeof(allow), 1, f);
	fwrite(digest, sizeof(digest), 1, f);
	ck_assert_int_eq(fclose(f), 0);
	run7("", "grep ^Seccomp: /proc/self/status; probe unshare user; probe clone3");
	assert_out(r7, "Seccomp:\t2\nunshare: ok\nclone3: ok\n"); /* no capability needed */
	clear_cache();
}
END_TEST

/* A file cut short (to whole instructions, or not), or with one byte
 * changed, is seen: said on stderr, compiled and written again; the
 * container gets the real filter all the same. */
START_TEST(seccomp_cache_damage_seen)
{
	const char *damage[] = {"truncate -s 400 %s", "truncate -s 403 %s",
				"printf x | dd of=%s bs=1 seek=100 conv=notrunc 2>/dev/null"};
	char file[PATH_MAX];

	clear_cache();
	run7("", ATTACKS);
	ck_assert_int_eq(cache_files(file, sizeof(file)), 1);
	run(&r6, "cp %s %s/good.bpf", file, work);
	for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		run(&r6, damage[i], file);
		run(&r6, "cmp -s %s %s/good.bpf", file, work);
		ck_assert_int_ne(r6.code, 0); /* damaged indeed */
		run7("", ATTACKS);
		assert_refused();
		ck_assert_contains(r7.err, "damaged");
		ck_assert_contains(r7.err, "compiled again");
		run(&r6, "cmp %s %s/good.bpf", file, work);
		ck_assert_msg(r6.code == 0, "%s: not written again: %s", damage[i], r6.out);
	}
}
END_TEST

/* Docker's profile lets --cap-add SYS_ADMIN through to unshare(2): another
 * program, so another cache entry (or one start's filter would be the
 * other's). unconfined and --privileged have no filter, so no entry. */
START_TEST(seccomp_cache_per_capabilities)
{
	if (access(PROFILE, R_OK) < 0) {
		printf("SKIPPED seccomp_cache_per_capabilities: no %s\n", PROFILE);
		return;
	}
	clear_cache();
	for (int warm = 0; warm < 2; warm++) {
		run7("--security-opt seccomp=" PROFILE, "probe unshare net");
		assert_out(r7, "unshare: EPERM (Operation not permitted)\n");
		run7("--cap-add SYS_ADMIN --security-opt seccomp=" PROFILE, "probe unshare net");
		assert_out(r7, "unshare: ok\n");
		ck_assert_int_eq(cache_files(NULL, 0), 2);
	}
	run7("--security-opt seccomp=unconfined", "probe unshare user");
	assert_out(r7, "unshare: ok\n");
	run7("--privileged", "true");
	ck_assert_int_eq(cache_files(NULL, 0), 2);
}
END_TEST

/* A cache directory someone else may write to is not used (they could put
 * any program in it): said on stderr; the filter is compiled, not kept. */
START_TEST(seccomp_cache_untrusted_not_used)
{
	const char *untrusted[] = {"chmod 0777 " CACHE,
				   "chmod 0700 " CACHE " && chown 65534 " CACHE};

	for (size_t i = 0; i < sizeof(untrusted) / sizeof(untrusted[0]); i++) {
		clear_cache();
		run(&r6, "mkdir -p " CACHE " && %s", untrusted[i]);
		ck_assert_int_eq(r6.code, 0);
		run7("", ATTACKS);
		assert_refused();
		ck_assert_contains(r7.err, "seccomp cache " CACHE ": not ours (uid 0) or writable");
		ck_assert_int_eq(cache_files(NULL, 0), 0);
	}
	clear_cache();
}
END_TEST

/* Bad values: one line, exit 125, nothing left (no container directory,
 * no mount). */
START_TEST(bad_values_exit_125)
{
	char profile[160], containers[PATH_MAX + 16];
	char *before = mount_snapshot();

	run(&r6, "rm -rf " CACHE); /* nothing is compiled, so nothing is cached */

	run7("--cap-add NOPE", "true");
	assert_failed_cleanly(&r7, "--cap-add NOPE: unknown capability");
	snprintf(profile, sizeof(profile), "%s/broken.json", work);
	run(&r6, "echo \"{\\\"defaultAction\\\": \" > %s", profile);
	run(&r7, STEP7 " run --root %s --security-opt seccomp=%s busybox true", store, profile);
	assert_failed_cleanly(&r7, "bad JSON");
	run(&r6,
	    "echo \"{\\\"defaultAction\\\": \\\"SCMP_ACT_ALLOW\\\", \\\"syscalls\\\": "
	    "[{\\\"names\\\": [\\\"open_bye_handle_at\\\"], \\\"action\\\": "
	    "\\\"SCMP_ACT_ERRNO\\\"}]}\" > %s",
	    profile);
	run(&r7, STEP7 " run --root %s --security-opt seccomp=%s busybox true", store, profile);
	assert_failed_cleanly(&r7, "unknown system call open_bye_handle_at");
	run7("--security-opt apparmor=unconfined", "true");
	assert_failed_cleanly(&r7, "--security-opt apparmor=unconfined: expected");
	run(&r6, STEP6 " run --root %s --privileged busybox true", store);
	assert_failed_cleanly(&r6,
			      "--privileged: not in this step (it comes with step07_security)");
	char *after = mount_snapshot();
	ck_assert_str_eq(before, after);
	ck_assert_int_ne(access(CACHE, F_OK), 0);
	snprintf(containers, sizeof(containers), "ls -A %s/containers", store);
	run(&r6, "%s", containers);
	assert_out(r6, "");
	free(before);
	free(after);
}
END_TEST

/* v1: the devices hierarchy is not one cgroup_detect() knows, so the harness
 * does not remove our test parent there: do it here. */
static void remove_devices_parent(void)
{
	char own[PATH_MAX] = "", line[PATH_MAX + 32], path[2 * PATH_MAX];
	FILE *f = fopen("/proc/self/cgroup", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d:devices:%4095[^\n]", own) == 1)
			break;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/sys/fs/cgroup/devices%s/%s", strcmp(own, "/") ? own : "",
		 TEST_CGROUP_PARENT);
	if (own[0] && rmdir(path) < 0 && errno != ENOENT)
		perror(path);
}

int main(void)
{
	Suite *s = suite_create("step07_security");
	TCase *tc = tcase_create("step07");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, make_store, remove_store_base);
	tcase_add_test(tc, capabilities_reduced);
	tcase_add_test(tc, open_by_handle_at_reaches_host_file);
	tcase_add_test(tc, cgroup_remount_raises_memory_limit);
	tcase_add_test(tc, core_pattern_not_writable);
	tcase_add_test(tc, host_kernel_secrets_hidden);
	tcase_add_test(tc, kallsyms_addresses_hidden);
	tcase_add_test(tc, unshare_refused);
	tcase_add_test(tc, device_not_given_refused);
	tcase_add_test(tc, workloads_work_with_defaults);
	tcase_add_test(tc, cap_add_and_drop);
	tcase_add_test(tc, privileged_brings_all_back);
	tcase_add_test(tc, docker_json_profile);
	tcase_add_test(tc, seccomp_cache_kept_and_used);
	tcase_add_test(tc, seccomp_cache_is_what_is_loaded);
	tcase_add_test(tc, seccomp_cache_damage_seen);
	tcase_add_test(tc, seccomp_cache_per_capabilities);
	tcase_add_test(tc, seccomp_cache_untrusted_not_used);
	tcase_add_test(tc, bad_values_exit_125);
	suite_add_tcase(s, tc);
	int status = run_integration_suite(s);
	remove_devices_parent();
	return status;
}
