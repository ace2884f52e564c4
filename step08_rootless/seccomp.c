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
 * Compiling is the slow part: Docker's profile (about 370 calls, each for
 * x86_64, x86 and x32) takes libseccomp some 15 ms, at every start. What it
 * makes is only an array of BPF instructions, so the first start keeps it in
 * a cache directory (SECCOMP_CACHE_DIR for root), named by a hash of all it
 * was made from, and later starts hand that array to seccomp(2) as it is.
 * Whoever can write there can switch the filter off: the directory must be
 * ours alone, or it is not used (cache_open).
 *
 * Docker's default profile is an allowlist of about 370 calls, every other
 * call refused; ours is the opposite, a denylist: every call allowed except
 * the groups below, each with its reason, so the whole policy reads in one
 * screen. The price: a system call added by a future kernel is allowed here
 * until someone lists it, and refused by Docker's. As Docker does, a group
 * guarded by a capability is allowed again when --cap-add gives it back.
 *
 * man: seccomp(2), seccomp_rule_add(3), seccomp_init(3), seccomp_export_bpf(3)
 * kernel: Documentation/userspace-api/seccomp_filter.rst
 * Docker: https://docs.docker.com/engine/security/seccomp/ (profiles/seccomp/default.json)
 */
#include "seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/seccomp.h>
#include <nettle/sha2.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/die.h"

#define MAX_NAMES 16 /* system calls in one group */
#define MAX_PROFILE_BYTES (1 << 20) /* Docker's default.json is 20 KiB */
#define MAX_ARGS 6 /* a system call has at most six arguments */
#define CACHE_DIR_MODE 0700 /* the cache: ours alone (cache_open says why) */
#define CACHE_FILE_MODE 0600
#define CACHE_SUFFIX ".bpf" /* <key>.bpf: the program, then its SHA-256 */
#define KEY_HEX_LEN (2 * SHA256_DIGEST_SIZE)

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

/* The bytes of FILE, NUL-terminated, in a buffer of ours (*len of them);
 * NULL with a message. */
static const char *read_profile(const char *file, size_t *len)
{
	static char text[MAX_PROFILE_BYTES];
	FILE *f = fopen(file, "re");

	if (!f)
		return fail("seccomp profile %s", file), NULL;
	*len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[*len] = '\0';
	if (*len == sizeof(text) - 1)
		return failx("seccomp profile %s: larger than %d bytes", file, MAX_PROFILE_BYTES),
		       NULL;
	return text;
}

/* Parse the profile's text: the JSON object, or NULL with a message. */
static json_object *parse_profile(const char *file, const char *text)
{
	enum json_tokener_error error;
	json_object *profile;

	if (!(profile = json_tokener_parse_verbose(text, &error)))
		return failx("seccomp profile %s: bad JSON: %s", file,
			     json_tokener_error_desc(error)),
		       NULL;
	if (!json_object_is_type(profile, json_type_object))
		return failx("seccomp profile %s: not a JSON object", file),
		       json_object_put(profile), NULL;
	return profile;
}

/* The filter of a Docker/Podman profile (text, read from file): its default
 * action, architectures and rules. A new filter context, or NULL with a
 * message. */
static scmp_filter_ctx build_from_file(const char *file, const char *text, const struct caps *caps)
{
	json_object *profile = parse_profile(file, text), *rules;
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

/*** the compiled program, cached (seccomp_export_bpf(3), seccomp(2)) ***/

/* The cache of one filter: its directory, and its name there. */
struct cache {
	const char *path; /* NULL: no cache (none asked for, or not one we can trust) */
	int dir; /* path, once opened; -1 before */
	char key[KEY_HEX_LEN + 1]; /* SHA-256 of all the program is made from */
	char name[KEY_HEX_LEN + sizeof(CACHE_SUFFIX)];
};

/* s with its NUL, so that "ab", "c" and "a", "bc" differ. */
static void hash_string(struct sha256_ctx *sha, const char *s)
{
	sha256_update(sha, strlen(s) + 1, (const uint8_t *)s);
}

/* c->key: SHA-256 of everything libseccomp's output depends on. Two starts
 * that would compile different programs must never share a name. */
static int cache_key(struct cache *c, const char *text, size_t len, const struct caps *caps)
{
	const struct scmp_version *v = seccomp_version();
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx sha;
	struct stat exe;

	if (stat("/proc/self/exe", &exe) < 0)
		return fail("seccomp cache: stat /proc/self/exe");
	const uint64_t facts[] = {
	    caps->keep, /* rules that a capability lets through ("excludes": caps) */
	    seccomp_arch_native(), /* the architectures compiled for */
	    v->major, v->minor, v->micro, /* the compiler */
	    seccomp_api_get(), /* the kernel's seccomp features libseccomp found */
	    /* this program: a rebuilt one may read profiles differently */
	    exe.st_ino, exe.st_size, exe.st_mtim.tv_sec, exe.st_mtim.tv_nsec};

	sha256_init(&sha);
	if (text)
		sha256_update(&sha, len, (const uint8_t *)text); /* the profile file's bytes */
	else /* ours: its table is part of the binary (below), edited only by a rebuild */
		hash_string(&sha, "built-in");
	sha256_update(&sha, sizeof(facts), (const uint8_t *)facts);
	hash_string(&sha, go_arch()); /* the profile's "arches" conditions */
	sha256_digest(&sha, sizeof(digest), digest);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(c->key + 2 * i, 3, "%02x", digest[i]);
	snprintf(c->name, sizeof(c->name), "%s" CACHE_SUFFIX, c->key);
	return 0;
}

static void cache_close(struct cache *c)
{
	if (c->dir >= 0)
		close(c->dir);
	c->dir = -1;
}

/* The cache for the filter of text (NULL: ours) and caps, in directory
 * path (NULL: none), not opened yet. */
static void cache_init(struct cache *c, const char *path, const char *text, size_t len,
		       const struct caps *caps)
{
	*c = (struct cache){.path = path, .dir = -1};
	if (path && cache_key(c, text, len, caps) < 0)
		c->path = NULL;
}

/* Open c->path (made first if make). Whoever can write in it can switch the
 * filter off, by putting an "allow everything" program under the right
 * name: so it must be ours and writable by nobody else, or it is not used
 * (said once). 0, or -1 (missing and not made: quietly). */
static int cache_open(struct cache *c, bool make)
{
	struct stat st;

	if (make && mkdir(c->path, CACHE_DIR_MODE) < 0 && errno != EEXIST) {
		fail("seccomp cache %s", c->path);
		c->path = NULL;
		return -1;
	}
	/* O_NOFOLLOW: not a symbolic link to somewhere else; every file
	 * below is then opened relative to this descriptor (openat(2)). */
	if ((c->dir = open(c->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT && !make)
			return -1; /* nothing compiled yet */
		fail("seccomp cache %s", c->path);
	} else if (fstat(c->dir, &st) < 0 || st.st_uid != geteuid() ||
		   (st.st_mode & (S_IWGRP | S_IWOTH))) {
		failx("seccomp cache %s: not ours (uid %d) or writable by others: not used",
		      c->path, (int)geteuid());
	} else {
		return 0;
	}
	cache_close(c);
	c->path = NULL; /* said once: not tried again */
	return -1;
}

/* `bytes` of BPF instructions at the start of fd, into f: 0, or -1 if that
 * is not a program seccomp(2) would take (sizes: linux/filter.h). */
static int read_program(int fd, off_t bytes, struct syscall_filter *f)
{
	size_t insn = sizeof(struct sock_filter);

	if (bytes <= 0 || bytes % insn != 0 || bytes / insn > BPF_MAXINSNS)
		return -1;
	if (!(f->prog.filter = malloc(bytes)))
		return fail("seccomp: %lld bytes", (long long)bytes);
	f->prog.len = bytes / insn;
	if (pread(fd, f->prog.filter, bytes, 0) != bytes) {
		seccomp_filter_free(f);
		return -1;
	}
	return 0;
}

/* What a cache file ends with: SHA-256 of its name's key and the program,
 * so a file cut short, damaged, or under another key's name is seen. */
static void program_digest(const struct cache *c, const struct syscall_filter *f,
			   uint8_t digest[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx sha;

	sha256_init(&sha);
	sha256_update(&sha, strlen(c->key), (const uint8_t *)c->key);
	sha256_update(&sha, f->prog.len * sizeof(struct sock_filter),
		      (const uint8_t *)f->prog.filter);
	sha256_digest(&sha, SHA256_DIGEST_SIZE, digest);
}

/* The program compiled before, into f: 0, or -1 if there is none, or if the
 * file fails a check (then it is compiled and written again). */
static int cache_read(struct cache *c, struct syscall_filter *f)
{
	uint8_t stored[SHA256_DIGEST_SIZE], digest[SHA256_DIGEST_SIZE];
	struct stat st = {0};
	int fd, ok = -1;

	if (!c->path || (c->dir < 0 && cache_open(c, false) < 0))
		return -1;
	if ((fd = openat(c->dir, c->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1; /* not compiled yet */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    read_program(fd, st.st_size - SHA256_DIGEST_SIZE, f) == 0 &&
	    pread(fd, stored, sizeof(stored), st.st_size - sizeof(stored)) ==
		(ssize_t)sizeof(stored)) {
		program_digest(c, f, digest);
		ok = memcmp(stored, digest, sizeof(digest)) == 0 ? 0 : -1;
	}
	close(fd);
	if (ok < 0) {
		failx("seccomp cache %s/%s: damaged (%lld bytes), compiled again", c->path, c->name,
		      (long long)st.st_size);
		seccomp_filter_free(f);
	}
	return ok;
}

/* Keep f's program under the cache's name: written under a temporary name,
 * then renamed, so a reader finds the whole file or none (rename(2)). A
 * failure is said, and costs only the compile next time. */
static void cache_write(struct cache *c, const struct syscall_filter *f)
{
	size_t bytes = f->prog.len * sizeof(struct sock_filter);
	uint8_t digest[SHA256_DIGEST_SIZE];
	char tmp[sizeof(c->name) + 16];
	int fd, ok;

	if (!c->path || (c->dir < 0 && cache_open(c, true) < 0))
		return;
	program_digest(c, f, digest);
	snprintf(tmp, sizeof(tmp), ".%d.%s", (int)getpid(), c->name);
	unlinkat(c->dir, tmp, 0); /* a dead namesake's */
	fd = openat(c->dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    CACHE_FILE_MODE);
	ok = fd >= 0 && write(fd, f->prog.filter, bytes) == (ssize_t)bytes &&
	     write(fd, digest, sizeof(digest)) == (ssize_t)sizeof(digest);
	if (fd >= 0 && close(fd) < 0)
		ok = 0;
	if (!ok || renameat(c->dir, tmp, c->dir, c->name) < 0) {
		fail("seccomp cache %s/%s: not kept", c->path, c->name);
		unlinkat(c->dir, tmp, 0);
	}
}

/*** the filter's life: built by the parent, loaded by the child ***/

/* libseccomp's filter for kobako's profile, or the JSON one in text. */
static scmp_filter_ctx build(const char *file, const char *text, const struct caps *caps)
{
	scmp_filter_ctx ctx;

	if (file)
		return build_from_file(file, text, caps);
	if (!(ctx = seccomp_init(SCMP_ACT_ALLOW)))
		return failx("seccomp: seccomp_init failed"), NULL;
	if (build_default(ctx, caps) == 0)
		return ctx;
	seccomp_release(ctx);
	return NULL;
}

/* Compile ctx to BPF, into f. seccomp_export_bpf(3) writes to a file
 * descriptor: a memfd, memory with a file's interface (memfd_create(2)). */
static int compile(scmp_filter_ctx ctx, struct syscall_filter *f)
{
	int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC), rc;
	struct stat st;

	if (fd < 0)
		return fail("seccomp: memfd_create");
	if ((rc = seccomp_export_bpf(ctx, fd)) < 0) {
		errno = -rc;
		rc = fail("seccomp: compile the filter");
	} else if (fstat(fd, &st) < 0 || (rc = read_program(fd, st.st_size, f)) < 0) {
		rc = failx("seccomp: libseccomp's program cannot be read back");
	}
	close(fd);
	return rc;
}

int seccomp_filter_prepare(struct syscall_filter *f, const struct options *opt,
			   const struct caps *caps, const char *cache_dir)
{
	const char *text = NULL; /* the JSON profile; NULL: ours */
	struct cache cache;
	scmp_filter_ctx ctx;
	size_t len = 0;
	int rc = -1;

	*f = (struct syscall_filter){0};
	if (opt->privileged || (opt->seccomp && strcmp(opt->seccomp, "unconfined") == 0))
		return 0; /* as Docker: --privileged runs without a filter */
	if (opt->seccomp && !(text = read_profile(opt->seccomp, &len)))
		return -1;
	cache_init(&cache, cache_dir, text, len, caps);
	if (cache_read(&cache, f) == 0) {
		rc = 0; /* compiled by an earlier start */
	} else if ((ctx = build(opt->seccomp, text, caps))) {
		if ((rc = compile(ctx, f)) == 0)
			cache_write(&cache, f);
		seccomp_release(ctx);
	}
	cache_close(&cache);
	return rc;
}

void seccomp_filter_load(const struct syscall_filter *f)
{
	if (!f->prog.filter)
		return;
	/* Loading a filter needs no_new_privs or CAP_SYS_ADMIN: we still have
	 * the capability, and set no_new_privs only when asked
	 * (--security-opt no-new-privileges), as Docker does. glibc has no
	 * seccomp() wrapper: syscall(2). */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &f->prog) < 0)
		die_child("seccomp(SECCOMP_SET_MODE_FILTER)");
}

void seccomp_filter_free(struct syscall_filter *f)
{
	free(f->prog.filter);
	f->prog = (struct sock_fprog){0};
}
