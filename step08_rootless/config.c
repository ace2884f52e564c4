/* config.c - step06: an image says how it wants to be run.
 *
 * Besides its layers an image carries a config blob (JSON): what to run
 * (Entrypoint + Cmd), with which environment (Env), where (WorkingDir) and
 * as whom (User). `docker run IMAGE` with no command runs exactly that; the
 * options override it, by Docker's rules:
 *
 *   command   --entrypoint E replaces Entrypoint and drops the image's Cmd
 *             ("" clears it); COMMAND replaces Cmd; argv = Entrypoint + Cmd
 *   env       Env, then --env-file lines, then -e, a later KEY winning, all
 *             over exec.c's defaults (PATH, HOME, HOSTNAME); -e KEY alone
 *             takes the host's value, or nothing if the host has none
 *   -w DIR    instead of WorkingDir; made if missing, as Docker does
 *   -u USER   instead of User: a name or uid, [:group or gid], looked up in
 *             the *image's* /etc/passwd and /etc/group, never the host's;
 *             a user found there also gets its supplementary groups
 *
 * man: environ(7), setgroups(2), setgid(2), setuid(2), passwd(5), group(5)
 * spec: github.com/opencontainers/image-spec config.md; runc's
 *       libcontainer/user (GetExecUser) for the lookup rules
 */
#include "config.h"

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <json-c/json.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/die.h"
#include "common/file.h"
#include "common/parse.h"
#include "common/path.h"
#include "exec.h"

#define MAX_GROUPS 64 /* supplementary groups of one user */
#define WORKDIR_MODE 0755 /* a working directory we make, as Docker's */

/* Append a copy of s to the NULL-terminated list *v of *n strings. */
static int push(char ***v, size_t *n, const char *s)
{
	char **grown = reallocarray(*v, *n + 2, sizeof(**v));

	if (!grown)
		return fail("config");
	*v = grown;
	if (!(grown[*n] = strdup(s)))
		return fail("config");
	grown[++*n] = NULL;
	return 0;
}

/* Append the strings of the config's array key ("Cmd", "Env"). */
static int push_array(char ***v, size_t *n, json_object *config, const char *key)
{
	json_object *list;

	if (!config || !json_object_object_get_ex(config, key, &list) ||
	    !json_object_is_type(list, json_type_array))
		return 0; /* absent or null: nothing */
	for (size_t i = 0; i < json_object_array_length(list); i++)
		if (push(v, n, json_object_get_string(json_object_array_get_idx(list, i))) < 0)
			return -1;
	return 0;
}

static const char *get_string(json_object *config, const char *key)
{
	json_object *v;

	return config && json_object_object_get_ex(config, key, &v) &&
		       json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : "";
}

/* -e KEY=VALUE as given; -e KEY: the host's value, or nothing (as Docker). */
static int push_variable(struct config *cfg, const char *text)
{
	char line[PATH_MAX];

	if (strchr(text, '='))
		return push(&cfg->env, &cfg->n_env, text);
	if (!getenv(text))
		return 0;
	snprintf(line, sizeof(line), "%s=%s", text, getenv(text));
	return push(&cfg->env, &cfg->n_env, line);
}

/* One line of an --env-file, Docker's format: blank lines and '#' comments
 * skipped, leading blanks dropped, KEY=VALUE taken as is (no quotes), KEY
 * alone as -e KEY. */
static int read_env_line(struct config *cfg, const char *file, int n, char *line)
{
	char *eq;
	size_t name_len;

	line[strcspn(line, "\r\n")] = '\0';
	line += strspn(line, " \t");
	if (!*line || *line == '#')
		return 0;
	eq = strchr(line, '=');
	name_len = eq ? (size_t)(eq - line) : strlen(line);
	if (name_len == 0)
		return failx("--env-file %s: line %d: no variable name", file, n);
	if (strcspn(line, " \t") < name_len)
		return failx("--env-file %s: line %d: variable '%.*s' contains whitespace", file, n,
			     (int)name_len, line);
	return push_variable(cfg, line);
}

static int read_env_file(struct config *cfg, const char *file)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t size = 0;
	int n = 0, r = 0;

	if (!f)
		return fail("--env-file %s", file);
	while (r == 0 && getline(&line, &size, f) >= 0)
		r = read_env_line(cfg, file, ++n, line);
	free(line);
	fclose(f);
	return r;
}

/* Docker's rules (moby daemon/commit.go merge): an --entrypoint given
 * (even "") replaces the image's and drops its Cmd; COMMAND replaces Cmd. */
static int make_command(struct config *cfg, const struct options *opt, json_object *config)
{
	int r = 0;

	if (opt->entrypoint && opt->entrypoint[0])
		r = push(&cfg->command, &cfg->n_command, opt->entrypoint);
	else if (!opt->entrypoint)
		r = push_array(&cfg->command, &cfg->n_command, config, "Entrypoint");
	for (char **arg = opt->command; r == 0 && *arg; arg++)
		r = push(&cfg->command, &cfg->n_command, *arg);
	if (r == 0 && !opt->command[0] && !opt->entrypoint)
		r = push_array(&cfg->command, &cfg->n_command, config, "Cmd");
	if (r == 0 && cfg->n_command == 0)
		return failx("%s: no command: the image has no Entrypoint or Cmd (give COMMAND)",
			     opt->rootfs);
	return r;
}

int config_prepare(struct config *cfg, const struct options *opt, json_object *image)
{
	json_object *config = NULL; /* the runtime part of the blob */

	*cfg = (struct config){0};
	if (image)
		json_object_object_get_ex(image, "config", &config);
	if (make_command(cfg, opt, config) < 0 ||
	    push_array(&cfg->env, &cfg->n_env, config, "Env") < 0)
		return -1;
	for (size_t i = 0; i < opt->n_env_files; i++)
		if (read_env_file(cfg, opt->env_files[i]) < 0)
			return -1;
	for (size_t i = 0; i < opt->n_env; i++)
		if (push_variable(cfg, opt->env[i]) < 0)
			return -1;
	const char *dir = opt->workdir ? opt->workdir : get_string(config, "WorkingDir");
	if (*dir && path_join(cfg->workdir, sizeof(cfg->workdir), "/", dir) < 0)
		return failx("-w %s: too long", dir);
	const char *user = opt->user ? opt->user : get_string(config, "User");
	if (strlcpy(cfg->user, user, sizeof(cfg->user)) >= sizeof(cfg->user))
		return failx("-u %s: too long", user);
	return 0;
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_command; i++)
		free(cfg->command[i]);
	for (size_t i = 0; i < cfg->n_env; i++)
		free(cfg->env[i]);
	free(cfg->command);
	free(cfg->env);
	*cfg = (struct config){0};
}

/* ---- in the child, inside the image's root ---- */

struct user {
	uid_t uid;
	gid_t gid;
	gid_t groups[MAX_GROUPS]; /* supplementary */
	int n_groups;
	char name[64]; /* "" if the passwd file does not have it */
	char home[PATH_MAX];
};

noreturn static void die_user(const char *spec, const char *why, const char *what)
{
	failx("-u %s: %s %s in the image's /etc/%s", spec, why, what,
	      strcmp(why, "no group") == 0 ? "group" : "passwd");
	_exit(EXIT_RUNTIME);
}

/* A number as uid/gid, or -1 if text is not one. */
static long long id_number(const char *text)
{
	long long n;

	return parse_int(text, 0, UINT32_MAX - 1, &n) == 0 ? n : -1;
}

/* The user part: a name or uid, found in /etc/passwd; a uid that is not
 * there is taken as it is, with gid 0 and home "/" (as runc does). */
static void find_user(struct user *u, const char *spec, const char *name)
{
	long long uid = id_number(name);
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw = NULL;

	*u = (struct user){.uid = uid, .gid = 0, .home = "/"};
	while (f && (pw = fgetpwent(f)))
		if (uid < 0 ? strcmp(pw->pw_name, name) == 0 : pw->pw_uid == (uid_t)uid)
			break;
	if (pw) {
		*u = (struct user){.uid = pw->pw_uid, .gid = pw->pw_gid};
		strlcpy(u->name, pw->pw_name, sizeof(u->name));
		strlcpy(u->home, pw->pw_dir, sizeof(u->home));
	}
	if (f)
		fclose(f);
	if (!pw && uid < 0)
		die_user(spec, "no user", name);
}

/* The group part (its gid, no supplementary groups, as runc), or without
 * one: every group of /etc/group that lists the user's name. */
static void find_groups(struct user *u, const char *spec, const char *group)
{
	long long gid = group ? id_number(group) : -1;
	FILE *f = fopen("/etc/group", "re");
	struct group *gr;
	bool found = false;

	while (f && (gr = fgetgrent(f))) {
		if (group && (gid < 0 ? strcmp(gr->gr_name, group) == 0 : gr->gr_gid == gid))
			found = true, gid = gr->gr_gid;
		for (char **m = gr->gr_mem; !group && u->name[0] && *m; m++)
			if (strcmp(*m, u->name) == 0 && u->n_groups < MAX_GROUPS)
				u->groups[u->n_groups++] = gr->gr_gid;
	}
	if (f)
		fclose(f);
	if (group && !found && gid < 0)
		die_user(spec, "no group", group);
	if (group)
		u->gid = gid;
}

/* setgroups(2), unless this is a user namespace whose setgroups file says
 * "deny" (an ordinary user's one-id map, step08; user_namespaces(7)): there
 * the groups cannot change and stay as they are, as runc does. */
static int set_groups(const struct user *u)
{
	char state[16];

	if (setgroups(u->n_groups, u->groups) == 0)
		return 0;
	return errno == EPERM && read_file("/proc/self/setgroups", state, sizeof(state)) > 0 &&
		       strcmp(state, "deny") == 0
		   ? 0
		   : -1;
}

/* setgroups, setgid, setuid: in that order, while we may still change ids.
 * No user is root (uid 0), looked up all the same: Docker gives root the
 * groups /etc/group lists it in ("wheel") and its home. */
static void become_user(struct config *cfg)
{
	char spec[USER_SPEC_MAX], *group, home[PATH_MAX + 8];
	struct user u;

	strlcpy(spec, cfg->user[0] ? cfg->user : "0", sizeof(spec)); /* no User: root */
	if ((group = strchr(spec, ':')))
		*group++ = '\0';
	find_user(&u, cfg->user, spec);
	find_groups(&u, cfg->user, group);
	if (set_groups(&u) < 0 || setgid(u.gid) < 0 || setuid(u.uid) < 0)
		die_child("-u %s: become uid %u gid %u", cfg->user, u.uid, u.gid);
	/* HOME is the user's, unless Env or -e said otherwise (as Docker). */
	for (size_t i = 0; i < cfg->n_env; i++)
		if (strncmp(cfg->env[i], "HOME=", 5) == 0)
			return;
	snprintf(home, sizeof(home), "HOME=%s", u.home);
	if (push(&cfg->env, &cfg->n_env, home) < 0)
		_exit(EXIT_RUNTIME);
}

void config_apply(struct config *cfg)
{
	/* Docker makes a missing working directory. We are inside the new
	 * root already: the path cannot lead outside it. */
	if (cfg->workdir[0] && (mkdir_p(cfg->workdir, WORKDIR_MODE) < 0 || chdir(cfg->workdir) < 0))
		die_child("working directory %s", cfg->workdir);
	become_user(cfg); /* root too: its groups and HOME, as Docker */
	set_command_environment(cfg->env); /* Env, --env-file, -e: exec_command() sets them */
}
