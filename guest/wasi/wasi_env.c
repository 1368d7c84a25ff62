/* wasi_env.c: CGI/WAGI variables from what the call header carries.
 *
 * Today's ABI hands a function its body and nothing else about the
 * request, so the variables are those the host can vouch for: the method
 * is POST (glintd invokes with POST) and CONTENT_LENGTH is the body's
 * length; PATH_INFO and QUERY_STRING are empty. The request's path,
 * query, headers (HTTP_*), REMOTE_ADDR and the function's own environment
 * join this list when the HTTP-functions ABI carries them: this file is
 * the one place that changes.
 */
#include <stdio.h>

#include "wasi_env.h"

static const char *const fixed[] = {
	"GATEWAY_INTERFACE=CGI/1.1",
	"SERVER_PROTOCOL=HTTP/1.1",
	"SERVER_SOFTWARE=glint",
	"REQUEST_METHOD=POST",
	"PATH_INFO=",
	"QUERY_STRING=",
};
#define NFIXED (sizeof(fixed) / sizeof(fixed[0]))

/* In .bss: rebuilt by every call. */
static char content_length[40];
static const char *vars[NFIXED + 1];
static size_t nvars;

void wasi_env_begin_call(size_t len)
{
	size_t i;

	for (i = 0; i < NFIXED; i++)
		vars[i] = fixed[i];
	snprintf(content_length, sizeof(content_length), "CONTENT_LENGTH=%zu",
		 len);
	vars[i++] = content_length;
	nvars = i;
}

const char *const *wasi_env_get(size_t *n)
{
	if (nvars == 0) {
		/* Start-up: nothing about a request yet. */
		*n = 3;
		return fixed;
	}
	*n = nvars;
	return vars;
}
