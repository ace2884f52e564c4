/* fast_extract.h - performance only: what makes archive.c as fast as
 * `tar -x` (fast_extract.c says what each part replaces). */
#pragma once

#include <archive.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "archive.h"

#define READ_BLOCK (512 * 1024) /* bytes handed to libarchive per read */
#define SOURCE_BUFFERS 4 /* read blocks in flight, waiting to be hashed */

/* The raw archive bytes pass through here, so the digest covers exactly
 * what libarchive read. They are hashed by a second thread, on the other
 * core, while this one creates files: a ring of buffers that the reader
 * fills and the hasher empties, both in order. A buffer is refilled only
 * once it is hashed; libarchive only uses the block it got last
 * (archive_read_open(3)), so with two buffers or more it never waits on us. */
struct hashed_source {
	int fd;
	struct sha256_ctx sha; /* the hasher's only, until it is joined */
	pthread_t hasher;
	pthread_mutex_t lock;
	pthread_cond_t moved; /* filled, hashed or done changed */
	unsigned long filled, hashed; /* buffers so far: hashed <= filled <= hashed + N */
	bool done; /* nothing more will be filled */
	size_t len[SOURCE_BUFFERS];
	unsigned char buf[SOURCE_BUFFERS][READ_BLOCK];
};

/* Start hashing what will be read from fd. Returns 0 or -1 with errno. */
int hashed_source_start(struct hashed_source *s, int fd);
/* libarchive's read callback (archive_read_open(3)); data is the source. */
ssize_t hashed_source_read(struct archive *a, void *data, const void **block);
/* Hash the rest of the file (libarchive may stop before the tar padding),
 * wait for the hasher, write the digest. Always stops the thread. */
int hashed_source_finish(struct hashed_source *s, bool read_rest, char digest[DIGEST_LEN + 1]);

/* The directory the last entry went into, still open: archives list a
 * directory's files one after the other, so most entries reuse it instead
 * of resolving their parent again. */
struct parent_cache {
	bool valid;
	int fd; /* O_PATH, or -1 */
	gid_t gid; /* its group: a new file's, if the directory is set-group-ID */
	char path[PATH_MAX];
};
/* parent (below root) as an O_PATH fd owned by the cache; open_dir opens it
 * when it is not the cached one. -1 with errno. */
int parent_cache_enter(struct parent_cache *c, int root, const char *parent,
		       int (*open_dir)(int root, const char *dir));
/* Something was removed: a cached directory may be gone, or a symlink on
 * its path replaced, so the next entry resolves its parent afresh, exactly
 * as without the cache. (The fd stays open for the entry in progress.) */
void parent_cache_forget(struct parent_cache *c);
void parent_cache_close(struct parent_cache *c);

/* What a new file gets without chown(2)/chmod(2): our euid, our egid (or a
 * set-group-ID directory's group), the entry's permissions less mask. */
struct new_file_defaults {
	uid_t uid;
	gid_t gid;
	mode_t mask; /* what the kernel takes off a new file's mode */
};
struct new_file_defaults new_file_defaults(int root);
/* Would chown(2) to uid:gid change a new file in a directory of group
 * dir_gid? It has our euid, and our egid or, in a set-group-ID directory (or
 * on a "grpid" mount), the directory's group (inode(7)). */
bool chown_needed(const struct new_file_defaults *d, gid_t dir_gid, uid_t uid, gid_t gid);
/* Would chmod(2) to perm change a file created with perm (open_new_file)? */
bool chmod_needed(const struct new_file_defaults *d, mode_t perm);
