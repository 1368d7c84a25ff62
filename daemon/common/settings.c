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

/* The shape of an allow-list; fetch_policy_create judges each entry's
 * URL when the engine takes the settings. */
static int allow_fetch_check(const char *v, char *err, size_t err_len)
{
	size_t n = 0, len = strlen(v);

	if (len >= FUNCTION_ALLOW_FETCH_BYTES) {
		snprintf(err, err_len,
			 "allow_fetch must be shorter than %d bytes",
			 FUNCTION_ALLOW_FETCH_BYTES);
		return -EINVAL;
	}
	for (const char *p = v; *p;) {
		const char *end = strchr(p, '\n');
		size_t l = end ? (size_t)(end - p) : strlen(p);

		if (l == 0 || ++n > FUNCTION_ALLOW_FETCH_MAX) {
			snprintf(err, err_len,
				 "allow_fetch takes 1 to %d non-empty URL "
				 "prefixes, one per line",
				 FUNCTION_ALLOW_FETCH_MAX);
			return -EINVAL;
		}
		for (size_t i = 0; i < l; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) {
				snprintf(
					err, err_len,
					"allow_fetch entry %zu holds a control "
					"character",
					n);
				return -EINVAL;
			}
		p += l + (end != NULL);
	}
	return 0;
}

int function_settings_set(struct function_settings *s, const char *key,
			  const char *value, char *err, size_t err_len)
{
	const struct setting_desc *d = setting_find(key);
	char shown[48];
	uint32_t v;

	if (strcmp(key, "allow_fetch") == 0) {
		if (allow_fetch_check(value ? value : "", err, err_len) < 0)
			return -EINVAL;
		snprintf(s->allow_fetch, sizeof(s->allow_fetch), "%s",
			 value ? value : "");
		return 0;
	}
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
		 "idle_ms, max_output_bytes, allow_fetch)",
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
	if (memchr(s->allow_fetch, '\0', sizeof(s->allow_fetch)) == NULL ||
	    allow_fetch_check(s->allow_fetch, err, err_len) < 0) {
		if (memchr(s->allow_fetch, '\0', sizeof(s->allow_fetch)) ==
		    NULL)
			snprintf(err, err_len, "allow_fetch is too long");
		return -EINVAL;
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
