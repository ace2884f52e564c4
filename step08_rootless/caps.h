/* caps.h - step07's capabilities: root in the container is not the host's root. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/cli.h"

struct caps {
	uint64_t keep; /* bit N: capability N stays (capabilities(7) numbers) */
	bool all; /* --privileged: nothing is dropped */
};

/* Parent, before anything is made: Docker's 14 defaults, then --cap-drop and
 * --cap-add (ALL, NAME or CAP_NAME, any case). 0, or -1 with a message naming
 * the unknown capability. */
int caps_prepare(struct caps *caps, const struct options *opt);
/* Is capability `name` ("CAP_SYS_ADMIN" or "SYS_ADMIN") kept? (seccomp.c asks:
 * Docker's profiles allow some system calls only with a capability.) */
bool caps_keeps(const struct caps *caps, const char *name);
/* Child, before config_apply() changes the user (-u): keep the permitted
 * set through setuid(2), for drop_capabilities(). Exits 125 on failure. */
void keep_capabilities_through_setuid(void);
/* Child, last before exec (after -u): reduce the bounding, ambient,
 * inheritable, permitted and effective sets to caps->keep. A non-root user
 * then loses them all at execve(2), as in Docker. Exits 125 on failure. */
void drop_capabilities(const struct caps *caps);
/* Child: no_new_privs, so no execve(2) can ever grant more (setuid, file
 * capabilities). Exits 125 on failure. */
void set_no_new_privs(void);
