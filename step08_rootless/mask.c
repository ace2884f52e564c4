/* mask.c - masked and read-only paths: /proc is the container's, mostly.
 *
 * A PID namespace gives /proc the container's processes, but many files of
 * /proc and /sys are not about processes: they are the host's kernel.
 * /proc/kcore is its memory, /proc/keys its keyrings, /proc/timer_list and
 * /proc/sched_debug what every host process is doing, /proc/sys its settings
 * (write /proc/sys/kernel/core_pattern and the host runs your program as root
 * at the next crash), /proc/sysrq-trigger can reboot it. Without
 * CAP_SYS_ADMIN (caps.c) the container cannot undo what is done here:
 * unmounting or remounting needs it, and seccomp.c refuses mount(2) too.
 *
 * A file is masked by bind-mounting /dev/null over it (reads as empty), a
 * directory by an empty read-only tmpfs; the others are bind-mounted onto
 * themselves and remounted read-only (writes fail with EROFS). The lists are
 * Docker's (moby oci/defaults.go); /sys itself and /sys/fs/cgroup are already
 * read-only (mount.c, cgroup.c), and now stay so.
 *
 * man: mount(2) (MS_BIND, MS_REMOUNT), proc(5), sysfs(5)
 * runc: libcontainer/rootfs_linux.go (maskPath, readonlyPath)
 */
#include "mask.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "common/die.h"

/* Hidden: the host's kernel memory, keys, timers, scheduler, hardware. */
static const char *const MASKED[] = {
    "/proc/asound",	 "/proc/acpi",		"/proc/interrupts", "/proc/kcore",
    "/proc/keys",	 "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
    "/proc/sched_debug", "/proc/scsi",		"/sys/firmware",    "/sys/devices/virtual/powercap",
};

/* Visible but read-only: the host's settings and its buses. */
static const char *const READ_ONLY[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

static void mask_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return; /* not in this kernel: nothing to hide */
		die_child("mask %s", path);
	}
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0") < 0)
			die_child("mask %s with an empty tmpfs", path);
	} else if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
		die_child("mask %s with /dev/null", path);
	}
}

static void make_read_only(const char *path)
{
	struct statvfs fs;

	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno == ENOENT)
			return;
		die_child("bind %s", path);
	}
	/* The remount must repeat nosuid/nodev/noexec of /proc, or the
	 * kernel refuses to clear them (EPERM). */
	if (statvfs(path, &fs) < 0 || mount(NULL, path, NULL,
					    MS_REMOUNT | MS_BIND | MS_RDONLY |
						(fs.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC)),
					    NULL) < 0)
		die_child("make %s read-only", path);
}

void mask_kernel_files(void)
{
	for (size_t i = 0; i < sizeof(MASKED) / sizeof(MASKED[0]); i++)
		mask_path(MASKED[i]);
	for (size_t i = 0; i < sizeof(READ_ONLY) / sizeof(READ_ONLY[0]); i++)
		make_read_only(READ_ONLY[i]);
}
