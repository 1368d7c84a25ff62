/* settings.c: per-function settings and function names. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "settings.h"
#include "text.h"

/* One row per setting: where it lives and its inclusive range. */
struct setting_desc {
	const char *key;
	size_t offset;
	uint32_t min, max;
};

#define SETTING(k, lo, hi)                                                     \
	{                                                                      \
#k, offsetof(struct function_settings, k), lo, hi              \
	}

static const struct setting_desc settings_table[] = {
	SETTING(memory_mb, 1, 1024),
	SETTING(timeout_ms, 1, 600000),
	SETTING(max_concurrency, 1, 1024),
	SETTING(min_warm, 0, 1024),
	SETTING(queue_max, 0, 100000),
	SETTING(queue_timeout_ms, 1, 600000),
	SETTING(idle_ms, 100, 86400000),
	SETTING(max_output_bytes, 1, FUNCTION_MAX_OUTPUT_BYTES),
	SETTING(wasi_stub_unknown, 0, 1),
};

#define NSETTINGS (sizeof(settings_table) / sizeof(settings_table[0]))

static uint32_t *field(struct function_settings *s,
		       const struct setting_desc *d)
{
	return (uint32_t *)((char *)s + d->offset);
}

static uint32_t field_get(const struct function_settings *s,
			  const struct setting_desc *d)
{
	return *(const uint32_t *)((const char *)s + d->offset);
}

/* Strict decimal: digits only, at least one, no sign, no overflow. */
static int parse_u32(const char *v, uint32_t *out)
{
	uint64_t n = 0;

	if (v == NULL || *v == '\0')
		return -EINVAL;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return -EINVAL;
		n = n * 10 + (uint64_t)(*v - '0');
		if (n > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)n;
	return 0;
}

/* Client-supplied keys are echoed back: made safe (text.h) and cut. */
static void sanitise(char *dst, size_t dst_len, const char *src)
{
	text_sanitize(dst, dst_len, src, strnlen(src, 40));
}

static const struct setting_desc *setting_find(const char *key)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strcmp(key, settings_table[i].key) == 0)
			return &settings_table[i];
	return NULL;
}

int function_setting_range(const char *key, uint32_t *min, uint32_t *max)
{
	const struct setting_desc *d = setting_find(key);

	if (!d)
		return -EINVAL;
	*min = d->min;
	*max = d->max;
	return 0;
}

int function_settings_set(struct function_settings *s, const char *key,
			  const char *value, char *err, size_t err_len)
{
	const struct setting_desc *d = setting_find(key);
	char shown[48];
	uint32_t v;

	if (d) {
		if (parse_u32(value, &v) < 0 || v < d->min || v > d->max) {
			snprintf(err, err_len,
				 "%s must be an integer from %u to %u", d->key,
				 d->min, d->max);
			return -EINVAL;
		}
		*field(s, d) = v;
		return 0;
	}
	sanitise(shown, sizeof(shown), key);
	snprintf(err, err_len,
		 "unknown setting \"%s\" (known: memory_mb, timeout_ms, "
		 "max_concurrency, min_warm, queue_max, queue_timeout_ms, "
		 "idle_ms)",
		 shown);
	return -EINVAL;
}

int function_settings_check(const struct function_settings *s, char *err,
			    size_t err_len)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting_desc *d = &settings_table[i];
		uint32_t v = field_get(s, d);

		if (v < d->min || v > d->max) {
			snprintf(err, err_len,
				 "%s must be an integer from %u to %u", d->key,
				 d->min, d->max);
			return -EINVAL;
		}
	}
	if (s->min_warm > s->max_concurrency) {
		snprintf(err, err_len,
			 "min_warm (%u) must not exceed max_concurrency (%u)",
			 s->min_warm, s->max_concurrency);
		return -EINVAL;
	}
	return 0;
}

int function_name_valid(const char *name, size_t len)
{
	if (name == NULL || len < 1 || len > 63)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}
