/* mask.h - step07's masked and read-only paths in /proc and /sys. */
#pragma once

/* Child, after /proc, /sys and /sys/fs/cgroup are mounted: hide the files
 * that show or change the host's kernel (/proc/kcore, /proc/keys, ...) and
 * make /proc/sys, /proc/sysrq-trigger, ... read-only, as runc does. A path
 * this kernel does not have is skipped. Exits 125 on failure. */
void mask_kernel_files(void);
