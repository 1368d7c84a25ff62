/* test_wasm_as.c: the AssemblyScript example and `glint new --lang
 * assemblyscript`, deployed to the real glintd and invoked over HTTP. The
 * compiler comes from npm at the versions pinned in the example's
 * package-lock.json, installed into the build tree by assemblyscript.sh
 * (skipped when npm is missing: a failure when everything must run). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>

#include "../check_run.h"
#include "tests/e2e/harness.h"
#include "tests/kvm_required.h"

static struct glintd_proc g;

static void suite_up(void)
{
	int rc = harness_start(&g, NULL);

	if (rc != 0) {
		harness_dump_log(&g);
		ck_abort_msg("glintd did not become ready: %d", rc);
	}
}

static void suite_down(void)
{
	harness_cleanup(&g);
}

static void deploy_ok(const char *name, const char *path)
{
	struct http_resp r;

	ck_assert_int_eq(harness_deploy(&g, name, path, "", &r), 0);
	if (r.status != 201)
		harness_dump_log(&g);
	ck_assert_msg(r.status == 201, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
}

static void expect(const char *name, const char *in, long status,
		   const char *ctype, const char *body)
{
	struct http_resp r;
	char path[128], *ct;

	snprintf(path, sizeof(path), "/invoke/%s", name);
	ck_assert_int_eq(harness_request(&g, "POST", path, in, strlen(in), &r),
			 0);
	ck_assert_msg(r.status == status, "%s: %ld %s", name, r.status, r.body);
	ct = http_resp_header(&r, "Content-Type");
	ck_assert_ptr_nonnull(ct);
	ck_assert_str_eq(ct, ctype);
	ck_assert_str_eq(r.body, body);
	free(ct);
	http_resp_free(&r);
}

START_TEST(assemblyscript_example)
{
	deploy_ok("hello-as",
		  harness_built("tests/wasm/assemblyscript/hello.wasm"));
	expect("hello-as", "Ada", 200, "text/plain; charset=utf-8",
	       "Hello, Ada! (POST, 3 bytes)\n");
	expect("hello-as", " Zoë \n", 200, "text/plain; charset=utf-8",
	       "Hello, Zoë! (POST, 7 bytes)\n");
	expect("hello-as", "", 400, "text/plain", "no name\n");
}
END_TEST

START_TEST(glint_new_assemblyscript_builds_and_deploys)
{
	char cmd[4096], proj[400], wasm[512], as[1024], glint[1024];

	/* harness_built's buffer is reused by every call. */
	snprintf(as, sizeof(as), "%s",
		 harness_built("tests/wasm/assemblyscript"));
	snprintf(glint, sizeof(glint), "%s", harness_built("glint"));
	snprintf(proj, sizeof(proj), "%s/scaffold-as", g.dir);
	/* The compiler the example was built with, not a second install:
	 * its node_modules stands in for the one `make` would install. */
	snprintf(cmd, sizeof(cmd),
		 "'%s' new --lang assemblyscript scaffold-as '%s' >/dev/null "
		 "&& ln -s '%s/node_modules' '%s/node_modules' && "
		 "env -u MAKEFLAGS -u MFLAGS make -s -C '%s' >/dev/null",
		 glint, proj, as, proj, proj);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
	snprintf(wasm, sizeof(wasm), "%s/scaffold-as.wasm", proj);
	deploy_ok("scaffold-as", wasm);
	expect("scaffold-as", "hello", 200, "text/plain",
	       "Hello from scaffold-as: 5 bytes\n");
}
END_TEST

int main(void)
{
	const char *src = getenv("GLINT_SRCDIR");
	char cmd[2048];
	int rc;
	Suite *s = suite_create("wasm_as");
	TCase *tc = tcase_create("e2e");

	kvm_required();
	setenv("GLINT_WASM_SDK_DIR", harness_built("guest/wasi/sdk"), 1);
	if (src == NULL)
		src = "..";
	snprintf(cmd, sizeof(cmd),
		 "sh '%s/tests/wasm/assemblyscript.sh' '%s' '%s'", src, src,
		 harness_built("."));
	rc = system(cmd);
	rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
	if (rc == 77) {
		fprintf(stderr, "SKIP: npm is missing\n");
		return getenv("GLINT_REQUIRE_ALL") &&
				       strcmp(getenv("GLINT_REQUIRE_ALL"),
					      "1") == 0
			       ? 1
			       : 77;
	}
	if (rc != 0) {
		fprintf(stderr, "installing or running the AssemblyScript "
				"compiler failed\n");
		return 1;
	}
	tcase_add_unchecked_fixture(tc, suite_up, suite_down);
	/* Compiles take minutes on a loaded machine: a generous cap. */
	tcase_set_timeout(tc, 3600);
	tcase_add_test(tc, assemblyscript_example);
	tcase_add_test(tc, glint_new_assemblyscript_builds_and_deploys);
	suite_add_tcase(s, tc);
	return check_run(s);
}
