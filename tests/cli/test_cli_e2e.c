/* test_cli_e2e.c: every glint command against a real glintd on a loopback port (KVM). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "tests/e2e/harness.h"
#include "tests/kvm_required.h"
#include "run_glint.h"
#include "../check_run.h"

/* One daemon for the suite (started in the parent, before the forked
 * tests); every test uses its own function names. */
static struct glintd_proc daemon_proc;
static char url_env[96];

static void start_daemon(void)
{
	int rc = harness_start(&daemon_proc, NULL);

	if (rc < 0)
		harness_dump_log(&daemon_proc);
	ck_assert_msg(rc == 0, "glintd did not start: %d", rc);
	snprintf(url_env, sizeof(url_env), "GLINT_URL=%s",
		 daemon_proc.base_url);
}

static void stop_daemon(void)
{
	harness_cleanup(&daemon_proc);
}

static int count_of(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* glint ARGS... against the daemon (through GLINT_URL). */
static void cli(struct glint_run *r, const void *in, size_t in_len,
		const char *const *args)
{
	glint_run(args, (const char *[]){url_env, NULL}, in, in_len, r);
}

#define GLINT(r, ...) cli((r), NULL, 0, (const char *[]){__VA_ARGS__, NULL})

static void expect_ok(const struct glint_run *r, const char *what)
{
	if (r->exit_code != 0)
		harness_dump_log(&daemon_proc);
	ck_assert_msg(r->exit_code == 0, "%s: exit %d: %s", what, r->exit_code,
		      r->err);
}

static json_t *parse_json(const struct glint_run *r)
{
	json_error_t e;
	json_t *j = json_loadb(r->out, r->out_len, 0, &e);

	ck_assert_msg(j != NULL, "not JSON (%s): %s", e.text, r->out);
	return j;
}

static void deploy(const char *name, const char *example)
{
	struct glint_run r;
	char want[96];

	GLINT(&r, "deploy", name, harness_built(example));
	expect_ok(&r, "deploy");
	snprintf(want, sizeof(want), "deployed %s version 1 ", name);
	ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0, "%s", r.out);
	glint_run_free(&r);
}

START_TEST(test_deploy_invoke_data)
{
	struct glint_run r;

	deploy("cli-data", "guest/examples/echo.elf");
	GLINT(&r, "invoke", "cli-data", "--data", "hello, glint");
	expect_ok(&r, "invoke --data");
	ck_assert_uint_eq(r.out_len, 12);
	ck_assert_str_eq(r.out, "hello, glint"); /* no newline added */
	ck_assert_uint_eq(r.err_len, 0);
	glint_run_free(&r);
	/* No input option: an empty body, an empty answer. */
	GLINT(&r, "invoke", "cli-data");
	expect_ok(&r, "invoke without input");
	ck_assert_uint_eq(r.out_len, 0);
	glint_run_free(&r);
}
END_TEST

START_TEST(test_invoke_file_and_stdin_exact)
{
	char path[] = "/tmp/glint-cli-in-XXXXXX";
	unsigned char bytes[3000];
	struct glint_run r;
	int fd;

	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] =
			(unsigned char)(i * 7 + (i >> 8)); /* has 0, \n, 0xff */
	fd = mkstemp(path);
	ck_assert(fd >= 0);
	ck_assert(write(fd, bytes, sizeof(bytes)) == (ssize_t)sizeof(bytes));
	close(fd);
	deploy("cli-bytes", "guest/examples/echo.elf");

	GLINT(&r, "invoke", "cli-bytes", "--file", path);
	expect_ok(&r, "invoke --file");
	ck_assert_uint_eq(r.out_len, sizeof(bytes));
	ck_assert(memcmp(r.out, bytes, sizeof(bytes)) == 0);
	glint_run_free(&r);

	cli(&r, bytes, sizeof(bytes),
	    (const char *[]){"invoke", "cli-bytes", "-", NULL});
	expect_ok(&r, "invoke -");
	ck_assert_uint_eq(r.out_len, sizeof(bytes));
	ck_assert(memcmp(r.out, bytes, sizeof(bytes)) == 0);
	glint_run_free(&r);
	unlink(path);
}
END_TEST

static void assert_settings(json_t *f)
{
	ck_assert_str_eq(json_string_value(json_object_get(f, "name")),
			 "cli-json");
	ck_assert_int_eq(json_integer_value(json_object_get(f, "memory_mb")),
			 8);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "timeout_ms")),
			 2500);
	ck_assert_int_eq(
		json_integer_value(json_object_get(f, "max_concurrency")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "min_warm")), 2);
}

START_TEST(test_json_deploy_list_info)
{
	struct glint_run r;
	json_t *j, *fns, *f;
	size_t i;
	int found = 0;

	GLINT(&r, "--json", "deploy", "cli-json",
	      harness_built("guest/examples/hello.elf"), "--memory", "8",
	      "--timeout=2500", "--concurrency", "3", "--warm", "2");
	expect_ok(&r, "deploy --json");
	j = parse_json(&r);
	assert_settings(j);
	json_decref(j);
	glint_run_free(&r);

	GLINT(&r, "list", "--json");
	expect_ok(&r, "list --json");
	j = parse_json(&r);
	fns = json_object_get(j, "functions");
	ck_assert(json_is_array(fns));
	for (i = 0; i < json_array_size(fns); i++) {
		f = json_array_get(fns, i);
		if (strcmp(json_string_value(json_object_get(f, "name")),
			   "cli-json") == 0) {
			assert_settings(f);
			found = 1;
		}
	}
	ck_assert_msg(found, "cli-json not listed: %s", r.out);
	json_decref(j);
	glint_run_free(&r);

	GLINT(&r, "invoke", "cli-json", "--data", "{\"name\":\"cli\"}");
	expect_ok(&r, "invoke hello");
	ck_assert_str_eq(r.out, "{\"greeting\":\"Hello, cli!\"}");
	glint_run_free(&r);

	GLINT(&r, "info", "cli-json", "--json");
	expect_ok(&r, "info --json");
	j = parse_json(&r);
	assert_settings(j);
	ck_assert_int_eq(json_integer_value(json_object_get(
				 json_object_get(j, "invocations"), "ok")),
			 1);
	json_decref(j);
	glint_run_free(&r);
}
END_TEST

START_TEST(test_human_list_info)
{
	struct glint_run r;

	deploy("cli-human", "guest/examples/echo.elf");
	GLINT(&r, "list");
	expect_ok(&r, "list");
	ck_assert_msg(strncmp(r.out, "NAME ", 5) == 0, "%s", r.out);
	ck_assert_msg(strstr(r.out, "\ncli-human "), "%s", r.out);
	glint_run_free(&r);
	GLINT(&r, "invoke", "cli-human");
	expect_ok(&r, "invoke");
	glint_run_free(&r);
	GLINT(&r, "info", "cli-human");
	expect_ok(&r, "info");
	ck_assert_msg(strstr(r.out, "name               cli-human\n"), "%s",
		      r.out);
	/* Only the outcomes that happened are shown. */
	ck_assert_msg(strstr(r.out, "\ninvocations:\n  ok                 1\n"
				    "pool:\n"),
		      "%s", r.out);
	glint_run_free(&r);
}
END_TEST

START_TEST(test_rm_then_not_found)
{
	struct glint_run r;

	deploy("cli-rm", "guest/examples/echo.elf");
	GLINT(&r, "rm", "cli-rm");
	expect_ok(&r, "rm");
	ck_assert_str_eq(r.out, "removed cli-rm\n");
	glint_run_free(&r);

	GLINT(&r, "invoke", "cli-rm", "--data", "x");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_msg(glint_run_one_error_line(&r), "%s", r.err);
	ck_assert_msg(strncmp(r.err, "glint: function_not_found: ", 27) == 0,
		      "%s", r.err);
	ck_assert_msg(strstr(r.err, "(deploy it with: glint deploy cli-rm "
				    "IMAGE)\n"),
		      "%s", r.err);
	glint_run_free(&r);

	GLINT(&r, "rm", "cli-rm");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_msg(strstr(r.err, "function_not_found"), "%s", r.err);
	glint_run_free(&r);

	/* --json also gives scripts the server's error document. */
	GLINT(&r, "info", "cli-rm", "--json");
	ck_assert_int_eq(r.exit_code, 1);
	{
		json_t *j = parse_json(&r);
		const char *code = json_string_value(
			json_object_get(json_object_get(j, "error"), "code"));

		ck_assert_str_eq(code, "function_not_found");
		json_decref(j);
	}
	glint_run_free(&r);
}
END_TEST

static json_t *stats_of(const char *name)
{
	struct glint_run r;
	json_t *j, *fns, *f, *found = NULL;
	size_t i;

	GLINT(&r, "stats", "--json");
	expect_ok(&r, "stats --json");
	j = parse_json(&r);
	fns = json_object_get(j, "functions");
	for (i = 0; i < json_array_size(fns); i++) {
		f = json_array_get(fns, i);
		if (strcmp(json_string_value(json_object_get(f, "name")),
			   name) == 0)
			found = json_incref(f);
	}
	json_decref(j);
	ck_assert_msg(found, "%s not in stats: %s", name, r.out);
	glint_run_free(&r);
	return found;
}

START_TEST(test_stats_after_calls)
{
	struct glint_run r;
	json_t *f;
	double p50, p99;

	deploy("cli-stats", "guest/examples/hello.elf");
	for (int i = 0; i < 3; i++) {
		GLINT(&r, "invoke", "cli-stats", "--data", "{}");
		expect_ok(&r, "invoke");
		glint_run_free(&r);
	}
	/* A function error: exit 1 with the function's own message. */
	GLINT(&r, "invoke", "cli-stats", "--data", "not json");
	ck_assert_int_eq(r.exit_code, 1);
	{
		static const char want[] =
			"glint: function_error: request is not valid JSON";

		ck_assert_msg(strncmp(r.err, want, sizeof(want) - 1) == 0, "%s",
			      r.err);
	}
	glint_run_free(&r);

	f = stats_of("cli-stats");
	ck_assert_int_eq(json_integer_value(json_object_get(f, "calls")), 4);
	ck_assert_int_eq(json_integer_value(json_object_get(f, "errors")), 1);
	ck_assert_double_eq_tol(
		json_real_value(json_object_get(f, "error_rate")), 0.25, 1e-9);
	ck_assert_int_eq(
		json_integer_value(json_object_get(
			json_object_get(f, "outcomes"), "function_error")),
		1);
	p50 = json_real_value(json_object_get(f, "p50_seconds"));
	p99 = json_real_value(json_object_get(f, "p99_seconds"));
	ck_assert_msg(p50 > 0 && p50 < 5 && p99 >= p50, "p50 %g p99 %g", p50,
		      p99);
	json_decref(f);

	GLINT(&r, "stats");
	expect_ok(&r, "stats");
	ck_assert_msg(strncmp(r.out, "FUNCTION ", 9) == 0, "%s", r.out);
	{
		const char *line = strstr(r.out, "\ncli-stats ");

		ck_assert_msg(line, "%s", r.out);
		ck_assert_msg(strstr(line, " 4 ") && strstr(line, "25.0%"),
			      "%s", r.out);
	}
	glint_run_free(&r);
}
END_TEST

/* glint new NAME, then its Makefile builds with the build tree's SDK,
 * deploys with this glint, and the function answers. */
START_TEST(test_new_make_deploy_invoke)
{
	char dir[] = "/tmp/glint-cli-proj-XXXXXX", cmd[2048];
	const char *builddir = getenv("GLINT_BUILDDIR");
	const char *guest_cc = getenv("GUEST_CC"); /* as pkgconfig.test */
	struct glint_run r;
	json_t *j;

	ck_assert_ptr_nonnull(builddir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chdir(dir), 0);
	GLINT(&r, "new", "cli-new");
	expect_ok(&r, "new");
	ck_assert_msg(strstr(r.out, "cd cli-new && make deploy"), "%s", r.out);
	glint_run_free(&r);

	snprintf(
		cmd, sizeof(cmd),
		"cd cli-new && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "
		"PKG_CONFIG_PATH='%s/guest' %s make -s "
		"CFLAGS='-Wall -Wextra -Werror' GLINT='%s/glint' %s%s%s deploy "
		">make.log 2>&1 || { cat make.log >&2; exit 1; }",
		builddir, url_env, builddir, guest_cc ? "CC='" : "",
		guest_cc ? guest_cc : "", guest_cc ? "'" : "");
	ck_assert_msg(system(cmd) == 0, "make deploy failed");
	ck_assert_int_eq(access("cli-new/cli-new.elf", R_OK), 0);

	GLINT(&r, "invoke", "cli-new", "--data", "{\"name\": \"test\"}");
	expect_ok(&r, "invoke the new function");
	j = parse_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(j, "function")),
			 "cli-new");
	ck_assert_str_eq(json_string_value(json_object_get(j, "message")),
			 "Hello, test!");
	json_decref(j);
	glint_run_free(&r);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static void write_token(const char *path, const char *token)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", token);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0600), 0);
}

START_TEST(test_bad_token)
{
	char tok[] = "/tmp/glint-cli-token-XXXXXX";
	char image[1024];
	struct glintd_proc g;
	struct glint_run r;
	int fd, rc;

	/* harness_built's buffer is reused by harness_start: copy it. */
	snprintf(image, sizeof(image), "%s",
		 harness_built("guest/examples/echo.elf"));
	fd = mkstemp(tok);
	ck_assert(fd >= 0);
	close(fd);
	write_token(tok, "cli-secret-token");
	rc = harness_start(&g,
			   (const char *[]){"--admin-token-file", tok, NULL});
	if (rc < 0)
		harness_dump_log(&g);
	ck_assert_int_eq(rc, 0);

	glint_run((const char *[]){"--url", g.base_url, "--token", "wrong",
				   "deploy", "guarded", image, NULL},
		  NULL, NULL, 0, &r);
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_msg(glint_run_one_error_line(&r), "%s", r.err);
	ck_assert_msg(strstr(r.err, "(pass --token TOKEN or --token-file "
				    "FILE, or set GLINT_TOKEN)"),
		      "%s", r.err);
	glint_run_free(&r);
	glint_run((const char *[]){"--url", g.base_url, "--token-file", tok,
				   "deploy", "guarded", image, NULL},
		  NULL, NULL, 0, &r);
	ck_assert_msg(r.exit_code == 0, "%s", r.err);
	glint_run_free(&r);
	harness_cleanup(&g);
	unlink(tok);
}
END_TEST

/* glint logs: one call's lines from the crash hint, level filters, usage
 * and server errors, and -f until the function is deleted. */
START_TEST(test_logs_from_the_crash_hint_and_follow)
{
	const char *started = "glint_http_requests_total{route=\"logs\","
			      "code=\"200\"}";
	const char *hint = "(details: glint logs cl --request-id ";
	struct glint_run r;
	char rid[17], *p;
	long before;
	pid_t pid;

	GLINT(&r, "deploy", "cl", harness_built("tests/guests/hostile.elf"));
	expect_ok(&r, "deploy");
	glint_run_free(&r);
	GLINT(&r, "invoke", "cl", "--data", "null-read");
	ck_assert_int_eq(r.exit_code, 1);
	p = strstr(r.err, hint);
	ck_assert_msg(p && strlen(p + strlen(hint)) >= 16, "%s", r.err);
	memcpy(rid, p + strlen(hint), 16);
	rid[16] = '\0';
	glint_run_free(&r);

	GLINT(&r, "logs", "cl", "--request-id", rid);
	expect_ok(&r, "logs --request-id");
	ck_assert_msg(strstr(r.out, rid) &&
			      strstr(r.out, " error request_id=") &&
			      strstr(r.out, "call failed (guest_crashed): page "
					    "fault (#PF)"),
		      "%s", r.out);
	glint_run_free(&r);

	GLINT(&r, "invoke", "cl", "--data", "log-levels");
	expect_ok(&r, "invoke");
	glint_run_free(&r);
	GLINT(&r, "logs", "cl", "--level", "warn", "--since", "1h");
	expect_ok(&r, "logs --level warn");
	ck_assert_msg(strstr(r.out, "lvl-warn-line") &&
			      strstr(r.out, "lvl-error-line") &&
			      !strstr(r.out, "lvl-info-line"),
		      "%s", r.out);
	glint_run_free(&r);

	GLINT(&r, "logs", "cl", "--level", "loud");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert(glint_run_one_error_line(&r));
	ck_assert_ptr_nonnull(strstr(r.err, "invalid_query"));
	glint_run_free(&r);
	GLINT(&r, "logs", "cl", "--since", "1 h&x=y");
	ck_assert_int_eq(r.exit_code, 2);
	glint_run_free(&r);
	GLINT(&r, "logs", "nosuch");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "function_not_found"));
	glint_run_free(&r);

	/* -f: a line logged after it started, until the function goes. */
	before = harness_metric(&daemon_proc, started);
	pid = glint_run_start((const char *[]){"logs", "cl", "-f", "--level",
					       "error", "--since", "0", NULL},
			      (const char *[]){url_env, NULL}, NULL, 0);
	ck_assert_int_eq(
		harness_wait_metric(&daemon_proc, started, before + 1, 30000),
		0);
	GLINT(&r, "invoke", "cl", "--data", "log-levels");
	expect_ok(&r, "invoke");
	glint_run_free(&r);
	/* The delete ends the stream once its last lines are out. */
	GLINT(&r, "rm", "cl");
	expect_ok(&r, "rm");
	glint_run_free(&r);
	glint_run_wait(pid, &r);
	ck_assert_msg(r.exit_code == 0, "exit %d: %s", r.exit_code, r.err);
	ck_assert_int_eq(count_of(r.out, "lvl-error-line"), 2);
	ck_assert_int_eq(count_of(r.out, "call failed (guest_crashed)"), 1);
	glint_run_free(&r);
}
END_TEST

START_TEST(test_env_secret_versions_rollback)
{
	static const char value[] = "cli-secret-7Yq2\n";
	struct glint_run r;
	char path[512];
	json_t *j;
	char *log;
	size_t len;
	FILE *f;

	deploy("cfg", "guest/examples/echo.elf");
	GLINT(&r, "env", "set", "cfg", "A=1", "B=two words");
	expect_ok(&r, "env set");
	glint_run_free(&r);
	GLINT(&r, "env", "get", "cfg");
	expect_ok(&r, "env get");
	ck_assert_str_eq(r.out, "A=1\nB=two words\n");
	glint_run_free(&r);
	GLINT(&r, "env", "unset", "cfg", "A");
	expect_ok(&r, "env unset");
	glint_run_free(&r);
	GLINT(&r, "--json", "env", "get", "cfg");
	expect_ok(&r, "env get --json");
	j = parse_json(&r);
	ck_assert_int_eq(json_object_size(json_object_get(j, "env")), 1);
	json_decref(j);
	glint_run_free(&r);
	GLINT(&r, "env", "set", "cfg", "9X=1");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert(glint_run_one_error_line(&r));
	ck_assert_ptr_nonnull(strstr(r.err, "invalid variable name"));
	glint_run_free(&r);

	/* Secret values come from stdin or a file; one newline dropped. */
	cli(&r, value, strlen(value),
	    (const char *[]){"secret", "set", "cfg", "KEY", NULL});
	expect_ok(&r, "secret set (stdin)");
	glint_run_free(&r);
	snprintf(path, sizeof(path), "%s/secret-file", daemon_proc.dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(value, f);
	fclose(f);
	GLINT(&r, "secret", "set", "cfg", "KEY2", "--file", path);
	expect_ok(&r, "secret set --file");
	glint_run_free(&r);
	GLINT(&r, "secret", "set", "cfg", "KEY3", "--data", "x");
	ck_assert_int_eq(r.exit_code, 2); /* never from argv */
	glint_run_free(&r);
	GLINT(&r, "secret", "ls", "cfg");
	expect_ok(&r, "secret ls");
	ck_assert_ptr_nonnull(strstr(r.out, "KEY "));
	ck_assert_ptr_nonnull(strstr(r.out, "KEY2 "));
	ck_assert_ptr_null(strstr(r.out, "cli-secret"));
	glint_run_free(&r);
	GLINT(&r, "secret", "rm", "cfg", "KEY2");
	expect_ok(&r, "secret rm");
	glint_run_free(&r);
	GLINT(&r, "secret", "rm", "cfg", "KEY2");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "secret_not_found"));
	glint_run_free(&r);

	/* A redeploy with one flag keeps the rest; versions; rollback. */
	GLINT(&r, "deploy", "cfg", harness_built("guest/examples/echo.elf"),
	      "--queue", "7", "--idle", "9000", "--queue-timeout", "1234");
	expect_ok(&r, "deploy with settings");
	glint_run_free(&r);
	GLINT(&r, "deploy", "cfg", harness_built("guest/examples/echo.elf"),
	      "--warm", "2");
	expect_ok(&r, "redeploy");
	glint_run_free(&r);
	GLINT(&r, "--json", "info", "cfg");
	expect_ok(&r, "info");
	j = parse_json(&r);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "queue_max")),
			 7);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "idle_ms")),
			 9000);
	ck_assert_int_eq(
		json_integer_value(json_object_get(j, "queue_timeout_ms")),
		1234);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "min_warm")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "version")), 3);
	json_decref(j);
	glint_run_free(&r);
	GLINT(&r, "versions", "cfg");
	expect_ok(&r, "versions");
	ck_assert_ptr_nonnull(strstr(r.out, "VERSION"));
	ck_assert_ptr_nonnull(strstr(r.out, "\n3 "));
	ck_assert_ptr_nonnull(strstr(r.out, "\n1 "));
	glint_run_free(&r);
	GLINT(&r, "rollback", "cfg");
	expect_ok(&r, "rollback");
	ck_assert_str_eq(r.out, "cfg is at version 2\n");
	glint_run_free(&r);
	GLINT(&r, "rollback", "cfg", "1");
	expect_ok(&r, "rollback 1");
	ck_assert_str_eq(r.out, "cfg is at version 1\n");
	glint_run_free(&r);
	GLINT(&r, "rollback", "cfg", "99");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "version_not_found"));
	glint_run_free(&r);
	GLINT(&r, "deploy", "cfg", harness_built("guest/examples/echo.elf"),
	      "--idle", "5");
	ck_assert_int_eq(r.exit_code, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--idle"));
	glint_run_free(&r);
	/* The output limit: set from the CLI, shown by info, enforced. */
	GLINT(&r, "deploy", "cfg", harness_built("guest/examples/echo.elf"),
	      "--max-output", "4");
	expect_ok(&r, "deploy --max-output");
	glint_run_free(&r);
	GLINT(&r, "--json", "info", "cfg");
	expect_ok(&r, "info");
	j = parse_json(&r);
	ck_assert_int_eq(
		json_integer_value(json_object_get(j, "max_output_bytes")), 4);
	json_decref(j);
	glint_run_free(&r);
	GLINT(&r, "invoke", "cfg", "--data", "abcd");
	expect_ok(&r, "invoke within the limit");
	ck_assert_str_eq(r.out, "abcd");
	glint_run_free(&r);
	GLINT(&r, "invoke", "cfg", "--data", "abcde");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "output_too_large"));
	glint_run_free(&r);
	GLINT(&r, "deploy", "cfg", harness_built("guest/examples/echo.elf"),
	      "--max-output", "0");
	ck_assert_int_eq(r.exit_code, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--max-output"));
	glint_run_free(&r);

	log = harness_read_file(daemon_proc.log_path, &len);
	ck_assert_ptr_nonnull(log);
	ck_assert(memmem(log, len, "cli-secret", 10) == NULL);
	free(log);
}
END_TEST

/* glint kv: keys and values byte for byte, stdin, TTL, listing across
 * pages, errors; glint rm keeps the store, --purge removes it. */
START_TEST(test_kv_get_set_rm_ls)
{
	static const char bin[] = "\0\n\xff value\r\n";
	struct glint_run r;
	char key[16], want[4096] = "";

	GLINT(&r, "kv", "set", "cli-kv", "a b/c?", "hello");
	expect_ok(&r, "kv set");
	ck_assert_uint_eq(r.out_len, 0);
	glint_run_free(&r);
	GLINT(&r, "kv", "get", "cli-kv", "a b/c?");
	expect_ok(&r, "kv get");
	ck_assert_str_eq(r.out, "hello"); /* no newline added */
	glint_run_free(&r);
	cli(&r, bin, sizeof(bin),
	    (const char *[]){"kv", "set", "cli-kv", "bin", "-", NULL});
	expect_ok(&r, "kv set -");
	glint_run_free(&r);
	GLINT(&r, "kv", "get", "cli-kv", "bin");
	expect_ok(&r, "kv get bin");
	ck_assert_uint_eq(r.out_len, sizeof(bin));
	ck_assert(memcmp(r.out, bin, sizeof(bin)) == 0);
	glint_run_free(&r);
	/* Standard input that is not a terminal, without "-". */
	cli(&r, "piped", 5,
	    (const char *[]){"kv", "set", "cli-kv", "p", "--ttl", "3600000",
			     NULL});
	expect_ok(&r, "kv set from a pipe");
	glint_run_free(&r);
	GLINT(&r, "kv", "get", "cli-kv", "p");
	expect_ok(&r, "kv get p");
	ck_assert_str_eq(r.out, "piped");
	glint_run_free(&r);

	GLINT(&r, "kv", "ls", "cli-kv");
	expect_ok(&r, "kv ls");
	ck_assert_str_eq(r.out, "a b/c?\nbin\np\n");
	glint_run_free(&r);
	GLINT(&r, "kv", "ls", "cli-kv", "--prefix", "a b");
	expect_ok(&r, "kv ls --prefix");
	ck_assert_str_eq(r.out, "a b/c?\n");
	glint_run_free(&r);

	GLINT(&r, "kv", "rm", "cli-kv", "bin");
	expect_ok(&r, "kv rm");
	glint_run_free(&r);
	GLINT(&r, "kv", "get", "cli-kv", "bin");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_msg(glint_run_one_error_line(&r), "%s", r.err);
	ck_assert_msg(strncmp(r.err, "glint: key_not_found: ", 22) == 0, "%s",
		      r.err);
	ck_assert_msg(strstr(r.err, "(list the keys with: glint kv ls "
				    "cli-kv)\n"),
		      "%s", r.err);
	glint_run_free(&r);
	GLINT(&r, "kv", "rm", "cli-kv", "bin");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "key_not_found"));
	glint_run_free(&r);

	/* More keys than one page: ls follows the cursor. */
	for (int i = 0; i < 150; i++) {
		snprintf(key, sizeof(key), "k%03d", i);
		GLINT(&r, "kv", "set", "cli-kv-many", key, "v");
		expect_ok(&r, "kv set many");
		glint_run_free(&r);
		strcat(want, key);
		strcat(want, "\n");
	}
	GLINT(&r, "kv", "ls", "cli-kv-many");
	expect_ok(&r, "kv ls many");
	ck_assert_str_eq(r.out, want);
	glint_run_free(&r);

	/* Usage errors send nothing. */
	GLINT(&r, "kv", "set", "cli-kv", "t", "v", "--ttl", "0");
	ck_assert_int_eq(r.exit_code, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--ttl"));
	glint_run_free(&r);
	GLINT(&r, "kv", "frob", "cli-kv");
	ck_assert_int_eq(r.exit_code, 2);
	glint_run_free(&r);
	GLINT(&r, "kv", "get", "cli-kv");
	ck_assert_int_eq(r.exit_code, 2);
	glint_run_free(&r);
	GLINT(&r, "kv", "get", "cli-kv", "x", "--prefix", "a");
	ck_assert_int_eq(r.exit_code, 2);
	glint_run_free(&r);
}
END_TEST

START_TEST(test_rm_keeps_kv_unless_purge)
{
	struct glint_run r;

	deploy("cli-kvp", "guest/examples/echo.elf");
	GLINT(&r, "kv", "set", "cli-kvp", "k", "v");
	expect_ok(&r, "kv set");
	glint_run_free(&r);
	GLINT(&r, "rm", "cli-kvp");
	expect_ok(&r, "rm");
	ck_assert_str_eq(r.out, "removed cli-kvp\n");
	glint_run_free(&r);
	GLINT(&r, "kv", "get", "cli-kvp", "k");
	expect_ok(&r, "kv get after rm");
	ck_assert_str_eq(r.out, "v");
	glint_run_free(&r);
	deploy("cli-kvp", "guest/examples/echo.elf");
	GLINT(&r, "delete", "cli-kvp", "--purge");
	expect_ok(&r, "delete --purge");
	ck_assert_str_eq(r.out, "removed cli-kvp and its key-value store\n");
	glint_run_free(&r);
	GLINT(&r, "kv", "ls", "cli-kvp");
	expect_ok(&r, "kv ls after purge");
	ck_assert_uint_eq(r.out_len, 0);
	glint_run_free(&r);
	GLINT(&r, "info", "cli-kvp");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "function_not_found"));
	glint_run_free(&r);
}
END_TEST

START_TEST(test_deploy_allow_fetch)
{
	struct glint_run r;
	json_t *j, *a;

	GLINT(&r, "--json", "deploy", "cli-fetch",
	      harness_built("guest/examples/echo.elf"), "--allow-fetch",
	      "http://127.0.0.1:9/", "--allow-fetch",
	      "https://api.example.com/v1/", "--allow-fetch",
	      "private http://billing.internal/");
	expect_ok(&r, "deploy --allow-fetch");
	j = parse_json(&r);
	a = json_object_get(j, "allow_fetch");
	ck_assert_msg(json_array_size(a) == 3, "%s", r.out);
	ck_assert_str_eq(json_string_value(json_array_get(a, 0)),
			 "http://127.0.0.1:9/");
	ck_assert_str_eq(json_string_value(json_array_get(a, 1)),
			 "https://api.example.com/v1/");
	ck_assert_str_eq(json_string_value(json_array_get(a, 2)),
			 "private http://billing.internal/");
	json_decref(j);
	glint_run_free(&r);
	/* "" clears the list. */
	GLINT(&r, "--json", "deploy", "cli-fetch",
	      harness_built("guest/examples/echo.elf"), "--allow-fetch", "");
	expect_ok(&r, "deploy --allow-fetch ''");
	j = parse_json(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "allow_fetch")),
			  0);
	json_decref(j);
	glint_run_free(&r);
	GLINT(&r, "deploy", "cli-fetch",
	      harness_built("guest/examples/echo.elf"), "--allow-fetch",
	      "ftp://x/");
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_ptr_nonnull(strstr(r.err, "invalid_setting"));
	glint_run_free(&r);
}
END_TEST

static Suite *cli_e2e_suite(void)
{
	Suite *s = suite_create("cli-e2e");
	TCase *t = tcase_create("e2e");

	tcase_add_unchecked_fixture(t, start_daemon, stop_daemon);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_deploy_invoke_data);
	tcase_add_test(t, test_invoke_file_and_stdin_exact);
	tcase_add_test(t, test_json_deploy_list_info);
	tcase_add_test(t, test_human_list_info);
	tcase_add_test(t, test_rm_then_not_found);
	tcase_add_test(t, test_stats_after_calls);
	tcase_add_test(t, test_new_make_deploy_invoke);
	tcase_add_test(t, test_bad_token);
	tcase_add_test(t, test_logs_from_the_crash_hint_and_follow);
	tcase_add_test(t, test_env_secret_versions_rollback);
	tcase_add_test(t, test_kv_get_set_rm_ls);
	tcase_add_test(t, test_rm_keeps_kv_unless_purge);
	tcase_add_test(t, test_deploy_allow_fetch);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	kvm_required();
	return check_run(cli_e2e_suite());
}
