/* wasi_env.h: the environment a WASI module sees (CGI/WAGI variables). */
#ifndef GLINT_WASI_ENV_H
#define GLINT_WASI_ENV_H

#include <stddef.h>

/* Builds the call's variables; called once a call has begun. */
void wasi_env_begin_call(size_t content_length);

/* "NAME=value" strings and their count; during start-up (before the
 * first read of stdin) only the variables that do not depend on a call. */
const char *const *wasi_env_get(size_t *n);

#endif /* GLINT_WASI_ENV_H */
