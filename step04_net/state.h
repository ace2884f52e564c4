/* state.h - what a container leaves on the host, and who takes it back. */
#pragma once

#include <limits.h>

#include "common/cli.h"

#define STATE_DIR "/run/kobako" /* one directory per container: STATE_DIR/<id> */

/* The container's state directory STATE_DIR/<id>, and the lock its
 * supervisor holds for as long as it lives. */
struct state {
	char dir[PATH_MAX]; /* "" until state_open() */
	int owner; /* dir/owner, flock()ed; -1: none */
};

/* Make STATE_DIR/<id> and hold its owner lock. Returns 0 or -1 (printed). */
int state_open(struct state *s, const char *id);

/* Add "KIND PATH" to the record of container id: something it made on the
 * host that a killed supervisor would leave ("cgroup /sys/fs/...", "upper
 * /var/lib/kobako/containers/<id>"). Record it before making it. 0 or -1. */
int state_record(const char *id, const char *kind, const char *path);

/* Is name a container id (64 hex digits), as STATE_DIR's entries are? */
bool state_is_id(const char *name);

/* Does a supervisor still hold container id's owner lock? */
bool state_alive(const char *id);

/* Called for each line of a dead container's record, with its id: undo it.
 * Returns 0, or -1 after printing why (the record then stays). */
typedef int take_back_fn(const char *id, const char *kind, const char *path);

/* Take back what every container whose supervisor is gone left behind:
 * each line of its record through take_back, then its directory; one line
 * on stderr for each. Returns the number of containers taken back. */
int state_reclaim(take_back_fn *take_back);

/* At the end, after every mechanism let go: drop the lock, remove the
 * record and the directory. Idempotent. */
void state_close(struct state *s);
