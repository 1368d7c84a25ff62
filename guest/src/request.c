/* request.c: the request area, the response head, environment and secrets. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "glint.h"
#include "glint_abi.h"
#include "internal.h"

#define CALL_PAGE ((const volatile struct glint_call_page *)GLINT_CALL_PAGE_GPA)
#define HEAD ((struct glint_response_head *)GLINT_RESP_HEAD_GPA)
#define HEAD_ROOM (GLINT_RESP_HEAD_BYTES - sizeof(struct glint_response_head))

/* The request of the current call, or NULL outside a call. The host wrote
 * it and bounded every string; the checks here only keep a confused
 * caller (e.g. during init) from reading garbage. */
static const struct glint_request *request(void)
{
	uint64_t in_len = CALL_PAGE->call.in_len;
	const struct glint_request *r =
		(const void *)(uintptr_t)CALL_PAGE->boot.in_gpa;

	if (!glint__in_call() || in_len < sizeof(*r) ||
	    r->magic != GLINT_REQUEST_MAGIC)
		return NULL;
	return r;
}

static const char *str(const struct glint_request *r, struct glint_str s)
{
	if (!r)
		return "";
	return (const char *)r + s.off;
}

const char *glint_request_method(void)
{
	const struct glint_request *r = request();

	return r ? str(r, r->method) : "";
}

const char *glint_request_path(void)
{
	const struct glint_request *r = request();

	return r ? str(r, r->path) : "";
}

const char *glint_request_path_raw(void)
{
	const struct glint_request *r = request();

	return r ? str(r, r->path_raw) : "";
}

const char *glint_request_query_string(void)
{
	const struct glint_request *r = request();

	return r ? str(r, r->query_raw) : "";
}

const char *glint_request_client_addr(void)
{
	const struct glint_request *r = request();

	return r ? str(r, r->client_addr) : "";
}

unsigned glint_request_client_port(void)
{
	const struct glint_request *r = request();

	return r ? r->client_port : 0;
}

const char *glint_request_scheme(void)
{
	const struct glint_request *r = request();

	return r ? str(r, r->scheme) : "";
}

const char *glint_request_id(void)
{
	const struct glint_request *r = request();

	return r ? str(r, r->request_id) : "";
}

const void *glint_request_body(size_t *len)
{
	const struct glint_request *r = request();

	if (len)
		*len = r ? r->body.len : 0;
	return r ? str(r, r->body) : "";
}

static const struct glint_kv *table(const struct glint_request *r, uint32_t off)
{
	return (const struct glint_kv *)((const char *)r + off);
}

static int entry_at(int headers, size_t i, const char **name,
		    const char **value)
{
	const struct glint_request *r = request();
	const struct glint_kv *kv;
	uint32_t n;

	if (!r)
		return -1;
	n = headers ? r->nheaders : r->nquery;
	if (i >= n)
		return -1;
	kv = table(r, headers ? r->headers_off : r->query_off) + i;
	if (name)
		*name = str(r, kv->name);
	if (value)
		*value = str(r, kv->value);
	return 0;
}

size_t glint_request_header_count(void)
{
	const struct glint_request *r = request();

	return r ? r->nheaders : 0;
}

int glint_request_header_at(size_t i, const char **name, const char **value)
{
	return entry_at(1, i, name, value);
}

size_t glint_request_query_count(void)
{
	const struct glint_request *r = request();

	return r ? r->nquery : 0;
}

int glint_request_query_at(size_t i, const char **name, const char **value)
{
	return entry_at(0, i, name, value);
}

const char *glint_request_header(const char *name)
{
	const char *n, *v;

	for (size_t i = 0; glint_request_header_at(i, &n, &v) == 0; i++)
		if (strcasecmp(n, name) == 0)
			return v;
	return NULL;
}

const char *glint_request_query(const char *name)
{
	const char *n, *v;

	for (size_t i = 0; glint_request_query_at(i, &n, &v) == 0; i++)
		if (strcmp(n, name) == 0)
			return v;
	return NULL;
}

/* ---- response ------------------------------------------------------------ */

int glint_set_status(int status)
{
	if (!glint__in_call() || status < 100 || status > 599 ||
	    status == 101) {
		errno = EINVAL;
		return -1;
	}
	((volatile struct glint_call_page *)CALL_PAGE)->result.status =
		(uint32_t)status;
	return 0;
}

static struct glint_resp_header *entry_next(struct glint_resp_header *e)
{
	return (void *)((char *)(e + 1) + e->name_len + e->value_len);
}

/* Drops every entry named name (case-insensitive); keeps the order. */
static void remove_headers(const char *name, size_t nlen)
{
	char *base = (char *)(HEAD + 1), *end = base + HEAD->bytes_used;
	struct glint_resp_header *e = (void *)base;

	while ((char *)e < end) {
		struct glint_resp_header *next = entry_next(e);

		if (e->name_len == nlen &&
		    strncasecmp((char *)(e + 1), name, nlen) == 0) {
			size_t gone = (size_t)((char *)next - (char *)e);

			memmove(e, next, (size_t)(end - (char *)next));
			end -= gone;
			HEAD->bytes_used -= (uint32_t)gone;
			HEAD->nheaders--;
			continue;
		}
		e = next;
	}
}

int glint_add_header(const char *name, const char *value)
{
	size_t nlen = name ? strlen(name) : 0, vlen = value ? strlen(value) : 0;
	size_t need = sizeof(struct glint_resp_header) + nlen + vlen;
	struct glint_resp_header *e;

	if (!glint__in_call() || nlen == 0 || nlen > GLINT_RESP_NAME_MAX ||
	    vlen > GLINT_RESP_VALUE_MAX) {
		errno = EINVAL;
		return -1;
	}
	/* Past the limit the count still grows, so that the host can say
	 * how many headers the function tried to set. */
	if (HEAD->nheaders >= GLINT_RESP_HEADERS_MAX ||
	    need > HEAD_ROOM - HEAD->bytes_used) {
		if (HEAD->nheaders < UINT32_MAX)
			HEAD->nheaders++;
		errno = E2BIG;
		return -1;
	}
	e = (void *)((char *)(HEAD + 1) + HEAD->bytes_used);
	e->name_len = (uint16_t)nlen;
	e->reserved0 = 0;
	e->value_len = (uint32_t)vlen;
	memcpy(e + 1, name, nlen);
	memcpy((char *)(e + 1) + nlen, value, vlen);
	HEAD->bytes_used += (uint32_t)need;
	HEAD->nheaders++;
	return 0;
}

int glint_set_header(const char *name, const char *value)
{
	if (!glint__in_call() || !name || !*name) {
		errno = EINVAL;
		return -1;
	}
	if (HEAD->nheaders <= GLINT_RESP_HEADERS_MAX)
		remove_headers(name, strlen(name));
	return glint_add_header(name, value);
}

/* ---- environment and secrets --------------------------------------------- */

static const char *block_find(uint64_t gpa, uint64_t bytes, const char *name)
{
	const char *p = (const char *)(uintptr_t)gpa, *end = p + bytes;
	size_t nlen;

	if (!name || !bytes || strchr(name, '='))
		return NULL;
	nlen = strlen(name);
	while (p < end && *p) {
		size_t len = strnlen(p, (size_t)(end - p));

		if (len > nlen && p[nlen] == '=' && memcmp(p, name, nlen) == 0)
			return p + nlen + 1;
		p += len + 1;
	}
	return NULL;
}

char *getenv(const char *name)
{
	return (char *)block_find(CALL_PAGE->boot.env_gpa,
				  CALL_PAGE->boot.env_bytes, name);
}

const char *glint_secret(const char *name)
{
	return block_find(CALL_PAGE->boot.secrets_gpa,
			  CALL_PAGE->boot.secrets_bytes, name);
}
