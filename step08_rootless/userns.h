/* userns.h - step08's mechanism: a user namespace, whose root is nobody outside. */
#pragma once

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cli.h"
#include "image.h"

#define USERNS_IDS 65536 /* ids a container gets: enough for any image's users */
#define ROOTFS_NAME "rootfs" /* image.c's STORE/containers/<id>/rootfs */
#define REMAP_USER "kobako" /* --userns=remap: its /etc/subuid and /etc/subgid ranges */

/* One line of /proc/PID/uid_map: ids inside..inside+count-1 are
 * outside..outside+count-1 on the host. */
struct id_range {
	unsigned long inside, outside, count;
};

struct userns {
	bool on; /* the container gets a user namespace of its own */
	struct id_range uid[2], gid[2]; /* the lines of uid_map and gid_map */
	size_t n; /* 1: the caller's own id only; 2: plus subordinate ids */
	bool helpers; /* newuidmap/newgidmap write them (an unprivileged caller) */
	size_t n_lowers; /* --userns remap: idmapped layers mounted as DIR/lowerN */
	int cwd_fd; /* --userns remap: where we were before chdir to the overlay */
	char root[4]; /* --userns remap: ".", the child's root is its cwd; or "" */
};

/* The caller (not root) as root of its own namespace: its uid and gid are 0
 * inside, and with ranges in /etc/subuid and /etc/subgid (and the uidmap
 * package's helpers) ids 1..65535 are its subordinate ids. Without them,
 * one id only, after a one-line note of what will not work. 0 or -1. */
int userns_plan_rootless(struct userns *u);

/* Root's --userns=remap: ids 0..65535 inside are REMAP_USER's range of
 * /etc/subuid and /etc/subgid, so root inside is nobody outside. 0 or -1. */
int userns_plan_remap(struct userns *u);

/* Parent, after parse_options: --userns remap plans the maps (root only);
 * otherwise the container shares our user namespace. 0 or -1. */
int userns_prepare(struct userns *u, const struct options *opt);

/* The flag for clone(2): CLONE_NEWUSER with --userns remap, else 0. */
uint64_t userns_namespace(const struct userns *u);

/* Parent, after image_prepare: with --userns remap, the container's own
 * directories (upper, work, rootfs) belong to its root. 0 or -1. */
int userns_give_dirs(const struct userns *u, const struct image *img);

/* Parent, before clone, with --userns remap: in a mount namespace of our
 * own, mount img's layers idmapped (owner 0 on disk shows as the
 * container's root) and the overlay on them; the child inherits it. 0 or -1. */
int userns_mount_image(struct userns *u, const struct image *img);

/* The path by which the child reaches its root: img->rootfs, or with
 * --userns remap "." (root's store is closed to it; its cwd is the overlay). */
const char *userns_rootfs(const struct userns *u, const struct image *img);

/* Parent, at the end: unmount what userns_mount_image mounted. Idempotent. */
void userns_unmount_image(struct userns *u, const struct image *img);

/* Parent, after clone(CLONE_NEWUSER), before the go: write the child's
 * gid_map and uid_map (through newgidmap/newuidmap when u->helpers). 0 or -1. */
int userns_write_maps(const struct userns *u, pid_t pid);

/* Move this process itself into a new user namespace with u's maps: from
 * then on it is root there (rootless: the supervisor, the image store). 0 or -1. */
int userns_enter(const struct userns *u);

/* Child, after the go, with --userns remap: become uid and gid 0 of the
 * namespace (we were cloned as host root, which is not in its map). Exits
 * 125 on failure. */
void userns_become_root(const struct userns *u);

/* The host uid and gid that the container's root is. */
uid_t userns_root_uid(const struct userns *u);
gid_t userns_root_gid(const struct userns *u);
