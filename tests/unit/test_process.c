/* test_process.c - step02's clone_process, common/sync.c and step01's exec.c: clone3 as fork, the
 * sync pipe in both directions of failure, exit codes as a shell shows them. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/die.h"
#include "common/file.h"
#include "common/sync.h"
#include "step01_chroot/exec.h"
#include "step02_uts_pid/uts_pid.h"
#include "tests/harness.h"

START_TEST(clone_without_namespaces_is_fork)
{
	int status;
	pid_t pid = clone_process(0);

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(getppid() > 1 ? 42 : 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(exit_code_of(status), 42);
}
END_TEST

/* Wait until pid sleeps in a pipe read (its /proc wchan), up to 5 s. While
 * waiting, fail at once if it went on instead: wrote to `order` or exited. */
static void wait_until_blocked_on_pipe(pid_t pid, int order)
{
	const struct timespec ms = {0, 1000000};
	char path[64], wchan[64];
	struct pollfd p = {.fd = order, .events = POLLIN};
	siginfo_t ended;

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	for (int i = 0; i < 5000; i++) {
		ck_assert_msg(poll(&p, 1, 0) == 0, "the child went on before the release");
		ended.si_pid = 0;
		ck_assert_int_eq(waitid(P_PID, pid, &ended, WEXITED | WNOHANG | WNOWAIT), 0);
		ck_assert_msg(ended.si_pid == 0, "the child ended before the release");
		if (read_file(path, wchan, sizeof(wchan)) > 0 && strstr(wchan, "pipe_read"))
			return;
		nanosleep(&ms, NULL);
	}
	ck_abort_msg("the child never blocked on the sync pipe (wchan %s)", wchan);
}

START_TEST(child_waits_for_release)
{
	struct sync_pipe sync;
	int status, order[2];

	ck_assert_int_eq(sync_open(&sync), 0);
	ck_assert_int_eq(pipe(order), 0);
	pid_t pid = fork();
	if (pid == 0) {
		sync_wait_for_parent(&sync);
		(void)!write(order[1], "c", 1); /* only after the release */
		_exit(0);
	}
	/* The child must be asleep on the sync pipe, with nothing written,
	 * until we release it: checked, not left to the scheduler. */
	wait_until_blocked_on_pipe(pid, order[0]);
	ck_assert_int_eq(sync_release_child(&sync), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	char seen[2] = "";
	ck_assert_int_eq(read(order[0], seen, 1), 1);
	ck_assert_str_eq(seen, "c");
	ck_assert_int_eq(exit_code_of(status), 0);
}
END_TEST

START_TEST(child_leaves_when_parent_gives_up)
{
	struct sync_pipe sync;
	int status;

	ck_assert_int_eq(sync_open(&sync), 0);
	pid_t pid = fork();
	if (pid == 0) {
		sync_wait_for_parent(&sync);
		_exit(0); /* not reached */
	}
	sync_close(&sync); /* no go */
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(exit_code_of(status), 125);
}
END_TEST

/* Run `env` through exec_command with a dirty environment and every signal
 * blocked; return what it printed (and the SigBlk line of its status). */
START_TEST(exec_gives_clean_environment)
{
	struct run r;

	char self[PATH_MAX];

	ck_assert(realpath("/proc/self/exe", self));
	run(&r, "SECRET=host-only TERM=xterm %s --exec-env", self);
	ck_assert_int_eq(r.code, 0);
	ck_assert_ptr_null(strstr(r.out, "SECRET"));
	ck_assert_contains(r.out,
			   "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
	ck_assert_contains(r.out, "HOME=/root\n");
	ck_assert_contains(r.out, "TERM=xterm\n");
	ck_assert_contains(r.out, "SigBlk:\t0000000000000000\n");
	/* Signals 1..31 back to default; glibc keeps 32 and 33 for itself. */
	char *ign = strstr(r.out, "SigIgn:\t");
	ck_assert_ptr_nonnull(ign);
	ck_assert_uint_eq(strtoull(ign + 8, NULL, 16) & 0x7fffffffULL, 0);
}
END_TEST

START_TEST(long_message_keeps_its_reason)
{
	char long_path[3000], text[2048] = "";
	int fd = memfd_create("err", 0);

	memset(long_path, 'x', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	if (fork() == 0) {
		dup2(fd, 2);
		errno = ENOENT;
		(fail)("open %s", long_path); /* (fail): not Check's fail() macro */
		_exit(0);
	}
	wait(NULL);
	ck_assert_int_gt(pread(fd, text, sizeof(text) - 1, 0), 0);
	ck_assert_msg(strlen(text) < 1024, "%zu bytes", strlen(text));
	ck_assert_msg(strstr(text, "xxx...: No such file or directory\n") != NULL, "%s", text);
	ck_assert_ptr_eq(strchr(text, '\n'), text + strlen(text) - 1); /* one line */
}
END_TEST

START_TEST(exit_codes)
{
	ck_assert_int_eq(exit_code_of(0), 0);
	ck_assert_int_eq(exit_code_of(3 << 8), 3);
	ck_assert_int_eq(exit_code_of(SIGKILL), 137);
	ck_assert_int_eq(exit_code_of(SIGTERM), 143);
}
END_TEST

START_TEST(exec_missing_is_127_and_denied_is_126)
{
	int status;
	char *missing[] = {"/no/such/program", NULL}, *denied[] = {"/etc/passwd", NULL};

	if (fork() == 0)
		exec_command(missing);
	wait(&status);
	ck_assert_int_eq(exit_code_of(status), 127);
	if (fork() == 0)
		exec_command(denied);
	wait(&status);
	ck_assert_int_eq(exit_code_of(status), 126);
}
END_TEST

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--exec-env") == 0) {
		char *command[] = {"/bin/sh", "-c",
				   "env; grep -E 'SigBlk|SigIgn' /proc/self/status", NULL};
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL); /* exec_command must undo this */
		signal(SIGINT, SIG_IGN); /* as in a shell's background job */
		exec_command(command);
	}
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("process");

	tcase_add_test(tc, clone_without_namespaces_is_fork);
	tcase_add_test(tc, child_waits_for_release);
	tcase_add_test(tc, child_leaves_when_parent_gives_up);
	tcase_add_test(tc, exit_codes);
	tcase_add_test(tc, long_message_keeps_its_reason);
	tcase_add_test(tc, exec_missing_is_127_and_denied_is_126);
	tcase_add_test(tc, exec_gives_clean_environment);
	suite_add_tcase(s, tc);
	return run_unit_suite(s);
}
