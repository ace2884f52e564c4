/* harness.h - what the Check tests share: run a command and capture it,
 * isolate integration tests from the machine, find the built rootfs. */
#pragma once

#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define OUTPUT_MAX 65536 /* bytes of stdout/stderr kept per command */
/* Containers started by integration tests get their cgroups below this,
 * relative to the test's own cgroup (never at a hierarchy's root). */
#define TEST_CGROUP_PARENT test_cgroup_parent()
/* "kobako-test-PID": one of its own for each test binary, so that two test
 * runs on one machine (in one cgroup) never see each other's containers. */
const char *test_cgroup_parent(void);

struct run {
	int code; /* exit code as a shell shows it (128+N if killed) */
	char out[OUTPUT_MAX]; /* stdout, NUL-terminated */
	char err[OUTPUT_MAX]; /* stderr, NUL-terminated */
};

/* Run a /bin/sh -c command line (printf-style), wait, capture both outputs.
 * The command runs in the repository's top directory. */
void run(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A container says "I am up" through ROOTFS/tmp/ready-PID and waits on
 * ROOTFS/tmp/go-PID for "go on" (PID: the test's), so neither side sleeps.
 * make_fifos/remove_fifos as a checked fixture. */
extern char ready_fifo[PATH_MAX + 64], go_fifo[PATH_MAX + 64];
void make_fifos(void);
void remove_fifos(void);

/* The repository's top directory (where the Makefile is). */
const char *top(void);

/* Absolute path of the default rootfs (build/rootfs/busybox). */
const char *rootfs(void);

/* The mount table as this process sees it, without the per-mount ids that
 * change on every mount, so that two snapshots compare equal when nothing was
 * left behind. Returns a malloc'd string. */
char *mount_snapshot(void);

/* Read a whole (small) file into a malloc'd string; NULL if missing. */
char *slurp(const char *path);

/* The failure kobako promises for bad input: exit 125, and on stderr exactly
 * one line that contains message (what failed, the value, the reason). */
void assert_failed_cleanly(const struct run *r, const char *message);

/* Run the printf-style shell command: it must fail cleanly
 * (assert_failed_cleanly) and leave the mount table as it was. */
void run_expect_125(struct run *r, const char *message, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A command in the background (sh -c "exec COMMAND", so pid is the command
 * itself): its stdin and stdout are pipes to us. */
struct bg {
	pid_t pid;
	int in, out;
	char line[512]; /* the last line it printed */
};
/* Start the printf-style command in the background. */
void start_bg(struct bg *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Start it and wait until it says it is up: its first line must be `up`
 * ("ready\n"). No sleep: the container prints the line once it is ready. */
void start_until_up(struct bg *b, const char *up, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Its next line ("" at EOF). */
const char *next_line(struct bg *b);
/* Close its stdin (a `read` in there returns), read to EOF, wait: its exit
 * code as a shell shows it (128+N for signal N). */
int stop_bg(struct bg *b);

/* True if haystack contains needle; prints both on failure via ck_assert. */
#define ck_assert_contains(haystack, needle)                                                       \
	ck_assert_msg(strstr((haystack), (needle)) != NULL, "expected \"%s\" in:\n%s", (needle),   \
		      (haystack))

/* main() of an integration test binary: skip (visibly) unless root, then
 * move into a fresh network and mount namespace so that nothing a test does
 * touches the machine's real network or mount table, run the suite with
 * cgroups below our own (KOBAKO_CGROUP_PARENT), and remove that parent. */
int run_integration_suite(Suite *suite);
/* main() of a unit test binary. */
int run_unit_suite(Suite *suite);
