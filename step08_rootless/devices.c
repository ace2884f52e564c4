/* devices.c - the device cgroup: /dev/sda is not the container's business.
 *
 * A device node is only a name for a (major, minor) number pair: whoever may
 * mknod(2) (CAP_MKNOD, which Docker keeps) can make /dev/sda anywhere and
 * read the host's disk through it, whatever /dev the container was given.
 * The kernel's answer is the device controller: before any open(2) or
 * mknod(2) of a device, it asks the process's cgroup whether that type,
 * major, minor and access (read, write, mknod) is allowed.
 *
 *   cgroup v1  a "devices" hierarchy: write "a" into devices.deny, then one
 *              line per allowed device into devices.allow ("c 1:3 rwm").
 *   cgroup v2  no files: a BPF program of type BPF_PROG_TYPE_CGROUP_DEVICE,
 *              attached to the cgroup with bpf(2), answers each access with
 *              1 (allow) or 0 (EPERM). We write it by hand, as crun does.
 *
 * The allow list is Docker's: any node may be created (mknod is harmless
 * until opened), and only null, zero, full, random, urandom, tty, console,
 * ptmx and the ptys may be opened. Docker (runc < 1.2) also allowed
 * /dev/net/tun; we do not.
 *
 * man: cgroups(7), bpf(2), mknod(2)
 * kernel: Documentation/admin-guide/cgroup-v1/devices.rst,
 *         Documentation/admin-guide/cgroup-v2.rst ("Device controller")
 * crun: src/libcrun/ebpf.c
 */
#include "devices.h"

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/die.h"

#define ANY -1 /* any major or minor: "*" */
#define MAX_INSNS 256 /* the BPF program: 5 + at most 9 per rule */
#define LINE_MAX_LEN 4096 /* a line of /proc/self/mountinfo */
#define VERIFIER_LOG_SIZE (64 * 1024) /* the verifier's account of a refused program */

struct device_rule {
	char type; /* 'c' character, 'b' block */
	int major, minor; /* or ANY */
	const char *access; /* "r" read, "w" write, "m" mknod */
};

static const struct device_rule ALLOWED[] = {
    {'c', ANY, ANY, "m"},   {'b', ANY, ANY, "m"}, /* create any node, open none of them */
    {'c', 1, 3, "rwm"},	    /* null */ {'c', 1, 5, "rwm"}, /* zero */
    {'c', 1, 7, "rwm"},	    /* full */ {'c', 1, 8, "rwm"}, /* random */
    {'c', 1, 9, "rwm"},	    /* urandom */ {'c', 5, 0, "rwm"}, /* tty */
    {'c', 5, 1, "rwm"},	    /* console */ {'c', 5, 2, "rwm"}, /* ptmx */
    {'c', 136, ANY, "rwm"}, /* /dev/pts/N */
};
#define N_ALLOWED (sizeof(ALLOWED) / sizeof(ALLOWED[0]))

/*** cgroup v1: devices.deny and devices.allow ***/

/* Find the v1 hierarchy with the devices controller in /proc/self/mountinfo
 * ("... /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices") and our cgroup
 * in it in /proc/self/cgroup ("5:devices:/"). true if there is one. */
static bool find_v1_devices(struct hierarchy *h)
{
	char line[LINE_MAX_LEN], root[PATH_MAX], mnt[PATH_MAX], type[32], options[256];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && !found && fgets(line, sizeof(line), f)) {
		const char *dash = strstr(line, " - ");
		found = dash && sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) == 2 &&
			sscanf(dash, " - %31s %*s %255s", type, options) == 2 &&
			strcmp(type, "cgroup") == 0 && strstr(options, "devices");
	}
	if (f)
		fclose(f);
	if (!found || !(f = fopen("/proc/self/cgroup", "re")))
		return false;
	*h = (struct hierarchy){0};
	strlcpy(h->mount, mnt, sizeof(h->mount));
	strlcpy(h->mount_root, root, sizeof(h->mount_root));
	strlcpy(h->options, "devices", sizeof(h->options));
	found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*d:devices:%4095[^\n]", h->own) == 1;
	fclose(f);
	return found;
}

static int deny_all_but_allowed_v1(const char *dir)
{
	/* "a": all devices. A new cgroup starts with its parent's list. */
	if (cgroup_write(dir, "devices.deny", "a") < 0)
		return -1;
	for (size_t i = 0; i < N_ALLOWED; i++) {
		const struct device_rule *r = &ALLOWED[i];
		char major[16] = "*", minor[16] = "*";
		if (r->major != ANY)
			snprintf(major, sizeof(major), "%d", r->major);
		if (r->minor != ANY)
			snprintf(minor, sizeof(minor), "%d", r->minor);
		if (cgroup_write(dir, "devices.allow", "%c %s:%s %s", r->type, major, minor,
				 r->access) < 0)
			return -1;
	}
	return 0;
}

/*** cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program ***/

/* One eBPF instruction (the kernel's own macros are not in its uapi). */
#define INSN(op, dst, src, offset, immediate)                                                      \
	((struct bpf_insn){.code = (op),                                                           \
			   .dst_reg = (dst),                                                       \
			   .src_reg = (src),                                                       \
			   .off = (offset),                                                        \
			   .imm = (immediate)})
/* dst = *(u32 *)(r1 + offset): r1 is the context, struct bpf_cgroup_dev_ctx */
#define LOAD_U32(dst, offset) INSN(BPF_LDX | BPF_MEM | BPF_W, dst, 1, offset, 0)
#define JUMP_IF_NE(reg, value) INSN(BPF_JMP | BPF_JNE | BPF_K, reg, 0, 0, value) /* off: later */
#define MOV_IMM(dst, value) INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, value)
#define EXIT INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) /* return r0 */

static int access_bits(const char *access)
{
	return (strchr(access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) |
	       (strchr(access, 'r') ? BPF_DEVCG_ACC_READ : 0) |
	       (strchr(access, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

/* Append one rule: "if type, access, major and minor match, return 1". Its
 * JUMP_IF_NEs skip to the next rule. Returns the new length. */
static size_t emit_rule(struct bpf_insn *prog, size_t n, const struct device_rule *r)
{
	size_t start = n;

	prog[n++] = JUMP_IF_NE(2, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
	/* r6 = the access asked for, outside what the rule allows: must be none */
	prog[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 3, 0, 0);
	prog[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, 6, 0, 0, ~access_bits(r->access));
	prog[n++] = JUMP_IF_NE(6, 0);
	if (r->major != ANY)
		prog[n++] = JUMP_IF_NE(4, r->major);
	if (r->minor != ANY)
		prog[n++] = JUMP_IF_NE(5, r->minor);
	prog[n++] = MOV_IMM(0, 1); /* allow */
	prog[n++] = EXIT;
	for (size_t i = start; i < n; i++) /* each jump lands right after the rule */
		if (prog[i].code == (BPF_JMP | BPF_JNE | BPF_K))
			prog[i].off = n - i - 1;
	return n;
}

/* The whole program: unpack the context into r2..r5, try every rule, else
 * return 0 (the kernel answers EPERM). Returns its length. */
static size_t build_program(struct bpf_insn *prog)
{
	size_t n = 0;

	prog[n++] = LOAD_U32(2, 0); /* access_type: type in the low 16 bits, */
	prog[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0);
	prog[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, 2, 0, 0, 0xffff); /* r2 = type */
	prog[n++] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, 3, 0, 0, 16); /* r3 = access */
	prog[n++] = LOAD_U32(4, 4); /* r4 = major */
	prog[n++] = LOAD_U32(5, 8); /* r5 = minor */
	for (size_t i = 0; i < N_ALLOWED; i++)
		n = emit_rule(prog, n, &ALLOWED[i]);
	prog[n++] = MOV_IMM(0, 0); /* deny */
	prog[n++] = EXIT;
	return n;
}

/* bpf(BPF_PROG_LOAD): the verifier checks the program (every path ends,
 * every read is in bounds) before the kernel takes it. If it refuses, load
 * it again with the verifier's log and show its last line, the reason.
 * An fd, or -1 with a message. */
static int load_program(void)
{
	static struct bpf_insn prog[MAX_INSNS];
	static char log[VERIFIER_LOG_SIZE];
	union bpf_attr load = {.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
			       .insn_cnt = build_program(prog),
			       .insns = (uintptr_t)prog,
			       .license = (uintptr_t) "GPL"};
	int fd = syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));

	if (fd >= 0)
		return fd;
	int saved_errno = errno;
	load.log_buf = (uintptr_t)log;
	load.log_size = sizeof(log);
	load.log_level = 1;
	syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof(load));
	char *end = log + strlen(log);
	while (end > log && end[-1] == '\n')
		*--end = '\0';
	char *last = strrchr(log, '\n');
	errno = saved_errno;
	return fail("bpf(BPF_PROG_LOAD) of the device program%s%s", log[0] ? ": " : "",
		    last ? last + 1 : log);
}

/* Attach the program to the cgroup directory dir (BPF_PROG_ATTACH). The
 * attachment holds the program: both fds can go; it is detached when the
 * cgroup is removed. 0, or -1 with a message. */
static int attach_program_v2(const char *dir)
{
	int fd = load_program(), cgroup, rc = -1;

	if (fd < 0)
		return -1;
	if ((cgroup = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		close(fd);
		return fail("open %s", dir);
	}
	/* ALLOW_MULTI: programs of the cgroups above (systemd's) still run too. */
	union bpf_attr attach = {.target_fd = cgroup,
				 .attach_bpf_fd = fd,
				 .attach_type = BPF_CGROUP_DEVICE,
				 .attach_flags = BPF_F_ALLOW_MULTI};
	if ((rc = syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof(attach))) < 0)
		fail("bpf(BPF_PROG_ATTACH) to %s", dir);
	close(cgroup);
	close(fd);
	return rc < 0 ? -1 : 0;
}

/*** the policy's life, next to the cgroup's ***/

int devices_prepare(struct devices *d, const struct cgroup *cg, const struct options *opt)
{
	*d = (struct devices){0};
	if (opt->privileged)
		return 0; /* Docker's --privileged: every device */
	/* A v1 devices hierarchy is used when there is one, also on a hybrid
	 * machine whose other controllers are on v1 (cgroup.c's choice). */
	if (find_v1_devices(&d->v1)) {
		d->use_v1 = true;
		if (cgroup_resolve(&d->v1, opt->cgroup_parent, opt->id) < 0 ||
		    cgroup_make(&d->v1, CGROUP_V1, 0, 0) < 0 ||
		    deny_all_but_allowed_v1(d->v1.dir) < 0)
			return devices_release(d), -1;
		return 0;
	}
	if (cg->fs.version == CGROUP_V2)
		return attach_program_v2(cg->fs.h[0].dir);
	return failx("no device cgroup here (cgroup v1 without a devices hierarchy): the "
		     "container could open any device it can mknod (use --privileged to allow it)");
}

int devices_attach(struct devices *d, pid_t child)
{
	if (!d->use_v1)
		return 0; /* v2: the program is on the container's cgroup already */
	return cgroup_write(d->v1.dir, "cgroup.procs", "%d", child);
}

int devices_release(struct devices *d)
{
	int saved_errno = errno, rc = 0;

	if (d->use_v1)
		rc = cgroup_remove(&d->v1);
	errno = saved_errno;
	return rc;
}
