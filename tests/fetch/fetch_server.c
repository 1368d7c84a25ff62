/* fetch_server.c: the fetch tests' HTTP server on 127.0.0.1 (see the header
 * for its routes). Waiting routes suspend the connection; a resumer thread
 * resumes them, so thousands of waits cost no threads. */
#include "config.h"

#include "fetch_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum wait_kind { WAIT_NONE, WAIT_DELAY, WAIT_BARRIER, WAIT_STALL };

struct req {
	char *body;
	size_t len;
	enum wait_kind wait;
	bool ready; /* resumed: answer now */
	uint64_t due_ns;
	struct MHD_Connection *conn;
	struct req *next; /* in the waiting list */
};

struct fetch_server {
	struct MHD_Daemon *d;
	unsigned port;
	atomic_uint connections, requests;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t resumer;
	bool stopping;
	struct req *waiting;
	unsigned barrier_waiting;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static unsigned long arg(struct MHD_Connection *c, const char *key,
			 unsigned long dflt)
{
	const char *v =
		MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);

	return v ? strtoul(v, NULL, 10) : dflt;
}

/* Under s->lock: resume r and take it off the waiting list. */
static void wake(struct fetch_server *s, struct req *r)
{
	for (struct req **p = &s->waiting; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	r->ready = true;
	MHD_resume_connection(r->conn);
}

static void *resumer(void *arg_)
{
	struct fetch_server *s = arg_;

	pthread_mutex_lock(&s->lock);
	while (!s->stopping) {
		uint64_t now = now_ns(), next = UINT64_MAX;
		struct req *r = s->waiting, *n;

		for (; r; r = n) {
			n = r->next;
			if (r->wait != WAIT_DELAY)
				continue;
			if (r->due_ns <= now)
				wake(s, r);
			else if (r->due_ns < next)
				next = r->due_ns;
		}
		if (next == UINT64_MAX) {
			pthread_cond_wait(&s->cond, &s->lock);
		} else {
			struct timespec ts = {(time_t)(next / 1000000000u),
					      (long)(next % 1000000000u)};

			pthread_cond_timedwait(&s->cond, &s->lock, &ts);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Suspends r until it is woken and returns false, or returns true when r
 * completes a barrier (it wakes the others and is answered at once). */
static bool suspend(struct fetch_server *s, struct req *r, enum wait_kind kind,
		    uint64_t value)
{
	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		return true;
	}
	r->wait = kind;
	if (kind == WAIT_DELAY)
		r->due_ns = now_ns() + value * 1000000u;
	if (kind == WAIT_BARRIER && ++s->barrier_waiting >= value) {
		struct req *w = s->waiting, *n;

		s->barrier_waiting = 0;
		for (; w; w = n) {
			n = w->next;
			if (w->wait == WAIT_BARRIER)
				wake(s, w);
		}
		pthread_mutex_unlock(&s->lock);
		return true;
	}
	r->next = s->waiting;
	s->waiting = r;
	MHD_suspend_connection(r->conn);
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	return false;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status,
				 const char *text, size_t len,
				 const char *hname, const char *hvalue)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		len, (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!resp)
		return MHD_NO;
	if (hname)
		MHD_add_response_header(resp, hname, hvalue);
	rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result echo_header(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	char name[300], bracketed[1024];

	(void)kind;
	if (strncasecmp(key, "x-", 2) &&
	    strncasecmp(key, "authorization", 13) && strcasecmp(key, "cookie"))
		return MHD_YES;
	snprintf(name, sizeof(name), "X-Got-%s", key);
	/* Brackets keep an empty value visible. */
	snprintf(bracketed, sizeof(bracketed), "[%s]", value ? value : "");
	MHD_add_response_header(cls, name, bracketed);
	return MHD_YES;
}

static enum MHD_Result echo(struct MHD_Connection *c, struct req *r,
			    const char *method)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		r->len, r->body ? r->body : (void *)"", MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "X-Method", method);
	MHD_get_connection_values(c, MHD_HEADER_KIND, echo_header, resp);
	rc = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	return rc;
}

static ssize_t big_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	uint64_t total = (uint64_t)(uintptr_t)cls;

	if (pos >= total)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (max > total - pos)
		max = (size_t)(total - pos);
	memset(buf, 'x', max);
	return (ssize_t)max;
}

static enum MHD_Result big(struct MHD_Connection *c)
{
	uint64_t n = arg(c, "n", 0);
	struct MHD_Response *resp = MHD_create_response_from_callback(
		arg(c, "chunked", 0) ? MHD_SIZE_UNKNOWN : n, 65536, big_reader,
		(void *)(uintptr_t)n, NULL);
	enum MHD_Result rc;

	if (!resp)
		return MHD_NO;
	rc = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result many_headers(struct MHD_Connection *c)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
	unsigned long n = arg(c, "n", 0);
	enum MHD_Result rc;
	char name[32];

	if (!resp)
		return MHD_NO;
	for (unsigned long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "X-H-%lu", i);
		MHD_add_response_header(resp, name, "value");
	}
	rc = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result route(struct fetch_server *s, struct MHD_Connection *c,
			     struct req *r, const char *url, const char *method)
{
	enum wait_kind kind = WAIT_NONE;
	unsigned long value = 0;

	if (!strcmp(url, "/echo"))
		return echo(c, r, method);
	if (!strcmp(url, "/big"))
		return big(c);
	if (!strcmp(url, "/headers"))
		return many_headers(c);
	if (!strcmp(url, "/redirect")) {
		const char *to = MHD_lookup_connection_value(
			c, MHD_GET_ARGUMENT_KIND, "to");

		return send_text(c, (unsigned)arg(c, "code", 302), "moved", 5,
				 "Location", to ? to : "/");
	}
	if (r->ready)
		return send_text(c, 200, "ok", 2, NULL, NULL);
	if (!strcmp(url, "/delay"))
		kind = WAIT_DELAY, value = arg(c, "ms", 0);
	else if (!strcmp(url, "/barrier"))
		kind = WAIT_BARRIER, value = arg(c, "n", 1);
	else if (!strcmp(url, "/stall"))
		kind = WAIT_STALL;
	else
		return send_text(c, 404, "no such route", 13, NULL, NULL);
	if (suspend(s, r, kind, value))
		return send_text(c, 200, "ok", 2, NULL, NULL);
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *data_size, void **con_cls)
{
	struct fetch_server *s = cls;
	struct req *r = *con_cls;

	(void)version;
	if (!r) {
		if (!(r = calloc(1, sizeof(*r))))
			return MHD_NO;
		r->conn = c;
		*con_cls = r;
		atomic_fetch_add(&s->requests, 1);
		return MHD_YES;
	}
	if (*data_size) {
		char *p = realloc(r->body, r->len + *data_size);

		if (!p)
			return MHD_NO;
		memcpy(p + r->len, data, *data_size);
		r->body = p;
		r->len += *data_size;
		*data_size = 0;
		return MHD_YES;
	}
	return route(s, c, r, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode code)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)code;
	if (r) {
		free(r->body);
		free(r);
		*con_cls = NULL;
	}
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket,
			  enum MHD_ConnectionNotificationCode code)
{
	struct fetch_server *s = cls;

	(void)c;
	(void)socket;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&s->connections, 1);
}

static int start_resumer(struct fetch_server *s)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	return -pthread_create(&s->resumer, NULL, resumer, s);
}

static struct MHD_Daemon *
start_daemon(struct fetch_server *s, const char *cert_pem, const char *key_pem)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_ALLOW_SUSPEND_RESUME;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!cert_pem)
		return MHD_start_daemon(
			flags, 0, NULL, NULL, on_request, s,
			MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_THREAD_POOL_SIZE,
			(unsigned)2, MHD_OPTION_CONNECTION_LIMIT,
			(unsigned)10000, MHD_OPTION_LISTEN_BACKLOG_SIZE,
			(unsigned)4096, MHD_OPTION_NOTIFY_COMPLETED,
			on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
			on_connection, s, MHD_OPTION_END);
	return MHD_start_daemon(
		flags | MHD_USE_TLS, 0, NULL, NULL, on_request, s,
		MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
		MHD_OPTION_HTTPS_MEM_KEY, key_pem, MHD_OPTION_NOTIFY_COMPLETED,
		on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_END);
}

int fetch_server_start_tls(const char *cert_pem, const char *key_pem,
			   struct fetch_server **out)
{
	struct fetch_server *s = calloc(1, sizeof(*s));
	const union MHD_DaemonInfo *info;
	int rc;

	if (!s)
		return -ENOMEM;
	if ((rc = start_resumer(s)) < 0) {
		free(s);
		return rc;
	}
	s->d = start_daemon(s, cert_pem, key_pem);
	info = s->d ? MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)
		    : NULL;
	if (!info) {
		fetch_server_stop(s);
		return -EIO;
	}
	s->port = info->port;
	*out = s;
	return 0;
}

int fetch_server_start(struct fetch_server **out)
{
	return fetch_server_start_tls(NULL, NULL, out);
}

unsigned fetch_server_port(const struct fetch_server *s)
{
	return s->port;
}

unsigned fetch_server_connections(const struct fetch_server *s)
{
	return atomic_load(&((struct fetch_server *)s)->connections);
}

unsigned fetch_server_requests(const struct fetch_server *s)
{
	return atomic_load(&((struct fetch_server *)s)->requests);
}

void fetch_server_stop(struct fetch_server *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	while (s->waiting)
		wake(s, s->waiting);
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->resumer, NULL);
	if (s->d)
		MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}
