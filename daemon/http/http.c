/* http.c: libmicrohttpd in external-loop mode on libuv: epoll fd as uv_poll, timeout as uv_timer. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "log.h"
#include "monotime.h"

#define HDR_MAX 4
#define BODY_RESERVE_MAX (64u << 10)
#define DEADLINE_SCAN_MS 500
/* How long the listen socket goes unwatched after an accept failed for
 * want of file descriptors and no connection is open to free one. */
#define ACCEPT_PAUSE_MS 100
/* The minimum body rate is judged only after this long: TCP slow start and
 * a client's own pauses make the first seconds of any upload look slow. */
#define BODY_RATE_GRACE_NS (5ULL * 1000000000ULL)

struct pending_header {
	char name[32];
	char value[96];
};

/* Where a connection is on its way to a complete request: libmicrohttpd's
 * timeout only closes connections that send nothing, so a client trickling
 * its head or body a byte at a time would hold its slot for ever. */
enum conn_phase {
	PHASE_HEAD, /* waiting for a whole request head */
	PHASE_BODY, /* reading the body */
	PHASE_BUSY, /* handled: running, answering or sending */
	PHASE_CLOSING,
};

struct conn_track {
	struct conn_track *prev, *next;
	struct MHD_Connection *conn;
	enum conn_phase phase;
	uint64_t since_ns; /* start of the phase */
	uint64_t body_bytes;
	struct http_request *req; /* the request in progress, or NULL */
	char *raw_uri; /* the next request's target as sent (uri_log) */
};

struct http_request {
	struct http_server *srv;
	struct MHD_Connection *conn;
	struct conn_track *track;		      /* NULL when unknown */
	struct http_request *defer_prev, *defer_next; /* to suspend */
	int defer_pending;
	/* A stream with nothing to send yet (HTTP_STREAM_AGAIN): 1 to be
	 * suspended after MHD_run, 2 suspended until the next scan. */
	int stream_wait;
	struct http_request *stream_next; /* in srv->stream_waiters */
	const char *method, *path; /* MHD's, valid for the whole request */
	uint64_t id, start_ns, queue_ns, run_ns;
	char id_str[17];
	size_t limit;
	uint8_t *body;
	size_t body_len, body_cap;
	int too_large;
	int handled;   /* handle() has been called */
	int suspended; /* waiting for http_respond */
	int queued;    /* response handed to MHD */
	struct MHD_Response *response;
	unsigned status;
	struct pending_header hdr[HDR_MAX];
	unsigned nhdr;
	char *fn_headers; /* "name\0value\0"... from http_request_add_block */
	size_t fn_headers_len;
	char *raw_uri; /* request target as sent; NULL if unknown */
	void *user;
};

struct http_server {
	uv_loop_t *loop;
	struct MHD_Daemon *mhd;
	struct http_handlers h;
	uv_poll_t poll;	       /* MHD's epoll fd */
	uv_timer_t timer;      /* MHD's timeout */
	uv_idle_t soon;	       /* run MHD next iteration without blocking */
	uv_check_t after_poll; /* or later in this one, after the poll */
	uv_timer_t drain_timer;
	uv_timer_t deadline_timer; /* request head and body deadlines */
	uv_timer_t accept_timer;   /* ends a pause after fd exhaustion */
	int accept_starved;	   /* errno of a failed accept in MHD_run */
	int starved_logged;	   /* until a connection is accepted again */
	unsigned open_handles;
	struct conn_track conns;	 /* list head */
	struct http_request *defer_head; /* suspend after MHD_run */
	struct http_request *stream_waiters;
	uint64_t head_timeout_ns;
	unsigned min_body_rate; /* bytes per second; 0: none */
	uint16_t port;
	uint64_t next_id;
	unsigned inflight; /* requests begun and not yet completed */
	void (*drain_done)(void *opaque);
	void *drain_opaque;
	int quiesced;
	int tls;
};

/* ---- driving MHD from the loop ---- */

static void finish_drain(struct http_server *s)
{
	void (*done)(void *) = s->drain_done;

	s->drain_done = NULL;
	uv_timer_stop(&s->drain_timer);
	if (done)
		done(s->drain_opaque);
}

static void on_timer(uv_timer_t *t);
static void on_soon(uv_idle_t *c);
static void on_poll(uv_poll_t *p, int status, int events);
static void run_mhd(struct http_server *s);

static void defer_remove(struct http_request *r)
{
	if (!r->defer_pending)
		return;
	if (r->defer_prev)
		r->defer_prev->defer_next = r->defer_next;
	else
		r->srv->defer_head = r->defer_next;
	if (r->defer_next)
		r->defer_next->defer_prev = r->defer_prev;
	r->defer_prev = r->defer_next = NULL;
	r->defer_pending = 0;
}

/*
 * Requests waiting for their answer are suspended here, after MHD_run, not
 * in the access handler: libmicrohttpd 0.9.75 keeps a connection suspended
 * from its handler in the "read" state, and on resume reads first; a client
 * that half-closed after its request then reads as end of stream and the
 * connection is closed with the answer unsent. Out here the connection
 * already waits for its answer without reading, and stays so on resume.
 */
static void suspend_deferred(struct http_server *s)
{
	struct http_request *r;

	while ((r = s->defer_head)) {
		defer_remove(r);
		MHD_suspend_connection(r->conn);
		if (r->response) { /* answered meanwhile: run it again */
			MHD_resume_connection(r->conn);
			uv_idle_start(&s->soon, on_soon);
		} else {
			r->suspended = 1;
		}
	}
}

/* Streams with nothing to send are suspended, so MHD does not spin on
 * them, and asked again at each deadline scan (resume_streams). */
static void suspend_streams(struct http_server *s)
{
	for (struct http_request *r = s->stream_waiters; r; r = r->stream_next)
		if (r->stream_wait == 1) {
			MHD_suspend_connection(r->conn);
			r->stream_wait = 2;
		}
}

static void resume_streams(struct http_server *s)
{
	struct http_request *r;

	while ((r = s->stream_waiters)) {
		s->stream_waiters = r->stream_next;
		r->stream_next = NULL;
		if (r->stream_wait == 2)
			MHD_resume_connection(r->conn);
		r->stream_wait = 0;
		uv_idle_start(&s->soon, on_soon);
	}
}

static void stream_unlink(struct http_request *r)
{
	struct http_request **pp = &r->srv->stream_waiters;

	for (; *pp; pp = &(*pp)->stream_next)
		if (*pp == r) {
			*pp = r->stream_next;
			break;
		}
	r->stream_wait = 0;
}

static void on_accept_retry(uv_timer_t *t)
{
	struct http_server *s = t->data;

	if (s->mhd == NULL)
		return;
	uv_poll_start(&s->poll, UV_READABLE, on_poll);
	run_mhd(s);
}

/*
 * An accept failed for want of file descriptors (or memory). With
 * connections open, libmicrohttpd 0.9.75 takes its listen socket out of
 * its epoll set until one closes; with none, it leaves it in, and the
 * pending connection would make its epoll fd readable at once, for ever:
 * a loop spinning at 100% CPU. Stop watching that fd for a while instead;
 * the timers still run MHD, and nothing else is waiting on it.
 */
static void accept_starved(struct http_server *s)
{
	const union MHD_DaemonInfo *di;
	int err = s->accept_starved;

	s->accept_starved = 0;
	if (!s->starved_logged) {
		log_msg(LOG_LEVEL_WARN,
			"http: cannot accept connections: %s; new "
			"connections wait until descriptors are free",
			strerror(err));
		s->starved_logged = 1;
	}
	di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	if (di && di->num_connections > 0)
		return;
	uv_poll_stop(&s->poll);
	uv_timer_start(&s->accept_timer, on_accept_retry, ACCEPT_PAUSE_MS, 0);
}

/* Never called from inside MHD's own callbacks. */
static void run_mhd(struct http_server *s)
{
	MHD_UNSIGNED_LONG_LONG timeout_ms;

	MHD_run(s->mhd);
	suspend_deferred(s);
	suspend_streams(s);
	if (s->accept_starved)
		accept_starved(s);
	/* At max_connections MHD takes its listen socket out of its epoll
	 * set and puts it back only in a run after connections closed; no
	 * event would cause that run, so run at least once a second. */
	if (MHD_get_timeout(s->mhd, &timeout_ms) != MHD_YES ||
	    timeout_ms > 1000)
		timeout_ms = 1000;
	uv_timer_start(&s->timer, on_timer, (uint64_t)timeout_ms, 0);
	if (s->drain_done && s->inflight == 0)
		finish_drain(s);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	run_mhd(p->data);
}

static void on_timer(uv_timer_t *t)
{
	run_mhd(t->data);
}

static void on_soon(uv_idle_t *c)
{
	struct http_server *s = c->data;

	uv_idle_stop(&s->soon);
	run_mhd(s);
}

/* Always active (and unreferenced): a run asked for since the idle phase
 * happens now, not one iteration and one epoll_wait later. */
static void on_after_poll(uv_check_t *c)
{
	struct http_server *s = c->data;

	if (!uv_is_active((uv_handle_t *)&s->soon))
		return;
	uv_idle_stop(&s->soon);
	run_mhd(s);
}

/*
 * Runs MHD soon, outside its callbacks. Answers usually come from callbacks
 * of the poll phase (a worker's result) or of the check phase started
 * during it (a call run on the loop, which starts its check handle later
 * than ours and so runs first): the check handle runs MHD right after
 * them, in the same loop iteration; the idle handle covers the other
 * phases and keeps the poll from blocking meanwhile.
 */
static void run_soon(struct http_server *s)
{
	uv_idle_start(&s->soon, on_soon);
}

static void on_drain_timeout(uv_timer_t *t)
{
	struct http_server *s = t->data;

	log_msg(LOG_LEVEL_WARN, "http: %u request(s) still open at shutdown",
		s->inflight);
	finish_drain(s);
}

/* ---- MHD callbacks ---- */

static int starving(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS ||
	       err == ENOMEM;
}

/*
 * libmicrohttpd logs only so that a failed accept is seen (it tells no
 * one else); errno still holds the accept's error here. Its other
 * messages stay unlogged, as they were before: most are about one
 * client's bytes, and no client may write to the log at will.
 */
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	struct http_server *s = cls;
	int err = errno;

	(void)ap;
	if (strstr(fmt, "accept") && starving(err))
		s->accept_starved = err;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes %HH except %00, which stays as text: a NUL would silently cut a
 * path ("/invoke/echo%00x" must not reach "echo"). */
static size_t mhd_unescape(void *cls, struct MHD_Connection *c, char *str)
{
	char *o = str;
	const char *i = str;

	(void)cls;
	(void)c;
	while (*i) {
		int hi, lo;

		if (i[0] == '%' && (hi = hexval(i[1])) >= 0 &&
		    (lo = hexval(i[2])) >= 0 && (hi | lo) != 0) {
			*o++ = (char)(hi * 16 + lo);
			i += 3;
		} else {
			*o++ = *i++;
		}
	}
	*o = '\0';
	return (size_t)(o - str);
}

static enum MHD_Result queue_response(struct http_request *r)
{
	enum MHD_Result ret;

	ret = MHD_queue_response(r->conn, r->status, r->response);
	MHD_destroy_response(r->response);
	r->response = NULL;
	r->queued = 1;
	return ret;
}

static struct http_request *request_new(struct http_server *s,
					struct MHD_Connection *conn,
					const char *url, const char *method)
{
	struct http_request *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->srv = s;
	r->conn = conn;
	r->path = url;
	r->method = method;
	r->start_ns = monotime_ns();
	r->id = s->next_id++;
	snprintf(r->id_str, sizeof(r->id_str), "%016" PRIx64, r->id);
	s->inflight++;
	return r;
}

static int has_body(struct http_request *r)
{
	const char *cl = MHD_lookup_connection_value(
		r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return 1;
	return cl && strcmp(cl, "0") != 0;
}

/* Reserves the body buffer from Content-Length, or rejects it early. */
static void start_body(struct http_request *r)
{
	const char *cl = MHD_lookup_connection_value(
		r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long n;
	char *end;

	if (!cl)
		return;
	errno = 0;
	n = strtoull(cl, &end, 10);
	if (errno || *end || n > r->limit) {
		r->too_large = 1;
		return;
	}
	/* Reserve what is announced only up to BODY_RESERVE_MAX: the rest
	 * grows with what actually arrives, so a connection that announces
	 * a large body and sends little holds little memory. */
	if (n > BODY_RESERVE_MAX)
		n = BODY_RESERVE_MAX;
	r->body = malloc(n ? n : 1);
	if (r->body)
		r->body_cap = n;
}

static void append_body(struct http_request *r, const char *data, size_t len)
{
	size_t cap;
	uint8_t *p;

	if (r->too_large || r->response)
		return;
	if (len > r->limit - r->body_len) {
		r->too_large = 1;
		free(r->body);
		r->body = NULL;
		r->body_len = r->body_cap = 0;
		return;
	}
	if (r->body_len + len > r->body_cap) {
		cap = r->body_cap ? r->body_cap * 2 : 4096;
		while (cap < r->body_len + len)
			cap *= 2;
		if (cap > r->limit)
			cap = r->limit;
		p = realloc(r->body, cap);
		if (!p) {
			r->too_large = 1; /* reported as 413; logged below */
			log_msg(LOG_LEVEL_ERROR,
				"http: out of memory for body");
			return;
		}
		r->body = p;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
}

static struct conn_track *track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void track_phase(struct conn_track *t, enum conn_phase phase)
{
	if (!t || t->phase == PHASE_CLOSING)
		return;
	t->phase = phase;
	t->since_ns = monotime_ns();
	t->body_bytes = 0;
}

/* Calls handle() once the body is complete; suspends when it answers later. */
static enum MHD_Result dispatch(struct http_request *r)
{
	struct http_server *s = r->srv;

	if (!r->handled && !r->response) {
		r->handled = 1;
		track_phase(r->track, PHASE_BUSY);
		s->h.handle(s->h.opaque, r);
	}
	if (r->response)
		return queue_response(r);
	if (!r->queued && !r->suspended && !r->defer_pending) {
		r->defer_pending = 1;
		r->defer_next = s->defer_head;
		if (s->defer_head)
			s->defer_head->defer_prev = r;
		s->defer_head = r;
	}
	return MHD_YES;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
				 const char *url, const char *method,
				 const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_request *r = *con_cls;

	(void)version;
	if (!r) {
		r = request_new(s, conn, url, method);
		if (!r)
			return MHD_NO;
		*con_cls = r;
		r->track = track_of(conn);
		if (r->track) {
			r->track->req = r;
			r->raw_uri = r->track->raw_uri;
			r->track->raw_uri = NULL;
		}
		track_phase(r->track, PHASE_BODY);
		r->limit = s->h.begin(s->h.opaque, r);
		/* Answered from the headers: with no body to come, wait for
		 * the final call so the connection can be kept alive. */
		if (r->response) {
			track_phase(r->track, PHASE_BUSY);
			return has_body(r) ? queue_response(r) : MHD_YES;
		}
		start_body(r);
		/* Over the limit by Content-Length: answer before the body. */
		if (r->too_large)
			return dispatch(r);
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (r->track)
			r->track->body_bytes += *upload_data_size;
		append_body(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->queued)
		return MHD_YES;
	return dispatch(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct http_server *s = cls;
	struct http_request *r = *con_cls;

	(void)conn;
	(void)why;
	if (!r)
		return;
	*con_cls = NULL;
	defer_remove(r);
	stream_unlink(r);
	if (r->track)
		r->track->req = NULL;
	if (r->track && r->track->phase != PHASE_CLOSING) {
		/* The next request's head is due from now. */
		r->track->phase = PHASE_HEAD;
		r->track->since_ns = monotime_ns();
	}
	s->h.done(s->h.opaque, r);
	if (r->response)
		MHD_destroy_response(r->response);
	free(r->body);
	free(r->fn_headers);
	free(r->raw_uri);
	free(r);
	s->inflight--;
}

static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	struct conn_track *t = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		s->starved_logged = 0;
		t = calloc(1, sizeof(*t));
		if (!t)
			return; /* served without deadlines */
		t->conn = conn;
		t->phase = PHASE_HEAD;
		t->since_ns = monotime_ns();
		t->next = s->conns.next;
		t->prev = &s->conns;
		s->conns.next->prev = t;
		s->conns.next = t;
		*socket_context = t;
		return;
	}
	if (!t)
		return;
	if (t->req)
		t->req->track = NULL;
	free(t->raw_uri);
	t->prev->next = t->next;
	t->next->prev = t->prev;
	free(t);
	*socket_context = NULL;
}

/* libmicrohttpd decodes the target in place; keep it as sent for
 * http_request_raw_uri. Returning NULL leaves the request context unset. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);

	(void)cls;
	if (t) {
		free(t->raw_uri);
		t->raw_uri = strdup(uri);
	}
	return NULL;
}

/* Ends a connection from outside libmicrohttpd: it sees the shut-down
 * socket as closed by the peer and releases it in its next run. */
static int close_conn(struct conn_track *t)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		t->conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	if (!ci)
		return 0;
	shutdown(ci->connect_fd, SHUT_RDWR);
	t->phase = PHASE_CLOSING;
	return 1;
}

/* 1 when t is past its deadline: a head not complete within the head
 * timeout, or a body averaging under the minimum rate after its grace. */
static int overdue(const struct http_server *s, const struct conn_track *t,
		   uint64_t now)
{
	uint64_t age = now - t->since_ns;

	if (t->phase == PHASE_HEAD)
		return age > s->head_timeout_ns;
	if (t->phase != PHASE_BODY || !s->min_body_rate ||
	    age <= BODY_RATE_GRACE_NS)
		return 0;
	return t->body_bytes < (uint64_t)s->min_body_rate * (age / 1000000000);
}

static void on_deadline_scan(uv_timer_t *tm)
{
	struct http_server *s = tm->data;
	unsigned heads = 0, bodies = 0;
	uint64_t now;

	resume_streams(s);
	/* Take in what has arrived first: a loop that was busy must not
	 * blame its clients for bytes it has not read yet. */
	run_mhd(s);
	now = monotime_ns();
	for (struct conn_track *t = s->conns.next; t != &s->conns;
	     t = t->next) {
		if (!overdue(s, t, now))
			continue;
		if (t->phase == PHASE_HEAD)
			heads += close_conn(t);
		else
			bodies += close_conn(t);
	}
	if (heads + bodies == 0)
		return;
	/* One line per scan, however many: the log is no amplifier. */
	log_msg(LOG_LEVEL_WARN,
		"http: closed %u connection(s) whose request head took over "
		"%" PRIu64 " s and %u whose body came slower than %u bytes/s",
		heads, s->head_timeout_ns / 1000000000, bodies,
		s->min_body_rate);
	uv_idle_start(&s->soon, on_soon);
}

/* ---- server lifecycle ---- */

int http_tls_supported(void)
{
	return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES;
}

#define OPT(o, v, p)                                                           \
	(struct MHD_OptionItem)                                                \
	{                                                                      \
		(o), (intptr_t)(v), (p)                                        \
	}

static struct MHD_Daemon *start_mhd(struct http_server *s,
				    const struct http_config *cfg,
				    const struct sockaddr_in *sin)
{
	/* Epoll in external-loop mode: MHD_run never blocks and no thread is
	 * started; suspend/resume lets a connection wait for its VM. */
	unsigned flags =
		MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem o[16];
	unsigned n = 0;

	o[n++] = OPT(MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL);
	o[n++] = OPT(MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s,
		     NULL);
	o[n++] = OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		     cfg->connection_memory_bytes, NULL);
	o[n++] = OPT(MHD_OPTION_NOTIFY_COMPLETED, on_completed, s);
	o[n++] = OPT(MHD_OPTION_NOTIFY_CONNECTION, on_connection, s);
	o[n++] = OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s);
	o[n++] = OPT(MHD_OPTION_UNESCAPE_CALLBACK, mhd_unescape, s);
	o[n++] = OPT(MHD_OPTION_URI_LOG_CALLBACK, on_uri, s);
	if (cfg->max_connections_per_ip)
		o[n++] = OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			     cfg->max_connections_per_ip, NULL);
	if (cfg->listen_fd >= 0) {
		o[n++] = OPT(MHD_OPTION_LISTEN_SOCKET, cfg->listen_fd, NULL);
	} else {
		o[n++] = OPT(MHD_OPTION_SOCK_ADDR, 0, (void *)sin);
		o[n++] = OPT(MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL);
	}
	if (cfg->tls_cert_pem && cfg->tls_key_pem) {
		flags |= MHD_USE_TLS;
		o[n++] = OPT(MHD_OPTION_HTTPS_MEM_CERT, 0,
			     (void *)cfg->tls_cert_pem);
		o[n++] = OPT(MHD_OPTION_HTTPS_MEM_KEY, 0,
			     (void *)cfg->tls_key_pem);
	}
	o[n++] = OPT(MHD_OPTION_END, 0, NULL);
	return MHD_start_daemon(flags, cfg->port, NULL, NULL, on_access, s,
				MHD_OPTION_ARRAY, o, MHD_OPTION_END);
}

static int start_handles(struct http_server *s, char *err, size_t err_len)
{
	const union MHD_DaemonInfo *info;
	int rc;

	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		snprintf(err, err_len, "http: no epoll fd from libmicrohttpd");
		return -EINVAL;
	}
	rc = uv_poll_init(s->loop, &s->poll, info->epoll_fd);
	if (rc < 0) {
		snprintf(err, err_len, "http: uv_poll_init: %s",
			 uv_strerror(rc));
		return rc;
	}
	uv_timer_init(s->loop, &s->timer);
	uv_idle_init(s->loop, &s->soon);
	uv_check_init(s->loop, &s->after_poll);
	uv_timer_init(s->loop, &s->drain_timer);
	uv_timer_init(s->loop, &s->deadline_timer);
	uv_timer_init(s->loop, &s->accept_timer);
	s->poll.data = s->timer.data = s->soon.data = s->drain_timer.data = s;
	s->deadline_timer.data = s->accept_timer.data = s->after_poll.data = s;
	s->open_handles = 7;
	uv_poll_start(&s->poll, UV_READABLE, on_poll);
	uv_check_start(&s->after_poll, on_after_poll);
	uv_unref((uv_handle_t *)&s->after_poll);
	uv_timer_start(&s->deadline_timer, on_deadline_scan, DEADLINE_SCAN_MS,
		       DEADLINE_SCAN_MS);
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	/* Arm the first timeout. */
	uv_idle_start(&s->soon, on_soon);
	return 0;
}

int http_create(uv_loop_t *loop, const struct http_config *cfg,
		const struct http_handlers *h, struct http_server **out,
		char *err, size_t err_len)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct http_server *s;
	int rc;

	if (cfg->listen_fd < 0 &&
	    inet_pton(AF_INET, cfg->host, &sin.sin_addr) != 1) {
		snprintf(err, err_len, "http: bad IPv4 address '%s'",
			 cfg->host);
		return -EINVAL;
	}
	sin.sin_port = htons(cfg->port);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->tls = cfg->tls_cert_pem && cfg->tls_key_pem;
	s->h = *h;
	s->conns.next = s->conns.prev = &s->conns;
	s->head_timeout_ns = (uint64_t)(cfg->request_head_timeout_s
						? cfg->request_head_timeout_s
						: 20) *
			     1000000000ULL;
	s->min_body_rate = cfg->min_body_bytes_per_s;
	/* A random start keeps ids unique across restarts in shared logs. */
	if (getrandom(&s->next_id, sizeof(s->next_id), GRND_NONBLOCK) < 0)
		s->next_id = monotime_ns();
	s->mhd = start_mhd(s, cfg, &sin);
	if (!s->mhd) {
		if (cfg->listen_fd >= 0)
			snprintf(err, err_len,
				 "http: cannot serve the passed socket (fd %d)",
				 cfg->listen_fd);
		else
			snprintf(err, err_len, "http: cannot listen on %s:%u",
				 cfg->host, (unsigned)cfg->port);
		rc = -EADDRNOTAVAIL;
		goto fail_free;
	}
	rc = start_handles(s, err, err_len);
	if (rc < 0)
		goto fail_stop;
	*out = s;
	return 0;

fail_stop:
	MHD_stop_daemon(s->mhd);
fail_free:
	free(s);
	return rc;
}

uint16_t http_port(const struct http_server *s)
{
	return s->port;
}

void http_quiesce(struct http_server *s)
{
	MHD_socket fd;

	if (s->quiesced)
		return;
	s->quiesced = 1;
	/* Waiting streams end now (stream_read), so drains finish. */
	resume_streams(s);
	fd = MHD_quiesce_daemon(s->mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

void http_drain(struct http_server *s, uint32_t timeout_ms,
		void (*done)(void *opaque), void *opaque)
{
	s->drain_done = done;
	s->drain_opaque = opaque;
	uv_timer_start(&s->drain_timer, on_drain_timeout, timeout_ms, 0);
	uv_idle_start(&s->soon, on_soon);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct http_server *s = h->data;

	if (--s->open_handles == 0)
		free(s);
}

void http_destroy(struct http_server *s)
{
	if (!s)
		return;
	resume_streams(s); /* MHD stops only with no connection suspended */
	MHD_stop_daemon(s->mhd);
	s->mhd = NULL;
	uv_close((uv_handle_t *)&s->poll, on_handle_closed);
	uv_close((uv_handle_t *)&s->timer, on_handle_closed);
	uv_close((uv_handle_t *)&s->soon, on_handle_closed);
	uv_close((uv_handle_t *)&s->after_poll, on_handle_closed);
	uv_close((uv_handle_t *)&s->drain_timer, on_handle_closed);
	uv_close((uv_handle_t *)&s->deadline_timer, on_handle_closed);
	uv_close((uv_handle_t *)&s->accept_timer, on_handle_closed);
}

/* ---- the request ---- */

const char *http_request_method(const struct http_request *r)
{
	return r->method;
}

const char *http_request_path(const struct http_request *r)
{
	return r->path;
}

const char *http_request_header(const struct http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct query_iter {
	int (*fn)(void *opaque, const char *key, const char *value);
	void *opaque;
	int ret;
};

static enum MHD_Result query_cb(void *cls, enum MHD_ValueKind kind,
				const char *key, const char *value)
{
	struct query_iter *it = cls;

	(void)kind;
	it->ret = it->fn(it->opaque, key, value);
	return it->ret ? MHD_NO : MHD_YES;
}

int http_request_query_foreach(struct http_request *r,
			       int (*fn)(void *opaque, const char *key,
					 const char *value),
			       void *opaque)
{
	struct query_iter it = {fn, opaque, 0};

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_cb,
				  &it);
	return it.ret;
}

const uint8_t *http_request_body(const struct http_request *r, size_t *len_out)
{
	*len_out = r->body_len;
	return r->body ? r->body : (const uint8_t *)"";
}

int http_request_body_too_large(const struct http_request *r)
{
	return r->too_large;
}

uint64_t http_request_id(const struct http_request *r)
{
	return r->id;
}

const char *http_request_id_str(const struct http_request *r)
{
	return r->id_str;
}

uint64_t http_request_start_ns(const struct http_request *r)
{
	return r->start_ns;
}

void http_request_set_user(struct http_request *r, void *user)
{
	r->user = user;
}

void *http_request_user(const struct http_request *r)
{
	return r->user;
}

void http_request_set_timing(struct http_request *r, uint64_t queue_ns,
			     uint64_t run_ns)
{
	r->queue_ns = queue_ns;
	r->run_ns = run_ns;
}

int http_request_add_header(struct http_request *r, const char *name,
			    const char *value)
{
	struct pending_header *ph;

	if (r->nhdr == HDR_MAX || strlen(name) >= sizeof(ph->name) ||
	    strlen(value) >= sizeof(ph->value))
		return -ENOSPC;
	ph = &r->hdr[r->nhdr++];
	memcpy(ph->name, name, strlen(name) + 1);
	memcpy(ph->value, value, strlen(value) + 1);
	return 0;
}

int http_request_add_block(struct http_request *r, const char *block,
			   size_t len)
{
	char *copy;

	if (len == 0)
		return 0;
	if (block[len - 1] != '\0')
		return -EINVAL;
	copy = realloc(r->fn_headers, r->fn_headers_len + len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy + r->fn_headers_len, block, len);
	r->fn_headers = copy;
	r->fn_headers_len += len;
	return 0;
}

const char *http_request_raw_uri(const struct http_request *r)
{
	return r->raw_uri;
}

struct header_walk {
	int (*fn)(void *opaque, const char *name, size_t name_len,
		  const char *value, size_t value_len);
	void *opaque;
	int ret;
};

static enum MHD_Result header_cb(void *cls, enum MHD_ValueKind kind,
				 const char *key, size_t key_size,
				 const char *value, size_t value_size)
{
	struct header_walk *w = cls;

	(void)kind;
	w->ret = w->fn(w->opaque, key, key_size, value ? value : "",
		       value ? value_size : 0);
	return w->ret ? MHD_NO : MHD_YES;
}

int http_request_header_foreach(struct http_request *r,
				int (*fn)(void *opaque, const char *name,
					  size_t name_len, const char *value,
					  size_t value_len),
				void *opaque)
{
	struct header_walk w = {fn, opaque, 0};

	MHD_get_connection_values_n(r->conn, MHD_HEADER_KIND, header_cb, &w);
	return w.ret;
}

int http_request_peer(const struct http_request *r, char *addr, size_t addr_len,
		      unsigned *port)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	*port = 0;
	addr[0] = '\0';
	if (!sa)
		return -ENOTCONN;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, addr, (socklen_t)addr_len);
		*port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, addr, (socklen_t)addr_len);
		*port = ntohs(in6->sin6_port);
	}
	return 0;
}

int http_request_is_tls(const struct http_request *r)
{
	return r->srv->tls;
}

static struct MHD_Response *make_response(const void *body, size_t len,
					  enum http_body_mode mode)
{
	switch (mode) {
	case HTTP_BODY_TAKE:
		return MHD_create_response_from_buffer_with_free_callback(
			len, (void *)body, free);
	case HTTP_BODY_STATIC:
		return MHD_create_response_from_buffer(len, (void *)body,
						       MHD_RESPMEM_PERSISTENT);
	case HTTP_BODY_COPY:
		break;
	}
	return MHD_create_response_from_buffer(len, (void *)body,
					       MHD_RESPMEM_MUST_COPY);
}

static void add_timing(struct http_request *r, struct MHD_Response *resp)
{
	uint64_t total_ns = monotime_ns() - r->start_ns;
	char v[128];

	snprintf(v, sizeof(v),
		 "queue;dur=%" PRIu64 ".%03" PRIu64 ", run;dur=%" PRIu64
		 ".%03" PRIu64 ", total;dur=%" PRIu64 ".%03" PRIu64,
		 r->queue_ns / 1000000, r->queue_ns / 1000 % 1000,
		 r->run_ns / 1000000, r->run_ns / 1000 % 1000,
		 total_ns / 1000000, total_ns / 1000 % 1000);
	MHD_add_response_header(resp, "Server-Timing", v);
}

static void set_response(struct http_request *r, unsigned status,
			 const char *content_type, struct MHD_Response *resp);

int http_respond(struct http_request *r, unsigned status,
		 const char *content_type, const void *body, size_t len,
		 enum http_body_mode mode)
{
	struct MHD_Response *resp;
	int rc = 0;

	if (r->response || r->queued) {
		if (mode == HTTP_BODY_TAKE)
			free((void *)body);
		return -EALREADY;
	}
	resp = make_response(body, len, mode);
	if (!resp) {
		if (mode == HTTP_BODY_TAKE)
			free((void *)body);
		/* Still answer: a static 500 needs no allocation of ours. */
		status = 500;
		content_type = NULL;
		resp = MHD_create_response_from_buffer(0, NULL,
						       MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return -ENOMEM;
		rc = -ENOMEM;
	}
	set_response(r, status, content_type, resp);
	return rc;
}

struct stream {
	http_stream_read_fn read;
	void (*release)(void *opaque);
	void *opaque;
	struct http_request *r;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	struct http_request *r = st->r;
	ssize_t n = st->read(st->opaque, buf, max);

	(void)pos;
	if (n == HTTP_STREAM_AGAIN) {
		if (r->srv->quiesced)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (!r->stream_wait) {
			r->stream_wait = 1;
			r->stream_next = r->srv->stream_waiters;
			r->srv->stream_waiters = r;
		}
		return 0; /* nothing yet: suspended after this run */
	}
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n ? n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	st->release(st->opaque);
	free(st);
}

int http_respond_stream(struct http_request *r, unsigned status,
			const char *content_type, http_stream_read_fn read,
			void (*release)(void *opaque), void *opaque)
{
	struct stream *st = NULL;
	struct MHD_Response *resp = NULL;

	if (!r->response && !r->queued)
		st = malloc(sizeof(*st));
	if (st) {
		*st = (struct stream){read, release, opaque, r};
		/* Pieces of 16 KiB: each is one short turn of the loop. */
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
							 16 << 10, stream_read,
							 st, stream_free);
	}
	if (!resp) {
		free(st);
		release(opaque);
		if (r->response || r->queued)
			return -EALREADY;
		http_respond(r, 500, NULL, "", 0, HTTP_BODY_STATIC);
		return -ENOMEM;
	}
	set_response(r, status, content_type, resp);
	return 0;
}

static int block_has(const struct http_request *r, const char *name)
{
	for (size_t off = 0; off < r->fn_headers_len;) {
		const char *n = r->fn_headers + off;
		const char *v = n + strlen(n) + 1;

		if (strcasecmp(n, name) == 0)
			return 1;
		off = (size_t)(v + strlen(v) + 1 - r->fn_headers);
	}
	return 0;
}

static void set_response(struct http_request *r, unsigned status,
			 const char *content_type, struct MHD_Response *resp)
{
	/* A function's own Content-Type wins over the default. */
	if (content_type && !block_has(r, MHD_HTTP_HEADER_CONTENT_TYPE))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					content_type);
	for (size_t off = 0; off < r->fn_headers_len;) {
		const char *name = r->fn_headers + off;
		const char *value = name + strlen(name) + 1;

		MHD_add_response_header(resp, name, value);
		off = (size_t)(value + strlen(value) + 1 - r->fn_headers);
	}
	MHD_add_response_header(resp, "X-Request-Id", r->id_str);
	add_timing(r, resp);
	for (unsigned i = 0; i < r->nhdr; i++)
		MHD_add_response_header(resp, r->hdr[i].name, r->hdr[i].value);
	r->response = resp;
	r->status = status;
	if (r->suspended) {
		r->suspended = 0;
		MHD_resume_connection(r->conn);
		run_soon(r->srv);
	}
}
