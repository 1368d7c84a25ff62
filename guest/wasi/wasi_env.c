/* wasi_env.c: the CGI/WAGI variables of a call, from the request area.
 *
 * Built once per call into .bss (restored with the VM after the call):
 * the CGI/1.1 variables (RFC 3875) from the request area, one HTTP_*
 * variable per request header name (repeats joined with ", ", "; " for
 * Cookie, as CGI servers do; Content-Type and Content-Length appear only
 * as CONTENT_TYPE and CONTENT_LENGTH), WAGI's X_FULL_URL, X_RAW_PATH_INFO
 * and X_MATCHED_ROUTE, then the function's own environment (its env
 * block). During start-up, before any request, only the fixed variables
 * and the function's environment are there.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "glint.h"
#include "glint_abi.h"
#include "../src/internal.h"
#include "wasi_env.h"

#define CALL_PAGE ((const volatile struct glint_call_page *)GLINT_CALL_PAGE_GPA)
#define VARS_MAX 1024
#define ARENA_BYTES (256u << 10)

static const char *const fixed[] = {
	"GATEWAY_INTERFACE=CGI/1.1",
	"SERVER_PROTOCOL=HTTP/1.1",
	"SERVER_SOFTWARE=glint",
};
#define NFIXED (sizeof(fixed) / sizeof(fixed[0]))

/* In .bss: rebuilt by every call. */
static const char *vars[VARS_MAX];
static size_t nvars;
static char arena[ARENA_BYTES];
static size_t arena_used;
static int overflow;

/* A variable is written piece by piece at the end of the arena: begin,
 * append..., end. Running out of room or slots sets overflow. */
static size_t var_start;

static void var_append(const char *s)
{
	size_t len = strlen(s);

	if (len >= ARENA_BYTES - arena_used) {
		overflow = 1;
		return;
	}
	memcpy(arena + arena_used, s, len);
	arena_used += len;
}

static void var_begin(const char *name)
{
	var_start = arena_used;
	var_append(name);
	var_append("=");
}

static void add_var(const char *var)
{
	if (nvars >= VARS_MAX) {
		overflow = 1;
		return;
	}
	vars[nvars++] = var;
}

static void var_end(void)
{
	if (overflow || arena_used >= ARENA_BYTES)
		return;
	arena[arena_used++] = '\0';
	add_var(arena + var_start);
}

static void add(const char *name, const char *value)
{
	var_begin(name);
	var_append(value);
	var_end();
}

/* The function's own environment: the env block's "NAME=VALUE" entries. */
static void add_function_env(void)
{
	const char *p = (const char *)(uintptr_t)CALL_PAGE->boot.env_gpa;
	const char *end = p + CALL_PAGE->boot.env_bytes;

	if (CALL_PAGE->boot.env_bytes == 0)
		return;
	while (p < end && *p) {
		size_t len = strnlen(p, (size_t)(end - p));

		add_var(p);
		p += len + 1;
	}
}

/* "HTTP_" + the name upper-cased with '-' as '_'. */
static void cgi_name(const char *name, char *buf, size_t size)
{
	size_t i = 0;

	snprintf(buf, size, "HTTP_");
	for (i = 5; *name && i + 1 < size; name++, i++) {
		char c = *name;

		buf[i] = c == '-' ? '_' : (c >= 'a' && c <= 'z') ? c - 32 : c;
	}
	buf[i] = '\0';
}

/* Header i, unless an earlier one had the same name (then it was joined
 * there) or CGI passes it under another name. */
static int header_first(size_t i, const char *name)
{
	const char *n, *v;

	if (strcasecmp(name, "Content-Type") == 0 ||
	    strcasecmp(name, "Content-Length") == 0)
		return 0;
	for (size_t j = 0; j < i; j++)
		if (glint_request_header_at(j, &n, &v) == 0 &&
		    strcasecmp(n, name) == 0)
			return 0;
	return 1;
}

static void add_header(size_t i, const char *name, size_t count)
{
	const char *sep = strcasecmp(name, "Cookie") == 0 ? "; " : ", ";
	const char *n, *v;
	char cname[GLINT_RESP_NAME_MAX + 8];

	cgi_name(name, cname, sizeof(cname));
	var_begin(cname);
	for (size_t j = i; j < count; j++) {
		if (glint_request_header_at(j, &n, &v) < 0 ||
		    strcasecmp(n, name) != 0)
			continue;
		if (j != i)
			var_append(sep);
		var_append(v);
	}
	var_end();
}

static void add_headers(void)
{
	size_t count = glint_request_header_count();
	const char *n, *v;

	for (size_t i = 0; i < count && !overflow; i++)
		if (glint_request_header_at(i, &n, &v) == 0 &&
		    header_first(i, n))
			add_header(i, n, count);
}

/* SERVER_NAME and SERVER_PORT from the Host header, as CGI asks. */
static void add_server(const char *scheme)
{
	const char *host = glint_request_header("Host");
	const char *colon;
	char name[256];
	size_t len;

	if (host == NULL)
		host = "";
	colon = strrchr(host, ':');
	/* "[::1]:8080" has its port after the last ']'. */
	if (colon && strchr(colon, ']'))
		colon = NULL;
	len = colon ? (size_t)(colon - host) : strlen(host);
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, host, len);
	name[len] = '\0';
	add("SERVER_NAME", name);
	add("SERVER_PORT",
	    colon ? colon + 1 : (strcmp(scheme, "https") == 0 ? "443" : "80"));
}

/* SCRIPT_NAME and the WAGI URL variables. The function's name comes from
 * GLINT_FUNCTION, which glintd puts in a Wasm function's environment. */
static void add_urls(const char *scheme)
{
	const char *fn = getenv("GLINT_FUNCTION");
	const char *host = glint_request_header("Host");
	const char *query = glint_request_query_string();
	char script[300], url[8192];

	snprintf(script, sizeof(script), "/invoke/%s", fn ? fn : "");
	add("SCRIPT_NAME", script);
	add("X_MATCHED_ROUTE", script);
	add("X_RAW_PATH_INFO", glint_request_path_raw());
	if ((size_t)snprintf(url, sizeof(url), "%s://%s%s%s%s%s", scheme,
			     host ? host : "", script, glint_request_path_raw(),
			     query[0] ? "?" : "", query) >= sizeof(url)) {
		overflow = 1;
		return;
	}
	add("X_FULL_URL", url);
}

static void add_request(size_t content_length)
{
	const char *scheme = glint_request_scheme();
	const char *ct = glint_request_header("Content-Type");
	char num[32];

	add("REQUEST_METHOD", glint_request_method());
	add("PATH_INFO", glint_request_path());
	add("QUERY_STRING", glint_request_query_string());
	add("CONTENT_TYPE", ct ? ct : "");
	snprintf(num, sizeof(num), "%zu", content_length);
	add("CONTENT_LENGTH", num);
	add("REMOTE_ADDR", glint_request_client_addr());
	add("REMOTE_HOST", glint_request_client_addr());
	snprintf(num, sizeof(num), "%u", glint_request_client_port());
	add("REMOTE_PORT", num);
	add("REQUEST_SCHEME", scheme);
	add("HTTPS", strcmp(scheme, "https") == 0 ? "on" : "off");
	add("X_REQUEST_ID", glint_request_id());
	add_server(scheme[0] ? scheme : "http");
	add_urls(scheme[0] ? scheme : "http");
	add_headers();
}

void wasi_env_begin_call(size_t content_length)
{
	nvars = 0;
	arena_used = 0;
	overflow = 0;
	for (size_t i = 0; i < NFIXED; i++)
		add_var(fixed[i]);
	add_request(content_length);
	add_function_env();
	if (overflow)
		glint_fail("the request does not fit the CGI environment "
			   "(%u variables, %u KiB)",
			   VARS_MAX, ARENA_BYTES >> 10);
}

const char *const *wasi_env_get(size_t *n)
{
	if (!glint__in_call()) {
		/* Start-up: nothing about a request yet. */
		nvars = 0;
		overflow = 0;
		for (size_t i = 0; i < NFIXED; i++)
			add_var(fixed[i]);
		add_function_env();
	}
	*n = nvars;
	return vars;
}
