/* test_image.c - step06_rootfs/image_store.c, image_manifest.c, whiteout.c and common/archive.c: importing rootfs tarballs, docker save
 * archives and OCI layouts into a store; digests, whiteouts, and hostile
 * archives. Needs root (owners, device nodes, trusted.* xattrs). */
#include <archive.h>
#include <archive_entry.h>
#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <sha256.h>

#include "common/path.h"
#include "step06_rootfs/image_store.h"
#include "tests/fixtures.h"
#include "tests/harness.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char err[4096]; /* what the last import printed */

/* store_import with its stderr line captured in err. */
static int import(const char *file, const char *name, const char *ref)
{
	int saved = dup(2), fd = memfd_create("err", 0), r;

	dup2(fd, 2);
	r = store_import(store, file, name, ref);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, err, sizeof(err) - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(fd);
	return r;
}

/* Number of entries in store/sub (0 if missing). */
static int count(const char *sub)
{
	char path[PATH_MAX];
	struct dirent **names;

	snprintf(path, sizeof(path), "%s/%s", store, sub);
	int n = scandir(path, &names, NULL, NULL);
	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return n - 2; /* . and .. */
}

/* A failed import: one line naming the file, and the store as it was. */
static void expect_rejected(const char *file, const char *reason)
{
	ck_assert_int_eq(import(file, "bad", NULL), -1);
	ck_assert_contains(err, file);
	ck_assert_contains(err, reason);
	ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: %s", err);
	ck_assert_int_eq(count("images"), 0);
	ck_assert_int_eq(count("layers/sha256"), 0);
	ck_assert_int_eq(count("tmp"), 0);
}

static char *layer_file(const char *digest, const char *rel)
{
	static char path[2 * PATH_MAX];

	snprintf(path, sizeof(path), "%s/layers/sha256/%s/%s", store, digest + 7, rel);
	return path;
}

static void write_tar(const char *name, int filter, const struct tar_entry *entries, char *path)
{
	struct blob b;

	make_tar(&b, filter, false, entries);
	snprintf(path, PATH_MAX, "%s/%s", work, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_eq(write(fd, b.data, b.len), (ssize_t)b.len);
	close(fd);
	blob_free(&b);
}

/* A tar entry with all of its metadata, for the tests that check it. type:
 * AE_IFREG (data), AE_IFDIR, AE_IFLNK (link = target); link with AE_IFREG
 * makes a hard link. An xattr "user.kobako" = xattr when set. */
struct full_entry {
	const char *path;
	mode_t type, perm;
	uid_t uid;
	gid_t gid;
	const char *data, *link, *xattr;
};

#define ENTRY_MTIME 1600000000 /* seconds: 2020-09-13, not "now" */
#define REG(p, mode, u, g, text)                                                                   \
	{                                                                                          \
		.path = p, .type = AE_IFREG, .perm = mode, .uid = u, .gid = g, .data = text        \
	}
#define DIR(p, mode, u, g)                                                                         \
	{                                                                                          \
		.path = p, .type = AE_IFDIR, .perm = mode, .uid = u, .gid = g                      \
	}
#define SYM(p, to, u, g)                                                                           \
	{                                                                                          \
		.path = p, .type = AE_IFLNK, .perm = 0777, .uid = u, .gid = g, .link = to          \
	}
#define HARD(p, to, mode, u, g)                                                                    \
	{                                                                                          \
		.path = p, .type = AE_IFREG, .perm = mode, .uid = u, .gid = g, .link = to          \
	}

static void write_full_tar(const char *name, const struct full_entry *entries, char *path)
{
	struct archive *a = archive_write_new();

	snprintf(path, PATH_MAX, "%s/%s", work, name);
	archive_write_set_format_pax_restricted(a);
	ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	for (const struct full_entry *f = entries; f->path; f++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = f->data ? strlen(f->data) : 0;

		archive_entry_set_pathname(e, f->path);
		archive_entry_set_filetype(e, f->type);
		archive_entry_set_perm(e, f->perm);
		archive_entry_set_uid(e, f->uid);
		archive_entry_set_gid(e, f->gid);
		archive_entry_set_mtime(e, ENTRY_MTIME, 0);
		if (f->type == AE_IFLNK)
			archive_entry_set_symlink(e, f->link);
		else if (f->link)
			archive_entry_set_hardlink(e, f->link);
		else
			archive_entry_set_size(e, len);
		if (f->xattr)
			archive_entry_xattr_add_entry(e, "user.kobako", f->xattr, strlen(f->xattr));
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		if (len)
			ck_assert_int_eq(archive_write_data(a, f->data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
	ck_assert_int_eq(archive_write_free(a), ARCHIVE_OK);
}

/* Import tar as image name; its one layer's directory goes to top. */
static void import_one_layer(const char *tar, const char *name, char top[PATH_MAX])
{
	struct image_info info;

	ck_assert_msg(import(tar, name, NULL) == 0, "%s", err);
	ck_assert_int_eq(store_load(store, name, &info), 0);
	ck_assert_uint_eq(info.n_layers, 1);
	strlcpy(top, layer_file(info.layers[0], ""), PATH_MAX);
}

/* top/rel, in a static buffer. */
static const char *in(const char *top, const char *rel)
{
	static char path[2 * PATH_MAX];

	snprintf(path, sizeof(path), "%s%s", top, rel);
	return path;
}

/* The contents of top/rel; "" if missing. The caller frees it. */
static char *read_in(const char *top, const char *rel)
{
	char *text = slurp(in(top, rel));

	return text ? text : strdup("");
}

static void check_stat(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;

	ck_assert_msg(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
	ck_assert_msg(st.st_mode == mode, "%s: mode %o, not %o", path, st.st_mode, mode);
	ck_assert_msg(st.st_uid == uid && st.st_gid == gid, "%s: owner %u:%u, not %u:%u", path,
		      st.st_uid, st.st_gid, uid, gid);
	if (!S_ISDIR(mode))
		ck_assert_int_eq(st.st_mtime, ENTRY_MTIME);
}

START_TEST(metadata_preserved)
{
	char tar[PATH_MAX], top[PATH_MAX], value[16] = "";
	mode_t saved = umask(022); /* would take 022 off a plain create */

	write_full_tar(
	    "meta.tar",
	    (struct full_entry[]){REG("plain", 0644, 0, 0, "a"),
				  REG("shared", 0666, 0, 0, "b"), /* not 0644 */
				  {.path = "secret",
				   .type = AE_IFREG,
				   .perm = 0400,
				   .uid = 1234,
				   .gid = 5678,
				   .data = "c",
				   .xattr = "hello"},
				  REG("suid", 04755, 0, 0, "d"),
				  DIR("sgid", 02775, 0, 5678), /* files in it get group 5678 */
				  REG("sgid/root", 0644, 0, 0, "e"), /* ... unless chowned */
				  REG("sgid/theirs", 0644, 1234, 5678, "f"),
				  SYM("link", "plain", 1234, 5678),
				  DIR("private", 0700, 1234, 5678),
				  {0}},
	    tar);
	import_one_layer(tar, "meta", top);
	umask(saved);
	check_stat(in(top, "plain"), S_IFREG | 0644, 0, 0);
	check_stat(in(top, "shared"), S_IFREG | 0666, 0, 0);
	check_stat(in(top, "secret"), S_IFREG | 0400, 1234, 5678);
	ck_assert_int_eq(getxattr(in(top, "secret"), "user.kobako", value, sizeof(value)), 5);
	ck_assert_str_eq(value, "hello");
	check_stat(in(top, "suid"), S_IFREG | 04755, 0, 0);
	check_stat(in(top, "sgid"), S_IFDIR | 02775, 0, 5678);
	check_stat(in(top, "sgid/root"), S_IFREG | 0644, 0, 0);
	check_stat(in(top, "sgid/theirs"), S_IFREG | 0644, 1234, 5678);
	check_stat(in(top, "link"), S_IFLNK | 0777, 1234, 5678);
	check_stat(in(top, "private"), S_IFDIR | 0700, 1234, 5678);
}
END_TEST

/* An archive may list a path twice; the last entry wins, and what it
 * replaces is never written through (a symlink stays a name). */
START_TEST(later_entries_replace_earlier)
{
	char tar[PATH_MAX], top[PATH_MAX], *text;
	struct stat st;

	write_full_tar(
	    "replace.tar",
	    (struct full_entry[]){REG("twice", 0644, 0, 0, "first\n"),
				  REG("twice", 0600, 0, 0, "second\n"),
				  REG("d/x", 0644, 0, 0, "x\n"),
				  DIR("e/", 0755, 0, 0),
				  SYM("d", "e", 0, 0), /* dir d -> symlink */
				  REG("d/y", 0644, 0, 0, "y\n"), /* so this is e/y */
				  REG("f", 0644, 0, 0, "file\n"),
				  DIR("f", 0755, 0, 0), /* file f -> directory */
				  REG("f/z", 0644, 0, 0, "z\n"),
				  SYM("s", "plain", 0, 0),
				  REG("plain", 0644, 0, 0, "plain\n"),
				  REG("s", 0644, 0, 0, "not through\n"), /* symlink s -> file */
				  {0}},
	    tar);
	import_one_layer(tar, "replace", top);
	check_stat(in(top, "twice"), S_IFREG | 0600, 0, 0);
	ck_assert_str_eq(text = read_in(top, "twice"), "second\n");
	free(text);
	check_stat(in(top, "d"), S_IFLNK | 0777, 0, 0);
	ck_assert_str_eq(text = read_in(top, "e/y"), "y\n"); /* through the new symlink */
	free(text);
	ck_assert_int_eq(access(in(top, "e/x"), F_OK), -1); /* d/x went with d */
	ck_assert_int_eq(lstat(in(top, "f"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_str_eq(text = read_in(top, "f/z"), "z\n");
	free(text);
	check_stat(in(top, "s"), S_IFREG | 0644, 0, 0);
	ck_assert_str_eq(text = read_in(top, "s"), "not through\n");
	free(text);
	ck_assert_str_eq(text = read_in(top, "plain"), "plain\n"); /* untouched */
	free(text);
}
END_TEST

/* More data than the ring of read buffers holds, and a sparse file whose
 * last hole must still count: the digest is the file's, every byte lands. */
START_TEST(large_and_sparse)
{
	char tar[PATH_MAX], top[PATH_MAX], digest[DIGEST_LEN + 1] = "sha256:";
	enum { BIG = 5 << 20, SPARSE = 3 << 20, DATA = 4096 };
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char *big = malloc(BIG);
	struct image_info info;
	struct stat st;

	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)(i * 2654435761u >> 24);
	snprintf(tar, sizeof(tar), "%s/big.tar", work);
	archive_write_set_format_pax(a);
	ck_assert_int_eq(archive_write_open_filename(a, tar), ARCHIVE_OK);
	archive_entry_set_pathname(e, "big");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, BIG);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, big, BIG), BIG);
	archive_entry_clear(e);
	archive_entry_set_pathname(e, "sparse");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, SPARSE);
	archive_entry_sparse_add_entry(e, 0, DATA); /* then a hole to the end */
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, big, DATA), DATA);
	archive_entry_free(e);
	ck_assert_int_eq(archive_write_free(a), ARCHIVE_OK);

	ck_assert_ptr_nonnull(SHA256File(tar, digest + 7));
	import_one_layer(tar, "big", top);
	ck_assert_int_eq(store_load(store, "big", &info), 0);
	ck_assert_str_eq(info.layers[0], digest);
	ck_assert_int_eq(stat(in(top, "big"), &st), 0);
	ck_assert_int_eq(st.st_size, BIG);
	char *copy = malloc(BIG);
	int fd = open(in(top, "big"), O_RDONLY | O_CLOEXEC);
	ck_assert_int_eq(read(fd, copy, BIG), BIG); /* tmpfs or ext4: one read */
	close(fd);
	ck_assert(memcmp(copy, big, BIG) == 0);
	free(copy);
	ck_assert_int_eq(stat(in(top, "sparse"), &st), 0);
	ck_assert_int_eq(st.st_size, SPARSE);
	free(big);
}
END_TEST

/* The open parent directory kept from one entry to the next must change
 * nothing: once an entry removes a name the kept path resolved through
 * (here "child", on the way of lnk -> d/inner/child/..), the next entry
 * resolves it again and is refused, as it would be without the cache. */
START_TEST(kept_parent_is_resolved_again)
{
	char tar[PATH_MAX];

	write_full_tar(
	    "kept.tar",
	    (struct full_entry[]){DIR("d/inner/child", 0755, 0, 0),
				  SYM("lnk", "d/inner/child/..", 0, 0),
				  REG("lnk/f1", 0644, 0, 0, "1\n"), /* in d/inner */
				  REG("lnk/child", 0644, 0, 0, "no dir\n"),
				  REG("lnk/f2", 0644, 0, 0, "2\n"), /* lnk is broken now */
				  {0}},
	    tar);
	expect_rejected(tar, "entry 'lnk/f2': Not a directory");
}
END_TEST

START_TEST(plain_tarball)
{
	char tar[PATH_MAX], digest[DIGEST_LEN + 1] = "sha256:";
	struct image_info info;

	snprintf(tar, sizeof(tar), "%s/build/images/busybox.tar", top());
	ck_assert_ptr_nonnull(SHA256File(tar, digest + 7));
	ck_assert_int_eq(import(tar, "busybox", NULL), 0);
	ck_assert_int_eq(store_load(store, "busybox", &info), 0);
	ck_assert_uint_eq(info.n_layers, 1);
	ck_assert_str_eq(info.layers[0], digest); /* named by the tarball's sha256 */
	ck_assert_str_eq(info.id, digest);
	ck_assert_uint_gt(info.size, 1000000); /* busybox itself */
	char *os = slurp(layer_file(digest, "etc/os-release"));
	ck_assert_ptr_nonnull(os);
	ck_assert_contains(os, "kobako busybox");
	free(os);
	ck_assert_int_eq(count("tmp"), 0);
}
END_TEST

START_TEST(reimport_stores_one_copy)
{
	char tar[PATH_MAX];

	snprintf(tar, sizeof(tar), "%s/build/images/busybox.tar", top());
	ck_assert_int_eq(import(tar, "one", NULL), 0);
	ck_assert_int_eq(import(tar, "two", NULL), 0);
	ck_assert_int_eq(import(tar, "two", NULL), 0);
	ck_assert_int_eq(count("images"), 2);
	ck_assert_int_eq(count("layers/sha256"), 1);
	ck_assert_int_eq(store_remove(store, "one", false), 0); /* "two" still uses it */
	ck_assert_int_eq(count("layers/sha256"), 1);
	ck_assert_int_eq(store_remove(store, "two", false), 0);
	ck_assert_int_eq(count("layers/sha256"), 0);
	ck_assert_int_eq(count("images"), 0);
	ck_assert_int_eq(store_remove(store, "two", false), -1); /* gone */
}
END_TEST

/* The upper layer as overlayfs wants it: a 0/0 device, an opaque xattr. */
static void check_whiteouts(const struct image_info *info)
{
	struct stat st;
	char value[8] = "";

	ck_assert_uint_eq(info->n_layers, 2);
	ck_assert_int_eq(lstat(layer_file(info->layers[1], "etc/deleteme"), &st), 0);
	ck_assert(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	ck_assert_int_eq(lgetxattr(layer_file(info->layers[1], "data"), "trusted.overlay.opaque",
				   value, sizeof(value)),
			 1);
	ck_assert_str_eq(value, "y");
	ck_assert_int_eq(access(layer_file(info->layers[1], "data/.wh..wh..opq"), F_OK), -1);
	ck_assert_int_eq(access(layer_file(info->layers[1], "etc/.wh.deleteme"), F_OK), -1);
	ck_assert_int_eq(access(layer_file(info->layers[0], "etc/deleteme"), F_OK),
			 0); /* lower intact */
}

/* Stack the layers with overlayfs in a private mount namespace, as step06
 * does, and list what the merged tree shows. */
static void check_merged(const struct image_info *info)
{
	char opts[5 * PATH_MAX], dir[PATH_MAX];
	struct run r;

	snprintf(dir, sizeof(dir), "%s/merged", work);
	mkdir(dir, 0755);
	char upper[2 * PATH_MAX];
	strlcpy(upper, layer_file(info->layers[1], ""), sizeof(upper)); /* a static buffer */
	snprintf(opts, sizeof(opts), "lowerdir=%s:%s", upper, layer_file(info->layers[0], ""));
	run(&r,
	    "unshare -m sh -c 'mount -t overlay -o %s overlay %s && cat %s/etc/os-release && "
	    "ls %s/data && ! test -e %s/etc/deleteme'",
	    opts, dir, dir, dir, dir);
	ck_assert_msg(r.code == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "NAME=\"fixture upper\"\nc\n");
}

START_TEST(oci_directory_whiteouts)
{
	struct layout l = {0};
	struct image_info info;

	make_oci(&l, ARCHIVE_FILTER_GZIP, false);
	layout_write_dir(&l, work);
	ck_assert_int_eq(import(work, "oci", NULL), 0);
	ck_assert_int_eq(store_load(store, "oci", &info), 0);
	check_whiteouts(&info);
	check_merged(&info);
	layout_free(&l);
}
END_TEST

START_TEST(oci_archive_ref)
{
	struct layout l = {0};
	struct image_info info;
	char tar[PATH_MAX];

	make_oci(&l, ARCHIVE_FILTER_NONE, true);
	snprintf(tar, sizeof(tar), "%s/oci.tar", work);
	layout_write_tar(&l, tar);
	ck_assert_int_eq(import(tar, "x", NULL), -1);
	ck_assert_contains(err, "2 images: choose one with --ref TAG");
	ck_assert_int_eq(import(tar, "x", "nope"), -1);
	ck_assert_contains(err, "no image has this --ref");
	ck_assert_int_eq(import(tar, "v2", "v2"), 0);
	ck_assert_int_eq(store_load(store, "v2", &info), 0);
	ck_assert_uint_eq(info.n_layers, 1);
	ck_assert_int_eq(import(tar, "v1", "v1"), 0);
	ck_assert_int_eq(store_load(store, "v1", &info), 0);
	check_whiteouts(&info);
	ck_assert_int_eq(count("layers/sha256"), 2); /* v2's layer is v1's lower one */
	layout_free(&l);
}
END_TEST

START_TEST(docker_save_archive)
{
	struct layout l = {0};
	struct image_info info;
	char tar[PATH_MAX];

	make_docker_save(&l);
	snprintf(tar, sizeof(tar), "%s/docker.tar", work);
	layout_write_tar(&l, tar);
	ck_assert_int_eq(import(tar, "d", "latest"), 0);
	ck_assert_int_eq(import(tar, "d", "fixture:latest"), 0);
	ck_assert_int_eq(import(tar, "d", NULL), 0);
	ck_assert_int_eq(store_load(store, "d", &info), 0);
	check_whiteouts(&info);
	check_merged(&info);
	ck_assert_int_eq(count("images"), 1);
	layout_free(&l);
}
END_TEST

/* Offset of text in a file, to flip a byte of a layer's contents. */
static off_t find_text(const char *path, const char *text)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ck_assert_int_eq(fstat(fd, &st), 0);
	char *data = malloc(st.st_size);
	ck_assert_int_eq(read(fd, data, st.st_size), st.st_size);
	close(fd);
	char *at = memmem(data, st.st_size, text, strlen(text));
	ck_assert_ptr_nonnull(at);
	off_t offset = at - data;
	free(data);
	return offset;
}

START_TEST(flipped_byte_rejected)
{
	struct layout l = {0};
	char tar[PATH_MAX];

	make_docker_save(&l);
	snprintf(tar, sizeof(tar), "%s/docker.tar", work);
	layout_write_tar(&l, tar);
	flip_byte(tar, find_text(tar, "fixture upper"));
	expect_rejected(tar, "2222/layer.tar: digest mismatch (expected sha256:");
	layout_free(&l);
}
END_TEST

START_TEST(missing_blob_rejected)
{
	struct layout l = {0};
	char path[PATH_MAX];

	make_oci(&l, ARCHIVE_FILTER_GZIP, false);
	layout_write_dir(&l, work);
	/* files[2], [3]: the two layer blobs (after oci-layout and the config) */
	snprintf(path, sizeof(path), "%s/%s", work, l.files[3].path);
	ck_assert_int_eq(unlink(path), 0);
	expect_rejected(work, "No such file or directory");
	ck_assert_contains(err, l.files[3].path);
	layout_free(&l);
}
END_TEST

/* An index.json written by hand: one manifest with this layer media type,
 * or a descriptor whose digest is not a digest. */
static void write_odd_layout(const char *layer_type, const char *manifest_digest)
{
	struct layout l = {0};
	struct blob layer;
	char manifest[1024], index[1024];
	const char *config = "{}";

	make_tar(&layer, ARCHIVE_FILTER_NONE, false, (struct tar_entry[]){{'f', "x", "x"}, {0}});
	layout_add(&l, "oci-layout", "{}", 2);
	const char *cd = layout_add_blob(&l, config, 2);
	snprintf(manifest, sizeof(manifest),
		 "{\"mediaType\":\"" OCI_MANIFEST "\",\"config\":{\"digest\":\"%s\"},"
		 "\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\"}]}",
		 cd, layer_type, layout_add_blob(&l, layer.data, layer.len));
	const char *md = layout_add_blob(&l, manifest, strlen(manifest));
	snprintf(index, sizeof(index),
		 "{\"manifests\":[{\"mediaType\":\"" OCI_MANIFEST "\",\"digest\":\"%s\"}]}",
		 manifest_digest ? manifest_digest : md);
	layout_add(&l, "index.json", index, strlen(index));
	layout_write_dir(&l, work);
	layout_free(&l);
	blob_free(&layer);
}

START_TEST(unknown_media_type_rejected)
{
	write_odd_layout("application/x-floppy-disk", NULL);
	expect_rejected(work, "unknown media type 'application/x-floppy-disk'");
}
END_TEST

START_TEST(digest_is_not_a_path)
{
	write_odd_layout("application/vnd.oci.image.layer.v1.tar", "sha256:../../../../etc/passwd");
	expect_rejected(work, "malformed digest 'sha256:../../../../etc/passwd'");
}
END_TEST

/* ---- hostile archives ---- */

/* The host path a hostile entry aims at, unique to this test run. */
static char target[128];

static void hostile_setup(void)
{
	fresh_store();
	snprintf(target, sizeof(target), "/tmp/kobako-escaped-%d", getpid());
	unlink(target);
}

static void hostile_teardown(void)
{
	unlink(target);
}

START_TEST(absolute_path_neutralised)
{
	char tar[PATH_MAX];
	struct image_info info;

	write_tar("abs.tar", ARCHIVE_FILTER_NONE,
		  (struct tar_entry[]){{'f', target, "pwned\n"}, {0}}, tar);
	ck_assert_int_eq(import(tar, "abs", NULL), 0);
	ck_assert_int_eq(access(target, F_OK), -1); /* not on the host ... */
	ck_assert_int_eq(store_load(store, "abs", &info), 0);
	ck_assert_int_eq(access(layer_file(info.layers[0], target + 1), F_OK),
			 0); /* ... but inside */
}
END_TEST

START_TEST(dotdot_rejected)
{
	char tar[PATH_MAX], entry[256];

	snprintf(entry, sizeof(entry), "../../../../../../..%s", target);
	write_tar("dotdot.tar", ARCHIVE_FILTER_NONE,
		  (struct tar_entry[]){{'f', entry, "pwned\n"}, {0}}, tar);
	expect_rejected(tar, "'..' in a path is not allowed");
	ck_assert_int_eq(access(target, F_OK), -1);
}
END_TEST

START_TEST(symlink_then_write_neutralised)
{
	char tar[PATH_MAX], through[256], chain[256];
	struct image_info info;

	snprintf(through, sizeof(through), "evil%s", target); /* evil -> / */
	snprintf(chain, sizeof(chain), "a%s.chain", target); /* a -> b -> ../../.. */
	write_tar("sym.tar", ARCHIVE_FILTER_NONE,
		  (struct tar_entry[]){{'l', "evil", "/"},
				       {'f', through, "pwned\n"},
				       {'l', "b", "../../../.."},
				       {'l', "a", "b"},
				       {'f', chain, "pwned\n"},
				       {0}},
		  tar);
	ck_assert_int_eq(import(tar, "sym", NULL), 0);
	ck_assert_int_eq(access(target, F_OK), -1);
	snprintf(chain, sizeof(chain), "%s.chain", target);
	ck_assert_int_eq(access(chain, F_OK), -1);
	ck_assert_int_eq(store_load(store, "sym", &info), 0);
	ck_assert_int_eq(access(layer_file(info.layers[0], target + 1), F_OK),
			 0); /* landed inside */
	ck_assert_int_eq(access(layer_file(info.layers[0], chain + 1), F_OK), 0);
}
END_TEST

START_TEST(hardlink_outside_rejected)
{
	char tar[PATH_MAX];
	struct stat before, after;

	ck_assert_int_eq(stat("/etc/passwd", &before), 0);
	write_tar("hard.tar", ARCHIVE_FILTER_NONE,
		  (struct tar_entry[]){{'h', "passwd", "/etc/passwd"},
				       {'f', "passwd", "root::0:0::/:/bin/sh\n"},
				       {0}},
		  tar);
	expect_rejected(tar, "entry 'passwd': No such file or directory");
	ck_assert_int_eq(stat("/etc/passwd", &after), 0);
	ck_assert_uint_eq(before.st_nlink, after.st_nlink);
	ck_assert_int_eq(before.st_mtime, after.st_mtime);
}
END_TEST

/* A hard link to a symlink that points at a host file: the link is made
 * (to the symlink itself), and the entry's mode and owner go nowhere, above
 * all not to the host file. (Before: chmod followed the symlink.) */
START_TEST(hardlink_to_symlink_changes_nothing_outside)
{
	char tar[PATH_MAX], top[PATH_MAX];
	struct stat before, after;
	int fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(stat(target, &before), 0);
	write_full_tar("hardsym.tar",
		       (struct full_entry[]){
			   SYM("evil", target, 0, 0), HARD("x", "evil", 04777, 1234, 5678), {0}},
		       tar);
	import_one_layer(tar, "hardsym", top);
	ck_assert_int_eq(stat(target, &after), 0);
	ck_assert_uint_eq(after.st_mode, before.st_mode);
	ck_assert_uint_eq(after.st_uid, before.st_uid);
	ck_assert_uint_eq(after.st_gid, before.st_gid);
	ck_assert_int_eq(lstat(in(top, "x"), &after), 0);
	ck_assert(S_ISLNK(after.st_mode));
}
END_TEST

START_TEST(truncated_gzip_rejected)
{
	char tar[PATH_MAX];
	struct stat st;

	write_tar("trunc.tar.gz", ARCHIVE_FILTER_GZIP,
		  (struct tar_entry[]){
		      {'f', "a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, {'f', "b", "b"}, {0}},
		  tar);
	ck_assert_int_eq(stat(tar, &st), 0);
	ck_assert_int_eq(truncate(tar, st.st_size / 2), 0);
	expect_rejected(tar, "trunc.tar.gz: ");
}
END_TEST

START_TEST(empty_file_rejected)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/empty.tar", work);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	expect_rejected(path, "empty file");
}
END_TEST

START_TEST(non_archive_rejected)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/notes.txt", work);
	f = fopen(path, "we");
	for (int i = 0; i < 200; i++)
		fprintf(f, "this is not an archive, line %d\n", i);
	fclose(f);
	expect_rejected(path, "notes.txt: ");
}
END_TEST

START_TEST(bad_names_rejected)
{
	ck_assert_int_eq(import("/nonexistent.tar", "../evil", NULL), -1);
	ck_assert_contains(err, "image name '../evil'");
	ck_assert_int_eq(import("/nonexistent.tar", "ok", NULL), -1);
	ck_assert_contains(err, "/nonexistent.tar: No such file or directory");
	/* a digest pins a name without a tag; with one, or cut short, it is no name */
	const char *bad[] = {"x:1@sha256:" HEX64, "x@sha256:" HEX64 "0", "x@sha256:abc",
			     "x@md5:" HEX64,	  "@sha256:" HEX64,	 "x@"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(import("/nonexistent.tar", bad[i], NULL), -1);
		ck_assert_contains(err, "image name '");
	}
	ck_assert_int_eq(count("images"), 0);
}
END_TEST

/* A store from before Docker's names: images/old.json is old:latest. */
START_TEST(old_names_renamed)
{
	char tar[PATH_MAX], from[PATH_MAX], to[PATH_MAX], out[4096] = "";
	struct image_info info;

	snprintf(tar, sizeof(tar), "%s/build/images/busybox.tar", top());
	ck_assert_int_eq(import(tar, "old", NULL), 0);
	snprintf(from, sizeof(from), "%s/images/old:latest.json", store);
	snprintf(to, sizeof(to), "%s/images/old.json", store);
	ck_assert_int_eq(rename(from, to), 0); /* as the old code named it */
	ck_assert_int_eq(store_load(store, "old", &info), -1);
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");
	ck_assert_int_eq(store_list(store, f), 0); /* image ls renames it */
	fclose(f);
	ck_assert_msg(strstr(out, "\nold  ") && strstr(out, "  latest  "), "%s", out);
	ck_assert_int_eq(access(from, F_OK), 0);
	ck_assert_int_eq(store_load(store, "old", &info), 0);
	/* run (the shared lock) renames too; an image imported since wins */
	ck_assert_int_eq(link(from, to), 0);
	int fd = store_lock_shared(store, false);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(access(to, F_OK), -1);
	ck_assert_int_eq(access(from, F_OK), 0);
	/* and image rm (the store's lock) */
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(store_remove(store, "old", false), 0);
	ck_assert_int_eq(count("images"), 0);
}
END_TEST

/* `pull x@sha256:<hex>` stores x@sha256:<hex>: docker's REPOSITORY x, TAG
 * <none>, found by that name (`run x@sha256:<hex>`), not as x:latest. */
START_TEST(name_pinned_by_digest)
{
	char tar[PATH_MAX], out[4096] = "";
	struct image_info info;

	snprintf(tar, sizeof(tar), "%s/build/images/busybox.tar", top());
	ck_assert_int_eq(import(tar, "bb@sha256:" HEX64, NULL), 0);
	ck_assert_int_eq(store_load(store, "bb@sha256:" HEX64, &info), 0);
	ck_assert_str_eq(info.name, "bb@sha256:" HEX64);
	ck_assert_int_eq(store_load(store, "bb", &info), -1);
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");
	ck_assert_int_eq(store_list(store, f), 0);
	fclose(f);
	ck_assert_msg(strstr(out, "\nbb  ") && strstr(out, "  <none>  "), "%s", out);
	ck_assert_int_eq(store_remove(store, "bb@sha256:" HEX64, false), 0);
	ck_assert_int_eq(count("images"), 0);
}
END_TEST

/* ---- remove_tree ---- */

#define DEEP 3000 /* levels: far more than the descriptors allowed below */
#define FEW_FDS 32

static char scratch[64]; /* a fresh directory in /tmp for each test */
static char mounted[128]; /* where a test mounted something, if it did */

static void scratch_setup(void)
{
	strlcpy(scratch, "/tmp/kobako-rm.XXXXXX", sizeof(scratch));
	ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void scratch_teardown(void)
{
	struct run r;

	if (mounted[0])
		umount2(mounted, MNT_DETACH); /* in case the test failed before it did */
	run(&r, "rm -rf %s", scratch);
}

START_TEST(deep_tree_removed_with_few_descriptors)
{
	struct rlimit few = {FEW_FDS, FEW_FDS};
	int fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	for (int i = 0; i < DEEP; i++) { /* scratch/d/d/d/..., a file and a link at each level */
		ck_assert_int_eq(mkdirat(fd, "d", 0755), 0);
		close(openat(fd, "file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		ck_assert_int_eq(symlinkat("/etc", fd, "link"), 0);
		int below = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		ck_assert_int_ge(fd = below, 0);
	}
	close(fd);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &few), 0);
	ck_assert_msg(remove_tree(AT_FDCWD, scratch) == 0, "remove_tree: %s", strerror(errno));
	ck_assert_int_eq(access(scratch, F_OK), -1);
	ck_assert(is_directory("/etc")); /* the links were removed, not followed */
	ck_assert_int_eq(mkdir(scratch, 0700), 0); /* for the teardown */
}
END_TEST

START_TEST(mounted_filesystem_below_is_left_alone)
{
	char *below = mounted, kept[160];

	snprintf(below, sizeof(mounted), "%s/a/mnt", scratch);
	snprintf(kept, sizeof(kept), "%s/kept", below);
	ck_assert_int_eq(mkdir_p(below, 0755), 0);
	/* A mount namespace of our own (this test is a forked process), so the
	 * tmpfs is nobody else's. */
	ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
	ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	ck_assert_int_eq(mount("tmpfs", below, "tmpfs", 0, "size=64k"), 0);
	close(open(kept, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	ck_assert_int_eq(remove_tree(AT_FDCWD, scratch), -1);
	ck_assert_int_eq(errno, EBUSY); /* a mount point cannot be removed */
	ck_assert_int_eq(access(kept, F_OK), 0);
	ck_assert_int_eq(umount(below), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image store");
	TCase *tc = tcase_create("import"), *hostile = tcase_create("hostile archives");

	if (geteuid() != 0) {
		printf("SKIPPED: test_image needs root (owners, whiteout devices, trusted.* "
		       "xattrs)\n");
		return EXIT_SUCCESS;
	}
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, make_store_base, remove_store_base);
	tcase_add_checked_fixture(tc, fresh_store, NULL);
	tcase_add_test(tc, plain_tarball);
	tcase_add_test(tc, reimport_stores_one_copy);
	tcase_add_test(tc, oci_directory_whiteouts);
	tcase_add_test(tc, oci_archive_ref);
	tcase_add_test(tc, docker_save_archive);
	tcase_add_test(tc, flipped_byte_rejected);
	tcase_add_test(tc, missing_blob_rejected);
	tcase_add_test(tc, unknown_media_type_rejected);
	tcase_add_test(tc, digest_is_not_a_path);
	tcase_add_test(tc, bad_names_rejected);
	tcase_add_test(tc, name_pinned_by_digest);
	tcase_add_test(tc, old_names_renamed);
	tcase_add_test(tc, metadata_preserved);
	tcase_add_test(tc, later_entries_replace_earlier);
	tcase_add_test(tc, kept_parent_is_resolved_again);
	tcase_add_test(tc, large_and_sparse);
	suite_add_tcase(s, tc);
	tcase_add_unchecked_fixture(hostile, make_store_base, remove_store_base);
	tcase_add_checked_fixture(hostile, hostile_setup, hostile_teardown);
	tcase_add_test(hostile, absolute_path_neutralised);
	tcase_add_test(hostile, dotdot_rejected);
	tcase_add_test(hostile, symlink_then_write_neutralised);
	tcase_add_test(hostile, hardlink_outside_rejected);
	tcase_add_test(hostile, hardlink_to_symlink_changes_nothing_outside);
	tcase_add_test(hostile, truncated_gzip_rejected);
	tcase_add_test(hostile, empty_file_rejected);
	tcase_add_test(hostile, non_archive_rejected);
	suite_add_tcase(s, hostile);
	TCase *rm = tcase_create("remove_tree");
	tcase_set_timeout(rm, 60);
	tcase_add_checked_fixture(rm, scratch_setup, scratch_teardown);
	tcase_add_test(rm, deep_tree_removed_with_few_descriptors);
	tcase_add_test(rm, mounted_filesystem_below_is_left_alone);
	suite_add_tcase(s, rm);
	return run_unit_suite(s);
}
