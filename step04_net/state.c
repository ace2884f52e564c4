/* state.c - what a container leaves on the host, and who takes it back.
 *
 * The kernel frees a container's namespaces when its last process dies: the
 * veth pair, the mounts, the processes go by themselves. What a supervisor
 * made on the host does not: from step04 on the files under /run/kobako/<id>
 * and the DNAT rules, from step05 its cgroups, from step06 its upper layer.
 * A supervisor that ends normally removes them; one killed with SIGKILL
 * (kill -9, the OOM killer, a crash) cannot.
 *
 * So each container gets a directory STATE_DIR/<id> holding
 *     owner    a lock file its supervisor holds with flock(2) while it lives;
 *              the kernel drops the lock when the process dies, however
 *     record   one line "KIND PATH" for each thing it made on the host
 * and every new container first looks for directories whose lock nobody
 * holds, and takes back what their record lists. A PID would not do: after
 * a crash the same number may belong to another process.
 *
 * man: flock(2), flopen(3)
 */
#include "state.h"

#include <bsd/libutil.h>
#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/die.h"
#include "common/path.h"

#define OWNER "owner"
#define RECORD "record"
/* Held shared while a container makes its directory and takes its lock,
 * exclusively while one reclaims: nobody reclaims a directory whose owner
 * has not locked it yet. */
#define RECLAIM_LOCK STATE_DIR "/reclaim.lock"
#define STATE_DIR_MODE 0755

static int lock_reclaim(int how)
{
	int fd;

	if (mkdir_p(STATE_DIR, STATE_DIR_MODE) < 0)
		return fail("mkdir %s", STATE_DIR);
	if ((fd = open(RECLAIM_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
	    flock(fd, how) < 0) {
		fail("lock %s", RECLAIM_LOCK);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int state_open(struct state *s, const char *id)
{
	char path[PATH_MAX];
	int guard = lock_reclaim(LOCK_SH);

	*s = (struct state){.owner = -1};
	if (guard < 0)
		return -1;
	if (path_join(s->dir, sizeof(s->dir), STATE_DIR, id) < 0 ||
	    mkdir(s->dir, STATE_DIR_MODE) < 0 || path_join(path, sizeof(path), s->dir, OWNER) < 0)
		fail("mkdir %s", s->dir);
	/* flopen(3): open and flock(2) in one */
	else if ((s->owner = flopen(path, O_RDWR | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0644)) < 0)
		fail("lock %s", path);
	close(guard);
	return s->owner < 0 ? -1 : 0;
}

int state_record(const char *id, const char *kind, const char *path)
{
	char file[PATH_MAX];
	int fd;

	snprintf(file, sizeof(file), "%s/%s/%s", STATE_DIR, id, RECORD);
	if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
	    dprintf(fd, "%s %s\n", kind, path) < 0 || close(fd) < 0)
		return fail("write %s", file);
	return 0;
}

bool state_alive(const char *id)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", STATE_DIR, id, OWNER);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno != ENOENT;
	bool held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* Undo each line of the record of container id; count what was taken back
 * in `what` ("cgroup: 4, upper: 1"). */
static int take_back_record(const char *id, take_back_fn *take_back, char *what, size_t size)
{
	char path[PATH_MAX], line[PATH_MAX + 32], kind[32], target[PATH_MAX], last[32] = "";
	int r = 0, count = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", STATE_DIR, id, RECORD);
	if (!(f = fopen(path, "re")))
		return errno == ENOENT ? 0 : fail("open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %4095s", kind, target) != 2)
			continue;
		if (take_back && take_back(id, kind, target) < 0)
			r = -1;
		if (strcmp(kind, last) != 0 && count) /* records list a kind's lines together */
			snprintf(what + strlen(what), size - strlen(what), "%s%s: %d",
				 what[0] ? ", " : "", last, count),
			    count = 0;
		strlcpy(last, kind, sizeof(last));
		count++;
	}
	if (count)
		snprintf(what + strlen(what), size - strlen(what), "%s%s: %d", what[0] ? ", " : "",
			 last, count);
	fclose(f);
	return r;
}

bool state_is_id(const char *name)
{
	return strlen(name) == ID_HEX_LEN && strspn(name, "0123456789abcdef") == ID_HEX_LEN;
}

int state_reclaim(take_back_fn *take_back)
{
	int guard = lock_reclaim(LOCK_EX), n = 0;
	DIR *dir = guard < 0 ? NULL : opendir(STATE_DIR);
	struct dirent *d;

	while (dir && (d = readdir(dir))) {
		char what[1024] = "";

		if (!state_is_id(d->d_name) || state_alive(d->d_name))
			continue;
		if (take_back_record(d->d_name, take_back, what, sizeof(what)) < 0)
			continue; /* said why; try again next time */
		if (remove_tree(dirfd(dir), d->d_name) < 0) {
			fail("remove %s/%s", STATE_DIR, d->d_name);
			continue;
		}
		fprintf(stderr,
			"container: took back what container %.12s left (its supervisor is gone): "
			"%s%srun files\n",
			d->d_name, what, what[0] ? ", " : "");
		n++;
	}
	if (dir)
		closedir(dir);
	if (guard >= 0)
		close(guard);
	return n;
}

void state_close(struct state *s)
{
	char path[PATH_MAX];

	if (s->owner < 0)
		return;
	/* Unlink the files before the lock goes: a reclaimer that looks
	 * now finds nothing of ours left to take. */
	if (path_join(path, sizeof(path), s->dir, RECORD) == 0 && unlink(path) < 0 &&
	    errno != ENOENT)
		fail("remove %s", path);
	if (path_join(path, sizeof(path), s->dir, OWNER) == 0 && unlink(path) < 0)
		fail("remove %s", path);
	close(s->owner);
	s->owner = -1;
	if (rmdir(s->dir) < 0 && errno != ENOENT)
		fail("remove %s", s->dir);
}
