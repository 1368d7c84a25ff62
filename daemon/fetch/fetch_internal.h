/* fetch_internal.h: the fetch client's private state, shared by fetch.c (loop
 * glue, lifecycle) and fetch_op.c (one operation's transfer). */
#ifndef GLINT_FETCH_INTERNAL_H
#define GLINT_FETCH_INTERNAL_H

#include <curl/curl.h>
#include <stdbool.h>

#include "fetch.h"

struct fetch_sock;

struct fetch {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer; /* libcurl's timeout */
	uv_timer_t later; /* runs completions scheduled outside curl */
	struct fetch_config cfg;
	struct curl_slist *resolve;
	struct fetch_op *ops; /* every started, not completed operation */
	size_t n_ops;
	struct fetch_op *later_head, *later_tail;
	struct fetch_sock *socks;
	unsigned open_handles; /* uv handles not yet closed */
	bool destroyed;
};

struct fetch_op {
	struct fetch *f;
	struct fetch_op *prev, *next, *later_next;
	fetch_done_fn cb;
	void *opaque;
	const struct fetch_policy *allow;
	CURL *easy;
	CURLU *url;
	struct fetch_target target; /* of the current hop */
	bool in_multi, scheduled;
	int err; /* result once scheduled */

	char method[33]; /* an HTTP token of at most 32 bytes */
	char *body;
	size_t body_len;
	struct curl_slist *headers;
	unsigned redirects_left, redirects;
	uint64_t start_ns, deadline_ns;

	/* The current hop's response. */
	char *resp;
	size_t resp_len, resp_cap;
	char *hdrs; /* name\0value\0 pairs */
	size_t hdrs_len, hdrs_cap, n_hdrs, hdr_bytes;
	int cap_err;  /* set by the body/header callbacks */
	int addr_err; /* set by the address check */

	char msg[512];
	char curl_msg[CURL_ERROR_SIZE];
};

uint64_t fetch__now_ns(void);

/* Copies and checks req into op and prepares its easy handle. Returns 0, or
 * a negative code with op->msg set (the operation then completes with it). */
int fetch__op_setup(struct fetch_op *op, const struct fetch_request *req);

/* Starts the current hop: URL, timeouts, added to the multi handle. */
int fetch__hop_start(struct fetch_op *op);

/* After a hop finished with rc: 1 when the result is final, 0 when a
 * redirect was followed (a new hop started), < 0 a failure (op->msg). */
int fetch__hop_done(struct fetch_op *op, CURLcode rc, int *err);

/* Frees everything op holds, op included; it must be out of the multi. */
void fetch__op_free(struct fetch_op *op);

/* Takes op off its client's list of operations. */
void fetch__op_unlink(struct fetch_op *op);

/* Builds the result from op's last hop and runs the callback. */
void fetch__op_report(struct fetch_op *op, int err);

#endif /* GLINT_FETCH_INTERNAL_H */
