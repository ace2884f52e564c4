/* registry.h - the Registry HTTP API v2 (OCI distribution spec), the part a
 * pull needs: ping, authenticate, fetch a manifest, stream a blob. */
#pragma once

#include <curl/curl.h>
#include <nettle/sha2.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "reference.h"

#define MANIFEST_MAX (4 << 20) /* bytes: manifests and configs are a few KiB */
#define AUTH_HEADER_MAX 8192 /* "Authorization: Bearer <JWT>" */
#define CHALLENGE_PART_MAX 1024

/* Every manifest kind we can read, in one Accept header: without it, a
 * registry may answer with an old schema1 manifest or refuse (406). */
#define MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MANIFEST_ACCEPT                                                                            \
	"Accept: " MEDIA_OCI_INDEX ", " MEDIA_DOCKER_LIST ", " MEDIA_OCI_MANIFEST                  \
	", " MEDIA_DOCKER_MANIFEST

/* A 401's WWW-Authenticate: Bearer realm="..",service="..",scope=".." */
struct challenge {
	char scheme[16]; /* "Bearer" or "Basic" */
	char realm[CHALLENGE_PART_MAX], service[CHALLENGE_PART_MAX], scope[CHALLENGE_PART_MAX];
};

struct registry {
	const struct reference *ref;
	char label[REGISTRY_MAX + REPOSITORY_MAX + TAG_MAX + 8]; /* the reference, for messages */
	char base[REGISTRY_MAX + 16]; /* "https://host:port" */
	const char *ca_file; /* --ca-file or $SSL_CERT_FILE, else the system's store */
	bool insecure; /* --insecure: any certificate, or plain HTTP */
	char basic[1024]; /* base64 "user:password" from the Docker config, or "" */
	char auth[AUTH_HEADER_MAX]; /* the Authorization header we send, or "" */
	struct challenge challenge; /* the registry's last 401 */
	bool refreshed; /* the token was renewed once after a 401 already */
	CURL *curl; /* the handle of every small request, reused */
};

/* A manifest or small JSON blob, fetched whole. */
struct response {
	long status;
	char *body; /* NUL-terminated, malloc'd */
	size_t len;
	char content_type[128], digest[DIGEST_LEN + 1]; /* Docker-Content-Digest */
	char www_authenticate[3 * CHALLENGE_PART_MAX];
	size_t max; /* larger bodies fail */
};

/* A blob streamed to fd, hashed and counted as it arrives. */
struct blob {
	char digest[DIGEST_LEN + 1];
	uint64_t size, got; /* bytes the manifest says, bytes received */
	int fd, error; /* error: errno of a failed write, or 0 */
	struct sha256_ctx sha;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	struct response fail; /* the body of an error status */
};

/* A signal handler sets it to end every transfer within a second; what
 * failed for that says nothing (-1, errno EINTR): the caller does. */
extern volatile sig_atomic_t registry_stop;

/* Parse a WWW-Authenticate header value. 0, or -1 if it is not one. */
int challenge_parse(const char *header, struct challenge *c);

/* Reach the registry of ref: HTTPS, or plain HTTP for a local registry or
 * with insecure when HTTPS is not spoken there; log in as its 401 asks.
 * Returns 0 or -1 after one line. */
int registry_open(struct registry *reg, const struct reference *ref, const char *ca_file,
		  bool insecure);

/* Close what registry_open opened (also after it failed). */
void registry_close(struct registry *reg);

/* GET /v2/<repo>/manifests/<which> (a tag or digest) into res; the body's
 * sha256 in res->digest, checked against Docker-Content-Digest if sent. */
int registry_get_manifest(struct registry *reg, const char *which, struct response *res);

/* GET a small blob (the config) whole, checked against digest. */
int registry_get_blob(struct registry *reg, const char *digest, struct response *res);

/* An easy handle that streams blob b into b->fd, for a curl multi handle. */
int registry_blob_start(struct registry *reg, struct blob *b);

/* After b's transfer ended with code: 0 if the blob is whole and hashes to
 * its digest; 1 if the token expired and b should be started again (once);
 * -1 after one line. */
int registry_blob_finish(struct registry *reg, struct blob *b, CURLcode code);

void response_free(struct response *res);
