/* cli_output.c: formatting of glintd's answers for people (and --json for scripts). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_output.h"
#include "cli_stats.h"
#include "outcome.h"
#include "text.h"

/* ---- errors ---- */

/* Advice for the outcomes (outcome.h, glintd's own list) a user can do
 * something about. */
static void advice_for(enum engine_outcome o, const char *fn, const char *rid,
		       char *dst, size_t cap)
{
	switch (o) {
	case ENGINE_NOT_FOUND:
		snprintf(dst, cap, " (deploy it with: glint deploy %s IMAGE)",
			 fn);
		break;
	case ENGINE_DEADLINE:
		snprintf(dst, cap,
			 " (raise the limit with: glint deploy %s IMAGE "
			 "--timeout MS)",
			 fn);
		break;
	case ENGINE_QUEUE_FULL:
	case ENGINE_QUEUE_TIMEOUT:
		snprintf(dst, cap,
			 " (retry later, or allow more VMs with: glint deploy "
			 "%s IMAGE --concurrency N)",
			 fn);
		break;
	case ENGINE_INPUT_TOO_LARGE:
		snprintf(dst, cap, " (send a smaller body or image)");
		break;
	case ENGINE_INVALID_SETTING:
		snprintf(dst, cap, " (see: glint deploy --help)");
		break;
	case ENGINE_GUEST_CRASHED:
	case ENGINE_GUEST_ABORTED:
		/* The function's own log has the fault and what it logged. */
		if (rid)
			snprintf(dst, cap,
				 " (details: glint logs %s --request-id %.20s)",
				 fn, rid);
		else
			snprintf(dst, cap, " (details: glint logs %s)", fn);
		break;
	case ENGINE_INTERNAL:
		snprintf(dst, cap, " (details in glintd's log)");
		break;
	case ENGINE_UNAVAILABLE:
		snprintf(dst, cap, " (glintd is starting or stopping; retry)");
		break;
	case ENGINE_KEY_NOT_FOUND:
		snprintf(dst, cap, " (list the keys with: glint kv ls %s)", fn);
		break;
	case ENGINE_KV_UNAVAILABLE:
		snprintf(dst, cap,
			 " (is the store in glintd's kv settings "
			 "running? details in glintd's log)");
		break;
	default:
		break;
	}
}

static void advice(long status, const char *code, const char *function,
		   const char *rid, char *dst, size_t cap)
{
	enum engine_outcome o;

	dst[0] = '\0';
	if (status == 401 || status == 403)
		snprintf(dst, cap,
			 " (pass --token TOKEN or --token-file FILE, "
			 "or set GLINT_TOKEN)");
	else if (engine_outcome_parse(code, &o) == 0)
		advice_for(o, function ? function : "NAME", rid, dst, cap);
}

/* Keeps a line one line and the terminal ours: bytes that are not safe
 * text (text.h) become spaces. */
static void flatten(char *s)
{
	for (; *s; s++)
		if (!text_is_safe((unsigned char)*s))
			*s = ' ';
}

void cli_output_error_line(long status, const char *body, size_t len,
			   const char *function, char *line, size_t cap)
{
	json_t *doc = json_loadb(body, len, 0, NULL);
	const char *code = NULL, *message = NULL, *rid = NULL;
	char fallback[160], hint[160], id[48] = "";

	json_unpack(doc, "{s:{s?s, s?s, s?s}}", "error", "code", &code,
		    "message", &message, "request_id", &rid);
	if (!code) {
		code = status == 401   ? "unauthorized"
		       : status == 403 ? "forbidden"
				       : "http_error";
		snprintf(fallback, sizeof(fallback),
			 "glintd answered HTTP %ld%s%.100s", status,
			 len ? ": " : "", len ? body : "");
		message = fallback;
	}
	advice(status, code, function, rid, hint, sizeof(hint));
	if (rid && status >= 500 && strcmp(code, "function_error") != 0)
		snprintf(id, sizeof(id), " [request %.20s]", rid);
	snprintf(line, cap, "%s: %s%s%s", code, message ? message : "", id,
		 hint);
	flatten(line);
	json_decref(doc);
}

void cli_output_raw_json(const char *body, size_t len)
{
	fwrite(body, 1, len, stdout);
	if (len == 0 || body[len - 1] != '\n')
		putchar('\n');
}

/* ---- functions ---- */

static const char *str_of(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

/* An integer field as text, "-" when absent. */
static const char *int_of(json_t *o, const char *key, char *buf, size_t cap)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return "-";
	snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
	return buf;
}

static void format_bytes(json_int_t n, char *dst, size_t cap)
{
	if (n < 1024)
		snprintf(dst, cap, "%lld B", (long long)n);
	else if (n < 1024 * 1024)
		snprintf(dst, cap, "%.1f KiB", (double)n / 1024);
	else
		snprintf(dst, cap, "%.1f MiB", (double)n / (1024 * 1024));
}

void cli_output_deployed(const char *body, size_t len, const char *name)
{
	json_t *d = json_loadb(body, len, 0, NULL);
	char v[24], m[24], t[24], c[24], w[24], size[32] = "-", b[24], i[24];
	const char *sha = str_of(d, "sha256");

	if (!json_is_object(d)) {
		printf("deployed %s\n", name);
		json_decref(d);
		return;
	}
	if (json_is_integer(json_object_get(d, "image_bytes")))
		format_bytes(
			json_integer_value(json_object_get(d, "image_bytes")),
			size, sizeof(size));
	printf("deployed %s version %s (%s, sha256 %.12s)\n", name,
	       int_of(d, "version", v, sizeof(v)), size, sha);
	printf("  memory %s MiB, timeout %s ms, concurrency %s, warm %s\n",
	       int_of(d, "memory_mb", m, sizeof(m)),
	       int_of(d, "timeout_ms", t, sizeof(t)),
	       int_of(d, "max_concurrency", c, sizeof(c)),
	       int_of(d, "min_warm", w, sizeof(w)));
	printf("  boot %s ms, init %s ms; invoke it with: glint invoke %s\n",
	       int_of(d, "boot_ms", b, sizeof(b)),
	       int_of(d, "init_ms", i, sizeof(i)), name);
	json_decref(d);
}

void cli_output_list(json_t *doc)
{
	json_t *fns = json_object_get(doc, "functions"), *f;
	char v[24], m[24], t[24], c[24], w[24];
	size_t i;

	if (json_array_size(fns) == 0) {
		printf("no functions deployed (deploy one with: glint deploy "
		       "NAME IMAGE)\n");
		return;
	}
	printf("%-24s %7s %8s %10s %5s %5s  %s\n", "NAME", "VERSION", "MEM_MIB",
	       "TIMEOUT_MS", "CONC", "WARM", "DEPLOYED");
	json_array_foreach(fns, i, f)
	{
		printf("%-24s %7s %8s %10s %5s %5s  %s\n", str_of(f, "name"),
		       int_of(f, "version", v, sizeof(v)),
		       int_of(f, "memory_mb", m, sizeof(m)),
		       int_of(f, "timeout_ms", t, sizeof(t)),
		       int_of(f, "max_concurrency", c, sizeof(c)),
		       int_of(f, "min_warm", w, sizeof(w)),
		       str_of(f, "deployed_at"));
	}
}

/* One "key: value" line per scalar; objects become indented blocks.
 * Outcome counters that are zero would only bury the ones that are not. */
static void print_object(json_t *o, int indent, int skip_zeros)
{
	const char *key;
	json_t *v;
	char *s;

	json_object_foreach(o, key, v)
	{
		if (json_is_object(v)) {
			printf("%*s%s:\n", indent, "", key);
			print_object(v, indent + 2,
				     strcmp(key, "invocations") == 0);
			continue;
		}
		if (skip_zeros && json_is_integer(v) &&
		    json_integer_value(v) == 0)
			continue;
		if (json_is_string(v)) {
			printf("%*s%-18s %s\n", indent, "", key,
			       json_string_value(v));
			continue;
		}
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%*s%-18s %s\n", indent, "", key, s ? s : "?");
		free(s);
	}
}

void cli_output_info(json_t *doc)
{
	print_object(doc, 0, 0);
}

/* ---- stats ---- */

void cli_output_duration(double seconds, char *dst, size_t cap)
{
	if (seconds < 0 || !isfinite(seconds))
		snprintf(dst, cap, "-");
	else if (seconds < 1e-3)
		snprintf(dst, cap, "%.0f us", seconds * 1e6);
	else if (seconds < 1)
		snprintf(dst, cap, "%.2f ms", seconds * 1e3);
	else
		snprintf(dst, cap, "%.2f s", seconds);
}

static double mean_of(const struct cli_stats_fn *f)
{
	return f->count ? f->sum_s / (double)f->count : -1;
}

static void stats_table(const struct cli_stats *st)
{
	char p50[24], p99[24], mean[24];

	if (st->n == 0) {
		printf("no functions deployed, no calls recorded\n");
		return;
	}
	printf("%-24s %9s %8s %7s %10s %10s %10s\n", "FUNCTION", "CALLS",
	       "ERRORS", "ERROR%", "P50", "P99", "MEAN");
	for (size_t i = 0; i < st->n; i++) {
		const struct cli_stats_fn *f = &st->fns[i];

		cli_output_duration(cli_stats_quantile(f, 0.5), p50,
				    sizeof(p50));
		cli_output_duration(cli_stats_quantile(f, 0.99), p99,
				    sizeof(p99));
		cli_output_duration(mean_of(f), mean, sizeof(mean));
		printf("%-24s %9llu %8llu %6.1f%% %10s %10s %10s\n", f->name,
		       (unsigned long long)f->calls,
		       (unsigned long long)f->errors,
		       f->calls ? 100.0 * (double)f->errors / (double)f->calls
				: 0.0,
		       p50, p99, mean);
		for (size_t k = 0; k < f->noutcomes; k++)
			if (f->outcomes[k].count &&
			    strcmp(f->outcomes[k].code, "ok") != 0)
				printf("  %-22s %9llu\n", f->outcomes[k].code,
				       (unsigned long long)f->outcomes[k]
					       .count);
	}
}

static json_t *seconds_or_null(double s)
{
	return s < 0 ? json_null() : json_real(s);
}

static json_t *stats_fn_json(const struct cli_stats_fn *f)
{
	json_t *o = json_object(), *outcomes = json_object();

	if (!o || !outcomes)
		goto fail;
	for (size_t k = 0; k < f->noutcomes; k++)
		if (json_object_set_new(
			    outcomes, f->outcomes[k].code,
			    json_integer((json_int_t)f->outcomes[k].count)) < 0)
			goto fail;
	if (json_object_set_new(o, "name", json_string(f->name)) < 0 ||
	    json_object_set_new(o, "calls",
				json_integer((json_int_t)f->calls)) < 0 ||
	    json_object_set_new(o, "errors",
				json_integer((json_int_t)f->errors)) < 0 ||
	    json_object_set_new(
		    o, "error_rate",
		    json_real(f->calls ? (double)f->errors / (double)f->calls
				       : 0.0)) < 0 ||
	    json_object_set_new(o, "p50_seconds",
				seconds_or_null(cli_stats_quantile(f, 0.5))) <
		    0 ||
	    json_object_set_new(o, "p99_seconds",
				seconds_or_null(cli_stats_quantile(f, 0.99))) <
		    0 ||
	    json_object_set_new(o, "mean_seconds",
				seconds_or_null(mean_of(f))) < 0 ||
	    json_object_set(o, "outcomes", outcomes) < 0)
		goto fail;
	json_decref(outcomes);
	return o;
fail:
	json_decref(outcomes);
	json_decref(o);
	return NULL;
}

static int stats_json(const struct cli_stats *st)
{
	json_t *arr = json_array(), *doc;
	char *s;

	if (!arr)
		return -ENOMEM;
	for (size_t i = 0; i < st->n; i++)
		if (json_array_append_new(arr, stats_fn_json(&st->fns[i])) <
		    0) {
			json_decref(arr);
			return -ENOMEM;
		}
	doc = json_pack("{s:o}", "functions", arr);
	s = doc ? json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
	json_decref(doc);
	if (!s)
		return -ENOMEM;
	puts(s);
	free(s);
	return 0;
}

int cli_output_stats(const char *metrics, size_t len, int json)
{
	struct cli_stats st;
	int rc = cli_stats_parse(metrics, len, &st);

	if (rc < 0)
		return rc;
	if (json)
		rc = stats_json(&st);
	else
		stats_table(&st);
	cli_stats_free(&st);
	return rc;
}
