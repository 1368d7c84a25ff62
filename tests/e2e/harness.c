/* harness.c: runs glintd as a child process for end-to-end tests and wraps libcurl. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "harness.h"

const char *harness_built(const char *rel)
{
	static char path[1024];
	const char *top = getenv("GLINT_BUILDDIR");

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	return path;
}

void *harness_read_file(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len_out = (size_t)n;
	}
	return buf;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static pid_t spawn(struct glintd_proc *g, const char *const *extra)
{
	const char *argv[32];
	int n = 0, fd, own_config = 0;
	pid_t pid;

	argv[n++] = harness_built("glintd");
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--state-dir";
	argv[n++] = g->state_dir;
	argv[n++] = "--log-level";
	argv[n++] = "debug";
	for (const char *const *e = extra; e && *e; e++)
		own_config |= strcmp(*e, "--config") == 0;
	/* An installed glintd.conf must not leak into the tests. */
	if (!own_config)
		argv[n++] = "--no-config";
	for (; extra && *extra && n < 30; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	pid = fork();
	if (pid != 0)
		return pid;
	/* The daemon must not outlive a test that crashed. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(g->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/* The daemon logs "listening on 127.0.0.1:PORT"; take the last one. */
static int find_port(struct glintd_proc *g)
{
	size_t len;
	char *log = harness_read_file(g->log_path, &len), *p, *last = NULL;
	const char *key = "listening on 127.0.0.1:";

	if (!log)
		return 0;
	for (p = log + (g->log_skip < len ? g->log_skip : len);
	     (p = strstr(p, key)); p++)
		last = p;
	if (last)
		g->port = (uint16_t)atoi(last + strlen(key));
	free(log);
	return last ? 1 : 0;
}

static int wait_ready(struct glintd_proc *g)
{
	struct http_resp r;
	int st;

	/* At least two minutes: a cap for a hung start, not a claim about
	 * how fast glintd starts on this host. */
	for (int i = 0; i < 2400; i++) {
		if (waitpid(g->pid, &st, WNOHANG) == g->pid) {
			g->pid = 0;
			return -ECHILD;
		}
		if (!g->port && find_port(g))
			snprintf(g->base_url, sizeof(g->base_url),
				 "http://127.0.0.1:%u", (unsigned)g->port);
		if (g->port &&
		    harness_request(g, "GET", "/readyz", NULL, 0, &r) == 0) {
			long s = r.status;

			http_resp_free(&r);
			if (s == 200)
				return 0;
		}
		sleep_ms(50);
	}
	return -ETIMEDOUT;
}

int harness_restart(struct glintd_proc *g, const char *const *extra)
{
	struct stat st;

	/* Only this run's "listening on" line counts. */
	g->log_skip = stat(g->log_path, &st) == 0 ? (size_t)st.st_size : 0;
	g->port = 0;
	g->pid = spawn(g, extra);
	if (g->pid < 0)
		return -errno;
	return wait_ready(g);
}

int harness_start(struct glintd_proc *g, const char *const *extra)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->dir, sizeof(g->dir), "/tmp/glint-e2e-XXXXXX");
	if (!mkdtemp(g->dir))
		return -errno;
	snprintf(g->state_dir, sizeof(g->state_dir), "%s/state", g->dir);
	snprintf(g->log_path, sizeof(g->log_path), "%s/glintd.log", g->dir);
	return harness_restart(g, extra);
}

int harness_stop(struct glintd_proc *g, unsigned timeout_ms)
{
	int st = -1;

	if (g->pid <= 0)
		return -1;
	kill(g->pid, SIGTERM);
	for (unsigned t = 0; t < timeout_ms; t += 10) {
		if (waitpid(g->pid, &st, WNOHANG) == g->pid) {
			g->pid = 0;
			return st;
		}
		sleep_ms(10);
	}
	kill(g->pid, SIGKILL);
	waitpid(g->pid, &st, 0);
	g->pid = 0;
	return -1;
}

void harness_dump_log(const struct glintd_proc *g)
{
	size_t len;
	char *log = harness_read_file(g->log_path, &len);

	if (!log)
		return;
	/* The tail is what explains a failure. */
	fprintf(stderr, "---- glintd log (%s) ----\n%s\n----\n", g->log_path,
		len > 8000 ? log + len - 8000 : log);
	free(log);
}

void harness_cleanup(struct glintd_proc *g)
{
	char cmd[400];
	int rc;

	harness_stop(g, 5000);
	if (!g->dir[0] || getenv("GLINT_E2E_KEEP"))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g->dir);
	rc = system(cmd);
	(void)rc;
}

/* ---- requests ---- */

struct growbuf {
	char *p;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *opaque)
{
	struct growbuf *b = opaque;
	size_t add = size * n;
	char *p = realloc(b->p, b->len + add + 1);

	if (!p)
		return 0;
	memcpy(p + b->len, data, add);
	b->len += add;
	p[b->len] = '\0';
	b->p = p;
	return add;
}

/* Keeps only the last header block (after a 100 Continue). */
static size_t collect_header(char *data, size_t size, size_t n, void *opaque)
{
	struct growbuf *b = opaque;

	if (size * n > 5 && strncmp(data, "HTTP/", 5) == 0)
		b->len = 0;
	return collect(data, size, n, opaque);
}

char *http_resp_header(const struct http_resp *r, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = r->headers; p && *p;) {
		const char *eol = strstr(p, "\r\n");

		if (!eol)
			break;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			return strndup(v, (size_t)(eol - v));
		}
		p = eol + 2;
	}
	return NULL;
}

static void check_common_headers(const struct http_resp *r)
{
	char *id = http_resp_header(r, "X-Request-Id");
	char *st = http_resp_header(r, "Server-Timing");

	ck_assert_msg(id && strlen(id) == 16, "X-Request-Id missing or bad: %s",
		      id ? id : "(none)");
	for (int i = 0; i < 16; i++)
		ck_assert_msg(isxdigit((unsigned char)id[i]),
			      "X-Request-Id not hex: %s", id);
	ck_assert_msg(st && strstr(st, "queue;dur=") &&
			      strstr(st, "run;dur=") &&
			      strstr(st, "total;dur="),
		      "Server-Timing missing or bad: %s", st ? st : "(none)");
	free(id);
	free(st);
}

int harness_request(const struct glintd_proc *g, const char *method,
		    const char *path, const void *body, size_t len,
		    struct http_resp *out)
{
	CURL *c = curl_easy_init();
	int rc;

	memset(out, 0, sizeof(*out));
	if (!c)
		return -ENOMEM;
	rc = harness_request_on(c, g, method, path, body, len, out);
	curl_easy_cleanup(c);
	return rc;
}

/* Seconds a request may take; deploys raise it (see harness_deploy). */
static long request_timeout_s = 60;

int harness_request_on(void *curl, const struct glintd_proc *g,
		       const char *method, const char *path, const void *body,
		       size_t len, struct http_resp *out)
{
	struct growbuf b = {0}, h = {0};
	char url[1024];
	struct curl_slist *hdrs = NULL;
	CURL *c = curl;
	CURLcode rc;

	memset(out, 0, sizeof(*out));
	curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	snprintf(url, sizeof(url), "%s%s", g->base_url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	/* Tests send "..": curl must not tidy the path first. */
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, request_timeout_s);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)len);
		hdrs = curl_slist_append(
			hdrs, "Content-Type: application/octet-stream");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &out->total_s);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	out->body = b.p ? b.p : strdup("");
	out->len = b.len;
	out->headers = h.p ? h.p : strdup("");
	out->headers_len = h.len;
	/* A 413 sent before the upload ended may reset the connection. */
	if (rc != CURLE_OK && !(out->status && rc == CURLE_SEND_ERROR)) {
		http_resp_free(out);
		out->error = curl_easy_strerror(rc);
		return -EIO;
	}
	check_common_headers(out);
	return 0;
}

void http_resp_free(struct http_resp *r)
{
	free(r->body);
	free(r->headers);
	r->body = r->headers = NULL;
}

int harness_deploy(const struct glintd_proc *g, const char *name,
		   const char *image_path, const char *query,
		   struct http_resp *out)
{
	char path[256];
	size_t len;
	void *img = harness_read_file(image_path, &len);
	int rc;

	ck_assert_msg(img != NULL, "cannot read %s", image_path);
	snprintf(path, sizeof(path), "/functions/%s%s%s", name,
		 query && *query ? "?" : "", query ? query : "");
	/* A Wasm deploy compiles, for minutes on a loaded machine under a
	 * sanitizer: a generous cap (glintd bounds the compile itself). */
	request_timeout_s = 1800;
	rc = harness_request(g, "PUT", path, img, len, out);
	request_timeout_s = 60;
	free(img);
	return rc;
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

long harness_metric(const struct glintd_proc *g, const char *series)
{
	struct http_resp r;
	size_t n = strlen(series);
	long v = -1;

	if (harness_request(g, "GET", "/metrics", NULL, 0, &r) != 0)
		return -1;
	for (const char *p = r.body; r.status == 200 && p && *p;) {
		if (strncmp(p, series, n) == 0 && p[n] == ' ') {
			v = strtol(p + n + 1, NULL, 10);
			break;
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	http_resp_free(&r);
	return v;
}

int harness_wait_metric(const struct glintd_proc *g, const char *series,
			long want, unsigned timeout_ms)
{
	uint64_t end = monotonic_ms() + timeout_ms;

	for (;;) {
		if (harness_metric(g, series) == want)
			return 0;
		if (monotonic_ms() >= end)
			return -ETIMEDOUT;
		sleep_ms(5);
	}
}
