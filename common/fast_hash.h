/* fast_hash.h - performance only: an archive's sha256 computed on a second
 * core while it is read (fast_hash.c says why). */
#pragma once

#include <archive.h>
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
