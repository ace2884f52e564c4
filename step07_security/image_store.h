/* image_store.h - the content-addressed image store (default /var/lib/kobako):
 *
 *   layers/sha256/<hex>/     one unpacked layer, named by its blob's digest,
 *                            stored once however many images use it
 *   images/<name>.json       {"name", "id", "ref", "created", "size", "layers":
 *                            [bottom..top], "layer_sizes", "config": the config blob};
 *                            <name> with its tag ("busybox:latest") or digest
 *                            ("x@sha256:<hex>"), '/' written '+' (an older
 *                            store's busybox.json is renamed when next used)
 *   containers/<id>/layers   ["keep"], "image <id>", then the digests it stacks
 *   containers/<id>/         upper/, work/, rootfs/ of a running container, and
 *                            its layers record, flock()ed while it runs
 *   tmp/import-<random>/     an import in progress; renamed into place when done
 *   lock                     flock()ed: shared by run and imports (they only
 *                            add), exclusive to delete (rm, garbage collection)
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "image_manifest.h"

#define CONTAINERS_DIR "containers" /* below the store: one directory per container */
#define IMAGE_NAME_MAX 128 /* letters, digits, "._:-/@"; no component starting with "." */
#define CREATED_MAX 40 /* "2024-05-01T12:00:00.123456789Z" */

struct image_info {
	char name[IMAGE_NAME_MAX + 1];
	char id[DIGEST_LEN + 1];
	char created[CREATED_MAX]; /* RFC 3339, from the config (or the import) */
	uint64_t size; /* bytes on disk, all layers */
	size_t n_layers;
	char layers[IMAGE_MAX_LAYERS][DIGEST_LEN + 1]; /* bottom layer first */
	uint64_t layer_sizes[IMAGE_MAX_LAYERS]; /* bytes each occupies on disk */
};

/* Import file (a rootfs tarball, a docker save archive, an OCI layout as a
 * directory or tar) as image name; ref picks one of several images (or NULL).
 * All or nothing: on failure the store is as it was. Returns 0 or -1 after
 * one line naming the file and the reason; -1 with errno EINTR, quietly, if
 * a signal handler set extract_stop (archive.h) before the image was named. */
int store_import(const char *store, const char *file, const char *name, const char *ref);

/* store_import in its steps, for a pull that unpacks each layer as soon as
 * it is downloaded (pull.c): begin, store_import_layer for every layer (in
 * any order: each unpacks into a directory of its own), then finish, which
 * names the image, or abort, which leaves the store as it was. The import
 * holds the store's lock shared from begin until its image is named (run
 * and other imports go on), then exclusively to collect garbage or undo. */
struct store_import;

/* Take the store's lock, shared (if !wait and an rm or garbage collection
 * holds it: 1, quietly) and read what file holds: an OCI layout directory may still lack
 * its layer blobs, they are read by store_import_layer. *im on 0; -1 after a
 * message (quietly with errno EINTR for extract_stop). */
int store_import_begin(const char *store, const char *file, const char *name, const char *ref,
		       bool wait, struct store_import **im);

/* How many layers the image has. */
size_t store_import_count(const struct store_import *im);

/* Check, unpack and store layer i (0 = bottom), or take it from the store if
 * the layout lacks its blob. One call at a time; it may run on another thread
 * than the other steps. 0, or -1 (as store_import). */
int store_import_layer(struct store_import *im, size_t i);

/* Name the image (every layer stored), collect what the old image of that
 * name leaves; frees im. 0, or -1 (as store_import). */
int store_import_finish(struct store_import *im);

/* Give up: remove the layers this import stored that no image names by now,
 * free im. Waits for the imports under way (exclusive lock). Keeps errno. */
void store_import_abort(struct store_import *im);

/* Print REPOSITORY, TAG, IMAGE ID, CREATED, SIZE for every image, as docker
 * images does (only the header for a missing store). Returns 0 or -1. */
int store_list(const char *store, FILE *out);

/* Print the image's config ("Config": Entrypoint, Cmd, Env, ...) and its
 * layers (digest, size on disk) as JSON, as docker image inspect. 0 or -1. */
int store_inspect(const char *store, const char *name, FILE *out);

/* Forget image name (or every name of an ID prefix); delete the layers no
 * other image uses. Refused while a running container uses the image,
 * unless force (its layers stay until it ends). 0 or -1 after one line. */
int store_remove(const char *store, const char *name, bool force);

/* Load image name ("busybox" is "busybox:latest"), or an ID prefix of 4 or
 * more hex digits naming one image. Returns 0; -1 with errno ENOENT, quietly,
 * if there is no such image; -1 after a message for anything else. */
int store_load(const char *store, const char *name, struct image_info *info);

/* Is image name stored, and is its id id? Quiet (unless its JSON is bad). */
bool store_has_image(const char *store, const char *name, const char *id);

/* The image's config blob (json-c; NULL if it had none: a plain tarball).
 * Returns 0, or -1 after a message. json_object_put() it. */
int store_config(const char *store, const struct image_info *info, struct json_object **config);

/* Is the layer stored, and does an image name it? A layer no image names
 * is being imported (a pull stores each layer as it arrives, names the
 * image last, and may yet give up: its abort deletes the layer, maybe
 * before our import begins), or garbage: take it for missing. (Once begun,
 * an import that unpacks it anyway finds it stored and keeps that copy.) */
bool store_has_layer(const char *store, const char *digest);

/* store/layers/sha256/<hex> for a digest. Returns 0 or -1 (ENAMETOOLONG). */
int store_layer_path(const char *store, const char *digest, char *path, size_t size);

/* A shared hold on the store's lock (image rm and garbage collection take it
 * exclusively; imports share it): take it before reading an image, and close it once
 * store_hold_layers has made the record, so that no image rm deletes a layer
 * in between. Creates the store only if create; else a missing store is -1
 * with errno ENOENT after a message. Returns the descriptor, or -1. */
int store_lock_shared(const char *store, bool create);

/* dir/layers (dir: STORE/containers/<id>): the image's id and the layers
 * this container stacks, one digest a line, held (flock) for as long as the returned descriptor is
 * open. While it is held, image rm and re-imports keep those layers: deleting
 * the lowerdir of a mounted overlay is undefined. A record nobody holds was
 * left by a supervisor killed with SIGKILL: the next garbage collection
 * removes its container directory, or with keep (--keep) only the record.
 * Returns the descriptor, or -1 after a message. */
int store_hold_layers(const char *dir, const struct image_info *info, bool keep);

/* Remove the containers whose supervisor was killed with SIGKILL (a record
 * nobody holds), and with them their hold on layers; one line for each.
 * Call with the store lock held, shared or exclusive. */
void store_remove_dead_containers(const char *store);

/* Give the record up: remove dir/layers (the container's own files need no
 * layer, e.g. with --keep) and close fd. Ignores fd < 0. */
void store_unhold_layers(const char *dir, int fd);
