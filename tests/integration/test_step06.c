/* test_step06.c - step06_rootfs/container: images imported into a store and
 * run on an overlayfs; copy-on-write; --keep; one-line errors. Every test
 * uses a fresh --root store below /tmp, never /var/lib/kobako. */
#include <archive.h>
#include <archive_entry.h>
#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/archive.h"
#include "step05_cgroups/cgroupfs.h"
#include "tests/fixtures.h"
#include "tests/harness.h"

#define BIN "step06_rootfs/container"

static struct run r;

/* `container image import --root STORE FILE NAME [--ref REF]`, must work. */
static void import(const char *file, const char *name, const char *ref)
{
	run(&r, BIN " image import --root %s %s %s%s%s", store, file, name, ref ? " --ref " : "",
	    ref ? ref : "");
	ck_assert_msg(r.code == 0, "import %s: exit %d: %s", file, r.code, r.err);
}

static void import_busybox(void)
{
	char tar[PATH_MAX];

	snprintf(tar, sizeof(tar), "%s/build/images/busybox.tar", top());
	import(tar, "busybox", NULL);
}

static int entries(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, NULL);

	for (int i = 0; i < n; i++)
		free(names[i]);
	if (n >= 0)
		free(names);
	return n < 0 ? 0 : n - 2;
}

START_TEST(runs_imported_tarball)
{
	char *before = mount_snapshot(), containers[PATH_MAX];

	import_busybox();
	run(&r, BIN " run --root %s busybox /bin/cat /etc/os-release", store);
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "kobako busybox");
	run(&r, BIN " run --root %s busybox /bin/sh -c 'grep -c \" / overlay \" /proc/mounts'",
	    store);
	ck_assert_str_eq(r.out, "1\n"); /* "/" is an overlayfs */
	char *after = mount_snapshot();
	ck_assert_str_eq(before, after); /* the overlay died with the container */
	snprintf(containers, sizeof(containers), "%s/containers", store);
	ck_assert_int_eq(entries(containers), 0); /* --rm is the default */
	free(before);
	free(after);
}
END_TEST

/* A container may nest directories deeper than the supervisor may open
 * files at once: its upper layer still goes at exit. */
START_TEST(deep_upper_layer_removed)
{
	char containers[PATH_MAX];

	import_busybox();
	run(&r,
	    "ulimit -n 64 && " BIN " run --root %s busybox /bin/sh -c 'cd /tmp && i=0 && "
	    "while [ $i -lt 300 ]; do mkdir d && cd d && i=$((i + 1)); done && echo 300 deep'",
	    store);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(r.out, "300 deep\n");
	ck_assert_str_eq(r.err, "");
	snprintf(containers, sizeof(containers), "%s/containers", store);
	ck_assert_int_eq(entries(containers), 0);
}
END_TEST

/* The two-layer image: upper os-release, deleted file, opaque directory. */
static void check_two_layers(const char *image)
{
	run(&r, BIN " run --root %s %s /bin/cat /etc/os-release", store, image);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "NAME=\"fixture upper\"\n");
	run(&r, BIN " run --root %s %s /bin/cat /etc/deleteme", store, image);
	ck_assert_int_ne(r.code, 0); /* the whiteout hides it */
	run(&r, BIN " run --root %s %s /bin/ls /data", store, image);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "c\n"); /* opaque: a and b of the lower layer are gone */
}

START_TEST(runs_oci_layout)
{
	struct layout l = {0};
	char tar[PATH_MAX];

	make_oci(&l, ARCHIVE_FILTER_GZIP, true);
	layout_write_dir(&l, work);
	import(work, "oci-dir", "v1");
	check_two_layers("oci-dir");
	snprintf(tar, sizeof(tar), "%s/oci.tar", work);
	layout_write_tar(&l, tar);
	import(tar, "oci-tar", "v1");
	check_two_layers("oci-tar");
	layout_free(&l);
}
END_TEST

START_TEST(runs_docker_save)
{
	struct layout l = {0};
	char tar[PATH_MAX];

	make_docker_save(&l);
	snprintf(tar, sizeof(tar), "%s/docker.tar", work);
	layout_write_tar(&l, tar);
	import(tar, "fixture", NULL);
	check_two_layers("fixture");
	layout_free(&l);
}
END_TEST

START_TEST(copy_on_write)
{
	char layer[PATH_MAX];

	import_busybox();
	run(&r,
	    BIN " run --root %s busybox /bin/sh -c 'echo one > /written && echo changed >> "
		"/etc/os-release && cat /written'",
	    store);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "one\n");
	run(&r, BIN " run --root %s busybox /bin/sh -c 'cat /etc/os-release; cat /written'", store);
	ck_assert_int_ne(r.code, 0); /* a second container never sees the first one's writes */
	ck_assert_ptr_null(strstr(r.out, "changed"));
	run(&r, "ls %s/layers/sha256/", store);
	snprintf(layer, sizeof(layer), "%s/layers/sha256/%.64s", store, r.out);
	run(&r, "test ! -e %s/written && ! grep -q changed %s/etc/os-release", layer, layer);
	ck_assert_int_eq(r.code, 0); /* the image's layer never changes */
}
END_TEST

/* Does container id still have a cgroup directory in some hierarchy? */
static bool has_cgroups(const char *id)
{
	struct cgroup_layout layout;
	bool found = false;

	if (cgroup_detect(&layout) < 0)
		return false;
	for (size_t i = 0; i < layout.n; i++) {
		ck_assert_int_eq(cgroup_resolve(&layout.h[i], getenv("KOBAKO_CGROUP_PARENT"), id),
				 0);
		found |= access(layout.h[i].dir, F_OK) == 0;
	}
	return found;
}

/* The next container run takes back what the killed supervisor of container
 * id left (state.c), and says so in one line: its cgroups and its state
 * directory; its upper layer unless `kept` (--keep). */
static void next_run_takes_back(const char *id, bool kept)
{
	char line[80], path[PATH_MAX];

	run(&r, BIN " run --net none --root %s %s /bin/true", store, rootfs());
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	snprintf(line, sizeof(line), "container: took back what container %.12s left", id);
	ck_assert_contains(r.err, line);
	ck_assert_msg(!has_cgroups(id), "cgroups of %s are left", id);
	snprintf(path, sizeof(path), "/run/kobako/%s", id);
	ck_assert_msg(access(path, F_OK) < 0, "%s is left", path);
	snprintf(path, sizeof(path), "%s/containers/%s/upper", store, id);
	ck_assert_msg((access(path, F_OK) == 0) == kept, "%s: kept %d", path, kept);
}

/* Start `run OPTIONS busybox sh -c 'SCRIPT; ...'` and SIGKILL its supervisor
 * once the container is up, so no cleanup runs: its container directory and
 * its cgroups stay (checked). The container's id goes into id. */
static void kill_supervisor_midway(const char *options, const char *script, char *id, size_t size)
{
	char containers[PATH_MAX];
	struct bg c;

	snprintf(containers, sizeof(containers), "%s/containers", store);
	start_until_up(
	    &c, "up\n",
	    BIN " run %s --net none --root %s busybox /bin/sh -c '%s; echo up; exec sleep 1000' "
		"2>/dev/null",
	    options, store, script);
	ck_assert_int_eq(kill(c.pid, SIGKILL), 0);
	ck_assert_int_eq(stop_bg(&c), 128 + SIGKILL);
	ck_assert_int_eq(entries(containers), 1); /* no cleanup ran */
	run(&r, "ls %s", containers);
	strlcpy(id, strtok(r.out, "\n"), size);
	ck_assert(has_cgroups(id));
}

/* The next run takes back all a killed supervisor left: cgroups, state
 * directory, upper layer. */
START_TEST(killed_supervisor_taken_back_by_next_run)
{
	char id[80], containers[PATH_MAX];

	import_busybox();
	kill_supervisor_midway("", "true", id, sizeof(id));
	next_run_takes_back(id, false);
	snprintf(containers, sizeof(containers), "%s/containers", store);
	ck_assert_int_eq(entries(containers), 0);
}
END_TEST

/* Supervisors killed at many moments of their start-up (every 3 ms from 0
 * to 57 ms), some before they made anything: after one more run nothing of
 * theirs is left: no cgroup, no state directory, no container directory, no
 * mount. */
START_TEST(supervisors_killed_during_start_up_leave_nothing)
{
	char containers[PATH_MAX], *before = mount_snapshot();

	import_busybox();
	snprintf(containers, sizeof(containers), "%s/containers", store);
	for (int ms = 0; ms < 60; ms += 3) {
		struct bg c;

		start_bg(&c, BIN " run --net none --root %s busybox /bin/true 2>/dev/null", store);
		usleep(ms * 1000); /* the moment is the point of this test */
		kill(c.pid, SIGKILL);
		stop_bg(&c);
	}
	run(&r, BIN " run --net none --root %s %s /bin/true", store, rootfs());
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_int_eq(entries(containers), 0);
	run(&r, "ls /run/kobako | grep -c '^[0-9a-f]\\{64\\}$'");
	ck_assert_str_eq(r.out, "0\n");
	char *after = mount_snapshot();
	ck_assert_str_eq(before, after);
	free(before), free(after);
}
END_TEST

/* A supervisor killed with SIGKILL cannot clean up: its container directory
 * stays, with its record of the layers it stacked. Nobody holds that record
 * any more, so the next garbage collection (here: image rm) removes the
 * directory and frees the layers. */
START_TEST(killed_supervisor_left_behind_until_next_gc)
{
	char id[80], containers[PATH_MAX];

	import_busybox();
	kill_supervisor_midway("", "true", id, sizeof(id));
	run(&r, BIN " image rm --root %s busybox && ls %s/layers/sha256 | wc -l", store, store);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(r.out, "0\n"); /* the dead container kept no layer */
	snprintf(containers, sizeof(containers), "%s/containers", store);
	ck_assert_int_eq(entries(containers), 0);
	next_run_takes_back(id, false); /* its cgroups */
}
END_TEST

/* The same with --keep: the next garbage collection frees the layers but
 * leaves the container's writes, as --keep promised. */
START_TEST(killed_keep_container_keeps_its_writes)
{
	char id[80];

	import_busybox();
	kill_supervisor_midway("--keep", "echo kept > /data", id, sizeof(id));
	run(&r,
	    BIN " image rm --root %s busybox && ls %s/layers/sha256 | wc -l && "
		"cat %s/containers/%s/upper/data",
	    store, store, store, id);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	ck_assert_str_eq(r.out, "0\nkept\n"); /* layers freed, writes kept */
	next_run_takes_back(id, true); /* its cgroups; the writes stay */
}
END_TEST

/* --keep leaves the upper layer, but holds no layer of the image. */
START_TEST(keep_keeps_upper_layer)
{
	char *at, upper[PATH_MAX];

	import_busybox();
	run(&r, BIN " run --root %s --keep busybox /bin/sh -c 'echo kept > /written'", store);
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.err, "--keep: the container's writes are in ");
	at = strstr(r.err, " are in ") + strlen(" are in ");
	strlcpy(upper, at, sizeof(upper));
	upper[strcspn(upper, "\n")] = '\0';
	ck_assert_contains(upper, store);
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/written", upper);
	char *text = slurp(path);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "kept\n");
	free(text);
	run(&r, BIN " image rm --root %s busybox && ls %s/layers/sha256 | wc -l", store, store);
	ck_assert_str_eq(r.out, "0\n"); /* the kept container holds no layer */
	ck_assert_int_eq(access(path, F_OK), 0); /* and its writes are still there */
}
END_TEST

START_TEST(directory_is_read_only_lower)
{
	char marker[PATH_MAX];

	snprintf(marker, sizeof(marker), "%s/kobako-step06-%d", rootfs(), getpid());
	run(&r,
	    BIN " run --root %s %s /bin/sh -c 'echo x > /kobako-step06-%d && cat /etc/os-release'",
	    store, rootfs(), getpid());
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "kobako busybox");
	ck_assert_int_eq(access(marker, F_OK), -1); /* the directory is untouched */
}
END_TEST

START_TEST(image_ls_and_rm)
{
	import_busybox();
	run(&r, BIN " image ls --root %s", store);
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "REPOSITORY");
	ck_assert_contains(r.out, "busybox");
	run(&r, BIN " image rm --root %s busybox", store);
	ck_assert_int_eq(r.code, 0);
	run(&r, BIN " image ls --root %s", store);
	ck_assert_ptr_null(strstr(r.out, "busybox"));
	run(&r, BIN " image rm --root %s busybox", store);
	assert_failed_cleanly(&r, "image busybox: no such image");
}
END_TEST

/* Docker's names: "busybox" is busybox:latest, '/' and a registry port are
 * allowed (and stored flat), ".." is not; an ID prefix names the image. */
START_TEST(docker_names_and_ids)
{
	char tar[PATH_MAX], id[16];

	snprintf(tar, sizeof(tar), "%s/build/images/busybox.tar", top());
	import(tar, "library/busybox:1.36", NULL);
	import(tar, "localhost:5000/x", NULL);
	run(&r, BIN " image ls --root %s", store);
	ck_assert_contains(r.out, "\nlibrary/busybox            1.36         ");
	ck_assert_contains(r.out, "\nlocalhost:5000/x           latest       ");
	ck_assert_contains(r.out, "IMAGE ID       CREATED                  SIZE\n");
	run(&r, "ls %s/images", store);
	ck_assert_str_eq(r.out, "library+busybox:1.36.json\nlocalhost:5000+x:latest.json\n");
	run(&r, BIN " run --root %s --net none localhost:5000/x:latest /bin/echo tagged", store);
	ck_assert_str_eq(r.out, "tagged\n");
	run(&r, "ls %s/layers/sha256", store);
	strlcpy(id, r.out, 7); /* 6 hex digits of the id (a tarball: its layer's digest) */
	run(&r, BIN " run --root %s --net none %s /bin/echo by id", store, id);
	ck_assert_msg(r.code == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "by id\n");
	run(&r, BIN " image rm --root %s %s", store, id); /* two names: say so */
	assert_failed_cleanly(&r, "2 names refer to it");
	run(&r, BIN " image rm --root %s library/busybox:1.36", store);
	ck_assert_int_eq(r.code, 0);
	run(&r, BIN " image rm --root %s %s", store, id);
	ck_assert_int_eq(r.code, 0);
	run(&r, "ls -A %s/images | wc -l; ls -A %s/layers/sha256 | wc -l", store, store);
	ck_assert_str_eq(r.out, "0\n0\n");
	run(&r, BIN " image import --root %s %s ../evil", store, tar);
	assert_failed_cleanly(&r, "image name '../evil'");
	run(&r, BIN " image import --root %s %s a/../b", store, tar);
	assert_failed_cleanly(&r, "image name 'a/../b'");
}
END_TEST

/* SIZE is what the layers occupy on disk (a 64 MiB sparse file holds 4 KiB),
 * in docker's units; inspect prints the config and the layers. */
START_TEST(ls_size_on_disk_and_inspect)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	char tar[PATH_MAX], data[4096] = "data";

	snprintf(tar, sizeof(tar), "%s/sparse.tar", work);
	archive_write_set_format_pax(a);
	ck_assert_int_eq(archive_write_open_filename(a, tar), ARCHIVE_OK);
	archive_entry_set_pathname(e, "sparse");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 64 << 20);
	archive_entry_sparse_add_entry(e, 0, sizeof(data));
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	ck_assert_int_eq(archive_write_data(a, data, sizeof(data)), sizeof(data));
	archive_entry_free(e);
	ck_assert_int_eq(archive_write_free(a), ARCHIVE_OK);
	import(tar, "sparse", NULL);
	run(&r, BIN " image ls --root %s | tail -1 | awk '{print $NF}'", store);
	ck_assert_msg(strstr(r.out, "kB\n") && atoi(r.out) <= 20, "SIZE %s", r.out);

	struct layout l = {0};
	make_oci(&l, ARCHIVE_FILTER_GZIP, false);
	layout_write_dir(&l, work);
	import(work, "oci", NULL);
	run(&r, BIN " image inspect --root %s oci", store);
	ck_assert_int_eq(r.code, 0);
	ck_assert_contains(r.out, "\"RepoTags\": [\n      \"oci:latest\"");
	ck_assert_contains(r.out, "\"Created\": \"2024-01-02T03:04:05.678Z\"");
	ck_assert_contains(r.out, "\"Config\": {");
	ck_assert_contains(r.out, "\"Digest\": \"sha256:");
	run(&r, BIN " image ls --root %s | grep '^oci '", store);
	ck_assert_contains(r.out, " ago ");
	layout_free(&l);
}
END_TEST

/* Only an import makes a store: a typo in --root finds nothing, and says so. */
START_TEST(missing_store_is_not_created)
{
	char typo[PATH_MAX];

	snprintf(typo, sizeof(typo), "%s/typo", work);
	run(&r, BIN " image ls --root %s", typo);
	ck_assert_int_eq(r.code, 0);
	ck_assert_str_eq(r.out, "REPOSITORY                 TAG          IMAGE ID       CREATED"
				"                  SIZE\n");
	run(&r, BIN " image rm --root %s busybox", typo);
	assert_failed_cleanly(&r, "image busybox: no such image (no image store at ");
	run(&r, BIN " run --root %s busybox /bin/true", typo);
	assert_failed_cleanly(&r, "IMAGE busybox: no such image (no image store at ");
	run(&r, BIN " run --root %s %s /bin/true", typo, rootfs());
	assert_failed_cleanly(&r, "no such directory (only container image import makes one)");
	ck_assert_int_eq(access(typo, F_OK), -1);
}
END_TEST

/* A layer that declares more than the store's filesystem holds (here 64 MiB
 * of zeros, 65 KB gzipped, on a 16 MiB tmpfs) stops before it is written:
 * 125, and nothing left in the store. */
START_TEST(import_stops_when_the_store_is_full)
{
	char small[PATH_MAX], tar[PATH_MAX];
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	static char zeros[1 << 20];

	snprintf(small, sizeof(small), "%s/small", work);
	ck_assert_int_eq(mkdir(small, 0700), 0);
	ck_assert_int_eq(mount("tmpfs", small, "tmpfs", 0, "size=16m"), 0);
	snprintf(tar, sizeof(tar), "%s/zeros.tar.gz", work);
	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	ck_assert_int_eq(archive_write_open_filename(a, tar), ARCHIVE_OK);
	archive_entry_set_pathname(e, "zeros");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 64 << 20);
	ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(archive_write_data(a, zeros, sizeof(zeros)), sizeof(zeros));
	archive_entry_free(e);
	ck_assert_int_eq(archive_write_free(a), ARCHIVE_OK);
	run(&r, BIN " image import --root %s/store %s zeros; echo rc=$?; ls -A %s", small, tar,
	    small);
	umount2(small, MNT_DETACH);
	/* refused from the header, before a byte was written */
	ck_assert_contains(r.err, "entry 'zeros': the files need 67108864 bytes, the store's "
				  "filesystem has ");
	ck_assert_str_eq(r.out, "rc=125\n"); /* no store: the import made it, and took it back */
}
END_TEST

/* `image rm` while a container of that image runs: the image goes, its
 * layer stays until the container is done with it (its lowerdir). */
START_TEST(rm_keeps_layers_of_running_containers)
{
	char up[160], go[160];

	import_busybox();
	snprintf(up, sizeof(up), "%s/up", work);
	snprintf(go, sizeof(go), "%s/go", work);
	ck_assert_int_eq(mkfifo(up, 0600), 0);
	ck_assert_int_eq(mkfifo(go, 0600), 0);
	run(&r,
	    BIN " run --net none --root %s -v %s:/sync busybox /bin/sh -c "
		"'echo > /sync/up; read x < /sync/go; cat /etc/os-release' & c=$!; "
		"read x < %s; " BIN " image rm --root %s busybox 2>&1; echo rc=$?; " BIN
		" image rm -f --root %s busybox && ls %s/layers/sha256 | wc -l; "
		"echo > %s; wait $c",
	    store, work, up, store, store, store, go);
	ck_assert_msg(r.code == 0, "exit %d: %s", r.code, r.err);
	/* as docker: refused while the container runs, unless forced */
	ck_assert_contains(strtok(r.out, "\n"), "container: image busybox: in use by running "
						"container ");
	ck_assert_str_eq(strtok(NULL, "\n"), "rc=125");
	ck_assert_str_eq(strtok(NULL, "\n"), "1"); /* the layer outlived `image rm -f` */
	ck_assert_contains(strtok(NULL, ""), "kobako busybox"); /* and still served the file */
	run(&r, BIN " image ls --root %s", store);
	ck_assert_ptr_null(strstr(r.out, "busybox"));
}
END_TEST

START_TEST(errors_are_one_line)
{
	char path[PATH_MAX];

	run(&r, BIN " run --root %s nosuchimage /bin/true", store);
	assert_failed_cleanly(&r, "IMAGE nosuchimage: neither an imported image");
	run(&r, BIN " image import --root %s /no/such.tar x", store);
	assert_failed_cleanly(&r, "/no/such.tar: No such file or directory");
	snprintf(path, sizeof(path), "%s/notes.txt", work);
	run(&r, "echo 'not a tarball' > %s && " BIN " image import --root %s %s x", path, store,
	    path);
	assert_failed_cleanly(&r, path);
	run(&r, BIN " image frobnicate --root %s", store);
	assert_failed_cleanly(&r, "image frobnicate: unknown command");
	run(&r, "KOBAKO_ROOT=%s " BIN " image ls", store); /* KOBAKO_ROOT works too */
	ck_assert_int_eq(r.code, 0);
	snprintf(path, sizeof(path), "%s/images", store);
	ck_assert_int_eq(entries(path), 0);
}
END_TEST

/* A store on overlayfs (as /var/lib/kobako is inside a Docker container)
 * cannot hold the upper layer: one line naming the store and the reason,
 * not the overlay's options and "Invalid argument". The overlay is mounted
 * in the harness's private mount namespace, and unmounted before checking. */
START_TEST(store_on_overlayfs_explained)
{
	char options[512], merged[128], on_overlay[160], expected[512];
	const char *dirs[] = {"l", "u", "w", "m"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(merged, sizeof(merged), "%s/%s", work, dirs[i]);
		ck_assert_int_eq(mkdir(merged, 0700), 0);
	}
	snprintf(options, sizeof(options), "lowerdir=%s/l,upperdir=%s/u,workdir=%s/w", work, work,
		 work);
	ck_assert_msg(mount("overlay", merged, "overlay", 0, options) == 0, "mount overlay: %s",
		      strerror(errno));
	snprintf(on_overlay, sizeof(on_overlay), "%s/store", merged);
	ck_assert_int_eq(mkdir(on_overlay, 0700), 0); /* run makes no store of its own */
	run(&r, BIN " run --root %s --net none %s /bin/true", on_overlay, rootfs());
	snprintf(options, sizeof(options), "%s/containers", on_overlay);
	int left = entries(options); /* no container directory stays behind */
	ck_assert_int_eq(umount2(merged, MNT_DETACH), 0);
	snprintf(expected, sizeof(expected),
		 "container: store %s is on overlayfs, which cannot hold an overlay's upper layer "
		 "(use --root on another filesystem)\n",
		 on_overlay);
	ck_assert_int_eq(r.code, 125);
	ck_assert_str_eq(r.err, expected);
	ck_assert_int_eq(left, 0);
}
END_TEST

START_TEST(flipped_byte_exit_125)
{
	struct layout l = {0};

	make_oci(&l, ARCHIVE_FILTER_NONE, false);
	layout_write_dir(&l, work);
	char blob[PATH_MAX];
	snprintf(blob, sizeof(blob), "%s/%s", work, l.files[3].path); /* the upper layer */
	flip_byte(blob, 600); /* in the first file's contents, after its 512-byte header */
	run(&r, BIN " image import --root %s %s broken", store, work);
	assert_failed_cleanly(&r, "digest mismatch");
	ck_assert_contains(r.err, l.files[3].path);
	run(&r, BIN " image ls --root %s", store);
	ck_assert_ptr_null(strstr(r.out, "broken"));
	layout_free(&l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("step06_rootfs");
	TCase *tc = tcase_create("step06");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, make_store_base, remove_store_base);
	tcase_add_checked_fixture(tc, fresh_store, NULL);
	tcase_add_test(tc, runs_imported_tarball);
	tcase_add_test(tc, runs_oci_layout);
	tcase_add_test(tc, runs_docker_save);
	tcase_add_test(tc, copy_on_write);
	tcase_add_test(tc, keep_keeps_upper_layer);
	tcase_add_test(tc, directory_is_read_only_lower);
	tcase_add_test(tc, image_ls_and_rm);
	tcase_add_test(tc, docker_names_and_ids);
	tcase_add_test(tc, ls_size_on_disk_and_inspect);
	tcase_add_test(tc, missing_store_is_not_created);
	tcase_add_test(tc, import_stops_when_the_store_is_full);
	tcase_add_test(tc, rm_keeps_layers_of_running_containers);
	tcase_add_test(tc, deep_upper_layer_removed);
	tcase_add_test(tc, killed_supervisor_left_behind_until_next_gc);
	tcase_add_test(tc, killed_supervisor_taken_back_by_next_run);
	tcase_add_test(tc, supervisors_killed_during_start_up_leave_nothing);
	tcase_add_test(tc, killed_keep_container_keeps_its_writes);
	tcase_add_test(tc, errors_are_one_line);
	tcase_add_test(tc, store_on_overlayfs_explained);
	tcase_add_test(tc, flipped_byte_exit_125);
	suite_add_tcase(s, tc);
	return run_integration_suite(s);
}
