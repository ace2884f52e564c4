/* image_store.c - import, list and remove images in the content-addressed
 * store (layout in image_store.h).
 *
 * An import never leaves half an image: archives unpack below tmp/ and are
 * renamed into place (rename(2) is atomic on one filesystem); layers this
 * import added are deleted again if a later step fails; the image's JSON is
 * written last. Imports and removals hold an flock(2) on store/lock, so
 * anything left in tmp/ when we get the lock is a crashed import's: deleted.
 *
 * man: rename(2), flock(2), flopen(3), json_object_to_json_string_ext
 */
#include "image_store.h"

#include <bsd/libutil.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/die.h"
#include "common/path.h"
#include "whiteout.h"

#define LAYERS_DIR "layers/sha256"
#define IMAGES_DIR "images"
#define TMP_DIR "tmp"
#define LOCK_FILE "lock" /* flock()ed: LOCK_EX to change the store, LOCK_SH to read it */
#define RECORD_FILE "layers" /* containers/<id>/layers */
#define RECORD_KEEP "keep\n" /* its first line, for a container run with --keep */
#define UNPACK_TMP "unpack" /* below tmp/: the archive, unpacked */
#define LAYER_TMP "layer" /* below tmp/: the layer being unpacked */
#define IMAGE_TMP "image.json" /* below tmp/: the image's JSON, before rename */
#define STORE_MODE 0700 /* layers hold other users' files: root only */

struct import {
	const char *file, *name, *ref;
	int store_fd, tmp_fd, lock_fd, layout_fd;
	bool plain; /* a rootfs tarball: tmp/unpack is the layer */
	struct manifest m;
	bool added[IMAGE_MAX_LAYERS]; /* layers this import put in the store */
	uint64_t size;
};

static int check_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > IMAGE_NAME_MAX || name[0] == '.')
		return -1;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._:-", *p))
			return -1;
	return 0;
}

int store_layer_path(const char *store, const char *digest, char *path, size_t size)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), LAYERS_DIR "/%s", digest + 7);
	return path_join(path, size, store, rel);
}

/* Create the store's directories, take the lock, clear a crashed import's
 * leftovers. Fills store_fd, lock_fd, tmp_fd. */
static int open_store(const char *store, struct import *im)
{
	char path[PATH_MAX];
	const char *dirs[] = {LAYERS_DIR, IMAGES_DIR, CONTAINERS_DIR};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (path_join(path, sizeof(path), store, dirs[i]) < 0 ||
		    mkdir_p(path, STORE_MODE) < 0)
			return fail("image store %s", path);
	im->store_fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (im->store_fd < 0)
		return fail("image store %s", store);
	path_join(path, sizeof(path), store, LOCK_FILE);
	im->lock_fd = flopen(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600); /* waits for LOCK_EX */
	if (im->lock_fd < 0)
		return fail("lock %s", path);
	if (remove_tree(im->store_fd, TMP_DIR) < 0 ||
	    mkdirat(im->store_fd, TMP_DIR, STORE_MODE) < 0 ||
	    (im->tmp_fd = openat(im->store_fd, TMP_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fail("image store %s/" TMP_DIR, store);
	return 0;
}

static void close_store(struct import *im)
{
	if (im->store_fd >= 0)
		remove_tree(im->store_fd, TMP_DIR);
	for (int *fd = &im->store_fd; fd <= &im->layout_fd; fd++)
		if (*fd >= 0 && !(fd == &im->layout_fd && *fd == im->tmp_fd))
			close(*fd);
}

/* A new empty directory tmp/name, opened. */
static int make_tmp_dir(struct import *im, const char *name)
{
	if (mkdirat(im->tmp_fd, name, 0755) < 0)
		return fail("mkdir tmp/%s", name);
	int fd = openat(im->tmp_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? fail("open tmp/%s", name) : fd;
}

/* A directory is an OCI layout or docker save; a file is unpacked: if it
 * holds one of those it is the layout, else it is a whole root filesystem. */
static int open_source(struct import *im)
{
	struct extract_result res;
	int fd, r;

	im->layout_fd = open(im->file, O_RDONLY | O_CLOEXEC);
	if (im->layout_fd < 0)
		return fail("%s", im->file);
	if (is_directory(im->file))
		return manifest_read(im->layout_fd, im->file, im->ref, &im->m);
	fd = im->layout_fd;
	im->layout_fd = make_tmp_dir(im, UNPACK_TMP);
	r = im->layout_fd < 0 ? -1 : extract_archive(fd, im->file, im->layout_fd, NULL, &res);
	close(fd);
	if (r < 0)
		return -1;
	if (manifest_is_image(im->layout_fd))
		return manifest_read(im->layout_fd, im->file, im->ref, &im->m);
	im->plain = true; /* one layer; the tarball's digest is its name and the id */
	im->m.n_layers = 1;
	strlcpy(im->m.layers[0].digest, res.digest, sizeof(im->m.layers[0].digest));
	strlcpy(im->m.id, res.digest, sizeof(im->m.id));
	im->size = res.bytes;
	return 0;
}

/* Move tmp/tmp_name to layers/sha256/<hex>, unless that layer is already
 * stored: then this copy goes (content addressing: same digest, same bytes). */
static int commit_layer(struct import *im, const char *tmp_name, size_t i)
{
	char dst[PATH_MAX];

	snprintf(dst, sizeof(dst), LAYERS_DIR "/%s", im->m.layers[i].digest + 7);
	if (faccessat(im->store_fd, dst, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return remove_tree(im->tmp_fd, tmp_name) < 0 ? fail("remove tmp/%s", tmp_name) : 0;
	if (renameat(im->tmp_fd, tmp_name, im->store_fd, dst) < 0)
		return fail("rename tmp/%s to %s", tmp_name, dst);
	im->added[i] = true;
	return 0;
}

/* Unpack layer i from its blob, check its digest, store it. */
static int import_layer(struct import *im, size_t i)
{
	struct layer_blob *blob = &im->m.layers[i];
	struct extract_result res;
	int fd = open_beneath(im->layout_fd, blob->path, O_RDONLY), dir_fd, r;

	if (fd < 0)
		return fail("%s: layer %s", im->file, blob->path);
	dir_fd = make_tmp_dir(im, LAYER_TMP);
	r = dir_fd < 0 ? -1 : extract_archive(fd, blob->path, dir_fd, &oci_whiteouts, &res);
	close(fd);
	if (dir_fd >= 0)
		close(dir_fd);
	if (r == 0 && strcmp(res.digest, blob->digest) != 0)
		r = failx("%s: layer %s: digest mismatch (expected %s, got %s)", im->file,
			  blob->path, blob->digest, res.digest);
	if (r == 0)
		im->size += res.bytes;
	return r < 0 ? remove_tree(im->tmp_fd, LAYER_TMP), -1 : commit_layer(im, LAYER_TMP, i);
}

static int import_layers(struct import *im)
{
	if (im->plain)
		return commit_layer(im, UNPACK_TMP, 0);
	for (size_t i = 0; i < im->m.n_layers; i++)
		if (import_layer(im, i) < 0)
			return -1;
	return 0;
}

/* Write images/<name>.json: via tmp/, fsync'd, renamed over any old one. */
static int write_image(struct import *im)
{
	json_object *image = json_object_new_object(), *layers = json_object_new_array();
	char dst[PATH_MAX];
	const char *text;
	int fd, r;

	json_object_object_add(image, "name", json_object_new_string(im->name));
	json_object_object_add(image, "id", json_object_new_string(im->m.id));
	json_object_object_add(image, "ref", json_object_new_string(im->m.ref));
	json_object_object_add(image, "size", json_object_new_int64(im->size));
	for (size_t i = 0; i < im->m.n_layers; i++)
		json_object_array_add(layers, json_object_new_string(im->m.layers[i].digest));
	json_object_object_add(image, "layers", layers);
	text = json_object_to_json_string_ext(image, JSON_C_TO_STRING_PRETTY);
	fd = openat(im->tmp_fd, IMAGE_TMP, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	r = fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd) < 0 ? -1
											      : 0;
	if (fd >= 0)
		close(fd);
	snprintf(dst, sizeof(dst), IMAGES_DIR "/%s.json", im->name);
	if (r == 0 && renameat(im->tmp_fd, IMAGE_TMP, im->store_fd, dst) < 0)
		r = -1;
	json_object_put(image);
	return r < 0 ? fail("write %s", dst) : 0;
}

/* Undo: the layers this import stored belong to nobody. */
static void forget_new_layers(struct import *im)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < im->m.n_layers; i++) {
		snprintf(path, sizeof(path), LAYERS_DIR "/%s", im->m.layers[i].digest + 7);
		if (im->added[i])
			remove_tree(im->store_fd, path);
	}
}

static int is_json(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

/* Names of all images, sorted (scandir(3)). Returns the count or -1. */
static int list_images(const char *store, struct dirent ***names)
{
	char path[PATH_MAX];

	path_join(path, sizeof(path), store, IMAGES_DIR);
	int n = scandir(path, names, is_json, alphasort);
	if (n < 0 && errno == ENOENT)
		return *names = NULL, 0;
	return n < 0 ? fail("%s", path) : n;
}

enum record { NO_RECORD, HELD, DEAD };

/* Open containers/<id>/layers (*fd; close it) and say whose it is: HELD by
 * a running supervisor, or DEAD: nobody holds it, its supervisor was killed
 * with SIGKILL. NO_RECORD: being made, or given up at exit (--keep). (A
 * supervisor killed before its record had a name leaves a directory that
 * no one removes: the window is a few system calls wide.) */
static enum record open_record(DIR *containers, const char *id, int *fd)
{
	char record[NAME_MAX + 16];

	snprintf(record, sizeof(record), "%s/" RECORD_FILE, id);
	if (id[0] == '.' || (*fd = openat(dirfd(containers), record, O_RDONLY | O_CLOEXEC)) < 0)
		return NO_RECORD;
	return flock(*fd, LOCK_EX | LOCK_NB) < 0 ? HELD : DEAD; /* EWOULDBLOCK: held */
}

/* A dead container goes, with its writes; with --keep (the record's first
 * line) only its record goes, and the writes stay to be looked at. */
static void remove_dead_container(DIR *containers, const char *dir, const char *id, int fd)
{
	char first[sizeof(RECORD_KEEP)] = "", record[NAME_MAX + 16];
	bool keep = pread(fd, first, strlen(RECORD_KEEP), 0) == (ssize_t)strlen(RECORD_KEEP) &&
		    strcmp(first, RECORD_KEEP) == 0;

	snprintf(record, sizeof(record), "%s/" RECORD_FILE, id);
	if ((keep ? unlinkat(dirfd(containers), record, 0) : remove_tree(dirfd(containers), id)) <
	    0)
		fail("remove %s/%s", dir, keep ? record : id);
}

/* Remove the dead containers (see open_record), and with them their hold on
 * layers. Call with the store lock held. */
static void remove_dead_containers(const char *store)
{
	char dir[PATH_MAX];
	struct dirent *d;
	int fd;

	path_join(dir, sizeof(dir), store, CONTAINERS_DIR);
	DIR *containers = opendir(dir);
	while (containers && (d = readdir(containers))) {
		enum record whose = open_record(containers, d->d_name, &fd);
		if (whose == DEAD)
			remove_dead_container(containers, dir, d->d_name, fd);
		if (whose != NO_RECORD)
			close(fd);
	}
	if (containers)
		closedir(containers);
}

/* Does a running container stack the layer with this hex digest? (A record
 * we cannot read counts as yes: keeping a layer is the safe mistake.) */
static bool layer_in_container(const char *store, const char *hex)
{
	char dir[PATH_MAX], text[8192], line[80];
	struct dirent *d;
	bool found = false;
	ssize_t n;
	int fd;

	path_join(dir, sizeof(dir), store, CONTAINERS_DIR);
	DIR *containers = opendir(dir);
	snprintf(line, sizeof(line), "sha256:%s\n", hex);
	while (containers && !found && (d = readdir(containers))) {
		enum record whose = open_record(containers, d->d_name, &fd);
		if (whose == NO_RECORD)
			continue;
		n = whose == HELD ? read(fd, text, sizeof(text) - 1) : 0;
		close(fd);
		text[n > 0 ? n : 0] = '\0';
		found = n < 0 || strstr(text, line) != NULL;
	}
	if (containers)
		closedir(containers);
	return found;
}

/* Is the layer with this hex digest part of some image? */
static bool layer_in_use(const char *store, struct dirent **names, int n, const char *hex)
{
	struct image_info info;

	if (layer_in_container(store, hex))
		return true;

	for (int i = 0; i < n; i++) {
		names[i]->d_name[strlen(names[i]->d_name) - 5] = '\0';
		if (store_load(store, names[i]->d_name, &info) < 0) {
			strlcat(names[i]->d_name, ".json", sizeof(names[i]->d_name));
			return true; /* unreadable image: keep everything, be safe */
		}
		strlcat(names[i]->d_name, ".json", sizeof(names[i]->d_name));
		for (size_t l = 0; l < info.n_layers; l++)
			if (strcmp(info.layers[l] + 7, hex) == 0)
				return true;
	}
	return false;
}

/* Delete a layer: first out of layers/ into tmp/ (rename(2) is atomic),
 * then its files: a crash halfway never leaves a partial layer that a
 * later import would take for whole; tmp/ is emptied when the store opens. */
static int discard_layer(int store_fd, int layers_fd, const char *hex)
{
	char trash[PATH_MAX];

	snprintf(trash, sizeof(trash), TMP_DIR "/gc-%s", hex);
	if (renameat(layers_fd, hex, store_fd, trash) < 0 || remove_tree(store_fd, trash) < 0)
		return fail("remove layer %s", hex);
	return 0;
}

/* Delete every stored layer that no image lists. Call with the lock held. */
static int collect_garbage(const char *store, int store_fd)
{
	struct dirent **names, *d;
	int n = list_images(store, &names), r = n < 0 ? -1 : 0;
	int layers_fd = openat(store_fd, LAYERS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = n < 0 || layers_fd < 0 ? NULL : fdopendir(layers_fd);

	remove_dead_containers(store);
	while (dir && r == 0 && (d = readdir(dir)))
		if (d->d_name[0] != '.' && !layer_in_use(store, names, n, d->d_name))
			r = discard_layer(store_fd, layers_fd, d->d_name);
	if (dir)
		closedir(dir);
	else if (layers_fd >= 0)
		close(layers_fd);
	for (int i = 0; i < n; i++)
		free(names[i]);
	if (n >= 0)
		free(names);
	return r;
}

int store_import(const char *store, const char *file, const char *name, const char *ref)
{
	struct import im = {.file = file,
			    .name = name,
			    .ref = ref,
			    .store_fd = -1,
			    .tmp_fd = -1,
			    .lock_fd = -1,
			    .layout_fd = -1};
	int r;

	if (check_name(name) < 0)
		return failx(
		    "image name '%s': use 1 to %d letters, digits or ._:- (not a leading '.')",
		    name, IMAGE_NAME_MAX);
	r = open_store(store, &im);
	if (r == 0)
		r = open_source(&im); /* what is in the file? */
	if (r == 0)
		r = import_layers(&im); /* unpack, verify, store */
	if (r == 0)
		r = write_image(&im); /* the image exists from here */
	if (r < 0)
		forget_new_layers(&im);
	else
		r = collect_garbage(store, im.store_fd); /* an older image of that name */
	close_store(&im);
	return r;
}

int store_remove(const char *store, const char *name)
{
	struct import im = {.store_fd = -1, .tmp_fd = -1, .lock_fd = -1, .layout_fd = -1};
	char path[PATH_MAX];
	int r = check_name(name) < 0 ? -1 : open_store(store, &im);

	snprintf(path, sizeof(path), IMAGES_DIR "/%s.json", name);
	if (r == 0 && unlinkat(im.store_fd, path, 0) < 0)
		r = errno == ENOENT ? failx("image %s: no such image", name)
				    : fail("remove %s", path);
	else if (r == 0)
		r = collect_garbage(store, im.store_fd);
	else if (check_name(name) < 0)
		failx("image %s: no such image", name);
	close_store(&im);
	return r;
}

/* Fill info from the parsed JSON; -1 if a field is missing or malformed. */
static int parse_image(json_object *obj, struct image_info *info)
{
	json_object *v, *layers;

	if (!json_object_object_get_ex(obj, "id", &v) ||
	    strlcpy(info->id, json_object_get_string(v), sizeof(info->id)) >= sizeof(info->id) ||
	    !json_object_object_get_ex(obj, "size", &v) ||
	    !json_object_object_get_ex(obj, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array))
		return -1;
	info->size = json_object_get_int64(v);
	info->n_layers = json_object_array_length(layers);
	if (info->n_layers == 0 || info->n_layers > IMAGE_MAX_LAYERS)
		return -1;
	for (size_t i = 0; i < info->n_layers; i++) {
		const char *d = json_object_get_string(json_object_array_get_idx(layers, i));
		if (digest_check(d) < 0)
			return -1;
		strlcpy(info->layers[i], d, sizeof(info->layers[i]));
	}
	return 0;
}

int store_load(const char *store, const char *name, struct image_info *info)
{
	char rel[PATH_MAX], path[PATH_MAX];
	json_object *obj;
	int r;

	if (check_name(name) < 0)
		return errno = ENOENT, -1;
	snprintf(rel, sizeof(rel), IMAGES_DIR "/%s.json", name);
	if (path_join(path, sizeof(path), store, rel) < 0)
		return fail("%s", rel);
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? -1 : fail("%s", path);
	*info = (struct image_info){0};
	strlcpy(info->name, name, sizeof(info->name));
	obj = json_object_from_file(path);
	r = obj ? parse_image(obj, info) : -1;
	json_object_put(obj);
	if (r < 0)
		return errno = EINVAL, failx("%s: not a valid image description", path);
	return 0;
}

int store_list(const char *store, FILE *out)
{
	struct dirent **names;
	struct image_info info;
	char size[8];
	int n = list_images(store, &names), r = n < 0 ? -1 : 0;

	fprintf(out, "%-24s %-12s %8s %s\n", "NAME", "IMAGE ID", "SIZE", "LAYERS");
	for (int i = 0; i < n; i++) {
		names[i]->d_name[strlen(names[i]->d_name) - 5] = '\0';
		if (store_load(store, names[i]->d_name, &info) == 0) {
			humanize_number(size, sizeof(size), info.size, "B", HN_AUTOSCALE,
					HN_DECIMAL | HN_NOSPACE | HN_DIVISOR_1000);
			fprintf(out, "%-24s %-12.12s %8s %zu\n", info.name, info.id + 7, size,
				info.n_layers);
		} else {
			r = -1;
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return r;
}

int store_lock_shared(const char *store)
{
	char path[PATH_MAX];
	int fd;

	if (mkdir_p(store, STORE_MODE) < 0 || path_join(path, sizeof(path), store, LOCK_FILE) < 0)
		return fail("image store %s", store);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_SH) < 0) {
		fail("lock %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int store_hold_layers(const char *dir, const struct image_info *info, bool keep)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	int fd, ok;

	if (path_join(tmp, sizeof(tmp), dir, "." RECORD_FILE ".tmp") < 0 ||
	    path_join(path, sizeof(path), dir, RECORD_FILE) < 0)
		return fail("%s/" RECORD_FILE, dir);
	/* Locked before it appears under its name, so that the garbage
	 * collector never finds it unheld while we run. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ok = fd >= 0 && flock(fd, LOCK_SH) == 0 && (!keep || dprintf(fd, RECORD_KEEP) > 0);
	for (size_t i = 0; ok && i < info->n_layers; i++)
		ok = dprintf(fd, "%s\n", info->layers[i]) > 0;
	if (ok && rename(tmp, path) == 0)
		return fd;
	fail("record the layers in %s", path);
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	return -1;
}

void store_unhold_layers(const char *dir, int fd)
{
	char path[PATH_MAX];

	if (fd < 0)
		return;
	if (path_join(path, sizeof(path), dir, RECORD_FILE) == 0 && unlink(path) < 0 &&
	    errno != ENOENT)
		fail("remove %s", path);
	close(fd);
}
