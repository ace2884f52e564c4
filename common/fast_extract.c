/* fast_extract.c - performance only, skip it on a first reading: what makes
 * archive.c unpack an image layer at least as fast as `tar -x`
 * (docs/benchmarks.md). Each part replaces a plain idea that is one line:
 *
 *   the sha256 of the archive    hashed on a second core while archive.c
 *                                unpacks (a ring of read buffers filled by
 *                                one thread, emptied by the other, in order;
 *                                nettle uses the CPU's SHA instructions)
 *   opening each entry's parent  the last one stays open (archives list a
 *                                directory's files one after the other)
 *   chown and chmod every file   only where they change something
 *
 * man: pthread_cond_wait(3), archive_read_open(3), nettle manual "SHA2",
 *      inode(7) (the group of a new file), acl(5)
 */
#include "fast_extract.h"

#include <sys/stat.h>
#include <sys/xattr.h>

#include <bsd/string.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* "sha256:<hex>" of what sha has seen (and sha starts over). */
static void digest_finish(struct sha256_ctx *sha, char out[DIGEST_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t raw[SHA256_DIGEST_SIZE];

	sha256_digest(sha, sizeof(raw), raw);
	strlcpy(out, "sha256:", DIGEST_LEN + 1);
	for (size_t i = 0; i < sizeof(raw); i++) {
		out[7 + 2 * i] = hex[raw[i] >> 4];
		out[7 + 2 * i + 1] = hex[raw[i] & 0xf];
	}
	out[DIGEST_LEN] = '\0';
}

void digest_data(const void *data, size_t len, char digest[DIGEST_LEN + 1])
{
	struct sha256_ctx sha;

	sha256_init(&sha);
	sha256_update(&sha, len, data);
	digest_finish(&sha, digest);
}

/* The hasher thread: hash each filled buffer in turn until done. */
static void *hash_buffers(void *data)
{
	struct hashed_source *s = data;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (s->hashed == s->filled && !s->done)
			pthread_cond_wait(&s->moved, &s->lock);
		if (s->hashed == s->filled)
			break; /* done, and all hashed */
		size_t i = s->hashed % SOURCE_BUFFERS;
		pthread_mutex_unlock(&s->lock); /* the reader won't touch buffer i */
		sha256_update(&s->sha, s->len[i], s->buf[i]);
		pthread_mutex_lock(&s->lock);
		s->hashed++;
		pthread_cond_broadcast(&s->moved);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int hashed_source_start(struct hashed_source *s, int fd)
{
	s->fd = fd;
	s->filled = s->hashed = 0;
	s->done = false;
	sha256_init(&s->sha);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->moved, NULL);
	errno = pthread_create(&s->hasher, NULL, hash_buffers, s);
	return errno ? -1 : 0;
}

/* Read the next block into the ring (once its buffer is hashed) and queue
 * it for hashing. Returns its length, 0 at the end, -1 with errno. */
static ssize_t source_fill(struct hashed_source *s, const void **block)
{
	ssize_t n;
	size_t i;

	pthread_mutex_lock(&s->lock);
	while (s->filled - s->hashed == SOURCE_BUFFERS)
		pthread_cond_wait(&s->moved, &s->lock);
	i = s->filled % SOURCE_BUFFERS;
	pthread_mutex_unlock(&s->lock);
	do
		n = read(s->fd, s->buf[i], READ_BLOCK);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	pthread_mutex_lock(&s->lock);
	s->len[i] = n;
	s->filled++;
	pthread_cond_broadcast(&s->moved);
	pthread_mutex_unlock(&s->lock);
	*block = s->buf[i];
	return n;
}

int hashed_source_finish(struct hashed_source *s, bool read_rest, char digest[DIGEST_LEN + 1])
{
	const void *block;
	ssize_t n = 0;

	while (read_rest && (n = source_fill(s, &block)) > 0)
		;
	pthread_mutex_lock(&s->lock);
	s->done = true;
	pthread_cond_broadcast(&s->moved);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->hasher, NULL);
	pthread_cond_destroy(&s->moved);
	pthread_mutex_destroy(&s->lock);
	digest_finish(&s->sha, digest);
	return n < 0 ? -1 : 0;
}

ssize_t hashed_source_read(struct archive *a, void *data, const void **block)
{
	ssize_t n = source_fill(data, block);

	if (n < 0)
		archive_set_error(a, errno, "read: %s", strerror(errno));
	return n;
}

/*** the last entry's directory, kept open ***/

int parent_cache_enter(struct parent_cache *c, int root, const char *parent,
		       int (*open_dir)(int root, const char *dir))
{
	struct stat st;

	if (c->valid && strcmp(c->path, parent) == 0)
		return c->fd;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = open_dir(root, parent);
	if (c->fd < 0 || fstat(c->fd, &st) < 0)
		return c->valid = false, -1;
	c->gid = st.st_gid;
	c->valid = strlcpy(c->path, parent, sizeof(c->path)) < sizeof(c->path);
	return c->fd;
}

void parent_cache_forget(struct parent_cache *c)
{
	c->valid = false;
}

void parent_cache_close(struct parent_cache *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->valid = false;
}

/*** chown and chmod only where they change something ***/

/* The bits the kernel takes off a new file's mode: the umask, unless the
 * top directory has a default ACL, which then rules instead (acl(5)); then
 * "all", so every file gets its chmod. No directory below gets a default
 * ACL of its own: mkdir(2) inherits one only from a parent that has one,
 * and copy_xattrs never copies system.* attributes. */
static mode_t creation_mask(int root)
{
	mode_t mask = umask(0);

	umask(mask);
	if (fgetxattr(root, "system.posix_acl_default", NULL, 0) < 0 &&
	    (errno == ENODATA || errno == ENOTSUP))
		return mask;
	return ALLPERMS;
}

struct new_file_defaults new_file_defaults(int root)
{
	return (struct new_file_defaults){
	    .uid = geteuid(), .gid = getegid(), .mask = creation_mask(root)};
}

bool chown_needed(const struct new_file_defaults *d, gid_t dir_gid, uid_t uid, gid_t gid)
{
	return uid != d->uid || gid != d->gid || dir_gid != d->gid;
}

bool chmod_needed(const struct new_file_defaults *d, mode_t perm)
{
	return (perm & ACCESSPERMS & ~d->mask) != perm;
}
