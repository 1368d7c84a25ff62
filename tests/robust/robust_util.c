/* robust_util.c: helpers shared by the robustness tests: error checks, deploys and background traffic. */
#include "config.h"

#include "robust_util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

void robust_assert_error(const struct http_resp *r, long status,
			 const char *code, const char *in_message)
{
	json_t *j = json_loads(r->body, 0, NULL);
	const char *c = NULL, *m = NULL, *id = NULL;

	ck_assert_msg(r->status == status, "status %ld, want %ld; body %s",
		      r->status, status, r->body);
	ck_assert_msg(j != NULL, "error body is not JSON: %s", r->body);
	ck_assert_msg(json_unpack(j, "{s:{s:s,s:s,s:s}}", "error", "code", &c,
				  "message", &m, "request_id", &id) == 0,
		      "not a glintd error body: %s", r->body);
	ck_assert_msg(strcmp(c, code) == 0, "code %s, want %s (%s)", c, code,
		      m);
	if (in_message)
		ck_assert_msg(strstr(m, in_message), "message '%s' lacks '%s'",
			      m, in_message);
	json_decref(j);
}

void robust_deploy(const struct glintd_proc *g, const char *name,
		   const char *elf, const char *query, long want)
{
	struct http_resp r;

	ck_assert_int_eq(harness_deploy(g, name, harness_built(elf), query, &r),
			 0);
	if (r.status != want)
		harness_dump_log(g);
	ck_assert_msg(r.status == want, "deploy %s: %ld %s", name, r.status,
		      r.body);
	http_resp_free(&r);
}

void robust_invoke(const struct glintd_proc *g, const char *name,
		   const void *in, size_t in_len, struct http_resp *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/invoke/%s", name);
	ck_assert_msg(harness_request(g, "POST", path, in, in_len, r) == 0,
		      "no response to %s", path);
}

/* Input i of an echo stream: every byte value appears, lengths vary. */
static size_t echo_input(unsigned i, unsigned char *buf, size_t cap)
{
	size_t len = 1 + (i * 7919u) % (cap - 1);

	for (size_t k = 0; k < len; k++)
		buf[k] = (unsigned char)(i + k * 31u);
	return len;
}

static void note_failure(struct robust_good *b, const char *what, long status,
			 const char *body)
{
	if (b->failures++ == 0)
		snprintf(b->first_failure, sizeof(b->first_failure),
			 "call %u: %s (status %ld, body %.120s)", b->calls,
			 what, status, body ? body : "");
}

static void good_one(struct robust_good *b, CURL *c, unsigned char *in,
		     size_t cap)
{
	char path[128], want[128];
	struct http_resp r;
	size_t len;

	snprintf(path, sizeof(path), "/invoke/%s", b->function);
	if (b->kind == ROBUST_GOOD_ECHO) {
		len = echo_input(b->calls, in, cap);
	} else {
		len = (size_t)snprintf((char *)in, cap, "{\"name\":\"n%u\"}",
				       b->calls);
		snprintf(want, sizeof(want), "{\"greeting\":\"Hello, n%u!\"}",
			 b->calls);
	}
	if (harness_request_on(c, b->g, "POST", path, in, len, &r) != 0) {
		note_failure(b, "no response", 0, NULL);
		return;
	}
	if (r.status != 200)
		note_failure(b, "bad status", r.status, r.body);
	else if (b->kind == ROBUST_GOOD_ECHO &&
		 (r.len != len || memcmp(r.body, in, len) != 0))
		note_failure(b, "echo output differs", r.status, r.body);
	else if (b->kind == ROBUST_GOOD_HELLO && strcmp(r.body, want) != 0)
		note_failure(b, "greeting differs", r.status, r.body);
	__atomic_add_fetch(&b->calls, 1, __ATOMIC_RELEASE);
	http_resp_free(&r);
}

static void *good_run(void *opaque)
{
	struct robust_good *b = opaque;
	unsigned char in[4096];
	CURL *c = curl_easy_init();

	while (!b->stop)
		good_one(b, c, in, sizeof(in));
	curl_easy_cleanup(c);
	return NULL;
}

void robust_good_start(struct robust_good *b, const struct glintd_proc *g,
		       const char *function, enum robust_good_kind kind)
{
	memset(b, 0, sizeof(*b));
	b->g = g;
	b->function = function;
	b->kind = kind;
	ck_assert_int_eq(pthread_create(&b->thread, NULL, good_run, b), 0);
}

void robust_good_stop(struct robust_good *b)
{
	/* However slow the host, the traffic must have made a call: wait for
	 * one (cap a minute) rather than fail a test whose own work was quick. */
	for (int ms = 0;
	     __atomic_load_n(&b->calls, __ATOMIC_ACQUIRE) == 0 && ms < 60000;
	     ms++)
		usleep(1000);
	b->stop = 1;
	pthread_join(b->thread, NULL);
	ck_assert_msg(b->calls > 0, "%s: no call completed", b->function);
	ck_assert_msg(b->failures == 0, "%s: %u of %u calls failed; first: %s",
		      b->function, b->failures, b->calls, b->first_failure);
}
