/* caps.c - capabilities: the container's root loses most of root's powers.
 *
 * Since Linux 2.2 "root" is not one privilege but about 40 capabilities, each
 * checked on its own: CAP_SYS_ADMIN for mount(2), CAP_NET_ADMIN for routes,
 * CAP_DAC_READ_SEARCH for open_by_handle_at(2), ... Up to step06 the container
 * kept them all, so uid 0 inside could do anything uid 0 outside can. Here
 * it keeps only the 14 Docker gives by default: enough for a package manager
 * (chown, setuid, mknod) and a web server on port 80, not enough to mount,
 * load modules, reach the host's files by inode or change the clock.
 *
 * A process has five sets (capabilities(7), "Thread capability sets"):
 *   bounding     the most it (and anything it execs) can ever have
 *   permitted    what it may switch on; effective: what is on right now
 *   inheritable  what passes through execve(2) to a file with file capabilities
 *   ambient      what passes through execve(2) to any file (non-root)
 * Root gets permitted = effective = bounding at every execve(2), so the
 * bounding set is what the container's root really keeps; we set all five.
 *
 * The system calls themselves are the lesson (no libcap): prctl(2)
 * PR_CAPBSET_DROP and PR_CAP_AMBIENT, capset(2), PR_SET_NO_NEW_PRIVS.
 *
 * man: capabilities(7), capset(2), prctl(2), PR_SET_NO_NEW_PRIVS in prctl(2)
 * Docker's list: moby oci/caps/defaults.go; LWN "Capabilities: the
 * ambient set" (https://lwn.net/Articles/636533/)
 */
#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/die.h"

#define CAP_PREFIX "CAP_"
#define N_CAP_NAMES 41 /* CAP_CHOWN (0) .. CAP_CHECKPOINT_RESTORE (40), Linux 5.9 */

/* Their names, indexed by number (linux/capability.h). */
static const char *const CAP_NAMES[N_CAP_NAMES] = {
    [CAP_CHOWN] = "CHOWN",
    [CAP_DAC_OVERRIDE] = "DAC_OVERRIDE",
    [CAP_DAC_READ_SEARCH] = "DAC_READ_SEARCH",
    [CAP_FOWNER] = "FOWNER",
    [CAP_FSETID] = "FSETID",
    [CAP_KILL] = "KILL",
    [CAP_SETGID] = "SETGID",
    [CAP_SETUID] = "SETUID",
    [CAP_SETPCAP] = "SETPCAP",
    [CAP_LINUX_IMMUTABLE] = "LINUX_IMMUTABLE",
    [CAP_NET_BIND_SERVICE] = "NET_BIND_SERVICE",
    [CAP_NET_BROADCAST] = "NET_BROADCAST",
    [CAP_NET_ADMIN] = "NET_ADMIN",
    [CAP_NET_RAW] = "NET_RAW",
    [CAP_IPC_LOCK] = "IPC_LOCK",
    [CAP_IPC_OWNER] = "IPC_OWNER",
    [CAP_SYS_MODULE] = "SYS_MODULE",
    [CAP_SYS_RAWIO] = "SYS_RAWIO",
    [CAP_SYS_CHROOT] = "SYS_CHROOT",
    [CAP_SYS_PTRACE] = "SYS_PTRACE",
    [CAP_SYS_PACCT] = "SYS_PACCT",
    [CAP_SYS_ADMIN] = "SYS_ADMIN",
    [CAP_SYS_BOOT] = "SYS_BOOT",
    [CAP_SYS_NICE] = "SYS_NICE",
    [CAP_SYS_RESOURCE] = "SYS_RESOURCE",
    [CAP_SYS_TIME] = "SYS_TIME",
    [CAP_SYS_TTY_CONFIG] = "SYS_TTY_CONFIG",
    [CAP_MKNOD] = "MKNOD",
    [CAP_LEASE] = "LEASE",
    [CAP_AUDIT_WRITE] = "AUDIT_WRITE",
    [CAP_AUDIT_CONTROL] = "AUDIT_CONTROL",
    [CAP_SETFCAP] = "SETFCAP",
    [CAP_MAC_OVERRIDE] = "MAC_OVERRIDE",
    [CAP_MAC_ADMIN] = "MAC_ADMIN",
    [CAP_SYSLOG] = "SYSLOG",
    [CAP_WAKE_ALARM] = "WAKE_ALARM",
    [CAP_BLOCK_SUSPEND] = "BLOCK_SUSPEND",
    [CAP_AUDIT_READ] = "AUDIT_READ",
    [CAP_PERFMON] = "PERFMON",
    [CAP_BPF] = "BPF",
    [CAP_CHECKPOINT_RESTORE] = "CHECKPOINT_RESTORE",
};

#define BIT(cap) (1ULL << (cap))
/* Docker's default set, the same 14 (moby oci/caps/defaults.go). */
static const uint64_t DEFAULT_CAPS =
    BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) | BIT(CAP_FOWNER) | BIT(CAP_MKNOD) |
    BIT(CAP_NET_RAW) | BIT(CAP_SETGID) | BIT(CAP_SETUID) | BIT(CAP_SETFCAP) | BIT(CAP_SETPCAP) |
    BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_SYS_CHROOT) | BIT(CAP_KILL) | BIT(CAP_AUDIT_WRITE);
#define ALL_CAPS (BIT(N_CAP_NAMES) - 1)

/* "sys_admin", "CAP_SYS_ADMIN" -> 21; "ALL" -> -2; unknown -> -1. */
static int cap_number(const char *name)
{
	if (strncasecmp(name, CAP_PREFIX, strlen(CAP_PREFIX)) == 0)
		name += strlen(CAP_PREFIX);
	if (strcasecmp(name, "ALL") == 0)
		return -2;
	for (int cap = 0; cap < N_CAP_NAMES; cap++)
		if (strcasecmp(name, CAP_NAMES[cap]) == 0)
			return cap;
	return -1;
}

/* OR the capabilities of list into *set; ALL sets *all. 0, or -1 with a message. */
static int collect(const char *option, const char *const *list, size_t n, uint64_t *set, bool *all)
{
	for (size_t i = 0; i < n; i++) {
		int cap = cap_number(list[i]);
		if (cap == -1)
			return failx("%s %s: unknown capability (see capabilities(7))", option,
				     list[i]);
		if (cap == -2)
			*all = true;
		else
			*set |= BIT(cap);
	}
	return 0;
}

int caps_prepare(struct caps *caps, const struct options *opt)
{
	uint64_t add = 0, drop = 0;
	bool add_all = false, drop_all = false;

	*caps = (struct caps){.all = opt->privileged};
	if (collect("--cap-add", opt->cap_add, opt->n_cap_add, &add, &add_all) < 0 ||
	    collect("--cap-drop", opt->cap_drop, opt->n_cap_drop, &drop, &drop_all) < 0)
		return -1;
	/* Docker's order (moby oci/caps TweakCapabilities): --cap-add ALL is
	 * everything but the drops; --cap-drop ALL is only the adds; else the
	 * defaults minus the drops plus the adds (an add wins). */
	if (add_all)
		caps->keep = ALL_CAPS & ~drop;
	else if (drop_all)
		caps->keep = add;
	else
		caps->keep = (DEFAULT_CAPS & ~drop) | add;
	if (opt->privileged)
		caps->keep = ALL_CAPS;
	return 0;
}

bool caps_keeps(const struct caps *caps, const char *name)
{
	int cap = cap_number(name);

	return cap >= 0 && (caps->keep & BIT(cap));
}

/* Drop every capability not kept from the bounding set, up to the last one
 * this kernel knows (PR_CAPBSET_READ says EINVAL past it). */
static void drop_bounding(uint64_t keep)
{
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		/* Needs CAP_SETPCAP, which we still have: the bounding set goes first. */
		if (cap >= 64 || !(keep & BIT(cap)))
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
				die_child("drop capability %d from the bounding set", cap);
}

void keep_capabilities_through_setuid(void)
{
	/* setuid(2) from root to another user (-u) empties every capability
	 * set (capabilities(7), "Effect of user ID changes"), CAP_SETPCAP too,
	 * which dropping the bounding set needs. PR_SET_KEEPCAPS keeps the
	 * permitted set (not the effective one); execve(2) clears the flag.
	 * runc does the same around its setuid. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		die_child("prctl(PR_SET_KEEPCAPS)");
}

/* After setuid(2) to another user only the permitted set is left: switch
 * it on again (effective = permitted), so that we may drop the rest. */
static void raise_effective(void)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &header, data) < 0)
		die_child("capget");
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		data[i].effective = data[i].permitted;
	if (syscall(SYS_capset, &header, data) < 0)
		die_child("capset");
}

void drop_capabilities(const struct caps *caps)
{
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {0};

	if (caps->all)
		return; /* --privileged: root stays root */
	raise_effective();
	drop_bounding(caps->keep);
	/* The ambient set lets a capability survive execve(2) of an ordinary
	 * file; Docker sets none, and neither do we. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die_child("clear the ambient capabilities");
	/* capset(2) sets the other three at once, as two 32-bit halves.
	 * Inheritable stays empty, as Docker >= 20.10.14 has it (CVE-2022-24769:
	 * an inheritable set let a program with inheritable file capabilities
	 * gain them, even as a non-root user). */
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		/* A non-root user keeps them until execve(2), which gives it
		 * none: no file capabilities, no ambient set (Docker's -u too). */
		data[i].effective = data[i].permitted = (uint32_t)(caps->keep >> (32 * i));
	if (syscall(SYS_capset, &header, data) < 0)
		die_child("capset");
}

void set_no_new_privs(void)
{
	/* From here on execve(2) never grants more than the caller has: a
	 * setuid-root program runs as the caller, file capabilities are
	 * ignored. It cannot be unset, and every child inherits it. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_child("prctl(PR_SET_NO_NEW_PRIVS)");
}
