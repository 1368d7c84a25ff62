/* fnconfig.c: environment and secrets of a function. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fnconfig.h"

int fnconfig_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > FNCONFIG_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    c == '_';

		if (!alpha && (i == 0 || c < '0' || c > '9'))
			return 0;
	}
	return 1;
}

int fnconfig_env_check(json_t *env, char *err, size_t err_len)
{
	size_t total = 1;
	const char *k;
	json_t *v;

	if (!json_is_object(env)) {
		snprintf(err, err_len,
			 "the environment is a JSON object of strings");
		return -EINVAL;
	}
	if (json_object_size(env) > FNCONFIG_ENV_COUNT_MAX) {
		snprintf(err, err_len, "more than %u variables",
			 FNCONFIG_ENV_COUNT_MAX);
		return -EINVAL;
	}
	json_object_foreach(env, k, v)
	{
		size_t len = json_is_string(v) ? json_string_length(v) : 0;

		if (!fnconfig_name_valid(k, strlen(k))) {
			snprintf(err, err_len,
				 "invalid variable name: names are 1 to %u "
				 "characters of A-Z, a-z, 0-9 and '_', not "
				 "starting with a digit",
				 FNCONFIG_NAME_MAX);
			return -EINVAL;
		}
		if (!json_is_string(v) ||
		    memchr(json_string_value(v), '\0', len)) {
			snprintf(err, err_len,
				 "variable %s: the value must be a string "
				 "without NUL",
				 k);
			return -EINVAL;
		}
		if (len > FNCONFIG_ENV_VALUE_MAX) {
			snprintf(err, err_len,
				 "variable %s: value longer than %u bytes", k,
				 FNCONFIG_ENV_VALUE_MAX);
			return -EINVAL;
		}
		total += strlen(k) + len + 2;
	}
	if (total > FNCONFIG_ENV_BYTES_MAX) {
		snprintf(err, err_len,
			 "the environment takes more than %u bytes",
			 FNCONFIG_ENV_BYTES_MAX);
		return -EINVAL;
	}
	return 0;
}

static int block_append(char **p, const char *name, const char *value,
			size_t len)
{
	size_t n = strlen(name);

	memcpy(*p, name, n);
	(*p)[n] = '=';
	memcpy(*p + n + 1, value, len);
	(*p)[n + 1 + len] = '\0';
	*p += n + len + 2;
	return 0;
}

int fnconfig_env_block(json_t *env, char **block, size_t *len)
{
	size_t total = 1;
	const char *k;
	json_t *v;
	char *b, *p;

	*block = NULL;
	*len = 0;
	if (env == NULL || json_object_size(env) == 0)
		return 0;
	json_object_foreach(env, k, v) total +=
		strlen(k) + json_string_length(v) + 2;
	b = p = malloc(total);
	if (b == NULL)
		return -ENOMEM;
	json_object_foreach(env, k, v) block_append(&p, k, json_string_value(v),
						    json_string_length(v));
	*p = '\0';
	*block = b;
	*len = total;
	return 0;
}

int fnconfig_secret_check(const char *name, const void *value, size_t len,
			  char *err, size_t err_len)
{
	if (!fnconfig_name_valid(name, strlen(name))) {
		snprintf(err, err_len,
			 "invalid secret name: names are 1 to %u characters "
			 "of A-Z, a-z, 0-9 and '_', not starting with a digit",
			 FNCONFIG_NAME_MAX);
		return -EINVAL;
	}
	if (value == NULL)
		return 0;
	if (len > FNCONFIG_SECRET_VALUE_MAX) {
		snprintf(err, err_len, "secret %s: value longer than %u bytes",
			 name, FNCONFIG_SECRET_VALUE_MAX);
		return -EINVAL;
	}
	if (memchr(value, '\0', len)) {
		snprintf(err, err_len, "secret %s: the value contains NUL",
			 name);
		return -EINVAL;
	}
	return 0;
}

static void secret_wipe(struct fn_secret *s)
{
	if (s->value) {
		explicit_bzero(s->value, s->value_len);
		free(s->value);
	}
	s->value = NULL;
	s->value_len = 0;
}

void fnconfig_secrets_free(struct fn_secrets *s)
{
	for (size_t i = 0; i < s->n; i++)
		secret_wipe(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void fnconfig_block_free(char *block, size_t len)
{
	if (block)
		explicit_bzero(block, len);
	free(block);
}

static char *dup_value(const void *value, size_t len)
{
	char *v = malloc(len + 1);

	if (v) {
		memcpy(v, value, len);
		v[len] = '\0';
	}
	return v;
}

int fnconfig_secrets_copy(struct fn_secrets *dst, const struct fn_secrets *src)
{
	dst->v = calloc(src->n ? src->n : 1, sizeof(*dst->v));
	dst->n = 0;
	if (dst->v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < src->n; i++) {
		dst->v[i] = src->v[i];
		dst->v[i].value =
			dup_value(src->v[i].value, src->v[i].value_len);
		if (dst->v[i].value == NULL) {
			fnconfig_secrets_free(dst);
			return -ENOMEM;
		}
		dst->n++;
	}
	return 0;
}

static size_t secrets_bytes(const struct fn_secrets *s)
{
	size_t total = 1;

	for (size_t i = 0; i < s->n; i++)
		total += strlen(s->v[i].name) + s->v[i].value_len + 2;
	return total;
}

static size_t secret_index(const struct fn_secrets *s, const char *name,
			   int *found)
{
	size_t i = 0;

	*found = 0;
	for (; i < s->n; i++) {
		int c = strcmp(s->v[i].name, name);

		if (c >= 0) {
			*found = c == 0;
			break;
		}
	}
	return i;
}

static int secrets_insert(struct fn_secrets *s, size_t i, const char *name)
{
	struct fn_secret *g = realloc(s->v, (s->n + 1) * sizeof(*g));

	if (g == NULL)
		return -ENOMEM;
	s->v = g;
	memmove(&g[i + 1], &g[i], (s->n - i) * sizeof(*g));
	memset(&g[i], 0, sizeof(*g));
	snprintf(g[i].name, sizeof(g[i].name), "%s", name);
	s->n++;
	return 0;
}

int fnconfig_secrets_put(struct fn_secrets *s, const char *name,
			 const void *value, size_t len, int64_t now_ms,
			 char *err, size_t err_len)
{
	int found, ret;
	size_t i = secret_index(s, name, &found);
	size_t old = found ? strlen(name) + s->v[i].value_len + 2 : 0;
	char *v;

	if (!found && s->n >= FNCONFIG_SECRET_COUNT_MAX) {
		snprintf(err, err_len, "a function has at most %u secrets",
			 FNCONFIG_SECRET_COUNT_MAX);
		return -E2BIG;
	}
	if (secrets_bytes(s) - old + strlen(name) + len + 2 >
	    FNCONFIG_SECRETS_BYTES_MAX) {
		snprintf(err, err_len,
			 "the secrets of a function take at most %u bytes",
			 FNCONFIG_SECRETS_BYTES_MAX);
		return -E2BIG;
	}
	v = dup_value(value, len);
	if (v == NULL || (!found && (ret = secrets_insert(s, i, name)) < 0)) {
		free(v);
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	secret_wipe(&s->v[i]);
	s->v[i].value = v;
	s->v[i].value_len = len;
	s->v[i].updated_ms = now_ms;
	return 0;
}

int fnconfig_secrets_del(struct fn_secrets *s, const char *name)
{
	int found;
	size_t i = secret_index(s, name, &found);

	if (!found)
		return -ENOENT;
	secret_wipe(&s->v[i]);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
	s->n--;
	return 0;
}

int fnconfig_secrets_block(const struct fn_secrets *s, char **block,
			   size_t *len)
{
	size_t total = secrets_bytes(s);
	char *b, *p;

	*block = NULL;
	*len = 0;
	if (s->n == 0)
		return 0;
	b = p = malloc(total);
	if (b == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		block_append(&p, s->v[i].name, s->v[i].value,
			     s->v[i].value_len);
	*p = '\0';
	*block = b;
	*len = total;
	return 0;
}

int fnconfig_secrets_encode(const struct fn_secrets *s, uint8_t **buf,
			    size_t *len)
{
	size_t total = 0, off = 0;
	uint8_t *b;

	for (size_t i = 0; i < s->n; i++)
		total += strlen(s->v[i].name) + 24 + s->v[i].value_len + 3;
	b = malloc(total ? total : 1);
	if (b == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		const struct fn_secret *x = &s->v[i];

		off += (size_t)sprintf((char *)b + off, "%s%c%" PRId64 "%c",
				       x->name, 0, x->updated_ms, 0);
		memcpy(b + off, x->value, x->value_len);
		off += x->value_len;
		b[off++] = 0;
	}
	*buf = b;
	*len = off;
	return 0;
}

/* One NUL-terminated field at *off, or NULL when the buffer ends first. */
static const char *field(const uint8_t *buf, size_t len, size_t *off,
			 size_t *flen)
{
	const uint8_t *p = buf + *off, *nul;

	if (*off >= len || (nul = memchr(p, 0, len - *off)) == NULL)
		return NULL;
	*flen = (size_t)(nul - p);
	*off += *flen + 1;
	return (const char *)p;
}

int fnconfig_secrets_decode(const uint8_t *buf, size_t len,
			    struct fn_secrets *s)
{
	size_t off = 0, nl, tl, vl;
	char err[160];

	s->v = NULL;
	s->n = 0;
	while (off < len) {
		const char *name = field(buf, len, &off, &nl);
		const char *ms = name ? field(buf, len, &off, &tl) : NULL;
		const char *val = ms ? field(buf, len, &off, &vl) : NULL;
		char *end;
		long long t;

		if (val == NULL ||
		    fnconfig_secret_check(name, NULL, 0, err, sizeof(err)) < 0)
			goto bad;
		t = strtoll(ms, &end, 10);
		if (tl == 0 || *end || t < 0 ||
		    fnconfig_secrets_put(s, name, val, vl, t, err,
					 sizeof(err)) < 0)
			goto bad;
	}
	return 0;
bad:
	fnconfig_secrets_free(s);
	return -EINVAL;
}

json_t *fnconfig_secrets_list(const struct fn_secrets *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < s->n; i++) {
		time_t t = (time_t)(s->v[i].updated_ms / 1000);
		char when[64];
		struct tm tm;

		gmtime_r(&t, &tm);
		snprintf(when, sizeof(when),
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)(s->v[i].updated_ms % 1000));
		json_array_append_new(a, json_pack("{s:s, s:s}", "name",
						   s->v[i].name, "updated_at",
						   when));
	}
	return a;
}
