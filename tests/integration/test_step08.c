/* test_step08.c - step08_rootless/container: containers without sudo, and
 * root inside that is nobody outside.
 *
 * The tests run as root and make a throw-away user (useradd, with its own
 * /etc/subuid and /etc/subgid range, HOME and XDG_RUNTIME_DIR below /tmp),
 * whose commands run through setpriv(1); userdel removes it at the end.
 * pasta needs /dev/net/tun readable by the user, as udev makes it: in our
 * private mount namespace (tests/harness.c) a 0666 node is bound over it.
 * The "internet" is an address of the test's own network
 * namespace; nothing leaves the machine. The cgroup limits run on systemd
 * with cgroup v2 only (the v2 guest of tests/vm/, `make check-v2`), in a
 * cgroup systemd delegated to the user; elsewhere they say SKIPPED. */
#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/harness.h"

#define STEP7 "step07_security/container"
#define STEP8 "step08_rootless/container"
#define SERVER "203.0.113.10" /* on lo of the test namespace: "the internet" */
#define EXIT_TIMEOUT_MS 5000 /* for a process killed with its parent */
#define REMAP_BASE 1000000UL /* the test's /etc/subuid range for --userns remap */
#define CGROUP2_MAGIC 0x63677270 /* statfs(2) f_type of a cgroup2 mount */
#define MAX_USERNS "/proc/sys/user/max_user_namespaces"
/* systemd's sockets are in /run, which the harness covers with a tmpfs of
 * ours: its commands run in PID 1's mount namespace */
#define IN_HOST_MOUNTS "nsenter --mount=/proc/1/ns/mnt "

static struct run r;
static char user[32], home[96], run_dir[96], as_user[512], volume[96];
/* Copies of the rootfs and the image the user can read: the repository may
 * be under a home directory of mode 0700 (/root, or Debian 12's homes). */
static char user_rootfs[96], user_tarball[96], tun_dir[96];
static unsigned long uid;

/* Run COMMAND as the test user, in its environment (a login would set it). */
#define run_user(r, fmt, ...) run((r), "%s " fmt, as_user, ##__VA_ARGS__)

/* The cgroup systemd delegated to the user: a service's, its main pid, and
 * the prefix that runs a command there as the user. */
static char unit[64], slice[64], delegated[256], in_delegated[1024];
static int unit_pid;
#define run_delegated(r, fmt, ...) run((r), "%s " fmt, in_delegated, ##__VA_ARGS__)

static void sh_or_fail(const char *cmd)
{
	run(&r, "%s", cmd);
	ck_assert_msg(r.code == 0, "%s: %s%s", cmd, r.out, r.err);
}

/* Count the entries of a directory (not . and ..); -1 if it is missing. */
static int entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static void remove_user(void)
{
	/* a delegated cgroup's service that a failed test did not stop */
	run(&r, IN_HOST_MOUNTS "systemctl stop '%s-delegated-*.service' '%s-*.slice' 2>/dev/null",
	    user, user);
	/* the user's own manager, if a timed-out cgroup_limits_user_scope left it */
	run(&r,
	    IN_HOST_MOUNTS "sh -c 'loginctl disable-linger %s; id -u %s >/dev/null && "
			   "systemctl stop user@$(id -u %s).service' 2>/dev/null",
	    user, user, user);
	run(&r,
	    "userdel %s 2>/dev/null; rm -rf %s %s %s %s %s; sed -i '/^kobako:%lu:/d' /etc/subuid "
	    "/etc/subgid",
	    user, home, run_dir, volume, user_rootfs, user_tarball, REMAP_BASE);
	/* the tun device of make_user: its mounts are in our mount namespace */
	run(&r, "umount /dev/net/tun %s 2>/dev/null; rmdir %s 2>/dev/null", tun_dir, tun_dir);
}

/* The user, its dirs, a range of subordinate ids; /dev/net/tun for it; the
 * "internet" address; a --userns remap range for root. */
static void make_user(void)
{
	char cmd[1024];

	snprintf(user, sizeof(user), "kbt8-%d", (int)getpid());
	snprintf(home, sizeof(home), "/tmp/%s-home", user);
	snprintf(run_dir, sizeof(run_dir), "/tmp/%s-run", user);
	snprintf(volume, sizeof(volume), "/tmp/%s-vol", user);
	snprintf(user_rootfs, sizeof(user_rootfs), "/tmp/%s-rootfs", user);
	snprintf(user_tarball, sizeof(user_tarball), "/tmp/%s-busybox.tar", user);
	snprintf(tun_dir, sizeof(tun_dir), "/tmp/%s-tun", user);
	remove_user();
	snprintf(cmd, sizeof(cmd),
		 "cp -a %s %s && cp %s/build/images/busybox.tar %s && chmod 644 %s", rootfs(),
		 user_rootfs, top(), user_tarball, user_tarball);
	sh_or_fail(cmd);
	snprintf(cmd, sizeof(cmd),
		 "useradd -M -d %s -s /bin/sh %s && mkdir -m 700 %s %s && mkdir -m 777 %s && "
		 "chown %s: %s %s && (grep -q '^%s:' /etc/subuid || usermod --add-subuids "
		 "200000-265535 --add-subgids 200000-265535 %s) && id -u %s",
		 home, user, home, run_dir, volume, user, home, run_dir, user, user, user);
	sh_or_fail(cmd);
	uid = strtoul(r.out, NULL, 10);
	snprintf(as_user, sizeof(as_user),
		 "setpriv --reuid=%s --regid=%s --init-groups env -i HOME=%s XDG_RUNTIME_DIR=%s "
		 "PATH=/usr/bin:/bin",
		 user, user, home, run_dir);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s && mount -t tmpfs tmpfs %s && mknod -m 666 %s/tun c 10 200 && "
		 "mount --bind %s/tun /dev/net/tun",
		 tun_dir, tun_dir, tun_dir, tun_dir);
	sh_or_fail(cmd);
	sh_or_fail("ip link add kbt8 type veth peer name kbt8p && ip link set kbt8p up && "
		   "ip addr add 192.0.2.2/24 dev kbt8 && "
		   "ip link set kbt8 up && ip route add default via 192.0.2.1 && "
		   "ip addr add " SERVER "/32 dev lo && ip link set lo up");
	snprintf(cmd, sizeof(cmd), "printf 'kobako:%lu:65536\\n' | tee -a /etc/subuid /etc/subgid",
		 REMAP_BASE);
	sh_or_fail(cmd);
}

/* Processes killed with their parent (PR_SET_PDEATHSIG) die a moment
 * later: wait for each of the user's processes to end (its pidfd becomes
 * readable), for at most EXIT_TIMEOUT_MS. */
static void wait_for_user_processes(void)
{
	char *save = NULL;

	run(&r, "ps -o pid= -u %lu", uid);
	for (char *pid = strtok_r(r.out, " \n", &save); pid; pid = strtok_r(NULL, " \n", &save)) {
		int fd = syscall(SYS_pidfd_open, atoi(pid), 0);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (fd >= 0) {
			poll(&p, 1, EXIT_TIMEOUT_MS);
			close(fd);
		}
	}
}

/* After every test: no container of the user's left, in any of its dirs,
 * and no process of the user's (pasta, a container) still running. */
static void assert_nothing_left(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/.local/share/kobako/containers", home);
	ck_assert_int_le(entries(path), 0);
	snprintf(path, sizeof(path), "%s/kobako", run_dir);
	ck_assert_int_le(entries(path), 0);
	wait_for_user_processes();
	run(&r, "ps -o pid=,stat=,args= -u %lu | grep -v ' Z'", uid);
	ck_assert_msg(r.out[0] == '\0', "processes of the user left:\n%s", r.out);
}

/*** a cgroup delegated to the user (systemd + cgroup v2) ***/

/* Is this systemd with cgroup v2 (the v2 guest)? If not, say that test is
 * skipped here: false. */
static bool systemd_v2(const char *test)
{
	struct statfs fs;

	if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_MAGIC &&
	    access("/proc/1/root/run/systemd/system", F_OK) == 0)
		return true;
	printf("SKIPPED %s: needs systemd with cgroup v2 (make check-v2 runs it)\n", test);
	return false;
}

/* On a reader's machine a user's shell runs in a cgroup systemd delegated
 * (Delegate=yes): here a service with User= whose main process (sleep)
 * stands for that shell. A scope made with `systemd-run --scope --uid=`
 * stays root's in systemd 252; a service is what systemd chowns to a user
 * (the user's own manager is the other way: cgroup_limits_user_scope). Commands
 * join the cgroup the sleep is in, as if the shell started them. props: the
 * unit's properties, "-p Delegate=yes" or another delegation. false, after
 * saying so, where there is no systemd with cgroup v2. */
static bool start_delegated_with(const char *test, const char *props)
{
	char cmd[768], *cgroup;

	if (!systemd_v2(test))
		return false;
	snprintf(unit, sizeof(unit), "%s-delegated-%d.service", user, (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 IN_HOST_MOUNTS "systemd-run --quiet --unit=%s %s -p User=%s sleep "
				"infinity && " IN_HOST_MOUNTS "systemctl show -P MainPID %s",
		 unit, props, user, unit);
	sh_or_fail(cmd);
	unit_pid = atoi(r.out);
	snprintf(cmd, sizeof(cmd), "/proc/%d/cgroup", unit_pid);
	cgroup = slurp(cmd); /* "0::/system.slice/kbt8-delegated-N.service\n" */
	ck_assert_ptr_nonnull(cgroup);
	cgroup[strcspn(cgroup, "\n")] = '\0';
	snprintf(delegated, sizeof(delegated), "/sys/fs/cgroup%s", cgroup + 3);
	free(cgroup);
	snprintf(in_delegated, sizeof(in_delegated),
		 "sh -c 'echo $$ >/sys/fs/cgroup$(cut -d: -f3 /proc/%d/cgroup)/cgroup.procs && "
		 "exec \"$@\"' sh %s",
		 unit_pid, as_user);
	return true;
}

static bool start_delegated(const char *test)
{
	return start_delegated_with(test, "-p Delegate=yes");
}

static void stop_delegated(void)
{
	run(&r, IN_HOST_MOUNTS "systemctl stop %s", unit);
}

/* The containers' cgroups (named by their 64-digit id) below the delegated
 * cgroup: how many, and the last one's path in dir. */
static int container_cgroups(char *dir, size_t size)
{
	DIR *d = opendir(delegated);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (strlen(e->d_name) == 64 && e->d_type == DT_DIR && ++n)
			snprintf(dir, size, "%s/%s", delegated, e->d_name);
	closedir(d);
	return n;
}

/* dir/file holds exactly `expected`. */
static void assert_file(const char *dir, const char *file, const char *expected)
{
	char path[PATH_MAX], *text;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	text = slurp(path);
	ck_assert_msg(text && strcmp(text, expected) == 0, "%s: \"%s\", not \"%s\"", path,
		      text ? text : "(missing)", expected);
	free(text);
}

/* The delegated cgroup as systemd gave it: no cgroup below it, no
 * controller handed down, the sleep back in it. */
static void assert_delegated_as_given(void)
{
	char pid[32];

	run(&r, "find %s -mindepth 1 -type d", delegated);
	ck_assert_msg(r.out[0] == '\0', "cgroups left:\n%s", r.out);
	assert_file(delegated, "cgroup.subtree_control", "");
	snprintf(pid, sizeof(pid), "%d\n", unit_pid);
	assert_file(delegated, "cgroup.procs", pid);
}

static void import_busybox(void)
{
	run_user(&r, STEP8 " image import %s busybox", user_tarball);
	ck_assert_msg(r.code == 0, "import: %s", r.err);
}

/* No sudo: uid 0 inside is the user outside; its subordinate ids follow. */
START_TEST(runs_as_user)
{
	char expected[128];

	run_user(&r, STEP8 " run --net none %s /bin/sh -c 'id -u; cat /proc/self/uid_map'",
		 user_rootfs);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	snprintf(expected, sizeof(expected), "0\n         0 %10lu          1\n", uid);
	ck_assert_msg(strncmp(r.out, expected, strlen(expected)) == 0, "got:\n%s", r.out);
	ck_assert_int_eq(strlen(r.out) - strlen(expected),
			 strlen("         1     200000      65535\n"));
	assert_nothing_left();
}
END_TEST

/* A user without a range in /etc/subuid gets a one-id map: it runs, and
 * says in one line what will not work. setgroups(2) is refused in such a
 * namespace (its setgroups file says "deny"): the supplementary groups stay. */
START_TEST(runs_with_one_id)
{
	static struct run one; /* r is sh_or_fail's */
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "sed -i '/^%s:/d' /etc/subuid /etc/subgid", user);
	sh_or_fail(cmd);
	run_user(&one, STEP8 " run --net none %s /bin/sh -c 'id -u; cat /proc/self/uid_map'",
		 user_rootfs);
	snprintf(cmd, sizeof(cmd),
		 "usermod --add-subuids 200000-265535 --add-subgids 200000-265535 %s", user);
	sh_or_fail(cmd);
	ck_assert_msg(one.code == 0, "exit %d: %s", one.code, one.err);
	ck_assert_contains(one.err, "container: note: no 65535-id range for");
	ck_assert_int_eq(strchr(one.err, '\n') - one.err + 1, (long)strlen(one.err)); /* one line */
	ck_assert_contains(one.out, "0\n         0 ");
	ck_assert_int_eq(strlen(one.out), strlen("0\n         0 1234567890          1\n"));
	assert_nothing_left();
}
END_TEST

/* The image goes to the user's store; layer files are owned by the user's
 * ids on disk and by the image's users inside; writes go through overlay
 * (a change, a deletion: a whiteout) and vanish at exit. */
START_TEST(image_and_overlay_as_user)
{
	char layers[PATH_MAX];

	import_busybox();
	snprintf(layers, sizeof(layers), "%s/.local/share/kobako/layers/sha256", home);
	ck_assert_int_eq(entries(layers), 1);
	run(&r, "stat -c %%u %s/*/bin/busybox", layers);
	ck_assert_uint_eq(strtoul(r.out, NULL, 10), uid); /* image uid 0 = the user */
	run_user(&r,
		 STEP8 " run --net none busybox /bin/sh -c 'stat -c %%U /bin/busybox; echo w >> "
		       "/etc/passwd && rm /bin/ls && ls /bin/ls 2>&1; tail -1 /etc/passwd'");
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(r.out, "root\nls: /bin/ls: No such file or directory\nw\n");
	run(&r, "test -e %s/*/bin/ls && ! grep -q '^w$' %s/*/etc/passwd", layers, layers);
	ck_assert_int_eq(r.code, 0); /* the layer never changes */
	assert_nothing_left();
}
END_TEST

/* --net none: a network namespace with lo alone. */
START_TEST(net_none_as_user)
{
	run_user(&r, STEP8 " run --net none %s ls /sys/class/net", user_rootfs);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(r.out, "lo\n");
	assert_nothing_left();
}
END_TEST

/* Outbound through pasta: the container reaches a server of our namespace
 * through the user's own sockets. (httpd goes to the background once it
 * listens; it is stopped by the pid that ss(8) shows on its port.) */
START_TEST(outbound_through_pasta)
{
	char www[PATH_MAX];

	import_busybox();
	snprintf(www, sizeof(www), "%s/www", home);
	run(&r,
	    "mkdir -p %s && echo hello > %s/index.html && %s/bin/busybox httpd -p " SERVER
	    ":8080 -h %s",
	    www, www, user_rootfs, www);
	ck_assert_msg(r.code == 0, "httpd: %s", r.err);
	run_user(&r, STEP8 " run busybox wget -q -O- http://" SERVER ":8080/");
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(r.out, "hello\n");
	run(&r,
	    "ss -Hltnp 'sport = :8080' | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | xargs -r kill");
	assert_nothing_left();
}
END_TEST

/* -p: pasta listens on the host side and forwards to the container. */
START_TEST(publish_reached_from_host)
{
	struct bg c;

	import_busybox();
	start_until_up(&c, "up\n",
		       "%s " STEP8 " run -i -p 127.0.0.1:18088:80 busybox /bin/sh -c 'echo hi > "
		       "/www; httpd -p 80 -h / && echo up && read x || true'",
		       as_user);
	run(&r, "%s/bin/busybox wget -q -O- http://127.0.0.1:18088/www", user_rootfs);
	ck_assert_msg(r.code == 0, "wget: %s", r.err);
	ck_assert_str_eq(r.out, "hi\n");
	ck_assert_int_eq(stop_bg(&c), 0);
	assert_nothing_left();
}
END_TEST

/* What the container's root writes on a volume: root's in step07, the
 * user's in step08, and with --userns remap (root) the range's first id. */
START_TEST(volume_file_not_owned_by_host_root)
{
	run(&r, STEP7 " run --net none -v %s:/v %s touch /v/by-step07 && stat -c %%u %s/by-step07",
	    volume, user_rootfs, volume);
	ck_assert_str_eq(r.out, "0\n");
	run_user(&r, STEP8 " run --net none -v %s:/v %s touch /v/by-user", volume, user_rootfs);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	run(&r, "stat -c %%u %s/by-user", volume);
	ck_assert_uint_eq(strtoul(r.out, NULL, 10), uid);
	run(&r,
	    STEP8 " run --userns remap --net none -v %s:/v %s /bin/sh -c 'id -u; touch /v/remap'",
	    volume, user_rootfs);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(r.out, "0\n");
	run(&r, "stat -c %%u %s/remap", volume);
	ck_assert_uint_eq(strtoul(r.out, NULL, 10), REMAP_BASE);
	assert_nothing_left();
}
END_TEST

/* --userns remap: the image's files are root's inside (idmapped layers),
 * and root inside can change them; root's store is untouched. */
START_TEST(remap_layers_idmapped)
{
	run(&r,
	    STEP8 " run --userns remap --net none %s /bin/sh -c 'stat -c %%U /etc/passwd; "
		  "echo w >> /etc/passwd && tail -1 /etc/passwd'",
	    user_rootfs);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(r.out, "root\nw\n");
	run(&r, "grep -c '^w$' %s/etc/passwd", user_rootfs);
	ck_assert_str_eq(r.out, "0\n");
}
END_TEST

/* The escapes of step06/07 stay shut: no capability over the host. */
START_TEST(host_stays_out_of_reach)
{
	run_user(&r,
		 STEP8 " run --net none --privileged %s /bin/sh -c 'cat /proc/1/environ "
		       ">/dev/null; echo x > /proc/sys/kernel/core_pattern; mknod /tmp/sda b 8 0'",
		 user_rootfs);
	ck_assert_int_ne(r.code, 0); /* even --privileged: root of the user's namespace only */
	ck_assert_contains(r.err, "core_pattern");
	assert_nothing_left();
}
END_TEST

/* The compiled seccomp filter is kept in the user's own cache directory
 * beside the run dir (that one is a tmpfs of the supervisor's namespace),
 * the user's and nobody else's; the second start loads it and refuses the
 * same. */
START_TEST(seccomp_cache_as_user)
{
	char cache[PATH_MAX], file[PATH_MAX];
	struct stat dir, first, second;

	snprintf(cache, sizeof(cache), "%s/kobako-seccomp", run_dir);
	run(&r, "rm -rf %s", cache);
	for (int warm = 0; warm < 2; warm++) {
		run_user(&r, STEP8 " run --net none %s probe unshare user", user_rootfs);
		ck_assert_str_eq(r.out, "unshare: EPERM (Operation not permitted)\n");
		ck_assert_int_eq(entries(cache), 1);
		run(&r, "ls %s/*.bpf", cache);
		ck_assert_int_eq(sscanf(r.out, "%4095s", file), 1);
		ck_assert_int_eq(stat(file, warm ? &second : &first), 0);
	}
	ck_assert_uint_eq(second.st_ino, first.st_ino); /* read, not written again */
	ck_assert_int_eq(stat(cache, &dir), 0);
	ck_assert_uint_eq(dir.st_uid, uid);
	ck_assert_uint_eq(dir.st_mode & 07777, 0700);
	ck_assert_uint_eq(first.st_uid, uid);
	ck_assert_uint_eq(first.st_mode & 07777, 0600);
	assert_nothing_left();
}
END_TEST

/* In a delegated cgroup the limits hold: the container's cgroup is made
 * below it, next to the leaf that now holds the delegated cgroup's own
 * processes (the sleep, our supervisor), with the limits in the kernel's
 * files; at exit it is all undone. */
START_TEST(cgroup_limits_delegated)
{
	char dir[PATH_MAX], leaf[PATH_MAX], *procs;
	struct bg c;

	if (!start_delegated("cgroup_limits_delegated"))
		return;
	start_until_up(&c, "up\n",
		       "%s " STEP8 " run --net none --memory 32m --pids-limit 10 --cpus 0.5 %s "
		       "/bin/sh -c 'echo up; cat /sys/fs/cgroup/memory.max; read x || true'",
		       in_delegated, user_rootfs);
	ck_assert_int_eq(container_cgroups(dir, sizeof(dir)), 1);
	assert_file(dir, "memory.max", "33554432\n");
	assert_file(dir, "pids.max", "10\n");
	assert_file(dir, "cpu.max", "50000 100000\n");
	assert_file(delegated, "cgroup.subtree_control", "cpu memory pids\n");
	snprintf(leaf, sizeof(leaf), "%s/kobako-leaf/cgroup.procs", delegated);
	procs = slurp(leaf);
	ck_assert_msg(procs && atoi(procs) > 0, "%s: %s", leaf, procs ? procs : "(missing)");
	snprintf(leaf, sizeof(leaf), "%d\n", (int)c.pid);
	ck_assert_contains(procs, leaf); /* the supervisor */
	free(procs);
	ck_assert_str_eq(next_line(&c), "33554432\n"); /* what the container sees */
	ck_assert_int_eq(stop_bg(&c), 0);
	assert_delegated_as_given();
	stop_delegated();
	assert_nothing_left();
}
END_TEST

/* A fork bomb stops at --pids-limit: fork(2) fails with EAGAIN beyond it
 * (ash leaves a loop whose fork failed: the bomb is in a subshell). The
 * shell's builtins read the counters, as they need no fork. */
START_TEST(pids_limit_stops_fork_bomb)
{
	if (!start_delegated("pids_limit_stops_fork_bomb"))
		return;
	run_delegated(&r,
		      STEP8 " run --net none --pids-limit 10 --stats %s /bin/sh -c '(i=0; while "
			    "[ $i -lt 30 ]; do sleep 30 & i=$((i+1)); done) 2>/dev/null; read n "
			    "</sys/fs/cgroup/pids.current; echo current $n; while read k v; do "
			    "echo $k $v; done </sys/fs/cgroup/pids.events'",
		      user_rootfs);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_msg(strtol(strstr(r.out, "current ") + 8, NULL, 10) <= 10, "%s", r.out);
	ck_assert_msg(strstr(r.out, "max ") && strtol(strstr(r.out, "max ") + 4, NULL, 10) > 0,
		      "no fork refused: %s", r.out);
	ck_assert_contains(r.err, "peak pids 10\n"); /* the supervisor read pids.peak */
	assert_delegated_as_given();
	stop_delegated();
	assert_nothing_left();
}
END_TEST

/* systemd may delegate some controllers and not others: here pids alone
 * (the unit in a slice of its own, without memory accounting, so that
 * nothing above offers memory; no '-' in the slice's name, which would nest
 * it in slices of each prefix). --pids-limit runs, without the memory the
 * OOM report would like; --memory is refused in one line. The unit and its
 * slice are stopped before the checks, so that a failure leaves nothing. */
START_TEST(pids_only_delegation)
{
	static struct run limit, refused; /* large: not on the stack */
	char props[256], controllers[PATH_MAX];

	snprintf(slice, sizeof(slice), "kbt8pids%d.slice", (int)getpid());
	snprintf(props, sizeof(props), "-p Slice=%s -p MemoryAccounting=no -p Delegate=pids",
		 slice);
	if (!start_delegated_with("pids_only_delegation", props))
		return;
	snprintf(controllers, sizeof(controllers), "%s/cgroup.controllers", delegated);
	char *offered = slurp(controllers);
	run_delegated(&limit,
		      STEP8 " run --net none --pids-limit 10 --stats %s cat "
			    "/sys/fs/cgroup/pids.max",
		      user_rootfs);
	run_delegated(&refused, STEP8 " run --net none --memory 32m %s true", user_rootfs);
	run(&r, "find %s -mindepth 1 -type d", delegated);
	stop_delegated();
	run(&r, IN_HOST_MOUNTS "systemctl stop %s", slice);
	ck_assert_msg(offered && strcmp(offered, "pids\n") == 0, "%s: %s", controllers, offered);
	free(offered);
	ck_assert_msg(limit.code == 0, "exit %d: %s", limit.code, limit.err);
	ck_assert_str_eq(limit.out, "10\n");
	ck_assert_contains(limit.err, "peak memory n/a,");
	ck_assert_int_eq(refused.code, 125);
	ck_assert_contains(refused.err, "systemd did not delegate the memory controller");
	ck_assert_msg(r.out[0] == '\0', "cgroups left:\n%s", r.out);
	assert_nothing_left();
}
END_TEST

/* A SIGKILLed supervisor cannot undo what it arranged: its container's
 * cgroup, the leaf and the controllers stay (its container dies with it).
 * The next run in the same delegated cgroup takes them back (the store's
 * directory goes at the next garbage collection, as below). */
START_TEST(killed_supervisor_cgroup_taken_back)
{
	char dir[PATH_MAX];
	struct bg c;

	if (!start_delegated("killed_supervisor_cgroup_taken_back"))
		return;
	import_busybox();
	start_until_up(&c, "up\n",
		       "%s " STEP8 " run --net none --memory 32m busybox /bin/sh -c 'echo up; exec "
		       "sleep 1000'",
		       in_delegated);
	ck_assert_int_eq(kill(c.pid, SIGKILL), 0);
	ck_assert_int_eq(stop_bg(&c), 128 + SIGKILL);
	ck_assert_int_eq(container_cgroups(dir, sizeof(dir)), 1); /* left behind */
	run_delegated(&r, STEP8 " run --net none --memory 16m %s true", user_rootfs);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_contains(r.err, "took back the cgroup of container");
	assert_delegated_as_given();
	stop_delegated();
	run_user(&r, STEP8 " image rm busybox");
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	assert_nothing_left();
}
END_TEST

/* The route a reader takes: the user's own systemd (user@UID.service, which
 * delegates pids, memory and cpu on Debian 12) makes a scope with
 * Delegate=yes around the run. Lingering starts that manager without a
 * login; systemd-run --user reaches it at $XDG_RUNTIME_DIR/systemd/private
 * (no D-Bus session bus: the guest has no dbus-user-session). That
 * /run/user/UID is in PID 1's mount namespace (a bind mount cannot cross
 * namespaces): the user's command runs there, in our network namespace.
 * The shell in the scope says what is left there once the container is gone. */
START_TEST(cgroup_limits_user_scope)
{
	char expected[256];
	struct run s;

	if (!systemd_v2("cgroup_limits_user_scope"))
		return;
	/* one command, so that the teardown below follows a failed setup too;
	 * systemctl start waits for the manager logind starts; the user starts
	 * step08 from the repository's directory, by a relative path (it may
	 * not search the repository's parents: a 0700 home) */
	run(&s,
	    IN_HOST_MOUNTS "loginctl enable-linger %s && " IN_HOST_MOUNTS
			   "systemctl start user@%lu.service && " IN_HOST_MOUNTS
			   "--wd=%s setpriv --reuid=%s --regid=%s --init-groups env -i HOME=%s "
			   "XDG_RUNTIME_DIR=/run/user/%lu PATH=/usr/bin:/bin systemd-run --user "
			   "--scope --quiet -p Delegate=yes sh -c '" STEP8 " run --net none "
			   "--memory 32m --pids-limit 10 %s sh -c \"cat /sys/fs/cgroup/memory.max "
			   "/sys/fs/cgroup/pids.max\"; echo exit $?; "
			   "d=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup); echo $d; "
			   "echo cgroups $(find $d -mindepth 1 -type d | wc -l) "
			   "controllers $(cat $d/cgroup.subtree_control)'",
	    user, uid, top(), user, user, home, uid, user_rootfs);
	/* undone before any assertion: the user's manager and processes end */
	run(&r,
	    IN_HOST_MOUNTS "loginctl disable-linger %s; " IN_HOST_MOUNTS
			   "systemctl stop user@%lu.service user-runtime-dir@%lu.service",
	    user, uid, uid);
	ck_assert_msg(s.code == 0, "exit %d: %s%s", s.code, s.out, s.err);
	snprintf(expected, sizeof(expected),
		 "33554432\n10\nexit 0\n/sys/fs/cgroup/user.slice/user-%lu.slice/user@%lu.service/",
		 uid, uid);
	ck_assert_msg(strncmp(s.out, expected, strlen(expected)) == 0, "not \"%s...\":\n%s",
		      expected, s.out);
	ck_assert_contains(s.out, ".scope\ncgroups 0 controllers\n"); /* nothing of kobako's */
	*strstr(s.out, "\ncgroups") = '\0';
	ck_assert_int_eq(access(strrchr(s.out, '\n') + 1, F_OK), -1); /* systemd removed it */
	assert_nothing_left();
}
END_TEST

/* Without a delegated cgroup, limits are refused with one line that says
 * why (cgroup v1 here, on this hybrid machine; in the v2 guest the test's
 * own cgroup, root's) and how to get one. */
START_TEST(cgroup_limits_refused)
{
	struct statfs fs;

	run_user(&r, STEP8 " run --net none --memory 32m %s true", user_rootfs);
	ck_assert_int_eq(r.code, 125);
	ck_assert_int_eq(statfs("/sys/fs/cgroup", &fs), 0);
	ck_assert_contains(r.err, fs.f_type == CGROUP2_MAGIC
				      ? "and your cgroup is not (its cgroup.procs is not yours)"
				      : "controllers are on cgroup v1");
	ck_assert_contains(r.err, "systemd-run --user --scope -p Delegate=yes");
	ck_assert_ptr_null(strchr(strchr(r.err, '\n') + 1, '\n')); /* one line */
	assert_nothing_left();
}
END_TEST

/* In a user namespace of the test's own (every id mapped to itself), run
 * cmd through sh as its root after writing 0 to its max_user_namespaces:
 * that limit is the namespace's own (user_namespaces(7)), the host's stays.
 * Output in the files out and err; returns the exit code. */
static int run_where_userns_disabled(const char *cmd, const char *out, const char *err)
{
	int ready[2], go[2], status;
	char c, path[64];
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(go), 0);
	if ((pid = fork()) == 0) {
		if (unshare(CLONE_NEWUSER) < 0 || write(ready[1], "r", 1) != 1 ||
		    read(go[0], &c, 1) != 1) /* until the parent wrote our maps */
			_exit(120);
		FILE *f = fopen(MAX_USERNS, "w");
		if (!f || fputs("0", f) < 0 || fclose(f) != 0 || !freopen(out, "w", stdout) ||
		    !freopen(err, "w", stderr))
			_exit(121);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(122);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	run(&r, "echo '0 0 4294967295' >%s && echo '0 0 4294967295' >/proc/%d/gid_map", path,
	    (int)pid);
	ck_assert_msg(r.code == 0, "maps: %s", r.err);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	for (int i = 0; i < 2; i++)
		close(ready[i]), close(go[i]);
	return WEXITSTATUS(status);
}

/* user.max_user_namespaces 0: one line that says what to do, and nothing
 * else happens. The host's own value is read before and after: untouched. */
START_TEST(user_namespaces_disabled_said)
{
	char cmd[1024], out[128], err[128], *before = slurp(MAX_USERNS), *after, *said;
	int code;

	snprintf(out, sizeof(out), "/tmp/%s-out", user);
	snprintf(err, sizeof(err), "/tmp/%s-err", user);
	/* relative to the repository (our working directory): a user may not
	 * search its parents (a 0700 home) */
	snprintf(cmd, sizeof(cmd), "exec %s " STEP8 " run --net none %s true", as_user,
		 user_rootfs);
	code = run_where_userns_disabled(cmd, out, err);
	after = slurp(MAX_USERNS);
	said = slurp(err);
	unlink(out);
	unlink(err);
	ck_assert_ptr_nonnull(before);
	ck_assert_str_eq(after, before);
	ck_assert_str_ne(before, "0\n");
	ck_assert_int_eq(code, 125);
	ck_assert_msg(said && strstr(said, "user namespaces are disabled (" MAX_USERNS " is 0)") &&
			  strstr(said, "sysctl -w user.max_user_namespaces="),
		      "said: %s", said ? said : "(nothing)");
	ck_assert_int_eq(strchr(said, '\n') - said + 1, (long)strlen(said)); /* one line */
	free(before), free(after), free(said);
	assert_nothing_left();
}
END_TEST

/* A SIGKILLed supervisor: its container and pasta die with it (they are
 * killed with their parent), its run dir was a tmpfs of its own; the
 * container's directory in the store (its record there held by nobody now)
 * goes with the next run. */
START_TEST(killed_supervisor_leaves_nothing)
{
	char containers[PATH_MAX];
	struct bg c;

	import_busybox();
	start_until_up(&c, "up\n", "%s " STEP8 " run busybox /bin/sh -c 'echo up; exec sleep 1000'",
		       as_user);
	ck_assert_int_eq(kill(c.pid, SIGKILL), 0);
	ck_assert_int_eq(stop_bg(&c), 128 + SIGKILL);
	snprintf(containers, sizeof(containers), "%s/.local/share/kobako/containers", home);
	ck_assert_int_eq(entries(containers), 1);
	run_user(&r, STEP8 " run --net none busybox true");
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_contains(r.err, "took back what container");
	ck_assert_int_eq(entries(containers), 0);
	run_user(&r, STEP8 " image rm busybox");
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	assert_nothing_left();
}
END_TEST

/*** distribution switches this kernel lacks, shown in a mount namespace of ours ***/

#define SYSCTL_KERNEL "/proc/sys/kernel"
#define APPARMOR_SWITCH "apparmor_restrict_unprivileged_userns" /* Ubuntu 23.10+ */
#define DEBIAN_SWITCH "unprivileged_userns_clone" /* older Debian kernels */
#define APPARMOR_PROFILE "/etc/apparmor.d/kobako-step08"
#define PROFILE_LABEL "kobako-step08 (unconfined)" /* the label under our profile */

/* Run `step08 run --net none ROOTFS CMD` as the user where SYSCTL_KERNEL/name
 * reads value, and (label not NULL) /proc/self/attr/apparmor/current reads
 * label: in a mount namespace of its own (unshare(1)), a tmpfs covers
 * SYSCTL_KERNEL, holding copies of the real files (setpriv, newuidmap and
 * kobako read some: cap_last_cap, overflowuid, ...; cp reads them from the
 * covered directory, its cwd) and the switch; another covers the shell's own
 * /proc/PID/attr, which stays the program's (exec keeps the pid). Covered,
 * /proc is no longer "fully visible", and the kernel would refuse the
 * container's proc mount in its user namespace (EPERM: mount_namespaces(7));
 * a second proc, uncovered, on /mnt keeps one visible. No sysctl is written;
 * the mounts die with the namespace. */
static void run_with_switch(struct run *out, const char *name, const char *value, const char *label,
			    const char *cmd)
{
	char attr[256] = "";

	if (label)
		snprintf(
		    attr, sizeof(attr),
		    "mount -t tmpfs -o mode=755 kbt8-attr /proc/$$/attr && mkdir "
		    "/proc/$$/attr/apparmor && echo \"%s\" >/proc/$$/attr/apparmor/current && ",
		    label);
	run(out,
	    "unshare --mount --propagation private sh -c 'mount -t proc kbt8-proc /mnt && "
	    "cd " SYSCTL_KERNEL " && mount -t tmpfs "
	    "-o mode=755 kbt8-sysctl " SYSCTL_KERNEL " && { cp -r . " SYSCTL_KERNEL
	    "/ 2>/dev/null; echo %s >" SYSCTL_KERNEL "/%s; } && cd %s && %s exec %s " STEP8
	    " run --net none %s %s'",
	    value, name, top(), attr, as_user, user_rootfs, cmd);
}

/* What this namespace reads for a switch: its text, or NULL if this kernel
 * has none (Debian's 6.1 has unprivileged_userns_clone, this one not). */
static char *switch_value(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), SYSCTL_KERNEL "/%s", name);
	return slurp(path);
}

/* The faked switch was the child namespace's alone: here it reads as
 * before (or is still missing). Frees before. */
static void assert_switch_as_before(const char *name, char *before)
{
	char *now = switch_value(name);

	ck_assert_msg(before ? now && strcmp(now, before) == 0 : !now,
		      SYSCTL_KERNEL "/%s: %s before, %s now", name, before ? before : "none",
		      now ? now : "none");
	free(before);
	free(now);
}

/* Ubuntu's AppArmor restriction, for a program without a profile (no
 * AppArmor here; "unconfined" there): a note first, one line, naming the
 * profile and what to run; the run goes on (this kernel does not restrict). */
START_TEST(apparmor_restriction_noted)
{
	const char *labels[] = {NULL, "unconfined"};
	char *before = switch_value(APPARMOR_SWITCH);

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		run_with_switch(&r, APPARMOR_SWITCH, "1", labels[i], "/bin/sh -c \"id -u\"");
		ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
		ck_assert_str_eq(r.out, "0\n");
		ck_assert_contains(r.err, "container: note: Ubuntu's AppArmor");
		ck_assert_contains(r.err, "(" SYSCTL_KERNEL "/" APPARMOR_SWITCH " is 1)");
		ck_assert_contains(
		    r.err, "sudo make install, which puts its profile in " APPARMOR_PROFILE);
		ck_assert_contains(r.err, "sudo apparmor_parser -r " APPARMOR_PROFILE);
		ck_assert_int_eq(strchr(r.err, '\n') - r.err + 1,
				 (long)strlen(r.err)); /* one line */
		assert_nothing_left();
	}
	assert_switch_as_before(APPARMOR_SWITCH, before);
}
END_TEST

/* Under its profile (the kernel says so in the label), no note: the
 * profile's `userns` rule lifts the restriction. */
START_TEST(apparmor_profile_no_note)
{
	char *before = switch_value(APPARMOR_SWITCH);

	run_with_switch(&r, APPARMOR_SWITCH, "1", PROFILE_LABEL, "/bin/sh -c \"id -u\"");
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(r.out, "0\n");
	ck_assert_str_eq(r.err, "");
	assert_nothing_left();
	assert_switch_as_before(APPARMOR_SWITCH, before);
}
END_TEST

/* kernel.unprivileged_userns_clone 0 (Debian's switch before 5.x kernels
 * dropped it): exit 125, one line with the sysctl to ask for, and nothing
 * made, not even the user's directories; 1 (its default) changes nothing. */
START_TEST(debian_userns_clone_off_said)
{
	char dirs[PATH_MAX], *before = switch_value(DEBIAN_SWITCH);

	snprintf(dirs, sizeof(dirs), "rm -rf %s/.local %s/kobako", home, run_dir);
	sh_or_fail(dirs);
	run_with_switch(&r, DEBIAN_SWITCH, "0", NULL, "true");
	assert_failed_cleanly(&r, "unprivileged user namespaces are off (" SYSCTL_KERNEL
				  "/" DEBIAN_SWITCH " is 0): ask root for sysctl -w "
				  "kernel.unprivileged_userns_clone=1");
	snprintf(dirs, sizeof(dirs), "%s/.local", home);
	ck_assert_int_eq(entries(dirs), -1);
	snprintf(dirs, sizeof(dirs), "%s/kobako", run_dir);
	ck_assert_int_eq(entries(dirs), -1);
	assert_nothing_left();
	run_with_switch(&r, DEBIAN_SWITCH, "1", NULL, "true");
	ck_assert_msg(r.code == 0 && r.err[0] == '\0', "exit %d: %s", r.code, r.err);
	assert_nothing_left();
	assert_switch_as_before(DEBIAN_SWITCH, before);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("step08_rootless");
	TCase *tc = tcase_create("step08");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, make_user, remove_user);
	tcase_add_test(tc, runs_as_user);
	tcase_add_test(tc, runs_with_one_id);
	tcase_add_test(tc, image_and_overlay_as_user);
	tcase_add_test(tc, net_none_as_user);
	tcase_add_test(tc, outbound_through_pasta);
	tcase_add_test(tc, publish_reached_from_host);
	tcase_add_test(tc, volume_file_not_owned_by_host_root);
	tcase_add_test(tc, remap_layers_idmapped);
	tcase_add_test(tc, host_stays_out_of_reach);
	tcase_add_test(tc, seccomp_cache_as_user);
	tcase_add_test(tc, cgroup_limits_refused);
	tcase_add_test(tc, cgroup_limits_delegated);
	tcase_add_test(tc, pids_limit_stops_fork_bomb);
	tcase_add_test(tc, pids_only_delegation);
	tcase_add_test(tc, killed_supervisor_cgroup_taken_back);
	tcase_add_test(tc, cgroup_limits_user_scope);
	tcase_add_test(tc, user_namespaces_disabled_said);
	tcase_add_test(tc, killed_supervisor_leaves_nothing);
	tcase_add_test(tc, apparmor_restriction_noted);
	tcase_add_test(tc, apparmor_profile_no_note);
	tcase_add_test(tc, debian_userns_clone_off_said);
	suite_add_tcase(s, tc);
	return run_integration_suite(s);
}
