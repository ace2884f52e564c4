/* chroot.h - step01's mechanism: change the root directory. */
#pragma once

/* In the child: make rootfs the process's "/" and cwd; exits 125 on failure. */
void enter_rootfs(const char *rootfs);
