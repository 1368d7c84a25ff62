/* deploy_describe.c: what the API shows of a deployed function: its live version, environment, secret names and settings. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "deploy_internal.h"

static uint64_t ns_to_ms(uint64_t ns)
{
	return (ns + 500000) / 1000000;
}

static void format_time(int64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* The allow-list as the API shows it: an array of URL prefixes. */
static json_t *allow_fetch_json(const char *list)
{
	json_t *a = json_array();

	for (const char *p = list; a && *p;) {
		const char *end = strchr(p, '\n');
		size_t l = end ? (size_t)(end - p) : strlen(p);

		json_array_append_new(a, json_stringn(p, l));
		p += l + (end != NULL);
	}
	return a;
}

json_t *deploy_describe_version(const struct fn_version *v)
{
	char hex[SHA256_HEX_BYTES], when[64];
	const struct function_settings *s = &v->settings;

	sha256_hex(v->sha256, hex);
	format_time(v->deployed_at_ms, when, sizeof(when));
	return json_pack(
		"{s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		"s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:o}",
		"name", v->fn->name, "version", (json_int_t)v->version,
		"sha256", hex, "image_bytes", (json_int_t)v->image_len,
		"memory_mb", (json_int_t)s->memory_mb, "timeout_ms",
		(json_int_t)s->timeout_ms, "max_concurrency",
		(json_int_t)s->max_concurrency, "min_warm",
		(json_int_t)s->min_warm, "queue_max", (json_int_t)s->queue_max,
		"queue_timeout_ms", (json_int_t)s->queue_timeout_ms, "idle_ms",
		(json_int_t)s->idle_ms, "max_output_bytes",
		(json_int_t)s->max_output_bytes, "wasi_stub_unknown",
		(json_int_t)s->wasi_stub_unknown, "deployed_at", when,
		"input_max_bytes", (json_int_t)v->in_cap, "boot_ms",
		(json_int_t)ns_to_ms(v->boot_ns), "init_ms",
		(json_int_t)ns_to_ms(v->init_ns), "snapshot_ms",
		(json_int_t)ns_to_ms(v->snapshot_ns), "allow_fetch",
		allow_fetch_json(s->allow_fetch));
}

json_t *deploy__describe_deployed(const struct fn_version *v)
{
	json_t *o = deploy_describe_version(v);

	if (o && v->wasm) {
		json_object_set_new(o, "kind", json_string("wasm"));
		json_object_set_new(
			o, "compile_ms",
			json_integer((json_int_t)ns_to_ms(v->compile_ns)));
	}
	return o;
}

json_t *engine_env(struct engine *e, const char *name)
{
	struct fn *fn = engine_fn_find(e, name);

	if (fn == NULL || !fn->visible || fn->live == NULL)
		return NULL;
	return json_pack("{s:o}", "env",
			 fn->env ? json_deep_copy(fn->env) : json_object());
}

json_t *engine_secrets(struct engine *e, const char *name)
{
	struct fn *fn = engine_fn_find(e, name);

	if (fn == NULL || !fn->visible || fn->live == NULL)
		return NULL;
	return json_pack("{s:o}", "secrets",
			 fnconfig_secrets_list(&fn->secrets));
}

int engine_settings(struct engine *e, const char *name,
		    struct function_settings *out)
{
	struct fn *fn = engine_fn_find(e, name);

	if (fn == NULL || !fn->visible || fn->live == NULL)
		return -ENOENT;
	*out = fn->live->settings;
	return 0;
}
