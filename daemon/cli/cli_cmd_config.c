/* cli_cmd_config.c: glint env, secret, versions, rollback and kv: what a deployed function keeps beside its image. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_cmd.h"
#include "cli_kv.h"
#include "cli_output.h"

static void print_env(json_t *doc)
{
	json_t *v;
	const char *k;

	json_object_foreach(json_object_get(doc, "env"), k, v)
		printf("%s=%s\n", k, json_string_value(v));
}

/* set: KEY=VALUE arguments added; unset: KEY arguments removed. */
static int env_edit(json_t *env, const struct cli_args *a, int set)
{
	for (int i = 2; i < a->npos; i++) {
		const char *eq = strchr(a->pos[i], '=');
		char key[160];

		if (set && (!eq || eq == a->pos[i]))
			return cli_usage_error("env", "'%s' is not KEY=VALUE",
					       a->pos[i]);
		if (!set && eq)
			return cli_usage_error("env",
					       "unset takes names, not '%s'",
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

int cli_cmd_env(struct cli *c)
{
	const char *sub = c->a.pos[0], *name = c->a.pos[1];
	int set = strcmp(sub, "set") == 0, rc;
	struct cli_resp r;
	char path[128], *body;
	json_t *doc, *env;

	if (!set && strcmp(sub, "get") && strcmp(sub, "unset"))
		return cli_usage_error("env",
				       "unknown action '%s': use set, get "
				       "or unset",
				       sub);
	if ((rc = cli_bad_name("env", name)) != CLI_EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/functions/%s/env", name);
	if (strcmp(sub, "get") == 0)
		return c->a.npos > 2
			       ? cli_usage_error("env", "get takes only NAME")
			       : cli_show_json(c, path, name, print_env);
	if (c->a.npos < 3)
		return cli_usage_error("env", "%s needs at least one %s", sub,
				       set ? "KEY=VALUE" : "KEY");
	rc = cli_get_json(c, path, name, &r, &doc);
	cli_resp_free(&r);
	if (rc != CLI_EXIT_OK)
		return rc;
	env = json_object_get(doc, "env");
	if (!json_is_object(env) || (rc = env_edit(env, &c->a, set))) {
		json_decref(doc);
		return rc ? rc : cli_fail("glintd sent no environment");
	}
	body = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(doc);
	if (!body)
		return cli_fail("out of memory");
	rc = cli_send_ok(c, "PUT", path, body, strlen(body), name, 200, &r);
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
		return cli_usage_error("secret",
				       "give only one of --file and -");
	if (!c->a.file && !c->a.stdin_dash && isatty(STDIN_FILENO))
		return cli_usage_error(
			"secret", "the value is read from standard input or "
				  "--file FILE, never from the command line");
	rc = cli_read_file(src, buf, len);
	if (rc < 0)
		return cli_usage_error("secret", "cannot read %s: %s",
				       c->a.file ? c->a.file : "standard input",
				       strerror(-rc));
	if (*len > 0 && (*buf)[*len - 1] == '\n')
		(*buf)[--*len] = '\0';
	return CLI_EXIT_OK;
}

static void print_secrets(json_t *doc)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(doc, "secrets"), i, v) printf(
		"%-32s %s\n", json_string_value(json_object_get(v, "name")),
		json_string_value(json_object_get(v, "updated_at")));
}

static int secret_change(struct cli *c, const char *name, int set)
{
	const char *key = c->a.pos[2];
	struct cli_resp r;
	char path[512], *val = NULL;
	size_t len = 0;
	int rc;

	if (c->a.npos != 3)
		return cli_usage_error("secret", "%s takes NAME and SECRET",
				       set ? "set" : "rm");
	if (set && (rc = secret_value(c, &val, &len)) != CLI_EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/functions/%s/secrets/%s", name, key);
	rc = cli_send_ok(c, set ? "PUT" : "DELETE", path, val ? val : "", len,
			 name, 204, &r);
	if (val) {
		explicit_bzero(val, len);
		free(val);
	}
	if (rc != CLI_EXIT_OK)
		return rc;
	cli_resp_free(&r);
	if (c->json)
		cli_print_json_pack("{s:s, s:s, s:b}", "name", name, "secret",
				    key, set ? "set" : "removed", 1);
	else
		printf("secret %s of %s %s; the function was initialised "
		       "again\n",
		       key, name, set ? "set" : "removed");
	return CLI_EXIT_OK;
}

int cli_cmd_secret(struct cli *c)
{
	const char *sub = c->a.pos[0], *name = c->a.pos[1];
	int rc = cli_bad_name("secret", name);
	char path[128];

	if (rc != CLI_EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/functions/%s/secrets", name);
	if (strcmp(sub, "ls") == 0)
		return c->a.npos > 2
			       ? cli_usage_error("secret", "ls takes only NAME")
			       : cli_show_json(c, path, name, print_secrets);
	if (strcmp(sub, "set") == 0 || strcmp(sub, "rm") == 0)
		return secret_change(c, name, sub[0] == 's');
	return cli_usage_error("secret",
			       "unknown action '%s': use set, ls or rm", sub);
}

static void print_versions(json_t *doc)
{
	json_t *v;
	size_t i;

	printf("%-8s %-4s %-24s %-10s %s\n", "VERSION", "LIVE", "DEPLOYED",
	       "BYTES", "SHA256");
	json_array_foreach(json_object_get(doc, "versions"), i, v) printf(
		"%-8lld %-4s %-24s %-10lld %.16s\n",
		(long long)json_integer_value(json_object_get(v, "version")),
		json_is_true(json_object_get(v, "live")) ? "*" : "",
		json_string_value(json_object_get(v, "deployed_at")),
		(long long)json_integer_value(
			json_object_get(v, "image_bytes")),
		json_string_value(json_object_get(v, "sha256")));
}

int cli_cmd_versions(struct cli *c)
{
	const char *name = c->a.pos[0];
	char path[128];

	snprintf(path, sizeof(path), "/functions/%s/versions", name);
	return cli_show_json(c, path, name, print_versions);
}

int cli_cmd_rollback(struct cli *c)
{
	const char *name = c->a.pos[0];
	struct cli_resp r;
	char path[160];
	json_t *doc;
	uint32_t v = 0;
	int rc;

	if (c->a.npos > 1 && cli_parse_u32(c->a.pos[1], 1, UINT32_MAX, &v))
		return cli_usage_error("rollback",
				       "VERSION must be a version "
				       "number, not '%s'",
				       c->a.pos[1]);
	if (v)
		snprintf(path, sizeof(path),
			 "/functions/%s/rollback?version=%u", name, v);
	else
		snprintf(path, sizeof(path), "/functions/%s/rollback", name);
	rc = cli_send_ok(c, "POST", path, "", 0, name, 200, &r);
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
	return cli_request(ctx, method, path, body, len, CLI_QUERY_TIMEOUT_S,
			   r);
}

static int kv_refused(void *ctx, const char *function, const struct cli_resp *r)
{
	return cli_server_said_no(ctx, function, r);
}

int cli_cmd_kv(struct cli *c)
{
	const struct cli_kv_io io = {kv_request, kv_refused, c, c->json};

	return cli_kv_run(&io, &c->a);
}
