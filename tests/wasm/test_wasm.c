/* test_wasm.c: WASI modules deployed to the real glintd and invoked over
 * HTTP: the C and Rust examples, traps, CGI responses, refused modules,
 * the compile cache across a restart. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <jansson.h>

#include "../check_run.h"
#include "tests/e2e/harness.h"
#include "tests/kvm_required.h"

static struct glintd_proc g;

static void deploy_bytes(const char *name, const void *wasm, size_t len,
			 const char *query, struct http_resp *r)
{
	char path[256];

	snprintf(path, sizeof(path), "/functions/%s%s%s", name,
		 *query ? "?" : "", query);
	ck_assert_int_eq(harness_request(&g, "PUT", path, wasm, len, r), 0);
}

static void deploy_file(const char *name, const char *rel, const char *query,
			struct http_resp *r)
{
	ck_assert_int_eq(harness_deploy(&g, name, harness_built(rel), query, r),
			 0);
}

static void deploy_ok(const char *name, const char *rel, const char *query)
{
	struct http_resp r;

	deploy_file(name, rel, query, &r);
	if (r.status != 201)
		harness_dump_log(&g);
	ck_assert_msg(r.status == 201, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
}

static void invoke(const char *name, const char *in, size_t len,
		   struct http_resp *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/invoke/%s", name);
	ck_assert_int_eq(harness_request(&g, "POST", path, in, len, r), 0);
}

/* The call answers status with exactly this content type and body; when
 * hname is set, also a header hname: hvalue. */
static void expect_answer(const char *name, const char *in, long status,
			  const char *ctype, const char *body,
			  const char *hname, const char *hvalue)
{
	struct http_resp r;
	char *ct, *h;

	invoke(name, in, strlen(in), &r);
	ck_assert_msg(r.status == status, "%s: %ld %s", name, r.status, r.body);
	ct = http_resp_header(&r, "Content-Type");
	ck_assert_ptr_nonnull(ct);
	ck_assert_str_eq(ct, ctype);
	ck_assert_uint_eq(r.len, strlen(body));
	ck_assert_str_eq(r.body, body);
	free(ct);
	if (hname) {
		h = http_resp_header(&r, hname);
		ck_assert_msg(h != NULL, "no %s header", hname);
		ck_assert_str_eq(h, hvalue);
		free(h);
	}
	http_resp_free(&r);
}

static void expect_ok(const char *name, const char *in, const char *ctype,
		      const char *body)
{
	expect_answer(name, in, 200, ctype, body, NULL, NULL);
}

static void assert_error(const struct http_resp *r, long status,
			 const char *code, const char *message)
{
	json_t *j = json_loads(r->body, 0, NULL);
	const char *c = NULL, *m = NULL;

	ck_assert_msg(r->status == status, "status %ld, want %ld; body %s",
		      r->status, status, r->body);
	ck_assert_msg(j != NULL, "error body is not JSON: %s", r->body);
	ck_assert_int_eq(json_unpack(j, "{s:{s:s,s:s}}", "error", "code", &c,
				     "message", &m),
			 0);
	ck_assert_str_eq(c, code);
	ck_assert_str_eq(m, message);
	json_decref(j);
}

static void expect_error(const char *name, const char *in, long status,
			 const char *code, const char *message)
{
	struct http_resp r;

	invoke(name, in, strlen(in), &r);
	assert_error(&r, status, code, message);
	http_resp_free(&r);
}

static void expect_deploy_error(const char *name, const char *rel, long status,
				const char *code, const char *message);

/* Compiles take seconds: every module the tests call is deployed once. */
static void suite_up(void)
{
	int rc = harness_start(&g, NULL);

	if (rc != 0) {
		harness_dump_log(&g);
		ck_abort_msg("glintd did not become ready: %d", rc);
	}
	deploy_ok("stats", "guest/examples/wasm/stats.wasm", "");
	deploy_ok("greet", "guest/examples/wasm/greet.wasm", "");
	deploy_ok("traps", "tests/wasm/traps.wasm", "timeout_ms=60000");
	/* The same module, for the endless loop: a short deadline. */
	deploy_ok("spin", "tests/wasm/traps.wasm", "timeout_ms=200");
	deploy_ok("echo", "tests/wasm/echo.wasm", "");
	deploy_ok("exit", "tests/wasm/exit.wasm", "");
	deploy_ok("cgienv", "tests/wasm/cgienv.wasm", "");
}

static void suite_down(void)
{
	harness_cleanup(&g);
}

/* ---- the examples ---------------------------------------------------- */

START_TEST(c_example_stdio_and_math)
{
	expect_ok("stats", "1 2 3 4", "text/plain; charset=utf-8",
		  "method=POST n=4 mean=2.500 sd=1.118 7^2=49\n");
	expect_ok("stats", "10 20", "text/plain; charset=utf-8",
		  "method=POST n=2 mean=15.000 sd=5.000 7^2=49\n");
	/* No numbers: the program answers "Status: 400" and a message. */
	expect_answer("stats", "", 400, "text/plain", "no numbers\n", NULL,
		      NULL);
}
END_TEST

START_TEST(rust_example_sees_each_calls_environment)
{
	/* Rust's std copies the environment before main, i.e. at deploy
	 * time: CONTENT_LENGTH must still be this call's. */
	expect_ok("greet", "Ada", "text/plain",
		  "Hello, Ada! (3 bytes, 3 chars)\n");
	expect_ok("greet", "Grace Hopper\n", "text/plain",
		  "Hello, Grace Hopper! (13 bytes, 12 chars)\n");
	expect_ok("greet", "Zoë", "text/plain",
		  "Hello, Zoë! (4 bytes, 3 chars)\n");
}
END_TEST

START_TEST(stderr_lines_go_to_the_log)
{
	struct http_resp r;
	size_t len = 0;
	char *log;

	invoke("stats", "5 6 7", 5, &r);
	ck_assert_int_eq(r.status, 200);
	http_resp_free(&r);
	/* Log lines are written as the call ends: poll with a generous cap. */
	for (int i = 0; i < 3000; i++) {
		log = harness_read_file(g.log_path, &len);
		if (log && strstr(log, "function=stats guest: stats over 3 "
				       "numbers"))
			break;
		free(log);
		log = NULL;
		usleep(10000);
	}
	ck_assert_msg(log != NULL, "the stderr line never reached the log");
	free(log);
}
END_TEST

/* ---- traps ------------------------------------------------------------ */

START_TEST(every_trap_is_named_and_the_vm_restored)
{
	static const char *const traps[][2] = {
		{"1", "wasm trap: unreachable executed"},
		{"2", "wasm trap: out of bounds memory access"},
		{"3", "wasm trap: integer divide by zero"},
		{"4", "wasm trap: invalid conversion to integer"},
		{"5", "wasm trap: call stack exhausted"},
		{"6", "wasm trap: indirect call type mismatch"},
		{"7", "wasm trap: integer overflow"},
	};

	for (size_t i = 0; i < sizeof(traps) / sizeof(traps[0]); i++) {
		expect_error("traps", traps[i][0], 500, "function_error",
			     traps[i][1]);
		/* The next call runs from the snapshot as if nothing had
		 * happened. */
		expect_ok("traps", "0", "application/octet-stream", "ok");
	}
}
END_TEST

START_TEST(memory_grow_past_the_maximum_fails_as_the_spec_says)
{
	expect_ok("traps", "8", "application/octet-stream", "grow=-1");
}
END_TEST

START_TEST(endless_loop_meets_the_deadline)
{
	expect_error("spin", "9", 504, "deadline_exceeded",
		     "deadline of 200 ms exceeded");
	expect_ok("spin", "0", "application/octet-stream", "ok");
}
END_TEST

START_TEST(proc_exit_status_ends_the_call)
{
	expect_ok("exit", "0", "application/octet-stream", "bye");
	expect_error("exit", "3", 500, "function_error", "exit status 3");
}
END_TEST

START_TEST(trap_during_start_up_fails_the_deploy)
{
	expect_deploy_error("starttrap", "tests/wasm/starttrap.wasm", 422,
			    "init_failed",
			    "init failed: wasm trap: integer divide by zero");
}
END_TEST

/* ---- CGI responses (echo.wasm writes its stdin to stdout) --------------- */

START_TEST(cgi_headers_and_body)
{
	expect_ok("echo", "Content-Type: text/html\r\n\r\n<p>hi</p>",
		  "text/html", "<p>hi</p>");
	expect_answer("echo", "Content-Type: text/plain\nX-Other: yes\n\nbody",
		      200, "text/plain", "body", "X-Other", "yes");
	expect_answer("echo", "Status: 201 Created\nContent-Type: a/b\n\n", 201,
		      "a/b", "", NULL, NULL);
	/* Leading blanks of a value are not part of it; CRLF line ends. */
	expect_answer("echo",
		      "Content-Type: a/b\r\nX-Spaced:   \t v w\r\n\r\nx", 200,
		      "a/b", "x", "X-Spaced", "v w");
}
END_TEST

START_TEST(cgi_without_header_block_is_octet_stream)
{
	expect_ok("echo", "plain text, no header", "application/octet-stream",
		  "plain text, no header");
	expect_ok("echo", "\nstarts blank", "application/octet-stream",
		  "\nstarts blank");
	/* A header that never ends is no header block either. */
	expect_ok("echo", "Content-Type: text/plain",
		  "application/octet-stream", "Content-Type: text/plain");
}
END_TEST

START_TEST(cgi_status_and_redirect)
{
	expect_answer("echo",
		      "Status: 404 Not Found\nContent-Type: text/plain\n\nnope",
		      404, "text/plain", "nope", NULL, NULL);
	/* Location without Status is a redirect (RFC 3875 6.2.3). */
	expect_answer("echo",
		      "Location: http://example.org/\nContent-Type: a/b\n\n",
		      302, "a/b", "", "Location", "http://example.org/");
	expect_answer(
		"echo",
		"Status: 307\nLocation: /elsewhere\nContent-Type: a/b\n\n", 307,
		"a/b", "", "Location", "/elsewhere");
	expect_error("echo", "Status: 2000\n\n", 500, "function_error",
		     "invalid CGI Status '2000'");
	expect_error("echo", "Status: 101\n\n", 500, "function_error",
		     "invalid CGI Status '101'");
}
END_TEST

START_TEST(cgi_header_injection_is_refused)
{
	/* The same validation and errors as a native function's headers. */
	expect_error("echo", "Content-Type: text/plain\rSet-Cookie: a=b\n\n",
		     502, "guest_protocol_error",
		     "response header \"Content-Type\": value contains CR, "
		     "LF, NUL or another control character");
	expect_error("echo", "Content-Type: text/plain\nX-A: 1\r2\n\n", 502,
		     "guest_protocol_error",
		     "response header \"X-A\": value contains CR, LF, NUL or "
		     "another control character");
	expect_error("echo", "Content-Type: text/plain\nBad Name: x\n\n", 502,
		     "guest_protocol_error",
		     "response header 1: name \"Bad Name\" is not a valid "
		     "token");
	expect_error("echo", "Content-Type: text/plain\nConnection: close\n\n",
		     502, "guest_protocol_error",
		     "response header \"Connection\" is set by glintd and may "
		     "not be set by a function");
	expect_error("echo",
		     "Content-Type: text/plain\nTransfer-Encoding: x\n\n", 502,
		     "guest_protocol_error",
		     "response header \"Transfer-Encoding\" is set by glintd "
		     "and may not be set by a function");
	/* A CR inside Status cannot be a status at all. */
	expect_error("echo", "Status: 200\rX-Evil: 1\n\nbody", 500,
		     "function_error", "invalid CGI Status '200?X-Evil: 1'");
	expect_error("echo", "Content-Type: text/plain\nno colon here\n\n", 500,
		     "function_error",
		     "invalid CGI header line: 'no colon here'");
	/* A NUL byte cannot travel in a header. */
	{
		static const char nul[] = "Content-Type: a/b\nX-A: 1\0002\n\n";
		struct http_resp r;

		invoke("echo", nul, sizeof(nul) - 1, &r);
		assert_error(&r, 500, "function_error",
			     "invalid CGI header line: it contains a NUL byte");
		http_resp_free(&r);
	}
	/* The function goes on serving. */
	expect_ok("echo", "Content-Type: x/y\n\nfine", "x/y", "fine");
}
END_TEST

/* Sends req as it is on a new connection (it asks for Connection: close)
 * and returns everything that came back; malloc'd. */
static char *raw_exchange(const char *req)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	size_t cap = 1 << 16, n = 0, len = strlen(req);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char *all = malloc(cap + 1);
	ssize_t k;

	sa.sin_port = htons(g.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	for (size_t off = 0; off < len; off += (size_t)k) {
		k = write(fd, req + off, len - off);
		ck_assert_int_gt(k, 0);
	}
	while ((k = read(fd, all + n, cap - n)) > 0)
		if ((n += (size_t)k) == cap)
			all = realloc(all, (cap *= 2) + 1);
	close(fd);
	all[n] = '\0';
	return all;
}

START_TEST(wagi_variables_come_from_the_request)
{
	static const char req[] =
		"POST /invoke/cgienv/a%20b/c?x=1&y=%20 HTTP/1.1\r\n"
		"Host: example.test:8443\r\n"
		"Content-Type: text/plain\r\n"
		"X-Multi: one\r\n"
		"Cookie: a=1\r\n"
		"x-multi: two\r\n"
		"Cookie: b=2\r\n"
		"Content-Length: 5\r\n"
		"Connection: close\r\n\r\nhello";
	static const char want[] =
		"body=hello\n"
		"GATEWAY_INTERFACE=CGI/1.1\n"
		"SERVER_PROTOCOL=HTTP/1.1\n"
		"SERVER_SOFTWARE=glint\n"
		"REQUEST_METHOD=POST\n"
		"PATH_INFO=/a b/c\n"
		"QUERY_STRING=x=1&y=%20\n"
		"CONTENT_TYPE=text/plain\n"
		"CONTENT_LENGTH=5\n"
		"HTTP_X_MULTI=one, two\n"
		"HTTP_COOKIE=a=1; b=2\n"
		"HTTP_CONTENT_TYPE unset\n"
		"HTTP_CONTENT_LENGTH unset\n"
		"REMOTE_ADDR=127.0.0.1\n"
		"SERVER_NAME=example.test\n"
		"SERVER_PORT=8443\n"
		"SCRIPT_NAME=/invoke/cgienv\n"
		"X_RAW_PATH_INFO=/a%20b/c\n"
		"X_FULL_URL=http://example.test:8443/invoke/cgienv/a%20b/c?x=1&"
		"y=%20\n"
		"MYVAR=mine\n"
		"REMOTE_PORT set\n";
	struct http_resp r;
	char *all, *body;

	/* The function's own environment joins the CGI variables. */
	ck_assert_int_eq(harness_request(&g, "PUT", "/functions/cgienv/env",
					 "{\"MYVAR\":\"mine\"}", 16, &r),
			 0);
	ck_assert_msg(r.status == 200 || r.status == 201, "env: %ld %s",
		      r.status, r.body);
	http_resp_free(&r);
	all = raw_exchange(req);
	ck_assert_msg(strncmp(all, "HTTP/1.1 200", 12) == 0, "%s", all);
	body = strstr(all, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(body + 4, want);
	free(all);
}
END_TEST

/* ---- modules refused at deploy --------------------------------------- */

static void expect_deploy_error(const char *name, const char *rel, long status,
				const char *code, const char *message)
{
	struct http_resp r;

	deploy_file(name, rel, "", &r);
	assert_error(&r, status, code, message);
	http_resp_free(&r);
}

START_TEST(unsupported_imports_are_listed)
{
	expect_deploy_error(
		"imports", "tests/wasm/imports.wasm", 422,
		"unsupported_imports",
		"the module imports 5 item(s) glint does not provide: "
		"env.counter, env.table, env.host_magic, "
		"wasi_snapshot_preview1.path_open, "
		"wasi_snapshot_preview1.sock_accept");
}
END_TEST

/* wasi_stub_unknown: off, the module is refused with the list; on, the
 * same module deploys and the stubs answer ENOSYS (52). */
START_TEST(wasi_stub_unknown_links_stubs_returning_enosys)
{
	struct http_resp r;
	json_t *j;
	json_int_t stub = -1;
	char cmd[1024], out[4096];
	size_t n;
	FILE *p;

	expect_deploy_error("stubbed", "tests/wasm/stubbed.wasm", 422,
			    "unsupported_imports",
			    "the module imports 2 item(s) glint does not "
			    "provide: env.host_magic, "
			    "wasi_snapshot_preview1.path_open");
	deploy_ok("stubbed", "tests/wasm/stubbed.wasm", "wasi_stub_unknown=1");
	expect_ok("stubbed", "", "application/octet-stream",
		  "path_open=52 env.host_magic=52");
	ck_assert_int_eq(
		harness_request(&g, "GET", "/functions/stubbed", NULL, 0, &r),
		0);
	j = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(json_unpack(j, "{s:I}", "wasi_stub_unknown", &stub),
			 0);
	ck_assert_int_eq(stub, 1);
	json_decref(j);
	http_resp_free(&r);
	/* glint info shows the setting like every other. */
	snprintf(cmd, sizeof(cmd),
		 "'%s' --url http://127.0.0.1:%u info stubbed",
		 harness_built("glint"), (unsigned)g.port);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	ck_assert_msg(strstr(out, "wasi_stub_unknown  1\n"), "%s", out);
	/* No stub stands in for an imported table or global. */
	deploy_file("imports", "tests/wasm/imports.wasm", "wasi_stub_unknown=1",
		    &r);
	assert_error(&r, 422, "unsupported_imports",
		     "the module imports 2 item(s) glint does not provide "
		     "and no stub can stand in for (a memory, table or "
		     "global, or a glint call of another signature): "
		     "env.counter, env.table");
	http_resp_free(&r);
	deploy_bytes("bad", "\0asm\1\0\0\0", 8, "wasi_stub_unknown=2", &r);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(r.body, "wasi_stub_unknown"));
	http_resp_free(&r);
}
END_TEST

START_TEST(module_without_start_is_refused)
{
	expect_deploy_error("nostart", "tests/wasm/nostart.wasm", 422,
			    "not_a_command",
			    "not a WASI command module: it exports no _start "
			    "function");
}
END_TEST

START_TEST(invalid_module_is_refused_by_validation)
{
	struct http_resp r;
	json_t *j;
	const char *c = NULL, *m = NULL;

	deploy_file("invalid", "tests/wasm/invalid.wasm", "", &r);
	ck_assert_int_eq(r.status, 400);
	j = json_loads(r.body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_unpack(j, "{s:{s:s,s:s}}", "error", "code", &c,
				     "message", &m),
			 0);
	ck_assert_str_eq(c, "invalid_module");
	/* wasm2c's own words follow; they name the type mismatch. */
	ck_assert_msg(strncmp(m, "invalid module: ", 16) == 0 &&
			      strstr(m, "type mismatch"),
		      "message: %s", m);
	json_decref(j);
	http_resp_free(&r);
}
END_TEST

START_TEST(gigabyte_of_linear_memory_does_not_boot)
{
	expect_deploy_error("bigmem", "tests/wasm/bigmem.wasm", 422,
			    "init_failed",
			    "init failed: wasm: linear memory of 16384 pages "
			    "(1024 MiB) does not fit in the function's memory "
			    "(memory_mb)");
}
END_TEST

/* Appends an unsigned LEB128. */
static size_t leb(uint8_t *p, uint32_t v)
{
	size_t n = 0;

	do {
		uint8_t b = v & 0x7f;

		v >>= 7;
		p[n++] = b | (v ? 0x80 : 0);
	} while (v);
	return n;
}

START_TEST(hundred_thousand_functions_are_refused_before_compiling)
{
	const uint32_t nfuncs = 100000;
	uint8_t *m = malloc(64 + (size_t)nfuncs * 4), *p = m;
	struct http_resp r;

	memcpy(p, "\0asm\1\0\0\0", 8);
	p += 8;
	/* type section: one type, () -> () */
	memcpy(p, "\x01\x04\x01\x60\x00\x00", 6);
	p += 6;
	/* function section: nfuncs entries of type 0 */
	*p++ = 3;
	{
		uint8_t cnt[5];
		size_t cl = leb(cnt, nfuncs), body = cl + nfuncs;

		p += leb(p, (uint32_t)body);
		memcpy(p, cnt, cl);
		p += cl;
		memset(p, 0, nfuncs);
		p += nfuncs;
	}
	deploy_bytes("many", m, (size_t)(p - m), "", &r);
	assert_error(&r, 422, "module_too_large",
		     "the module defines 100000 functions; the limit is 20000");
	http_resp_free(&r);
	free(m);
}
END_TEST

START_TEST(declared_gigabyte_data_section_is_malformed)
{
	/* A data section header that claims 1 GiB: refused from the header,
	 * without reading (or translating) anything. */
	static const uint8_t m[] = {0,	'a',  's',  'm',  1,	0, 0, 0,
				    11, 0x80, 0x80, 0x80, 0x80, 4, 1, 0};
	struct http_resp r;

	deploy_bytes("bigdata", m, sizeof(m), "", &r);
	assert_error(&r, 400, "invalid_module",
		     "malformed module: section 11 at offset 14 overruns the "
		     "module");
	http_resp_free(&r);
	/* Nothing else was disturbed. */
	expect_ok("echo", "Content-Type: x/y\n\nstill here", "x/y",
		  "still here");
}
END_TEST

/* ---- glint new --lang: the scaffolds build and deploy as they are ------ */

static void scaffold_deploy_invoke(const char *lang, const char *name,
				   const char *make_vars, const char *want)
{
	char cmd[2048], proj[400], wasm[512];
	struct http_resp r;

	snprintf(proj, sizeof(proj), "%s/%s", g.dir, name);
	snprintf(cmd, sizeof(cmd),
		 "'%s' new --lang %s %s '%s' >/dev/null && "
		 "env -u MAKEFLAGS -u MFLAGS make -s -C '%s' %s >/dev/null",
		 harness_built("glint"), lang, name, proj, proj, make_vars);
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
	snprintf(wasm, sizeof(wasm), "%s/%s.wasm", proj, name);
	ck_assert_int_eq(harness_deploy(&g, name, wasm, "", &r), 0);
	ck_assert_msg(r.status == 201, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
	expect_ok(name, "hello", "text/plain", want);
}

START_TEST(glint_new_c_wasm_builds_and_deploys)
{
	scaffold_deploy_invoke("c-wasm", "scaffold-c", "",
			       "Hello from scaffold-c: 5 bytes, sqrt(2) = "
			       "1.414\n");
}
END_TEST

START_TEST(glint_new_rust_builds_and_deploys)
{
	/* Debian's rustc: it has the wasm32-wasi standard library. */
	scaffold_deploy_invoke("rust", "scaffold-rs", "RUSTC=/usr/bin/rustc",
			       "Hello from scaffold-rs: 5 bytes\n");
}
END_TEST

/* ---- the compile cache --------------------------------------------------- */

static json_int_t deploy_compile_ms(struct glintd_proc *d)
{
	struct http_resp r;
	json_t *j;
	json_int_t ms = -1;
	const char *kind = NULL;

	ck_assert_int_eq(harness_deploy(d, "cached",
					harness_built("tests/wasm/echo.wasm"),
					"", &r),
			 0);
	ck_assert_msg(r.status == 201, "deploy: %ld %s", r.status, r.body);
	j = json_loads(r.body, 0, NULL);
	ck_assert_int_eq(
		json_unpack(j, "{s:s,s:I}", "kind", &kind, "compile_ms", &ms),
		0);
	ck_assert_str_eq(kind, "wasm");
	json_decref(j);
	http_resp_free(&r);
	return ms;
}

/* A daemon of its own: this test stops and restarts it. */
START_TEST(restart_and_redeploy_compile_nothing)
{
	struct glintd_proc d;
	struct http_resp r;
	char dir[400];
	struct stat st;

	ck_assert_int_eq(harness_start(&d, NULL), 0);
	/* A real compile takes far longer than the half millisecond that
	 * rounds to 0. */
	ck_assert_int_gt(deploy_compile_ms(&d), 0);
	snprintf(dir, sizeof(dir), "%s/wasm-cache", d.state_dir);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_int_eq(harness_stop(&d, 30000), 0);
	ck_assert_int_eq(harness_restart(&d, NULL), 0);
	/* Loaded from the state directory, served as before. */
	ck_assert_int_eq(harness_request(&d, "POST", "/invoke/cached",
					 "Content-Type: a/b\n\nback", 23, &r),
			 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "back");
	http_resp_free(&r);
	ck_assert_int_eq(deploy_compile_ms(&d), 0);
	harness_cleanup(&d);
}
END_TEST

static Suite *wasm_suite(void)
{
	Suite *s = suite_create("wasm");
	TCase *tc = tcase_create("e2e");

	tcase_add_unchecked_fixture(tc, suite_up, suite_down);
	/* Compiles take minutes on a loaded machine: a generous cap. */
	tcase_set_timeout(tc, 3600);
	tcase_add_test(tc, c_example_stdio_and_math);
	tcase_add_test(tc, rust_example_sees_each_calls_environment);
	tcase_add_test(tc, stderr_lines_go_to_the_log);
	tcase_add_test(tc, every_trap_is_named_and_the_vm_restored);
	tcase_add_test(tc, memory_grow_past_the_maximum_fails_as_the_spec_says);
	tcase_add_test(tc, endless_loop_meets_the_deadline);
	tcase_add_test(tc, proc_exit_status_ends_the_call);
	tcase_add_test(tc, trap_during_start_up_fails_the_deploy);
	tcase_add_test(tc, cgi_headers_and_body);
	tcase_add_test(tc, cgi_without_header_block_is_octet_stream);
	tcase_add_test(tc, cgi_status_and_redirect);
	tcase_add_test(tc, cgi_header_injection_is_refused);
	tcase_add_test(tc, wagi_variables_come_from_the_request);
	tcase_add_test(tc, unsupported_imports_are_listed);
	tcase_add_test(tc, wasi_stub_unknown_links_stubs_returning_enosys);
	tcase_add_test(tc, module_without_start_is_refused);
	tcase_add_test(tc, invalid_module_is_refused_by_validation);
	tcase_add_test(tc, gigabyte_of_linear_memory_does_not_boot);
	tcase_add_test(tc,
		       hundred_thousand_functions_are_refused_before_compiling);
	tcase_add_test(tc, declared_gigabyte_data_section_is_malformed);
	tcase_add_test(tc, glint_new_c_wasm_builds_and_deploys);
	tcase_add_test(tc, glint_new_rust_builds_and_deploys);
	tcase_add_test(tc, restart_and_redeploy_compile_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	kvm_required();
	/* The build tree's guest SDK, for the daemon's compiles. */
	setenv("GLINT_WASM_SDK_DIR", harness_built("guest/wasi/sdk"), 1);
	return check_run(wasm_suite());
}
