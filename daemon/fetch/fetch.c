/* fetch.c: the outbound HTTP client's loop glue: libcurl multi_socket driven
 * by uv_poll and uv_timer, operation lifecycle, cancellation. */
#include "config.h"

#include "fetch_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One socket libcurl asked us to watch. */
struct fetch_sock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct fetch *f;
	struct fetch_sock *prev, *next;
};

uint64_t fetch__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void fetch_config_default(struct fetch_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_inflight = 4096;
	cfg->max_url_bytes = 8192;
	cfg->max_request_headers = 64;
	cfg->max_request_header_bytes = 16384;
	cfg->max_request_body_bytes = 8u << 20;
	cfg->max_response_bytes = 8u << 20;
	cfg->max_response_headers = 100;
	cfg->max_response_header_bytes = 65536;
	cfg->default_timeout_ms = 30000;
	cfg->connect_timeout_ms = 10000;
	cfg->max_redirects = 10;
	cfg->max_idle_connections = 1024;
	cfg->user_agent = "glint-fetch/" PACKAGE_VERSION;
}

static void maybe_free(struct fetch *f)
{
	if (!f->destroyed || f->open_handles)
		return;
	curl_slist_free_all(f->resolve);
	free((char *)f->cfg.ca_file);
	free((char *)f->cfg.user_agent);
	free(f);
	curl_global_cleanup();
}

static void on_handle_closed(uv_handle_t *h)
{
	struct fetch *f = h->data;

	f->open_handles--;
	maybe_free(f);
}

static void on_sock_closed(uv_handle_t *h)
{
	struct fetch_sock *s = h->data;
	struct fetch *f = s->f;

	free(s);
	f->open_handles--;
	maybe_free(f);
}

static void sock_close(struct fetch_sock *s)
{
	struct fetch *f = s->f;

	if (s->prev)
		s->prev->next = s->next;
	else
		f->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

/* Delivers every finished transfer (or starts its next redirect hop). */
static void drain(struct fetch *f)
{
	CURLMsg *m;
	int left, err;

	while (f->multi && (m = curl_multi_info_read(f->multi, &left))) {
		struct fetch_op *op = NULL;
		CURLcode rc = m->data.result;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
				  (char **)&op);
		curl_multi_remove_handle(f->multi, op->easy);
		op->in_multi = false;
		if (fetch__hop_done(op, rc, &err) == 0)
			continue;
		fetch__op_report(op, err);
	}
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct fetch_sock *s = h->data;
	struct fetch *f = s->f;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(f->multi, s->fd, flags, &running);
	drain(f);
}

static void on_timer(uv_timer_t *t)
{
	struct fetch *f = t->data;
	int running;

	curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(f);
}

/* CURLMOPT_SOCKETFUNCTION: watch s for what libcurl waits on. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
		     void *socketp)
{
	struct fetch *f = userp;
	struct fetch_sock *s = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s) {
			curl_multi_assign(f->multi, fd, NULL);
			sock_close(s);
		}
		return 0;
	}
	if (!s) {
		if (!(s = calloc(1, sizeof(*s))))
			return -1;
		if (uv_poll_init_socket(f->loop, &s->poll, fd) < 0) {
			free(s);
			return -1;
		}
		s->fd = fd;
		s->f = f;
		s->poll.data = s;
		s->next = f->socks;
		if (f->socks)
			f->socks->prev = s;
		f->socks = s;
		f->open_handles++;
		curl_multi_assign(f->multi, fd, s);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	return uv_poll_start(&s->poll, events, on_poll) < 0 ? -1 : 0;
}

/* CURLMOPT_TIMERFUNCTION: libcurl must not be re-entered from here, so a
 * zero timeout also goes through the uv_timer. */
static int on_timeout_change(CURLM *multi, long timeout_ms, void *userp)
{
	struct fetch *f = userp;

	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(&f->timer);
	else
		uv_timer_start(&f->timer, on_timer, (uint64_t)timeout_ms, 0);
	return 0;
}

static void on_later(uv_timer_t *t)
{
	struct fetch *f = t->data;
	struct fetch_op *op = f->later_head;

	f->later_head = f->later_tail = NULL;
	while (op) {
		struct fetch_op *next = op->later_next;

		fetch__op_report(op, op->err);
		op = next;
	}
}

/* Completes op with err on a later loop iteration. */
static void schedule(struct fetch_op *op, int err)
{
	struct fetch *f = op->f;

	op->err = err;
	op->scheduled = true;
	op->later_next = NULL;
	if (f->later_tail)
		f->later_tail->later_next = op;
	else
		f->later_head = op;
	f->later_tail = op;
	uv_timer_start(&f->later, on_later, 0, 0);
}

static int copy_config(struct fetch *f, const struct fetch_config *cfg)
{
	f->cfg = *cfg;
	f->cfg.resolve = NULL;
	f->cfg.n_resolve = 0;
	f->cfg.ca_file = NULL;
	if (cfg->ca_file && !(f->cfg.ca_file = strdup(cfg->ca_file)))
		return -ENOMEM;
	f->cfg.user_agent = strdup(cfg->user_agent ? cfg->user_agent : "");
	if (!f->cfg.user_agent)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_resolve; i++) {
		struct curl_slist *l =
			curl_slist_append(f->resolve, cfg->resolve[i]);

		if (!l)
			return -ENOMEM;
		f->resolve = l;
	}
	return 0;
}

int fetch_create(uv_loop_t *loop, const struct fetch_config *cfg,
		 struct fetch **out)
{
	struct fetch_config defaults;
	struct fetch *f;
	int rc;

	if (!cfg) {
		fetch_config_default(&defaults);
		cfg = &defaults;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -EIO;
	if (!(f = calloc(1, sizeof(*f)))) {
		curl_global_cleanup();
		return -ENOMEM;
	}
	f->loop = loop;
	rc = copy_config(f, cfg);
	if (rc == 0 && !(f->multi = curl_multi_init()))
		rc = -ENOMEM;
	if (rc < 0) {
		f->destroyed = true;
		maybe_free(f);
		return rc;
	}
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, on_timeout_change);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	/* libcurl's default (4 x the transfers running) shrinks as a burst
	 * ends, closing the connections the next burst needs. */
	curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS,
			  (long)f->cfg.max_idle_connections);
	uv_timer_init(loop, &f->timer);
	uv_timer_init(loop, &f->later);
	f->timer.data = f->later.data = f;
	f->open_handles = 2;
	*out = f;
	return 0;
}

static void link_op(struct fetch *f, struct fetch_op *op)
{
	op->next = f->ops;
	if (f->ops)
		f->ops->prev = op;
	f->ops = op;
	f->n_ops++;
}

int fetch_start(struct fetch *f, const struct fetch_request *req,
		const struct fetch_policy *allow, fetch_done_fn cb,
		void *opaque, struct fetch_op **out)
{
	struct fetch_op *op;
	int rc;

	if (!f || !req || !cb)
		return -EINVAL;
	if (f->destroyed)
		return -ECANCELED;
	if (f->n_ops >= f->cfg.max_inflight)
		return -EAGAIN;
	if (!(op = calloc(1, sizeof(*op))))
		return -ENOMEM;
	op->f = f;
	op->cb = cb;
	op->opaque = opaque;
	op->allow = allow;
	op->start_ns = fetch__now_ns();
	rc = fetch__op_setup(op, req);
	if (rc == -ENOMEM && !op->msg[0]) {
		fetch__op_free(op);
		return rc;
	}
	link_op(f, op);
	if (out)
		*out = op;
	if (rc == 0)
		rc = fetch__hop_start(op);
	if (rc < 0)
		schedule(op, rc);
	return 0;
}

int fetch_cancel(struct fetch_op *op)
{
	if (op->scheduled)
		return -EALREADY;
	if (op->in_multi) {
		curl_multi_remove_handle(op->f->multi, op->easy);
		op->in_multi = false;
	}
	snprintf(op->msg, sizeof(op->msg), "the fetch was cancelled");
	schedule(op, -ECANCELED);
	return 0;
}

void fetch__op_unlink(struct fetch_op *op)
{
	struct fetch *f = op->f;

	if (op->prev)
		op->prev->next = op->next;
	else
		f->ops = op->next;
	if (op->next)
		op->next->prev = op->prev;
	f->n_ops--;
}

size_t fetch_inflight(const struct fetch *f)
{
	return f->n_ops;
}

void fetch_destroy(struct fetch *f)
{
	if (!f)
		return;
	f->destroyed = true;
	f->later_head = f->later_tail = NULL;
	while (f->ops) {
		struct fetch_op *op = f->ops;

		if (op->in_multi) {
			curl_multi_remove_handle(f->multi, op->easy);
			op->in_multi = false;
		}
		snprintf(op->msg, sizeof(op->msg),
			 "the fetch client is shutting down");
		fetch__op_report(op, -ECANCELED);
	}
	curl_multi_cleanup(f->multi);
	f->multi = NULL;
	while (f->socks)
		sock_close(f->socks);
	uv_close((uv_handle_t *)&f->timer, on_handle_closed);
	uv_close((uv_handle_t *)&f->later, on_handle_closed);
}
