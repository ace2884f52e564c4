/* seccomp.h - step07's system call filter (libseccomp compiles it, the
 * kernel runs it; the compiled program is cached). */
#pragma once

#include <linux/filter.h>

#include "caps.h"
#include "common/cli.h"

#define SECCOMP_CACHE_DIR "/run/kobako/seccomp" /* root's compiled filters */

struct syscall_filter {
	struct sock_fprog prog; /* the BPF program, as seccomp(2) takes it; .filter NULL: none
				   (unconfined, --privileged) */
};

/* Parent, before anything is made: the filter of kobako's own profile or of
 * --security-opt seccomp=FILE (Docker's JSON format), for the capabilities
 * in caps, compiled to BPF, or taken from cache_dir if it was compiled
 * before (the directory is made if missing; NULL: no cache). 0, or -1 with
 * a one-line message. */
int seccomp_filter_prepare(struct syscall_filter *f, const struct options *opt,
			   const struct caps *caps, const char *cache_dir);
/* Child, before the capabilities are dropped (without no_new_privs, loading
 * a filter needs CAP_SYS_ADMIN): install it. Exits 125 on failure. */
void seccomp_filter_load(const struct syscall_filter *f);
/* Free the filter (either side). Idempotent. */
void seccomp_filter_free(struct syscall_filter *f);
