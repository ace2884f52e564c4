/* fixtures.h - image archives built by the tests themselves with libarchive
 * (no binary blobs in the repository), with correct sha256 digests. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "common/archive.h"

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define FIXTURE_MAX_FILES 16

/* The scratch image store of a test case, in a /tmp directory of its own:
 * make_store_base/remove_store_base as an unchecked fixture (the directory
 * goes even when a test fails), fresh_store as a checked one (empty store/
 * and work/ for every test). Never /var/lib/kobako. */
extern char store[96], work[96];
void make_store_base(void);
void remove_store_base(void);
void fresh_store(void);

/* One tar entry. type: 'f' file (data = contents), 'd' directory, 'l' symlink
 * (data = target), 'h' hard link (data = target), 'c' character device 0/0. */
struct tar_entry {
	char type;
	const char *path;
	const char *data;
};

/* A tar archive in memory; filter is ARCHIVE_FILTER_NONE or _GZIP. If
 * with_busybox, bin/busybox (from the default rootfs) and bin/sh, bin/cat,
 * bin/ls, bin/echo links come first, so the layer can run commands. */
struct blob {
	unsigned char *data;
	size_t len;
	char digest[DIGEST_LEN + 1];
};
void make_tar(struct blob *out, int filter, bool with_busybox, const struct tar_entry *entries);
void blob_free(struct blob *b);

/* An image directory or archive under construction: files by path. */
struct layout {
	size_t n;
	struct {
		char path[128];
		struct blob blob;
	} files[FIXTURE_MAX_FILES];
};
/* Add a file (a copy of data); returns its digest. */
const char *layout_add(struct layout *l, const char *path, const void *data, size_t len);
/* Add data as blobs/sha256/<hex>; returns its digest. */
const char *layout_add_blob(struct layout *l, const void *data, size_t len);
/* Write the files below dir, or as one tar at path. */
void layout_write_dir(const struct layout *l, const char *dir);
void layout_write_tar(const struct layout *l, const char *path);
void layout_free(struct layout *l);

/* The two-layer test image. Lower: busybox, etc/os-release ("fixture lower"),
 * etc/deleteme, data/a, data/b. Upper: etc/os-release ("fixture upper"),
 * etc/.wh.deleteme, data/.wh..wh..opq, data/c. */
void make_two_layers(struct blob *lower, struct blob *upper, int filter);

/* OCI layout of the two-layer image, ref.name "v1"; with two_images also a
 * second image "v2" of the lower layer only. */
void make_oci(struct layout *l, int filter, bool two_images);
/* OCI layout (ref "v1") of one gzip layer, busybox plus entries, whose
 * config blob has config (JSON: {"Entrypoint": [...], "Env": [...], ...}). */
void make_oci_config(struct layout *l, const struct tar_entry *entries, const char *config);
/* The same as a docker save archive (plain tar layer). */
void make_docker_save_config(struct layout *l, const struct tar_entry *entries, const char *config);
/* docker save of the two-layer image, RepoTags ["fixture:latest"]. */
void make_docker_save(struct layout *l);

/* Flip one byte in the middle of path (a file on disk). */
void flip_byte(const char *path, off_t offset);
