/* test_pull.c - `container image pull` (step06_rootfs/pull.c, registry.c)
 * against a real registry: Debian's docker-registry (CNCF distribution),
 * started here on 127.0.0.1 in the harness's private network namespace with
 * a throw-away config and storage, fed with skopeo from OCI layouts these
 * tests build. Also over HTTPS with a test CA (openssl CLI), with Bearer
 * tokens from a small issuer (tests/token_issuer.py), and through a slow
 * line (tests/slow_proxy.py) to interrupt a pull halfway. */
#include <archive.h>
#include <archive_entry.h>
#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/archive.h"
#include "common/path.h"
#include "tests/fixtures.h"
#include "tests/harness.h"

#define BIN "step06_rootfs/container"
#define REGISTRY_BIN "/usr/bin/docker-registry"
#define PLAIN_PORT 5000 /* our own network namespace: every port is free */
#define TLS_PORT 5443
#define TOKEN_PORT 5001
#define ISSUER_PORT 5002
#define SLOW_PORT 5003 /* slow_proxy.py to PLAIN_PORT */
#define SILENT_PORT 5004 /* a socket that never answers */
#define SLOW_RATE "262144" /* bytes/s through it */
#define MANY_FILES 10000 /* the big layer: its import takes half a second or more */
#define RANDOM_BYTES (2 << 20) /* and a file that does not compress */
#define CONNECT_TRIES 200 /* x 25 ms: the registry has no readiness signal */
#define OCI_LAYER "application/vnd.oci.image.layer.v1.tar"

static char base[64]; /* a /tmp directory: registries' storage, certificates */
static pid_t servers[5];
static size_t n_servers;

/* ---- servers ---- */

/* Wait until something listens on 127.0.0.1:port. The registry says
 * nothing when it is ready, so we try to connect, a bounded number of times. */
static void wait_for_port(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	for (int i = 0; i < CONNECT_TRIES; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;
		r = connect(fd, (struct sockaddr *)&a, sizeof(a));
		close(fd);
		if (r == 0)
			return;
		usleep(25000);
	}
	ck_abort_msg("nothing listens on port %d", port);
}

static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 1), dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	servers[n_servers++] = pid;
	return pid;
}

/* A registry on port with storage in base/<name>; extra: more YAML. */
static void start_registry(const char *name, int port, const char *extra)
{
	char config[PATH_MAX], log[PATH_MAX], text[4096];

	snprintf(config, sizeof(config), "%s/%s.yml", base, name);
	snprintf(log, sizeof(log), "%s/%s.log", base, name);
	snprintf(text, sizeof(text),
		 "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n"
		 "storage:\n  filesystem:\n    rootdirectory: %s/%s-data\n"
		 "  delete:\n    enabled: true\n"
		 "http:\n  addr: 127.0.0.1:%d\n%s",
		 base, name, port, extra);
	FILE *f = fopen(config, "w");
	fputs(text, f);
	fclose(f);
	spawn((char *[]){REGISTRY_BIN, "serve", config, NULL}, log);
	wait_for_port(port);
}

static void sh(const char *fmt, const char *arg)
{
	struct run r;

	run(&r, fmt, arg, arg, arg, arg, arg, arg);
	ck_assert_msg(r.code == 0, "%s: exit %d: %s%s", fmt, r.code, r.out, r.err);
}

/* A test CA and a certificate for 127.0.0.1 signed by it, in base/. */
static void make_certificates(void)
{
	sh("cd %s && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=kobako-test-ca "
	   "-keyout ca.key -out ca.crt 2>&1 && "
	   "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key "
	   "-out server.csr 2>&1 && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
	   "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
	   "-extfile san.ext -out server.crt 2>&1 && "
	   "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=token-signer "
	   "-keyout token.key -out token.crt 2>&1",
	   base);
}

static void start_servers(void)
{
	char extra[2048], issuer[PATH_MAX], log[PATH_MAX];
	char port[16];

	strlcpy(base, "/tmp/kobako-pull-test-XXXXXX", sizeof(base));
	ck_assert_ptr_nonnull(mkdtemp(base));
	make_certificates();
	start_registry("plain", PLAIN_PORT, "");
	snprintf(extra, sizeof(extra),
		 "  tls:\n    certificate: %s/server.crt\n    key: %s/server.key\n", base, base);
	start_registry("tls", TLS_PORT, extra);
	snprintf(issuer, sizeof(issuer), "%s/tests/token_issuer.py", top());
	snprintf(log, sizeof(log), "%s/issuer.log", base);
	snprintf(port, sizeof(port), "%d", ISSUER_PORT);
	char key[PATH_MAX], crt[PATH_MAX];
	snprintf(key, sizeof(key), "%s/token.key", base);
	snprintf(crt, sizeof(crt), "%s/token.crt", base);
	spawn((char *[]){"/usr/bin/python3", issuer, port, key, crt, NULL}, log);
	wait_for_port(ISSUER_PORT);
	snprintf(extra, sizeof(extra),
		 "auth:\n  token:\n    realm: http://127.0.0.1:%d/token\n    service: kobako-test\n"
		 "    issuer: kobako-test-issuer\n    rootcertbundle: %s/token.crt\n",
		 ISSUER_PORT, base);
	start_registry("token", TOKEN_PORT, extra);
	snprintf(issuer, sizeof(issuer), "%s/tests/slow_proxy.py", top());
	snprintf(log, sizeof(log), "%s/slow.log", base);
	spawn((char *[]){"/usr/bin/python3", issuer, "5003", "5000", SLOW_RATE, NULL}, log);
	wait_for_port(SLOW_PORT);
}

static void stop_servers(void)
{
	for (size_t i = 0; i < n_servers; i++) {
		kill(servers[i], SIGTERM);
		waitpid(servers[i], NULL, 0);
	}
	n_servers = 0;
	remove_tree(AT_FDCWD, base);
}

/* ---- images ---- */

/* An OCI image of these layers (bottom first) for arch, added to l; returns
 * the manifest's descriptor with a platform. */
static json_object *add_image(struct layout *l, struct blob *layers, struct blob *plain, size_t n,
			      const char *type, const char *arch)
{
	char config[2048], manifest[4096], entry[256], *p;
	const char *digest;
	json_object *d;

	p = config + snprintf(config, sizeof(config),
			      "{\"architecture\":\"%s\",\"os\":\"linux\",\"config\":{\"Cmd\":["
			      "\"/bin/sh\"],\"Env\":[\"PATH=/bin\",\"FIXTURE=1\"]},\"rootfs\":{"
			      "\"type\":\"layers\",\"diff_ids\":[",
			      arch);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s\"%s\"", i ? "," : "", plain[i].digest);
	strcpy(p, "]}}");
	digest = layout_add_blob(l, config, strlen(config));
	p = manifest + snprintf(manifest, sizeof(manifest),
				"{\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST
				"\",\"config\":{\"mediaType\":\"" OCI_CONFIG
				"\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[",
				digest, strlen(config));
	for (size_t i = 0; i < n; i++) {
		snprintf(entry, sizeof(entry),
			 "%s{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}", i ? "," : "",
			 type, layout_add_blob(l, layers[i].data, layers[i].len), layers[i].len);
		p = stpcpy(p, entry);
	}
	strcpy(p, "]}");
	d = json_tokener_parse("{}");
	json_object_object_add(d, "mediaType", json_object_new_string(OCI_MANIFEST));
	json_object_object_add(
	    d, "digest", json_object_new_string(layout_add_blob(l, manifest, strlen(manifest))));
	json_object_object_add(d, "size", json_object_new_int64(strlen(manifest)));
	json_object *platform = json_tokener_parse("{\"os\":\"linux\"}");
	json_object_object_add(platform, "architecture", json_object_new_string(arch));
	json_object_object_add(d, "platform", platform);
	return d;
}

/* Write l (plus an index of these descriptors) to work/name and push it to
 * the registry at port as repo (skopeo: --all keeps an index an index). */
static void push(struct layout *l, json_object **descs, size_t n, const char *repo, int port,
		 const char *flags)
{
	json_object *index = json_tokener_parse("{\"schemaVersion\":2,\"mediaType\":"
						"\"application/vnd.oci.image.index.v1+json\"}"),
		    *list = json_object_new_array();
	char dir[PATH_MAX];
	struct run r;

	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, descs[i]);
	json_object_object_add(index, "manifests", list);
	const char *text = json_object_to_json_string(index);
	char top[512];
	if (n > 1) { /* skopeo's oci: wants one entry: the index, as a blob */
		const char *digest = layout_add_blob(l, text, strlen(text));
		snprintf(top, sizeof(top),
			 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/"
			 "vnd.oci.image.index.v1+json\",\"digest\":\"%s\",\"size\":%zu}]}",
			 digest, strlen(text));
		text = top;
	}
	layout_add(l, "index.json", text, strlen(text));
	layout_add(l, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	snprintf(dir, sizeof(dir), "%s/layout-%d-%s", work, port, repo);
	for (char *s = dir + strlen(work) + 1; *s; s++)
		*s = *s == '/' || *s == ':' ? '_' : *s;
	layout_write_dir(l, dir);
	json_object_put(index);
	run(&r, "skopeo copy -q %s --dest-tls-verify=false oci:%s docker://127.0.0.1:%d/%s 2>&1",
	    flags, dir, port, repo);
	ck_assert_msg(r.code == 0, "skopeo: %s", r.out);
}

/* The two-layer image (whiteouts, busybox) as one gzip, zstd or plain
 * manifest, pushed as repo; its layer digests into digests (may be NULL). */
static void push_two_layers(const char *repo, int port, int filter, const char *type,
			    char digests[2][DIGEST_LEN + 1])
{
	struct layout l = {0};
	struct blob z[2], plain[2];
	json_object *d;

	make_two_layers(&z[0], &z[1], filter);
	make_two_layers(&plain[0], &plain[1], ARCHIVE_FILTER_NONE);
	d = add_image(&l, z, plain, 2, type, "amd64");
	for (int i = 0; digests && i < 2; i++)
		strlcpy(digests[i], z[i].digest, DIGEST_LEN + 1);
	push(&l, &d, 1, repo, port, "");
	for (int i = 0; i < 2; i++)
		blob_free(&z[i]), blob_free(&plain[i]);
	layout_free(&l);
}

/* A gzip layer (and its plain tar, for the config's diff_ids) of files
 * empty files many/<i/1000>/<i> and one file, name, of bytes bytes:
 * random ones (noise) that no compressor shrinks, or zeros, which gzip
 * shrinks a thousandfold. */
static void make_layer(struct blob *gz, struct blob *plain, int files, const char *name,
		       size_t bytes, bool noise)
{
	struct blob *out[] = {gz, plain};
	char path[64];
	uint32_t x = 2463534242; /* xorshift32 */

	unsigned char *data = calloc(1, bytes);
	for (size_t i = 0; noise && i < bytes; i++)
		x ^= x << 13, x ^= x >> 17, x ^= x << 5, data[i] = x;
	for (int k = 0; k < 2; k++) {
		struct archive *a = archive_write_new();
		size_t size = files * 1024 + 2 * bytes + 65536, used = 0;
		out[k]->data = malloc(size);
		archive_write_set_format_pax_restricted(a);
		archive_write_add_filter(a, k ? ARCHIVE_FILTER_NONE : ARCHIVE_FILTER_GZIP);
		ck_assert_int_eq(archive_write_open_memory(a, out[k]->data, size, &used), 0);
		for (int i = -1; i < files; i++) {
			struct archive_entry *e = archive_entry_new();
			snprintf(path, sizeof(path), "many/%d/%d", i / 1000, i);
			archive_entry_set_pathname(e, i < 0 ? name : path);
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, i < 0 ? bytes : 0);
			ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
			if (i < 0)
				archive_write_data(a, data, bytes);
			archive_entry_free(e);
		}
		ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
		archive_write_free(a);
		out[k]->len = used;
		digest_data(out[k]->data, used, out[k]->digest);
	}
	free(data);
}

/* An image of this one layer, pushed as repo. */
static void push_layer_image(const char *repo, int files, const char *name, size_t bytes,
			     bool noise)
{
	struct blob gz, plain;
	struct layout l = {0};
	json_object *d;

	make_layer(&gz, &plain, files, name, bytes, noise);
	d = add_image(&l, &gz, &plain, 1, OCI_LAYER "+gzip", "amd64");
	push(&l, &d, 1, repo, PLAIN_PORT, "");
	blob_free(&gz), blob_free(&plain);
	layout_free(&l);
}

/* test/big:1: the two-layer image's lower layer (so one layer is shared
 * with test/two:v1), then the big layer. */
static void push_big_image(void)
{
	struct blob z[3], plain[3];
	struct layout l = {0};
	json_object *d;

	make_two_layers(&z[0], &z[2], ARCHIVE_FILTER_GZIP);
	make_two_layers(&plain[0], &plain[2], ARCHIVE_FILTER_NONE);
	blob_free(&z[2]), blob_free(&plain[2]);
	make_layer(&z[1], &plain[1], MANY_FILES, "noise", RANDOM_BYTES, true);
	d = add_image(&l, z, plain, 2, OCI_LAYER "+gzip", "amd64");
	push(&l, &d, 1, "test/big:1", PLAIN_PORT, "");
	for (int i = 0; i < 2; i++)
		blob_free(&z[i]), blob_free(&plain[i]);
	layout_free(&l);
}

/* test/overlap:1: the two-layer image's lower layer (busybox), a layer of
 * many files that downloads at once and takes a while to unpack, and one of
 * random bytes that takes half a minute through the slow line. The last
 * two's digests into digests. */
static void push_overlap_image(char digests[2][DIGEST_LEN + 1])
{
	struct blob z[3], plain[3];
	struct layout l = {0};
	json_object *d;

	make_two_layers(&z[0], &z[1], ARCHIVE_FILTER_GZIP);
	make_two_layers(&plain[0], &plain[1], ARCHIVE_FILTER_NONE);
	blob_free(&z[1]), blob_free(&plain[1]);
	make_layer(&z[1], &plain[1], MANY_FILES / 2, "small", 16, false);
	make_layer(&z[2], &plain[2], 0, "noise", 4 * RANDOM_BYTES, true);
	d = add_image(&l, z, plain, 3, OCI_LAYER "+gzip", "amd64");
	push(&l, &d, 1, "test/overlap:1", PLAIN_PORT, "");
	for (int i = 0; i < 3; i++) {
		if (i > 0)
			strlcpy(digests[i - 1], z[i].digest, DIGEST_LEN + 1);
		blob_free(&z[i]), blob_free(&plain[i]);
	}
	layout_free(&l);
}

/* Put len bytes into the plain registry as a blob of repo, through the
 * registry API itself (POST starts an upload, PUT sends its bytes): for
 * what skopeo would not push. Its digest goes to digest. */
static void put_blob(const char *repo, const void *data, size_t len, char digest[DIGEST_LEN + 1])
{
	char path[PATH_MAX];
	struct run r;

	snprintf(path, sizeof(path), "%s/blob", work);
	FILE *f = fopen(path, "w");
	fwrite(data, 1, len, f);
	fclose(f);
	digest_data(data, len, digest);
	run(&r,
	    "loc=$(curl -sf -D - -o /dev/null -X POST http://127.0.0.1:%d/v2/%s/blobs/uploads/ | "
	    "tr -d '\\r' | sed -n 's/^[Ll]ocation: //p') && "
	    "case $loc in /*) loc=http://127.0.0.1:%d$loc ;; esac && "
	    "curl -sSf -X PUT -H 'Content-Type: application/octet-stream' --data-binary @%s "
	    "\"$loc&digest=%s\" 2>&1",
	    PLAIN_PORT, repo, PLAIN_PORT, path, digest);
	ck_assert_msg(r.code == 0, "upload to %s: %s", repo, r.out);
}

/* PUT a manifest (or index) of media type as repo:tag; its digest to
 * digest. Returns its size. */
static size_t put_manifest(const char *repo, const char *tag, const char *type, const char *json,
			   char digest[DIGEST_LEN + 1])
{
	char path[PATH_MAX];
	struct run r;

	snprintf(path, sizeof(path), "%s/manifest", work);
	FILE *f = fopen(path, "w");
	fputs(json, f);
	fclose(f);
	digest_data(json, strlen(json), digest);
	run(&r,
	    "curl -sSf -X PUT -H 'Content-Type: %s' --data-binary @%s "
	    "http://127.0.0.1:%d/v2/%s/manifests/%s 2>&1",
	    type, path, PLAIN_PORT, repo, tag);
	ck_assert_msg(r.code == 0, "manifest %s:%s: %s", repo, tag, r.out);
	return strlen(json);
}

/* repo:tag, one layer and a config (JSON) of config_type. Returns the
 * manifest's size, its digest in digest. */
static size_t put_artifact(const char *repo, const char *tag, const char *config_type,
			   const char *config, const char *layer_type, char digest[DIGEST_LEN + 1])
{
	char config_digest[DIGEST_LEN + 1], manifest[2048];
	struct blob layer;

	make_tar(&layer, ARCHIVE_FILTER_GZIP, false,
		 (const struct tar_entry[]){{'f', "file", "data\n"}, {0}});
	put_blob(repo, layer.data, layer.len, layer.digest);
	put_blob(repo, config, strlen(config), config_digest);
	snprintf(manifest, sizeof(manifest),
		 "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST "\",\"config\":{"
		 "\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu},\"layers\":[{"
		 "\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}]}",
		 config_type, config_digest, strlen(config), layer_type, layer.digest, layer.len);
	blob_free(&layer);
	return put_manifest(repo, tag, OCI_MANIFEST, manifest, digest);
}

/* ---- checks ---- */

/* Everything in the store at root, as names (layers, images, tmp, pulls). */
static char *listing(const char *root)
{
	struct run r;

	run(&r, "cd %s && find . | sort", root);
	return strdup(r.out);
}

/* Exit 125, one line on stderr containing message. */
static void assert_one_line(const struct run *r, const char *message)
{
	ck_assert_msg(r->code == 125, "exit %d, stderr: %s", r->code, r->err);
	ck_assert_contains(r->err, message);
	ck_assert_msg(strchr(r->err, '\n') == r->err + strlen(r->err) - 1, "not one line: %s",
		      r->err);
}

/* A pull into root that must fail with message and leave it as it was. */
static void assert_pull_fails_in(const char *root, const char *args, const char *message)
{
	char *before = listing(root), *after;
	struct run r;

	run(&r, BIN " image pull --root %s %s", root, args);
	assert_one_line(&r, message);
	after = listing(root);
	ck_assert_str_eq(before, after);
	free(before), free(after);
}

static void assert_pull_fails(const char *args, const char *message)
{
	assert_pull_fails_in(store, args, message);
}

/* act on the running pull b (Ctrl-C, a full disk): its last
 * line says message, it exits 125, and the store at root is as `before`
 * (a listing, freed here). */
static void assert_stopped(struct bg *b, const char *root, char *before, void (*act)(pid_t),
			   const char *message)
{
	char said[4096] = "", *after;

	act(b->pid);
	while (next_line(b)[0])
		strlcpy(said, b->line, sizeof(said));
	ck_assert_int_eq(stop_bg(b), 125);
	ck_assert_contains(said, message);
	after = listing(root);
	ck_assert_msg(strcmp(before, after) == 0, "the store changed: now\n%.1000s", after);
	free(before), free(after);
}

/* Pull args into root in the background, do act(pid) once a line with when
 * shows, and check: it fails, exit 125, with the last line (stderr, after
 * its progress) containing message; and root is as it was (no image, no
 * layer, no download or import directory). */
static void assert_pull_stopped(const char *root, const char *args, const char *when,
				void (*act)(pid_t), const char *message)
{
	char *before = listing(root);
	struct bg b;

	start_bg(&b, BIN " image pull --root %s %s 2>&1", root, args);
	while (next_line(&b)[0] && !strstr(b.line, when))
		;
	ck_assert_msg(strstr(b.line, when), "the pull ended before \"%s\"", when);
	assert_stopped(&b, root, before, act, message);
}

#define INTERRUPTED ": interrupted by SIGINT; nothing was stored\n" /* its last line */

static void interrupt(pid_t pid)
{
	ck_assert_int_eq(kill(pid, SIGINT), 0);
}

/* Ctrl-C: the pull says so in one line. */
static void assert_interrupted(const char *args, const char *when)
{
	assert_pull_stopped(store, args, when, interrupt, INTERRUPTED);
}

/* How many layer blob GETs the registry named has logged. */
static int blob_gets(const char *name)
{
	struct run r;

	run(&r, "grep -c 'GET /v2/[^ ]*/blobs/sha256:' %s/%s.log || true", base, name);
	return atoi(r.out);
}

/* ---- tests ---- */

START_TEST(pull_and_run)
{
	char path[PATH_MAX];
	struct stat before, after;
	struct run r;
	int gets;

	push_two_layers("test/two:v1", PLAIN_PORT, ARCHIVE_FILTER_GZIP, OCI_LAYER "+gzip", NULL);
	run(&r, BIN " image pull --root %s 127.0.0.1:%d/test/two:v1", store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s%s", r.out, r.err);
	ck_assert_contains(r.out, "v1: Pulling from 127.0.0.1:5000/test/two\n");
	ck_assert_contains(r.out, ": Download complete");
	ck_assert_contains(r.out, "Status: Downloaded newer image for 127.0.0.1:5000/test/two:v1 "
				  "as two:v1\n");
	ck_assert_str_eq(r.err, "");
	run(&r, BIN " image ls --root %s", store);
	ck_assert_contains(r.out, "\ntwo ");
	ck_assert_contains(r.out, " v1 ");
	/* whiteouts: deleteme gone, data/ opaque; the upper os-release wins */
	run(&r,
	    BIN " run --root %s --net none two:v1 /bin/sh -c 'cat /etc/os-release; ls /data "
		"/etc'",
	    store);
	ck_assert_msg(r.code == 0, "%s", r.err);
	ck_assert_contains(r.out, "fixture upper");
	ck_assert_msg(!strstr(r.out, "deleteme") && !strstr(r.out, "\na\n"), "%s", r.out);
	/* again, as two:v1: the store has this image under this name, so
	 * nothing is fetched but the manifest, nothing is written */
	snprintf(path, sizeof(path), "%s/images/two:v1.json", store);
	ck_assert_int_eq(stat(path, &before), 0);
	gets = blob_gets("plain");
	run(&r, BIN " image pull --root %s 127.0.0.1:%d/test/two:v1", store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	ck_assert_msg(!strstr(r.out, "Already exists"), "%s", r.out);
	ck_assert_contains(r.out, "Status: Image is up to date");
	ck_assert_int_eq(blob_gets("plain"), gets);
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert(before.st_ino == after.st_ino && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
	/* as another name: every layer is in the store, none is fetched; the
	 * name is new, so docker says it downloaded (not "up to date") */
	run(&r, BIN " image pull --root %s 127.0.0.1:%d/test/two:v1 again", store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	ck_assert_contains(r.out, ": Already exists");
	ck_assert_contains(r.out, "Status: Downloaded newer image for 127.0.0.1:5000/test/two:v1 "
				  "as again\n");
	ck_assert_int_eq(blob_gets("plain"), gets + 1); /* the config only */
	run(&r, BIN " image pull --root %s 127.0.0.1:%d/test/two:v1 again", store, PLAIN_PORT);
	ck_assert_contains(r.out, "Status: Image is up to date for 127.0.0.1:5000/test/two:v1 "
				  "as again\n");
	run(&r, BIN " run --root %s --net none again /bin/cat /etc/os-release", store);
	ck_assert_contains(r.out, "fixture upper");
	run(&r, "ls %s/pulls", store);
	ck_assert_str_eq(r.out, ""); /* no download directory left */
}
END_TEST

START_TEST(zstd_and_plain_layers)
{
	struct run r;

	push_two_layers("test/zstd", PLAIN_PORT, ARCHIVE_FILTER_ZSTD, OCI_LAYER "+zstd", NULL);
	push_two_layers("test/plain", PLAIN_PORT, ARCHIVE_FILTER_NONE, OCI_LAYER, NULL);
	for (int i = 0; i < 2; i++) {
		const char *repo = i ? "test/plain" : "test/zstd";
		run(&r, BIN " image pull -q --root %s 127.0.0.1:%d/%s img%d", store, PLAIN_PORT,
		    repo, i);
		ck_assert_msg(r.code == 0, "%s", r.err);
		ck_assert_str_eq(r.out, "");
		run(&r, BIN " run --root %s --net none img%d /bin/cat /etc/os-release", store, i);
		ck_assert_contains(r.out, "fixture upper");
	}
}
END_TEST

/* A manifest that lists one blob twice (BuildKit's empty layer): one
 * download, and the image is whole. */
START_TEST(duplicate_layers)
{
	struct blob z[3], plain[3];
	struct layout l = {0};
	json_object *d;
	struct run r;
	int gets;

	make_two_layers(&z[0], &z[1], ARCHIVE_FILTER_GZIP);
	make_two_layers(&plain[0], &plain[1], ARCHIVE_FILTER_NONE);
	z[2] = z[1], plain[2] = plain[1];
	d = add_image(&l, z, plain, 3, OCI_LAYER "+gzip", "amd64");
	push(&l, &d, 1, "test/dup:1", PLAIN_PORT, "");
	for (int i = 0; i < 2; i++)
		blob_free(&z[i]), blob_free(&plain[i]);
	layout_free(&l);
	gets = blob_gets("plain");
	run(&r, BIN " image pull --root %s 127.0.0.1:%d/test/dup:1", store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s%s", r.out, r.err);
	ck_assert_int_eq(blob_gets("plain"), gets + 3); /* the config and two layers */
	run(&r, BIN " image inspect --root %s dup:1 | grep -c '\"Digest\"'", store);
	ck_assert_str_eq(r.out, "3\n");
	run(&r, "ls %s/layers/sha256 | wc -l; ls %s/pulls 2>&1 | wc -l", store, store);
	ck_assert_str_eq(r.out, "2\n1\n");
}
END_TEST

/* An index whose arm64 image has another layer: a wrong pick shows. */
START_TEST(platform_choice)
{
	const struct tar_entry amd[] = {{'d', "etc", NULL}, {'f', "arch", "amd64\n"}, {0}},
			       arm[] = {{'f', "arch", "arm64\n"}, {0}};
	struct blob layers[2], plain[2];
	json_object *d[2];
	struct layout l = {0};
	struct run r;
	char path[PATH_MAX];

	make_tar(&layers[0], ARCHIVE_FILTER_GZIP, true, amd);
	make_tar(&layers[1], ARCHIVE_FILTER_GZIP, false, arm);
	make_tar(&plain[0], ARCHIVE_FILTER_NONE, true, amd);
	make_tar(&plain[1], ARCHIVE_FILTER_NONE, false, arm);
	d[0] = add_image(&l, &layers[0], &plain[0], 1, OCI_LAYER "+gzip", "amd64");
	d[1] = add_image(&l, &layers[1], &plain[1], 1, OCI_LAYER "+gzip", "arm64");
	push(&l, d, 2, "test/multi:1", PLAIN_PORT, "--all");
	run(&r, BIN " image pull -q --root %s 127.0.0.1:%d/test/multi:1", store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	run(&r, BIN " run --root %s --net none multi:1 /bin/cat /arch", store);
	ck_assert_msg(r.code == 0, "%s", r.err);
	ck_assert_str_eq(r.out, "amd64\n");
	run(&r, BIN " image pull -q --root %s --platform linux/arm64 127.0.0.1:%d/test/multi:1 arm",
	    store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	snprintf(path, sizeof(path), "%s/images/arm:latest.json", store);
	char *json = slurp(path);
	ck_assert_msg(json != NULL, "no %s", path);
	ck_assert_contains(json, layers[1].digest);
	free(json);
	assert_pull_fails("--platform linux/s390x 127.0.0.1:5000/test/multi:1",
			  "no image for linux/s390x (the index has: linux/amd64, linux/arm64)");
	for (int i = 0; i < 2; i++)
		blob_free(&layers[i]), blob_free(&plain[i]);
	layout_free(&l);
}
END_TEST

START_TEST(digest_pinning)
{
	struct run r;
	char digest[DIGEST_LEN + 1];

	push_two_layers("test/pin:1", PLAIN_PORT, ARCHIVE_FILTER_GZIP, OCI_LAYER "+gzip", NULL);
	run(&r,
	    "skopeo inspect --raw --tls-verify=false docker://127.0.0.1:%d/test/pin:1 | "
	    "sha256sum | cut -c1-64",
	    PLAIN_PORT);
	snprintf(digest, sizeof(digest), "sha256:%.64s", r.out);
	run(&r, BIN " image pull --root %s 127.0.0.1:%d/test/pin@%s pinned", store, PLAIN_PORT,
	    digest);
	ck_assert_msg(r.code == 0, "%s", r.err);
	ck_assert_contains(r.out, digest);
	/* without a name: pin@<digest>, as docker has it (REPOSITORY pin, TAG
	 * <none>), not pin:latest; run and rm find it by that name */
	run(&r, BIN " image pull -q --root %s 127.0.0.1:%d/test/pin@%s", store, PLAIN_PORT, digest);
	ck_assert_msg(r.code == 0, "%s", r.err);
	run(&r, BIN " image ls --root %s | grep '^pin '", store);
	ck_assert_msg(r.code == 0 && strstr(r.out, " <none> "), "%s", r.out);
	run(&r, BIN " run --root %s --net none pin@%s /bin/cat /etc/os-release", store, digest);
	ck_assert_msg(r.code == 0, "%s", r.err);
	ck_assert_contains(r.out, "fixture upper");
	run(&r, BIN " run --root %s --net none pin /bin/true", store);
	ck_assert_contains(r.err, "pin"); /* pin:latest is another image: none here */
	ck_assert_int_ne(r.code, 0);
	run(&r, BIN " image inspect --root %s pin@%s", store, digest);
	ck_assert_contains(r.out, "\"RepoDigests\": [\n      \"pin@sha256:");
	run(&r, BIN " image rm --root %s pin@%s && " BIN " image ls --root %s | grep -c '^pin '",
	    store, digest, store);
	ck_assert_str_eq(r.out, "0\n");
	assert_pull_fails("127.0.0.1:5000/test/pin@sha256:"
			  "0000000000000000000000000000000000000000000000000000000000000000",
			  "MANIFEST_UNKNOWN");
}
END_TEST

START_TEST(registry_errors)
{
	assert_pull_fails("127.0.0.1:5000/test/nothing-here", "manifest latest: ");
	assert_pull_fails("127.0.0.1:5000/test/nothing-here", "UNKNOWN");
	assert_pull_fails("127.0.0.1:5999/x", "Couldn't connect to server");
	assert_pull_fails("no-such-host.invalid/x", "Could not resolve host");
	assert_pull_fails("Bad/Name", "bad repository name");
	assert_pull_fails("--platform linux 127.0.0.1:5000/x", "use os/arch");
}
END_TEST

/* A blob that the registry serves damaged or short fails its check. */
START_TEST(damaged_blobs)
{
	char digests[2][DIGEST_LEN + 1], path[PATH_MAX], root[PATH_MAX + 8];
	struct run r;

	push_two_layers("test/bad:1", PLAIN_PORT, ARCHIVE_FILTER_GZIP, OCI_LAYER "+gzip", digests);
	snprintf(path, sizeof(path), "%s/plain-data/docker/registry/v2/blobs/sha256/%.2s/%s/data",
		 base, digests[1] + 7, digests[1] + 7);
	flip_byte(path, 20);
	assert_pull_fails("127.0.0.1:5000/test/bad:1", "digest mismatch");
	/* into a store that was not there: it is not there after */
	snprintf(root, sizeof(root), "%s/new", store);
	run(&r, BIN " image pull --root %s 127.0.0.1:%d/test/bad:1", root, PLAIN_PORT);
	assert_one_line(&r, "digest mismatch");
	ck_assert_int_eq(access(root, F_OK), -1);
	run(&r, "truncate -s 10 %s", path);
	assert_pull_fails("127.0.0.1:5000/test/bad:1", "truncated download (10 of ");
}
END_TEST

START_TEST(tls_with_test_ca)
{
	char ca[PATH_MAX];
	struct run r;

	snprintf(ca, sizeof(ca), "%s/ca.crt", base);
	push_two_layers("test/tls:1", TLS_PORT, ARCHIVE_FILTER_GZIP, OCI_LAYER "+gzip", NULL);
	assert_pull_fails("127.0.0.1:5443/test/tls:1", "certificate");
	run(&r, BIN " image pull -q --root %s --ca-file %s 127.0.0.1:%d/test/tls:1", store, ca,
	    TLS_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	run(&r, "SSL_CERT_FILE=%s " BIN " image pull -q --root %s 127.0.0.1:%d/test/tls:1 tls2", ca,
	    store, TLS_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	run(&r, BIN " image pull -q --root %s --insecure 127.0.0.1:%d/test/tls:1 tls3", store,
	    TLS_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
}
END_TEST

/* Ctrl-C stops a pull, as it stops docker pull: while a blob arrives, and
 * while the layers are unpacked, until the image is named. */
START_TEST(sigint_leaves_nothing)
{
	struct run r;

	push_two_layers("test/two:v1", PLAIN_PORT, ARCHIVE_FILTER_GZIP, OCI_LAYER "+gzip", NULL);
	run(&r, BIN " image pull -q --root %s 127.0.0.1:%d/test/two:v1", store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	push_big_image();
	assert_interrupted("127.0.0.1:5003/test/big:1", ": Downloading");
	assert_interrupted("127.0.0.1:5000/test/big:1", ": Extracting");
	/* uninterrupted, it is a good image: the interrupted pulls failed for
	 * no other reason */
	run(&r, BIN " image pull -q --root %s 127.0.0.1:%d/test/big:1", store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	run(&r, BIN " run --root %s --net none big:1 /bin/ls /many/9", store);
	ck_assert_msg(r.code == 0, "%s", r.err);
	ck_assert_contains(r.out, "9999\n");
}
END_TEST

/* Start pulling test/overlap:1 through the slow line, and read its output
 * until the lower layer's line says when (it unpacks, or is stored) while
 * the upper one still downloads. */
static void pull_overlap_until(struct bg *b, char digests[2][DIGEST_LEN + 1], const char *when)
{
	char lower[64], upper[64];

	snprintf(lower, sizeof(lower), "%.12s: %s", digests[0] + 7, when);
	snprintf(upper, sizeof(upper), "%.12s: Download complete", digests[1] + 7);
	start_bg(b, BIN " image pull --root %s 127.0.0.1:%d/test/overlap:1 2>&1", store, SLOW_PORT);
	while (next_line(b)[0] && !strstr(b->line, lower))
		ck_assert_msg(!strstr(b->line, upper), "the upper layer was here before: %s",
			      b->line);
	ck_assert_msg(strstr(b->line, lower), "the pull ended before \"%s\"", lower);
}

/* Ctrl-C the pull: it says so, exits 125, and the store is as `before`. */
static void interrupt_pull(struct bg *b, char *before)
{
	assert_stopped(b, store, before, interrupt, INTERRUPTED);
}

/* Once the lower layer's line says when, while the upper one still
 * downloads, Ctrl-C: the store is as it was. */
static void interrupt_overlap(char digests[2][DIGEST_LEN + 1], const char *when)
{
	char *before = listing(store);
	struct bg b;

	pull_overlap_until(&b, digests, when);
	interrupt_pull(&b, before);
}

/* A layer is unpacked as soon as it is downloaded, while the others still
 * download (as dockerd does); Ctrl-C or a failure then leaves nothing: not
 * the layer being unpacked, nor the one already stored. */
START_TEST(extraction_overlaps_downloads)
{
	char digests[2][DIGEST_LEN + 1], path[PATH_MAX];
	struct run r;

	push_two_layers("test/two:v1", PLAIN_PORT, ARCHIVE_FILTER_GZIP, OCI_LAYER "+gzip", NULL);
	run(&r, BIN " image pull -q --root %s 127.0.0.1:%d/test/two:v1", store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	push_overlap_image(digests);
	interrupt_overlap(digests, "Extracting");
	interrupt_overlap(digests, "Pull complete");
	/* the upper layer arrives damaged (at full speed: while the lower one
	 * unpacks, mostly) */
	snprintf(path, sizeof(path), "%s/plain-data/docker/registry/v2/blobs/sha256/%.2s/%s/data",
		 base, digests[1] + 7, digests[1] + 7);
	flip_byte(path, 20);
	assert_pull_fails("127.0.0.1:5000/test/overlap:1", "digest mismatch");
	flip_byte(path, 20);
	/* and whole, it is a good image: each line in its order */
	run(&r, BIN " image pull --root %s 127.0.0.1:%d/test/overlap:1", store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	for (int i = 0; i < 2; i++) {
		const char *states[] = {"Waiting", "Download complete", "Extracting",
					"Pull complete"};
		char line[64];
		const char *at = r.out;
		for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
			snprintf(line, sizeof(line), "%.12s: %s", digests[i] + 7, states[s]);
			at = strstr(at, line);
			ck_assert_msg(at, "no \"%s\" (in this order) in:\n%s", line, r.out);
		}
	}
	ck_assert_contains(r.out, "Status: Downloaded newer image");
	run(&r, BIN " run --root %s --net none overlap:1 /bin/ls /many/4", store);
	ck_assert_contains(r.out, "4999\n");
}
END_TEST

/* Two pulls of one image at once into one store: both import at once (they
 * share the store's lock), and may unpack the same layer at the same time;
 * both images are whole, each layer is stored once (one rename wins, the
 * other copy goes), nothing is left over. */
START_TEST(concurrent_pulls)
{
	char digests[2][DIGEST_LEN + 1];
	struct bg a, b;
	struct run r;

	push_overlap_image(digests);
	start_bg(&a, BIN " image pull -q --root %s 127.0.0.1:%d/test/overlap:1 one 2>&1", store,
		 PLAIN_PORT);
	start_bg(&b, BIN " image pull -q --root %s 127.0.0.1:%d/test/overlap:1 two 2>&1", store,
		 PLAIN_PORT);
	while (next_line(&a)[0] || next_line(&b)[0])
		ck_abort_msg("said: %s", a.line[0] ? a.line : b.line);
	ck_assert_int_eq(stop_bg(&a), 0);
	ck_assert_int_eq(stop_bg(&b), 0);
	for (int i = 0; i < 2; i++) {
		run(&r, BIN " run --root %s --net none %s /bin/ls /many/4", store,
		    i ? "two" : "one");
		ck_assert_contains(r.out, "4999\n");
	}
	run(&r, "ls %s/layers/sha256 | wc -l; ls %s/tmp %s/pulls 2>&1 | wc -l", store, store,
	    store);
	ck_assert_str_eq(r.out, "3\n2\n"); /* "No such file" twice */
}
END_TEST

/* A pull that starts while another has stored a layer but not yet named
 * its image downloads that layer too: the other may still give up (here:
 * Ctrl-C), and the layer go with it. Once unpacked, it finds that layer
 * stored and uses it: so the one that gives up must keep it (an image names
 * it now), and waits for this one to be done before it deletes anything. */
START_TEST(pull_while_another_stores_a_layer)
{
	char digests[2][DIGEST_LEN + 1], stored[64], mine[64];
	struct bg a, b;
	struct run r;

	push_overlap_image(digests);
	snprintf(stored, sizeof(stored), "%.12s: Pull complete", digests[0] + 7);
	start_bg(&a, BIN " image pull --root %s 127.0.0.1:%d/test/overlap:1 2>&1", store,
		 SLOW_PORT);
	while (next_line(&a)[0] && !strstr(a.line, stored))
		;
	ck_assert_msg(strstr(a.line, stored), "the pull ended before \"%s\"", stored);
	start_bg(&b, BIN " image pull --root %s 127.0.0.1:%d/test/overlap:1 b 2>&1", store,
		 PLAIN_PORT);
	snprintf(mine, sizeof(mine), "%.12s: ", digests[0] + 7);
	while (next_line(&b)[0] && !strstr(b.line, mine))
		;
	ck_assert_contains(b.line, ": Waiting"); /* not "Already exists" */
	strlcat(mine, "Pull complete", sizeof(mine)); /* (its copy went: the same bytes) */
	while (next_line(&b)[0] && !strstr(b.line, mine))
		;
	ck_assert_msg(strstr(b.line, mine), "no \"%s\"", mine);
	ck_assert_int_eq(kill(a.pid, SIGINT), 0);
	ck_assert_int_eq(stop_bg(&a), 125);
	ck_assert_int_eq(stop_bg(&b), 0);
	run(&r, BIN " run --root %s --net none b /bin/ls /many/4", store);
	ck_assert_contains(r.out, "4999\n");
	run(&r, "ls %s/layers/sha256 | wc -l; ls %s/tmp %s/pulls 2>&1 | wc -l", store, store,
	    store);
	ck_assert_str_eq(r.out, "3\n2\n"); /* b's three; "No such file" twice */
}
END_TEST

/* Is the background command still running? (Not reaped: stop_bg does.) */
static bool still_running(const struct bg *b)
{
	siginfo_t info = {0};

	ck_assert_int_eq(waitid(P_PID, b->pid, &info, WEXITED | WNOHANG | WNOWAIT), 0);
	return info.si_pid == 0;
}

/* A store being pulled into stays usable (issue #15): while a pull has
 * stored a layer and still downloads the next (through the slow line),
 * `run` of an image already there and `image ls` are done before the pull
 * is; Ctrl-C then leaves the store as it was. */
START_TEST(run_while_pulling)
{
	char digests[2][DIGEST_LEN + 1], *before;
	struct bg b;
	struct run r;

	push_two_layers("test/two:v1", PLAIN_PORT, ARCHIVE_FILTER_GZIP, OCI_LAYER "+gzip", NULL);
	run(&r, BIN " image pull -q --root %s 127.0.0.1:%d/test/two:v1", store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	push_overlap_image(digests);
	before = listing(store);
	pull_overlap_until(&b, digests, "Pull complete");
	run(&r, BIN " run --root %s --net none two:v1 /bin/cat /etc/os-release", store);
	ck_assert_msg(r.code == 0, "%s", r.err);
	ck_assert_contains(r.out, "fixture upper");
	run(&r, BIN " image ls --root %s", store);
	ck_assert_contains(r.out, "\ntwo ");
	ck_assert_msg(still_running(&b), "run waited for the pull to end");
	interrupt_pull(&b, before);
}
END_TEST

/* On a terminal the lines are drawn again in place, and the last drawing
 * has every layer's last state. */
START_TEST(progress_on_a_terminal)
{
	char digests[2][DIGEST_LEN + 1], line[64];
	struct run r;

	push_overlap_image(digests);
	run(&r, "script -qec '" BIN " image pull --root %s 127.0.0.1:%d/test/overlap:1' /dev/null",
	    store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s%s", r.out, r.err);
	const char *last = strstr(r.out, "\033[3A"), *next;
	ck_assert_msg(last, "not drawn again in place:\n%s", r.out);
	while ((next = strstr(last + 1, "\033[3A")))
		last = next;
	for (int i = 0; i < 2; i++) {
		snprintf(line, sizeof(line), "\033[2K%.12s: Pull complete\r\n", digests[i] + 7);
		ck_assert_msg(strstr(last, line), "no \"%s\" last in:\n%s", line + 4, r.out);
	}
	ck_assert_contains(r.out, ": Extracting\r\n");
	ck_assert_contains(last, "Status: Downloaded newer image for ");
}
END_TEST

/* What is not a Linux container image is refused, saying what it is. */
START_TEST(unsupported_media_types)
{
	char digest[DIGEST_LEN + 1], index[1024];
	struct run r;
	size_t size;

	push_two_layers("test/two:v1", PLAIN_PORT, ARCHIVE_FILTER_GZIP, OCI_LAYER "+gzip", NULL);
	run(&r, BIN " image pull -q --root %s 127.0.0.1:%d/test/two:v1", store, PLAIN_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	/* a Helm chart, as `helm push` stores it: an OCI artifact */
	put_artifact("test/chart", "0.1.0", "application/vnd.cncf.helm.config.v1+json",
		     "{\"name\":\"chart\",\"version\":\"0.1.0\",\"apiVersion\":\"v2\"}",
		     "application/vnd.cncf.helm.chart.content.v1.tar+gzip", digest);
	assert_pull_fails("127.0.0.1:5000/test/chart:0.1.0",
			  "pull 127.0.0.1:5000/test/chart:0.1.0: a Helm chart "
			  "(application/vnd.cncf.helm.config.v1+json), not a container image");
	/* a Windows image: its config says so */
	size = put_artifact("test/win", "1", OCI_CONFIG,
			    "{\"architecture\":\"amd64\",\"os\":\"windows\",\"rootfs\":{\"type\":"
			    "\"layers\",\"diff_ids\":[]}}",
			    OCI_LAYER "+gzip", digest);
	assert_pull_fails("127.0.0.1:5000/test/win:1",
			  "pull 127.0.0.1:5000/test/win:1: a Windows image, not a Linux one");
	/* and an index that has only Windows images */
	snprintf(index, sizeof(index),
		 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
		 "\"manifests\":[{\"mediaType\":\"" OCI_MANIFEST "\",\"digest\":\"%s\","
		 "\"size\":%zu,\"platform\":{\"os\":\"windows\",\"architecture\":\"amd64\"}}]}",
		 digest, size);
	put_manifest("test/win", "multi", "application/vnd.oci.image.index.v1+json", index, digest);
	assert_pull_fails("127.0.0.1:5000/test/win:multi", "test/win:multi: a Windows image: no "
							   "image for linux/");
	assert_pull_fails("--platform windows/amd64 127.0.0.1:5000/test/win:multi",
			  "a Windows image, not a Linux one");
}
END_TEST

/* Ctrl-C while a registry keeps silent: the pull ends (in a second), it
 * does not wait a minute for the registry to give up. */
START_TEST(sigint_while_registry_silent)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(SILENT_PORT),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), conn;
	char said[1024] = "";
	struct bg b;

	ck_assert_int_eq(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(listener, 4), 0);
	start_bg(&b, BIN " image pull --root %s 127.0.0.1:%d/x 2>&1", store, SILENT_PORT);
	conn = accept(listener, NULL, NULL); /* the pull is connected, and waits */
	ck_assert_int_ge(conn, 0);
	ck_assert_int_eq(kill(b.pid, SIGINT), 0);
	while (next_line(&b)[0])
		strlcat(said, b.line, sizeof(said));
	ck_assert_int_eq(stop_bg(&b), 125);
	ck_assert_str_eq(said, "container: pull 127.0.0.1:5004/x:latest: interrupted by SIGINT; "
			       "nothing was stored\n");
	close(conn), close(listener);
}
END_TEST

static char small[PATH_MAX]; /* a small tmpfs: a disk that fills up */

/* Fill the small disk up (what another program might do meanwhile). */
static void fill_disk(pid_t pid)
{
	struct run r;

	(void)pid;
	run(&r, "head -c 64M /dev/zero > %s/ballast", small);
	ck_assert_int_ne(r.code, 0); /* "No space left on device" */
}

/* A disk that is too small, or fills up: one line, nothing left. */
START_TEST(disk_full)
{
	char root[PATH_MAX + 8];
	struct run r;

	push_layer_image("test/noise:1", 0, "noise", 2 << 20, true); /* 2 MiB, 2 MiB gzip'ed */
	push_layer_image("test/zeros:1", 0, "zeros", 8 << 20, false); /* 8 MiB, 8 KiB gzip'ed */
	snprintf(small, sizeof(small), "%s/small", work);
	snprintf(root, sizeof(root), "%s/store", small);
	ck_assert_int_eq(mkdir(small, 0700), 0);
	ck_assert_int_eq(mount("kobako-test", small, "tmpfs", 0, "size=4m,mode=0700"), 0);
	/* a store with an image in it (a tiny one: the disk is small) */
	run(&r,
	    "mkdir %s/tiny && echo x > %s/tiny/x && tar -C %s/tiny -cf %s/tiny.tar . && " BIN
	    " image import --root %s %s/tiny.tar tiny",
	    work, work, work, work, root, work);
	ck_assert_msg(r.code == 0, "%s", r.err);
	/* the disk fills up while the layer arrives (slowly, through the proxy) */
	assert_pull_stopped(root, "127.0.0.1:5003/test/noise:1", ": Downloading", fill_disk,
			    ": No space left on device\n");
	/* the disk has less room than the manifest says the layers need */
	run(&r, "rm %s/ballast && head -c 3M /dev/zero > %s/ballast", small, small);
	assert_pull_fails_in(root, "127.0.0.1:5000/test/noise:1",
			     "pull 127.0.0.1:5000/test/noise:1: the layers to download are ");
	/* a layer fits, but not unpacked */
	run(&r, "rm %s/ballast", small);
	assert_pull_fails_in(root, "127.0.0.1:5000/test/zeros:1",
			     "entry 'zeros': the files need 8388608 bytes, the store's "
			     "filesystem has ");
	/* and with room, it pulls */
	ck_assert_int_eq(umount2(small, MNT_DETACH), 0);
	run(&r,
	    BIN " image pull -q --root %s/store2 127.0.0.1:%d/test/zeros:1 && " BIN
		" image ls --root %s/store2 | grep '^zeros '",
	    work, PLAIN_PORT, work);
	ck_assert_msg(r.code == 0, "%s", r.err);
}
END_TEST

START_TEST(bearer_tokens)
{
	char log[PATH_MAX];
	struct run r;

	/* skopeo pushes with the issuer's token too (it grants everything) */
	push_two_layers("test/tok:1", TOKEN_PORT, ARCHIVE_FILTER_GZIP, OCI_LAYER "+gzip", NULL);
	run(&r, BIN " image pull --root %s 127.0.0.1:%d/test/tok:1", store, TOKEN_PORT);
	ck_assert_msg(r.code == 0, "%s", r.err);
	snprintf(log, sizeof(log), "%s/issuer.log", base);
	char *text = slurp(log);
	ck_assert_contains(text, "scope=repository%3Atest%2Ftok%3Apull");
	free(text);
	/* the issuer refuses this repository: the registry's 401 stays */
	push_two_layers("test/tok:1", PLAIN_PORT, ARCHIVE_FILTER_GZIP, OCI_LAYER "+gzip", NULL);
	assert_pull_fails("127.0.0.1:5001/forbidden/x", "UNAUTHORIZED");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pull");
	TCase *tc = tcase_create("pull");

	if (access(REGISTRY_BIN, X_OK) < 0 || access("/usr/bin/skopeo", X_OK) < 0) {
		printf("test_pull: SKIPPED: needs docker-registry and skopeo (make deps)\n");
		return 0;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_unchecked_fixture(tc, make_store_base, remove_store_base);
	tcase_add_unchecked_fixture(tc, start_servers, stop_servers);
	tcase_add_checked_fixture(tc, fresh_store, NULL);
	tcase_add_test(tc, pull_and_run);
	tcase_add_test(tc, zstd_and_plain_layers);
	tcase_add_test(tc, platform_choice);
	tcase_add_test(tc, duplicate_layers);
	tcase_add_test(tc, digest_pinning);
	tcase_add_test(tc, registry_errors);
	tcase_add_test(tc, damaged_blobs);
	tcase_add_test(tc, tls_with_test_ca);
	tcase_add_test(tc, bearer_tokens);
	tcase_add_test(tc, sigint_leaves_nothing);
	tcase_add_test(tc, extraction_overlaps_downloads);
	tcase_add_test(tc, concurrent_pulls);
	tcase_add_test(tc, pull_while_another_stores_a_layer);
	tcase_add_test(tc, run_while_pulling);
	tcase_add_test(tc, progress_on_a_terminal);
	tcase_add_test(tc, unsupported_media_types);
	tcase_add_test(tc, disk_full);
	tcase_add_test(tc, sigint_while_registry_silent);
	suite_add_tcase(s, tc);
	return run_integration_suite(s);
}
