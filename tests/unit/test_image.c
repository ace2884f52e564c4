/* test_image.c - common/image_*.c: importing rootfs tarballs, docker save
 * archives and OCI layouts into a store; digests, whiteouts, and hostile
 * archives. Needs root (owners, device nodes, trusted.* xattrs). */
#include <archive.h>
#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/image_store.h"
#include "tests/fixtures.h"
#include "tests/harness.h"

static char err[4096]; /* what the last import printed */

/* One scratch directory per test case, removed at the end even when a test
 * fails (an unchecked fixture runs in the parent); a fresh store/ and work/
 * in it for every test. Never /var/lib/kobako. */
static char base[64], store[96], work[96];

static void make_base(void)
{
	strlcpy(base, "/tmp/kobako-image-test-XXXXXX", sizeof(base));
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(store, sizeof(store), "%s/store", base);
	snprintf(work, sizeof(work), "%s/work", base);
}

static void remove_base(void)
{
	remove_tree(AT_FDCWD, base);
}

static void setup(void)
{
	ck_assert_int_eq(remove_tree(AT_FDCWD, store), 0);
	ck_assert_int_eq(remove_tree(AT_FDCWD, work), 0);
	ck_assert_int_eq(mkdir(store, 0700), 0);
	ck_assert_int_eq(mkdir(work, 0700), 0);
}

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
	ck_assert_int_eq(store_remove(store, "one"), 0); /* "two" still uses it */
	ck_assert_int_eq(count("layers/sha256"), 1);
	ck_assert_int_eq(store_remove(store, "two"), 0);
	ck_assert_int_eq(count("layers/sha256"), 0);
	ck_assert_int_eq(count("images"), 0);
	ck_assert_int_eq(store_remove(store, "two"), -1); /* gone */
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
	setup();
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
	snprintf(chain, sizeof(chain), "a%s.chain", target);  /* a -> b -> ../../.. */
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
	ck_assert_int_eq(count("images"), 0);
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
	tcase_add_unchecked_fixture(tc, make_base, remove_base);
	tcase_add_checked_fixture(tc, setup, NULL);
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
	suite_add_tcase(s, tc);
	tcase_add_unchecked_fixture(hostile, make_base, remove_base);
	tcase_add_checked_fixture(hostile, hostile_setup, hostile_teardown);
	tcase_add_test(hostile, absolute_path_neutralised);
	tcase_add_test(hostile, dotdot_rejected);
	tcase_add_test(hostile, symlink_then_write_neutralised);
	tcase_add_test(hostile, hardlink_outside_rejected);
	tcase_add_test(hostile, truncated_gzip_rejected);
	tcase_add_test(hostile, empty_file_rejected);
	tcase_add_test(hostile, non_archive_rejected);
	suite_add_tcase(s, hostile);
	return run_unit_suite(s);
}
