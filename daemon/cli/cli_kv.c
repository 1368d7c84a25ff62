/* cli_kv.c: `glint kv`: reads and changes a function's key-value store over
 * glintd's API, with keys and values passed byte for byte. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli_kv.h"
#include "text.h"

#define KV_TTL_MAX_MS 315360000000ULL /* glintd's limit: ten years */
#define LIST_PAGE 100 /* keys a request; the cursor gives the rest */

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long cli_kv_decode(char *src)
{
	size_t n = 0;

	for (size_t i = 0; src[i]; i++) {
		int hi, lo;

		if (src[i] != '%') {
			src[n++] = src[i];
			continue;
		}
		if ((hi = hex_digit(src[i + 1])) < 0 ||
		    (lo = hex_digit(src[i + 2])) < 0)
			return -EINVAL;
		src[n++] = (char)(hi * 16 + lo);
		i += 2;
	}
	src[n] = '\0';
	return (long)n;
}

/* "/functions/NAME/kv/KEY" plus query (may be ""); malloc'd. */
static char *key_path(const char *name, const char *key, const char *query)
{
	char *enc = text_percent_encode(key, strlen(key), 1), *path;
	size_t cap;

	if (!enc)
		return NULL;
	cap = strlen(name) + strlen(enc) + strlen(query) + 32;
	path = malloc(cap);
	if (path)
		snprintf(path, cap, "/functions/%s/kv/%s%s", name, enc, query);
	free(enc);
	return path;
}

/* Sends method to path and expects status ok; r is freed unless the
 * result is CLI_EXIT_OK. */
static int exchange(const struct cli_kv_io *io, const char *method,
		    const char *path, const void *body, size_t len,
		    const char *name, long ok, struct cli_resp *r)
{
	int rc = io->request(io->ctx, method, path, body, len, r);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (r->status != ok) {
		rc = io->refused(io->ctx, name, r);
		cli_resp_free(r);
	}
	return rc;
}

static int kv_get(const struct cli_kv_io *io, const char *name, const char *key)
{
	char *path = key_path(name, key, "");
	struct cli_resp r;
	int rc;

	if (!path)
		return cli_fail("out of memory");
	rc = exchange(io, "GET", path, NULL, 0, name, 200, &r);
	free(path);
	if (rc != CLI_EXIT_OK)
		return rc;
	if (fwrite(r.body, 1, r.len, stdout) != r.len || fflush(stdout)) {
		fprintf(stderr, "glint: cannot write the value: %s\n",
			strerror(errno));
		rc = CLI_EXIT_REFUSED;
	}
	cli_resp_free(&r);
	return rc;
}

/* The value: the argument, or standard input ("-", or no argument when
 * input is not a terminal), byte for byte. */
static int set_value(const struct cli_args *a, char **buf, size_t *len)
{
	int rc;

	if (a->npos == 4 && a->stdin_dash)
		return cli_usage_error("kv", "give VALUE or -, not both");
	if (a->npos == 4) {
		*len = strlen(a->pos[3]);
		*buf = strdup(a->pos[3]);
		return *buf ? CLI_EXIT_OK : cli_fail("out of memory");
	}
	if (!a->stdin_dash && isatty(STDIN_FILENO))
		return cli_usage_error(
			"kv", "kv set needs VALUE, or - to read it from "
			      "standard input");
	rc = cli_read_file("-", buf, len);
	if (rc < 0)
		return cli_usage_error("kv", "cannot read standard input: %s",
				       strerror(-rc));
	return CLI_EXIT_OK;
}

static int kv_set(const struct cli_kv_io *io, const struct cli_args *a)
{
	const char *name = a->pos[1];
	char query[40] = "", *path, *val;
	unsigned long long ttl;
	struct cli_resp r;
	size_t len;
	char *end;
	int rc;

	if (a->ttl) {
		errno = 0;
		ttl = strtoull(a->ttl, &end, 10);
		if (a->ttl[0] < '0' || a->ttl[0] > '9' || *end || errno ||
		    ttl == 0 || ttl > KV_TTL_MAX_MS)
			return cli_usage_error(
				"kv",
				"--ttl must be milliseconds from 1 to "
				"%llu, not '%s'",
				KV_TTL_MAX_MS, a->ttl);
		snprintf(query, sizeof(query), "?ttl_ms=%llu", ttl);
	}
	if ((rc = set_value(a, &val, &len)) != CLI_EXIT_OK)
		return rc;
	path = key_path(name, a->pos[2], query);
	if (!path) {
		free(val);
		return cli_fail("out of memory");
	}
	rc = exchange(io, "PUT", path, val, len, name, 204, &r);
	free(path);
	free(val);
	if (rc == CLI_EXIT_OK)
		cli_resp_free(&r);
	return rc;
}

static int kv_rm(const struct cli_kv_io *io, const char *name, const char *key)
{
	char *path = key_path(name, key, "");
	struct cli_resp r;
	int rc;

	if (!path)
		return cli_fail("out of memory");
	rc = exchange(io, "DELETE", path, NULL, 0, name, 204, &r);
	free(path);
	if (rc == CLI_EXIT_OK)
		cli_resp_free(&r);
	return rc;
}

/* Prints one page's keys (decoded, one a line; kept encoded in all for
 * --json) and takes its cursor; 0, or -EPROTO for a page that is not
 * glintd's. */
static int list_page(const struct cli_kv_io *io, const struct cli_resp *r,
		     json_t *all, char **cursor)
{
	json_t *doc = json_loadb(r->body, r->len, 0, NULL), *keys, *k, *c;
	size_t i;
	int rc = 0;

	keys = json_object_get(doc, "keys");
	c = json_object_get(doc, "cursor");
	if (!json_is_array(keys) ||
	    (c && !json_is_null(c) && !json_is_string(c))) {
		json_decref(doc);
		return -EPROTO;
	}
	json_array_foreach(keys, i, k)
	{
		char *key =
			json_is_string(k) ? strdup(json_string_value(k)) : NULL;
		long n = key ? cli_kv_decode(key) : -EPROTO;

		if (n < 0) {
			rc = -EPROTO;
		} else if (io->json) {
			json_array_append(all, k);
		} else {
			fwrite(key, 1, (size_t)n, stdout);
			fputc('\n', stdout);
		}
		free(key);
	}
	*cursor = json_is_string(c) && json_string_length(c)
			  ? strdup(json_string_value(c))
			  : NULL;
	json_decref(doc);
	return rc;
}

/* Follows the cursors until the listing is complete. */
static int kv_ls(const struct cli_kv_io *io, const char *name,
		 const char *prefix)
{
	char *pre = text_percent_encode(prefix ? prefix : "",
					prefix ? strlen(prefix) : 0, 0);
	char *cursor = NULL, path[32768];
	json_t *all = json_array();
	struct cli_resp r;
	int rc = pre && all ? CLI_EXIT_OK : cli_fail("out of memory");

	while (rc == CLI_EXIT_OK) {
		snprintf(path, sizeof(path),
			 "/functions/%s/kv?limit=%d&prefix=%s%s%s", name,
			 LIST_PAGE, pre, cursor ? "&cursor=" : "",
			 cursor ? cursor : "");
		free(cursor);
		cursor = NULL;
		rc = exchange(io, "GET", path, NULL, 0, name, 200, &r);
		if (rc != CLI_EXIT_OK)
			break;
		if (list_page(io, &r, all, &cursor) < 0) {
			fputs("glint: glintd sent a listing that is not "
			      "{\"keys\":[...],\"cursor\":...}\n",
			      stderr);
			rc = CLI_EXIT_REFUSED;
		}
		cli_resp_free(&r);
		if (!cursor)
			break;
	}
	if (rc == CLI_EXIT_OK && io->json) {
		json_t *doc = json_pack("{s:O}", "keys", all);
		char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

		if (s)
			puts(s);
		free(s);
		json_decref(doc);
	}
	fflush(stdout);
	free(cursor);
	free(pre);
	json_decref(all);
	return rc;
}

int cli_kv_run(const struct cli_kv_io *io, const struct cli_args *a)
{
	const char *act = a->pos[0];
	int ls = strcmp(act, "ls") == 0, set = strcmp(act, "set") == 0, rc;

	if (!ls && !set && strcmp(act, "get") && strcmp(act, "rm"))
		return cli_usage_error(
			"kv", "unknown action '%s': use get, set, rm or ls",
			act);
	if ((rc = cli_bad_name("kv", a->pos[1])) != CLI_EXIT_OK)
		return rc;
	if (a->prefix && !ls)
		return cli_usage_error("kv", "--prefix goes with kv ls");
	if (a->ttl && !set)
		return cli_usage_error("kv", "--ttl goes with kv set");
	if (a->stdin_dash && !set)
		return cli_usage_error("kv", "unexpected argument '-'");
	if (ls)
		return a->npos != 2
			       ? cli_usage_error("kv", "kv ls takes only NAME")
			       : kv_ls(io, a->pos[1], a->prefix);
	if (a->npos < 3 || a->npos > (set ? 4 : 3))
		return cli_usage_error("kv", "kv %s takes NAME KEY%s", act,
				       set ? " [VALUE | -]" : "");
	if (!a->pos[2][0])
		return cli_usage_error("kv", "the key is empty");
	if (set)
		return kv_set(io, a);
	return act[0] == 'g' ? kv_get(io, a->pos[1], a->pos[2])
			     : kv_rm(io, a->pos[1], a->pos[2]);
}
