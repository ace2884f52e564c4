/* image_manifest.c - OCI image layouts and docker save archives, read with
 * json-c after checking each JSON blob's sha256.
 *
 * OCI:    index.json -> manifest (by digest) -> config + layers (by digest)
 * docker: manifest.json -> Config file + Layers[i], checked against the
 *         config's rootfs.diff_ids[i] (docker save writes plain tar layers)
 *
 * spec: github.com/opencontainers/image-spec (image-layout.md, manifest.md),
 *       github.com/moby/moby image/spec (docker save, "v1.2")
 */
#include "image_manifest.h"

#include <bsd/string.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/die.h"

#define JSON_MAX (4 << 20) /* bytes: a manifest or config is a few KiB */
#define MAX_INDEX_DEPTH 2 /* index -> (platform) index -> manifest */
#define REF_ANNOTATION "org.opencontainers.image.ref.name"
#define OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

static const char *MANIFEST_TYPES[] = {"application/vnd.oci.image.manifest.v1+json",
				       "application/vnd.docker.distribution.manifest.v2+json",
				       NULL};
static const char *LAYER_TYPES[] = {"application/vnd.oci.image.layer.v1.tar",
				    "application/vnd.oci.image.layer.v1.tar+gzip",
				    "application/vnd.oci.image.layer.v1.tar+zstd",
				    "application/vnd.docker.image.rootfs.diff.tar",
				    "application/vnd.docker.image.rootfs.diff.tar.gzip",
				    NULL};

static bool one_of(const char *s, const char **list)
{
	for (; s && *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

int digest_check(const char *digest)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != DIGEST_LEN)
		return -1;
	for (const char *p = digest + 7; *p; p++)
		if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
			return -1;
	return 0;
}

/* A string member of obj, or NULL. */
static const char *get_string(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : NULL;
}

static json_object *get_array(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_array)
		   ? v
		   : NULL;
}

/* Read path (inside dir_fd) whole; if want is set its sha256 must match.
 * The file's digest goes to got (may be NULL). Returns parsed JSON or NULL. */
static json_object *read_json(int dir_fd, const char *label, const char *path, const char *want,
			      char got[DIGEST_LEN + 1])
{
	char digest[DIGEST_LEN + 1], *text = malloc(JSON_MAX + 1);
	int fd = open_beneath(dir_fd, path, O_RDONLY);
	ssize_t n = fd < 0 || !text ? -1 : read(fd, text, JSON_MAX + 1);
	json_object *obj = NULL;
	enum json_tokener_error error;

	if (fd >= 0)
		close(fd);
	if (n < 0 || n > JSON_MAX) {
		n < 0 ? fail("%s: %s", label, path)
		      : failx("%s: %s: larger than %d bytes", label, path, JSON_MAX);
	} else {
		digest_data(text, n, digest);
		text[n] = '\0';
		if (want && strcmp(want, digest) != 0)
			failx("%s: %s: digest mismatch (expected %s, file has %s)", label, path,
			      want, digest);
		else if (!(obj = json_tokener_parse_verbose(text, &error)))
			failx("%s: %s: bad JSON: %s", label, path, json_tokener_error_desc(error));
	}
	if (obj && got)
		strlcpy(got, digest, DIGEST_LEN + 1);
	free(text);
	return obj;
}

/* "sha256:<hex>" -> "blobs/sha256/<hex>"; -1 with a message if malformed. */
static int blob_path(const char *label, const char *digest, char *path, size_t size)
{
	if (digest_check(digest) < 0)
		return failx("%s: unsupported or malformed digest '%s'", label,
			     digest ? digest : "(none)");
	snprintf(path, size, "blobs/sha256/%s", digest + 7);
	return 0;
}

/* A ref as given on the command line matches "busybox:latest" when it is
 * that or its tag ("latest"). */
static bool ref_matches(const char *name, const char *ref)
{
	size_t n = name ? strlen(name) : 0, r = strlen(ref);

	return name && (strcmp(name, ref) == 0 ||
			(n > r && strcmp(name + n - r, ref) == 0 && name[n - r - 1] == ':'));
}

int manifest_is_image(int dir_fd)
{
	return faccessat(dir_fd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	       faccessat(dir_fd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* ---- OCI image layout ---- */

/* GOARCH names, as in an OCI platform. */
static const char *our_architecture(void)
{
	static struct utsname u;

	uname(&u);
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	return u.machine;
}

static bool for_this_machine(json_object *descriptor)
{
	json_object *platform;

	if (!json_object_object_get_ex(descriptor, "platform", &platform))
		return true;
	return (!get_string(platform, "os") || strcmp(get_string(platform, "os"), "linux") == 0) &&
	       (!get_string(platform, "architecture") ||
		strcmp(get_string(platform, "architecture"), our_architecture()) == 0);
}

/* Pick the one descriptor of an index's "manifests" that ref names (or that
 * fits this machine, below the top index). NULL after a message. */
static json_object *choose_descriptor(json_object *index, const char *label, const char *ref,
				      bool top, struct manifest *m)
{
	json_object *list = get_array(index, "manifests"), *found = NULL, *annotations;
	size_t matches = 0;

	for (size_t i = 0; list && i < json_object_array_length(list); i++) {
		json_object *d = json_object_array_get_idx(list, i);
		const char *name = json_object_object_get_ex(d, "annotations", &annotations)
				       ? get_string(annotations, REF_ANNOTATION)
				       : NULL;
		if (top ? (ref && !ref_matches(name, ref)) : !for_this_machine(d))
			continue;
		if (!found && name)
			strlcpy(m->ref, name, sizeof(m->ref));
		found = found ? found : d;
		matches++;
	}
	if (matches == 1)
		return found;
	if (matches == 0)
		failx("%s: index.json: %s", label,
		      top && ref ? "no image has this --ref" : "no image for this machine");
	else
		failx("%s: index.json: %zu images%s: choose one with --ref TAG", label, matches,
		      ref ? " match" : "");
	return NULL;
}

/* The layers of an OCI manifest, bottom first. */
static int read_oci_layers(json_object *manifest, const char *label, struct manifest *m)
{
	json_object *layers = get_array(manifest, "layers");
	size_t n = layers ? json_object_array_length(layers) : 0;

	if (n == 0 || n > IMAGE_MAX_LAYERS)
		return failx("%s: manifest has %zu layers (1 to %d supported)", label, n,
			     IMAGE_MAX_LAYERS);
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(layers, i);
		const char *type = get_string(d, "mediaType"), *digest = get_string(d, "digest");

		if (!one_of(type, LAYER_TYPES))
			return failx("%s: layer %zu: unknown media type '%s'", label, i,
				     type ? type : "(none)");
		if (blob_path(label, digest, m->layers[i].path, sizeof(m->layers[i].path)) < 0)
			return -1;
		strlcpy(m->layers[i].digest, digest, sizeof(m->layers[i].digest));
	}
	m->n_layers = n;
	return 0;
}

/* Follow a descriptor (an index or a manifest) down to the layers. */
static int read_oci_descriptor(int dir_fd, const char *label, json_object *d, int depth,
			       struct manifest *m)
{
	const char *type = get_string(d, "mediaType"), *digest = get_string(d, "digest");
	char path[PATH_MAX];
	json_object *blob, *config, *next;
	int r = -1;

	if (blob_path(label, digest, path, sizeof(path)) < 0 ||
	    !(blob = read_json(dir_fd, label, path, digest, NULL)))
		return -1;
	if (type && (strcmp(type, OCI_INDEX) == 0 || strcmp(type, DOCKER_LIST) == 0) &&
	    depth < MAX_INDEX_DEPTH)
		r = (next = choose_descriptor(blob, label, NULL, false, m))
			? read_oci_descriptor(dir_fd, label, next, depth + 1, m)
			: -1;
	else if (!one_of(type, MANIFEST_TYPES))
		failx("%s: %s: unknown media type '%s'", label, path, type ? type : "(none)");
	else if (!json_object_object_get_ex(blob, "config", &config) ||
		 blob_path(label, get_string(config, "digest"), path, sizeof(path)) < 0)
		failx("%s: manifest %s has no valid config", label, digest);
	else if ((m->config =
		      read_json(dir_fd, label, path, get_string(config, "digest"), m->id)) != NULL)
		r = read_oci_layers(blob, label, m); /* the config is kept: `run` reads it */
	json_object_put(blob);
	return r;
}

static int read_oci(int dir_fd, const char *label, const char *ref, struct manifest *m)
{
	json_object *index = read_json(dir_fd, label, "index.json", NULL, NULL), *d;
	int r = -1;

	if (!index)
		return -1;
	d = choose_descriptor(index, label, ref, true, m);
	if (d)
		r = read_oci_descriptor(dir_fd, label, d, 0, m);
	json_object_put(index);
	return r;
}

/* ---- docker save ---- */

/* The entry of manifest.json that ref names, or the only one. */
static json_object *choose_docker_image(json_object *list, const char *label, const char *ref,
					struct manifest *m)
{
	json_object *found = NULL;
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;
	size_t matches = 0;

	for (size_t i = 0; i < n; i++) {
		json_object *image = json_object_array_get_idx(list, i),
			    *tags = get_array(image, "RepoTags");
		size_t n_tags = tags ? json_object_array_length(tags) : 0;
		const char *tag = NULL;

		for (size_t t = 0; t < n_tags && ref && !tag; t++)
			if (ref_matches(json_object_get_string(json_object_array_get_idx(tags, t)),
					ref))
				tag = json_object_get_string(json_object_array_get_idx(tags, t));
		if (ref && !tag)
			continue;
		if (!found && (tag || n_tags))
			strlcpy(m->ref,
				tag ? tag
				    : json_object_get_string(json_object_array_get_idx(tags, 0)),
				sizeof(m->ref));
		found = found ? found : image;
		matches++;
	}
	if (matches != 1)
		failx("%s: manifest.json: %zu images%s: %s", label, matches,
		      ref ? " match --ref" : "",
		      matches ? "choose one with --ref TAG" : "nothing to import");
	return matches == 1 ? found : NULL;
}

/* Layers[i] must hash to the config's rootfs.diff_ids[i]. */
static int read_docker_layers(json_object *image, json_object *config, const char *label,
			      struct manifest *m)
{
	json_object *layers = get_array(image, "Layers"), *rootfs;
	json_object *ids = json_object_object_get_ex(config, "rootfs", &rootfs)
			       ? get_array(rootfs, "diff_ids")
			       : NULL;
	size_t n = layers ? json_object_array_length(layers) : 0;

	if (n == 0 || n > IMAGE_MAX_LAYERS || !ids || json_object_array_length(ids) != n)
		return failx(
		    "%s: manifest.json: %zu layers, config lists %zu diff_ids (1 to %d supported)",
		    label, n, ids ? json_object_array_length(ids) : 0, IMAGE_MAX_LAYERS);
	for (size_t i = 0; i < n; i++) {
		const char *path = json_object_get_string(json_object_array_get_idx(layers, i));
		const char *digest = json_object_get_string(json_object_array_get_idx(ids, i));

		if (digest_check(digest) < 0)
			return failx("%s: config: malformed diff_id '%s'", label,
				     digest ? digest : "(none)");
		if (!path || strlcpy(m->layers[i].path, path, PATH_MAX) >= PATH_MAX)
			return failx("%s: manifest.json: bad layer path", label);
		strlcpy(m->layers[i].digest, digest, sizeof(m->layers[i].digest));
	}
	m->n_layers = n;
	return 0;
}

/* docker names the config "<hex>.json" or "blobs/sha256/<hex>": its digest. */
static void digest_from_name(const char *path, char digest[DIGEST_LEN + 1])
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	snprintf(digest, DIGEST_LEN + 1, "sha256:%.*s", DIGEST_HEX_LEN, base);
	if (digest_check(digest) < 0 ||
	    (base[DIGEST_HEX_LEN] && strcmp(base + DIGEST_HEX_LEN, ".json") != 0))
		digest[0] = '\0';
}

static int read_docker(int dir_fd, const char *label, const char *ref, struct manifest *m)
{
	json_object *list = read_json(dir_fd, label, "manifest.json", NULL, NULL), *image,
		    *config = NULL;
	char want[DIGEST_LEN + 1];
	const char *path;
	int r = -1;

	if (!list)
		return -1;
	image = choose_docker_image(list, label, ref, m);
	if (image && !(path = get_string(image, "Config")))
		failx("%s: manifest.json: no Config", label);
	else if (image) {
		digest_from_name(path, want);
		config = read_json(dir_fd, label, path, want[0] ? want : NULL, m->id);
		if (config)
			r = read_docker_layers(image, config, label, m);
	}
	m->config = config; /* the same config as OCI's: `run` reads it */
	json_object_put(list);
	return r;
}

void manifest_free(struct manifest *m)
{
	json_object_put(m->config);
	m->config = NULL;
}

int manifest_read(int dir_fd, const char *label, const char *ref, struct manifest *m)
{
	*m = (struct manifest){0};
	/* docker >= 25 writes both; the OCI files are the richer description. */
	if (faccessat(dir_fd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return read_oci(dir_fd, label, ref, m);
	if (faccessat(dir_fd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return read_docker(dir_fd, label, ref, m);
	return failx(
	    "%s: neither an OCI layout (oci-layout) nor a docker save archive (manifest.json)",
	    label);
}
