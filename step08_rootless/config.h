/* config.h - step06: run the image's own command, environment, working
 * directory and user, with Docker's rules for overriding them. */
#pragma once

#include <limits.h>
#include <stddef.h>

#include "common/cli.h"

#define USER_SPEC_MAX 256 /* "USER[:GROUP]" */

struct json_object;

struct config {
	char **command; /* Entrypoint + Cmd after the options, NULL-terminated */
	size_t n_command;
	char **env; /* KEY=VALUE: Env, --env-file, -e (a later KEY wins) */
	size_t n_env;
	char workdir[PATH_MAX]; /* -w or WorkingDir; "": "/" */
	char user[USER_SPEC_MAX]; /* -u or User; "": root */
};

/* Parent, before clone: the command, environment, working directory and
 * user from the image's config blob (NULL: a directory, which has none)
 * and the options. Returns 0, or -1 after one line (no command at all, an
 * --env-file that cannot be read). */
int config_prepare(struct config *cfg, const struct options *opt, struct json_object *image);

/* Child, inside the new root, before the exec: make and enter the working
 * directory, become the user (looked up in the image's /etc/passwd and
 * /etc/group), and hand the environment to exec_command(). Exits 125 on
 * failure. */
void config_apply(struct config *cfg);

/* Parent: free what config_prepare made. Idempotent. */
void config_release(struct config *cfg);
