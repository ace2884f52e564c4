/* harness.c - running commands and isolating integration tests. */
#include "harness.h"

#include <bsd/string.h>

#include "common/file.h"
#include "common/path.h"
#include "step05_cgroups/cgroupfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char top_dir[PATH_MAX];

static void find_top_dir(void);

const char *top(void)
{
	if (!top_dir[0])
		find_top_dir();
	return top_dir;
}

static void read_back(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

void run(struct run *r, const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int status, out = memfd_create("out", MFD_CLOEXEC), err = memfd_create("err", MFD_CLOEXEC);

	va_start(ap, fmt);
	int len = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_msg(len < (int)sizeof(cmd), "command too long (%d bytes)", len);
	ck_assert_msg(out >= 0 && err >= 0, "memfd_create: %s", strerror(errno));
	pid_t pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(out, 1);
		dup2(err, 2);
		if (chdir(top()) < 0)
			_exit(99);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(98);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	r->code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	read_back(out, r->out, sizeof(r->out));
	read_back(err, r->err, sizeof(r->err));
}

void assert_failed_cleanly(const struct run *r, const char *message)
{
	ck_assert_msg(r->code == 125, "exit %d, stderr: %s", r->code, r->err);
	ck_assert_contains(r->err, message);
	ck_assert_msg(strchr(r->err, '\n') == r->err + strlen(r->err) - 1, "not one line: %s",
		      r->err);
	ck_assert_msg(r->out[0] == '\0', "stdout: %s", r->out);
}

const char *rootfs(void)
{
	static char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/build/rootfs/busybox", top());
	return path;
}

char ready_fifo[PATH_MAX + 64], go_fifo[PATH_MAX + 64];

void make_fifos(void)
{
	snprintf(ready_fifo, sizeof(ready_fifo), "%s/tmp/ready-%d", rootfs(), getpid());
	snprintf(go_fifo, sizeof(go_fifo), "%s/tmp/go-%d", rootfs(), getpid());
	remove_fifos();
	ck_assert_int_eq(mkfifo(ready_fifo, 0600), 0);
	ck_assert_int_eq(mkfifo(go_fifo, 0600), 0);
}

void remove_fifos(void)
{
	unlink(ready_fifo);
	unlink(go_fifo);
}

char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	if (getdelim(&text, &size, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	return text;
}

char *mount_snapshot(void)
{
	char *text = NULL, *line = NULL;
	size_t size = 0, cap = 0;
	FILE *mi = fopen("/proc/self/mountinfo", "re"), *snap = open_memstream(&text, &size);

	ck_assert(mi && snap);
	/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 ..." : drop the
	 * first two fields (mount ids), keep where and what is mounted. */
	while (getline(&line, &cap, mi) > 0) {
		char *rest = strchr(line, ' ');
		rest = rest ? strchr(rest + 1, ' ') : NULL;
		fputs(rest ? rest + 1 : line, snap);
	}
	free(line);
	fclose(mi);
	fclose(snap);
	return text;
}

static void find_top_dir(void)
{
	/* Test binaries live in build/tests/ or build/sanitize/tests/; the
	 * repository top is the directory that holds the Makefile above them. */
	if (!realpath("/proc/self/exe", top_dir))
		abort();
	while (strlen(top_dir) > 1) {
		char probe[PATH_MAX + 16];
		*strrchr(top_dir, '/') = '\0';
		snprintf(probe, sizeof(probe), "%s/Makefile", top_dir);
		if (access(probe, F_OK) == 0)
			return;
	}
	fprintf(stderr, "harness: no Makefile above %s\n", program_invocation_name);
	exit(1);
}

static void bring_loopback_up(void)
{
	struct ifreq ifr = {.ifr_name = "lo"};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		perror("harness: lo"), exit(1);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		perror("harness: lo up"), exit(1);
	close(fd);
}

/* Containers started by the tests put their cgroups below ours, never at a
 * hierarchy's root: KOBAKO_CGROUP_PARENT. On v1 the relative TEST_CGROUP_PARENT
 * does it (the supervisor, our child, resolves it from its cgroup: ours).
 * On v2 the no-internal-processes rule forbids handing controllers down from
 * a cgroup that holds processes, and the supervisor's own cgroup always holds
 * the supervisor. So we step into a leaf, OWN/harness, and give the
 * containers the absolute OWN/kobako-test-PID. OWN must hold no other process:
 * on systemd machines `make check` runs each test in a scope of its own. */
static char v2_leaf[PATH_MAX]; /* OWN/harness on disk, once we moved there */

const char *test_cgroup_parent(void)
{
	static char name[32];

	if (!name[0])
		snprintf(name, sizeof(name), "kobako-test-%d", getpid());
	return name;
}

static void choose_cgroup_parent(void)
{
	static char parent[PATH_MAX + 32];
	struct cgroup_layout layout;

	setenv("KOBAKO_CGROUP_PARENT", TEST_CGROUP_PARENT, 1);
	if (cgroup_detect(&layout) < 0 || layout.version != CGROUP_V2)
		return;
	struct hierarchy *h = &layout.h[0];
	if (strcmp(h->own, "/") != 0) { /* the root cgroup is exempt from the rule */
		if (cgroup_resolve(h, h->own, "harness") < 0 ||
		    (mkdir(h->dir, 0755) < 0 && errno != EEXIST) ||
		    cgroup_write(h->dir, "cgroup.procs", "0") < 0)
			perror("harness: move into a leaf cgroup"), exit(1);
		strlcpy(v2_leaf, h->dir, sizeof(v2_leaf));
	}
	snprintf(parent, sizeof(parent), "%s/%s", strcmp(h->own, "/") ? h->own : "",
		 TEST_CGROUP_PARENT);
	setenv("KOBAKO_CGROUP_PARENT", parent, 1);
}

/* rmdir KOBAKO_CGROUP_PARENT in every hierarchy: the containers' cgroups in
 * it are gone by now (each test checks that). On v2 also take back the
 * controllers handed down from OWN, move back into OWN and remove the leaf. */
static void remove_test_cgroups(void)
{
	struct cgroup_layout layout;
	char own[PATH_MAX], path[PATH_MAX], controllers[256];

	if (cgroup_detect(&layout) < 0)
		return; /* no cgroups mounted: nothing was made */
	for (size_t i = 0; i < layout.n; i++)
		if (cgroup_resolve(&layout.h[i], getenv("KOBAKO_CGROUP_PARENT"), "x") == 0) {
			*strrchr(layout.h[i].dir, '/') = '\0'; /* PARENT/x -> PARENT */
			if (rmdir(layout.h[i].dir) < 0 && errno != ENOENT)
				perror("harness: rmdir the test cgroup parent");
		}
	if (!v2_leaf[0])
		return;
	strlcpy(own, v2_leaf, sizeof(own));
	*strrchr(own, '/') = '\0';
	path_join(path, sizeof(path), own, "cgroup.subtree_control");
	if (read_file(path, controllers, sizeof(controllers)) > 0)
		for (char *c = strtok(controllers, " "); c; c = strtok(NULL, " "))
			cgroup_write(own, "cgroup.subtree_control", "-%s", c);
	if (cgroup_write(own, "cgroup.procs", "0") < 0 || rmdir(v2_leaf) < 0)
		perror("harness: leave the leaf cgroup");
}

/* A private copy of the mount table and a network with only `lo`: whatever
 * a test mounts or creates dies with this process, never touching the host. */
static void enter_test_namespaces(void)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0)
		perror("harness: unshare"), exit(1);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		perror("harness: make / private"), exit(1);
	/* kobako keeps run-time state (address leases, locks) under /run/kobako:
	 * give the tests an empty /run of their own. */
	if (mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") < 0)
		perror("harness: tmpfs on /run"), exit(1);
	/* ... and an image store there, not in the machine's /var/lib/kobako */
	setenv("KOBAKO_ROOT", "/run/kobako-store", 1);
	choose_cgroup_parent();
	bring_loopback_up();
}

static int run_suite(Suite *suite)
{
	SRunner *runner = srunner_create(suite);
	int failed;

	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int run_unit_suite(Suite *suite)
{
	return run_suite(suite);
}

int run_integration_suite(Suite *suite)
{
	if (chdir(top()) < 0)
		perror("harness: chdir"), exit(1);
	if (geteuid() != 0) {
		printf("SKIPPED: %s needs root: it runs the real step binaries, which "
		       "create namespaces and mounts (run: sudo make check)\n",
		       program_invocation_short_name);
		return EXIT_SUCCESS;
	}
	if (access(rootfs(), F_OK) < 0) {
		fprintf(stderr, "%s: no %s (run: make rootfs)\n", program_invocation_short_name,
			rootfs());
		return EXIT_FAILURE;
	}
	enter_test_namespaces();
	int status = run_suite(suite);
	remove_test_cgroups();
	return status;
}

void run_expect_125(struct run *r, const char *message, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_int_lt(n, sizeof(cmd));
	char *before = mount_snapshot();
	run(r, "%s", cmd);
	assert_failed_cleanly(r, message);
	char *after = mount_snapshot();
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}

static void vstart_bg(struct bg *b, const char *fmt, va_list ap)
{
	char cmd[4096] = "exec ";
	int in[2], out[2];

	int n = vsnprintf(cmd + 5, sizeof(cmd) - 5, fmt, ap);
	ck_assert_int_lt(n, sizeof(cmd) - 5);
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	b->pid = fork(); /* "exec": b->pid is the command itself */
	ck_assert_int_ge(b->pid, 0);
	if (b->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (chdir(top()) < 0)
			_exit(99);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(98);
	}
	close(in[0]);
	close(out[1]);
	b->in = in[1];
	b->out = out[0];
}

void start_bg(struct bg *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vstart_bg(b, fmt, ap);
	va_end(ap);
}

void start_until_up(struct bg *b, const char *up, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vstart_bg(b, fmt, ap);
	va_end(ap);
	ck_assert_str_eq(next_line(b), up);
}

const char *next_line(struct bg *b)
{
	size_t n = 0;

	while (n < sizeof(b->line) - 1 && read(b->out, &b->line[n], 1) == 1)
		if (b->line[n++] == '\n')
			break;
	b->line[n] = '\0';
	return b->line;
}

int stop_bg(struct bg *b)
{
	int status;

	close(b->in);
	while (next_line(b)[0])
		;
	close(b->out);
	ck_assert_int_eq(waitpid(b->pid, &status, 0), b->pid);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
