/* test_badhttp.c: malformed, oversized, slow and lying HTTP requests over raw sockets; glintd answers each and keeps serving. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "robust_util.h"
#include "tests/kvm_required.h"
#include "../check_run.h"

/* Short limits so that the cases run fast; glintd.conf keys. */
#define CONN_TIMEOUT_S 1
#define MAX_INVOKE_BYTES 65536
#define MAX_CONNECTIONS 16
#define HEAD_TIMEOUT_S 2

static struct glintd_proc daemon_g;
static char config_path[64];

/* A raw response: status 0 means the connection closed without one. */
struct raw_resp {
	int status;
	char head[8192];
	char *body;
	size_t body_len;
	int closed; /* the daemon closed the connection after it */
};

static void raw_resp_free(struct raw_resp *r)
{
	free(r->body);
	r->body = NULL;
}

static int raw_connect(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(daemon_g.port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0,
		      "connect: %s", strerror(errno));
	return fd;
}

/* The daemon may close early (413, 431): a failed send is not an error. */
static void raw_send(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* Reads one byte with a 60 s bound (far above the 1 s connection
 * timeout); returns 1, 0 at EOF or reset, -1 when nothing came. */
static int read_byte(int fd, char *c)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;

	if (poll(&p, 1, 60000) <= 0)
		return -1;
	n = recv(fd, c, 1, 0);
	return n == 1 ? 1 : 0;
}

/* Reads a header block; returns its length, 0 at EOF before any byte. */
static size_t read_head(int fd, char *head, size_t cap)
{
	size_t n = 0;
	int rc;

	while (n + 1 < cap && (rc = read_byte(fd, &head[n])) == 1) {
		n++;
		if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	ck_assert_msg(n == 0 || rc != -1, "response stalled");
	head[n] = '\0';
	return n;
}

/* Reads one final response (skipping 100 Continue) with its body. */
static void raw_read(int fd, struct raw_resp *r)
{
	const char *cl;
	size_t len = 0;

	memset(r, 0, sizeof(*r));
	do {
		if (read_head(fd, r->head, sizeof(r->head)) == 0) {
			r->closed = 1;
			return;
		}
		r->status = atoi(r->head + 9);
	} while (r->status == 100);
	cl = strcasestr(r->head, "\r\nContent-Length:");
	if (cl)
		len = strtoul(cl + 17, NULL, 10);
	r->body = calloc(1, len + 1);
	ck_assert_ptr_nonnull(r->body);
	for (r->body_len = 0; r->body_len < len; r->body_len++)
		ck_assert_msg(read_byte(fd, &r->body[r->body_len]) == 1,
			      "body cut short");
}

/* Sends req on a fresh connection and reads the answer. */
static void raw_exchange(const void *req, size_t len, struct raw_resp *r)
{
	int fd = raw_connect();

	raw_send(fd, req, len);
	raw_read(fd, r);
	close(fd);
}

static void healthz_ok(const char *after)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
	struct raw_resp r;

	raw_exchange(req, sizeof(req) - 1, &r);
	ck_assert_msg(r.status == 200 &&
			      strcmp(r.body, "{\"status\":\"ok\"}") == 0,
		      "healthz after %s: %d", after, r.status);
	raw_resp_free(&r);
}

struct bad_case {
	const char *name;
	const char *req;
	int status;	  /* 0: closed without an answer */
	const char *code; /* glintd's JSON error code; NULL: libmicrohttpd's
			     own HTML page or no body check */
	const char *body; /* exact body on success, or NULL */
};

#define H "Host: t\r\n"
#define INV "POST /invoke/echo HTTP/1.1\r\n" H

/* What glintd answers, and where libmicrohttpd answers itself (HTML). */
static const struct bad_case cases[] = {
	/* request line */
	{"no version", "GET /healthz\r\n\r\n", 400, NULL, NULL},
	{"bad version", "GET /healthz HTTP/x.y\r\n" H "\r\n", 400, NULL, NULL},
	{"HTTP/2.0", "GET /healthz HTTP/2.0\r\n" H "\r\n", 505, NULL, NULL},
	{"HTTP/0.9", "GET /healthz HTTP/0.9\r\n" H "\r\n", 505, NULL, NULL},
	{"HTTP/1.0", "GET /healthz HTTP/1.0\r\n\r\n", 200, NULL,
	 "{\"status\":\"ok\"}"},
	{"unknown method", "FROB /healthz HTTP/1.1\r\n" H "\r\n", 405,
	 "method_not_allowed", NULL},
	{"lower-case method", "get /healthz HTTP/1.1\r\n" H "\r\n", 405,
	 "method_not_allowed", NULL},
	{"header without colon",
	 "GET /healthz HTTP/1.1\r\n" H "nocolon\r\n\r\n", 400, NULL, NULL},
	/* routes, methods, names */
	{"unknown route", "GET /nope HTTP/1.1\r\n" H "\r\n", 404, "not_found",
	 NULL},
	{"TRACE on invoke", "TRACE /invoke/echo HTTP/1.1\r\n" H "\r\n", 405,
	 "method_not_allowed", NULL},
	{"DELETE healthz", "DELETE /healthz HTTP/1.1\r\n" H "\r\n", 405,
	 "method_not_allowed", NULL},
	{"POST functions",
	 "POST /functions HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", 405,
	 "method_not_allowed", NULL},
	{"..", "POST /invoke/.. HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n",
	 400, "invalid_function_name", NULL},
	{"../functions",
	 "POST /invoke/../functions HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n",
	 400, "invalid_function_name", NULL},
	{"%2e%2e",
	 "POST /invoke/%2e%2e HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", 400,
	 "invalid_function_name", NULL},
	{"%2F", "POST /invoke/a%2Fb HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n",
	 400, "invalid_function_name", NULL},
	{"%00",
	 "POST /invoke/echo%00x HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n",
	 400, "invalid_function_name", NULL},
	{"PUT ..%2F..%2Fetc",
	 "PUT /functions/..%2F..%2Fetc HTTP/1.1\r\n" H
	 "Content-Length: 0\r\n\r\n",
	 400, "invalid_function_name", NULL},
	{"GET /functions/..", "GET /functions/.. HTTP/1.1\r\n" H "\r\n", 400,
	 "invalid_function_name", NULL},
	{"upper-case name",
	 "POST /invoke/ECHO HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", 400,
	 "invalid_function_name", NULL},
	{"empty name",
	 "POST /invoke/ HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", 400,
	 "invalid_function_name", NULL},
	{"64-character name",
	 "POST "
	 "/invoke/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaa HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n",
	 400, "invalid_function_name", NULL},
	{"absolute URI", "GET http://t/healthz HTTP/1.1\r\n" H "\r\n", 404,
	 "not_found", NULL},
	{"OPTIONS *", "OPTIONS * HTTP/1.1\r\n" H "\r\n", 404, "not_found",
	 NULL},
	{"double slash",
	 "POST //invoke/echo HTTP/1.1\r\n" H "Content-Length: 2\r\n\r\nhi", 404,
	 "not_found", NULL},
	/* the function's own path "/" */
	{"trailing slash",
	 "POST /invoke/echo/ HTTP/1.1\r\n" H "Content-Length: 2\r\n\r\nhi", 200,
	 NULL, "hi"},
	{"percent-encoded name",
	 "POST /invoke/%65cho HTTP/1.1\r\n" H "Content-Length: 2\r\n\r\nhi",
	 200, NULL, "hi"},
	/* query values */
	{"timeout_ms=abc",
	 "PUT /functions/q?timeout_ms=abc HTTP/1.1\r\n" H
	 "Content-Length: 0\r\n\r\n",
	 400, "invalid_setting", NULL},
	{"memory_mb=-5",
	 "PUT /functions/q?memory_mb=-5 HTTP/1.1\r\n" H
	 "Content-Length: 0\r\n\r\n",
	 400, "invalid_setting", NULL},
	{"unknown setting",
	 "PUT /functions/q?bogus=1 HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n",
	 400, "invalid_setting", NULL},
	{"repeated setting, one bad",
	 "PUT /functions/q?timeout_ms=5&timeout_ms=abc HTTP/1.1\r\n" H
	 "Content-Length: 0\r\n\r\n",
	 400, "invalid_setting", NULL},
	{"empty setting name",
	 "PUT /functions/q?=5 HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", 400,
	 "invalid_setting", NULL},
	{"settings on invoke are ignored",
	 "POST /invoke/echo?timeout_ms=1 HTTP/1.1\r\n" H
	 "Content-Length: 2\r\n\r\nhi",
	 200, NULL, "hi"},
	/* bodies: lengths and chunked transfer */
	{"chunked",
	 INV "Transfer-Encoding: chunked\r\n\r\n"
	     "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
	 200, NULL, "abcde"},
	{"chunked and Content-Length",
	 INV "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
	     "3\r\nabc\r\n0\r\n\r\n",
	 200, NULL, "abc"},
	{"bad chunk size",
	 INV "Transfer-Encoding: chunked\r\n\r\n"
	     "zz\r\nabc\r\n0\r\n\r\n",
	 400, NULL, NULL},
	{"chunk extension",
	 INV "Transfer-Encoding: chunked\r\n\r\n"
	     "3;ext=1\r\nabc\r\n0\r\n\r\n",
	 200, NULL, "abc"},
	{"chunk size over 64 bits",
	 INV "Transfer-Encoding: chunked\r\n\r\n"
	     "1ffffffffffffffff\r\nabc",
	 413, NULL, NULL},
	{"truncated chunked", INV "Transfer-Encoding: chunked\r\n\r\n10\r\nabc",
	 0, NULL, NULL},
	{"Content-Length shorter than sent",
	 INV "Content-Length: 3\r\n\r\nabcdef", 200, NULL, "abc"},
	{"Content-Length longer than sent", INV "Content-Length: 10\r\n\r\nabc",
	 0, NULL, NULL},
	{"Content-Length -1", INV "Content-Length: -1\r\n\r\nabc", 400, NULL,
	 NULL},
	{"Content-Length 1x", INV "Content-Length: 1x\r\n\r\nabc", 400, NULL,
	 NULL},
	{"Content-Length 10^22",
	 INV "Content-Length: 99999999999999999999999\r\n\r\nabc", 413, NULL,
	 NULL},
	{"Content-Length over the limit", INV "Content-Length: 65537\r\n\r\n",
	 413, "payload_too_large", NULL},
	{"Expect: 100-continue",
	 INV "Expect: 100-continue\r\nContent-Length: 3\r\n\r\nabc", 200, NULL,
	 "abc"},
};

static void check_case(const struct bad_case *c, const struct raw_resp *r)
{
	struct http_resp as_json = {.status = r->status, .body = r->body};

	ck_assert_msg(r->status == c->status, "%s: status %d, want %d (%s)",
		      c->name, r->status, c->status, r->head);
	if (c->code)
		robust_assert_error(&as_json, c->status, c->code, NULL);
	if (c->body)
		ck_assert_msg(r->body && strcmp(r->body, c->body) == 0,
			      "%s: body '%s', want '%s'", c->name, r->body,
			      c->body);
	if (r->status == 405)
		ck_assert_msg(strcasestr(r->head, "\r\nAllow: "),
			      "%s: 405 without Allow", c->name);
}

START_TEST(each_bad_request_gets_its_answer)
{
	const struct bad_case *c = &cases[_i];
	struct raw_resp r;

	raw_exchange(c->req, strlen(c->req), &r);
	check_case(c, &r);
	raw_resp_free(&r);
	healthz_ok(c->name);
}
END_TEST

/* A buffer of n copies of unit between prefix and suffix. */
static char *repeat(const char *prefix, const char *unit, size_t n,
		    const char *suffix, size_t *len)
{
	size_t pl = strlen(prefix), ul = strlen(unit), sl = strlen(suffix);
	char *b = malloc(pl + ul * n + sl + 1), *p = b;

	ck_assert_ptr_nonnull(b);
	memcpy(p, prefix, pl);
	p += pl;
	for (size_t i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, suffix, sl + 1);
	*len = pl + ul * n + sl;
	return b;
}

START_TEST(oversized_heads_are_refused)
{
	struct {
		const char *what, *prefix, *unit, *suffix;
		size_t n;
		int status;
	} big[] = {
		{"40 kB header", "GET /healthz HTTP/1.1\r\n" H "X-A: ", "a",
		 "\r\n\r\n", 40000, 431},
		{"3000 headers", "GET /healthz HTTP/1.1\r\n" H, "X-B: v\r\n",
		 "\r\n", 3000, 431},
		{"40 kB URL", "GET /", "a", " HTTP/1.1\r\n" H "\r\n", 40000,
		 414},
		{"2000 settings", "PUT /functions/q?", "timeout_ms=1&",
		 "min_warm=1 HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", 2000,
		 414},
		/* Over the invoke limit in one-byte chunks: glintd's 413. */
		{"70000 one-byte chunks",
		 INV "Transfer-Encoding: chunked\r\n\r\n", "1\r\na\r\n",
		 "0\r\n\r\n", 70000, 413},
	};

	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		struct raw_resp r;
		size_t len;
		char *req = repeat(big[i].prefix, big[i].unit, big[i].n,
				   big[i].suffix, &len);

		raw_exchange(req, len, &r);
		ck_assert_msg(r.status == big[i].status, "%s: %d, want %d",
			      big[i].what, r.status, big[i].status);
		raw_resp_free(&r);
		free(req);
		healthz_ok(big[i].what);
	}
}
END_TEST

START_TEST(oversized_body_413_and_limit_exact_200)
{
	struct raw_resp r;
	char head[128];
	size_t len;
	char *body = repeat("", "x", MAX_INVOKE_BYTES + 1, "", &len);
	char *req;

	/* One byte over: glintd's JSON 413, whatever the client sends. */
	snprintf(head, sizeof(head), INV "Content-Length: %zu\r\n\r\n", len);
	req = repeat(head, "", 0, body, &len);
	raw_exchange(req, len, &r);
	check_case(&(struct bad_case){"limit + 1", "", 413, "payload_too_large",
				      NULL},
		   &r);
	ck_assert_ptr_nonnull(strstr(r.body, "65536"));
	raw_resp_free(&r);
	free(req);
	/* Exactly the limit: served byte for byte. */
	body[MAX_INVOKE_BYTES] = '\0';
	snprintf(head, sizeof(head), INV "Content-Length: %d\r\n\r\n",
		 MAX_INVOKE_BYTES);
	req = repeat(head, "", 0, body, &len);
	raw_exchange(req, len, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, MAX_INVOKE_BYTES);
	ck_assert_int_eq(memcmp(r.body, body, MAX_INVOKE_BYTES), 0);
	raw_resp_free(&r);
	free(req);
	free(body);
	healthz_ok("limit");
}
END_TEST

/* Half-sent requests hold connections; others are served meanwhile and
 * the stalled ones are closed by the connection timeout. */
START_TEST(slow_clients_are_closed_others_served)
{
	static const char half[] = "POST /invoke/echo HTTP/1.1\r\nHost: t\r\n"
				   "Content-Le";
	static const char inv[] = INV "Content-Length: 2\r\n\r\nhi";
	int slow[8];
	struct raw_resp r;

	for (int i = 0; i < 8; i++) {
		slow[i] = raw_connect();
		raw_send(slow[i], half, sizeof(half) - 1);
	}
	healthz_ok("8 stalled clients");
	raw_exchange(inv, sizeof(inv) - 1, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "hi");
	raw_resp_free(&r);
	/* Each stalled connection ends without an answer (read_byte bounds
	 * the wait at 60 s, the timeout is 1 s). */
	for (int i = 0; i < 8; i++) {
		raw_read(slow[i], &r);
		ck_assert_msg(r.closed && r.status == 0,
			      "stalled client %d got %d", i, r.status);
		close(slow[i]);
	}
	healthz_ok("stalled clients closed");
}
END_TEST

/* Slow clients holding every connection glintd allows: a new client waits
 * (in the listen backlog) until their timeout frees a slot, then is served;
 * the daemon accepts again for good. */
START_TEST(connection_limit_full_then_recovers)
{
	static const char half[] = "GET /healthz HTTP/1.1\r\nHo";
	int slow[MAX_CONNECTIONS];
	struct raw_resp r;

	for (int i = 0; i < MAX_CONNECTIONS; i++) {
		slow[i] = raw_connect();
		raw_send(slow[i], half, sizeof(half) - 1);
	}
	/* read_byte bounds this at 60 s; the timeout is 1 s. */
	healthz_ok("every connection held");
	for (int i = 0; i < MAX_CONNECTIONS; i++) {
		raw_read(slow[i], &r);
		ck_assert_msg(r.closed, "stalled client %d got %d", i,
			      r.status);
		close(slow[i]);
	}
	healthz_ok("limit freed");
	healthz_ok("limit freed, again");
}
END_TEST

/* A keep-alive connection: a bad request in the middle ends only that
 * connection; a good one before it was answered in full. */
START_TEST(pipelined_good_then_bad)
{
	static const char req[] = INV "Content-Length: 2\r\n\r\nok"
				      "GET /healthz\r\n\r\n";
	int fd = raw_connect();
	struct raw_resp r;

	raw_send(fd, req, sizeof(req) - 1);
	raw_read(fd, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "ok");
	raw_resp_free(&r);
	raw_read(fd, &r);
	ck_assert_int_eq(r.status, 400);
	raw_resp_free(&r);
	close(fd);
	healthz_ok("pipelined");
}
END_TEST

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Invocations whose clients half-close (shutdown(SHUT_WR)) right after
 * sending, several at once and after an idle half-closed connection, are
 * each answered in full before the connection ends. */
START_TEST(half_closing_clients_get_their_answer)
{
	static const char inv[] = INV "Content-Length: 2\r\n\r\nhi";
	int idle = raw_connect(), fds[8];
	struct raw_resp r;

	shutdown(idle, SHUT_WR); /* half-closed, nothing sent, left idle */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++) {
			fds[i] = raw_connect();
			raw_send(fds[i], inv, sizeof(inv) - 1);
			shutdown(fds[i], SHUT_WR);
		}
		for (int i = 0; i < 8; i++) {
			raw_read(fds[i], &r);
			ck_assert_msg(r.status == 200,
				      "round %d client %d: %d%s", round, i,
				      r.status, r.closed ? " (closed)" : "");
			ck_assert_str_eq(r.body, "hi");
			raw_resp_free(&r);
			close(fds[i]);
		}
	}
	close(idle);
	healthz_ok("half-closing clients");
}
END_TEST

/* 1 when the daemon has closed fd (end of stream or reset) without
 * sending a byte; 0 while it is open; -1 when it sent something. */
static int closed_silently(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;
	ssize_t n;

	if (poll(&p, 1, 0) <= 0)
		return 0;
	n = recv(fd, &c, 1, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return 1;
	return n > 0 ? -1 : 0;
}

struct normal_client {
	pthread_t thread;
	const char *req;
	volatile int status; /* 0 until answered; -1: closed unanswered */
	char body[64];
};

static void *normal_client_run(void *opaque)
{
	struct normal_client *nc = opaque;
	struct raw_resp r;

	raw_exchange(nc->req, strlen(nc->req), &r);
	snprintf(nc->body, sizeof(nc->body), "%s", r.body ? r.body : "");
	raw_resp_free(&r);
	__atomic_store_n(&nc->status, r.status ? r.status : -1,
			 __ATOMIC_RELEASE);
	return NULL;
}

/* Trickles one byte of msg on each open fd every 250 ms (never idle long
 * enough for connection_timeout_s) until the daemon has closed them all
 * and the normal client has its answer, or 20 s pass. Returns how many
 * the daemon closed; fails on any byte sent back to an attacker. */
static int trickle(int *fds, int n, const char *msg, size_t off,
		   struct normal_client *nc, double *took)
{
	int closed[MAX_CONNECTIONS] = {0}, nclosed = 0;
	double t0 = now_s();
	size_t len = strlen(msg);

	for (size_t pos = off; now_s() - t0 < 20; pos++) {
		for (int i = 0; i < n; i++) {
			int c;

			if (closed[i])
				continue;
			c = closed_silently(fds[i]);
			ck_assert_msg(c >= 0, "slow client %d got bytes", i);
			if (c == 0 && pos < len)
				c = send(fds[i], msg + pos, 1, MSG_NOSIGNAL) !=
				    1;
			if (c) {
				closed[i] = 1;
				nclosed++;
			}
		}
		if (nclosed == n &&
		    __atomic_load_n(&nc->status, __ATOMIC_ACQUIRE) != 0)
			break;
		/* The attack's own pace, not a wait for a condition. */
		nanosleep(&(struct timespec){0, 250000000}, NULL);
	}
	*took = now_s() - t0;
	return nclosed;
}

/* Slow-loris: every connection slot taken by clients that send their
 * request head a byte at a time, never idle. The daemon closes each once
 * its head is overdue (request_head_timeout_s), and a normal client that
 * came during the attack is served. */
START_TEST(slow_loris_heads_are_cut_others_served)
{
	static char head[1024];
	struct normal_client nc = {
		.req = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"};
	int fds[MAX_CONNECTIONS], nclosed;
	double took;

	snprintf(head, sizeof(head),
		 "GET /healthz HTTP/1.1\r\nHost: t\r\n"
		 "X-Pad: %0600d\r\n\r\n",
		 0);
	for (int i = 0; i < MAX_CONNECTIONS; i++) {
		fds[i] = raw_connect();
		raw_send(fds[i], head, 1);
	}
	ck_assert_int_eq(
		pthread_create(&nc.thread, NULL, normal_client_run, &nc), 0);
	nclosed = trickle(fds, MAX_CONNECTIONS, head, 1, &nc, &took);
	pthread_join(nc.thread, NULL);
	ck_assert_msg(nclosed == MAX_CONNECTIONS,
		      "%d of %d slow clients still open after %.1f s",
		      MAX_CONNECTIONS - nclosed, MAX_CONNECTIONS, took);
	ck_assert_int_eq(nc.status, 200);
	ck_assert_str_eq(nc.body, "{\"status\":\"ok\"}");
	for (int i = 0; i < MAX_CONNECTIONS; i++)
		close(fds[i]);
	healthz_ok("slow-loris heads");
}
END_TEST

/* A body trickled far below min_body_bytes_per_s (1024 by default) is cut
 * after its grace; an invocation meanwhile is served. */
START_TEST(slow_body_is_cut_others_served)
{
	static char msg[4096];
	struct normal_client nc = {.req = INV "Content-Length: 2\r\n\r\nhi"};
	int fd = raw_connect(), nclosed;
	size_t head_len;
	double took;

	head_len = (size_t)snprintf(msg, sizeof(msg),
				    INV "Content-Length: 60000\r\n\r\n");
	memset(msg + head_len, 'b', sizeof(msg) - head_len - 1);
	raw_send(fd, msg, head_len);
	ck_assert_int_eq(
		pthread_create(&nc.thread, NULL, normal_client_run, &nc), 0);
	nclosed = trickle(&fd, 1, msg, head_len, &nc, &took);
	pthread_join(nc.thread, NULL);
	ck_assert_msg(nclosed == 1, "slow body still open after %.1f s", took);
	ck_assert_int_eq(nc.status, 200);
	ck_assert_str_eq(nc.body, "hi");
	close(fd);
	healthz_ok("slow body");
}
END_TEST

static void daemon_up(void)
{
	const char *extra[] = {"--config", config_path, NULL};
	FILE *f;
	int fd, rc;

	snprintf(config_path, sizeof(config_path), "/tmp/glint-badhttp-XXXXXX");
	fd = mkstemp(config_path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fprintf(f,
		"{\"connection_timeout_s\": %d, \"max_invoke_bytes\": %d, "
		"\"max_small_body_bytes\": 4096, \"max_connections\": %d, "
		"\"connection_memory_bytes\": 16384, "
		"\"request_head_timeout_s\": %d}\n",
		CONN_TIMEOUT_S, MAX_INVOKE_BYTES, MAX_CONNECTIONS,
		HEAD_TIMEOUT_S);
	fclose(f);
	rc = harness_start(&daemon_g, extra);
	if (rc != 0) {
		harness_dump_log(&daemon_g);
		ck_abort_msg("glintd did not become ready: %s", strerror(-rc));
	}
	robust_deploy(&daemon_g, "echo", "guest/examples/echo.elf", "", 201);
}

static void daemon_down(void)
{
	harness_cleanup(&daemon_g);
	unlink(config_path);
}

int main(void)
{
	Suite *s = suite_create("robust-badhttp");
	TCase *tc = tcase_create("badhttp");
	int failed;

	kvm_required();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_unchecked_fixture(tc, daemon_up, daemon_down);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, each_bad_request_gets_its_answer, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, oversized_heads_are_refused);
	tcase_add_test(tc, oversized_body_413_and_limit_exact_200);
	tcase_add_test(tc, slow_clients_are_closed_others_served);
	tcase_add_test(tc, connection_limit_full_then_recovers);
	tcase_add_test(tc, pipelined_good_then_bad);
	tcase_add_test(tc, half_closing_clients_get_their_answer);
	tcase_add_test(tc, slow_loris_heads_are_cut_others_served);
	tcase_add_test(tc, slow_body_is_cut_others_served);
	suite_add_tcase(s, tc);
	failed = check_run(s);
	curl_global_cleanup();
	return failed;
}
