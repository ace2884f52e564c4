/* image.c - step06: an image is just a stack of filesystems.
 *
 * `docker pull` fetches no operating system, only tar archives of files
 * (layers) and a little JSON saying how to stack them; the kernel is always
 * the host's. `container image import` unpacks the layers into a store
 * (image_store.c); here we stack them with overlayfs:
 *
 *     lowerdir=L3:L2:L1   the image's layers, read-only, top layer first
 *     upperdir=U          this container's own layer: every write lands here
 *     workdir=W           overlayfs's scratch space, on U's filesystem
 *
 * A read finds the name in U, else in L3, L2, L1; the first write to a lower
 * file copies it up into U first ("copy-on-write"). So the image never
 * changes and two containers of one image never see each other's writes.
 *
 * man: mount(2), statfs(2), Documentation/filesystems/overlayfs.rst
 */
#include "image.h"

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/archive.h"
#include "common/cli.h"
#include "common/die.h"
#include "common/path.h"
#include "image_store.h"
#include "state.h"
#include "whiteout.h"

#define UPPER_MODE 0755 /* the upper dir's mode is "/"'s mode in the container */

/* Append dir to the colon-separated lowerdir list. */
static int add_lower(char *lower, size_t size, const char *dir)
{
	if (strpbrk(dir, ":,\\"))
		return failx("layer %s: ':', ',' and '\\' cannot be in an overlay path", dir);
	if ((*lower && strlcat(lower, ":", size) >= size) || strlcat(lower, dir, size) >= size)
		return failx("%s: too many layers for one overlay mount", dir);
	return 0;
}

/* lowerdir: an imported image's layers (info), top first; or a plain
 * directory (info->n_layers stays 0). */
static int find_layers(struct image *img, const struct options *opt, struct image_info *info,
		       char *lower, size_t size)
{
	char path[PATH_MAX];

	if (store_load(opt->store, opt->rootfs, info) == 0) {
		if (store_config(opt->store, info, &img->config) < 0) /* Entrypoint, Env, ... */
			return -1;
		for (size_t i = info->n_layers; i-- > 0;) { /* overlayfs looks left first */
			if (store_layer_path(opt->store, info->layers[i], path, sizeof(path)) < 0 ||
			    !is_directory(path))
				return failx("image %s: layer %s is missing from the store",
					     opt->rootfs, info->layers[i]);
			if (add_lower(lower, size, path) < 0)
				return -1;
		}
		return 0;
	}
	if (errno != ENOENT)
		return -1;
	if (!is_directory(opt->rootfs) || !realpath(opt->rootfs, path))
		return failx(
		    "IMAGE %s: neither an imported image (see container image ls) nor a directory",
		    opt->rootfs);
	return add_lower(lower, size, path); /* a plain directory: read-only, like a layer */
}

/* overlayfs refuses an upper layer on an overlay: an overlay's files stand
 * for files of the layers below it, and the upper layer must be the real
 * thing. The mount would fail with a bare EINVAL, the reason only in the
 * kernel log ("filesystem on ... not supported as upperdir"), and a store
 * on an overlay is common: in a Docker container, / is one. So look first,
 * with statfs(2), and say why. */
static int check_upper_filesystem(const char *dir, const char *store)
{
	struct statfs fs;

	if (statfs(dir, &fs) < 0)
		return fail("statfs %s", dir);
	if (fs.f_type == OVERLAYFS_SUPER_MAGIC)
		return failx("store %s is on overlayfs, which cannot hold an overlay's upper "
			     "layer (use --root on another filesystem)",
			     store);
	return 0;
}

/* STORE/containers/<id>/{upper,work,rootfs}. */
static int make_container_dirs(struct image *img, const struct options *opt)
{
	char parent[PATH_MAX], upper[PATH_MAX], work[PATH_MAX];

	if (path_join(parent, sizeof(parent), opt->store, CONTAINERS_DIR) < 0 ||
	    mkdir_p(parent, 0700) < 0)
		return fail("image store %s", parent);
	if (check_upper_filesystem(parent, opt->store) < 0)
		return -1;
	if (path_join(img->dir, sizeof(img->dir), parent, opt->id) < 0)
		return fail("%s/%s", parent, opt->id);
	/* Should our supervisor be killed, the next run takes it back (state.c);
	 * with --keep it stays, on purpose. */
	if (!opt->keep && state_record(opt->id, "upper", img->dir) < 0)
		return -1;
	if (mkdir(img->dir, 0700) < 0)
		return fail("mkdir %s", img->dir);
	img->created = true;
	path_join(upper, sizeof(upper), img->dir, "upper");
	path_join(work, sizeof(work), img->dir, "work");
	path_join(img->rootfs, sizeof(img->rootfs), img->dir, "rootfs");
	if (mkdir(upper, UPPER_MODE) < 0 || mkdir(work, 0700) < 0 ||
	    mkdir(img->rootfs, UPPER_MODE) < 0)
		return fail("mkdir in %s", img->dir);
	size_t len = strlen(img->options);
	if (snprintf(img->options + len, sizeof(img->options) - len, ",upperdir=%s,workdir=%s",
		     upper, work) >= (int)(sizeof(img->options) - len))
		return failx("%s: too many layers for one overlay mount", img->dir);
	return 0;
}

/* image_prepare's work, with the store's lock held. */
static int find_layers_and_hold_them(struct image *img, const struct options *opt)
{
	char lower[OVERLAY_OPTIONS_MAX] = "";
	struct image_info info = {0};

	if (find_layers(img, opt, &info, lower, sizeof(lower)) < 0)
		return -1;
	/* In a user namespace (step08, rootless) overlayfs keeps its marks in
	 * user.* xattrs, the only ones we may write there (whiteout.c). */
	if (snprintf(img->options, sizeof(img->options), "%slowerdir=%s",
		     in_user_namespace() ? "userxattr," : "", lower) >= (int)sizeof(img->options))
		return failx("image %s: too many layers for one overlay mount", opt->rootfs);
	if (make_container_dirs(img, opt) < 0)
		return -1;
	/* While we hold this record, `image rm` and re-imports keep our layers. */
	img->layers_fd = store_hold_layers(img->dir, &info, img->keep);
	return img->layers_fd < 0 ? -1 : 0;
}

int image_prepare(struct image *img, const struct options *opt)
{
	int lock, r;

	*img = (struct image){.keep = opt->keep, .layers_fd = -1};
	/* Only an import makes a store: a typo in --root must not make one.
	 * A directory as the root needs one for its upper layer: the default
	 * store ($KOBAKO_ROOT or DEFAULT_STORE) is made for it. */
	const char *fallback = getenv("KOBAKO_ROOT") ? getenv("KOBAKO_ROOT") : DEFAULT_STORE;
	bool create = strcmp(opt->store, fallback) == 0 && is_directory(opt->rootfs);
	if (!create && !is_directory(opt->store) && !is_directory(opt->rootfs))
		return failx("IMAGE %s: no such image (no image store at %s)", opt->rootfs,
			     opt->store);
	/* From reading the image until our record holds its layers, no image
	 * rm or import may run: they wait for this lock, which containers
	 * share. */
	if ((lock = store_lock_shared(opt->store, create)) < 0)
		return -1;
	store_remove_dead_containers(opt->store); /* what killed supervisors left */
	r = find_layers_and_hold_them(img, opt);
	close(lock);
	return r;
}

void mount_image(const struct image *img)
{
	/* Mounted in the child's own mount namespace: when the container
	 * ends, the namespace and this mount go with it. The merged tree is
	 * then what step03's pivot_root makes "/". */
	if (mount("overlay", img->rootfs, "overlay", 0, img->options) < 0)
		die_child("mount overlay on %s (%s)", img->rootfs, img->options);
}

int image_take_back(const char *dir)
{
	if (remove_tree(AT_FDCWD, dir) < 0)
		return fail("remove %s", dir);
	return 0;
}

void image_release(struct image *img)
{
	int saved = errno;

	if (img->created && img->keep)
		fprintf(stderr, "container: --keep: the container's writes are in %s/upper\n",
			img->dir);
	else if (img->created && remove_tree(AT_FDCWD, img->dir) < 0)
		fail("remove %s", img->dir);
	if (img->created)
		store_unhold_layers(img->dir, img->layers_fd); /* image rm may take them now */
	img->created = false;
	json_object_put(img->config);
	img->config = NULL;
	errno = saved;
}

/* ---- container image import|ls|rm|inspect ---- */

enum { IMG_HELP = 1, IMG_ROOT, IMG_REF, IMG_FORCE };
static const struct flag IMAGE_FLAGS[] = {
    {IMG_HELP, "help", NULL, 0, NULL, 6, "show this help"},
    {IMG_ROOT, "root", NULL, 0, "DIR", 6, "image store (default: " DEFAULT_STORE ")"},
    {IMG_REF, "ref", NULL, 0, "TAG", 6, "import: which image of the archive (a tag)"},
    {IMG_FORCE, "force", NULL, 'f', NULL, 6, "rm: even if a running container uses it"},
};
#define N_IMAGE_FLAGS (sizeof(IMAGE_FLAGS) / sizeof(IMAGE_FLAGS[0]))

static const struct verb {
	const char *name, *args, *help;
	int n_args;
} VERBS[] = {
    {"import", "FILE NAME", "unpack a docker-save or OCI archive into the store as NAME", 2},
    {"ls", "", "list the images", 0},
    {"rm", "NAME|ID", "forget NAME and delete the layers no other image uses", 1},
    {"inspect", "NAME|ID", "print the image's config and layers (JSON)", 1},
};
#define N_VERBS (sizeof(VERBS) / sizeof(VERBS[0]))
enum { VERB_IMPORT, VERB_LS, VERB_RM, VERB_INSPECT }; /* VERBS' order */

static int image_help(const struct verb *only)
{
	printf("Usage:\n");
	if (!only)
		printf("  container image pull [OPTIONS] REFERENCE [NAME]\n      download an "
		       "image from a registry (container image pull --help)\n");
	for (const struct verb *v = VERBS; v < VERBS + N_VERBS; v++)
		if (!only || only == v)
			printf("  container image %s [OPTIONS]%s%s\n      %s\n", v->name,
			       v->n_args ? " " : "", v->args, v->help);
	printf("\nOptions:\n");
	print_flags(IMAGE_FLAGS, only && only != VERBS ? 2 : N_IMAGE_FLAGS, 6);
	return 0;
}

/* `image pull` is a program of its own, container-pull, next to this one:
 * it needs libcurl, which would slow every `container run` (pull.c says why). */
static int exec_pull(char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	if (n < 0)
		return fail("readlink /proc/self/exe"), EXIT_RUNTIME;
	dir[n] = '\0';
	*strrchr(dir, '/') = '\0';
	snprintf(path, sizeof(path), "%s/container-pull", dir);
	argv[0] = "container"; /* its messages say "container: ..." too */
	execv(path, argv);
	return fail("exec %s", path), EXIT_RUNTIME;
}

int image_command(int argc, char **argv)
{
	const char *store = getenv("KOBAKO_ROOT") ? getenv("KOBAKO_ROOT") : DEFAULT_STORE;
	const struct verb *verb = NULL;
	const struct flag *f;
	char *value, *ref = NULL, *args[2], cmd[32];
	int next = 2, n = 0;
	bool force = false;

	if (argc < 2)
		return failx("image: which one? pull, import, ls, rm or inspect (see container "
			     "image --help)"),
		       EXIT_RUNTIME;
	if (strcmp(argv[1], "--help") == 0)
		return image_help(NULL);
	if (strcmp(argv[1], "pull") == 0)
		return exec_pull(argv); /* container-pull (pull.c) */
	for (const struct verb *v = VERBS; v < VERBS + N_VERBS; v++)
		if (strcmp(argv[1], v->name) == 0)
			verb = v;
	if (!verb)
		return failx("image %s: unknown command (pull, import, ls, rm or inspect)",
			     argv[1]),
		       EXIT_RUNTIME;
	snprintf(cmd, sizeof(cmd), "image %s: ", verb->name);
	while ((f = next_verb_flag(argc, argv, &next, IMAGE_FLAGS, N_IMAGE_FLAGS, cmd, &value, args,
				   2, &n))) {
		if (f->id == IMG_HELP)
			return image_help(verb);
		if (f->id == IMG_REF && verb != VERBS + VERB_IMPORT)
			return failx("%s--ref is for image import", cmd), EXIT_RUNTIME;
		if (f->id == IMG_FORCE && verb != VERBS + VERB_RM)
			return failx("%s-f is for image rm", cmd), EXIT_RUNTIME;
		if (f->id == IMG_FORCE)
			force = true;
		else
			*(f->id == IMG_ROOT ? &store : (const char **)&ref) = value;
	}
	if (store[0] != '/')
		return failx("%s--root %s: the image store must be an absolute path", cmd, store),
		       EXIT_RUNTIME;
	if (n != verb->n_args)
		return failx("%sexpected %s%s (see container image %s --help)", cmd,
			     verb->n_args ? "" : "no arguments", verb->args, verb->name),
		       EXIT_RUNTIME;
	require_root(); /* layers keep owners, devices and trusted.* xattrs */
	switch (verb - VERBS) {
	case VERB_IMPORT: return store_import(store, args[0], args[1], ref) < 0 ? EXIT_RUNTIME : 0;
	case VERB_LS: return store_list(store, stdout) < 0 ? EXIT_RUNTIME : 0;
	case VERB_RM: return store_remove(store, args[0], force) < 0 ? EXIT_RUNTIME : 0;
	default: return store_inspect(store, args[0], stdout) < 0 ? EXIT_RUNTIME : 0;
	}
}
