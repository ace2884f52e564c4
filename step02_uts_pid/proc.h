/* proc.h - step02's /proc: mounted in the host's mount table (no mount
 * namespace yet), so the supervisor must take it down again. */
#pragma once

/* In the child: mount a proc filesystem for our PID namespace on ROOTFS/proc. */
void mount_proc(const char *rootfs);
/* In the parent, after the container ended: unmount ROOTFS/proc.
 * Returns 0 (also if it was not mounted) or -1. */
int unmount_proc(const char *rootfs);
