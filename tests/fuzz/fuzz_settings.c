/* fuzz_settings.c: fuzz target for deploy settings (function_settings_set/check) and function names. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/*
 * Input: a query string as PUT /functions/{name}?... carries it,
 * "key=value&key=value..." (a pair without '=' has the value "", as the
 * API passes it). Each pair goes through function_settings_set over the
 * defaults, then function_settings_check runs, as handle_deploy does.
 * The whole input is also checked as a function name.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The documented syntax: decimal digits only, no sign, fits in 32 bits. */
static int strict_u32(const char *v, uint32_t *out)
{
	uint64_t n = 0;

	if (!*v)
		return 0;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return 0;
		n = n * 10 + (uint64_t)(*v - '0');
		if (n > UINT32_MAX)
			return 0;
	}
	*out = (uint32_t)n;
	return 1;
}

static uint32_t *field_named(struct function_settings *s, const char *key)
{
	static const struct {
		const char *key;
		size_t offset;
	} fields[] = {
		{"memory_mb", offsetof(struct function_settings, memory_mb)},
		{"timeout_ms", offsetof(struct function_settings, timeout_ms)},
		{"max_concurrency",
		 offsetof(struct function_settings, max_concurrency)},
		{"min_warm", offsetof(struct function_settings, min_warm)},
		{"queue_max", offsetof(struct function_settings, queue_max)},
		{"queue_timeout_ms",
		 offsetof(struct function_settings, queue_timeout_ms)},
		{"idle_ms", offsetof(struct function_settings, idle_ms)},
		{"max_output_bytes",
		 offsetof(struct function_settings, max_output_bytes)},
		{"wasi_stub_unknown",
		 offsetof(struct function_settings, wasi_stub_unknown)},
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(key, fields[i].key) == 0)
			return (uint32_t *)((char *)s + fields[i].offset);
	return NULL;
}

/* An error message reaches the client: non-empty, terminated, printable. */
static void check_message(const char *err, size_t cap)
{
	const char *end = memchr(err, '\0', cap);

	if (!end || end == err)
		abort();
	for (const char *p = err; p < end; p++)
		if (*p < 0x20 || *p >= 0x7f)
			abort();
}

static void apply_pair(struct function_settings *s, char *pair)
{
	struct function_settings before = *s;
	char *eq = strchr(pair, '=');
	const char *value = "";
	char err[200];
	uint32_t v, *f;
	int rc;

	if (eq) {
		*eq = '\0';
		value = eq + 1;
	}
	memset(err, 0x7f, sizeof(err));
	rc = function_settings_set(s, pair, value, err, sizeof(err));
	f = field_named(&before, pair);
	if (rc == 0 && strcmp(pair, "allow_fetch") == 0) {
		/* The list is taken as given, and only it changes. */
		if (strcmp(s->allow_fetch, value) != 0)
			abort();
		memcpy(before.allow_fetch, s->allow_fetch,
		       sizeof(before.allow_fetch));
		if (memcmp(&before, s, sizeof(before)) != 0)
			abort();
		return;
	}
	if (rc == 0) {
		/* Only a known key with a strict decimal value is taken, and
		 * only its own field changes. */
		if (!f || !strict_u32(value, &v))
			abort();
		*f = v;
		if (memcmp(&before, s, sizeof(before)) != 0)
			abort();
		return;
	}
	if (rc != -EINVAL || memcmp(&before, s, sizeof(before)) != 0)
		abort();
	check_message(err, sizeof(err));
}

static void check_name(const uint8_t *data, size_t size)
{
	int want = size >= 1 && size <= 63;

	for (size_t i = 0; i < size && want; i++) {
		uint8_t c = data[i];

		want = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		       c == '-' || c == '_';
	}
	if (function_name_valid((const char *)data, size) != want)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct engine_config cfg;
	struct function_settings *s = &cfg.defaults;
	char *query = malloc(size + 1), *pair, *save = NULL;
	char err[200];

	if (!query)
		return 0;
	check_name(data, size);
	memcpy(query, data, size);
	query[size] = '\0';
	engine_config_default(&cfg);
	if (function_settings_check(s, err, sizeof(err)) != 0)
		abort(); /* the defaults must be deployable */
	for (pair = strtok_r(query, "&", &save); pair;
	     pair = strtok_r(NULL, "&", &save))
		apply_pair(s, pair);
	memset(err, 0x7f, sizeof(err));
	if (function_settings_check(s, err, sizeof(err)) == 0) {
		/* The ranges engine.h documents. */
		if (s->memory_mb < 1 || s->memory_mb > 1024 ||
		    s->timeout_ms < 1 || s->timeout_ms > 600000 ||
		    s->max_concurrency < 1 || s->max_concurrency > 1024 ||
		    s->min_warm > s->max_concurrency)
			abort();
	} else {
		check_message(err, sizeof(err));
	}
	free(query);
	return 0;
}
