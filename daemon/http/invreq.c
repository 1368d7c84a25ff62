/* invreq.c: builds a function's view of an HTTP request from libmicrohttpd's
 * parsed request and the target as the client sent it. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "invreq.h"

struct limits {
	unsigned count;
	size_t bytes;
};

static int count_header(void *opaque, const char *name, size_t name_len,
			const char *value, size_t value_len)
{
	struct limits *l = opaque;

	(void)name;
	(void)value;
	l->count++;
	l->bytes += name_len + value_len;
	return 0;
}

unsigned invreq_check_limits(struct http_request *http,
			     const struct glintd_config *cfg, char *msg,
			     size_t msg_len)
{
	const char *uri = http_request_raw_uri(http);
	struct limits l = {0, 0};

	if (uri && strlen(uri) > cfg->max_url_bytes) {
		snprintf(msg, msg_len,
			 "request target of %zu bytes exceeds max_url_bytes "
			 "(%zu)",
			 strlen(uri), cfg->max_url_bytes);
		return 414;
	}
	http_request_header_foreach(http, count_header, &l);
	if (l.count > cfg->max_request_headers) {
		snprintf(msg, msg_len,
			 "%u request headers exceed max_request_headers (%u)",
			 l.count, cfg->max_request_headers);
		return 431;
	}
	if (l.bytes > cfg->max_request_header_bytes) {
		snprintf(msg, msg_len,
			 "request headers of %zu bytes exceed "
			 "max_request_header_bytes (%zu)",
			 l.bytes, cfg->max_request_header_bytes);
		return 431;
	}
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int invreq_name_as_sent(struct http_request *http, const char *name)
{
	const char *t = http_request_raw_uri(http);
	size_t n = 0;

	if (!t || strncmp(t, "/invoke/", 8) != 0)
		return 1; /* nothing better to check against */
	for (t += 8; *t && *t != '/' && *t != '?'; n++) {
		int hi, lo;

		if (t[0] == '%' && (hi = hex_digit(t[1])) >= 0 &&
		    (lo = hex_digit(t[2])) >= 0) {
			if (name[n] != (char)(hi * 16 + lo))
				return 0;
			t += 3;
		} else if (name[n] != *t++) {
			return 0;
		}
		if (!name[n])
			return 0;
	}
	return name[n] == '\0';
}

static struct vm_str cstr(const char *s)
{
	return (struct vm_str){s, s ? strlen(s) : 0};
}

static int push(struct vm_kv **arr, size_t *n, size_t *cap, struct vm_str name,
		struct vm_str value)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct vm_kv *a = realloc(*arr, c * sizeof(*a));

		if (!a)
			return -ENOMEM;
		*arr = a;
		*cap = c;
	}
	(*arr)[(*n)++] = (struct vm_kv){name, value};
	return 0;
}

/* libmicrohttpd's header strings live as long as the request. */
static int add_header(void *opaque, const char *name, size_t name_len,
		      const char *value, size_t value_len)
{
	struct invreq *ir = opaque;

	return push(&ir->headers, &ir->req.nheaders, &ir->cap_headers,
		    (struct vm_str){name, name_len},
		    (struct vm_str){value, value_len});
}

static int add_query(void *opaque, const char *key, const char *value)
{
	struct invreq *ir = opaque;

	return push(&ir->query, &ir->req.nquery, &ir->cap_query, cstr(key),
		    cstr(value ? value : ""));
}

/* The raw target split into the path after /invoke/<fn> and the query.
 * Without the client's target (unknown), the decoded path stands in. */
static void split_target(struct invreq *ir, const char *decoded_rest)
{
	const char *t = ir->raw_uri, *q, *rest;

	if (!t) {
		ir->req.path_raw = cstr(decoded_rest);
		ir->req.query_raw = cstr("");
		return;
	}
	q = strchr(t, '?');
	if (!q)
		q = t + strlen(t);
	ir->req.query_raw = *q ? cstr(q + 1) : cstr("");
	rest = t;
	if (strncmp(rest, "/invoke/", 8) == 0)
		rest += 8;
	while (rest < q && *rest != '/')
		rest++;
	ir->req.path_raw = (struct vm_str){rest, (size_t)(q - rest)};
}

int invreq_build(struct invreq *ir, struct http_request *http, const char *name)
{
	const char *method = http_request_method(http);
	const char *path = http_request_path(http);
	const char *rest = path + strlen("/invoke/") + strlen(name);

	memset(ir, 0, sizeof(*ir));
	ir->req.method = cstr(strcmp(method, "HEAD") == 0 ? "GET" : method);
	ir->req.path = cstr(rest);
	ir->raw_uri = (char *)http_request_raw_uri(http);
	split_target(ir, rest);
	http_request_peer(http, ir->addr, sizeof(ir->addr),
			  &ir->req.client_port);
	ir->req.client_addr = cstr(ir->addr);
	ir->req.scheme = cstr(http_request_is_tls(http) ? "https" : "http");
	ir->req.request_id = cstr(http_request_id_str(http));
	if (http_request_header_foreach(http, add_header, ir) ||
	    http_request_query_foreach(http, add_query, ir)) {
		invreq_free(ir);
		return -ENOMEM;
	}
	ir->req.headers = ir->headers;
	ir->req.query = ir->query;
	return 0;
}

void invreq_free(struct invreq *ir)
{
	free(ir->headers);
	free(ir->query);
	ir->headers = ir->query = NULL;
}
