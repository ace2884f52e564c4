/* seccomp.c - seccomp: system calls the container may not make at all.
 *
 * Capabilities decide who may do what to an object; some system calls are
 * dangerous whoever makes them: they reach things no namespace isolates
 * (the kernel keyring, the clock, kernel modules), or they are the kernel's
 * least-tested corners, where a bug is an escape (bpf, userfaultfd). A
 * seccomp filter is a small BPF program the kernel runs at every system call
 * of the process and its children, before anything else: it sees the call's
 * number and its six arguments (registers, never memory) and answers allow,
 * or fail with an errno, or kill. Once loaded it can never be removed.
 *
 * The filter is built here with libseccomp (which compiles rules to BPF and
 * knows every architecture's numbers), either from kobako's own profile
 * below or from a Docker/Podman JSON profile (--security-opt seccomp=FILE).
 *
 * Docker's default profile is an allowlist of about 370 calls, every other
 * call refused; ours is the opposite, a denylist: every call allowed except
 * the groups below, each with its reason, so the whole policy reads in one
 * screen. The price: a system call added by a future kernel is allowed here
 * until someone lists it, and refused by Docker's. As Docker does, a group
 * guarded by a capability is allowed again when --cap-add gives it back.
 *
 * man: seccomp(2), seccomp_rule_add(3), seccomp_init(3)
 * kernel: Documentation/userspace-api/seccomp_filter.rst
 * Docker: https://docs.docker.com/engine/security/seccomp/ (profiles/seccomp/default.json)
 */
#include "seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/die.h"

#define MAX_NAMES 16 /* system calls in one group */
#define MAX_PROFILE_BYTES (1 << 20) /* Docker's default.json is 20 KiB */
#define MAX_ARGS 6 /* a system call has at most six arguments */

/* One group of refused calls: why, the answer, and the capability that lets
 * them through (Docker's "excludes": {"caps": [...]}), or NULL. */
struct refused {
	const char *why;
	int errno_ret;
	const char *unless_cap;
	const char *names[MAX_NAMES];
};

static const struct refused DEFAULT_PROFILE[] = {
    {"the kernel keyring is not namespaced: its keys are the host's",
     EPERM,
     NULL,
     {"add_key", "request_key", "keyctl"}},
    {"a module is code in the host's kernel",
     EPERM,
     "SYS_MODULE",
     {"init_module", "finit_module", "delete_module"}},
    {"kexec replaces the host's kernel; reboot is the host's",
     EPERM,
     "SYS_BOOT",
     {"kexec_load", "kexec_file_load", "reboot"}},
    {"the clock is the host's (a time namespace only shifts the monotonic ones)",
     EPERM,
     "SYS_TIME",
     {"settimeofday", "clock_settime", "clock_adjtime", "adjtimex"}},
    {"mounts and new namespaces: the container's walls are made of them",
     EPERM,
     "SYS_ADMIN",
     {"mount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
      "open_tree", "mount_setattr", "unshare", "setns", "swapon", "swapoff", "quotactl"}},
    {"opens any file of a filesystem by its number, beyond the container's mounts "
     "(the 2014 \"shocker\" escape)",
     EPERM,
     "DAC_READ_SEARCH",
     {"open_by_handle_at"}},
    {"bpf programs and perf events read kernel memory: a large attack surface",
     EPERM,
     "SYS_ADMIN",
     {"bpf", "perf_event_open", "fanotify_init", "lookup_dcookie"}},
    {"userfaultfd stops the kernel at a page fault: it makes kernel races easy to win",
     EPERM,
     NULL,
     {"userfaultfd"}},
    {"the host's kernel log", EPERM, "SYSLOG", {"syslog"}},
    {"other processes' memory",
     EPERM,
     "SYS_PTRACE",
     {"process_vm_readv", "process_vm_writev", "process_madvise", "kcmp"}},
    {"I/O ports are the host's hardware", EPERM, "SYS_RAWIO", {"iopl", "ioperm"}},
    {"process accounting is host-wide", EPERM, "SYS_PACCT", {"acct"}},
    /* clone3(2) passes its flags in memory, which seccomp cannot read, so
     * it cannot be checked like clone(2) below. ENOSYS, not EPERM: glibc
     * then falls back to clone(2), as on a kernel before 5.3. */
    {"its flags cannot be checked: answer \"no such call\" and let libc use clone",
     ENOSYS,
     "SYS_ADMIN",
     {"clone3"}},
};

/* clone(2) with any of these flags makes a new namespace: refused, as Docker
 * does (its mask 0x7E020000), unless CAP_SYS_ADMIN is kept. unshare(2)
 * is refused whole above. */
static const unsigned long NAMESPACE_FLAGS[] = {CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
						CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
						CLONE_NEWNET};

/* Add "refuse name with errno_ret (when the arguments match)" to ctx. */
static int refuse(scmp_filter_ctx ctx, const char *name, int errno_ret, unsigned n_args,
		  const struct scmp_arg_cmp *args)
{
	int nr = seccomp_syscall_resolve_name(name), rc;

	if (nr == __NR_SCMP_ERROR)
		return failx("seccomp: unknown system call %s", name);
	if ((rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(errno_ret), nr, n_args, args)) < 0) {
		errno = -rc;
		return fail("seccomp: rule for %s", name);
	}
	return 0;
}

/* kobako's own profile: allow everything but the groups above. */
static int build_default(scmp_filter_ctx ctx, const struct caps *caps)
{
	for (size_t g = 0; g < sizeof(DEFAULT_PROFILE) / sizeof(DEFAULT_PROFILE[0]); g++) {
		const struct refused *r = &DEFAULT_PROFILE[g];
		if (r->unless_cap && caps_keeps(caps, r->unless_cap))
			continue;
		for (size_t i = 0; i < MAX_NAMES && r->names[i]; i++)
			if (refuse(ctx, r->names[i], r->errno_ret, 0, NULL) < 0)
				return -1;
	}
	if (caps_keeps(caps, "SYS_ADMIN"))
		return 0;
	/* One rule per flag: "(flags & FLAG) == FLAG" (the first argument on
	 * x86-64 and arm64; s390 swaps the first two). */
	for (size_t i = 0; i < sizeof(NAMESPACE_FLAGS) / sizeof(NAMESPACE_FLAGS[0]); i++) {
		struct scmp_arg_cmp has_flag =
		    SCMP_A0(SCMP_CMP_MASKED_EQ, NAMESPACE_FLAGS[i], NAMESPACE_FLAGS[i]);
		if (refuse(ctx, "clone", EPERM, 1, &has_flag) < 0)
			return -1;
	}
	return 0;
}

/*** Docker/Podman JSON profiles (--security-opt seccomp=FILE) ***/

static json_object *member(json_object *obj, const char *key, json_type type)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, type) ? v : NULL;
}

static const char *string_member(json_object *obj, const char *key)
{
	json_object *v = member(obj, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

/* Is s in the JSON array of strings list? */
static bool listed(json_object *list, const char *s)
{
	for (size_t i = 0; list && i < json_object_array_length(list); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(list, i)), s) == 0)
			return true;
	return false;
}

/* This machine in the profile's words: Go's architecture names ("amd64"). */
static const char *go_arch(void)
{
	static struct utsname u;
	static const char *const NAMES[][2] = {
	    {"x86_64", "amd64"}, {"aarch64", "arm64"}, {"i686", "386"}, {"ppc64le", "ppc64le"}};

	uname(&u);
	for (size_t i = 0; i < sizeof(NAMES) / sizeof(NAMES[0]); i++)
		if (strcmp(u.machine, NAMES[i][0]) == 0)
			return NAMES[i][1];
	return u.machine;
}

/* "SCMP_ACT_ERRNO" with errnoRet 1 -> SCMP_ACT_ERRNO(1). 0, or -1 with a message. */
static int parse_action(const char *file, const char *name, json_object *errno_ret,
			uint32_t *action)
{
	int e = errno_ret ? json_object_get_int(errno_ret) : EPERM; /* Docker's default */
	static const struct {
		const char *name;
		uint32_t action;
	} ACTIONS[] = {{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
		       {"SCMP_ACT_KILL", SCMP_ACT_KILL},
		       {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
		       {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
		       {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
		       {"SCMP_ACT_LOG", SCMP_ACT_LOG}};

	if (name && strcmp(name, "SCMP_ACT_ERRNO") == 0) {
		*action = SCMP_ACT_ERRNO(e);
		return 0;
	}
	for (size_t i = 0; name && i < sizeof(ACTIONS) / sizeof(ACTIONS[0]); i++)
		if (strcmp(name, ACTIONS[i].name) == 0) {
			*action = ACTIONS[i].action;
			return 0;
		}
	return failx("seccomp profile %s: unknown action %s", file, name ? name : "(none)");
}

/* Does the rule apply here? "includes"/"excludes" name capabilities (all
 * kept / none kept) and architectures; minKernel is not checked. */
static bool rule_applies(json_object *rule, const struct caps *caps)
{
	json_object *inc = member(rule, "includes", json_type_object);
	json_object *exc = member(rule, "excludes", json_type_object);
	json_object *list;

	if (inc && (list = member(inc, "arches", json_type_array)) && !listed(list, go_arch()))
		return false;
	if (exc && (list = member(exc, "arches", json_type_array)) && listed(list, go_arch()))
		return false;
	for (size_t i = 0; inc && (list = member(inc, "caps", json_type_array)) &&
			   i < json_object_array_length(list);
	     i++)
		if (!caps_keeps(caps, json_object_get_string(json_object_array_get_idx(list, i))))
			return false;
	for (size_t i = 0; exc && (list = member(exc, "caps", json_type_array)) &&
			   i < json_object_array_length(list);
	     i++)
		if (caps_keeps(caps, json_object_get_string(json_object_array_get_idx(list, i))))
			return false;
	return true;
}

/* "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]. */
static int parse_args(const char *file, json_object *list, struct scmp_arg_cmp *args, unsigned *n)
{
	static const char *const OPS[] = {[SCMP_CMP_NE] = "SCMP_CMP_NE",
					  [SCMP_CMP_LT] = "SCMP_CMP_LT",
					  [SCMP_CMP_LE] = "SCMP_CMP_LE",
					  [SCMP_CMP_EQ] = "SCMP_CMP_EQ",
					  [SCMP_CMP_GE] = "SCMP_CMP_GE",
					  [SCMP_CMP_GT] = "SCMP_CMP_GT",
					  [SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ"};

	*n = list ? json_object_array_length(list) : 0;
	if (*n > MAX_ARGS)
		return failx("seccomp profile %s: more than %d args in one rule", file, MAX_ARGS);
	for (unsigned i = 0; i < *n; i++) {
		json_object *a = json_object_array_get_idx(list, i);
		const char *op = string_member(a, "op");
		json_object *value = member(a, "value", json_type_int);
		json_object *two = member(a, "valueTwo", json_type_int);
		args[i] = (struct scmp_arg_cmp){
		    .arg = json_object_get_int(member(a, "index", json_type_int)),
		    .datum_a = value ? json_object_get_uint64(value) : 0,
		    .datum_b = two ? json_object_get_uint64(two) : 0};
		for (int o = SCMP_CMP_NE; o < (int)(sizeof(OPS) / sizeof(OPS[0])); o++)
			if (op && strcmp(op, OPS[o]) == 0)
				args[i].op = o;
		if (!args[i].op || args[i].arg >= MAX_ARGS)
			return failx("seccomp profile %s: bad arg (op %s)", file, op ? op : "none");
	}
	return 0;
}

/* One entry of "syscalls": its action for each of its names. */
static int add_rule(scmp_filter_ctx ctx, const char *file, json_object *rule, uint32_t fallback)
{
	json_object *names = member(rule, "names", json_type_array);
	struct scmp_arg_cmp args[MAX_ARGS];
	uint32_t action;
	unsigned n_args;

	if (!names || parse_action(file, string_member(rule, "action"),
				   member(rule, "errnoRet", json_type_int), &action) < 0)
		return names ? -1 : failx("seccomp profile %s: a rule without \"names\"", file);
	if (parse_args(file, member(rule, "args", json_type_array), args, &n_args) < 0)
		return -1;
	if (action == fallback)
		return 0; /* libseccomp refuses a rule that is the default action */
	for (size_t i = 0; i < json_object_array_length(names); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(names, i));
		int nr = seccomp_syscall_resolve_name(name), rc;
		/* runc and crun skip a name their libseccomp does not know; we
		 * refuse it, so a typo never drops a rule without a word. */
		if (nr == __NR_SCMP_ERROR)
			return failx("seccomp profile %s: unknown system call %s", file, name);
		if ((rc = seccomp_rule_add_array(ctx, action, nr, n_args, args)) < 0) {
			errno = -rc;
			return fail("seccomp profile %s: rule for %s", file, name);
		}
	}
	return 0;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's SCMP_ARCH_X86_64 token, or 0. */
static uint32_t arch_token(const char *name)
{
	const char *prefix = "SCMP_ARCH_";
	char lower[32];
	size_t i = 0;

	if (!name || strncmp(name, prefix, strlen(prefix)) != 0)
		return 0;
	for (name += strlen(prefix); name[i] && i < sizeof(lower) - 1; i++)
		lower[i] = tolower((unsigned char)name[i]);
	lower[i] = '\0';
	return seccomp_arch_resolve_name(lower); /* "x86_64", "x86", "x32", "aarch64" */
}

/* "archMap": the architectures that also run here (x86 and x32 binaries on
 * x86_64). Each gets the same rules; without it their calls would meet the
 * filter's bad-architecture action (kill). */
static int add_arches(scmp_filter_ctx ctx, const char *file, json_object *profile)
{
	json_object *map = member(profile, "archMap", json_type_array);

	for (size_t i = 0; map && i < json_object_array_length(map); i++) {
		json_object *entry = json_object_array_get_idx(map, i);
		json_object *subs = member(entry, "subArchitectures", json_type_array);
		if (arch_token(string_member(entry, "architecture")) != seccomp_arch_native())
			continue;
		for (size_t s = 0; subs && s < json_object_array_length(subs); s++) {
			const char *name =
			    json_object_get_string(json_object_array_get_idx(subs, s));
			uint32_t arch = arch_token(name);
			int rc = arch ? seccomp_arch_add(ctx, arch) : -EINVAL;
			if (rc < 0 && rc != -EEXIST) {
				errno = -rc;
				return fail("seccomp profile %s: architecture %s", file, name);
			}
		}
	}
	return 0;
}

/* Read and parse FILE: the JSON object, or NULL with a message. */
static json_object *read_profile(const char *file)
{
	static char text[MAX_PROFILE_BYTES];
	enum json_tokener_error error;
	json_object *profile;
	FILE *f = fopen(file, "re");
	size_t len;

	if (!f)
		return fail("seccomp profile %s", file), NULL;
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	if (len == sizeof(text) - 1)
		return failx("seccomp profile %s: larger than %d bytes", file, MAX_PROFILE_BYTES),
		       NULL;
	if (!(profile = json_tokener_parse_verbose(text, &error)))
		return failx("seccomp profile %s: bad JSON: %s", file,
			     json_tokener_error_desc(error)),
		       NULL;
	if (!json_object_is_type(profile, json_type_object))
		return failx("seccomp profile %s: not a JSON object", file),
		       json_object_put(profile), NULL;
	return profile;
}

/* The filter of a Docker/Podman profile: its default action, architectures
 * and rules. A new filter context into *ctx, or NULL with a message. */
static scmp_filter_ctx build_from_file(const char *file, const struct caps *caps)
{
	json_object *profile = read_profile(file), *rules;
	scmp_filter_ctx ctx = NULL;
	uint32_t fallback;
	int ok = -1;

	if (!profile)
		return NULL;
	if (parse_action(file, string_member(profile, "defaultAction"),
			 member(profile, "defaultErrnoRet", json_type_int), &fallback) < 0)
		goto out;
	if (!(ctx = seccomp_init(fallback))) {
		failx("seccomp profile %s: seccomp_init failed", file);
		goto out;
	}
	if (add_arches(ctx, file, profile) < 0)
		goto out;
	rules = member(profile, "syscalls", json_type_array);
	for (size_t i = 0; rules && i < json_object_array_length(rules); i++) {
		json_object *rule = json_object_array_get_idx(rules, i);
		if (rule_applies(rule, caps) && add_rule(ctx, file, rule, fallback) < 0)
			goto out;
	}
	ok = 0;
out:
	json_object_put(profile);
	if (ok < 0 && ctx)
		seccomp_release(ctx);
	return ok < 0 ? NULL : ctx;
}

/*** the filter's life: built by the parent, loaded by the child ***/

int seccomp_filter_prepare(struct syscall_filter *f, const struct options *opt,
			   const struct caps *caps)
{
	*f = (struct syscall_filter){0};
	if (opt->privileged || (opt->seccomp && strcmp(opt->seccomp, "unconfined") == 0))
		return 0; /* as Docker: --privileged runs without a filter */
	if (opt->seccomp)
		return (f->ctx = build_from_file(opt->seccomp, caps)) ? 0 : -1;
	if (!(f->ctx = seccomp_init(SCMP_ACT_ALLOW)))
		return failx("seccomp: seccomp_init failed");
	if (build_default(f->ctx, caps) == 0)
		return 0;
	seccomp_filter_free(f);
	return -1;
}

void seccomp_filter_load(const struct syscall_filter *f)
{
	int rc;

	if (!f->ctx)
		return;
	/* libseccomp would set no_new_privs first (a process without
	 * CAP_SYS_ADMIN must); we still have it, and no_new_privs is only set
	 * when asked (--security-opt no-new-privileges), as in Docker. */
	if ((rc = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
	    (rc = seccomp_load(f->ctx)) < 0) {
		errno = -rc;
		die_child("load the seccomp filter");
	}
}

void seccomp_filter_free(struct syscall_filter *f)
{
	if (f->ctx)
		seccomp_release(f->ctx);
	f->ctx = NULL;
}
