/* cli_cmd_fn.c: glint deploy, invoke, list, info, rm, logs, stats and new: a function's life and calls. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_cmd.h"
#include "cli_output.h"
#include "cli_templates.h"
#include "settings.h"
#include "text.h"

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
	char lines[sizeof(a->allow_fetch) / sizeof(a->allow_fetch[0]) * 256];
	size_t n = 0;
	char *enc;
	int rc;

	if (!a->allow_fetch_given)
		return 0;
	for (int i = 0; i < a->n_allow_fetch; i++) {
		int w = snprintf(lines + n, sizeof(lines) - n, "%s%s",
				 i ? "\n" : "", a->allow_fetch[i]);

		if (w < 0 || (size_t)w >= sizeof(lines) - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	enc = text_percent_encode(lines, n, 0);
	if (!enc)
		return -ENOMEM;
	rc = append_setting(q, cap, "allow_fetch", enc);
	free(enc);
	return rc;
}

/* deploy's settings: option, query key (the daemon's name), value. */
static const struct {
	const char *flag, *key;
	size_t off;
} settings[] = {
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
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

/* The value of settings[i] given on the command line, or NULL. */
static const char *setting_value(const struct cli_args *a, size_t i)
{
	return *(const char *const *)((const char *)a + settings[i].off);
}

static int check_settings(const struct cli_args *a)
{
	uint32_t v, min, max;

	/* The ranges are the daemon's own (daemon/common/settings.c), so a bad
	 * number is caught before the image is uploaded. */
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *s = setting_value(a, i);

		if (!s || function_setting_range(settings[i].key, &min, &max))
			continue;
		if (cli_parse_u32(s, min, max, &v))
			return cli_usage_error("deploy",
					       "--%s must be a whole number "
					       "from %u to %u, not '%s'",
					       settings[i].flag, min, max, s);
	}
	return CLI_EXIT_OK;
}

int cli_cmd_deploy(struct cli *c)
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
		return cli_usage_error("deploy", "cannot read image %s: %s",
				       image, strerror(-rc));
	if (len < 4 ||
	    (memcmp(img, "\177ELF", 4) != 0 && memcmp(img, "\0asm", 4) != 0)) {
		free(img);
		return cli_usage_error("deploy",
				       "%s is not an ELF image (pkg-config "
				       "glint-guest) or a Wasm module",
				       image);
	}
	for (size_t i = 0; i < NSETTINGS; i++)
		append_setting(query, sizeof(query), settings[i].key,
			       setting_value(&c->a, i));
	rc = append_allow_fetch(query, sizeof(query), &c->a);
	if (rc < 0) {
		free(img);
		if (rc == -ENOMEM)
			return cli_fail("out of memory");
		return cli_usage_error("deploy", "--allow-fetch prefixes are "
						 "too long together");
	}
	snprintf(path, sizeof(path), "/functions/%s%s", name, query);
	rc = cli_request(c, "PUT", path, img, len, CLI_DEPLOY_TIMEOUT_S, &r);
	free(img);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (r.status != 201 && r.status != 200)
		rc = cli_server_said_no(c, name, &r);
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
		return cli_usage_error("invoke",
				       "give only one of --data, --file "
				       "and -");
	if (a->data) {
		*buf = strdup(a->data);
		*len = strlen(a->data);
		return *buf ? CLI_EXIT_OK : cli_fail("out of memory");
	}
	if (!a->file && !a->stdin_dash)
		return CLI_EXIT_OK; /* an empty request body */
	rc = cli_read_file(a->file ? a->file : "-", buf, len);
	if (rc < 0)
		return cli_usage_error("invoke", "cannot read %s: %s",
				       a->file ? a->file : "standard input",
				       strerror(-rc));
	return CLI_EXIT_OK;
}

int cli_cmd_invoke(struct cli *c)
{
	const char *name = c->a.pos[0];
	char path[128], *in;
	struct cli_resp r;
	size_t len;
	int rc = invoke_input(c, &in, &len);

	if (rc != CLI_EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/invoke/%s", name);
	rc = cli_request(c, "POST", path, in ? in : "", len,
			 CLI_INVOKE_TIMEOUT_S, &r);
	free(in);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (r.status != 200) {
		rc = cli_server_said_no(c, name, &r);
	} else if (fwrite(r.body, 1, r.len, stdout) != r.len ||
		   fflush(stdout) != 0) {
		rc = cli_fail("cannot write the output: %s", strerror(errno));
	}
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_list(struct cli *c)
{
	return cli_show_json(c, "/functions", NULL, cli_output_list);
}

int cli_cmd_info(struct cli *c)
{
	const char *name = c->a.pos[0];
	char path[128];

	snprintf(path, sizeof(path), "/functions/%s", name);
	return cli_show_json(c, path, name, cli_output_info);
}

int cli_cmd_rm(struct cli *c)
{
	const char *name = c->a.pos[0];
	struct cli_resp r;
	char path[128];
	int rc;

	snprintf(path, sizeof(path), "/functions/%s%s", name,
		 c->a.purge ? "?purge=1" : "");
	rc = cli_request(c, "DELETE", path, NULL, 0, CLI_QUERY_TIMEOUT_S, &r);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (r.status != 204 && r.status != 200)
		rc = cli_server_said_no(c, name, &r);
	else if (c->json)
		cli_print_json_pack("{s:s, s:b, s:b}", "name", name, "deleted",
				    1, "purged", c->a.purge != NULL);
	else
		printf("removed %s%s\n", name,
		       c->a.purge ? " and its key-value store" : "");
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_stats(struct cli *c)
{
	struct cli_resp r;
	int rc = cli_request(c, "GET", "/metrics", NULL, 0, CLI_QUERY_TIMEOUT_S,
			     &r);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (r.status != 200)
		rc = cli_server_said_no(c, NULL, &r);
	else if (cli_output_stats(r.body, r.len, c->json) < 0)
		rc = cli_fail("out of memory");
	cli_resp_free(&r);
	return rc;
}

int cli_cmd_new(struct cli *c)
{
	const char *name = c->a.pos[0];
	const char *dir = c->a.npos > 1 ? c->a.pos[1] : name;
	char err[512];

	const char *lang = c->a.lang ? c->a.lang : "c";

	if (cli_new_project_lang(dir, name, lang, err, sizeof(err)) < 0)
		return cli_fail("%s", err);
	if (c->json)
		cli_print_json_pack("{s:s, s:s}", "name", name, "directory",
				    dir);
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

int cli_cmd_logs(struct cli *c)
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
			return cli_usage_error("logs", "bad --%s value '%s'",
					       q[i].key, q[i].value);
		o += (size_t)snprintf(path + o, sizeof(path) - o, "&%s=%s",
				      q[i].key, q[i].value);
	}
	/* Followed, the stream lasts until glintd or the user ends it. */
	c->srv.sink = stdout;
	rc = cli_request(c, "GET", path, NULL, 0,
			 c->a.follow ? 0 : CLI_QUERY_TIMEOUT_S, &r);
	c->srv.sink = NULL;
	if (rc == CLI_EXIT_OK && r.status != 200)
		rc = cli_server_said_no(c, name, &r);
	cli_resp_free(&r);
	return rc;
}
