/* reference.c - step06: naming an image in a registry, and choosing the
 * image for this machine from a multi-platform index.
 *
 * "ubuntu" is shorthand for docker.io/library/ubuntu:latest. A registry
 * serves repositories; a tag names a manifest, a digest pins one byte for
 * byte. A multi-platform image is an index listing one manifest per
 * os/architecture/variant: the kernel runs only its own machine's code, so
 * the pull must choose.
 *
 * spec: github.com/distribution/reference (reference.go, normalize.go),
 *       github.com/opencontainers/image-spec (image-index.md "platform")
 */
#include "reference.h"

#include <bsd/string.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/die.h"
#include "image_manifest.h"

#define DEFAULT_TAG "latest"
#define HUB_NAMESPACE "library/" /* Docker Hub's official images */

/* A repository path: lowercase components [a-z0-9]+ joined by '.', '_',
 * "__" or '-'s, separated by '/'. */
static bool valid_repository(const char *s)
{
	bool need_alnum = true;

	for (; *s; s++) {
		if (islower((unsigned char)*s) || isdigit((unsigned char)*s)) {
			need_alnum = false;
			continue;
		}
		if (need_alnum || !strchr("._-/", *s))
			return false;
		need_alnum = *s == '/' || *s == '.' || (*s == '_' && s[1] != '_');
		if (*s == '_' && s[1] == '_')
			s++, need_alnum = true;
	}
	return !need_alnum;
}

/* A tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
static bool valid_tag(const char *s)
{
	if (!*s || *s == '.' || *s == '-' || strlen(s) > TAG_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

/* Split off "@digest", then ":tag" from the last path component. */
static int split_tag_digest(char *name, const char *text, struct reference *ref)
{
	char *at = strchr(name, '@'), *slash, *colon;

	if (at) {
		*at = '\0';
		if (digest_check(at + 1) < 0)
			return failx("image %s: digest must be sha256:<64 hex digits>", text);
		strlcpy(ref->digest, at + 1, sizeof(ref->digest));
	}
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		if (!valid_tag(colon + 1))
			return failx("image %s: bad tag '%s'", text, colon + 1);
		strlcpy(ref->tag, colon + 1, sizeof(ref->tag));
	} else if (!at) {
		strlcpy(ref->tag, DEFAULT_TAG, sizeof(ref->tag));
	}
	return 0;
}

int reference_parse(const char *text, struct reference *ref)
{
	char name[REGISTRY_MAX + REPOSITORY_MAX + TAG_MAX + DIGEST_LEN + 4];
	const char *repo = name;
	char *slash;

	*ref = (struct reference){0};
	if (strlcpy(name, text, sizeof(name)) >= sizeof(name))
		return failx("image %.40s...: reference too long", text);
	if (split_tag_digest(name, text, ref) < 0)
		return -1;
	slash = strchr(name, '/');
	/* "localhost:5000/x", "quay.io/x": a host; "fedora/x": a Hub user. */
	if (slash && (memchr(name, '.', slash - name) || memchr(name, ':', slash - name) ||
		      strncmp(name, "localhost/", 10) == 0)) {
		*slash = '\0';
		const char *port = strchr(name, ':');
		if (port && (!port[1] || strspn(port + 1, "0123456789") != strlen(port + 1)))
			return failx("image %s: bad registry port in '%s'", text, name);
		strlcpy(ref->registry, name, sizeof(ref->registry));
		repo = slash + 1;
	} else {
		strlcpy(ref->registry, DOCKER_HUB, sizeof(ref->registry));
	}
	if (strcmp(ref->registry, "index.docker.io") == 0)
		strlcpy(ref->registry, DOCKER_HUB, sizeof(ref->registry));
	if (strcmp(ref->registry, DOCKER_HUB) == 0 && !strchr(repo, '/'))
		strlcpy(ref->repository, HUB_NAMESPACE, sizeof(ref->repository));
	if (!valid_repository(repo) ||
	    strlcat(ref->repository, repo, sizeof(ref->repository)) >= sizeof(ref->repository))
		return failx("image %s: bad repository name '%s' (lowercase letters, digits, "
			     "separators . _ - /)",
			     text, repo);
	return 0;
}

const char *reference_api_host(const struct reference *ref)
{
	return strcmp(ref->registry, DOCKER_HUB) == 0 ? DOCKER_HUB_API : ref->registry;
}

void reference_format(const struct reference *ref, char *out, size_t size)
{
	snprintf(out, size, "%s/%s%s%s", ref->registry, ref->repository, ref->digest[0] ? "@" : ":",
		 ref->digest[0] ? ref->digest : ref->tag);
}

void reference_local_name(const char *text, const struct reference *ref, char *out, size_t size)
{
	const char *last = strrchr(ref->repository, '/'), *repo = last ? last + 1 : ref->repository;
	const char *base = strrchr(text, '/') ? strrchr(text, '/') + 1 : text;
	bool tagged = memchr(base, ':', strcspn(base, "@")) != NULL;

	if (ref->digest[0]) /* pinned: the digest is the name's, as docker's NAME@DIGEST */
		snprintf(out, size, "%s@%s", repo, ref->digest);
	else
		snprintf(out, size, "%s%s%s", repo, tagged ? ":" : "", tagged ? ref->tag : "");
}

bool registry_is_local(const char *registry)
{
	size_t host_len = strcspn(registry, ":");

	if (registry[0] == '[')
		return strncmp(registry, "[::1]", 5) == 0;
	return (host_len == 9 && strncmp(registry, "localhost", 9) == 0) ||
	       strncmp(registry, "127.", 4) == 0;
}

/* ---- platforms ---- */

int platform_parse(const char *text, struct platform *p)
{
	char copy[3 * PLATFORM_PART_MAX], *os, *arch, *variant, *rest = copy;

	*p = (struct platform){0};
	if (strlcpy(copy, text, sizeof(copy)) >= sizeof(copy))
		return failx("--platform %s: too long", text);
	os = strsep(&rest, "/");
	arch = strsep(&rest, "/");
	variant = strsep(&rest, "/");
	if (!*os || !arch || !*arch || rest || (variant && !*variant))
		return failx("--platform %s: use os/arch[/variant], e.g. linux/arm64/v8", text);
	strlcpy(p->os, os, sizeof(p->os));
	strlcpy(p->architecture, arch, sizeof(p->architecture));
	strlcpy(p->variant, variant ? variant : "", sizeof(p->variant));
	return 0;
}

void platform_host(struct platform *p)
{
	struct utsname u;

	uname(&u);
	*p = (struct platform){.os = "linux"};
	if (strcmp(u.machine, "x86_64") == 0)
		strlcpy(p->architecture, "amd64", sizeof(p->architecture));
	else if (strcmp(u.machine, "aarch64") == 0)
		strlcpy(p->architecture, "arm64", sizeof(p->architecture));
	else if (strncmp(u.machine, "armv", 4) == 0) { /* armv7l -> arm/v7 */
		strlcpy(p->architecture, "arm", sizeof(p->architecture));
		snprintf(p->variant, sizeof(p->variant), "v%c", u.machine[4]);
	} else if (strcmp(u.machine, "i686") == 0)
		strlcpy(p->architecture, "386", sizeof(p->architecture));
	else
		strlcpy(p->architecture, u.machine, sizeof(p->architecture));
}

void platform_format(const struct platform *p, char *out, size_t size)
{
	snprintf(out, size, "%s/%s%s%s", p->os, p->architecture, p->variant[0] ? "/" : "",
		 p->variant);
}

/* A member string of obj, or "". */
static const char *member(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : "";
}

/* Does an index entry's platform fit p? arm64 without a variant is v8. */
static bool platform_fits(json_object *platform, const struct platform *p)
{
	const char *variant = member(platform, "variant");

	if (strcmp(member(platform, "os"), p->os) != 0 ||
	    strcmp(member(platform, "architecture"), p->architecture) != 0)
		return false;
	if (!p->variant[0])
		return true;
	if (!variant[0] && strcmp(p->architecture, "arm64") == 0)
		variant = "v8";
	return strcmp(variant, p->variant) == 0;
}

json_object *index_choose(json_object *index, const struct platform *p, const char *label)
{
	json_object *list, *d, *platform;
	char has[512] = "", want[3 * PLATFORM_PART_MAX + 3], one[3 * PLATFORM_PART_MAX + 3];
	bool windows_only = true; /* then say what the image is */
	size_t n = json_object_object_get_ex(index, "manifests", &list) &&
			   json_object_is_type(list, json_type_array)
		       ? json_object_array_length(list)
		       : 0;

	for (size_t i = 0; i < n; i++) {
		d = json_object_array_get_idx(list, i);
		if (!json_object_object_get_ex(d, "platform", &platform))
			continue;
		if (platform_fits(platform, p))
			return d;
		struct platform seen = {0};
		strlcpy(seen.os, member(platform, "os"), sizeof(seen.os));
		strlcpy(seen.architecture, member(platform, "architecture"),
			sizeof(seen.architecture));
		strlcpy(seen.variant, member(platform, "variant"), sizeof(seen.variant));
		if (strcmp(seen.os, "unknown") == 0) /* build attestations, not images */
			continue;
		windows_only = windows_only && strcmp(seen.os, "windows") == 0;
		platform_format(&seen, one, sizeof(one));
		if (strstr(has, one))
			continue;
		if (has[0])
			strlcat(has, ", ", sizeof(has));
		strlcat(has, one, sizeof(has));
	}
	platform_format(p, want, sizeof(want));
	failx("%s: %sno image for %s (the index has: %s)", label,
	      has[0] && windows_only ? "a Windows image: " : "", want, has[0] ? has : "nothing");
	return NULL;
}
