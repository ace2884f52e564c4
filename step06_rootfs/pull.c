/* pull.c - step06: `docker pull ubuntu` fetches JSON and tar archives.
 *
 *   1. ask the registry for the tag's manifest (registry.c); an index lists
 *      one manifest per platform: take this machine's
 *   2. fetch the config (the image's own JSON) and every layer blob that is
 *      not in the store yet, a few at a time, each hashed as it streams in
 *   3. lay them out as an OCI image layout in STORE/pulls/<random>, and
 *      import that like any image archive (image_store.c: one code path
 *      checks, unpacks and stores every image); as dockerd does, a second
 *      thread unpacks each layer as soon as its blob is here and checked,
 *      while the others still download; the image is named last
 *
 * Nothing in it is an operating system: no kernel, no boot, just files and
 * the command to start. Ctrl-C stops the pull, as it stops docker pull, even
 * halfway through the import; it or a failure removes the download
 * directory and the layers the import stored: the store is as it was until
 * the import names the image. Meanwhile the store stays usable: the import
 * shares the store's lock with `run` (image_store.c).
 *
 * man: libcurl-multi(3), pthread_create(3), flock(2), mkdtemp(3), statvfs(3)
 */

#include <bsd/libutil.h>
#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/die.h"
#include "common/path.h"
#include "image_store.h"
#include "registry.h"

#define PULLS_DIR "pulls" /* STORE/pulls/<random>: downloads in progress */
#define PARALLEL_DOWNLOADS 3L /* like dockerd's max-concurrent-downloads */
#define PROGRESS_INTERVAL_MS 100 /* redraw rate on a terminal */
#define POLL_MS 100
#define SHORT_ID 12 /* hex digits of a digest shown, as docker does */
#define MEDIA_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MEDIA_OCI_CONFIG "application/vnd.oci.image.config.v1+json"

/* A layer's way, in this order (STORED: already in the store, the end). */
enum layer_state { STORED, WAITING, DOWNLOADING, DOWNLOADED, EXTRACTING, PULL_COMPLETE };
enum extractor { EXTRACTOR_RUNNING, EXTRACTOR_DONE, EXTRACTOR_FAILED, EXTRACTOR_STOPPED };

struct pull {
	const char *store, *text, *name, *ca_file;
	bool insecure, quiet, tty;
	struct platform platform;
	struct reference ref;
	struct registry reg;
	struct response manifest, config;
	char manifest_type[128], local_name[IMAGE_NAME_MAX + 1];
	char dir[PATH_MAX]; /* STORE/pulls/<random>, the OCI layout */
	int dir_fd;
	bool up_to_date; /* the store has this image under this name */
	bool made_store; /* the store's directory is ours: a failed pull removes it */
	size_t n_layers, lines; /* lines: progress lines on screen */
	struct blob layers[IMAGE_MAX_LAYERS];
	int shown[IMAGE_MAX_LAYERS]; /* the state last printed, -1: none */
	CURLM *multi; /* the transfers; curl_multi_wakeup() ends its wait */
	/* Shared with the extractor thread, under mutex: */
	pthread_mutex_t mutex;
	pthread_cond_t wake; /* for the extractor: a layer is ready, or stop */
	enum layer_state state[IMAGE_MAX_LAYERS];
	bool imported[IMAGE_MAX_LAYERS]; /* store_import_layer is done with it */
	struct store_import *import; /* STORE's import of dir, once begun */
	bool stop; /* the extractor stops at the next layer */
	enum extractor extractor;
};

static volatile sig_atomic_t interrupted;

/* Noted here, acted on at the next check: a transfer within a second
 * (registry_stop), the download loop, between two entries of a layer
 * (extract_stop, archive.h), before the image is named. What stops for it
 * says nothing; main() says it once. */
static void on_signal(int sig)
{
	interrupted = registry_stop = sig;
	extract_stop = sig; /* atomic: the extractor thread reads it */
}

static const char *LAYER_TYPES[] = {"application/vnd.oci.image.layer.v1.tar",
				    "application/vnd.oci.image.layer.v1.tar+gzip",
				    "application/vnd.oci.image.layer.v1.tar+zstd",
				    "application/vnd.docker.image.rootfs.diff.tar",
				    "application/vnd.docker.image.rootfs.diff.tar.gzip",
				    NULL};

/* ---- options ---- */

enum { PULL_HELP = 1, PULL_ROOT, PULL_PLATFORM, PULL_CA_FILE, PULL_INSECURE, PULL_QUIET };
static const struct flag PULL_FLAGS[] = {
    {PULL_HELP, "help", NULL, 0, NULL, 6, "show this help"},
    {PULL_ROOT, "root", NULL, 0, "DIR", 6,
     "image store (default: $KOBAKO_ROOT or " DEFAULT_STORE ")"},
    {PULL_PLATFORM, "platform", NULL, 0, "OS/ARCH[/VARIANT]", 6,
     "which image of a multi-platform one (default: this machine's)"},
    {PULL_CA_FILE, "ca-file", NULL, 0, "FILE", 6,
     "trust this CA bundle (default: $SSL_CERT_FILE, else the system's)"},
    {PULL_INSECURE, "insecure", NULL, 0, NULL, 6,
     "any certificate, or plain HTTP (always allowed for 127.0.0.0/8 and localhost)"},
    {PULL_QUIET, "quiet", NULL, 'q', NULL, 6, "no progress"},
};
#define N_PULL_FLAGS (sizeof(PULL_FLAGS) / sizeof(PULL_FLAGS[0]))

static void pull_help(void)
{
	printf("Usage: container image pull [OPTIONS] [REGISTRY[:PORT]/]REPO[:TAG|@sha256:DIGEST] "
	       "[NAME]\n\n"
	       "Download an image from a registry (Docker Hub unless REGISTRY is given) into\n"
	       "the store, as NAME (default: the repository's last component[:TAG|@DIGEST]).\n\n");
	print_flags(PULL_FLAGS, N_PULL_FLAGS, 6);
	printf("\nWARNING: step06 runs what it pulls with the host root's full power (no user\n"
	       "namespace, no seccomp, all capabilities; step07 fixes that). Pull only images\n"
	       "you trust.\n");
}

/* Options into p, as docker reads them (before or after the operands).
 * 0, or -1 after a message. */
static int parse_pull_options(int argc, char **argv, struct pull *p)
{
	const char *platform = NULL;
	char *operand[2];
	const struct flag *f;
	char *value;
	int next = 2, n = 0;

	while ((f = next_verb_flag(argc, argv, &next, PULL_FLAGS, N_PULL_FLAGS,
				   "image pull: ", &value, operand, 2, &n))) {
		switch (f->id) {
		case PULL_HELP: pull_help(); exit(0);
		case PULL_ROOT: p->store = value; break;
		case PULL_PLATFORM: platform = value; break;
		case PULL_CA_FILE: p->ca_file = value; break;
		case PULL_INSECURE: p->insecure = true; break;
		case PULL_QUIET: p->quiet = true; break;
		}
	}
	if (n < 1 || n > 2)
		return failx(
		    "image pull: expected [REGISTRY[:PORT]/]REPO[:TAG|@DIGEST] [NAME] (see "
		    "container image pull --help)");
	if (p->store[0] != '/')
		return failx("image pull: --root %s: the image store must be an absolute path",
			     p->store);
	p->text = operand[0];
	p->name = n == 2 ? operand[1] : NULL;
	if (platform)
		return platform_parse(platform, &p->platform);
	platform_host(&p->platform);
	return 0;
}

/* ---- progress ---- */

/* Layer i's line for state. */
static void layer_line(const struct pull *p, size_t i, int state, char *out, size_t size)
{
	const struct blob *b = &p->layers[i];
	char got[8], total[8];

	humanize_number(got, sizeof(got), b->got, "B", HN_AUTOSCALE,
			HN_DECIMAL | HN_NOSPACE | HN_DIVISOR_1000);
	humanize_number(total, sizeof(total), b->size, "B", HN_AUTOSCALE,
			HN_DECIMAL | HN_NOSPACE | HN_DIVISOR_1000);
	switch (state) {
	case WAITING: snprintf(out, size, "%.*s: Waiting", SHORT_ID, b->digest + 7); break;
	case STORED: snprintf(out, size, "%.*s: Already exists", SHORT_ID, b->digest + 7); break;
	case DOWNLOADING:
		if (p->tty)
			snprintf(out, size, "%.*s: Downloading %s/%s", SHORT_ID, b->digest + 7, got,
				 total);
		else /* a log: one line per state */
			snprintf(out, size, "%.*s: Downloading %s", SHORT_ID, b->digest + 7, total);
		break;
	case DOWNLOADED:
		snprintf(out, size, "%.*s: Download complete %s", SHORT_ID, b->digest + 7, total);
		break;
	case EXTRACTING: snprintf(out, size, "%.*s: Extracting", SHORT_ID, b->digest + 7); break;
	case PULL_COMPLETE: snprintf(out, size, "%.*s: Pull complete", SHORT_ID, b->digest + 7);
	}
}

/* Not a terminal (a log): one line for each state a layer went through since
 * its last line. Two threads move the states on, and a small layer may be
 * downloaded, unpacked and stored between two looks: from "Download
 * complete" on, every state gets its line. */
static void print_changes(struct pull *p, size_t i)
{
	char line[128];

	for (int s = p->shown[i] + 1; s <= (int)p->state[i]; s++)
		if (s == (int)p->state[i] || s >= DOWNLOADED) {
			layer_line(p, i, s, line, sizeof(line));
			printf("%s\n", line);
		}
}

/* Show what changed since the last call: a terminal redraws every layer's
 * line in place (also when only the byte counts moved, if redraw). Call with
 * the mutex held. */
static void show(struct pull *p, bool redraw)
{
	char line[128];
	bool changed = false;

	for (size_t i = 0; !p->quiet && i < p->n_layers; i++) {
		if (!p->tty)
			print_changes(p, i);
		changed |= p->shown[i] != (int)p->state[i];
		p->shown[i] = p->state[i];
	}
	if (p->tty && !p->quiet && (changed || redraw)) {
		if (p->lines)
			printf("\033[%zuA", p->lines); /* back to the first layer's line */
		for (size_t l = 0; l < p->n_layers; l++) {
			layer_line(p, l, p->state[l], line, sizeof(line));
			printf("\033[2K%s\n", line);
		}
		p->lines = p->n_layers;
	}
	fflush(stdout);
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- the manifest ---- */

/* The media type a manifest declares, else the one it was served as. */
static const char *media_type(json_object *obj, const struct response *res)
{
	json_object *v;

	if (json_object_object_get_ex(obj, "mediaType", &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return res->content_type;
}

static bool is_index(const char *type)
{
	return strcmp(type, MEDIA_OCI_INDEX) == 0 || strcmp(type, MEDIA_DOCKER_LIST) == 0;
}

/* p->manifest: the tag's (or digest's) manifest; for an index, the one for
 * p->platform (fetched by its digest, so checked). */
static int fetch_manifest(struct pull *p)
{
	const char *which = p->ref.digest[0] ? p->ref.digest : p->ref.tag;
	json_object *obj, *d, *v;
	char digest[DIGEST_LEN + 1] = "";
	int r;

	if (registry_get_manifest(&p->reg, which, &p->manifest) < 0)
		return -1;
	obj = json_tokener_parse(p->manifest.body);
	strlcpy(p->manifest_type, media_type(obj, &p->manifest), sizeof(p->manifest_type));
	if (!obj || !is_index(p->manifest_type))
		return json_object_put(obj), 0;
	d = index_choose(obj, &p->platform, p->reg.label);
	if (d && json_object_object_get_ex(d, "digest", &v) &&
	    digest_check(json_object_get_string(v)) == 0)
		strlcpy(digest, json_object_get_string(v), sizeof(digest));
	json_object_put(obj);
	if (!d)
		return -1;
	if (!digest[0])
		return failx("pull %s: the index entry for this platform has no valid digest",
			     p->reg.label);
	r = registry_get_manifest(&p->reg, digest, &p->manifest);
	obj = r < 0 ? NULL : json_tokener_parse(p->manifest.body);
	if (r == 0)
		strlcpy(p->manifest_type, media_type(obj, &p->manifest), sizeof(p->manifest_type));
	json_object_put(obj);
	return r;
}

static bool one_of(const char *s, const char **list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* Say plainly what a manifest holds that we cannot run: a Helm chart, a
 * Windows image, an old schema 1 manifest. */
static int check_layer_type(const struct pull *p, size_t i, const char *type)
{
	if (one_of(type, LAYER_TYPES))
		return 0;
	if (strstr(type, "foreign"))
		return failx("pull %s: a Windows image (foreign layer %s), not a Linux one",
			     p->reg.label, type);
	return failx("pull %s: layer %zu: unsupported media type '%s'", p->reg.label, i, type);
}

/* The layers the manifest lists, into p->layers; the config's digest. */
static int read_manifest(struct pull *p, char config[DIGEST_LEN + 1])
{
	json_object *obj = json_tokener_parse(p->manifest.body), *c, *layers, *v;
	const char *ctype = "";
	int r = 0;

	if (strstr(p->manifest_type, "distribution.manifest.v1"))
		r = failx("pull %s: an old Docker schema 1 manifest, not supported", p->reg.label);
	else if (strcmp(p->manifest_type, MEDIA_OCI_MANIFEST) != 0 &&
		 strcmp(p->manifest_type, MEDIA_DOCKER_MANIFEST) != 0)
		r = failx("pull %s: unsupported manifest media type '%s'", p->reg.label,
			  p->manifest_type);
	else if (!json_object_object_get_ex(obj, "config", &c) ||
		 !json_object_object_get_ex(c, "digest", &v) ||
		 digest_check(json_object_get_string(v)) < 0)
		r = failx("pull %s: the manifest has no valid config", p->reg.label);
	if (r == 0) {
		strlcpy(config, json_object_get_string(v), DIGEST_LEN + 1);
		ctype =
		    json_object_object_get_ex(c, "mediaType", &v) ? json_object_get_string(v) : "";
	}
	if (r == 0 && strstr(ctype, "helm"))
		r = failx("pull %s: a Helm chart (%s), not a container image", p->reg.label, ctype);
	else if (r == 0 && strcmp(ctype, MEDIA_OCI_CONFIG) && strcmp(ctype, MEDIA_DOCKER_CONFIG))
		r = failx("pull %s: not a container image (config media type '%s')", p->reg.label,
			  ctype);
	layers = r == 0 && json_object_object_get_ex(obj, "layers", &layers) ? layers : NULL;
	p->n_layers =
	    json_object_is_type(layers, json_type_array) ? json_object_array_length(layers) : 0;
	if (r == 0 && (p->n_layers == 0 || p->n_layers > IMAGE_MAX_LAYERS))
		r = failx("pull %s: manifest has %zu layers (1 to %d supported)", p->reg.label,
			  p->n_layers, IMAGE_MAX_LAYERS);
	for (size_t i = 0; r == 0 && i < p->n_layers; i++) {
		json_object *d = json_object_array_get_idx(layers, i);
		const char *type =
		    json_object_object_get_ex(d, "mediaType", &v) ? json_object_get_string(v) : "";
		const char *digest =
		    json_object_object_get_ex(d, "digest", &v) ? json_object_get_string(v) : NULL;
		if (check_layer_type(p, i, type) < 0)
			r = -1;
		else if (digest_check(digest) < 0 || !json_object_object_get_ex(d, "size", &v) ||
			 json_object_get_int64(v) < 0)
			r = failx("pull %s: layer %zu: bad digest or size", p->reg.label, i);
		else {
			strlcpy(p->layers[i].digest, digest, sizeof(p->layers[i].digest));
			p->layers[i].size = json_object_get_int64(v);
			p->layers[i].fd = -1;
		}
	}
	json_object_put(obj);
	return r;
}

/* The config says which OS the image is for: Windows images exist. */
static int check_config(struct pull *p)
{
	json_object *obj = json_tokener_parse(p->config.body), *v;
	const char *os = json_object_object_get_ex(obj, "os", &v) ? json_object_get_string(v) : "";
	int r = 0;

	if (strcmp(os, "windows") == 0)
		r = failx("pull %s: a Windows image, not a Linux one", p->reg.label);
	json_object_put(obj);
	return r;
}

/* ---- the download directory: an OCI image layout ---- */

/* Remove what pulls killed with SIGKILL left: their directory's flock is
 * free. (Each pull holds its own until it is done.) */
static void remove_dead_pulls(int pulls_fd)
{
	DIR *dir = fdopendir(dup(pulls_fd));
	struct dirent *d;
	int fd;

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.' ||
		    (fd = openat(pulls_fd, d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			remove_tree(pulls_fd, d->d_name);
		close(fd);
	}
	if (dir)
		closedir(dir);
}

/* STORE/pulls/<random>/blobs/sha256, held with flock while we live. */
static int make_download_dir(struct pull *p)
{
	char pulls[PATH_MAX];
	int pulls_fd;

	p->made_store = access(p->store, F_OK) < 0 && errno == ENOENT;
	if (path_join(pulls, sizeof(pulls), p->store, PULLS_DIR) < 0 || mkdir_p(pulls, 0700) < 0 ||
	    (pulls_fd = open(pulls, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fail("image store %s", pulls);
	remove_dead_pulls(pulls_fd);
	close(pulls_fd);
	if (path_join(p->dir, sizeof(p->dir), pulls, "XXXXXX") < 0 || !mkdtemp(p->dir))
		return p->dir[0] = '\0', fail("mkdtemp %s", pulls);
	p->dir_fd = open(p->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->dir_fd < 0 || flock(p->dir_fd, LOCK_EX) < 0 ||
	    mkdirat(p->dir_fd, "blobs", 0700) < 0 || mkdirat(p->dir_fd, "blobs/sha256", 0700) < 0)
		return fail("make %s", p->dir);
	return 0;
}

static void remove_download_dir(struct pull *p)
{
	char pulls[PATH_MAX];

	if (p->dir[0] && remove_tree(AT_FDCWD, p->dir) < 0)
		fail("remove %s", p->dir);
	if (path_join(pulls, sizeof(pulls), p->store, PULLS_DIR) == 0)
		rmdir(pulls); /* unless another pull is under way */
	if (p->made_store)
		rmdir(p->store); /* unless the image was stored */
	if (p->dir_fd >= 0)
		close(p->dir_fd);
	p->dir[0] = '\0';
	p->dir_fd = -1;
}

/* Write name (below the layout) with len bytes of data. */
static int write_layout_file(struct pull *p, const char *name, const void *data, size_t len)
{
	int fd = openat(p->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ssize_t n = fd < 0 ? -1 : write(fd, data, len);

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)len ? 0 : fail("write %s/%s", p->dir, name);
}

/* oci-layout, index.json (the one manifest, named by the reference) and the
 * manifest and config blobs. */
static int write_layout(struct pull *p, const char *config)
{
	char path[DIGEST_LEN + 32], index[1024], ref[sizeof(p->reg.label)];

	reference_format(&p->ref, ref, sizeof(ref));
	snprintf(index, sizeof(index),
		 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":\"%s\","
		 "\"size\":%zu,\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\"}}]}",
		 p->manifest_type, p->manifest.digest, p->manifest.len, ref);
	snprintf(path, sizeof(path), "blobs/sha256/%s", p->manifest.digest + 7);
	if (write_layout_file(p, path, p->manifest.body, p->manifest.len) < 0)
		return -1;
	snprintf(path, sizeof(path), "blobs/sha256/%s", config + 7);
	if (faccessat(p->dir_fd, path, F_OK, 0) == 0) /* the config is a layer too: rare */
		return failx("pull %s: the config is also a layer", p->reg.label);
	if (write_layout_file(p, path, p->config.body, p->config.len) < 0 ||
	    write_layout_file(p, "index.json", index, strlen(index)) < 0)
		return -1;
	const char *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";
	return write_layout_file(p, "oci-layout", layout, strlen(layout));
}

/* ---- the layers ---- */

/* The first layer with layer i's digest (i itself, mostly): images that
 * BuildKit made list its empty layer several times. One download serves
 * them all (two into one file would race the extractor). */
static size_t first_of(const struct pull *p, size_t i)
{
	size_t k = 0;

	while (strcmp(p->layers[k].digest, p->layers[i].digest) != 0)
		k++;
	return k;
}

/* Which layers the store lacks (WAITING), and is there room to download
 * them? The manifest declares each blob's size: better to say so now than
 * to fill the disk halfway. (Unpacked, they take more: the import checks
 * that as it goes.) */
static int plan_downloads(struct pull *p)
{
	uint64_t need = 0, room;
	struct statvfs fs;

	for (size_t i = 0; i < p->n_layers; i++) {
		/* one the store has (and an image names) needs no download:
		 * the import finds it there */
		p->state[i] = store_has_layer(p->store, p->layers[i].digest) ? STORED : WAITING;
		p->shown[i] = -1;
		need += p->state[i] == WAITING && first_of(p, i) == i ? p->layers[i].size : 0;
	}
	if (fstatvfs(p->dir_fd, &fs) < 0)
		return fail("statvfs %s", p->dir);
	room = (uint64_t)fs.f_bavail * fs.f_frsize;
	if (need > room)
		return failx("pull %s: the layers to download are %ju bytes, the image store's "
			     "filesystem (%s) has %ju free",
			     p->reg.label, (uintmax_t)need, p->store, (uintmax_t)room);
	return 0;
}

/* Open blobs/sha256/<hex> for layer i and add its transfer to multi. */
static int start_download(struct pull *p, CURLM *multi, size_t i)
{
	struct blob *b = &p->layers[i];
	char path[DIGEST_LEN + 32];

	snprintf(path, sizeof(path), "blobs/sha256/%s", b->digest + 7);
	if (b->fd < 0 && (b->fd = openat(p->dir_fd, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return fail("create %s/%s", p->dir, path);
	if (registry_blob_start(&p->reg, b) < 0)
		return -1;
	curl_multi_add_handle(multi, b->curl);
	return 0;
}

/* A transfer ended: check it; start it again once if the token expired.
 * A whole blob is ready for the extractor. */
static int finish_download(struct pull *p, CURLM *multi, CURLMsg *msg)
{
	struct blob *b;
	int r;

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&b);
	curl_multi_remove_handle(multi, b->curl);
	r = registry_blob_finish(&p->reg, b, msg->data.result);
	if (r == 1)
		return start_download(p, multi, b - p->layers);
	if (r < 0)
		return -1;
	close(b->fd); /* the extractor opens it again */
	b->fd = -1;
	pthread_mutex_lock(&p->mutex);
	p->state[b - p->layers] = DOWNLOADED;
	for (size_t i = 0; i < p->n_layers; i++) /* the same blob, listed again */
		if (p->state[i] == WAITING && first_of(p, i) == (size_t)(b - p->layers))
			p->state[i] = DOWNLOADED;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->mutex);
	return 0;
}

/* "Downloading" once bytes flow; the changes shown (and on a terminal the
 * byte counts now and then). */
static void update_progress(struct pull *p, long *last)
{
	bool redraw = p->tty && now_ms() - *last >= PROGRESS_INTERVAL_MS;

	pthread_mutex_lock(&p->mutex);
	for (size_t i = 0; i < p->n_layers; i++)
		if (p->state[i] == WAITING && p->layers[i].got > 0)
			p->state[i] = DOWNLOADING;
	show(p, redraw);
	pthread_mutex_unlock(&p->mutex);
	if (redraw)
		*last = now_ms();
}

/* ---- the extractor: a second thread unpacks what is downloaded ---- */

/* The next layer to import: a downloaded one, else one the store has (the
 * import only counts its size); -1 if none is ready. Any order is right:
 * each layer unpacks into a directory of its own in the store, named by its
 * digest, and nothing stacks them until the image is named (finish). Call
 * with the mutex held. */
static long next_layer(const struct pull *p)
{
	for (size_t i = 0; i < p->n_layers; i++)
		if (!p->imported[i] && p->state[i] == DOWNLOADED)
			return i;
	for (size_t i = 0; i < p->n_layers; i++)
		if (!p->imported[i] && p->state[i] == STORED)
			return i;
	return -1;
}

static bool all_imported(const struct pull *p)
{
	for (size_t i = 0; i < p->n_layers; i++)
		if (!p->imported[i])
			return false;
	return true;
}

/* The extractor thread: store_import_layer for each layer as soon as the
 * import has begun and the layer is ready, one at a time, until all are
 * done, one fails, or the main thread says stop. Meanwhile the main thread
 * runs the transfers (curl's multi handle is not for two threads) and
 * prints; each change of state wakes it (curl_multi_wakeup). */
static void *extract_layers(void *arg)
{
	struct pull *p = arg;
	int r = 0;
	long i;

	pthread_mutex_lock(&p->mutex);
	while (r == 0 && !p->stop && !all_imported(p)) {
		if (!p->import || (i = next_layer(p)) < 0) {
			pthread_cond_wait(&p->wake, &p->mutex);
			continue;
		}
		if (p->state[i] == DOWNLOADED)
			p->state[i] = EXTRACTING;
		pthread_mutex_unlock(&p->mutex);
		curl_multi_wakeup(p->multi); /* show "Extracting" */
		r = store_import_layer(p->import, i);
		pthread_mutex_lock(&p->mutex);
		p->imported[i] = r == 0;
		if (r == 0 && p->state[i] == EXTRACTING)
			p->state[i] = PULL_COMPLETE;
	}
	p->extractor = r < 0 ? EXTRACTOR_FAILED : p->stop ? EXTRACTOR_STOPPED : EXTRACTOR_DONE;
	pthread_mutex_unlock(&p->mutex);
	curl_multi_wakeup(p->multi);
	return NULL;
}

/* Start the extractor. Signals go to the main thread only: its wait for the
 * transfers ends at once, and it stops the extractor (extract_stop ends an
 * unpacking between two entries). */
static int start_extractor(struct pull *p, pthread_t *thread)
{
	sigset_t block, old;
	int e;

	sigemptyset(&block);
	sigaddset(&block, SIGINT), sigaddset(&block, SIGTERM), sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	e = pthread_create(thread, NULL, extract_layers, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return e ? (errno = e, fail("pull %s: pthread_create", p->reg.label)) : 0;
}

static void stop_extractor(struct pull *p, pthread_t thread)
{
	pthread_mutex_lock(&p->mutex);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->mutex);
	pthread_join(thread, NULL);
}

/* Begin the store's import of the layout once a layer is downloaded (a pull
 * that fails sooner makes no store). The import holds the store's lock
 * shared until the image is named: `run` and other pulls go on, image rm
 * and garbage collection wait (a layer stored and not yet named by an image
 * is garbage to them). While transfers run, only try the lock (an rm holds
 * it: try at the next turn); once they are done, wait for it. */
static int begin_import(struct pull *p, bool downloading)
{
	struct store_import *im;
	bool ready = false;
	int r;

	pthread_mutex_lock(&p->mutex);
	for (size_t i = 0; i < p->n_layers; i++)
		ready |= p->state[i] == DOWNLOADED;
	pthread_mutex_unlock(&p->mutex);
	if (p->import || (downloading && !ready))
		return 0;
	r = store_import_begin(p->store, p->dir, p->local_name, NULL, !downloading, &im);
	if (r != 0)
		return r < 0 ? -1 : 0;
	size_t n = store_import_count(im); /* it read the manifest we wrote */
	if (n != p->n_layers) {
		store_import_abort(im);
		return failx("pull %s: the layout has %zu layers, not %zu", p->reg.label, n,
			     p->n_layers);
	}
	pthread_mutex_lock(&p->mutex);
	p->import = im;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->mutex);
	return 0;
}

/* One turn of the loop: move the transfers on, check the ended ones, begin
 * the import when it is time. 0, or -1 to stop. */
static int download_turn(struct pull *p, int *running)
{
	CURLMsg *msg;
	int queued;

	if (interrupted)
		return -1;
	if (curl_multi_perform(p->multi, running) != CURLM_OK)
		return failx("pull %s: curl_multi_perform failed", p->reg.label);
	while ((msg = curl_multi_info_read(p->multi, &queued)))
		if (msg->msg == CURLMSG_DONE && finish_download(p, p->multi, msg) < 0)
			return -1;
		else
			*running = 1; /* a restarted transfer runs on */
	if (begin_import(p, *running) < 0)
		return -1;
	pthread_mutex_lock(&p->mutex);
	int r = p->extractor == EXTRACTOR_FAILED ? -1 : 0;
	pthread_mutex_unlock(&p->mutex);
	return r;
}

static bool extractor_running(struct pull *p)
{
	pthread_mutex_lock(&p->mutex);
	bool running = p->extractor == EXTRACTOR_RUNNING;
	pthread_mutex_unlock(&p->mutex);
	return running;
}

/* Every missing layer (plan_downloads), PARALLEL_DOWNLOADS at a time (curl
 * queues the rest), each unpacked and stored by the extractor as soon as it
 * is here; then the stored ones. 0 when every layer is imported. */
static int download_and_import(struct pull *p)
{
	int running = 1, r = 0;
	bool extracting = false;
	pthread_t thread;
	long last = 0;

	p->multi = curl_multi_init();
	curl_multi_setopt(p->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, PARALLEL_DOWNLOADS);
	show(p, true); /* Waiting, Already exists (no other thread yet) */
	for (size_t i = 0; i < p->n_layers && r == 0; i++)
		if (p->state[i] == WAITING && first_of(p, i) == i)
			r = start_download(p, p->multi, i);
	if (r == 0 && (r = start_extractor(p, &thread)) == 0)
		extracting = true;
	while (r == 0 && (running || extractor_running(p))) {
		r = download_turn(p, &running);
		update_progress(p, &last);
		if (r == 0 && (running || extractor_running(p)))
			curl_multi_poll(p->multi, NULL, 0, POLL_MS, NULL);
	}
	if (extracting)
		stop_extractor(p, thread); /* from here on, this thread alone */
	if (r == 0 && p->extractor != EXTRACTOR_DONE)
		r = -1; /* it said why */
	for (size_t i = 0; i < p->n_layers; i++) {
		if (p->layers[i].curl) {
			curl_multi_remove_handle(p->multi, p->layers[i].curl);
			curl_easy_cleanup(p->layers[i].curl);
		}
		response_free(&p->layers[i].fail);
		if (p->layers[i].fd >= 0)
			close(p->layers[i].fd);
	}
	curl_multi_cleanup(p->multi);
	p->multi = NULL;
	show(p, true);
	return r;
}

/* ---- the story ---- */

static int pull(struct pull *p)
{
	char config[DIGEST_LEN + 1];

	if (registry_open(&p->reg, &p->ref, p->ca_file, p->insecure) < 0 || /* ping, log in */
	    fetch_manifest(p) < 0 || /* index -> our manifest */
	    read_manifest(p, config) < 0) /* config + layer digests */
		return -1;
	if (!p->quiet)
		printf("%s: Pulling from %s/%s\n", p->ref.digest[0] ? p->ref.digest : p->ref.tag,
		       p->ref.registry, p->ref.repository);
	fflush(stdout);
	/* The image id is the config's digest: the store has this very image
	 * under this name, so there is nothing to fetch or to import. */
	if ((p->up_to_date = store_has_image(p->store, p->local_name, config)))
		return 0;
	if (registry_get_blob(&p->reg, config, &p->config) < 0 || /* the image's JSON */
	    check_config(p) < 0) /* a Linux image? */
		return -1;
	if (interrupted || make_download_dir(p) < 0 || /* STORE/pulls/<random> */
	    plan_downloads(p) < 0 || /* what we lack; room for it? */
	    write_layout(p, config) < 0 || /* manifest, config, index.json */
	    download_and_import(p) < 0 || /* the blobs we lack, verified, unpacked */
	    interrupted)
		return -1;
	/* Every layer is stored: the image gets its name (a signal until now
	 * stopped it quietly, leaving the store as it was). */
	struct store_import *im = p->import;
	p->import = NULL;
	return store_import_finish(im);
}

/* `container image pull ...` (argv[1] is "pull"): a program of its own,
 * container-pull, which `container image pull` execs. libcurl cannot be
 * linked statically here (Debian ships its Kerberos dependency shared only),
 * and its 47 shared libraries would cost every `container run` about 8 ms;
 * so only the pull pays for them. */
int main(int argc, char **argv)
{
	struct pull p = {.store = getenv("KOBAKO_ROOT") ? getenv("KOBAKO_ROOT") : DEFAULT_STORE,
			 .ca_file = getenv("SSL_CERT_FILE"),
			 .dir_fd = -1,
			 .tty = isatty(STDOUT_FILENO),
			 .mutex = PTHREAD_MUTEX_INITIALIZER,
			 .wake = PTHREAD_COND_INITIALIZER};
	struct sigaction sa = {.sa_handler = on_signal};
	int r;

	if (argc < 2 || strcmp(argv[1], "pull") != 0)
		diex("usage: container image pull ... (this program is run by container)");
	if (parse_pull_options(argc, argv, &p) < 0 || reference_parse(p.text, &p.ref) < 0)
		return EXIT_RUNTIME;
	require_root(); /* layers keep owners, devices and trusted.* xattrs */
	if (p.name)
		strlcpy(p.local_name, p.name, sizeof(p.local_name));
	else
		reference_local_name(p.text, &p.ref, p.local_name, sizeof(p.local_name));
	sigaction(SIGINT, &sa, NULL); /* stop cleanly: remove the downloads */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	r = pull(&p);
	if (r < 0 && interrupted) /* what stopped for it said nothing */
		failx("pull %s: interrupted by SIG%s; nothing was stored",
		      p.reg.label[0] ? p.reg.label : p.text, sigabbrev_np(interrupted));
	if (p.import)
		store_import_abort(p.import); /* the layers it stored go */
	remove_download_dir(&p);
	/* docker's words: up to date only if the name already meant this image */
	if (r == 0 && !p.quiet)
		printf("Digest: %s\nStatus: %s for %s as %s\n", p.manifest.digest,
		       p.up_to_date ? "Image is up to date" : "Downloaded newer image", p.reg.label,
		       p.local_name);
	response_free(&p.manifest);
	response_free(&p.config);
	registry_close(&p.reg);
	curl_global_cleanup();
	return r < 0 ? EXIT_RUNTIME : 0;
}
