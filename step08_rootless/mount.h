/* mount.h - step03's mechanism: a mount table of our own and a real root. */
#pragma once

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/cli.h"

/* The namespaces step03 adds to clone(2). */
#define MOUNT_NAMESPACES (CLONE_NEWNS | CLONE_NEWIPC)

/* In the child, in order (each exits 125 on failure):
 * stop mount events from flowing between the host and us, */
void make_mounts_private(void);
/* turn ROOTFS into a mount point of its own (pivot_root needs one), */
void bind_rootfs(const char *rootfs);
/* bind each -v volume below ROOTFS, never following a symlink out of it, */
void mount_volumes(const char *rootfs, const struct volume *volumes, size_t n);
/* mount /proc, /sys, a minimal /dev, /dev/pts, /dev/shm, /dev/mqueue below
 * ROOTFS (step08: before the pivot, which a user namespace needs), */
void mount_system_dirs(const char *rootfs);
/* make ROOTFS our "/" and drop every trace of the host's root, */
void pivot_into(const char *rootfs);
/* and with --read-only, make "/" itself read-only. */
void make_root_read_only(void);
