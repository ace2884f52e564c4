/* userns.c - the user namespace: uid 0 inside, an ordinary uid outside.
 *
 * CLONE_NEWUSER gives a process its own numbering of user and group ids.
 * A new user namespace starts empty: every id shows as nobody (65534) until
 * a process outside writes the two tables that translate ids,
 * /proc/PID/uid_map and /proc/PID/gid_map, one "INSIDE OUTSIDE COUNT" line
 * per range. Its first process then has every capability, but only over
 * what the namespace owns: the namespaces created with it (mount, network,
 * PID, ...) and files whose owners are in the map. So "root" inside can
 * mount an overlay or configure its own network, and to the host it is
 * still the user who started it: a file it writes on a volume belongs to
 * that user, and the host's root-owned files stay out of its reach.
 *
 * The order matters: the user namespace first, then the others, so that
 * they belong to it (clone(2) with all the flags at once does that); and
 * the maps are written after the clone, before the parent's go.
 *
 * An unprivileged process may map only its own uid and gid (and must write
 * "deny" to /proc/PID/setgroups first, so a process cannot drop a group
 * that denies it access). More ids come from /etc/subuid and /etc/subgid,
 * ranges root gave the user, written by the setuid helpers newuidmap(1)
 * and newgidmap(1) of Debian's uidmap package, which check those files.
 *
 * man: user_namespaces(7), newuidmap(1), subuid(5), subgid(5)
 * LWN: "Namespaces in operation, part 5: User namespaces"
 *      (https://lwn.net/Articles/532593/)
 */
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/die.h"
#include "common/file.h"
#include "common/path.h"
#include "whiteout.h"

#define SUBUID_FILE "/etc/subuid"
#define SUBGID_FILE "/etc/subgid"
#define NEWUIDMAP "/usr/bin/newuidmap"
#define NEWGIDMAP "/usr/bin/newgidmap"
#define MAP_TEXT_MAX 128 /* two lines of three numbers */

/* The first range of NAME (or of its number ID) in an /etc/subuid-like
 * file with at least `need` ids: its start in *start. 0, or -1 if none. */
static int find_subid_range(const char *file, const char *name, unsigned long id,
			    unsigned long need, unsigned long *start)
{
	char line[256], owner[128];
	unsigned long first, count;
	int found = -1;
	FILE *f = fopen(file, "re");

	while (f && found < 0 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%127[^:]:%lu:%lu", owner, &first, &count) == 3 &&
		    count >= need &&
		    (strcmp(owner, name) == 0 || strtoul(owner, NULL, 10) == id)) {
			*start = first;
			found = 0;
		}
	if (f)
		fclose(f);
	return found;
}

/* The login name of uid, from /etc/passwd (fgetpwent(3) needs no NSS, so
 * it works in our static binary); "" if it has none. */
static void user_name(uid_t uid, char *name, size_t size)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;

	snprintf(name, size, "%s", "");
	while (f && (pw = fgetpwent(f)))
		if (pw->pw_uid == uid) {
			snprintf(name, size, "%s", pw->pw_name);
			break;
		}
	if (f)
		fclose(f);
}

int userns_plan_rootless(struct userns *u)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	unsigned long sub_uid, sub_gid;
	char name[128];

	*u = (struct userns){.on = true, .n = 1};
	u->uid[0] = (struct id_range){0, uid, 1};
	u->gid[0] = (struct id_range){0, gid, 1};
	user_name(uid, name, sizeof(name));
	if (find_subid_range(SUBUID_FILE, name, uid, USERNS_IDS - 1, &sub_uid) == 0 &&
	    find_subid_range(SUBGID_FILE, name, uid, USERNS_IDS - 1, &sub_gid) == 0 &&
	    access(NEWUIDMAP, X_OK) == 0 && access(NEWGIDMAP, X_OK) == 0) {
		u->uid[1] = (struct id_range){1, sub_uid, USERNS_IDS - 1};
		u->gid[1] = (struct id_range){1, sub_gid, USERNS_IDS - 1};
		u->n = 2;
		u->helpers = true;
		return 0;
	}
	fprintf(stderr,
		"container: note: no %lu-id range for %s in " SUBUID_FILE " and " SUBGID_FILE
		" (or no newuidmap): only uid 0 exists inside, other owners show as nobody and "
		"apt's _apt cannot drop privileges (sudo apt-get install uidmap; sudo usermod "
		"--add-subuids 100000-165535 --add-subgids 100000-165535 %s)\n",
		(unsigned long)USERNS_IDS - 1, name[0] ? name : "you", name[0] ? name : "USER");
	return 0;
}

int userns_plan_remap(struct userns *u)
{
	unsigned long sub_uid, sub_gid;

	*u = (struct userns){.on = true, .n = 1};
	if (find_subid_range(SUBUID_FILE, REMAP_USER, (unsigned long)-1, USERNS_IDS, &sub_uid) < 0 ||
	    find_subid_range(SUBGID_FILE, REMAP_USER, (unsigned long)-1, USERNS_IDS, &sub_gid) < 0)
		return failx("--userns=remap: no range of %d ids for \"" REMAP_USER
			     "\" in " SUBUID_FILE " and " SUBGID_FILE
			     " (add a line like " REMAP_USER ":1000000:65536 to both)",
			     USERNS_IDS);
	u->uid[0] = (struct id_range){0, sub_uid, USERNS_IDS};
	u->gid[0] = (struct id_range){0, sub_gid, USERNS_IDS};
	return 0;
}

/* "0 1000 1\n1 100000 65535\n", the format of uid_map. */
static void format_map(const struct id_range *r, size_t n, char *text, size_t size)
{
	size_t len = 0;

	text[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len += snprintf(text + len, size - len, "%lu %lu %lu\n", r[i].inside, r[i].outside,
				r[i].count);
}

/* Run newuidmap/newgidmap PID INSIDE OUTSIDE COUNT...; 0 if it succeeded. */
static int run_helper(const char *helper, pid_t pid, const struct id_range *r, size_t n)
{
	char args[1 + 1 + 3 * 2][24], *argv[1 + 1 + 3 * 2 + 1] = {0};
	int status;

	snprintf(args[0], sizeof(args[0]), "%s", strrchr(helper, '/') + 1);
	snprintf(args[1], sizeof(args[1]), "%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		snprintf(args[2 + 3 * i], sizeof(args[0]), "%lu", r[i].inside);
		snprintf(args[3 + 3 * i], sizeof(args[0]), "%lu", r[i].outside);
		snprintf(args[4 + 3 * i], sizeof(args[0]), "%lu", r[i].count);
	}
	for (size_t i = 0; i < 2 + 3 * n; i++)
		argv[i] = args[i];
	pid_t child = fork();
	if (child == 0) {
		execv(helper, argv); /* setuid root: it checks /etc/subuid for us */
		die_child("exec %s", helper);
	}
	if (child < 0 || waitpid(child, &status, 0) < 0)
		return fail("run %s", helper);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return failx("%s %d: failed (see its message above)", helper, (int)pid);
	return 0;
}

int userns_write_maps(const struct userns *u, pid_t pid)
{
	char path[64], map[MAP_TEXT_MAX];

	if (!u->on)
		return 0;
	if (u->helpers)
		return run_helper(NEWGIDMAP, pid, u->gid, u->n) < 0 ||
			       run_helper(NEWUIDMAP, pid, u->uid, u->n) < 0
			   ? -1
			   : 0;
	/* Without CAP_SETGID outside, gid_map is only accepted once
	 * setgroups(2) is off for good in the namespace. Root keeps it. */
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (geteuid() != 0 && write_file(path, "deny") < 0)
		return fail("write %s", path);
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	format_map(u->gid, u->n, map, sizeof(map));
	if (write_file(path, "%s", map) < 0)
		return fail("write %s (%s)", path, map);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	format_map(u->uid, u->n, map, sizeof(map));
	if (write_file(path, "%s", map) < 0)
		return fail("write %s (%s)", path, map);
	return 0;
}

/* userns_enter with subordinate ids: newuidmap must run outside the new
 * namespace (inside it the setuid bit means nothing: host root is not in
 * our map), so a child stays outside, waits until we are in, maps us. */
static int enter_with_helper(const struct userns *u)
{
	int go[2], status;
	char c;

	if (pipe2(go, O_CLOEXEC) < 0)
		return fail("pipe");
	pid_t helper = fork();
	if (helper == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1) /* we are in, or gave up */
			_exit(EXIT_RUNTIME);
		_exit(userns_write_maps(u, getppid()) < 0 ? EXIT_RUNTIME : 0);
	}
	close(go[0]);
	int r = helper < 0 ? fail("fork") : unshare(CLONE_NEWUSER);
	if (r < 0 && helper > 0)
		fail("unshare(CLONE_NEWUSER)");
	if (r == 0 && write(go[1], "g", 1) != 1)
		r = fail("pipe");
	close(go[1]);
	if (helper > 0 && (waitpid(helper, &status, 0) < 0 || !WIFEXITED(status) ||
			   WEXITSTATUS(status) != 0))
		r = -1; /* the helper said why */
	return r;
}

int userns_enter(const struct userns *u)
{
	if (u->helpers)
		return enter_with_helper(u);
	/* Our own uid only: we may write our own maps, from inside. */
	if (unshare(CLONE_NEWUSER) < 0)
		return fail("unshare(CLONE_NEWUSER)");
	return userns_write_maps(u, getpid());
}

int userns_prepare(struct userns *u, const struct options *opt)
{
	*u = (struct userns){0};
	if (!opt->userns_remap)
		return 0;
	if (in_user_namespace())
		return failx("--userns remap: for root; an ordinary user's containers are "
			     "remapped already (to the user's own ids)");
	return userns_plan_remap(u);
}

uint64_t userns_namespace(const struct userns *u)
{
	return u->on ? CLONE_NEWUSER : 0;
}

int userns_give_dirs(const struct userns *u, const struct image *img)
{
	const char *names[] = {"", "upper", "work", "rootfs"};
	char path[PATH_MAX];

	if (!u->on || !img->created)
		return 0;
	/* The container's root must own its layer, or it could not write to
	 * its own "/"; root outside still owns the store above it. */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (path_join(path, sizeof(path), img->dir, names[i]) < 0 ||
		    chown(path, userns_root_uid(u), userns_root_gid(u)) < 0)
			return fail("chown %s to %lu", path, (unsigned long)userns_root_uid(u));
	return 0;
}

uid_t userns_root_uid(const struct userns *u)
{
	return u->uid[0].outside;
}

gid_t userns_root_gid(const struct userns *u)
{
	return u->gid[0].outside;
}
