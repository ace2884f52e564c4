/* reference.h - what `container image pull` is asked for: an image
 * reference as Docker reads it, and a platform (os/architecture/variant). */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/archive.h"

#define REGISTRY_MAX 256 /* "host[:port]" */
#define REPOSITORY_MAX 256 /* "library/ubuntu" */
#define TAG_MAX 128 /* the distribution spec's limit */
#define PLATFORM_PART_MAX 32 /* "linux", "arm64", "v8" */
#define DOCKER_HUB "docker.io" /* what a reference without a registry means */
#define DOCKER_HUB_API "registry-1.docker.io" /* where Docker Hub's API is */

struct reference {
	char registry[REGISTRY_MAX]; /* "docker.io", "localhost:5000", "quay.io" */
	char repository[REPOSITORY_MAX]; /* "library/ubuntu" on Docker Hub */
	char tag[TAG_MAX + 1]; /* "latest" unless given; "" when pinned by digest */
	char digest[DIGEST_LEN + 1]; /* "sha256:<hex>" when pinned, else "" */
};

struct platform {
	char os[PLATFORM_PART_MAX], architecture[PLATFORM_PART_MAX], variant[PLATFORM_PART_MAX];
};

/* Parse "[REGISTRY[:PORT]/]REPO[:TAG][@sha256:DIGEST]" by Docker's rules:
 * the first component is a registry if it has a '.' or a ':' or is
 * "localhost"; Docker Hub's one-component names live under "library/".
 * Returns 0, or -1 after one line naming the reference and the reason. */
int reference_parse(const char *text, struct reference *ref);

/* The host[:port] to send API requests to (Docker Hub's is another name). */
const char *reference_api_host(const struct reference *ref);

/* "registry/repository:tag" or "registry/repository@digest", into out. */
void reference_format(const struct reference *ref, char *out, size_t size);

/* The local image name a pull stores when none is given: the repository's
 * last component and the tag as written ("quay.io/fedora/fedora:40" ->
 * "fedora:40", "ubuntu" -> "ubuntu"), or the digest that pins it
 * ("x:1@sha256:<hex>" -> "x@sha256:<hex>"); the store's names have no '/'. */
void reference_local_name(const char *text, const struct reference *ref, char *out, size_t size);

/* Is plain HTTP allowed here by default (Docker's rule): localhost,
 * 127.0.0.0/8 or ::1, with any port? */
bool registry_is_local(const char *registry);

/* Parse "os/arch[/variant]" (--platform). 0, or -1 after one line. */
int platform_parse(const char *text, struct platform *p);

/* This machine's platform, with GOARCH names (x86_64 -> amd64). */
void platform_host(struct platform *p);

/* "linux/arm64/v8" into out. */
void platform_format(const struct platform *p, char *out, size_t size);

/* The descriptor in an image index (OCI index or Docker manifest list) for
 * platform p, borrowed from index; NULL after one line "no image for
 * linux/arm64 (the index has: ...)". label names the index in messages. */
json_object *index_choose(json_object *index, const struct platform *p, const char *label);
