/* fixtures.c - build the test images with libarchive and json-c. */
#include "tests/fixtures.h"

#include <archive.h>
#include <archive_entry.h>
#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <sha256.h> /* libmd: an independent check of our (nettle) digests */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/path.h"
#include "tests/harness.h"

#define TAR_BUFFER (16 << 20) /* bytes: busybox is ~2.7 MB */

static void digest_of(struct blob *b)
{
	strlcpy(b->digest, "sha256:", sizeof(b->digest));
	SHA256Data(b->data, b->len, b->digest + 7);
}

static void add_entry(struct archive *a, char type, const char *path, const void *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, path);
	archive_entry_set_mtime(e, 1700000000, 0);
	switch (type) {
	case 'd':
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, 0755);
		break;
	case 'l':
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, data);
		break;
	case 'h':
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_hardlink(e, data);
		break;
	case 'c':
		archive_entry_set_filetype(e, AE_IFCHR);
		archive_entry_set_rdev(e, 0);
		break;
	default:
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, strncmp(path, "bin/", 4) == 0 ? 0755 : 0644);
		archive_entry_set_size(e, len);
	}
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	if (type == 'f' && len)
		ck_assert_int_eq(archive_write_data(a, data, len), (la_ssize_t)len);
	archive_entry_free(e);
}

static void add_busybox(struct archive *a)
{
	char path[PATH_MAX];
	const char *links[] = {"bin/sh", "bin/cat", "bin/ls", "bin/echo", "bin/test", NULL};

	snprintf(path, sizeof(path), "%s/bin/busybox", rootfs());
	char *bin = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	ck_assert_msg(f != NULL, "%s: %s (run: make rootfs)", path, strerror(errno));
	bin = malloc(TAR_BUFFER);
	len = fread(bin, 1, TAR_BUFFER, f);
	fclose(f);
	add_entry(a, 'd', "bin", NULL, 0);
	add_entry(a, 'f', "bin/busybox", bin, len);
	for (int i = 0; links[i]; i++)
		add_entry(a, 'l', links[i], "busybox", 0);
	free(bin);
}

void make_tar(struct blob *out, int filter, bool with_busybox, const struct tar_entry *entries)
{
	struct archive *a = archive_write_new();
	size_t used = 0;

	out->data = malloc(TAR_BUFFER);
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter(a, filter);
	archive_write_set_bytes_in_last_block(a, 1); /* no padding to 10 KiB */
	ck_assert_int_eq(archive_write_open_memory(a, out->data, TAR_BUFFER, &used), ARCHIVE_OK);
	if (with_busybox)
		add_busybox(a);
	for (const struct tar_entry *t = entries; t && t->path; t++)
		add_entry(a, t->type, t->path, t->data, t->data ? strlen(t->data) : 0);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	out->len = used;
	digest_of(out);
}

void blob_free(struct blob *b)
{
	free(b->data);
	b->data = NULL;
}

const char *layout_add(struct layout *l, const char *path, const void *data, size_t len)
{
	ck_assert_uint_lt(l->n, FIXTURE_MAX_FILES);
	struct blob *b = &l->files[l->n].blob;
	strlcpy(l->files[l->n++].path, path, sizeof(l->files[0].path));
	b->data = malloc(len + 1);
	memcpy(b->data, data, len);
	b->len = len;
	digest_of(b);
	return b->digest;
}

const char *layout_add_blob(struct layout *l, const void *data, size_t len)
{
	struct blob b = {(unsigned char *)data, len, ""};
	char path[128];

	digest_of(&b);
	snprintf(path, sizeof(path), "blobs/sha256/%s", b.digest + 7);
	return layout_add(l, path, data, len);
}

void layout_write_dir(const struct layout *l, const char *dir)
{
	char path[PATH_MAX], parent[PATH_MAX];

	for (size_t i = 0; i < l->n; i++) {
		path_join(path, sizeof(path), dir, l->files[i].path);
		strlcpy(parent, path, sizeof(parent));
		*strrchr(parent, '/') = '\0';
		ck_assert_int_eq(mkdir_p(parent, 0755), 0);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, l->files[i].blob.data, l->files[i].blob.len),
				 (ssize_t)l->files[i].blob.len);
		close(fd);
	}
}

void layout_write_tar(const struct layout *l, const char *path)
{
	struct archive *a = archive_write_new();

	archive_write_set_format_pax_restricted(a);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (size_t i = 0; i < l->n; i++)
		add_entry(a, 'f', l->files[i].path, l->files[i].blob.data, l->files[i].blob.len);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

void layout_free(struct layout *l)
{
	for (size_t i = 0; i < l->n; i++)
		blob_free(&l->files[i].blob);
	l->n = 0;
}

void make_two_layers(struct blob *lower, struct blob *upper, int filter)
{
	const struct tar_entry below[] = {{'d', "etc", NULL},
					  {'f', "etc/os-release", "NAME=\"fixture lower\"\n"},
					  {'f', "etc/deleteme", "to be deleted by a whiteout\n"},
					  {'d', "data", NULL},
					  {'f', "data/a", "a\n"},
					  {'f', "data/b", "b\n"},
					  {'d', "tmp", NULL},
					  {0}};
	const struct tar_entry above[] = {{'f', "etc/os-release", "NAME=\"fixture upper\"\n"},
					  {'f', "etc/.wh.deleteme", ""},
					  {'d', "data", NULL},
					  {'f', "data/.wh..wh..opq", ""},
					  {'f', "data/c", "c\n"},
					  {0}};

	make_tar(lower, filter, true, below);
	make_tar(upper, filter, false, above);
}

static json_object *descriptor(const char *type, const char *digest, size_t size)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "mediaType", json_object_new_string(type));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64(size));
	return d;
}

/* Add config + manifest blobs for these layers; returns the manifest's
 * descriptor, annotated with ref. */
static json_object *add_oci_image(struct layout *l, struct blob **layers, size_t n, int filter,
				  const char *ref, const char *runtime)
{
	json_object *manifest = json_object_new_object(), *list = json_object_new_array(), *d, *ann;
	char config[4096];

	snprintf(config, sizeof(config),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":"
		 "\"2024-01-02T03:04:05.678Z\",\"config\":%s,\"rootfs\":{\"type\":\"layers\"}}",
		 runtime ? runtime : "{}");
	const char *type = filter == ARCHIVE_FILTER_GZIP
			       ? "application/vnd.oci.image.layer.v1.tar+gzip"
			       : "application/vnd.oci.image.layer.v1.tar";

	json_object_object_add(manifest, "schemaVersion", json_object_new_int(2));
	json_object_object_add(manifest, "mediaType", json_object_new_string(OCI_MANIFEST));
	json_object_object_add(
	    manifest, "config",
	    descriptor(OCI_CONFIG, layout_add_blob(l, config, strlen(config)), strlen(config)));
	for (size_t i = 0; i < n; i++)
		json_object_array_add(
		    list, descriptor(type, layout_add_blob(l, layers[i]->data, layers[i]->len),
				     layers[i]->len));
	json_object_object_add(manifest, "layers", list);
	const char *text = json_object_to_json_string(manifest);
	d = descriptor(OCI_MANIFEST, layout_add_blob(l, text, strlen(text)), strlen(text));
	ann = json_object_new_object();
	json_object_object_add(ann, "org.opencontainers.image.ref.name",
			       json_object_new_string(ref));
	json_object_object_add(d, "annotations", ann);
	json_object_put(manifest);
	return d;
}

void make_oci(struct layout *l, int filter, bool two_images)
{
	struct blob lower, upper, *both[] = {&lower, &upper};
	json_object *index = json_object_new_object(), *list = json_object_new_array();
	const char *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";

	make_two_layers(&lower, &upper, filter);
	layout_add(l, "oci-layout", layout, strlen(layout));
	json_object_array_add(list, add_oci_image(l, both, 2, filter, "v1", NULL));
	if (two_images)
		json_object_array_add(list, add_oci_image(l, both, 1, filter, "v2", NULL));
	json_object_object_add(index, "schemaVersion", json_object_new_int(2));
	json_object_object_add(index, "manifests", list);
	const char *text = json_object_to_json_string(index);
	layout_add(l, "index.json", text, strlen(text));
	json_object_put(index);
	blob_free(&lower);
	blob_free(&upper);
}

void make_oci_config(struct layout *l, const struct tar_entry *entries, const char *config)
{
	struct blob layer, *one[] = {&layer};
	json_object *index = json_object_new_object(), *list = json_object_new_array();
	const char *layout = "{\"imageLayoutVersion\":\"1.0.0\"}";

	make_tar(&layer, ARCHIVE_FILTER_GZIP, true, entries);
	layout_add(l, "oci-layout", layout, strlen(layout));
	json_object_array_add(list, add_oci_image(l, one, 1, ARCHIVE_FILTER_GZIP, "v1", config));
	json_object_object_add(index, "schemaVersion", json_object_new_int(2));
	json_object_object_add(index, "manifests", list);
	const char *text = json_object_to_json_string(index);
	layout_add(l, "index.json", text, strlen(text));
	json_object_put(index);
	blob_free(&layer);
}

void make_docker_save_config(struct layout *l, const struct tar_entry *entries, const char *runtime)
{
	struct blob layer;
	char config[4096], manifest[512], name[128];

	make_tar(&layer, ARCHIVE_FILTER_NONE, true, entries);
	layout_add(l, "1111/layer.tar", layer.data, layer.len);
	snprintf(config, sizeof(config),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":%s,"
		 "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
		 runtime, layer.digest);
	struct blob c = {(unsigned char *)config, strlen(config), ""};
	digest_of(&c);
	snprintf(name, sizeof(name), "%s.json", c.digest + 7);
	layout_add(l, name, config, strlen(config));
	snprintf(manifest, sizeof(manifest),
		 "[{\"Config\":\"%s\",\"RepoTags\":[\"fixture:latest\"],"
		 "\"Layers\":[\"1111/layer.tar\"]}]",
		 name);
	layout_add(l, "manifest.json", manifest, strlen(manifest));
	blob_free(&layer);
}

void make_docker_save(struct layout *l)
{
	struct blob lower, upper;
	char config[512], manifest[512], name[128];

	make_two_layers(&lower, &upper, ARCHIVE_FILTER_NONE); /* docker save: plain tar */
	layout_add(l, "1111/layer.tar", lower.data, lower.len);
	layout_add(l, "2222/layer.tar", upper.data, upper.len);
	snprintf(config, sizeof(config),
		 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
		 "\"diff_ids\":[\"%s\",\"%s\"]}}",
		 lower.digest, upper.digest);
	struct blob c = {(unsigned char *)config, strlen(config), ""};
	digest_of(&c);
	snprintf(name, sizeof(name), "%s.json", c.digest + 7);
	layout_add(l, name, config, strlen(config));
	snprintf(manifest, sizeof(manifest),
		 "[{\"Config\":\"%s\",\"RepoTags\":[\"fixture:latest\"],"
		 "\"Layers\":[\"1111/layer.tar\",\"2222/layer.tar\"]}]",
		 name);
	layout_add(l, "manifest.json", manifest, strlen(manifest));
	blob_free(&lower);
	blob_free(&upper);
}

void flip_byte(const char *path, off_t offset)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	unsigned char byte;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &byte, 1, offset), 1);
	byte ^= 0x01;
	ck_assert_int_eq(pwrite(fd, &byte, 1, offset), 1);
	close(fd);
}

static char store_base[64];
char store[96], work[96];

void make_store_base(void)
{
	strlcpy(store_base, "/tmp/kobako-image-test-XXXXXX", sizeof(store_base));
	ck_assert_ptr_nonnull(mkdtemp(store_base));
	snprintf(store, sizeof(store), "%s/store", store_base);
	snprintf(work, sizeof(work), "%s/work", store_base);
}

void remove_store_base(void)
{
	remove_tree(AT_FDCWD, store_base);
}

void fresh_store(void)
{
	ck_assert_int_eq(remove_tree(AT_FDCWD, store), 0);
	ck_assert_int_eq(remove_tree(AT_FDCWD, work), 0);
	ck_assert_int_eq(mkdir(store, 0700), 0);
	ck_assert_int_eq(mkdir(work, 0700), 0);
}
