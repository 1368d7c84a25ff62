/* glint_cli.c: the glint command: deploys, invokes and inspects functions on glintd over HTTP. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli_args.h"
#include "cli_http.h"
#include "cli_kv.h"
#include "cli_output.h"
#include "cli_templates.h"
#include "settings.h"

#define DEFAULT_URL "http://127.0.0.1:8080"
/* Whole-request limits; connecting is limited to 5 s in cli_http.c. An
 * invocation may wait for a VM and then run, each up to 600 s. */
#define INVOKE_TIMEOUT_S 1230L
#define DEPLOY_TIMEOUT_S 600L
#define QUERY_TIMEOUT_S 60L

struct cli {
	struct cli_args a;
	struct cli_server srv;
	char url[1024];
	char *token_buf; /* from --token-file */
	int json;
};

struct command {
	const char *name, *synopsis, *help;
	unsigned opts;
	int min_pos, max_pos;
	int needs_server;
	int (*run)(struct cli *c);
};

static int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("glint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see: glint %s%s--help)\n", cmd ? cmd : "",
		cmd ? " " : "");
	return CLI_EXIT_USAGE;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("glint: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_REFUSED;
}

/* A JSON document built by the CLI itself, for --json. */
static void print_json_pack(const char *fmt, ...)
{
	va_list ap;
	json_t *o;
	char *s;

	va_start(ap, fmt);
	o = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (s)
		puts(s);
	free(s);
	json_decref(o);
}

/* ---- talking to glintd ---- */

/* Sends one request; on a transport failure prints the reason and returns
 * CLI_EXIT_UNREACHABLE (r is then empty). */
static int request(struct cli *c, const char *method, const char *path,
		   const void *body, size_t len, long timeout_s,
		   struct cli_resp *r)
{
	char err[256];
	int rc;

	c->srv.timeout_s = timeout_s;
	rc = cli_http_request(&c->srv, method, path, body, len, r, err,
			      sizeof(err));
	if (rc == -ENOMEM) {
		cli_resp_free(r);
		return fail("out of memory");
	}
	if (rc < 0) {
		cli_resp_free(r);
		fprintf(stderr,
			"glint: cannot connect to %s: %s (is glintd running? "
			"set --url or GLINT_URL)\n",
			c->url, err);
		return CLI_EXIT_UNREACHABLE;
	}
	return CLI_EXIT_OK;
}

/* A response that is not the expected success: one line on stderr, and
 * with --json the server's error document on stdout for scripts. */
static int server_said_no(struct cli *c, const char *function,
			  const struct cli_resp *r)
{
	char line[1024];

	cli_output_error_line(r->status, r->body, r->len, function, line,
			      sizeof(line));
	if (c->json && r->len && r->body[0] == '{')
		cli_output_raw_json(r->body, r->len);
	fprintf(stderr, "glint: %s\n", line);
	return CLI_EXIT_REFUSED;
}

/* GET path expecting 200 with a JSON object. */
static int get_json(struct cli *c, const char *path, const char *function,
		    struct cli_resp *r, json_t **out)
{
	json_error_t jerr;
	int rc = request(c, "GET", path, NULL, 0, QUERY_TIMEOUT_S, r);

	*out = NULL;
	if (rc != CLI_EXIT_OK)
		return rc;
	if (r->status != 200)
		return server_said_no(c, function, r);
	*out = json_loadb(r->body, r->len, 0, &jerr);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return fail("glintd sent a response that is not a JSON "
			    "object (%s); is %s really glintd?",
			    jerr.text[0] ? jerr.text : "wrong type", c->url);
	}
	return CLI_EXIT_OK;
}

/* ---- commands ---- */

static int append_setting(char *q, size_t cap, const char *key,
			  const char *value)
{
	size_t n = strlen(q);
	int w;

	if (!value)
		return 0;
	w = snprintf(q + n, cap - n, "%s%s=%s", n ? "&" : "?", key, value);
	return w < 0 || (size_t)w >= cap - n ? -ENOSPC : 0;
}

/* --allow-fetch prefixes as one allow_fetch value: one per line,
 * percent-encoded for the query. */
static int append_allow_fetch(char *q, size_t cap, const struct cli_args *a)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(q);

	if (!a->allow_fetch_given)
		return 0;
	if (n + 14 >= cap)
		return -ENOSPC;
	n += (size_t)snprintf(q + n, cap - n, "%sallow_fetch=", n ? "&" : "?");
	for (int i = 0; i < a->n_allow_fetch; i++)
		for (const char *p = a->allow_fetch[i];; p++) {
			unsigned char ch = *p ? (unsigned char)*p : '\n';

			if (!*p && i == a->n_allow_fetch - 1)
				break;
			if (n + 4 >= cap)
				return -ENOSPC;
			if ((ch >= 'a' && ch <= 'z') ||
			    (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
				q[n++] = (char)ch;
			} else {
				q[n++] = '%';
				q[n++] = hex[ch >> 4];
				q[n++] = hex[ch & 15];
			}
			if (!*p)
				break;
		}
	q[n] = '\0';
	return 0;
}

static int check_settings(const struct cli_args *a)
{
	/* The ranges are the daemon's own (daemon/common/settings.c), so a bad
	 * number is caught before the image is uploaded. */
	static const struct {
		const char *flag, *key;
		size_t off;
	} checks[] = {
		{"memory", "memory_mb", offsetof(struct cli_args, memory)},
		{"timeout", "timeout_ms", offsetof(struct cli_args, timeout)},
		{"concurrency", "max_concurrency",
		 offsetof(struct cli_args, concurrency)},
		{"warm", "min_warm", offsetof(struct cli_args, warm)},
		{"queue", "queue_max", offsetof(struct cli_args, queue)},
		{"queue-timeout", "queue_timeout_ms",
		 offsetof(struct cli_args, queue_timeout)},
		{"idle", "idle_ms", offsetof(struct cli_args, idle)},
		{"max-output", "max_output_bytes",
		 offsetof(struct cli_args, max_output)},
		{"wasi-stub-unknown", "wasi_stub_unknown",
		 offsetof(struct cli_args, wasi_stub_unknown)},
	};
	uint32_t v, min, max;

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const char *s =
			*(const char *const *)((const char *)a + checks[i].off);

		if (!s || function_setting_range(checks[i].key, &min, &max))
			continue;
		if (cli_parse_u32(s, min, max, &v))
			return usage_error("deploy",
					   "--%s must be a whole number from "
					   "%u to %u, not '%s'",
					   checks[i].flag, min, max, s);
	}
	return CLI_EXIT_OK;
}

static int cmd_deploy(struct cli *c)
{
	const char *name = c->a.pos[0], *image = c->a.pos[1];
	char path[8192] = "", query[7680] = "";
	struct cli_resp r;
	char *img = NULL;
	size_t len = 0;
	int rc;

	if ((rc = check_settings(&c->a)) != CLI_EXIT_OK)
		return rc;
	rc = cli_read_file(image, &img, &len);
	if (rc < 0)
		return usage_error("deploy", "cannot read image %s: %s", image,
				   strerror(-rc));
	if (len < 4 ||
	    (memcmp(img, "\177ELF", 4) != 0 && memcmp(img, "\0asm", 4) != 0)) {
		free(img);
		return usage_error("deploy",
				   "%s is not an ELF image (pkg-config "
				   "glint-guest) or a Wasm module",
				   image);
	}
	append_setting(query, sizeof(query), "memory_mb", c->a.memory);
	append_setting(query, sizeof(query), "timeout_ms", c->a.timeout);
	append_setting(query, sizeof(query), "max_concurrency",
		       c->a.concurrency);
	append_setting(query, sizeof(query), "min_warm", c->a.warm);
	append_setting(query, sizeof(query), "queue_max", c->a.queue);
	append_setting(query, sizeof(query), "queue_timeout_ms",
		       c->a.queue_timeout);
	append_setting(query, sizeof(query), "idle_ms", c->a.idle);
	append_setting(query, sizeof(query), "max_output_bytes",
		       c->a.max_output);
	append_setting(query, sizeof(query), "wasi_stub_unknown",
		       c->a.wasi_stub_unknown);
	if (append_allow_fetch(query, sizeof(query), &c->a) < 0) {
		free(img);
		return usage_error("deploy", "--allow-fetch prefixes are too "
					     "long together");
	}
	snprintf(path, sizeof(path), "/functions/%s%s", name, query);
	rc = request(c, "PUT", path, img, len, DEPLOY_TIMEOUT_S, &r);
	free(img);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (r.status != 201 && r.status != 200)
		rc = server_said_no(c, name, &r);
	else if (c->json)
		cli_output_raw_json(r.body, r.len);
	else
		cli_output_deployed(r.body, r.len, name);
	cli_resp_free(&r);
	return rc;
}

static int invoke_input(struct cli *c, char **buf, size_t *len)
{
	const struct cli_args *a = &c->a;
	int sources = !!a->data + !!a->file + a->stdin_dash, rc;

	*buf = NULL;
	*len = 0;
	if (sources > 1)
		return usage_error("invoke", "give only one of --data, --file "
					     "and -");
	if (a->data) {
		*buf = strdup(a->data);
		*len = strlen(a->data);
		return *buf ? CLI_EXIT_OK : fail("out of memory");
	}
	if (!a->file && !a->stdin_dash)
		return CLI_EXIT_OK; /* an empty request body */
	rc = cli_read_file(a->file ? a->file : "-", buf, len);
	if (rc < 0)
		return usage_error("invoke", "cannot read %s: %s",
				   a->file ? a->file : "standard input",
				   strerror(-rc));
	return CLI_EXIT_OK;
}

static int cmd_invoke(struct cli *c)
{
	const char *name = c->a.pos[0];
	char path[128], *in;
	struct cli_resp r;
	size_t len;
	int rc = invoke_input(c, &in, &len);

	if (rc != CLI_EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/invoke/%s", name);
	rc = request(c, "POST", path, in ? in : "", len, INVOKE_TIMEOUT_S, &r);
	free(in);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (r.status != 200) {
		rc = server_said_no(c, name, &r);
	} else if (fwrite(r.body, 1, r.len, stdout) != r.len ||
		   fflush(stdout) != 0) {
		rc = fail("cannot write the output: %s", strerror(errno));
	}
	cli_resp_free(&r);
	return rc;
}

static int cmd_list(struct cli *c)
{
	struct cli_resp r;
	json_t *doc;
	int rc = get_json(c, "/functions", NULL, &r, &doc);

	if (rc == CLI_EXIT_OK) {
		if (c->json)
			cli_output_raw_json(r.body, r.len);
		else
			cli_output_list(doc);
	}
	json_decref(doc);
	cli_resp_free(&r);
	return rc;
}

static int cmd_info(struct cli *c)
{
	const char *name = c->a.pos[0];
	struct cli_resp r;
	char path[128];
	json_t *doc;
	int rc;

	snprintf(path, sizeof(path), "/functions/%s", name);
	rc = get_json(c, path, name, &r, &doc);
	if (rc == CLI_EXIT_OK) {
		if (c->json)
			cli_output_raw_json(r.body, r.len);
		else
			cli_output_info(doc);
	}
	json_decref(doc);
	cli_resp_free(&r);
	return rc;
}

static int cmd_rm(struct cli *c)
{
	const char *name = c->a.pos[0];
	struct cli_resp r;
	char path[128];
	int rc;

	snprintf(path, sizeof(path), "/functions/%s%s", name,
		 c->a.purge ? "?purge=1" : "");
	rc = request(c, "DELETE", path, NULL, 0, QUERY_TIMEOUT_S, &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (r.status != 204 && r.status != 200)
		rc = server_said_no(c, name, &r);
	else if (c->json)
		print_json_pack("{s:s, s:b, s:b}", "name", name, "deleted", 1,
				"purged", c->a.purge != NULL);
	else
		printf("removed %s%s\n", name,
		       c->a.purge ? " and its key-value store" : "");
	cli_resp_free(&r);
	return rc;
}

static int cmd_stats(struct cli *c)
{
	struct cli_resp r;
	int rc = request(c, "GET", "/metrics", NULL, 0, QUERY_TIMEOUT_S, &r);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (r.status != 200)
		rc = server_said_no(c, NULL, &r);
	else if (cli_output_stats(r.body, r.len, c->json) < 0)
		rc = fail("out of memory");
	cli_resp_free(&r);
	return rc;
}

static int cmd_new(struct cli *c)
{
	const char *name = c->a.pos[0];
	const char *dir = c->a.npos > 1 ? c->a.pos[1] : name;
	char err[512];

	const char *lang = c->a.lang ? c->a.lang : "c";

	if (cli_new_project_lang(dir, name, lang, err, sizeof(err)) < 0)
		return fail("%s", err);
	if (c->json)
		print_json_pack("{s:s, s:s}", "name", name, "directory", dir);
	else
		printf("created %s/ with %s.%s, Makefile and README.md\n"
		       "build and deploy it with: cd %s && make deploy\n",
		       dir, name,
		       strcmp(lang, "rust") == 0	     ? "rs"
		       : strcmp(lang, "assemblyscript") == 0 ? "ts"
							     : "c",
		       dir);
	return CLI_EXIT_OK;
}

/* A query value from the command line, checked so it needs no escaping. */
static int logs_value_ok(const char *v)
{
	return v && *v && strlen(v) < 40 &&
	       strspn(v, "0123456789abcdefghijklmnopqrstuvwxyzABCDEF.") ==
		       strlen(v);
}

static int cmd_logs(struct cli *c)
{
	const char *name = c->a.pos[0];
	const struct {
		const char *key, *value;
	} q[] = {{"since", c->a.since},
		 {"level", c->a.level},
		 {"request_id", c->a.request_id}};
	struct cli_resp r;
	char path[256];
	size_t o;
	int rc;

	o = (size_t)snprintf(path, sizeof(path), "/functions/%s/logs?follow=%d",
			     name, c->a.follow ? 1 : 0);
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		if (!q[i].value)
			continue;
		if (!logs_value_ok(q[i].value))
			return usage_error("logs", "bad --%s value '%s'",
					   q[i].key, q[i].value);
		o += (size_t)snprintf(path + o, sizeof(path) - o, "&%s=%s",
				      q[i].key, q[i].value);
	}
	/* Followed, the stream lasts until glintd or the user ends it. */
	c->srv.sink = stdout;
	rc = request(c, "GET", path, NULL, 0, c->a.follow ? 0 : QUERY_TIMEOUT_S,
		     &r);
	c->srv.sink = NULL;
	if (rc == CLI_EXIT_OK && r.status != 200)
		rc = server_said_no(c, name, &r);
	cli_resp_free(&r);
	return rc;
}

/* ---- environment, secrets, versions ---- */

static int bad_name(const char *cmd, const char *name)
{
	if (cli_name_ok(name))
		return CLI_EXIT_OK;
	return usage_error(cmd,
			   "bad function name '%s': use 1-63 of a-z, 0-9, "
			   "'-' and '_'",
			   name);
}

/* A request whose success is status ok; prints nothing on success. */
static int send_ok(struct cli *c, const char *method, const char *path,
		   const void *body, size_t len, const char *name, long ok,
		   struct cli_resp *r)
{
	int rc = request(c, method, path, body, len, DEPLOY_TIMEOUT_S, r);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (r->status != ok) {
		rc = server_said_no(c, name, r);
		cli_resp_free(r);
	}
	return rc;
}

static int env_print(struct cli *c, const char *name)
{
	struct cli_resp r;
	char path[128];
	json_t *doc, *v;
	const char *k;
	int rc;

	snprintf(path, sizeof(path), "/functions/%s/env", name);
	rc = get_json(c, path, name, &r, &doc);
	if (rc == CLI_EXIT_OK && c->json) {
		cli_output_raw_json(r.body, r.len);
	} else if (rc == CLI_EXIT_OK) {
		json_object_foreach(json_object_get(doc, "env"), k, v)
			printf("%s=%s\n", k, json_string_value(v));
	}
	json_decref(doc);
	cli_resp_free(&r);
	return rc;
}

/* set: KEY=VALUE arguments added; unset: KEY arguments removed. */
static int env_edit(json_t *env, const struct cli_args *a, int set)
{
	for (int i = 2; i < a->npos; i++) {
		const char *eq = strchr(a->pos[i], '=');
		char key[160];

		if (set && (!eq || eq == a->pos[i]))
			return usage_error("env", "'%s' is not KEY=VALUE",
					   a->pos[i]);
		if (!set && eq)
			return usage_error("env", "unset takes names, not '%s'",
					   a->pos[i]);
		snprintf(key, sizeof(key), "%.*s",
			 set ? (int)(eq - a->pos[i]) : (int)strlen(a->pos[i]),
			 a->pos[i]);
		if (set)
			json_object_set_new(env, key, json_string(eq + 1));
		else
			json_object_del(env, key);
	}
	return CLI_EXIT_OK;
}

static int cmd_env(struct cli *c)
{
	const char *sub = c->a.pos[0], *name = c->a.pos[1];
	int set = strcmp(sub, "set") == 0, rc;
	struct cli_resp r;
	char path[128], *body;
	json_t *doc, *env;

	if (!set && strcmp(sub, "get") && strcmp(sub, "unset"))
		return usage_error("env",
				   "unknown action '%s': use set, get "
				   "or unset",
				   sub);
	if ((rc = bad_name("env", name)) != CLI_EXIT_OK)
		return rc;
	if (strcmp(sub, "get") == 0)
		return c->a.npos > 2 ? usage_error("env", "get takes only NAME")
				     : env_print(c, name);
	if (c->a.npos < 3)
		return usage_error("env", "%s needs at least one %s", sub,
				   set ? "KEY=VALUE" : "KEY");
	snprintf(path, sizeof(path), "/functions/%s/env", name);
	rc = get_json(c, path, name, &r, &doc);
	cli_resp_free(&r);
	if (rc != CLI_EXIT_OK)
		return rc;
	env = json_object_get(doc, "env");
	if (!json_is_object(env) || (rc = env_edit(env, &c->a, set))) {
		json_decref(doc);
		return rc ? rc : fail("glintd sent no environment");
	}
	body = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (!body)
		return fail("out of memory");
	rc = send_ok(c, "PUT", path, body, strlen(body), name, 200, &r);
	free(body);
	if (rc == CLI_EXIT_OK) {
		if (c->json)
			cli_output_raw_json(r.body, r.len);
		else
			printf("environment of %s updated; it was "
			       "initialised again\n",
			       name);
		cli_resp_free(&r);
	}
	return rc;
}

/* The value from --file or standard input, never from argv; one trailing
 * newline (as `echo` writes) is not part of it. */
static int secret_value(struct cli *c, char **buf, size_t *len)
{
	const char *src = c->a.file ? c->a.file : "-";
	int rc;

	if (c->a.file && c->a.stdin_dash)
		return usage_error("secret", "give only one of --file and -");
	if (!c->a.file && !c->a.stdin_dash && isatty(STDIN_FILENO))
		return usage_error("secret",
				   "the value is read from standard input or "
				   "--file FILE, never from the command line");
	rc = cli_read_file(src, buf, len);
	if (rc < 0)
		return usage_error("secret", "cannot read %s: %s",
				   c->a.file ? c->a.file : "standard input",
				   strerror(-rc));
	if (*len > 0 && (*buf)[*len - 1] == '\n')
		(*buf)[--*len] = '\0';
	return CLI_EXIT_OK;
}

static int secret_list(struct cli *c, const char *name)
{
	struct cli_resp r;
	char path[128];
	json_t *doc, *v;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "/functions/%s/secrets", name);
	rc = get_json(c, path, name, &r, &doc);
	if (rc == CLI_EXIT_OK && c->json) {
		cli_output_raw_json(r.body, r.len);
	} else if (rc == CLI_EXIT_OK) {
		json_array_foreach(json_object_get(doc, "secrets"), i, v)
			printf("%-32s %s\n",
			       json_string_value(json_object_get(v, "name")),
			       json_string_value(
				       json_object_get(v, "updated_at")));
	}
	json_decref(doc);
	cli_resp_free(&r);
	return rc;
}

static int secret_change(struct cli *c, const char *name, int set)
{
	const char *key = c->a.pos[2];
	struct cli_resp r;
	char path[512], *val = NULL;
	size_t len = 0;
	int rc;

	if (c->a.npos != 3)
		return usage_error("secret", "%s takes NAME and SECRET",
				   set ? "set" : "rm");
	if (set && (rc = secret_value(c, &val, &len)) != CLI_EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/functions/%s/secrets/%s", name, key);
	rc = send_ok(c, set ? "PUT" : "DELETE", path, val ? val : "", len, name,
		     204, &r);
	if (val) {
		explicit_bzero(val, len);
		free(val);
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	cli_resp_free(&r);
	if (c->json)
		print_json_pack("{s:s, s:s, s:b}", "name", name, "secret", key,
				set ? "set" : "removed", 1);
	else
		printf("secret %s of %s %s; the function was initialised "
		       "again\n",
		       key, name, set ? "set" : "removed");
	return CLI_EXIT_OK;
}

static int cmd_secret(struct cli *c)
{
	const char *sub = c->a.pos[0], *name = c->a.pos[1];
	int rc = bad_name("secret", name);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (strcmp(sub, "ls") == 0)
		return c->a.npos > 2
			       ? usage_error("secret", "ls takes only NAME")
			       : secret_list(c, name);
	if (strcmp(sub, "set") == 0 || strcmp(sub, "rm") == 0)
		return secret_change(c, name, sub[0] == 's');
	return usage_error("secret", "unknown action '%s': use set, ls or rm",
			   sub);
}

static int cmd_versions(struct cli *c)
{
	const char *name = c->a.pos[0];
	struct cli_resp r;
	char path[128];
	json_t *doc, *v;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "/functions/%s/versions", name);
	rc = get_json(c, path, name, &r, &doc);
	if (rc == CLI_EXIT_OK && c->json) {
		cli_output_raw_json(r.body, r.len);
	} else if (rc == CLI_EXIT_OK) {
		printf("%-8s %-4s %-24s %-10s %s\n", "VERSION", "LIVE",
		       "DEPLOYED", "BYTES", "SHA256");
		json_array_foreach(json_object_get(doc, "versions"), i, v)
			printf("%-8lld %-4s %-24s %-10lld %.16s\n",
			       (long long)json_integer_value(
				       json_object_get(v, "version")),
			       json_is_true(json_object_get(v, "live")) ? "*"
									: "",
			       json_string_value(
				       json_object_get(v, "deployed_at")),
			       (long long)json_integer_value(
				       json_object_get(v, "image_bytes")),
			       json_string_value(json_object_get(v, "sha256")));
	}
	json_decref(doc);
	cli_resp_free(&r);
	return rc;
}

static int cmd_rollback(struct cli *c)
{
	const char *name = c->a.pos[0];
	struct cli_resp r;
	char path[160];
	json_t *doc;
	uint32_t v = 0;
	int rc;

	if (c->a.npos > 1 && cli_parse_u32(c->a.pos[1], 1, UINT32_MAX, &v))
		return usage_error("rollback",
				   "VERSION must be a version "
				   "number, not '%s'",
				   c->a.pos[1]);
	if (v)
		snprintf(path, sizeof(path),
			 "/functions/%s/rollback?version=%u", name, v);
	else
		snprintf(path, sizeof(path), "/functions/%s/rollback", name);
	rc = send_ok(c, "POST", path, "", 0, name, 200, &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	doc = json_loadb(r.body, r.len, 0, NULL);
	if (c->json)
		cli_output_raw_json(r.body, r.len);
	else
		printf("%s is at version %lld\n", name,
		       (long long)json_integer_value(
			       json_object_get(doc, "version")));
	json_decref(doc);
	cli_resp_free(&r);
	return CLI_EXIT_OK;
}

static int kv_request(void *ctx, const char *method, const char *path,
		      const void *body, size_t len, struct cli_resp *r)
{
	return request(ctx, method, path, body, len, QUERY_TIMEOUT_S, r);
}

static int kv_refused(void *ctx, const char *function, const struct cli_resp *r)
{
	return server_said_no(ctx, function, r);
}

static int cmd_kv(struct cli *c)
{
	const struct cli_kv_io io = {kv_request, kv_refused, c, c->json};

	return cli_kv_run(&io, &c->a);
}

static const struct command commands[] = {
	{"deploy",
	 "NAME IMAGE [--memory MIB] [--timeout MS] "
	 "[--concurrency N] [--warm N] [--queue N] [--queue-timeout MS] "
	 "[--idle MS] [--max-output BYTES] [--allow-fetch PREFIX]... "
	 "[--wasi-stub-unknown 0|1]",
	 "Uploads the image file IMAGE (an ELF built with pkg-config "
	 "glint-guest) as\nfunction NAME, replacing an older version, and "
	 "waits until it is ready.\n\n"
	 "  --memory MIB      guest memory in MiB (1-1024)\n"
	 "  --timeout MS      time limit of one call in ms (1-600000)\n"
	 "  --concurrency N   VMs running at once at most (1-1024)\n"
	 "  --warm N          VMs kept booted and ready (0-1024)\n"
	 "  --queue N         calls waiting for a VM at most (0-100000)\n"
	 "  --queue-timeout MS  longest wait in that queue (1-600000)\n"
	 "  --idle MS         VMs above --warm go after this idle time "
	 "(100-86400000)\n"
	 "  --max-output BYTES  largest response body (1-6291456); more is\n"
	 "                    an output_too_large error\n"
	 "  --allow-fetch PREFIX  a URL prefix the function may fetch, e.g.\n"
	 "                    https://api.example.com/v1/ (repeat for more;\n"
	 "                    '' for none, the default)\n"
	 "  --wasi-stub-unknown 0|1  Wasm modules: 1 links imports glint "
	 "does not\n"
	 "                    provide to stubs returning ENOSYS instead of "
	 "refusing\n"
	 "                    the module\n"
	 "Settings not given keep the function's current values (the "
	 "daemon's\ndefaults for a new function); so do its environment "
	 "and secrets.\n",
	 CLI_OPT_DEPLOY, 2, 2, 1, cmd_deploy},
	{"invoke", "NAME [--data TEXT | --file FILE | -]",
	 "Calls function NAME and writes its output to standard output, "
	 "byte for byte.\n\n"
	 "  --data TEXT   request body given on the command line\n"
	 "  --file FILE   request body read from FILE\n"
	 "  -             request body read from standard input\n"
	 "With none of them the request body is empty.\n",
	 CLI_OPT_INVOKE, 1, 1, 1, cmd_invoke},
	{"list", "", "Lists the deployed functions and their settings.\n", 0, 0,
	 0, 1, cmd_list},
	{"info", "NAME",
	 "Shows function NAME: version, image, settings, call counts and its "
	 "VM pool.\n",
	 0, 1, 1, 1, cmd_info},
	{"rm", "NAME [--purge]",
	 "Deletes function NAME and its VMs. Its key-value store stays (a "
	 "later deploy\nof NAME sees the keys) unless --purge is given.\n\n"
	 "  --purge   delete the key-value store too (also when NAME is no "
	 "longer\n            deployed)\n",
	 CLI_OPT_RM, 1, 1, 1, cmd_rm},
	{"delete", "NAME [--purge]", "The same as glint rm.\n", CLI_OPT_RM, 1,
	 1, 1, cmd_rm},
	{"kv", "get|set|rm|ls NAME [KEY] [VALUE | -] [--ttl MS] [--prefix P]",
	 "Reads and changes the key-value store of function NAME (the "
	 "glint_kv_*\ncalls in the guest). Keys and values are passed byte "
	 "for byte.\n\n"
	 "  glint kv get NAME KEY          the value on standard output\n"
	 "  glint kv set NAME KEY VALUE    set KEY to VALUE\n"
	 "  glint kv set NAME KEY -        the value from standard input "
	 "(also\n                                 without - when input is "
	 "not a terminal)\n"
	 "  glint kv rm NAME KEY\n"
	 "  glint kv ls NAME [--prefix P]  the keys, one a line\n\n"
	 "  --ttl MS      with set: the key expires MS milliseconds later\n"
	 "  --prefix P    with ls: only the keys that begin with P\n"
	 "set and rm print nothing on success; a missing key is "
	 "key_not_found.\n",
	 CLI_OPT_KV, 2, 4, 1, cmd_kv},
	{"logs", "NAME [-f] [--since WHEN] [--level LEVEL] [--request-id ID]",
	 "Shows the recent log lines of function NAME that glintd keeps "
	 "(oldest first):\ntime, level, request id, version and text.\n\n"
	 "  -f, --follow        keep printing new lines as they come\n"
	 "  --since WHEN        lines since Unix time WHEN (seconds) or an age "
	 "such as\n                      90s, 15m, 2h\n"
	 "  --level LEVEL       error, warn, info or debug: lines at LEVEL or "
	 "more severe\n"
	 "  --request-id ID     the lines of one call (its X-Request-Id)\n",
	 CLI_OPT_LOGS, 1, 1, 1, cmd_logs},
	{"env", "set|get|unset NAME [KEY=VALUE... | KEY...]",
	 "Shows or changes the environment of function NAME (getenv() in the "
	 "guest).\nA change initialises the function again, like a "
	 "redeploy.\n\n"
	 "  glint env get NAME\n"
	 "  glint env set NAME KEY=VALUE...\n"
	 "  glint env unset NAME KEY...\n",
	 0, 2, CLI_MAX_POSITIONAL, 1, cmd_env},
	{"secret", "set|ls|rm NAME [SECRET] [--file FILE | -]",
	 "Manages the secrets of function NAME (glint_secret() in the guest; "
	 "not\nvisible through getenv()). A value is read from --file FILE or "
	 "standard\ninput, never from the command line; one trailing newline "
	 "is dropped.\nA change initialises the function again.\n\n"
	 "  glint secret set NAME SECRET < value-file\n"
	 "  glint secret ls NAME      names and update times, never values\n"
	 "  glint secret rm NAME SECRET\n",
	 CLI_OPT_SECRET, 2, 3, 1, cmd_secret},
	{"versions", "NAME",
	 "Lists the kept images of function NAME, newest first; * marks the "
	 "live one.\n",
	 0, 1, 1, 1, cmd_versions},
	{"rollback", "NAME [VERSION]",
	 "Makes an older kept image of NAME live again (default: the one "
	 "before the\nlive one) with its current settings, environment and "
	 "secrets; calls in\nflight finish on the old version.\n",
	 0, 1, 2, 1, cmd_rollback},
	{"stats", "",
	 "Summarises glintd's metrics per function: calls, errors, error "
	 "rate and\ncall duration (p50, p99) estimated from the histogram "
	 "buckets.\n",
	 0, 0, 0, 1, cmd_stats},
	{"new", "NAME [DIR] [--lang c|c-wasm|rust|assemblyscript]",
	 "Creates directory DIR (default NAME) with a starter function NAME.c, "
	 "a\nMakefile that builds NAME.elf with pkg-config glint-guest "
	 "(`make`) and\ndeploys it (`make deploy`), and a README.md.\n\n"
	 "  --lang c-wasm   NAME.c as a WASI module (clang, wasi-libc), "
	 "deployed as\n                  NAME.wasm\n"
	 "  --lang rust     NAME.rs as a WASI module (rustc, wasm32-wasi)\n"
	 "  --lang assemblyscript  NAME.ts as a WASI module (AssemblyScript "
	 "and\n                  @assemblyscript/wasi-shim from npm)\n",
	 CLI_OPT_NEW, 1, 2, 0, cmd_new},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char global_help[] =
	"Global options (before or after the command):\n"
	"  --url URL          glintd's address (default $GLINT_URL, "
	"else " DEFAULT_URL ")\n"
	"  --token TOKEN      bearer token for the API (default "
	"$GLINT_TOKEN)\n"
	"  --token-file FILE  read the token from FILE\n"
	"  --cacert FILE      CA certificate(s) for an https URL (default "
	"$GLINT_CACERT)\n"
	"  --json             print JSON for scripts\n"
	"  --help             help for a command\n"
	"Exit status: 0 ok, 1 the server said no, 2 usage error, 3 glintd "
	"unreachable.\n";

static void print_usage(FILE *f)
{
	fprintf(f, "usage: glint [OPTIONS] COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-7s %s\n", commands[i].name,
			commands[i].synopsis);
	fprintf(f, "\n%s", global_help);
}

static void print_command_help(const struct command *cmd)
{
	printf("usage: glint %s %s\n\n%s\n%s", cmd->name, cmd->synopsis,
	       cmd->help, global_help);
}

/* ---- set-up ---- */

static int setup_token(struct cli *c)
{
	const char *tok = c->a.token;
	size_t len;
	int rc;

	if (c->a.token && c->a.token_file)
		return usage_error(NULL, "give --token or --token-file, not "
					 "both");
	if (c->a.token_file) {
		rc = cli_read_file(c->a.token_file, &c->token_buf, &len);
		if (rc < 0)
			return usage_error(NULL,
					   "cannot read token file %s: %s",
					   c->a.token_file, strerror(-rc));
		while (len > 0 && strchr(" \t\r\n", c->token_buf[len - 1]))
			c->token_buf[--len] = '\0';
		tok = c->token_buf;
	}
	if (!tok)
		tok = getenv("GLINT_TOKEN");
	if (tok && !*tok && !c->a.token_file && !c->a.token)
		tok = NULL; /* GLINT_TOKEN= means none */
	if (tok && !cli_token_ok(tok))
		return usage_error(NULL, "the token must be 1-1024 printable "
					 "characters without spaces");
	c->srv.token = tok;
	return CLI_EXIT_OK;
}

static int setup_server(struct cli *c)
{
	const char *url = c->a.url;
	int rc;

	if (!url)
		url = getenv("GLINT_URL");
	if (!url || !*url)
		url = DEFAULT_URL;
	if (cli_url_normalize(url, c->url, sizeof(c->url)) < 0)
		return usage_error(NULL, "bad URL '%s': use http://HOST:PORT",
				   url);
	c->srv.url = c->url;
	c->srv.cacert = c->a.cacert ? c->a.cacert : getenv("GLINT_CACERT");
	if (c->srv.cacert && access(c->srv.cacert, R_OK) < 0)
		return usage_error(NULL, "cannot read CA file %s: %s",
				   c->srv.cacert, strerror(errno));
	if ((rc = setup_token(c)) != CLI_EXIT_OK)
		return rc;
	return CLI_EXIT_OK;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int check_positionals(struct cli *c, const struct command *cmd)
{
	if (c->a.stdin_dash &&
	    !(cmd->opts & (CLI_OPT_INVOKE | CLI_OPT_SECRET | CLI_OPT_KV)))
		return usage_error(cmd->name, "unexpected argument '-'");
	if (c->a.npos < cmd->min_pos)
		return usage_error(cmd->name,
				   "missing arguments; usage: glint "
				   "%s %s",
				   cmd->name, cmd->synopsis);
	if (c->a.npos > cmd->max_pos)
		return usage_error(cmd->name, "unexpected argument '%s'",
				   c->a.pos[cmd->max_pos]);
	if (cmd->min_pos > 0 && !cli_name_ok(c->a.pos[0]))
		return usage_error(cmd->name,
				   "bad function name '%s': use 1-63 of a-z, "
				   "0-9, '-' and '_'",
				   c->a.pos[0]);
	return CLI_EXIT_OK;
}

static int run(struct cli *c, int argc, char **argv)
{
	const struct command *cmd;
	char err[256];
	int next, rc;

	if (cli_args_parse(argc - 1, argv + 1, 0, 1, &c->a, &next, err,
			   sizeof(err)) < 0)
		return usage_error(NULL, "%s", err);
	next++;
	if (c->a.version) {
		printf("glint %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	if (next >= argc || strcmp(argv[next], "help") == 0) {
		cmd = next + 1 < argc ? find_command(argv[next + 1]) : NULL;
		if (cmd)
			print_command_help(cmd);
		else
			print_usage(c->a.help || next < argc ? stdout : stderr);
		return c->a.help || next < argc ? CLI_EXIT_OK : CLI_EXIT_USAGE;
	}
	cmd = find_command(argv[next]);
	if (!cmd)
		return usage_error(NULL, "unknown command '%s'", argv[next]);
	if (cli_args_parse(argc - next - 1, argv + next + 1, cmd->opts, 0,
			   &c->a, NULL, err, sizeof(err)) < 0)
		return usage_error(cmd->name, "%s", err);
	if (c->a.help) {
		print_command_help(cmd);
		return CLI_EXIT_OK;
	}
	c->json = c->a.json != NULL;
	if ((rc = check_positionals(c, cmd)) != CLI_EXIT_OK)
		return rc;
	if (cmd->needs_server && (rc = setup_server(c)) != CLI_EXIT_OK)
		return rc;
	return cmd->run(c);
}

int main(int argc, char **argv)
{
	struct cli c;
	int rc;

	memset(&c, 0, sizeof(c));
	if (cli_http_init() < 0)
		return fail("cannot initialise libcurl");
	rc = run(&c, argc, argv);
	free(c.token_buf);
	cli_http_cleanup();
	return rc;
}
