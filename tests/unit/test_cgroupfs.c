/* test_cgroupfs.c - step05_cgroups/cgroupfs.c: detecting v1/v2/hybrid, resolving
 * --cgroup-parent, directory chores on plain directories, counters, units. */
#include <bsd/string.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/file.h"
#include "common/path.h"
#include "step05_cgroups/cgroupfs.h"
#include "tests/harness.h"

/* This CI machine: v1 controllers, systemd's name=systemd, an empty cgroup2. */
static const char HYBRID_MOUNTINFO[] =
    "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
    "99 35 0:32 / /mnt/memory-again rw,relatime - cgroup cgroup rw,memory\n";
static const char HYBRID_CGROUP[] =
    "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n";

/* systemd's legacy layout: cpu and cpuacct share one hierarchy. */
static const char COMOUNTED_MOUNTINFO[] =
    "30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct,release_agent=/x\n"
    "31 25 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
static const char COMOUNTED_CGROUP[] = "5:cpu,cpuacct:/user.slice\n4:memory:/user.slice\n";

static const char V2_MOUNTINFO[] =
    "24 18 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
static const char V2_CGROUP[] = "0::/user.slice/user-0.slice/session-1.scope\n";

static int detect(struct cgroup_layout *l, const char *mountinfo, const char *self)
{
	FILE *m = fmemopen((void *)mountinfo, strlen(mountinfo), "r");
	FILE *c = fmemopen((void *)self, strlen(self), "r");
	int ok = cgroup_detect_from(l, m, c);

	fclose(m);
	fclose(c);
	return ok;
}

START_TEST(hybrid_with_v1_controllers_is_v1)
{
	struct cgroup_layout l;

	ck_assert_int_eq(detect(&l, HYBRID_MOUNTINFO, HYBRID_CGROUP), 0);
	ck_assert_int_eq(l.version, CGROUP_V1);
	ck_assert_uint_eq(l.n, 4); /* cpu, cpuacct, memory, pids; not systemd, not the copy */
	struct hierarchy *mem = cgroup_hierarchy_of(&l, CTRL_MEMORY);
	ck_assert_str_eq(mem->mount, "/sys/fs/cgroup/memory");
	ck_assert_str_eq(mem->options, "memory");
	ck_assert_str_eq(mem->own, "/process_api/abc");
	ck_assert_str_eq(cgroup_hierarchy_of(&l, CTRL_PIDS)->own, "/");
	ck_assert_ptr_ne(cgroup_hierarchy_of(&l, CTRL_CPU), cgroup_hierarchy_of(&l, CTRL_CPUACCT));
}
END_TEST

START_TEST(comounted_cpu_cpuacct)
{
	struct cgroup_layout l;

	ck_assert_int_eq(detect(&l, COMOUNTED_MOUNTINFO, COMOUNTED_CGROUP), 0);
	ck_assert_int_eq(l.version, CGROUP_V1);
	ck_assert_uint_eq(l.n, 2);
	struct hierarchy *cpu = cgroup_hierarchy_of(&l, CTRL_CPU);
	ck_assert_ptr_eq(cpu, cgroup_hierarchy_of(&l, CTRL_CPUACCT));
	ck_assert_str_eq(cpu->options, "cpu,cpuacct"); /* no rw, no release_agent */
	ck_assert_str_eq(cpu->own, "/user.slice");
	ck_assert_ptr_null(cgroup_hierarchy_of(&l, CTRL_PIDS));
}
END_TEST

START_TEST(pure_v2)
{
	struct cgroup_layout l;

	ck_assert_int_eq(detect(&l, V2_MOUNTINFO, V2_CGROUP), 0);
	ck_assert_int_eq(l.version, CGROUP_V2);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_str_eq(l.h[0].mount, "/sys/fs/cgroup");
	ck_assert_str_eq(l.h[0].own, "/user.slice/user-0.slice/session-1.scope");
	ck_assert_ptr_eq(cgroup_hierarchy_of(&l, CTRL_PIDS), &l.h[0]);
}
END_TEST

START_TEST(none_mounted)
{
	struct cgroup_layout l;

	ck_assert_int_eq(detect(&l, "23 27 0:22 / /sys rw - sysfs sysfs rw\n", "0::/\n"), -1);
}
END_TEST

START_TEST(resolve_parent)
{
	struct cgroup_layout l;
	struct hierarchy *h;

	ck_assert_int_eq(detect(&l, V2_MOUNTINFO, V2_CGROUP), 0);
	h = &l.h[0];
	ck_assert_int_eq(cgroup_resolve(h, "/kobako", "ID"), 0); /* from the root */
	ck_assert_str_eq(h->dir, "/sys/fs/cgroup/kobako/ID");
	ck_assert_int_eq(cgroup_resolve(h, "kobako-test", "ID"), 0); /* from our own */
	ck_assert_str_eq(h->dir,
			 "/sys/fs/cgroup/user.slice/user-0.slice/session-1.scope/kobako-test/ID");
	/* A mount that shows only part of the tree (a cgroup namespace's view). */
	strlcpy(h->mount_root, "/user.slice", sizeof(h->mount_root));
	ck_assert_int_eq(cgroup_resolve(h, "/user.slice/k", "ID"), 0);
	ck_assert_str_eq(h->dir, "/sys/fs/cgroup/k/ID");
	ck_assert_int_eq(cgroup_resolve(h, "/system.slice", "ID"), -1);
}
END_TEST

START_TEST(units)
{
	char buf[32];

	format_size(512, buf, sizeof(buf));
	ck_assert_str_eq(buf, "512B");
	format_size(1536, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.5K");
	format_size(64ULL << 20, buf, sizeof(buf));
	ck_assert_str_eq(buf, "64.0M");
	format_size(1ULL << 30, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1.0G");
	format_cpu_time(503000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0.503s");
	format_cpu_time(125250000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2m05.250s");
}
END_TEST

START_TEST(shares_to_weight)
{
	/* The anchors, and values from runc's ConvertCPUSharesToCgroupV2Value. */
	ck_assert_uint_eq(cpu_weight_from_shares(0), 0);
	ck_assert_uint_eq(cpu_weight_from_shares(2), 1);
	ck_assert_uint_eq(cpu_weight_from_shares(1024), 100);
	ck_assert_uint_eq(cpu_weight_from_shares(262144), 10000);
	ck_assert_uint_eq(cpu_weight_from_shares(3), 2);
	ck_assert_uint_eq(cpu_weight_from_shares(512), 59);
	ck_assert_uint_eq(cpu_weight_from_shares(2048), 174);
	ck_assert_uint_eq(cpu_weight_from_shares(262143), 10000);
}
END_TEST

static char tmp[64];

static void make_tmp(void)
{
	strlcpy(tmp, "/tmp/test_cgroupfs.XXXXXX", sizeof(tmp));
	ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void remove_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

/* Create tmp/file with text (cgroup_write, like the kernel, creates nothing). */
static void put(const char *file, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, file);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

START_TEST(counters)
{
	uint64_t v;

	put("memory.events", "low 0\noom 2\noom_kill 3\n");
	ck_assert_int_eq(cgroup_read_key(tmp, "memory.events", "oom_kill", &v), 0);
	ck_assert_uint_eq(v, 3);
	ck_assert_int_eq(cgroup_read_key(tmp, "memory.events", "oom_group_kill", &v), -1);
	ck_assert_int_eq(errno, ENOENT);
	put("memory.max", "");
	ck_assert_int_eq(cgroup_write(tmp, "memory.max", "max\n"), 0);
	ck_assert_int_eq(cgroup_read_number(tmp, "memory.max", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	put("pids.peak", "20\n");
	ck_assert_int_eq(cgroup_read_number(tmp, "pids.peak", &v), 0);
	ck_assert_uint_eq(v, 20);
	ck_assert(cgroup_has(tmp, "pids.peak"));
	ck_assert(!cgroup_has(tmp, "pids.max"));
	ck_assert_int_eq(cgroup_read_number(tmp, "pids.max", &v), -1);
	ck_assert_int_eq(cgroup_write(tmp, "no/such/file", "1"), -1);
}
END_TEST

START_TEST(make_and_remove_v1)
{
	struct hierarchy h = {0}, other = {0};
	char path[PATH_MAX];

	strlcpy(h.mount, tmp, sizeof(h.mount));
	strlcpy(other.mount, tmp, sizeof(other.mount));
	snprintf(h.dir, sizeof(h.dir), "%s/a/b/ID", tmp);
	ck_assert_int_eq(cgroup_make(&h, CGROUP_V1, 0, 0), 0);
	ck_assert(h.created && is_directory(h.dir));
	ck_assert_int_eq(cgroup_make(&h, CGROUP_V1, 0, 0), -1); /* the leaf must be new */
	ck_assert_int_eq(cgroup_remove(&h), 0);
	ck_assert(!is_directory(h.dir));
	ck_assert(is_directory(h.mount));
	snprintf(path, sizeof(path), "%s/a", tmp);
	ck_assert(!is_directory(path)); /* the parents it made went with it */
	ck_assert_int_eq(cgroup_remove(&h), 0); /* idempotent */
	h.created = true;
	ck_assert_int_eq(cgroup_remove(&h), 0); /* ENOENT is success */
	/* A parent that was there before stays, and so does one still in use. */
	snprintf(path, sizeof(path), "%s/kept", tmp);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(h.dir, sizeof(h.dir), "%s/kept/c/ID", tmp);
	snprintf(other.dir, sizeof(other.dir), "%s/kept/c/OTHER", tmp);
	ck_assert_int_eq(cgroup_make(&h, CGROUP_V1, 0, 0), 0);
	ck_assert_int_eq(cgroup_make(&other, CGROUP_V1, 0, 0), 0);
	ck_assert_int_eq(cgroup_remove(&h), 0);
	snprintf(path, sizeof(path), "%s/kept/c", tmp);
	ck_assert(is_directory(path)); /* OTHER is still in it */
	ck_assert_int_eq(cgroup_remove(&other), 0);
	snprintf(path, sizeof(path), "%s/kept", tmp);
	ck_assert(is_directory(path));
	snprintf(path, sizeof(path), "%s/kept/c", tmp);
	ck_assert_int_eq(rmdir(path), 0); /* made by ID, which left first: it stays */
	snprintf(path, sizeof(path), "%s/kept", tmp);
	ck_assert_int_eq(rmdir(path), 0);
}
END_TEST

START_TEST(v2_delegation_needs_the_controller)
{
	struct hierarchy h = {0};
	char subtree_control[PATH_MAX];

	strlcpy(h.mount, tmp, sizeof(h.mount));
	snprintf(h.dir, sizeof(h.dir), "%s/ID", tmp);
	snprintf(subtree_control, sizeof(subtree_control), "%s/cgroup.subtree_control", tmp);
	put("cgroup.controllers", "cpu memory\n");
	put("cgroup.subtree_control", "memory\n");
	/* pids is not offered here: an error, and nothing created */
	ck_assert_int_eq(cgroup_make(&h, CGROUP_V2, CTRL_BIT(CTRL_MEMORY) | CTRL_BIT(CTRL_PIDS), 0),
			 -1);
	ck_assert(!h.created && !is_directory(h.dir));
	/* cpu is offered, not enabled yet: "+cpu" is written, then the leaf made */
	ck_assert_int_eq(cgroup_make(&h, CGROUP_V2, CTRL_BIT(CTRL_MEMORY) | CTRL_BIT(CTRL_CPU), 0),
			 0);
	char *enabled = slurp(subtree_control);
	ck_assert_str_eq(enabled, "+cpu");
	free(enabled);
	ck_assert(h.created && is_directory(h.dir));
	ck_assert_int_eq(cgroup_remove(&h), 0);
}
END_TEST

/* Wished controllers (memory and pids, for the OOM report and --stats) are
 * enabled where offered and skipped where not: a user's delegated subtree
 * with pids alone still runs --pids-limit. */
START_TEST(v2_wished_controller_skipped_where_missing)
{
	struct hierarchy h = {0};
	char subtree_control[PATH_MAX];

	strlcpy(h.mount, tmp, sizeof(h.mount));
	snprintf(h.dir, sizeof(h.dir), "%s/ID", tmp);
	snprintf(subtree_control, sizeof(subtree_control), "%s/cgroup.subtree_control", tmp);
	put("cgroup.controllers", "pids\n");
	put("cgroup.subtree_control", "");
	ck_assert_int_eq(cgroup_make(&h, CGROUP_V2, CTRL_BIT(CTRL_PIDS),
				     CTRL_BIT(CTRL_MEMORY) | CTRL_BIT(CTRL_PIDS)),
			 0);
	char *enabled = slurp(subtree_control);
	ck_assert_str_eq(enabled, "+pids"); /* no "+memory": not offered */
	free(enabled);
	ck_assert(h.created && is_directory(h.dir));
	ck_assert_int_eq(cgroup_remove(&h), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cgroupfs");
	TCase *parse = tcase_create("detect"), *files = tcase_create("files");

	tcase_add_test(parse, hybrid_with_v1_controllers_is_v1);
	tcase_add_test(parse, comounted_cpu_cpuacct);
	tcase_add_test(parse, pure_v2);
	tcase_add_test(parse, none_mounted);
	tcase_add_test(parse, resolve_parent);
	tcase_add_test(parse, units);
	tcase_add_test(parse, shares_to_weight);
	tcase_add_checked_fixture(files, make_tmp, remove_tmp);
	tcase_add_test(files, counters);
	tcase_add_test(files, make_and_remove_v1);
	tcase_add_test(files, v2_delegation_needs_the_controller);
	tcase_add_test(files, v2_wished_controller_skipped_where_missing);
	suite_add_tcase(s, parse);
	suite_add_tcase(s, files);
	return run_unit_suite(s);
}
