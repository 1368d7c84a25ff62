/* test_cli_unit.c: the glint CLI without KVM: arguments, usage errors, unreachable server, auth, stats maths, templates. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_args.h"
#include "cli_kv.h"
#include "cli_output.h"
#include "cli_stats.h"
#include "cli_templates.h"
#include "run_glint.h"
#include "../check_run.h"
#include "text.h"

/* ---- argument parsing ---- */

START_TEST(test_args_forms)
{
	char *argv[] = {"--memory=16", "fn",	 "--json", "img.elf",
			"--",	       "--warm", NULL};
	struct cli_args a = {0};
	char err[128];

	ck_assert_int_eq(cli_args_parse(6, argv, CLI_OPT_DEPLOY, 0, &a, NULL,
					err, sizeof(err)),
			 0);
	ck_assert_str_eq(a.memory, "16");
	ck_assert_str_eq(a.json, "1");
	ck_assert_int_eq(a.npos, 3);
	ck_assert_str_eq(a.pos[0], "fn");
	ck_assert_str_eq(a.pos[1], "img.elf");
	ck_assert_str_eq(a.pos[2], "--warm"); /* after "--": a positional */
	ck_assert_ptr_null(a.warm);
}
END_TEST

START_TEST(test_args_rejects)
{
	char *wrong_cmd[] = {"fn", "--memory", "16"};
	char *missing[] = {"fn", "--data"};
	char *flag_value[] = {"--json=yes"};
	char *single[] = {"-x"};
	struct cli_args a = {0};
	char err[128];

	/* --memory belongs to deploy, not invoke. */
	ck_assert_int_eq(cli_args_parse(3, wrong_cmd, CLI_OPT_INVOKE, 0, &a,
					NULL, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "unknown option '--memory'");
	ck_assert_int_eq(cli_args_parse(2, missing, CLI_OPT_INVOKE, 0, &a, NULL,
					err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "option --data needs a value");
	ck_assert_int_eq(
		cli_args_parse(1, flag_value, 0, 0, &a, NULL, err, sizeof(err)),
		-EINVAL);
	ck_assert_int_eq(
		cli_args_parse(1, single, 0, 0, &a, NULL, err, sizeof(err)),
		-EINVAL);
}
END_TEST

START_TEST(test_args_settings_and_secret_file)
{
	char *deploy[] = {
		"fn",	  "img", "--queue",	 "3",  "--queue-timeout=40",
		"--idle", "500", "--max-output", "100"};
	char *secret[] = {"set", "fn", "K", "--file", "v.txt"};
	char *secret_data[] = {"set", "fn", "K", "--data", "v"};
	struct cli_args a = {0}, b = {0}, c = {0};
	char err[128];

	ck_assert_int_eq(cli_args_parse(9, deploy, CLI_OPT_DEPLOY, 0, &a, NULL,
					err, sizeof(err)),
			 0);
	ck_assert_str_eq(a.max_output, "100");
	ck_assert_str_eq(a.queue, "3");
	ck_assert_str_eq(a.queue_timeout, "40");
	ck_assert_str_eq(a.idle, "500");
	ck_assert_int_eq(cli_args_parse(5, secret, CLI_OPT_SECRET, 0, &b, NULL,
					err, sizeof(err)),
			 0);
	ck_assert_str_eq(b.file, "v.txt");
	ck_assert_int_eq(b.npos, 3);
	/* A secret's value never comes from the command line. */
	ck_assert_int_eq(cli_args_parse(5, secret_data, CLI_OPT_SECRET, 0, &c,
					NULL, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "unknown option '--data'");
}
END_TEST

START_TEST(test_args_values)
{
	char url[64];
	uint32_t v = 7;

	ck_assert(cli_name_ok("a"));
	ck_assert(cli_name_ok("fn_1-x"));
	ck_assert(!cli_name_ok(""));
	ck_assert(!cli_name_ok("Fn"));
	ck_assert(!cli_name_ok("a.b"));
	ck_assert(!cli_name_ok("../x"));
	ck_assert(cli_name_ok(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaa")); /* 63 */
	ck_assert(!cli_name_ok(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"aaaaaaa")); /* 64 */
	ck_assert_int_eq(cli_parse_u32("1024", 1, 1024, &v), 0);
	ck_assert_uint_eq(v, 1024);
	ck_assert_int_eq(cli_parse_u32("1025", 1, 1024, &v), -EINVAL);
	ck_assert_int_eq(cli_parse_u32("0", 1, 10, &v), -EINVAL);
	ck_assert_int_eq(cli_parse_u32("-1", 0, 10, &v), -EINVAL);
	ck_assert_int_eq(cli_parse_u32("", 0, 10, &v), -EINVAL);
	ck_assert_int_eq(cli_parse_u32("12a", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(cli_parse_u32("4294967296", 0, UINT32_MAX, &v),
			 -EINVAL);
	ck_assert_uint_eq(v, 1024); /* untouched by failures */
	ck_assert_int_eq(cli_url_normalize("http://h:1//", url, sizeof(url)),
			 0);
	ck_assert_str_eq(url, "http://h:1");
	ck_assert_int_eq(cli_url_normalize("ftp://h", url, sizeof(url)),
			 -EINVAL);
	ck_assert_int_eq(cli_url_normalize("http://", url, sizeof(url)),
			 -EINVAL);
	ck_assert_int_eq(cli_url_normalize("http://a b", url, sizeof(url)),
			 -EINVAL);
	ck_assert(cli_token_ok("s3cr3t-token"));
	ck_assert(!cli_token_ok("two words"));
	ck_assert(!cli_token_ok("line\r\nX-Injected: 1"));
	ck_assert(!cli_token_ok(""));
}
END_TEST

/* ---- stats ---- */

static const char metrics_text[] =
	"# HELP glint_invocations_total Invocations.\n"
	"# TYPE glint_invocations_total counter\n"
	"glint_invocations_total{function=\"b\",outcome=\"ok\"} 90\n"
	"glint_invocations_total{function=\"b\",outcome=\"function_error\"} "
	"10\n"
	"glint_invocations_total{function=\"a\",outcome=\"ok\"} 0\n"
	"this line is { not valid\n"
	"glint_invocation_duration_seconds_bucket{function=\"b\",le=\"+Inf\"}"
	" 100\n"
	"glint_invocation_duration_seconds_bucket{function=\"b\",le="
	"\"0.002000000\"} 100\n"
	"glint_invocation_duration_seconds_bucket{function=\"b\",le="
	"\"0.001000000\"} 50\n"
	"glint_invocation_duration_seconds_sum{function=\"b\"} 0.125\n"
	"glint_invocation_duration_seconds_count{function=\"b\"} 100\n"
	"glint_vm_run_duration_seconds_bucket{function=\"b\",le=\"+Inf\"} 7\n"
	"glint_invocation_duration_seconds_bucket{function=\"a\",le=\"+Inf\"}"
	" 0\n";

START_TEST(test_stats_parse_and_quantiles)
{
	struct cli_stats st;
	const struct cli_stats_fn *a, *b;

	ck_assert_int_eq(
		cli_stats_parse(metrics_text, strlen(metrics_text), &st), 0);
	ck_assert_uint_eq(st.n, 2);
	a = &st.fns[0];
	b = &st.fns[1];
	ck_assert_str_eq(a->name, "a"); /* sorted by name */
	ck_assert_str_eq(b->name, "b");
	ck_assert_uint_eq(b->calls, 100);
	ck_assert_uint_eq(b->errors, 10);
	ck_assert_uint_eq(b->count, 100);
	ck_assert_double_eq_tol(b->sum_s, 0.125, 1e-12);
	/* Out-of-order buckets are sorted; the other histogram is ignored. */
	ck_assert_uint_eq(b->nbuckets, 3);
	/* rank 50 ends the first bucket exactly: its bound. */
	ck_assert_double_eq_tol(cli_stats_quantile(b, 0.5), 0.001, 1e-12);
	/* rank 99 is 49/50 into (1 ms, 2 ms]. */
	ck_assert_double_eq_tol(cli_stats_quantile(b, 0.99), 0.00198, 1e-12);
	ck_assert_double_eq(cli_stats_quantile(a, 0.5), -1);
	ck_assert_uint_eq(a->calls, 0);
	cli_stats_free(&st);
}
END_TEST

START_TEST(test_stats_inf_bucket_and_escapes)
{
	static const char text[] =
		"glint_invocation_duration_seconds_bucket{function=\"x\\\"y\","
		"le=\"0.5\"} 1\n"
		"glint_invocation_duration_seconds_bucket{function=\"x\\\"y\","
		"le=\"+Inf\"} 4\n";
	struct cli_stats st;

	ck_assert_int_eq(cli_stats_parse(text, strlen(text), &st), 0);
	ck_assert_uint_eq(st.n, 1);
	ck_assert_str_eq(st.fns[0].name, "x\"y");
	/* Most calls are slower than the last bound: report that bound. */
	ck_assert_double_eq(cli_stats_quantile(&st.fns[0], 0.99), 0.5);
	/* Within the first bucket interpolation starts at 0. */
	ck_assert_double_eq_tol(cli_stats_quantile(&st.fns[0], 0.125), 0.25,
				1e-12);
	cli_stats_free(&st);
	ck_assert_int_eq(cli_stats_parse("", 0, &st), 0);
	ck_assert_uint_eq(st.n, 0);
	cli_stats_free(&st);
}
END_TEST

START_TEST(test_durations)
{
	char s[32];

	cli_output_duration(0.000045, s, sizeof(s));
	ck_assert_str_eq(s, "45 us");
	cli_output_duration(0.00125, s, sizeof(s));
	ck_assert_str_eq(s, "1.25 ms");
	cli_output_duration(2.5, s, sizeof(s));
	ck_assert_str_eq(s, "2.50 s");
	cli_output_duration(-1, s, sizeof(s));
	ck_assert_str_eq(s, "-");
}
END_TEST

/* ---- error lines ---- */

START_TEST(test_error_lines)
{
	static const char nf[] =
		"{\"error\":{\"code\":\"function_not_found\",\"message\":"
		"\"function 'x' is not deployed\",\"request_id\":\"ab\"}}";
	static const char crash[] =
		"{\"error\":{\"code\":\"guest_crashed\",\"message\":\"page "
		"fault\\nat 0\",\"request_id\":\"00ff00ff00ff00ff\"}}";
	char line[512];

	cli_output_error_line(404, nf, strlen(nf), "x", line, sizeof(line));
	ck_assert_str_eq(line, "function_not_found: function 'x' is not "
			       "deployed (deploy it with: glint deploy x "
			       "IMAGE)");
	cli_output_error_line(502, crash, strlen(crash), "x", line,
			      sizeof(line));
	/* The function's own log has the details of that very call. */
	ck_assert_str_eq(line, "guest_crashed: page fault at 0 [request "
			       "00ff00ff00ff00ff] (details: glint logs x "
			       "--request-id 00ff00ff00ff00ff)");
	cli_output_error_line(401, "", 0, NULL, line, sizeof(line));
	ck_assert_str_eq(line, "unauthorized: glintd answered HTTP 401 (pass "
			       "--token TOKEN or --token-file FILE, or set "
			       "GLINT_TOKEN)");
	cli_output_error_line(502, "<html>bad\ngateway", 17, NULL, line,
			      sizeof(line));
	ck_assert_str_eq(line, "http_error: glintd answered HTTP 502: "
			       "<html>bad gateway");
}
END_TEST

/* ---- glint new ---- */

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[8192];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(test_new_project_files)
{
	char dir[] = "/tmp/glint-cli-new-XXXXXX", proj[128], path[256];
	char err[256] = "";
	const char *text;
	int rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(proj, sizeof(proj), "%s/p", dir);
	ck_assert_int_eq(cli_new_project(proj, "my_fn", err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/my_fn.c", proj);
	text = read_all(path);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "void glint_handle(const char "
					   "*input, size_t input_len)"));
	ck_assert_ptr_nonnull(strstr(text, "\"my_fn\""));
	ck_assert_ptr_null(strstr(text, "@NAME@"));
	snprintf(path, sizeof(path), "%s/Makefile", proj);
	text = read_all(path);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "NAME = my_fn\n"));
	ck_assert_ptr_nonnull(strstr(text, "pkg-config"));
	ck_assert_ptr_nonnull(strstr(text, "--cflags --libs glint-guest"));
	ck_assert_ptr_nonnull(strstr(text, "\n\t$(GLINT) deploy $(NAME) "
					   "$(NAME).elf"));
	/* An existing directory is never overwritten. */
	rc = cli_new_project(proj, "my_fn", err, sizeof(err));
	ck_assert_int_eq(rc, -EEXIST);
	ck_assert_ptr_nonnull(strstr(err, "remove it"));
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

/* ---- the binary: usage errors, unreachable server, --help ---- */

static void expect_usage_error(const char *const *args, const char *needle)
{
	struct glint_run r;

	glint_run(args, NULL, NULL, 0, &r);
	ck_assert_msg(r.exit_code == 2, "%s: exit %d, stderr %s", args[0],
		      r.exit_code, r.err);
	ck_assert_msg(glint_run_one_error_line(&r), "not one line: %s", r.err);
	ck_assert_msg(strstr(r.err, needle), "'%s' not in: %s", needle, r.err);
	ck_assert_uint_eq(r.out_len, 0);
	glint_run_free(&r);
}

START_TEST(test_usage_errors)
{
	char url[64];

	/* A closed port: had a request been sent, the exit would be 3. */
	snprintf(url, sizeof(url), "--url=http://127.0.0.1:%u",
		 glint_run_closed_port());
	expect_usage_error((const char *[]){"frob", NULL},
			   "unknown command 'frob'");
	expect_usage_error((const char *[]){url, "invoke", NULL},
			   "missing arguments; usage: glint invoke NAME");
	expect_usage_error((const char *[]){url, "invoke", "Bad.Name", NULL},
			   "bad function name 'Bad.Name'");
	expect_usage_error(
		(const char *[]){url, "deploy", "f", "/nonexistent/f.elf",
				 NULL},
		"cannot read image /nonexistent/f.elf: No such file");
	expect_usage_error(
		(const char *[]){url, "deploy", "f", "/etc/hostname", NULL},
		"is not an ELF image");
	expect_usage_error((const char *[]){url, "deploy", "f", "/etc/hostname",
					    "--memory", "lots", NULL},
			   "--memory must be a whole number from 1 to 1024, "
			   "not 'lots'");
	expect_usage_error((const char *[]){url, "deploy", "f", "x.elf",
					    "--warm", "99999", NULL},
			   "--warm must be");
	expect_usage_error((const char *[]){url, "invoke", "f", "--data", "a",
					    "--file", "/etc/hostname", NULL},
			   "give only one of --data, --file and -");
	expect_usage_error((const char *[]){url, "invoke", "f", "--file",
					    "/nonexistent", NULL},
			   "cannot read /nonexistent");
	expect_usage_error((const char *[]){url, "list", "extra", NULL},
			   "unexpected argument 'extra'");
	expect_usage_error((const char *[]){url, "list", "--memory", "1", NULL},
			   "unknown option '--memory'");
	expect_usage_error(
		(const char *[]){"--url", "localhost:8080", "list", NULL},
		"bad URL 'localhost:8080'");
	expect_usage_error((const char *[]){url, "--token-file", "/nonexistent",
					    "list", NULL},
			   "cannot read token file /nonexistent");
	expect_usage_error(
		(const char *[]){url, "--token", "a b", "list", NULL},
		"the token must be");
}
END_TEST

START_TEST(test_unreachable)
{
	unsigned port = glint_run_closed_port();
	char env_url[64], msg[128];
	struct glint_run r;

	/* Through GLINT_URL, so the environment is honoured too. */
	snprintf(env_url, sizeof(env_url), "GLINT_URL=http://127.0.0.1:%u",
		 port);
	glint_run((const char *[]){"list", NULL},
		  (const char *[]){env_url, NULL}, NULL, 0, &r);
	ck_assert_int_eq(r.exit_code, 3);
	snprintf(msg, sizeof(msg),
		 "glint: cannot connect to http://127.0.0.1:%u: Connection "
		 "refused (is glintd running? set --url or GLINT_URL)\n",
		 port);
	ck_assert_str_eq(r.err, msg);
	ck_assert_uint_eq(r.out_len, 0);
	glint_run_free(&r);
}
END_TEST

START_TEST(test_help)
{
	static const char *const cmds[] = {
		"deploy", "invoke", "list",   "info",	  "rm",	     "stats",
		"new",	  "env",    "secret", "versions", "rollback"};
	char want[64];
	struct glint_run r;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		glint_run((const char *[]){cmds[i], "--help", NULL}, NULL, NULL,
			  0, &r);
		ck_assert_int_eq(r.exit_code, 0);
		snprintf(want, sizeof(want), "usage: glint %s ", cmds[i]);
		ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0,
			      "%s --help printed: %s", cmds[i], r.out);
		ck_assert_ptr_nonnull(strstr(r.out, "--url URL"));
		glint_run_free(&r);
	}
	/* No command at all: the usage, on stderr, as a usage error. */
	glint_run((const char *[]){NULL}, NULL, NULL, 0, &r);
	ck_assert_int_eq(r.exit_code, 2);
	ck_assert_uint_eq(r.out_len, 0);
	ck_assert_ptr_nonnull(strstr(r.err, "usage: glint"));
	glint_run_free(&r);
	glint_run((const char *[]){"--help", NULL}, NULL, NULL, 0, &r);
	ck_assert_int_eq(r.exit_code, 0);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		ck_assert_ptr_nonnull(strstr(r.out, cmds[i]));
	glint_run_free(&r);
}
END_TEST

/* ---- authentication against a stand-in server ---- */

static int listen_loopback(unsigned *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert(fd >= 0);
	ck_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	ck_assert(listen(fd, 4) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Accepts one request, keeps its head in req, answers with resp. */
static void serve_one(int lfd, char *req, size_t cap, const char *resp)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	size_t n = 0;
	ssize_t got;
	int fd;

	ck_assert_msg(poll(&p, 1, 60000) == 1, "glint never connected");
	fd = accept(lfd, NULL, NULL);
	ck_assert(fd >= 0);
	while (n + 1 < cap && !strstr(req, "\r\n\r\n")) {
		got = read(fd, req + n, cap - n - 1);
		if (got <= 0)
			break;
		n += (size_t)got;
		req[n] = '\0';
	}
	ck_assert(write(fd, resp, strlen(resp)) == (ssize_t)strlen(resp));
	close(fd);
}

START_TEST(test_token_sent_and_401_explained)
{
	static const char resp[] = "HTTP/1.1 401 Unauthorized\r\nContent-Type: "
				   "application/json\r\n"
				   "Connection: close\r\n\r\n"
				   "{\"error\":{\"code\":\"unauthorized\","
				   "\"message\":\"bad token\","
				   "\"request_id\":\"1\"}}";
	char tokfile[] = "/tmp/glint-cli-token-XXXXXX", url[64], req[4096] = "";
	unsigned port;
	int lfd = listen_loopback(&port), fd = mkstemp(tokfile);
	struct glint_run r;
	pid_t pid;

	ck_assert(fd >= 0);
	ck_assert(write(fd, "from-file\n", 10) == 10);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
	pid = glint_run_start((const char *[]){"--url", url, "--token-file",
					       tokfile, "rm", "f", NULL},
			      NULL, NULL, 0);
	serve_one(lfd, req, sizeof(req), resp);
	glint_run_wait(pid, &r);
	ck_assert_msg(strstr(req, "DELETE /functions/f HTTP/1.1\r\n"), "%s",
		      req);
	ck_assert_msg(strstr(req, "\r\nAuthorization: Bearer from-file\r\n"),
		      "%s", req);
	ck_assert_int_eq(r.exit_code, 1);
	ck_assert_str_eq(r.err, "glint: unauthorized: bad token (pass --token "
				"TOKEN or --token-file FILE, or set "
				"GLINT_TOKEN)\n");
	glint_run_free(&r);

	/* GLINT_TOKEN is used when no flag is given. */
	req[0] = '\0';
	pid = glint_run_start((const char *[]){"--url", url, "list", NULL},
			      (const char *[]){"GLINT_TOKEN=from-env", NULL},
			      NULL, 0);
	serve_one(lfd, req, sizeof(req), resp);
	glint_run_wait(pid, &r);
	ck_assert_msg(strstr(req, "GET /functions HTTP/1.1\r\n"), "%s", req);
	ck_assert_msg(strstr(req, "\r\nAuthorization: Bearer from-env\r\n"),
		      "%s", req);
	ck_assert_int_eq(r.exit_code, 1);
	glint_run_free(&r);
	unlink(tokfile);
	close(lfd);
}
END_TEST

/* Keys go into a path with '/' and the other path characters kept; a
 * query value keeps only the unreserved ones; decoding undoes both. */
START_TEST(test_kv_encoding)
{
	char *e = text_percent_encode("a b/c?%\xff:~", 10, 1);
	char bad[] = "a%2", bad2[] = "%zz1";

	ck_assert_str_eq(e, "a%20b/c%3F%25%FF:~");
	free(e);
	e = text_percent_encode("a b/c?%\xff:~", 10, 0);
	ck_assert_str_eq(e, "a%20b%2Fc%3F%25%FF%3A~");
	ck_assert_int_eq(cli_kv_decode(e), 10);
	ck_assert(memcmp(e, "a b/c?%\xff:~", 10) == 0);
	free(e);
	e = text_percent_encode("\0x", 2, 1);
	ck_assert_str_eq(e, "%00x");
	ck_assert_int_eq(cli_kv_decode(e), 2);
	ck_assert(memcmp(e, "\0x", 2) == 0);
	free(e);
	ck_assert_int_eq(cli_kv_decode(bad), -EINVAL);
	ck_assert_int_eq(cli_kv_decode(bad2), -EINVAL);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *t = tcase_create("unit");

	tcase_add_test(t, test_args_forms);
	tcase_add_test(t, test_kv_encoding);
	tcase_add_test(t, test_args_rejects);
	tcase_add_test(t, test_args_settings_and_secret_file);
	tcase_add_test(t, test_args_values);
	tcase_add_test(t, test_stats_parse_and_quantiles);
	tcase_add_test(t, test_stats_inf_bucket_and_escapes);
	tcase_add_test(t, test_durations);
	tcase_add_test(t, test_error_lines);
	tcase_add_test(t, test_new_project_files);
	tcase_add_test(t, test_usage_errors);
	tcase_add_test(t, test_unreachable);
	tcase_add_test(t, test_help);
	tcase_add_test(t, test_token_sent_and_401_explained);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return check_run(cli_suite());
}
