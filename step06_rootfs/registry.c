/* registry.c - step06: how `docker pull` talks to a registry.
 *
 * The Registry HTTP API v2 is plain HTTPS GETs (OCI distribution spec):
 *
 *   GET /v2/                          "do you speak v2, and who may ask?"
 *   GET /v2/<repo>/manifests/<tag>    JSON: an index (one manifest per
 *                                     platform) or a manifest (config + layers)
 *   GET /v2/<repo>/blobs/<digest>     the config JSON, each layer's tar.gz
 *
 * Everything but the tag is named by its sha256, so what arrives is checked
 * against what was asked for, byte for byte, as it streams in. A public
 * registry answers the first request with 401 and WWW-Authenticate: Bearer
 * realm=...; we fetch an anonymous token there (or with the Docker login's
 * Basic credentials) and send it with every request after.
 *
 * HTTP itself is libcurl's: TLS with the system's CAs, redirects (Docker Hub
 * serves blobs from a CDN), proxies from http_proxy/https_proxy/no_proxy.
 *
 * spec: github.com/opencontainers/distribution-spec (spec.md),
 *       distribution/distribution docs/spec/auth/token.md; man: libcurl(3)
 */
#include "registry.h"

#include <bsd/string.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/die.h"

#define USER_AGENT "kobako"
#define CONNECT_TIMEOUT_S 30L
#define STALL_SECONDS 60L /* a transfer below 1 byte/s this long is dead */
#define MAX_REDIRECTS 5L

/* "sha256:<hex>" of what ctx has hashed so far. */
static void sha256_digest_hex(struct sha256_ctx *ctx, char out[DIGEST_LEN + 1])
{
	uint8_t raw[SHA256_DIGEST_SIZE];

	sha256_digest(ctx, sizeof(raw), raw);
	strlcpy(out, "sha256:", DIGEST_LEN + 1);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", raw[i]);
}

void response_free(struct response *res)
{
	free(res->body);
	*res = (struct response){0};
}

/* ---- WWW-Authenticate ---- */

/* One `key="value"` (or key=token) at *p; advances *p past a ','. */
static int next_param(const char **p, char *key, size_t ksize, char *value, size_t vsize)
{
	const char *s = *p + strspn(*p, " \t,");
	size_t k = strcspn(s, "= \t,"), v = 0;

	if (k == 0 || k >= ksize || s[k] != '=')
		return -1;
	memcpy(key, s, k), key[k] = '\0';
	s += k + 1;
	if (*s == '"') {
		for (s++; *s && *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			if (v + 1 < vsize)
				value[v++] = *s;
		}
		if (*s++ != '"')
			return -1;
	} else {
		for (; *s && *s != ',' && !isspace((unsigned char)*s); s++)
			if (v + 1 < vsize)
				value[v++] = *s;
	}
	value[v] = '\0';
	*p = s;
	return 0;
}

int challenge_parse(const char *header, struct challenge *c)
{
	char key[32], value[CHALLENGE_PART_MAX];
	size_t n = strcspn(header, " \t");
	const char *p = header + n;

	*c = (struct challenge){0};
	if (n == 0 || n >= sizeof(c->scheme))
		return -1;
	memcpy(c->scheme, header, n);
	if (strcasecmp(c->scheme, "Basic") != 0 && strcasecmp(c->scheme, "Bearer") != 0)
		return -1;
	while (*(p += strspn(p, " \t,")) &&
	       next_param(&p, key, sizeof(key), value, sizeof(value)) == 0) {
		if (strcasecmp(key, "realm") == 0)
			strlcpy(c->realm, value, sizeof(c->realm));
		else if (strcasecmp(key, "service") == 0)
			strlcpy(c->service, value, sizeof(c->service));
		else if (strcasecmp(key, "scope") == 0)
			strlcpy(c->scope, value, sizeof(c->scope));
	}
	if (*p)
		return -1;
	return strcasecmp(c->scheme, "Bearer") == 0 && !c->realm[0] ? -1 : 0;
}

/* ---- one request ---- */

static size_t keep_header(char *line, size_t size, size_t n, void *data)
{
	struct response *res = data;
	size_t len = size * n, name;
	struct {
		const char *name;
		char *dst;
		size_t dst_size;
	} wanted[] = {{"content-type", res->content_type, sizeof(res->content_type)},
		      {"docker-content-digest", res->digest, sizeof(res->digest)},
		      {"www-authenticate", res->www_authenticate, sizeof(res->www_authenticate)}};

	if (strncmp(line, "HTTP/", 5) == 0) /* a new response (after a redirect) */
		res->content_type[0] = res->digest[0] = res->www_authenticate[0] = '\0';
	name = strcspn(line, ":");
	for (size_t i = 0; name < len && i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		if (strlen(wanted[i].name) != name || strncasecmp(line, wanted[i].name, name) != 0)
			continue;
		const char *v = line + name + 1 + strspn(line + name + 1, " \t");
		size_t vlen = strcspn(v, "\r\n");
		snprintf(wanted[i].dst, wanted[i].dst_size, "%.*s", (int)vlen, v);
	}
	return len;
}

static size_t keep_body(char *data, size_t size, size_t n, void *arg)
{
	struct response *res = arg;
	size_t len = size * n;
	char *body;

	if (res->len + len > res->max || !(body = realloc(res->body, res->len + len + 1)))
		return 0; /* curl stops: CURLE_WRITE_ERROR */
	memcpy(body + res->len, data, len);
	res->body = body;
	res->len += len;
	body[res->len] = '\0';
	return len;
}

volatile sig_atomic_t registry_stop;

/* curl calls it about once a second, and as bytes move: non-zero ends the
 * transfer (CURLE_ABORTED_BY_CALLBACK), so Ctrl-C need not wait for a
 * registry that does not answer. */
static int keep_going(void *data, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		      curl_off_t ulnow)
{
	(void)data, (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return registry_stop != 0;
}

/* The options every request of ours has. */
static void setup_handle(struct registry *reg, CURL *h, const char *url, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* Docker Hub answers a blob GET with 307 to its CDN. curl sends our
	 * Authorization header to the first host only: the CDN's URL carries
	 * its own signature. */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, keep_going);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	if (reg->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, reg->ca_file);
	if (reg->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	errbuf[0] = '\0';
}

/* One line for a failed transfer: "pull LABEL: WHAT: what curl said". None
 * if registry_stop ended it: the caller says so. */
static int fail_transfer(struct registry *reg, const char *what, CURLcode code, const char *errbuf)
{
	if (code == CURLE_ABORTED_BY_CALLBACK && registry_stop)
		return errno = EINTR, -1;
	return failx("pull %s: %s: %s", reg->label, what,
		     errbuf[0] ? errbuf : curl_easy_strerror(code));
}

/* GET url into res, sending auth (a header line or "") and accept (or
 * NULL). Returns the CURLcode; res->status is the HTTP status. One handle
 * for all of them: its connections and its copy of the CA certificates
 * carry over (parsing those is 30 ms; a TLS handshake a round trip or two). */
static CURLcode get(struct registry *reg, const char *url, const char *auth, const char *accept,
		    struct response *res, char *errbuf)
{
	CURL *h = reg->curl ? reg->curl : (reg->curl = curl_easy_init());
	struct curl_slist *headers = NULL;
	CURLcode code;

	if (!h)
		return CURLE_OUT_OF_MEMORY;
	curl_easy_reset(h); /* the options only */
	response_free(res);
	res->max = MANIFEST_MAX;
	setup_handle(reg, h, url, errbuf);
	if (auth[0])
		headers = curl_slist_append(headers, auth);
	if (accept)
		headers = curl_slist_append(headers, accept);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, keep_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, res);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, res);
	code = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
	if (code == CURLE_WRITE_ERROR && res->len + CURL_MAX_WRITE_SIZE > res->max)
		snprintf(errbuf, CURL_ERROR_SIZE, "response larger than %d bytes", MANIFEST_MAX);
	curl_slist_free_all(headers);
	return code;
}

/* The registry's own words for an error status: its JSON "errors" list
 * ({"code": "MANIFEST_UNKNOWN", "message": "..."}), else the status. */
static int fail_status(struct registry *reg, const char *what, const struct response *res)
{
	json_object *obj = res->body ? json_tokener_parse(res->body) : NULL, *errors, *e, *v;
	char text[512];

	snprintf(text, sizeof(text), "HTTP %ld", res->status);
	if (json_object_object_get_ex(obj, "errors", &errors) &&
	    (e = json_object_array_get_idx(errors, 0)) != NULL) {
		const char *code =
		    json_object_object_get_ex(e, "code", &v) ? json_object_get_string(v) : "";
		const char *msg =
		    json_object_object_get_ex(e, "message", &v) ? json_object_get_string(v) : "";
		snprintf(text, sizeof(text), "%s: %s (HTTP %ld)", code, msg, res->status);
	}
	json_object_put(obj);
	return failx("pull %s: %s: %s", reg->label, what, text);
}

/* ---- authentication ---- */

/* Basic credentials for our registry from the Docker config's "auths":
 * {"auths": {"host:port": {"auth": base64("user:password")}}}. */
static void load_credentials(struct registry *reg)
{
	char path[PATH_MAX];
	const char *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	json_object *config, *auths, *v;

	if (dir)
		snprintf(path, sizeof(path), "%s/config.json", dir);
	else
		snprintf(path, sizeof(path), "%s/.docker/config.json", home ? home : "/root");
	if (access(path, R_OK) < 0 || !(config = json_object_from_file(path)))
		return;
	if (!json_object_object_get_ex(config, "auths", &auths))
		auths = NULL;
	if (json_object_is_type(auths, json_type_object)) {
		json_object_object_foreach(auths, key, entry)
		{
			/* "https://index.docker.io/v1/" is Docker Hub's key. */
			const char *host = strstr(key, "://") ? strstr(key, "://") + 3 : key;
			size_t len = strcspn(host, "/");
			bool hub = strcmp(reg->ref->registry, DOCKER_HUB) == 0 &&
				   strncmp(host, "index.docker.io", len) == 0;
			if ((hub || (strlen(reg->ref->registry) == len &&
				     strncmp(host, reg->ref->registry, len) == 0)) &&
			    json_object_object_get_ex(entry, "auth", &v))
				strlcpy(reg->basic, json_object_get_string(v), sizeof(reg->basic));
		}
	}
	json_object_put(config);
}

/* realm?service=..&scope=repository:<repo>:pull -> a token. */
static int fetch_token(struct registry *reg)
{
	char url[4 * CHALLENGE_PART_MAX], scope[CHALLENGE_PART_MAX], basic[1100] = "",
								     errbuf[CURL_ERROR_SIZE];
	struct response res = {0};
	json_object *obj, *v;
	CURL *esc = curl_easy_init();
	char *service = curl_easy_escape(esc, reg->challenge.service, 0), *sc;
	CURLcode code;

	snprintf(scope, sizeof(scope), "repository:%s:pull", reg->ref->repository);
	sc = curl_easy_escape(esc, reg->challenge.scope[0] ? reg->challenge.scope : scope, 0);
	snprintf(url, sizeof(url), "%s%sservice=%s&scope=%s", reg->challenge.realm,
		 strchr(reg->challenge.realm, '?') ? "&" : "?", service ? service : "",
		 sc ? sc : "");
	curl_free(service), curl_free(sc), curl_easy_cleanup(esc);
	if (reg->basic[0])
		snprintf(basic, sizeof(basic), "Authorization: Basic %s", reg->basic);
	code = get(reg, url, basic, NULL, &res, errbuf);
	snprintf(url, sizeof(url), "token from %s", reg->challenge.realm);
	if (code != CURLE_OK)
		return response_free(&res), fail_transfer(reg, url, code, errbuf);
	if (res.status != 200)
		return fail_status(reg, "token", &res), response_free(&res), -1;
	obj = json_tokener_parse(res.body);
	if ((json_object_object_get_ex(obj, "token", &v) ||
	     json_object_object_get_ex(obj, "access_token", &v)) &&
	    json_object_is_type(v, json_type_string))
		snprintf(reg->auth, sizeof(reg->auth), "Authorization: Bearer %s",
			 json_object_get_string(v));
	json_object_put(obj);
	response_free(&res);
	return reg->auth[0] ? 0
			    : failx("pull %s: the token server's answer has no token", reg->label);
}

/* Answer the challenge of a 401 (header: its WWW-Authenticate). */
static int authenticate(struct registry *reg, const char *header)
{
	if (challenge_parse(header, &reg->challenge) < 0)
		return failx("pull %s: 401 Unauthorized, with an unknown challenge '%.80s'",
			     reg->label, header);
	reg->auth[0] = '\0';
	if (strcasecmp(reg->challenge.scheme, "Bearer") == 0)
		return fetch_token(reg);
	if (!reg->basic[0])
		return failx("pull %s: the registry wants a login (no credentials for %s in the "
			     "Docker config's auths)",
			     reg->label, reg->ref->registry);
	snprintf(reg->auth, sizeof(reg->auth), "Authorization: Basic %s", reg->basic);
	return 0;
}

/* GET base+path, logging in once if the registry says 401. 0 with res
 * filled (any status but 401), or -1 after one line. */
static int get_authorized(struct registry *reg, const char *path, const char *accept,
			  struct response *res)
{
	char url[sizeof(reg->base) + REPOSITORY_MAX + TAG_MAX + 64], errbuf[CURL_ERROR_SIZE];
	CURLcode code;

	snprintf(url, sizeof(url), "%s%s", reg->base, path);
	for (int attempt = 0;; attempt++) {
		code = get(reg, url, reg->auth, accept, res, errbuf);
		if (code != CURLE_OK)
			return fail_transfer(reg, url, code, errbuf);
		if (res->status != 401)
			return 0;
		if (attempt > 0)
			return fail_status(reg, "unauthorized after logging in", res);
		if (authenticate(reg, res->www_authenticate) < 0)
			return -1;
	}
}

/* ---- the API ---- */

/* GET /v2/ over scheme (checking the certificate unless told not to);
 * CURLE_OK with res filled, or curl's error. */
static CURLcode ping(struct registry *reg, const char *scheme, bool check, struct response *res,
		     char *errbuf)
{
	char url[sizeof(reg->base) + 8];
	bool insecure = reg->insecure;
	CURLcode code;

	snprintf(reg->base, sizeof(reg->base), "%s://%s", scheme, reference_api_host(reg->ref));
	snprintf(url, sizeof(url), "%s/v2/", reg->base);
	reg->insecure = insecure || !check;
	code = get(reg, url, "", NULL, res, errbuf);
	reg->insecure = insecure;
	return code;
}

int registry_open(struct registry *reg, const struct reference *ref, const char *ca_file,
		  bool insecure)
{
	struct response res = {0};
	char errbuf[CURL_ERROR_SIZE];
	CURLcode code;
	int r = 0;

	*reg = (struct registry){.ref = ref, .ca_file = ca_file, .insecure = insecure};
	reference_format(ref, reg->label, sizeof(reg->label));
	load_credentials(reg);
	/* Docker's rule: a local (or --insecure) registry may speak plain
	 * HTTP; it shows when the TLS handshake gets an HTTP answer. That
	 * first try only asks which one it speaks, so it checks no certificate:
	 * OpenSSL would first parse the system's 140 CA certificates, a third
	 * of a re-pull's time. A TLS answer is asked again, checked. */
	bool plain_allowed = insecure || registry_is_local(ref->registry);
	code = ping(reg, "https", !plain_allowed, &res, errbuf);
	if (plain_allowed && (code == CURLE_SSL_CONNECT_ERROR || code == CURLE_RECV_ERROR))
		code = ping(reg, "http", false, &res, errbuf);
	else if (plain_allowed && !insecure && code == CURLE_OK)
		code = ping(reg, "https", true, &res, errbuf);
	if (code != CURLE_OK)
		r = fail_transfer(reg, reg->base, code, errbuf);
	else if (res.status == 401)
		r = authenticate(reg, res.www_authenticate);
	response_free(&res);
	return r;
}

void registry_close(struct registry *reg)
{
	if (reg->curl)
		curl_easy_cleanup(reg->curl);
	reg->curl = NULL;
}

/* Is res's body what digest (if given) names? Its digest into res. */
static int check_body(struct registry *reg, const char *what, const char *digest,
		      struct response *res)
{
	struct sha256_ctx sha;
	char got[DIGEST_LEN + 1];

	sha256_init(&sha);
	sha256_update(&sha, res->len, (const uint8_t *)(res->body ? res->body : ""));
	sha256_digest_hex(&sha, got);
	if (digest && strcmp(digest, got) != 0)
		return failx("pull %s: %s: digest mismatch (expected %s, got %s)", reg->label, what,
			     digest, got);
	if (res->digest[0] && strcmp(res->digest, got) != 0 &&
	    strncmp(res->digest, "sha256:", 7) == 0)
		return failx("pull %s: %s: digest mismatch (the registry says %s, got %s)",
			     reg->label, what, res->digest, got);
	strlcpy(res->digest, got, sizeof(res->digest));
	return 0;
}

int registry_get_manifest(struct registry *reg, const char *which, struct response *res)
{
	char path[REPOSITORY_MAX + TAG_MAX + 32], what[TAG_MAX + 32];

	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", reg->ref->repository, which);
	snprintf(what, sizeof(what), "manifest %s", which);
	if (get_authorized(reg, path, MANIFEST_ACCEPT, res) < 0)
		return -1;
	if (res->status != 200)
		return fail_status(reg, what, res);
	return check_body(reg, what, strncmp(which, "sha256:", 7) == 0 ? which : NULL, res);
}

int registry_get_blob(struct registry *reg, const char *digest, struct response *res)
{
	char path[REPOSITORY_MAX + DIGEST_LEN + 32], what[DIGEST_LEN + 8];

	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", reg->ref->repository, digest);
	snprintf(what, sizeof(what), "blob %.19s", digest);
	if (get_authorized(reg, path, NULL, res) < 0)
		return -1;
	if (res->status != 200)
		return fail_status(reg, what, res);
	res->digest[0] = '\0'; /* a blob's Docker-Content-Digest is its own */
	return check_body(reg, what, digest, res);
}

/* ---- streaming a blob ---- */

static size_t blob_write(char *data, size_t size, size_t n, void *arg)
{
	struct blob *b = arg;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) { /* an error's body: kept (its start) for the message */
		keep_body(data, size, n, &b->fail);
		return len;
	}
	if (b->got + len > b->size)
		return 0; /* more than the manifest said: stop */
	sha256_update(&b->sha, len, (const uint8_t *)data);
	for (size_t done = 0; done < len;) {
		ssize_t w = write(b->fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return b->error = errno, 0;
		done += w;
	}
	b->got += len;
	return len;
}

static size_t blob_header(char *line, size_t size, size_t n, void *arg)
{
	struct blob *b = arg;

	return keep_header(line, size, n, &b->fail);
}

int registry_blob_start(struct registry *reg, struct blob *b)
{
	char url[sizeof(reg->base) + REPOSITORY_MAX + DIGEST_LEN + 32];
	static struct curl_slist *headers; /* one list per process: the token */
	static char sent[AUTH_HEADER_MAX];

	if (!headers || strcmp(sent, reg->auth) != 0) {
		curl_slist_free_all(headers);
		headers = reg->auth[0] ? curl_slist_append(NULL, reg->auth) : NULL;
		strlcpy(sent, reg->auth, sizeof(sent));
	}
	snprintf(url, sizeof(url), "%s/v2/%s/blobs/%s", reg->base, reg->ref->repository, b->digest);
	if (!b->curl && !(b->curl = curl_easy_init()))
		return failx("pull %s: curl_easy_init failed", reg->label);
	response_free(&b->fail);
	b->fail.max = MANIFEST_MAX;
	b->got = 0;
	sha256_init(&b->sha);
	if (lseek(b->fd, 0, SEEK_SET) < 0 || ftruncate(b->fd, 0) < 0)
		return fail("pull %s: blob %.19s", reg->label, b->digest);
	setup_handle(reg, b->curl, url, b->errbuf);
	curl_easy_setopt(b->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(b->curl, CURLOPT_WRITEFUNCTION, blob_write);
	curl_easy_setopt(b->curl, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(b->curl, CURLOPT_HEADERFUNCTION, blob_header);
	curl_easy_setopt(b->curl, CURLOPT_HEADERDATA, b);
	curl_easy_setopt(b->curl, CURLOPT_PRIVATE, b);
	return 0;
}

int registry_blob_finish(struct registry *reg, struct blob *b, CURLcode code)
{
	char what[DIGEST_LEN + 8], got[DIGEST_LEN + 1];
	long status = 0;

	snprintf(what, sizeof(what), "blob %.19s", b->digest);
	curl_easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &status);
	b->fail.status = status;
	if (b->error)
		return errno = b->error, fail("pull %s: write %s", reg->label, what);
	if (code == CURLE_WRITE_ERROR && status == 200)
		return failx("pull %s: %s: larger than the %ju bytes the manifest says", reg->label,
			     what, (uintmax_t)b->size);
	if (code != CURLE_OK && code != CURLE_WRITE_ERROR)
		return fail_transfer(reg, what, code, b->errbuf);
	if (status == 401 && !reg->refreshed) { /* the token expired: renew it, once */
		reg->refreshed = true;
		return authenticate(reg, b->fail.www_authenticate) < 0 ? -1 : 1;
	}
	if (status != 200)
		return fail_status(reg, what, &b->fail);
	if (b->got != b->size)
		return failx("pull %s: %s: truncated download (%ju of %ju bytes)", reg->label, what,
			     (uintmax_t)b->got, (uintmax_t)b->size);
	sha256_digest_hex(&b->sha, got);
	if (strcmp(got, b->digest) != 0)
		return failx("pull %s: %s: digest mismatch (got %s)", reg->label, what, got);
	return 0;
}
