/* archive.h - plumbing: unpack a tar archive (plain, gzip, xz, zstd, bzip2) into a
 * directory without letting any entry reach outside it, hashing the raw bytes
 * on the way (the layer's sha256 digest).
 *
 * Every path is resolved by the kernel with openat2(2) RESOLVE_IN_ROOT, as if
 * the directory were "/": an absolute path, a symlink to "/" or a chain of
 * symlinks all stay inside. ".." in an entry's name is refused outright.
 */
#pragma once

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIGEST_HEX_LEN 64 /* sha256 in hex */
#define DIGEST_LEN (7 + DIGEST_HEX_LEN) /* "sha256:" + hex */

/* Entries the caller places itself: those whose name (last component)
 * starts with prefix. place() gets the root, the entry's parent directory
 * (dir_fd, O_PATH; parent: its path below the root) and the name; it
 * returns 0 or -1 with errno. */
struct extract_special {
	const char *prefix;
	int (*place)(int root, int dir_fd, const char *parent, const char *name);
};

struct extract_result {
	char digest[DIGEST_LEN + 1]; /* "sha256:<hex>" of the archive's bytes */
	uint64_t bytes; /* sum of the regular files' sizes */
};

/* A signal handler sets it (to the signal's number) to stop an extraction
 * between two entries: a Ctrl-C must not wait for a whole layer. Atomic, not
 * only volatile: the handler may run on another thread than the one that
 * unpacks (container-pull's extractor); a lock-free atomic is safe in a
 * signal handler too. */
extern atomic_int extract_stop;

/* Unpack the archive open on fd (named label in messages) into the existing
 * directory dir_fd; special (or NULL) names the entries the caller places.
 * Returns 0, or -1 after one line "LABEL: reason"; -1 with errno EINTR and
 * nothing printed once extract_stop is set (the caller says so). */
int extract_archive(int fd, const char *label, int dir_fd, const struct extract_special *special,
		    struct extract_result *result);

/* "sha256:<hex>" of len bytes at data, in fast_extract.c (nettle: SHA-NI / AVX code when the
 * CPU has it, 1.4 GB/s here against libmd's 0.2 GB/s). */
void digest_data(const void *data, size_t len, char digest[DIGEST_LEN + 1]);

/* openat2(2) path below root with RESOLVE_IN_ROOT | RESOLVE_NO_XDEV: symlinks
 * and absolute names resolve as if root were "/", and no mount below is
 * crossed; "" is root itself. Returns an fd or -1 with errno. (step03's
 * mount.c has its own open_in_root for volumes, which may cross mounts.) */
int open_beneath(int root, const char *path, int flags);
