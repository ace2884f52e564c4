/* image.h - step06's mechanism: the root is a stack of image layers plus a
 * writable layer of the container's own, merged by overlayfs. */
#pragma once

#include <limits.h>
#include <stdbool.h>

#include "common/cli.h"

#define OVERLAY_OPTIONS_MAX 4096 /* mount(2) passes at most one page of options */

struct json_object;

struct image {
	char dir[PATH_MAX]; /* STORE/containers/<id> */
	char rootfs[PATH_MAX]; /* dir/rootfs: where the overlay goes */
	char options[OVERLAY_OPTIONS_MAX]; /* "lowerdir=..,upperdir=..,workdir=.." */
	int layers_fd; /* holds dir/layers, the layers we stack (image_store.h) */
	struct json_object *config; /* the image's config blob; NULL: none (a directory) */
	bool keep; /* --keep: leave dir behind */
	bool created; /* dir exists: release removes it */
};

/* `container image import|ls|rm|inspect ...` (argv[0] is "image"); an exit code. */
int image_command(int argc, char **argv);

/* Parent, before clone: find IMAGE's layers and config (an imported name or
 * ID, or a plain directory as the only, read-only layer) and make the
 * container's upper, work and rootfs directories. Returns 0 or -1 after one
 * line. */
int image_prepare(struct image *img, const struct options *opt);

/* Child, after its mounts went private: mount the overlay on img->rootfs.
 * Exits 125 on failure. */
void mount_image(const struct image *img);

/* Remove STORE/containers/<id> of a container whose supervisor was killed
 * (state.c). Returns 0 or -1 (printed). */
int image_take_back(const char *dir);

/* Parent, after the container ended: remove the upper layer, or with --keep
 * say where it is; free the config. Idempotent; keeps errno. */
void image_release(struct image *img);
