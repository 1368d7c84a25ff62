/* fnconfig.h: a function's environment and secrets: rules, limits, the
 * blocks the guest reads and the secrets file format. */
#ifndef GLINT_FNCONFIG_H
#define GLINT_FNCONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Names are [A-Za-z_][A-Za-z0-9_]* up to FNCONFIG_NAME_MAX bytes; values
 * are any bytes but NUL (the guest sees NAME=VALUE\0 entries). Error
 * messages name the variable or secret and the limit, never a value.
 */
#define FNCONFIG_NAME_MAX 128
#define FNCONFIG_ENV_COUNT_MAX 256
#define FNCONFIG_ENV_VALUE_MAX 4096
#define FNCONFIG_ENV_BYTES_MAX (64u << 10) /* the whole block */
#define FNCONFIG_SECRET_COUNT_MAX 64
#define FNCONFIG_SECRET_VALUE_MAX (16u << 10)
#define FNCONFIG_SECRETS_BYTES_MAX (256u << 10)

int fnconfig_name_valid(const char *name, size_t len);

/* Checks a JSON object of string -> string against the rules above. */
int fnconfig_env_check(json_t *env, char *err, size_t err_len);

/* The NAME=VALUE\0...\0 block of env (NULL or empty: *block NULL, 0). */
int fnconfig_env_block(json_t *env, char **block, size_t *len);

struct fn_secret {
	char name[FNCONFIG_NAME_MAX + 1];
	int64_t updated_ms; /* Unix time in milliseconds */
	char *value;	    /* malloc'd, NUL after value_len bytes */
	size_t value_len;
};

/* Sorted by name. */
struct fn_secrets {
	struct fn_secret *v;
	size_t n;
};

/* Checks one secret; value may be NULL to check the name only. */
int fnconfig_secret_check(const char *name, const void *value, size_t len,
			  char *err, size_t err_len);
int fnconfig_secrets_copy(struct fn_secrets *dst, const struct fn_secrets *src);
/* Adds or replaces name; -E2BIG (err set) when over the count or total. */
int fnconfig_secrets_put(struct fn_secrets *s, const char *name,
			 const void *value, size_t len, int64_t now_ms,
			 char *err, size_t err_len);
int fnconfig_secrets_del(struct fn_secrets *s, const char *name); /* -ENOENT */
void fnconfig_secrets_free(struct fn_secrets *s); /* wipes the values */
int fnconfig_secrets_block(const struct fn_secrets *s, char **block,
			   size_t *len);
/* The file: "name\0updated_ms\0value\0" per secret. */
int fnconfig_secrets_encode(const struct fn_secrets *s, uint8_t **buf,
			    size_t *len);
int fnconfig_secrets_decode(const uint8_t *buf, size_t len,
			    struct fn_secrets *s);
/* [{"name", "updated_at"}] */
json_t *fnconfig_secrets_list(const struct fn_secrets *s);

/* Frees a block that may hold secrets. */
void fnconfig_block_free(char *block, size_t len);

#endif /* GLINT_FNCONFIG_H */
