/* seccomp.h - step07's system call filter (libseccomp). */
#pragma once

#include "caps.h"
#include "common/cli.h"

struct syscall_filter {
	void *ctx; /* libseccomp's scmp_filter_ctx; NULL: no filter (unconfined, --privileged) */
};

/* Parent, before anything is made: build the filter, from kobako's own
 * profile or --security-opt seccomp=FILE (Docker's JSON format); rules that
 * depend on a capability follow caps. 0, or -1 with a one-line message. */
int seccomp_filter_prepare(struct syscall_filter *f, const struct options *opt,
			   const struct caps *caps);
/* Child, before the capabilities are dropped (without no_new_privs, loading
 * a filter needs CAP_SYS_ADMIN): install it. Exits 125 on failure. */
void seccomp_filter_load(const struct syscall_filter *f);
/* Free the filter (either side). Idempotent. */
void seccomp_filter_free(struct syscall_filter *f);
