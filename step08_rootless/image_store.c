/* image_store.c - import, list and remove images in the content-addressed
 * store (layout in image_store.h).
 *
 * An import never leaves half an image: archives unpack below tmp/ and are
 * renamed into place (rename(2) is atomic on one filesystem); layers this
 * import added are deleted again if a later step fails; the image's JSON is
 * written last. An import is four steps (begin, a layer, finish or abort):
 * `image import` runs them in a row, a pull unpacks each layer as it arrives.
 *
 * The store's lock (flock(2) on store/lock) keeps that safe without making
 * anyone wait for a download:
 *   - shared: `run` (from reading an image until it holds its layers) and an
 *     import (from begin until its image is named). Under it one only adds,
 *     atomically: a layer unpacks into tmp/import-<random>, the import's
 *     own directory, and is renamed into layers/ (if another import was
 *     quicker, its copy is the same bytes: ours goes); the image's JSON
 *     likewise.
 *   - exclusive: whatever deletes (image rm, the garbage an import's new
 *     name leaves, an import given up) and the emptying of tmp/. Nobody
 *     else is inside then, so a layer no image names is nobody's, and all
 *     of tmp/ is crashed imports' leftovers.
 * So a pull may take minutes and `run` goes on; rm waits for it, and so
 * do an import's garbage collection and the undoing of one given up.
 *
 * man: rename(2) (RENAME_NOREPLACE), flock(2), mkdtemp(3), json_object_to_json_string_ext
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
#include <search.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "common/die.h"
#include "common/path.h"
#include "whiteout.h"

#define LAYERS_DIR "layers/sha256"
#define IMAGES_DIR "images"
#define TMP_DIR "tmp"
#define IMPORT_TMP TMP_DIR "/import-XXXXXX" /* an import's own directory, mkdtemp(3) */
#define LOCK_FILE "lock" /* flock()ed: LOCK_SH to read or add, LOCK_EX to delete */
#define RECORD_FILE "layers" /* containers/<id>/layers */
#define RECORD_KEEP "keep\n" /* its first line, for a container run with --keep */
#define UNPACK_TMP "unpack" /* below the import's directory: the archive, unpacked */
#define LAYER_TMP "layer" /* there: the layer being unpacked */
#define IMAGE_TMP "image.json" /* there: the image's JSON, before rename */
#define STORE_MODE 0700 /* layers hold other users' files: root only */

struct store_import {
	const char *store, *file, *ref;
	char name[IMAGE_NAME_MAX + 1]; /* canonical: "busybox:latest" */
	int store_fd, tmp_fd, lock_fd, layout_fd; /* tmp_fd: tmp_name, or (exclusive) tmp/ */
	char tmp_name[sizeof(IMPORT_TMP)];
	bool exclusive; /* the lock: exclusive, else shared */
	bool plain; /* a rootfs tarball: unpack (in its directory) is the layer */
	unsigned made; /* bit i: open_store made SKELETON[i]; LOCK_MADE */
	struct manifest m;
	bool added[IMAGE_MAX_LAYERS]; /* layers this import put in the store */
	uint64_t disk[IMAGE_MAX_LAYERS]; /* bytes each layer occupies on disk */
};

static int normalize_name(const char *name, char out[IMAGE_NAME_MAX + 1]);

/* "x@sha256:<hex>", a name pinned by a digest (what `pull x@sha256:<hex>`
 * stores): x must be a name without a tag. Such a name has no tag: docker
 * shows <none>. -1 if malformed. */
static int normalize_pinned(const char *name, const char *at, char out[IMAGE_NAME_MAX + 1])
{
	char repo[IMAGE_NAME_MAX + 1], canonical[IMAGE_NAME_MAX + 1];
	size_t len = at - name;

	if (len > IMAGE_NAME_MAX || digest_check(at + 1) < 0)
		return -1;
	memcpy(repo, name, len), repo[len] = '\0';
	if (normalize_name(repo, canonical) < 0 || strlen(canonical) != len + strlen(":latest"))
		return -1; /* a tag as well (nothing was added): docker says one or the other */
	return strlcpy(out, name, IMAGE_NAME_MAX + 1) > IMAGE_NAME_MAX ? -1 : 0;
}

/* Docker's local names: "busybox" is "busybox:latest"; "library/busybox:1.36"
 * and "localhost:5000/x" are names too, and "x@sha256:<hex>". Letters, digits
 * and ._-/: only, no component starting with '.' (so no ".."), no empty
 * component. The canonical name (with its tag) goes to out. -1 if malformed. */
static int normalize_name(const char *name, char out[IMAGE_NAME_MAX + 1])
{
	const char *slash = strrchr(name, '/'), *colon = strrchr(name, ':');
	bool tagged = colon && (!slash || colon > slash) && colon[1];

	if (strchr(name, '@'))
		return normalize_pinned(name, strchr(name, '@'), out);
	if (!*name || name[0] == '/' || name[strlen(name) - 1] == '/' || strstr(name, "//") ||
	    (colon && !colon[1]))
		return -1;
	for (const char *p = name; *p; p++)
		if ((!isalnum((unsigned char)*p) && !strchr("._:-/", *p)) ||
		    (*p == '.' && (p == name || p[-1] == '/')))
			return -1;
	return snprintf(out, IMAGE_NAME_MAX + 1, "%s%s", name, tagged ? "" : ":latest") >
		       IMAGE_NAME_MAX
		   ? -1
		   : 0;
}

/* images/<name>.json, '/' written as '+' (which no name has): one file per
 * name, never a directory. */
static void image_file(const char *name, char *rel, size_t size)
{
	snprintf(rel, size, IMAGES_DIR "/%s.json", name);
	for (char *p = rel + strlen(IMAGES_DIR "/"); *p; p++)
		*p = *p == '/' ? '+' : *p;
}

/* The name stored in images/<file>: ".json" off, '+' back to '/'. */
static void name_of_file(const char *file, char name[IMAGE_NAME_MAX + 1])
{
	strlcpy(name, file, IMAGE_NAME_MAX + 1);
	if (strlen(name) > 5)
		name[strlen(name) - 5] = '\0';
	for (char *p = name; *p; p++)
		*p = *p == '+' ? '/' : *p;
}

/* An image's file (scandir's filter): "<name>.json". */
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

/* Stores from before Docker's names kept an untagged image as
 * images/busybox.json: it is images/busybox:latest.json now (every name has
 * a tag or a digest, so a ':'). Call with the store's lock held: shared is
 * enough (an import naming busybox:latest meanwhile wins either way). */
static void rename_old_images(const char *store)
{
	char dir[PATH_MAX], name[IMAGE_NAME_MAX + 1], canonical[IMAGE_NAME_MAX + 1], rel[PATH_MAX];
	const char *file = rel + strlen(IMAGES_DIR "/");
	DIR *images = path_join(dir, sizeof(dir), store, IMAGES_DIR) < 0 ? NULL : opendir(dir);
	struct dirent *d;

	while (images && (d = readdir(images))) {
		name_of_file(d->d_name, name);
		if (!is_json(d) || strchr(d->d_name, ':') || normalize_name(name, canonical) < 0)
			continue;
		image_file(canonical, rel, sizeof(rel));
		int r = renameat2(dirfd(images), d->d_name, dirfd(images), file, RENAME_NOREPLACE);
		if (r < 0 && errno == EEXIST)
			unlinkat(dirfd(images), d->d_name, 0); /* imported since: that one counts */
	}
	if (images)
		closedir(images);
}

/* rename_old_images for a reader (image ls, inspect), unless an rm holds
 * the lock (exclusive): that one renames them. */
static void rename_old_images_now(const char *store)
{
	char path[PATH_MAX];
	int fd = path_join(path, sizeof(path), store, LOCK_FILE) < 0
		     ? -1
		     : open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) == 0)
		rename_old_images(store);
	if (fd >= 0)
		close(fd);
}

int store_layer_path(const char *store, const char *digest, char *path, size_t size)
{
	char rel[PATH_MAX];

	snprintf(rel, sizeof(rel), LAYERS_DIR "/%s", digest + 7);
	return path_join(path, size, store, rel);
}

/* The store's directories and its lock: an import that is given up removes
 * what it made of them (the bits of made), so that a first pull that fails
 * leaves no empty store behind. */
static const char *SKELETON[] = {"layers", LAYERS_DIR, IMAGES_DIR, CONTAINERS_DIR};
#define N_SKELETON (sizeof(SKELETON) / sizeof(SKELETON[0]))
#define LOCK_MADE (1u << N_SKELETON)
#define STORE_MADE (2u << N_SKELETON) /* the store's directory itself */

/* Open path and flock(2) it how (LOCK_SH or LOCK_EX, | LOCK_NB); if the
 * file we waited on was removed meanwhile (an import given up takes back the
 * lock it made: unmake_store), lock the one there now (as flopen(3) does).
 * The descriptor, or -1 (errno EWOULDBLOCK: held, with LOCK_NB). */
static int lock_file(const char *path, int how)
{
	struct stat held, now;

	for (;;) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600), saved;
		if (fd < 0)
			return -1;
		if (flock(fd, how) < 0)
			return saved = errno, close(fd), errno = saved, -1;
		if (fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_ino == now.st_ino &&
		    held.st_dev == now.st_dev)
			return fd;
		close(fd);
	}
}

/* Make the store's directories (those missing: bits in made), clear a
 * crashed import's leftovers if exclusive, else make the import's own
 * directory in tmp/. Fills tmp_fd (and tmp_name). */
static int make_store_dirs(const char *store, struct store_import *im)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < N_SKELETON; i++)
		if (mkdirat(im->store_fd, SKELETON[i], STORE_MODE) == 0)
			im->made |= 1u << i;
		else if (errno != EEXIST) /* (made by another import meanwhile: fine) */
			return fail("image store %s/%s", store, SKELETON[i]);
	rename_old_images(store);
	if (im->exclusive && remove_tree(im->store_fd, TMP_DIR) < 0)
		return fail("image store %s/" TMP_DIR, store);
	if (mkdirat(im->store_fd, TMP_DIR, STORE_MODE) < 0 && errno != EEXIST)
		return fail("image store %s/" TMP_DIR, store);
	if (im->exclusive)
		strlcpy(im->tmp_name, TMP_DIR, sizeof(im->tmp_name));
	else if (path_join(path, sizeof(path), store, IMPORT_TMP) < 0 || !mkdtemp(path))
		return fail("mkdtemp %s/" IMPORT_TMP, store);
	else /* the same on the store's filesystem: rename(2) into layers/ works */
		strlcpy(im->tmp_name, path + strlen(path) - strlen(IMPORT_TMP),
			sizeof(im->tmp_name));
	im->tmp_fd = openat(im->store_fd, im->tmp_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return im->tmp_fd < 0 ? fail("image store %s/%s", store, im->tmp_name) : 0;
}

/* Take the lock, shared for an import, exclusive for rm (or, unless wait,
 * return 1 quietly if another holds it the other way), create the store's
 * directories. Fills store_fd, lock_fd, tmp_fd, made. 0, 1 or -1. */
static int open_store(const char *store, struct store_import *im, bool exclusive, bool wait)
{
	char path[PATH_MAX];

	if (access(store, F_OK) < 0 && errno == ENOENT)
		im->made = STORE_MADE;
	if (mkdir_p(store, STORE_MODE) < 0 ||
	    (im->store_fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fail("image store %s", store);
	if (faccessat(im->store_fd, LOCK_FILE, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		im->made |= LOCK_MADE; /* (or another import, meanwhile: it can go all the same) */
	path_join(path, sizeof(path), store, LOCK_FILE);
	im->exclusive = exclusive;
	im->lock_fd = lock_file(path, (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB));
	if (im->lock_fd < 0 && !wait && errno == EWOULDBLOCK)
		return 1;
	if (im->lock_fd < 0)
		return errno == EINTR && extract_stop ? -1 : fail("lock %s", path);
	return make_store_dirs(store, im);
}

/* From the shared lock to the exclusive one, to delete. flock(2) cannot
 * convert atomically (it unlocks, then waits), nor can we: in between,
 * others may name images or delete what no image names. Harmless: our image
 * is named (finish) or given up (abort), and under the exclusive lock we
 * delete only what no image names and nobody holds. 0, or -1 quietly if
 * others are inside and !wait (EWOULDBLOCK), or a signal ends the wait
 * (EINTR: what we would delete stays for the next import or rm). */
static int lock_exclusively(struct store_import *im, bool wait)
{
	char path[PATH_MAX];

	if (im->exclusive)
		return 0;
	if (im->tmp_fd >= 0)
		close(im->tmp_fd), im->tmp_fd = -1;
	if (remove_tree(im->store_fd, im->tmp_name) < 0)
		fail("remove %s/%s", im->store, im->tmp_name);
	im->tmp_name[0] = '\0';
	close(im->lock_fd);
	path_join(path, sizeof(path), im->store, LOCK_FILE);
	im->exclusive = true;
	if ((im->lock_fd = lock_file(path, LOCK_EX | (wait ? 0 : LOCK_NB))) < 0)
		return errno == EINTR || errno == EWOULDBLOCK ? -1 : fail("lock %s", path);
	return make_store_dirs(im->store, im); /* tmp/: now all leftovers */
}

static void close_store(struct store_import *im)
{
	if (im->store_fd >= 0 && im->lock_fd >= 0 && im->tmp_name[0]) /* ours (all, if exclusive) */
		remove_tree(im->store_fd, im->tmp_name);
	for (int *fd = &im->store_fd; fd <= &im->layout_fd; fd++)
		if (*fd >= 0 && !(fd == &im->layout_fd && *fd == im->tmp_fd))
			close(*fd);
	manifest_free(&im->m);
}

/* A new empty directory tmp/name, opened. */
static int make_tmp_dir(struct store_import *im, const char *name)
{
	if (mkdirat(im->tmp_fd, name, 0755) < 0)
		return fail("mkdir tmp/%s", name);
	int fd = openat(im->tmp_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? fail("open tmp/%s", name) : fd;
}

/* A directory is an OCI layout or docker save; a file is unpacked: if it
 * holds one of those it is the layout, else it is a whole root filesystem. */
static int open_source(struct store_import *im)
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
	return 0;
}

static int compare_inodes(const void *a, const void *b)
{
	ino_t x = *(const ino_t *)a, y = *(const ino_t *)b;

	return x < y ? -1 : x > y;
}

/* Bytes the tree below dir_fd/name occupies on disk, as du(1) counts them:
 * allocated blocks (st_blocks), not sizes, so a sparse file counts what it
 * holds; a hard-linked file once (seen: a tsearch(3) tree of inodes). */
static uint64_t disk_usage(int dir_fd, const char *name, void **seen)
{
	struct stat st;
	struct dirent *d;
	uint64_t bytes;
	int fd;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (st.st_nlink > 1 && !S_ISDIR(st.st_mode)) {
		ino_t *ino = malloc(sizeof(*ino));
		if (!ino)
			return 0;
		*ino = st.st_ino;
		if (*(ino_t **)tsearch(ino, seen, compare_inodes) != ino)
			return free(ino), 0; /* counted already */
	}
	bytes = (uint64_t)st.st_blocks * 512; /* st_blocks is in 512-byte units, stat(2) */
	if (!S_ISDIR(st.st_mode) ||
	    (fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return bytes;
	DIR *dir = fdopendir(fd);
	while (dir && (d = readdir(dir)))
		if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0)
			bytes += disk_usage(fd, d->d_name, seen);
	dir ? closedir(dir) : close(fd);
	return bytes;
}

/* Move tmp_name (in the import's directory) to layers/sha256/<hex>, unless
 * that layer is stored: then this copy goes (content addressing: same
 * digest, same bytes). RENAME_NOREPLACE: another import may store it at the
 * same moment; exactly one rename wins, and no layer is ever replaced. */
static int commit_layer(struct store_import *im, const char *tmp_name, size_t i)
{
	char dst[PATH_MAX];
	void *seen = NULL;

	im->disk[i] = disk_usage(im->tmp_fd, tmp_name, &seen);
	tdestroy(seen, free);
	snprintf(dst, sizeof(dst), LAYERS_DIR "/%s", im->m.layers[i].digest + 7);
	if (renameat2(im->tmp_fd, tmp_name, im->store_fd, dst, RENAME_NOREPLACE) == 0)
		return im->added[i] = true, 0;
	if (errno != EEXIST)
		return fail("rename %s/%s to %s", im->tmp_name, tmp_name, dst);
	if (remove_tree(im->tmp_fd, tmp_name) < 0)
		return fail("remove %s/%s", im->tmp_name, tmp_name);
	return 0;
}

static int load_image(const char *store, const char *name, struct image_info *info);

/* Does an image list this layer? The bytes on disk its JSON records for
 * it to *size (0 if it has none). */
static bool recorded_size(const char *store, const char *digest, uint64_t *size)
{
	struct dirent **names;
	struct image_info info;
	char name[IMAGE_NAME_MAX + 1];
	int n = list_images(store, &names);
	bool found = false;

	*size = 0;
	for (int i = 0; i < n; i++) {
		name_of_file(names[i]->d_name, name);
		if (!*size && load_image(store, name, &info) == 0)
			for (size_t l = 0; l < info.n_layers; l++)
				if (strcmp(info.layers[l], digest) == 0)
					*size = info.layer_sizes[l], found = true;
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return found;
}

bool store_has_layer(const char *store, const char *digest)
{
	char path[PATH_MAX];
	uint64_t size;

	return store_layer_path(store, digest, path, sizeof(path)) == 0 &&
	       access(path, F_OK) == 0 && recorded_size(store, digest, &size);
}

/* A layout may lack the blob of a layer the store has: a pull downloads
 * only the layers that are not stored. Its size is what an image records,
 * else counted (a re-pull of a 200 MiB image need not stat 25,000 files). */
static int use_stored_layer(struct store_import *im, size_t i)
{
	char path[PATH_MAX];
	void *seen = NULL;

	snprintf(path, sizeof(path), LAYERS_DIR "/%s", im->m.layers[i].digest + 7);
	if (faccessat(im->store_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return fail("%s: layer %s", im->file, im->m.layers[i].path);
	recorded_size(im->store, im->m.layers[i].digest, &im->disk[i]);
	if (!im->disk[i])
		im->disk[i] = disk_usage(im->store_fd, path, &seen);
	tdestroy(seen, free);
	return 0;
}

/* Unpack layer i from its blob, check its digest, store it. */
static int import_layer(struct store_import *im, size_t i)
{
	struct layer_blob *blob = &im->m.layers[i];
	struct extract_result res;
	int fd = open_beneath(im->layout_fd, blob->path, O_RDONLY), dir_fd, r;

	if (fd < 0 && errno == ENOENT)
		return use_stored_layer(im, i);
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
	return r < 0 ? remove_tree(im->tmp_fd, LAYER_TMP), -1 : commit_layer(im, LAYER_TMP, i);
}

/* When the image was made: the config's "created" (RFC 3339), else now (as
 * `docker import` has it). */
static json_object *created_of(json_object *config)
{
	json_object *v;
	char now[32];
	time_t t = time(NULL);

	if (config && json_object_object_get_ex(config, "created", &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get(v);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	return json_object_new_string(now);
}

/* The image's JSON (image_store.h), as text owned by the returned object. */
static json_object *describe_image(const struct store_import *im)
{
	json_object *image = json_object_new_object(), *layers = json_object_new_array(),
		    *sizes = json_object_new_array();
	uint64_t size = 0;

	json_object_object_add(image, "name", json_object_new_string(im->name));
	json_object_object_add(image, "id", json_object_new_string(im->m.id));
	json_object_object_add(image, "ref", json_object_new_string(im->m.ref));
	json_object_object_add(image, "created", created_of(im->m.config));
	for (size_t i = 0; i < im->m.n_layers; i++) {
		json_object_array_add(layers, json_object_new_string(im->m.layers[i].digest));
		json_object_array_add(sizes, json_object_new_int64(im->disk[i]));
		size += im->disk[i];
	}
	json_object_object_add(image, "size", json_object_new_int64(size));
	json_object_object_add(image, "layers", layers);
	json_object_object_add(image, "layer_sizes", sizes);
	/* The config blob as the archive had it: `run` takes Entrypoint, Cmd,
	 * Env, WorkingDir and User from its "config". */
	json_object_object_add(image, "config",
			       im->m.config ? json_object_get(im->m.config) : NULL);
	return image;
}

/* Write images/<name>.json: via tmp/, fsync'd, renamed over any old one. */
static int write_image(struct store_import *im)
{
	json_object *image = describe_image(im);
	char dst[PATH_MAX];
	const char *text;
	int fd, r;

	text = json_object_to_json_string_ext(image, JSON_C_TO_STRING_PRETTY);
	fd = openat(im->tmp_fd, IMAGE_TMP, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	r = fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fsync(fd) < 0 ? -1
											      : 0;
	if (fd >= 0)
		close(fd);
	image_file(im->name, dst, sizeof(dst));
	if (r == 0 && renameat(im->tmp_fd, IMAGE_TMP, im->store_fd, dst) < 0)
		r = -1;
	json_object_put(image);
	return r < 0 ? fail("write %s", dst) : 0;
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
	    0) {
		if (errno != ENOENT) /* ENOENT: another run was quicker */
			fail("remove %s/%s", dir, keep ? record : id);
		return;
	}
	fprintf(stderr,
		"container: took back what container %.12s left (its supervisor is gone): %s\n", id,
		keep ? "its record, its writes kept (--keep)" : "its writes");
}

void store_remove_dead_containers(const char *store)
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

/* Does a running container's record have this line ("sha256:<hex>\n" for a
 * layer it stacks, "image sha256:<hex>\n" for its image)? Its id goes to
 * who (NAME_MAX + 1 bytes). A record we cannot read counts as yes: keeping a
 * layer is the safe mistake. */
static bool held_by(const char *store, const char *line, char *who)
{
	char dir[PATH_MAX], text[8192] = "\n", needle[128];
	struct dirent *d;
	bool found = false;
	ssize_t n;
	int fd;

	/* a whole line: "sha256:X" is also the end of "image sha256:X" */
	snprintf(needle, sizeof(needle), "\n%s", line);
	path_join(dir, sizeof(dir), store, CONTAINERS_DIR);
	DIR *containers = opendir(dir);
	while (containers && !found && (d = readdir(containers))) {
		enum record whose = open_record(containers, d->d_name, &fd);
		if (whose == NO_RECORD)
			continue;
		n = whose == HELD ? read(fd, text + 1, sizeof(text) - 2) : 0;
		close(fd);
		text[n > 0 ? n + 1 : 1] = '\0';
		found = n < 0 || strstr(text, needle) != NULL;
		if (found)
			strlcpy(who, d->d_name, NAME_MAX + 1);
	}
	if (containers)
		closedir(containers);
	return found;
}

/* Is the layer with this hex digest part of some image? */
static bool layer_in_use(const char *store, struct dirent **names, int n, const char *hex)
{
	char line[80], who[NAME_MAX + 1], name[IMAGE_NAME_MAX + 1];
	struct image_info info;

	snprintf(line, sizeof(line), "sha256:%s\n", hex);
	if (held_by(store, line, who))
		return true;
	for (int i = 0; i < n; i++) {
		name_of_file(names[i]->d_name, name);
		if (store_load(store, name, &info) < 0)
			return true; /* unreadable image: keep everything, be safe */
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

	store_remove_dead_containers(store);
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

/* ---- an import, in four steps: begin, each layer, then finish or abort ---- */

/* An import given up: remove what it made of the store's skeleton, if it
 * is empty (rmdir), the lock last while we hold it (exclusive: lock_file
 * sees that it went and takes the next one), then the store's directory if
 * it made it. */
static void unmake_store(struct store_import *im)
{
	if (im->lock_fd < 0 || !im->made)
		return;
	remove_tree(im->store_fd, TMP_DIR);
	for (size_t i = N_SKELETON; i-- > 0;)
		if (im->made & (1u << i))
			unlinkat(im->store_fd, SKELETON[i], AT_REMOVEDIR);
	if (im->made & LOCK_MADE)
		unlinkat(im->store_fd, LOCK_FILE, 0);
	if (im->made & STORE_MADE)
		rmdir(im->store);
}

int store_import_begin(const char *store, const char *file, const char *name, const char *ref,
		       bool wait, struct store_import **out)
{
	struct store_import *im = calloc(1, sizeof(*im));
	int r;

	if (!im)
		return fail("import %s", file);
	*im = (struct store_import){.store = store,
				    .file = file,
				    .ref = ref,
				    .store_fd = -1,
				    .tmp_fd = -1,
				    .lock_fd = -1,
				    .layout_fd = -1};
	if (normalize_name(name, im->name) < 0)
		r = failx("image name '%s': expected NAME[:TAG] of letters, digits and ._-/: "
			  "(no component starting with '.'), at most %d",
			  name, IMAGE_NAME_MAX);
	else
		r = open_store(store, im, false, wait); /* shared: run goes on */
	if (r == 0)
		r = open_source(im); /* what is in the file? */
	if (r == 0)
		return *out = im, 0;
	if (r < 0)
		store_import_abort(im); /* bad input leaves nothing */
	else
		close_store(im), free(im); /* (busy: nothing was made but the store) */
	return r;
}

size_t store_import_count(const struct store_import *im)
{
	return im->m.n_layers;
}

int store_import_layer(struct store_import *im, size_t i)
{
	int r = -1;

	if (!extract_stop)
		r = im->plain ? commit_layer(im, UNPACK_TMP, 0) /* unpacked by begin */
			      : import_layer(im, i); /* unpack, verify, store */
	return r < 0 && extract_stop ? (errno = EINTR, -1) : r;
}

int store_import_finish(struct store_import *im)
{
	int r = extract_stop ? (errno = EINTR, -1) /* the last moment to stop */
			     : write_image(im); /* the image exists from here */

	if (r < 0)
		return store_import_abort(im), -1;
	/* Named. The older image of that name may leave layers no image names:
	 * deleting them needs the store to ourselves, so this waits for the
	 * imports under way (a signal meanwhile: the next one collects them). */
	if (lock_exclusively(im, true) == 0)
		r = collect_garbage(im->store, im->store_fd);
	else
		r = errno == EINTR ? 0 : -1;
	close_store(im);
	free(im);
	return r;
}

/* Did this import store a layer? */
static bool added_layers(const struct store_import *im)
{
	for (size_t i = 0; i < im->m.n_layers; i++)
		if (im->added[i])
			return true;
	return false;
}

void store_import_abort(struct store_import *im)
{
	int saved = errno;

	/* To delete a layer of ours, wait for the imports under way (one may
	 * have found it stored and named its image since); with none, tidy up
	 * only if nobody is inside (else who is uses the store, and tmp/ goes
	 * with the next rm or import). With the store to ourselves, the layers
	 * no image names and no container holds are garbage: ours among them. */
	if (im->lock_fd >= 0 && lock_exclusively(im, added_layers(im)) == 0) {
		collect_garbage(im->store, im->store_fd);
		unmake_store(im);
	}
	close_store(im);
	free(im);
	errno = saved;
}

int store_import(const char *store, const char *file, const char *name, const char *ref)
{
	struct store_import *im = NULL;
	int r = store_import_begin(store, file, name, ref, true, &im);

	for (size_t i = 0; r == 0 && i < store_import_count(im); i++)
		r = store_import_layer(im, i);
	if (r == 0)
		return store_import_finish(im);
	if (im)
		store_import_abort(im);
	return -1;
}

/* The names (canonical) of every image with this id, sorted; the count, or
 * -1. Free *names. */
static int names_with_id(const char *store, const char *id, char (**names)[IMAGE_NAME_MAX + 1])
{
	struct dirent **files;
	struct image_info info;
	int n = list_images(store, &files), found = 0;

	*names = n > 0 ? calloc(n, sizeof(**names)) : NULL;
	for (int i = 0; i < n; i++) {
		name_of_file(files[i]->d_name, info.name);
		if (*names && store_load(store, info.name, &info) == 0 && strcmp(info.id, id) == 0)
			strlcpy((*names)[found++], info.name, sizeof(**names));
		free(files[i]);
	}
	if (n >= 0)
		free(files);
	return n > 0 && !*names ? fail("%s", store) : found;
}

/* May the names of image id go? Not the last one while a running
 * container uses the image, unless forced (as docker rmi -f); not all
 * names of an id given as an ID prefix unless forced. */
static int check_removal(const char *store, const char *given, const struct image_info *info,
			 int n_names, bool by_id, bool force)
{
	char line[DIGEST_LEN + 16], who[NAME_MAX + 1];

	if (force)
		return 0;
	if (by_id && n_names > 1)
		return failx("image %s: %d names refer to it (remove them by name, or use -f)",
			     given, n_names);
	snprintf(line, sizeof(line), "image %s\n", info->id);
	if ((by_id || n_names == 1) && held_by(store, line, who))
		return failx("image %s: in use by running container %.12s (use -f to remove it "
			     "anyway: the container keeps its layers)",
			     given, who);
	return 0;
}

int store_remove(const char *store, const char *name, bool force)
{
	struct store_import im = {.store_fd = -1, .tmp_fd = -1, .lock_fd = -1, .layout_fd = -1};
	char canonical[IMAGE_NAME_MAX + 1], rel[PATH_MAX], (*names)[IMAGE_NAME_MAX + 1] = NULL;
	struct image_info info = {0};
	int n = 0, r;

	/* Only an import creates a store: a typo in --root finds nothing. */
	if (!is_directory(store))
		return failx("image %s: no such image (no image store at %s)", name, store);
	r = open_store(store, &im, true, true);
	if (r == 0 && store_load(store, name, &info) < 0)
		r = errno == ENOENT ? failx("image %s: no such image", name) : -1;
	if (r == 0)
		r = n = names_with_id(store, info.id, &names);
	bool by_id = normalize_name(name, canonical) < 0 || strcmp(canonical, info.name) != 0;
	if (r >= 0)
		r = check_removal(store, name, &info, n, by_id, force);
	for (int i = 0; r == 0 && i < n; i++) {
		image_file(by_id ? names[i] : info.name, rel, sizeof(rel));
		if (unlinkat(im.store_fd, rel, 0) < 0)
			r = fail("remove %s", rel);
		if (!by_id)
			break; /* a name: only that name goes */
	}
	if (r == 0)
		r = collect_garbage(store, im.store_fd);
	free(names);
	close_store(&im);
	return r;
}

/* Fill info from the parsed JSON; -1 if a field is missing or malformed. */
static int parse_image(json_object *obj, struct image_info *info)
{
	json_object *v, *layers, *sizes = NULL;

	if (!json_object_object_get_ex(obj, "id", &v) ||
	    strlcpy(info->id, json_object_get_string(v), sizeof(info->id)) >= sizeof(info->id) ||
	    !json_object_object_get_ex(obj, "size", &v) ||
	    !json_object_object_get_ex(obj, "layers", &layers) ||
	    !json_object_is_type(layers, json_type_array))
		return -1;
	info->size = json_object_get_int64(v);
	if (json_object_object_get_ex(obj, "created", &v))
		strlcpy(info->created, json_object_get_string(v), sizeof(info->created));
	json_object_object_get_ex(obj, "layer_sizes", &sizes);
	info->n_layers = json_object_array_length(layers);
	if (info->n_layers == 0 || info->n_layers > IMAGE_MAX_LAYERS)
		return -1;
	for (size_t i = 0; i < info->n_layers; i++) {
		const char *d = json_object_get_string(json_object_array_get_idx(layers, i));
		if (digest_check(d) < 0)
			return -1;
		strlcpy(info->layers[i], d, sizeof(info->layers[i]));
		info->layer_sizes[i] = json_object_get_int64(json_object_array_get_idx(sizes, i));
	}
	return 0;
}

/* Load images/<canonical name>.json; -1 with errno ENOENT quietly if none. */
static int load_image(const char *store, const char *name, struct image_info *info)
{
	char rel[PATH_MAX], path[PATH_MAX];
	json_object *obj;
	int r;

	image_file(name, rel, sizeof(rel));
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

/* An image ID, as docker takes it: 4 to 64 hex digits of the id, with or
 * without "sha256:", naming one image. -1, errno ENOENT quietly if none. */
static int load_by_id(const char *store, const char *prefix, struct image_info *info)
{
	struct dirent **files;
	struct image_info each;
	char name[IMAGE_NAME_MAX + 1];
	const char *hex = strncmp(prefix, "sha256:", 7) == 0 ? prefix + 7 : prefix;
	size_t len = strlen(hex);
	int n, found = 0;

	if (len < 4 || len > DIGEST_HEX_LEN || strspn(hex, "0123456789abcdef") != len ||
	    (n = list_images(store, &files)) < 0)
		return errno = ENOENT, -1;
	for (int i = 0; i < n; i++) {
		name_of_file(files[i]->d_name, name);
		if (load_image(store, name, &each) == 0 && strncmp(each.id + 7, hex, len) == 0 &&
		    (!found || strcmp(each.id, info->id) != 0))
			*info = each, found++; /* a second name of one id counts once */
		free(files[i]);
	}
	free(files);
	if (found > 1)
		return errno = EINVAL, failx("image ID %s: more than one image starts so", prefix);
	return found ? 0 : (errno = ENOENT, -1);
}

int store_load(const char *store, const char *name, struct image_info *info)
{
	char canonical[IMAGE_NAME_MAX + 1];

	if (normalize_name(name, canonical) == 0) {
		int r = load_image(store, canonical, info);
		if (r == 0 || errno != ENOENT)
			return r;
	}
	return load_by_id(store, name, info); /* docker: a name first, then an ID */
}

bool store_has_image(const char *store, const char *name, const char *id)
{
	char canonical[IMAGE_NAME_MAX + 1];
	struct image_info info;

	return normalize_name(name, canonical) == 0 && load_image(store, canonical, &info) == 0 &&
	       strcmp(info.id, id) == 0;
}

int store_config(const char *store, const struct image_info *info, json_object **config)
{
	char rel[PATH_MAX], path[PATH_MAX];
	json_object *obj, *v;

	image_file(info->name, rel, sizeof(rel));
	if (path_join(path, sizeof(path), store, rel) < 0 || !(obj = json_object_from_file(path)))
		return failx("%s: not a valid image description", rel);
	*config = json_object_object_get_ex(obj, "config", &v) ? json_object_get(v) : NULL;
	json_object_put(obj);
	return 0;
}

/* Docker's units (go-units HumanSize): 4 significant digits, powers of 1000. */
static void human_size(uint64_t bytes, char *out, size_t size)
{
	static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double value = bytes;
	int u = 0;

	while (value >= 1000 && u < 6)
		value /= 1000, u++;
	snprintf(out, size, "%.4g%s", value, units[u]);
}

/* "5 weeks ago", as docker images shows CREATED (go-units HumanDuration). */
static void human_age(const char *created, char *out, size_t size)
{
	struct tm tm = {0};
	long long s, h;

	if (!strptime(created, "%Y-%m-%dT%H:%M:%S", &tm)) {
		strlcpy(out, "N/A", size);
		return;
	}
	s = (long long)difftime(time(NULL), timegm(&tm)), h = (s + 1800) / 3600;
	if (s < 1)
		snprintf(out, size, "Less than a second ago");
	else if (s < 60)
		snprintf(out, size, "%lld second%s ago", s, s == 1 ? "" : "s");
	else if (s / 60 == 1)
		snprintf(out, size, "About a minute ago");
	else if (s < 3600)
		snprintf(out, size, "%lld minutes ago", s / 60);
	else if (h == 1)
		snprintf(out, size, "About an hour ago");
	else if (h < 48)
		snprintf(out, size, "%lld hours ago", h);
	else if (h < 24 * 7 * 2)
		snprintf(out, size, "%lld days ago", h / 24);
	else if (h < 24 * 30 * 2)
		snprintf(out, size, "%lld weeks ago", h / 24 / 7);
	else if (h < 24 * 365 * 2)
		snprintf(out, size, "%lld months ago", h / 24 / 30);
	else
		snprintf(out, size, "%lld years ago", h / 24 / 365);
}

#define LS_FORMAT "%-24s   %-10s   %-12.12s   %-22s   %s\n" /* docker images' columns */

int store_list(const char *store, FILE *out)
{
	struct dirent **names;
	struct image_info info;
	char name[IMAGE_NAME_MAX + 1], size[16], age[32], *at, *colon;
	const char *tag;
	int n, r;

	rename_old_images_now(store);
	n = list_images(store, &names), r = n < 0 ? -1 : 0;
	fprintf(out, LS_FORMAT, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	for (int i = 0; i < n; i++) {
		name_of_file(names[i]->d_name, name);
		if (store_load(store, name, &info) == 0) {
			human_size(info.size, size, sizeof(size));
			human_age(info.created, age, sizeof(age));
			at = strchr(info.name, '@'), colon = strrchr(info.name, ':');
			tag = at ? "<none>" : colon + 1; /* pinned by a digest: no tag */
			*(at ? at : colon) = '\0'; /* canonical names have one or the other */
			fprintf(out, LS_FORMAT, info.name, tag, info.id + 7, age, size);
		} else {
			r = -1;
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return r;
}

int store_inspect(const char *store, const char *name, FILE *out)
{
	struct image_info info;
	json_object *config, *image = json_object_new_object(), *layers = json_object_new_array(),
			     *tags = json_object_new_array(), *digests = json_object_new_array(),
			     *all = json_object_new_array(), *v;

	rename_old_images_now(store);
	if (store_load(store, name, &info) < 0 || store_config(store, &info, &config) < 0) {
		json_object_put(image), json_object_put(layers), json_object_put(tags);
		json_object_put(digests), json_object_put(all);
		return errno == ENOENT ? failx("image %s: no such image", name) : -1;
	}
	json_object_array_add(strchr(info.name, '@') ? digests : tags,
			      json_object_new_string(info.name)); /* docker's two lists */
	for (size_t i = 0; i < info.n_layers; i++) {
		json_object *layer = json_object_new_object();
		json_object_object_add(layer, "Digest", json_object_new_string(info.layers[i]));
		json_object_object_add(layer, "Size", json_object_new_int64(info.layer_sizes[i]));
		json_object_array_add(layers, layer);
	}
	json_object_object_add(image, "Id", json_object_new_string(info.id));
	json_object_object_add(image, "RepoTags", tags);
	json_object_object_add(image, "RepoDigests", digests);
	json_object_object_add(image, "Created", json_object_new_string(info.created));
	json_object_object_add(image, "Size", json_object_new_int64(info.size));
	json_object_object_add(
	    image, "Config",
	    config && json_object_object_get_ex(config, "config", &v) ? json_object_get(v) : NULL);
	json_object_object_add(image, "Layers", layers);
	json_object_array_add(all, image);
	fprintf(
	    out, "%s\n",
	    json_object_to_json_string_ext(all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(all);
	json_object_put(config);
	return 0;
}

int store_lock_shared(const char *store, bool create)
{
	char path[PATH_MAX];
	int fd;

	if (!create && !is_directory(store))
		return errno = ENOENT, failx("image store %s: no such directory (only container "
					     "image import makes one)",
					     store);
	if (mkdir_p(store, STORE_MODE) < 0 || path_join(path, sizeof(path), store, LOCK_FILE) < 0)
		return fail("image store %s", store);
	if ((fd = lock_file(path, LOCK_SH)) < 0)
		return fail("lock %s", path);
	rename_old_images(store);
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
	 * collector never finds it unheld while we run. The image's id lets
	 * image rm see that the image is in use. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	ok = fd >= 0 && flock(fd, LOCK_SH) == 0 && (!keep || dprintf(fd, RECORD_KEEP) > 0) &&
	     (!info->id[0] || dprintf(fd, "image %s\n", info->id) > 0);
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
