/* image_manifest.h - what an image archive says it holds: which layer blobs,
 * in which order, with which digests. Two formats, both unpacked to a
 * directory first:
 *
 *   OCI image layout   oci-layout, index.json, blobs/sha256/<hex>
 *                      (podman save --format oci-archive, skopeo, umoci)
 *   docker save        manifest.json, <config>.json, <layer>.tar
 *
 * Nothing is trusted: every blob is named by a sha256 digest that is checked,
 * every path is opened inside the directory (open_beneath).
 */
#pragma once

#include <limits.h>
#include <stddef.h>

#include "common/archive.h"

#define IMAGE_MAX_LAYERS 64 /* overlayfs stacks up to 500; images have ~5-30 */
#define IMAGE_REF_MAX 256 /* "registry/name:tag" */

struct layer_blob {
	char digest[DIGEST_LEN + 1]; /* what the layer's bytes must hash to */
	char path[PATH_MAX]; /* relative to the layout directory */
};

struct json_object;

struct manifest {
	char id[DIGEST_LEN + 1]; /* the image id: the config's digest */
	struct json_object *config; /* the config blob (Entrypoint, Env, ...); NULL if none */
	char ref[IMAGE_REF_MAX]; /* the chosen ref/tag, "" if none */
	size_t n_layers;
	struct layer_blob layers[IMAGE_MAX_LAYERS]; /* bottom layer first */
};

/* Is dir_fd an OCI layout or a docker save directory? */
int manifest_is_image(int dir_fd);

/* Read the image in dir_fd (label names it in messages). ref picks one of
 * several images ("latest", "busybox:1.36", an OCI ref.name), NULL takes the
 * only one. Returns 0, or -1 after one line naming the file and the reason. */
int manifest_read(int dir_fd, const char *label, const char *ref, struct manifest *m);

/* Free what manifest_read kept (the config). */
void manifest_free(struct manifest *m);

/* "sha256:<64 hex>" -> 0; anything else (another algorithm, "../x") -> -1. */
int digest_check(const char *digest);
