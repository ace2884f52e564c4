/* test_reference.c - step06_rootfs/reference.c and the network-free parts of
 * registry.c: image references as Docker reads them, choosing a platform
 * from an index, the Accept header, WWW-Authenticate challenges. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "step06_rootfs/reference.h"
#include "step06_rootfs/registry.h"
#include "tests/harness.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check_ref(const char *text, const char *registry, const char *repo, const char *tag,
		      const char *digest)
{
	struct reference r;

	ck_assert_msg(reference_parse(text, &r) == 0, "%s did not parse", text);
	ck_assert_str_eq(r.registry, registry);
	ck_assert_str_eq(r.repository, repo);
	ck_assert_str_eq(r.tag, tag);
	ck_assert_str_eq(r.digest, digest);
}

START_TEST(docker_hub_shorthands)
{
	check_ref("ubuntu", "docker.io", "library/ubuntu", "latest", "");
	check_ref("ubuntu:24.04", "docker.io", "library/ubuntu", "24.04", "");
	check_ref("fedora/httpd", "docker.io", "fedora/httpd", "latest", "");
	check_ref("docker.io/busybox", "docker.io", "library/busybox", "latest", "");
	check_ref("index.docker.io/library/busybox:1", "docker.io", "library/busybox", "1", "");
}
END_TEST

START_TEST(registries_ports_digests)
{
	struct reference r;

	check_ref("quay.io/fedora/fedora:40", "quay.io", "fedora/fedora", "40", "");
	check_ref("localhost:5000/x", "localhost:5000", "x", "latest", "");
	check_ref("localhost/x:1", "localhost", "x", "1", "");
	check_ref("127.0.0.1:5000/a/b/c:v1.2-rc_3", "127.0.0.1:5000", "a/b/c", "v1.2-rc_3", "");
	check_ref("busybox@sha256:" HEX, "docker.io", "library/busybox", "", "sha256:" HEX);
	check_ref("busybox:1@sha256:" HEX, "docker.io", "library/busybox", "1", "sha256:" HEX);
	ck_assert_int_eq(reference_parse("localhost:5000/x", &r), 0);
	ck_assert_str_eq(reference_api_host(&r), "localhost:5000");
	ck_assert_int_eq(reference_parse("ubuntu", &r), 0);
	ck_assert_str_eq(reference_api_host(&r), "registry-1.docker.io");
}
END_TEST

START_TEST(bad_references)
{
	const char *bad[] = {
	    "",		  "Ubuntu",	 "ubuntu:",	 "ubuntu:-x", "a//b",
	    "a/",	  "x@sha256:12", ("x@md5:" HEX), "a..b",      "localhost:5000/",
	    "ubuntu:a/b", "_x",		 "x:.tag"};
	struct reference r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(reference_parse(bad[i], &r) < 0, "'%s' parsed", bad[i]);
}
END_TEST

START_TEST(local_names)
{
	const char *cases[][2] = {{"ubuntu", "ubuntu"},
				  {"ubuntu:24.04", "ubuntu:24.04"},
				  {"quay.io/fedora/fedora:40", "fedora:40"},
				  {"localhost:5000/x", "x"},
				  {"x@sha256:" HEX, "x@sha256:" HEX},
				  {"quay.io/a/x:1@sha256:" HEX, "x@sha256:" HEX}};
	struct reference r;
	char name[128], text[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(reference_parse(cases[i][0], &r), 0);
		reference_local_name(cases[i][0], &r, name, sizeof(name));
		ck_assert_str_eq(name, cases[i][1]);
	}
	ck_assert_int_eq(reference_parse("localhost:5000/a/b:t", &r), 0);
	reference_format(&r, text, sizeof(text));
	ck_assert_str_eq(text, "localhost:5000/a/b:t");
}
END_TEST

START_TEST(plain_http_only_locally)
{
	ck_assert(registry_is_local("localhost"));
	ck_assert(registry_is_local("localhost:5000"));
	ck_assert(registry_is_local("127.0.0.1:5000"));
	ck_assert(registry_is_local("127.1.2.3"));
	ck_assert(registry_is_local("[::1]:5000"));
	ck_assert(!registry_is_local("localhost.example.com"));
	ck_assert(!registry_is_local("quay.io"));
	ck_assert(!registry_is_local("docker.io"));
	ck_assert(!registry_is_local("10.0.0.1:5000"));
}
END_TEST

START_TEST(platforms)
{
	struct platform p;
	char text[64];

	ck_assert_int_eq(platform_parse("linux/arm64/v8", &p), 0);
	ck_assert_str_eq(p.os, "linux");
	ck_assert_str_eq(p.architecture, "arm64");
	ck_assert_str_eq(p.variant, "v8");
	ck_assert_int_eq(platform_parse("linux/amd64", &p), 0);
	ck_assert_str_eq(p.variant, "");
	ck_assert_int_lt(platform_parse("linux", &p), 0);
	ck_assert_int_lt(platform_parse("linux/", &p), 0);
	ck_assert_int_lt(platform_parse("linux/arm/v7/x", &p), 0);
	platform_host(&p);
	platform_format(&p, text, sizeof(text));
#ifdef __x86_64__
	ck_assert_str_eq(text, "linux/amd64");
#endif
}
END_TEST

static const char *INDEX =
    "{\"manifests\": ["
    "{\"digest\": \"sha256:1\", \"platform\": {\"os\": \"linux\", \"architecture\": \"amd64\"}},"
    "{\"digest\": \"sha256:2\", \"platform\": {\"os\": \"linux\", \"architecture\": \"arm\","
    " \"variant\": \"v7\"}},"
    "{\"digest\": \"sha256:3\", \"platform\": {\"os\": \"linux\", \"architecture\": \"arm64\"}},"
    "{\"digest\": \"sha256:4\", \"platform\": {\"os\": \"unknown\", \"architecture\": "
    "\"unknown\"}},"
    "{\"digest\": \"sha256:5\", \"platform\": {\"os\": \"windows\", \"architecture\": "
    "\"amd64\"}}]}";

/* The digest index_choose picks for "os/arch[/variant]", or NULL. */
static const char *choose(json_object *index, const char *platform)
{
	struct platform p;
	json_object *d, *v;

	ck_assert_int_eq(platform_parse(platform, &p), 0);
	d = index_choose(index, &p, "test");
	return d && json_object_object_get_ex(d, "digest", &v) ? json_object_get_string(v) : NULL;
}

START_TEST(index_selection)
{
	json_object *index = json_tokener_parse(INDEX);

	ck_assert_str_eq(choose(index, "linux/amd64"), "sha256:1");
	ck_assert_str_eq(choose(index, "linux/arm/v7"), "sha256:2");
	ck_assert_str_eq(choose(index, "linux/arm64"), "sha256:3");
	ck_assert_str_eq(choose(index, "linux/arm64/v8"), "sha256:3"); /* no variant is v8 */
	ck_assert_str_eq(choose(index, "windows/amd64"), "sha256:5");
	ck_assert_ptr_null(choose(index, "linux/arm/v6"));
	ck_assert_ptr_null(choose(index, "linux/s390x"));
	json_object_put(index);
}
END_TEST

START_TEST(no_platform_message)
{
	json_object *index = json_tokener_parse(INDEX);
	struct platform p;
	char err[512] = "";
	int saved = dup(2), fd = memfd_create("err", 0);

	platform_parse("linux/s390x", &p);
	dup2(fd, 2);
	ck_assert_ptr_null(index_choose(index, &p, "reg/x:1"));
	dup2(saved, 2);
	ck_assert_int_gt(pread(fd, err, sizeof(err) - 1, 0), 0);
	close(fd);
	close(saved);
	ck_assert_contains(err, "reg/x:1: no image for linux/s390x (the index has: linux/amd64, "
				"linux/arm/v7, linux/arm64, windows/amd64)");
	json_object_put(index);
}
END_TEST

START_TEST(accept_header)
{
	const char *types[] = {"application/vnd.oci.image.index.v1+json",
			       "application/vnd.docker.distribution.manifest.list.v2+json",
			       "application/vnd.oci.image.manifest.v1+json",
			       "application/vnd.docker.distribution.manifest.v2+json"};

	ck_assert(strncmp(MANIFEST_ACCEPT, "Accept: ", 8) == 0);
	for (size_t i = 0; i < 4; i++)
		ck_assert_contains(MANIFEST_ACCEPT, types[i]);
	ck_assert(!strstr(MANIFEST_ACCEPT, "manifest.v1+prettyjws")); /* no schema 1 */
}
END_TEST

START_TEST(www_authenticate)
{
	struct challenge c;

	ck_assert_int_eq(challenge_parse("Bearer realm=\"https://auth.docker.io/token\","
					 "service=\"registry.docker.io\","
					 "scope=\"repository:library/ubuntu:pull\"",
					 &c),
			 0);
	ck_assert_str_eq(c.scheme, "Bearer");
	ck_assert_str_eq(c.realm, "https://auth.docker.io/token");
	ck_assert_str_eq(c.service, "registry.docker.io");
	ck_assert_str_eq(c.scope, "repository:library/ubuntu:pull");
	ck_assert_int_eq(challenge_parse("bearer realm=\"http://127.0.0.1:1/t\", "
					 "service=\"a \\\"b\\\"\", error=\"invalid_token\"",
					 &c),
			 0);
	ck_assert_str_eq(c.realm, "http://127.0.0.1:1/t");
	ck_assert_str_eq(c.service, "a \"b\"");
	ck_assert_str_eq(c.scope, "");
	ck_assert_int_eq(challenge_parse("Basic realm=\"basic-realm\"", &c), 0);
	ck_assert_str_eq(c.scheme, "Basic");
	ck_assert_int_eq(challenge_parse("Basic realm=x", &c), 0);
	ck_assert_str_eq(c.realm, "x");
	ck_assert_int_lt(challenge_parse("Bearer service=\"x\"", &c), 0); /* no realm */
	ck_assert_int_lt(challenge_parse("Negotiate", &c), 0);
	ck_assert_int_lt(challenge_parse("Bearer realm=\"unterminated", &c), 0);
	ck_assert_int_lt(challenge_parse("", &c), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reference");
	TCase *tc = tcase_create("reference");

	tcase_add_test(tc, docker_hub_shorthands);
	tcase_add_test(tc, registries_ports_digests);
	tcase_add_test(tc, bad_references);
	tcase_add_test(tc, local_names);
	tcase_add_test(tc, plain_http_only_locally);
	tcase_add_test(tc, platforms);
	tcase_add_test(tc, index_selection);
	tcase_add_test(tc, no_platform_message);
	tcase_add_test(tc, accept_header);
	tcase_add_test(tc, www_authenticate);
	suite_add_tcase(s, tc);
	return run_unit_suite(s);
}
