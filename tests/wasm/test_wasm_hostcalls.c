/* test_wasm_hostcalls.c: a WASI module built with glint_wasm.h calls KV
 * and outbound HTTP through the "glint" import module in a real glintd:
 * a counter, a key the operator set, paging, fetches from an origin this
 * test serves on 127.0.0.1 with and without allow_fetch, and a pointer
 * outside linear memory. */
#include "config.h"

#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

#include "../check_run.h"
#include "tests/e2e/harness.h"
#include "tests/kvm_required.h"

static struct glintd_proc g;

static void deploy_as(const char *name, const char *query, struct http_resp *r)
{
	ck_assert_int_eq(
		harness_deploy(&g, name,
			       harness_built("tests/wasm/hostcalls.wasm"),
			       query, r),
		0);
}

static void deploy_ok(const char *name, const char *query)
{
	struct http_resp r;

	ck_assert_int_eq(
		harness_deploy(&g, name,
			       harness_built("tests/wasm/hostcalls.wasm"),
			       query, &r),
		0);
	if (r.status != 201)
		harness_dump_log(&g);
	ck_assert_msg(r.status == 201, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
}

static void call(const char *fn, const char *in, struct http_resp *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/invoke/%s", fn);
	ck_assert_int_eq(harness_request(&g, "POST", path, in, strlen(in), r),
			 0);
}

/* The call answers 200 text/plain with exactly want. */
static void expect(const char *fn, const char *in, const char *want)
{
	struct http_resp r;

	call(fn, in, &r);
	ck_assert_msg(r.status == 200, "%s %s: %ld %s", fn, in, r.status,
		      r.body);
	ck_assert_uint_eq(r.len, strlen(want));
	ck_assert_str_eq(r.body, want);
	http_resp_free(&r);
}

static void suite_up(void)
{
	int rc = harness_start(&g, NULL);

	if (rc != 0) {
		harness_dump_log(&g);
		ck_abort_msg("glintd did not become ready: %d", rc);
	}
	deploy_ok("hc", "");
}

static void suite_down(void)
{
	harness_cleanup(&g);
}

START_TEST(counter_and_a_key_the_operator_set)
{
	struct http_resp r;

	expect("hc", "incr", "1\n");
	expect("hc", "incr", "2\n");
	expect("hc", "get greeting", "error -6\n");
	ck_assert_int_eq(harness_request(&g, "PUT", "/functions/hc/kv/greeting",
					 "hi from ops", 11, &r),
			 0);
	ck_assert_msg(r.status == 204, "kv put: %ld %s", r.status, r.body);
	http_resp_free(&r);
	expect("hc", "get greeting", "hi from ops\n");
	/* The counter the module keeps is what the operator reads. */
	ck_assert_int_eq(harness_request(&g, "GET", "/functions/hc/kv/counter",
					 NULL, 0, &r),
			 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "2");
	http_resp_free(&r);
}
END_TEST

START_TEST(set_list_cas_delete)
{
	expect("hc", "kv",
	       "set 0\nset 0\nkey p/a\nkey p/b\ncas absent -7\ncas wrong -7\n"
	       "cas 0\n3\ndelete 0\ndelete -6\nerror -6\nget small -3\n");
}
END_TEST

static enum MHD_Result on_origin(void *cls, struct MHD_Connection *c,
				 const char *url, const char *method,
				 const char *version, const char *upload,
				 size_t *upload_len, void **state)
{
	static const char body[] = "hello from the origin\n";
	const char *test =
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Test");
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)cls, (void)version, (void)upload, (void)upload_len, (void)state;
	/* The module's request headers must have arrived as it wrote them. */
	if (strcmp(url, "/hello") != 0 || strcmp(method, "GET") != 0 ||
	    test == NULL || strcmp(test, "yes") != 0)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
					       MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(resp, "X-Origin", "test-server");
	ret = MHD_queue_response(c, 201, resp);
	MHD_destroy_response(resp);
	return ret;
}

START_TEST(fetch_with_and_without_the_allow_list)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct MHD_Daemon *origin = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_origin, NULL,
		MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
	const union MHD_DaemonInfo *info =
		origin ? MHD_get_daemon_info(origin, MHD_DAEMON_INFO_BIND_PORT)
		       : NULL;
	char query[160], in[128];

	ck_assert_ptr_nonnull(info);
	snprintf(query, sizeof(query),
		 "allow_fetch=http%%3A%%2F%%2F127.0.0.1%%3A%u%%2F", info->port);
	snprintf(in, sizeof(in), "fetch http://127.0.0.1:%u/hello", info->port);
	deploy_ok("hc-fetch", query);
	expect("hc-fetch", in,
	       "status 201\nX-Origin: test-server\nhello from the origin\n");
	/* The module without the allow-list: GLINT_E_DENIED, and the
	 * function keeps serving. */
	expect("hc", in, "error -5\n");
	expect("hc", "get nothing", "error -6\n");
	MHD_stop_daemon(origin);
}
END_TEST

START_TEST(pointer_outside_linear_memory_is_a_named_trap)
{
	static const char want[] =
		"wasm trap: out of bounds memory access: glint.kv_get key "
		"[4294967280, +64) is outside linear memory (";
	struct http_resp r;
	json_t *j;
	const char *code = NULL, *msg = NULL;

	call("hc", "oob", &r);
	ck_assert_msg(r.status == 500, "%ld %s", r.status, r.body);
	j = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_unpack(j, "{s:{s:s,s:s}}", "error", "code", &code,
				     "message", &msg),
			 0);
	ck_assert_str_eq(code, "function_error");
	ck_assert_msg(strncmp(msg, want, sizeof(want) - 1) == 0, "%s", msg);
	ck_assert_str_eq(msg + strlen(msg) - 7, " bytes)");
	json_decref(j);
	http_resp_free(&r);
	/* The VM is restored and the daemon keeps serving. */
	expect("hc", "get nothing", "error -6\n");
}
END_TEST

START_TEST(host_call_during_start_up_fails_the_deploy)
{
	struct http_resp r;
	json_t *j;
	const char *code = NULL, *msg = NULL;

	deploy_as("hc-early", "", &r);
	ck_assert_msg(r.status == 422, "%ld %s", r.status, r.body);
	j = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_unpack(j, "{s:{s:s,s:s}}", "error", "code", &code,
				     "message", &msg),
			 0);
	ck_assert_str_eq(code, "init_failed");
	ck_assert_str_eq(msg, "init failed: glint.kv_incr: host calls work "
			      "only during a call, after the module's first "
			      "read of standard input");
	json_decref(j);
	http_resp_free(&r);
	expect("hc", "get nothing", "error -6\n");
}
END_TEST

/* The code and message of the deploy's error answer. */
static void expect_deploy_error(struct http_resp *r, const char *want_code,
				const char *want_msg)
{
	json_t *j;
	const char *code = NULL, *msg = NULL;

	ck_assert_msg(r->status == 422, "%ld %s", r->status, r->body);
	j = json_loads(r->body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_unpack(j, "{s:{s:s,s:s}}", "error", "code", &code,
				     "message", &msg),
			 0);
	ck_assert_str_eq(code, want_code);
	ck_assert_str_eq(msg, want_msg);
	json_decref(j);
	http_resp_free(r);
}

START_TEST(import_with_another_signature_is_refused)
{
	struct http_resp r;

	ck_assert_int_eq(harness_deploy(&g, "badsig",
					harness_built("tests/wasm/badsig.wasm"),
					"", &r),
			 0);
	expect_deploy_error(&r, "unsupported_imports",
			    "the module imports 1 item(s) glint does not "
			    "provide: glint.kv_get (signature differs from "
			    "glint_wasm.h)");
	/* A stub cannot stand in for it either: its name is glint's. */
	ck_assert_int_eq(harness_deploy(&g, "badsig",
					harness_built("tests/wasm/badsig.wasm"),
					"wasi_stub_unknown=1", &r),
			 0);
	expect_deploy_error(&r, "unsupported_imports",
			    "the module imports 1 item(s) glint does not "
			    "provide and no stub can stand in for (a memory, "
			    "table or global, or a glint call of another "
			    "signature): glint.kv_get (signature differs "
			    "from glint_wasm.h)");
}
END_TEST

static Suite *hostcalls_suite(void)
{
	Suite *s = suite_create("wasm-hostcalls");
	TCase *tc = tcase_create("hostcalls");

	tcase_set_timeout(tc, 3600);
	tcase_add_unchecked_fixture(tc, suite_up, suite_down);
	tcase_add_test(tc, counter_and_a_key_the_operator_set);
	tcase_add_test(tc, set_list_cas_delete);
	tcase_add_test(tc, fetch_with_and_without_the_allow_list);
	tcase_add_test(tc, pointer_outside_linear_memory_is_a_named_trap);
	tcase_add_test(tc, host_call_during_start_up_fails_the_deploy);
	tcase_add_test(tc, import_with_another_signature_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	kvm_required();
	setenv("GLINT_WASM_SDK_DIR", harness_built("guest/wasi/sdk"), 1);
	return check_run(hostcalls_suite());
}
