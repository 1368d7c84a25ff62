/* fetch_op.c: one outbound operation: request checks, the easy handle's
 * options and callbacks (caps, address checks), redirects, the result. */
#include "config.h"

#include "fetch_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static void say(struct fetch_op *op, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct fetch_op *op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(op->msg, sizeof(op->msg), fmt, ap);
	va_end(ap);
}

static bool is_token(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];

		if (n >= max || !(isalnum(c) || strchr("!#$%&'*+-.^_`|~", c)))
			return false;
	}
	return n > 0;
}

static bool value_ok(const char *v)
{
	for (; *v; v++)
		if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f)
			return false;
	return true;
}

/* Headers that frame the message or address the connection: the client
 * sets them, a function may not. */
static bool reserved_header(const char *name)
{
	static const char *const names[] = {
		"host",
		"content-length",
		"transfer-encoding",
		"connection",
		"keep-alive",
		"upgrade",
		"te",
		"trailer",
		"expect",
		"proxy-authorization",
		"proxy-connection",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(name, names[i]))
			return true;
	return false;
}

static int add_line(struct fetch_op *op, const char *line)
{
	struct curl_slist *l = curl_slist_append(op->headers, line);

	if (!l)
		return -ENOMEM;
	op->headers = l;
	return 0;
}

static int add_header(struct fetch_op *op, const struct fetch_header *h)
{
	size_t len = strlen(h->name) + strlen(h->value) + 3;
	char *line = malloc(len);
	int rc;

	if (!line)
		return -ENOMEM;
	/* "Name:" alone would tell libcurl to drop the header; "Name;" sends
	 * it empty. */
	if (h->value[0])
		snprintf(line, len, "%s: %s", h->name, h->value);
	else
		snprintf(line, len, "%s;", h->name);
	rc = add_line(op, line);
	free(line);
	return rc;
}

static int check_headers(struct fetch_op *op, const struct fetch_request *req,
			 bool *has_type)
{
	const struct fetch_config *cfg = &op->f->cfg;
	size_t bytes = 0;
	int rc;

	if (req->n_headers > cfg->max_request_headers) {
		say(op, "%zu request headers; at most %zu are accepted",
		    req->n_headers, cfg->max_request_headers);
		return -EINVAL;
	}
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct fetch_header *h = &req->headers[i];

		if (!h->name || !is_token(h->name, 256)) {
			say(op,
			    "request header %zu: the name is not an HTTP "
			    "token",
			    i + 1);
			return -EINVAL;
		}
		if (!h->value || !value_ok(h->value)) {
			say(op,
			    "request header '%s': the value holds a "
			    "control character (CR, LF, NUL, ...)",
			    h->name);
			return -EINVAL;
		}
		if (reserved_header(h->name)) {
			say(op,
			    "request header '%s' is set by the client and "
			    "may not be given",
			    h->name);
			return -EINVAL;
		}
		bytes += strlen(h->name) + strlen(h->value);
		if (bytes > cfg->max_request_header_bytes) {
			say(op, "request headers exceed %zu bytes",
			    cfg->max_request_header_bytes);
			return -EINVAL;
		}
		*has_type |= !strcasecmp(h->name, "content-type");
		if ((rc = add_header(op, h)) < 0)
			return rc;
	}
	return 0;
}

static int check_method_body(struct fetch_op *op,
			     const struct fetch_request *req)
{
	const char *m = req->method && req->method[0] ? req->method : "GET";

	if (!is_token(m, 32) || !strcasecmp(m, "CONNECT") ||
	    !strcasecmp(m, "TRACE")) {
		say(op, "method '%.40s' is not accepted", m);
		return -EINVAL;
	}
	if (req->body_len > op->f->cfg.max_request_body_bytes) {
		say(op, "request body of %zu bytes exceeds %zu", req->body_len,
		    op->f->cfg.max_request_body_bytes);
		return -EINVAL;
	}
	if (req->body_len && !strcmp(m, "HEAD")) {
		say(op, "a HEAD request has no body");
		return -EINVAL;
	}
	if (req->body_len && !req->body) {
		say(op, "request body is missing");
		return -EINVAL;
	}
	snprintf(op->method, sizeof(op->method), "%s", m);
	if (!(op->body = malloc(req->body_len + 1)))
		return -ENOMEM;
	if (req->body_len)
		memcpy(op->body, req->body, req->body_len);
	op->body_len = req->body_len;
	return 0;
}

/* The first hop's URL is checked before anything else happens. */
static int check_url(struct fetch_op *op, const char *url)
{
	char why[400];
	int rc;

	if (!url || strlen(url) > op->f->cfg.max_url_bytes) {
		say(op, "URL missing or longer than %zu bytes",
		    op->f->cfg.max_url_bytes);
		return -EINVAL;
	}
	rc = fetch_policy_check_url(op->allow, url, &op->target, why,
				    sizeof(why));
	if (rc < 0) {
		say(op, "%s", why);
		return rc;
	}
	if (!(op->url = curl_url()))
		return -ENOMEM;
	if (curl_url_set(op->url, CURLUPART_URL, url, 0) != CURLUE_OK) {
		say(op, "URL does not parse");
		return -EINVAL;
	}
	return 0;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ud)
{
	struct fetch_op *op = ud;
	size_t len = size * n, max = op->f->cfg.max_response_bytes;

	if (len > max - op->resp_len) {
		op->cap_err = -EFBIG;
		say(op, "response body exceeds %zu bytes", max);
		return 0;
	}
	if (op->resp_len + len + 1 > op->resp_cap) {
		size_t cap = op->resp_cap ? op->resp_cap * 2 : 4096;
		char *p;

		while (cap < op->resp_len + len + 1)
			cap *= 2;
		if (cap > max + 1)
			cap = max + 1;
		if (!(p = realloc(op->resp, cap))) {
			op->cap_err = -ENOMEM;
			say(op, "out of memory for the response body");
			return 0;
		}
		op->resp = p;
		op->resp_cap = cap;
	}
	memcpy(op->resp + op->resp_len, buf, len);
	op->resp_len += len;
	return len;
}

static int keep_header(struct fetch_op *op, const char *name, size_t name_len,
		       const char *value, size_t value_len)
{
	size_t need = op->hdrs_len + name_len + value_len + 2;

	if (need > op->hdrs_cap) {
		size_t cap = op->hdrs_cap ? op->hdrs_cap * 2 : 1024;
		char *p;

		while (cap < need)
			cap *= 2;
		if (!(p = realloc(op->hdrs, cap)))
			return -ENOMEM;
		op->hdrs = p;
		op->hdrs_cap = cap;
	}
	memcpy(op->hdrs + op->hdrs_len, name, name_len);
	op->hdrs[op->hdrs_len + name_len] = '\0';
	op->hdrs_len += name_len + 1;
	memcpy(op->hdrs + op->hdrs_len, value, value_len);
	op->hdrs[op->hdrs_len + value_len] = '\0';
	op->hdrs_len += value_len + 1;
	op->n_hdrs++;
	return 0;
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct fetch_op *op = ud;
	const struct fetch_config *cfg = &op->f->cfg;
	size_t len = size * n, end = len, v;
	const char *colon;

	if (len >= 5 && !memcmp(buf, "HTTP/", 5)) {
		/* A status line starts a response (after any 1xx): only the
		 * final one's headers are kept. */
		op->hdrs_len = op->n_hdrs = op->hdr_bytes = 0;
		return len;
	}
	while (end && (buf[end - 1] == '\n' || buf[end - 1] == '\r'))
		end--;
	if (!end)
		return len;
	op->hdr_bytes += len;
	if (op->n_hdrs >= cfg->max_response_headers ||
	    op->hdr_bytes > cfg->max_response_header_bytes) {
		op->cap_err = -EMSGSIZE;
		say(op, "response headers exceed %zu headers or %zu bytes",
		    cfg->max_response_headers, cfg->max_response_header_bytes);
		return 0;
	}
	if (!(colon = memchr(buf, ':', end)) || colon == buf)
		return len; /* not a header line; libcurl judged it */
	v = (size_t)(colon - buf) + 1;
	while (v < end && (buf[v] == ' ' || buf[v] == '\t'))
		v++;
	while (end > v && (buf[end - 1] == ' ' || buf[end - 1] == '\t'))
		end--;
	if (keep_header(op, buf, (size_t)(colon - buf), buf + v, end - v)) {
		op->cap_err = -ENOMEM;
		say(op, "out of memory for the response headers");
		return 0;
	}
	return len;
}

/* CURLOPT_OPENSOCKETFUNCTION: the resolved address, before any connect. */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose,
				    struct curl_sockaddr *a)
{
	struct fetch_op *op = ud;
	int fd;

	if (purpose != CURLSOCKTYPE_IPCXN) {
		op->addr_err = -EACCES;
		say(op, "only direct connections are made");
		return CURL_SOCKET_BAD;
	}
	if (fetch_policy_check_addr(&op->target, &a->addr, op->msg,
				    sizeof(op->msg)) < 0) {
		op->addr_err = -EACCES;
		return CURL_SOCKET_BAD;
	}
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

/* CURLOPT_PREREQFUNCTION: the connection about to carry the request, new or
 * reused from the cache (where another policy may have opened it). */
static int on_prereq(void *ud, char *primary_ip, char *local_ip,
		     int primary_port, int local_port)
{
	struct fetch_op *op = ud;
	struct sockaddr_storage ss;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	(void)local_ip;
	(void)primary_port;
	(void)local_port;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, primary_ip, &in4->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, primary_ip, &in6->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	if (fetch_policy_check_addr(&op->target, (struct sockaddr *)&ss,
				    op->msg, sizeof(op->msg)) < 0) {
		op->addr_err = -EACCES;
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

static void set_method(struct fetch_op *op)
{
	CURL *e = op->easy;

	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
	/* The Content-Length of an answer to HEAD announces no body here. */
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
			 strcmp(op->method, "HEAD")
				 ? (curl_off_t)op->f->cfg.max_response_bytes
				 : (curl_off_t)0);
	if (!strcmp(op->method, "HEAD")) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(op->method, "GET") && !op->body_len) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)op->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, op->body);
		if (strcmp(op->method, "POST"))
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, op->method);
	}
}

static void set_options(struct fetch_op *op)
{
	const struct fetch_config *cfg = &op->f->cfg;
	CURL *e = op->easy;

	curl_easy_setopt(e, CURLOPT_PRIVATE, op);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* An empty proxy overrides http_proxy and friends: a proxy would be
	 * the address checked, not the destination. */
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, cfg->ca_file);
	curl_easy_setopt(e, CURLOPT_USERAGENT, cfg->user_agent);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, op->curl_msg);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, op);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, op);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, op);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, op);
	if (op->f->resolve)
		curl_easy_setopt(e, CURLOPT_RESOLVE, op->f->resolve);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, op->headers);
	set_method(op);
}

int fetch__op_setup(struct fetch_op *op, const struct fetch_request *req)
{
	const struct fetch_config *cfg = &op->f->cfg;
	uint64_t timeout_ms =
		req->timeout_ms ? req->timeout_ms : cfg->default_timeout_ms;
	bool has_type = false;
	int rc;

	op->deadline_ns = op->start_ns + timeout_ms * 1000000u;
	op->redirects_left = req->max_redirects < cfg->max_redirects
				     ? req->max_redirects
				     : cfg->max_redirects;
	if ((rc = check_url(op, req->url)) < 0 ||
	    (rc = check_method_body(op, req)) < 0 ||
	    (rc = check_headers(op, req, &has_type)) < 0)
		return rc;
	/* No "Expect: 100-continue" round trip; no form content type that
	 * the caller did not ask for. */
	if ((rc = add_line(op, "Expect:")) < 0 ||
	    (!has_type && (rc = add_line(op, "Content-Type:")) < 0))
		return rc;
	if (!(op->easy = curl_easy_init()))
		return -ENOMEM;
	set_options(op);
	return 0;
}

int fetch__hop_start(struct fetch_op *op)
{
	uint64_t now = fetch__now_ns(), left_ms, connect_ms;
	CURLMcode mc;

	if (now >= op->deadline_ns) {
		say(op, "the deadline passed before the request was sent");
		return -ETIMEDOUT;
	}
	left_ms = (op->deadline_ns - now + 999999) / 1000000;
	connect_ms = op->f->cfg.connect_timeout_ms;
	if (connect_ms > left_ms)
		connect_ms = left_ms;
	curl_easy_setopt(op->easy, CURLOPT_CURLU, op->url);
	curl_easy_setopt(op->easy, CURLOPT_TIMEOUT_MS, (long)left_ms);
	curl_easy_setopt(op->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
	op->resp_len = op->hdrs_len = op->n_hdrs = op->hdr_bytes = 0;
	op->cap_err = op->addr_err = 0;
	op->curl_msg[0] = '\0';
	mc = curl_multi_add_handle(op->f->multi, op->easy);
	if (mc != CURLM_OK) {
		say(op, "could not start the transfer: %s",
		    curl_multi_strerror(mc));
		return mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EIO;
	}
	op->in_multi = true;
	return 0;
}

static const char *detail(const struct fetch_op *op, CURLcode rc)
{
	return op->curl_msg[0] ? op->curl_msg : curl_easy_strerror(rc);
}

/* Maps a finished hop's libcurl code to the caller's error and message. */
static int outcome(struct fetch_op *op, CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return 0;
	case CURLE_WRITE_ERROR:
		if (op->cap_err)
			return op->cap_err;
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_ABORTED_BY_CALLBACK:
		if (op->addr_err)
			return op->addr_err; /* op->msg says which address */
		say(op, "could not connect to %s port %u: %s", op->target.host,
		    op->target.port, detail(op, rc));
		return -ECONNREFUSED;
	case CURLE_FILESIZE_EXCEEDED:
		say(op, "response body exceeds %zu bytes",
		    op->f->cfg.max_response_bytes);
		return -EFBIG;
	case CURLE_OPERATION_TIMEDOUT:
		say(op, "no complete response within the timeout (%s)",
		    detail(op, rc));
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
		say(op, "could not resolve host %s", op->target.host);
		return -EHOSTUNREACH;
	case CURLE_OUT_OF_MEMORY:
		say(op, "out of memory");
		return -ENOMEM;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		say(op, "TLS with %s failed: %s", op->target.host,
		    detail(op, rc));
		return -EPROTO;
	default:
		break;
	}
	if (op->cap_err)
		return op->cap_err;
	say(op, "the exchange with %s failed: %s", op->target.host,
	    detail(op, rc));
	return -EIO;
}

static bool is_redirect(long code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 ||
	       code == 308;
}

/* Whether the request header line ("Name: value" or "Name;") is name's. */
static bool is_named(const char *line, const char *name)
{
	size_t n = strlen(name);

	return !strncasecmp(line, name, n) &&
	       (line[n] == ':' || line[n] == ';');
}

/* Another origin gets no credentials meant for the first. */
static int drop_credentials(struct fetch_op *op)
{
	struct curl_slist *kept = NULL;

	for (struct curl_slist *l = op->headers; l; l = l->next) {
		struct curl_slist *n;

		if (is_named(l->data, "authorization") ||
		    is_named(l->data, "cookie"))
			continue;
		if (!(n = curl_slist_append(kept, l->data))) {
			curl_slist_free_all(kept);
			return -ENOMEM;
		}
		kept = n;
	}
	curl_slist_free_all(op->headers);
	op->headers = kept;
	curl_easy_setopt(op->easy, CURLOPT_HTTPHEADER, op->headers);
	return 0;
}

/* 303, and 301/302 after a POST, become a GET without a body, as browsers
 * and libcurl do; 307 and 308 repeat the request as it was. */
static void redirect_method(struct fetch_op *op, long code)
{
	if (!(code == 303 && strcmp(op->method, "HEAD")) &&
	    !((code == 301 || code == 302) && !strcmp(op->method, "POST")))
		return;
	snprintf(op->method, sizeof(op->method), "GET");
	op->body_len = 0;
	set_method(op);
}

/* location as scheme://host[:port]/path for a message: a redirect target
 * may carry credentials or tokens in its userinfo, query or fragment, and
 * the message reaches the function's log. */
static void shown_url(const char *location, char *out, size_t len)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	CURLU *u = curl_url();

	snprintf(out, len, "a URL that does not parse");
	if (u && curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK) {
		/* Each part is optional but the scheme (file: has no host). */
		curl_url_get(u, CURLUPART_HOST, &host, 0);
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		curl_url_get(u, CURLUPART_PATH, &path, 0);
		snprintf(out, len, "%.16s://%.100s%s%.8s%.120s", scheme,
			 host ? host : "", port ? ":" : "", port ? port : "",
			 path ? path : "");
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
}

static int follow(struct fetch_op *op, long code, const char *location)
{
	struct fetch_target t;
	char why[400], shown[260];
	CURLU *u;
	int rc;

	rc = fetch_policy_check_url(op->allow, location, &t, why, sizeof(why));
	if (rc < 0) {
		shown_url(location, shown, sizeof(shown));
		say(op, "redirect to %s refused: %s", shown, why);
		return rc == -ENOMEM ? rc : -EACCES;
	}
	if (!(u = curl_url()))
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		say(op, "redirect to a URL that does not parse");
		return -EINVAL;
	}
	if (strcmp(t.scheme, op->target.scheme) ||
	    strcmp(t.host, op->target.host) || t.port != op->target.port) {
		if ((rc = drop_credentials(op)) < 0) {
			curl_url_cleanup(u);
			return rc;
		}
	}
	redirect_method(op, code);
	curl_url_cleanup(op->url);
	op->url = u;
	op->target = t;
	op->redirects++;
	op->redirects_left--;
	return fetch__hop_start(op);
}

int fetch__hop_done(struct fetch_op *op, CURLcode rc, int *err)
{
	char *location = NULL;
	long code = 0;

	*err = outcome(op, rc);
	if (*err < 0 || op->redirects_left == 0)
		return 1;
	curl_easy_getinfo(op->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(op->easy, CURLINFO_REDIRECT_URL, &location);
	if (!is_redirect(code) || !location)
		return 1;
	*err = follow(op, code, location);
	return *err < 0 ? *err : 0;
}

void fetch__op_free(struct fetch_op *op)
{
	if (op->easy)
		curl_easy_cleanup(op->easy);
	curl_url_cleanup(op->url);
	curl_slist_free_all(op->headers);
	free(op->body);
	free(op->resp);
	free(op->hdrs);
	free(op);
}

static uint64_t info_us(CURL *e, CURLINFO what)
{
	curl_off_t v = 0;

	if (!e || curl_easy_getinfo(e, what, &v) != CURLE_OK || v < 0)
		return 0;
	return (uint64_t)v;
}

static void fill_result(struct fetch_op *op, int err, struct fetch_result *r)
{
	long code = 0;

	memset(r, 0, sizeof(*r));
	r->error = err ? op->msg : "";
	r->redirects = op->redirects;
	r->timings.total_ns = fetch__now_ns() - op->start_ns;
	r->timings.dns_us = info_us(op->easy, CURLINFO_NAMELOOKUP_TIME_T);
	r->timings.connect_us = info_us(op->easy, CURLINFO_CONNECT_TIME_T);
	r->timings.tls_us = info_us(op->easy, CURLINFO_APPCONNECT_TIME_T);
	r->timings.first_byte_us =
		info_us(op->easy, CURLINFO_STARTTRANSFER_TIME_T);
	r->timings.transfer_us = info_us(op->easy, CURLINFO_TOTAL_TIME_T);
	if (err)
		return;
	curl_easy_getinfo(op->easy, CURLINFO_RESPONSE_CODE, &code);
	r->status = (int)code;
	if (op->resp)
		op->resp[op->resp_len] = '\0';
	r->body = op->resp ? op->resp : "";
	r->body_len = op->resp_len;
}

void fetch__op_report(struct fetch_op *op, int err)
{
	struct fetch_header *hv = NULL;
	struct fetch_result r;
	const char *p = op->hdrs;

	if (!err && op->n_hdrs && !(hv = calloc(op->n_hdrs, sizeof(*hv)))) {
		err = -ENOMEM;
		say(op, "out of memory for the response headers");
	}
	fill_result(op, err, &r);
	if (hv) {
		for (size_t i = 0; i < op->n_hdrs; i++) {
			hv[i].name = p;
			p += strlen(p) + 1;
			hv[i].value = p;
			p += strlen(p) + 1;
		}
		r.headers = hv;
		r.n_headers = op->n_hdrs;
	}
	fetch__op_unlink(op);
	op->cb(op, err, &r, op->opaque);
	free(hv);
	fetch__op_free(op);
}
