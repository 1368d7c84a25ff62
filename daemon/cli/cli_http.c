/* cli_http.c: libcurl requests from the glint CLI to glintd. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli_http.h"

#define CONNECT_TIMEOUT_S 5L

int cli_http_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -ENOMEM;
}

void cli_http_cleanup(void)
{
	curl_global_cleanup();
}

static size_t collect(char *data, size_t size, size_t n, void *opaque)
{
	struct cli_resp *r = opaque;
	size_t add = size * n;
	long status = 0;
	char *p;

	curl_easy_getinfo(r->curl_, CURLINFO_RESPONSE_CODE, &status);
	if (r->sink_ && status == 200) {
		if (fwrite(data, 1, add, r->sink_) != add || fflush(r->sink_))
			return 0;
		return add;
	}
	if (add > (size_t)-1 - r->len - 1)
		return 0;
	p = realloc(r->body, r->len + add + 1);
	if (!p)
		return 0; /* curl reports CURLE_WRITE_ERROR */
	memcpy(p + r->len, data, add);
	r->len += add;
	p[r->len] = '\0';
	r->body = p;
	return add;
}

/* A transport error in words a user can act on. */
static void describe_error(CURL *c, CURLcode rc, const char *detail, char *err,
			   size_t err_len)
{
	const char *what = detail[0] ? detail : curl_easy_strerror(rc);
	long os_errno = 0;

	/* The system's reason ("Connection refused") says more than
	 * curl's summary of it. */
	curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
	if (rc == CURLE_COULDNT_CONNECT && os_errno > 0)
		what = strerror((int)os_errno);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		what = detail[0] ? detail : "timed out";
	snprintf(err, err_len, "%s", what);
}

static struct curl_slist *make_headers(const struct cli_server *s,
				       const void *body)
{
	struct curl_slist *h = NULL, *t;
	char auth[1100];

	/* libcurl would send "Expect: 100-continue" for big bodies and wait
	 * a second for it; glintd answers straight away. */
	h = curl_slist_append(h, "Expect:");
	if (h && body) {
		t = curl_slist_append(h,
				      "Content-Type: application/octet-stream");
		if (!t)
			goto fail;
		h = t;
	}
	if (h && s->token && s->token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			 s->token);
		t = curl_slist_append(h, auth);
		if (!t)
			goto fail;
		h = t;
	}
	return h;
fail:
	curl_slist_free_all(h);
	return NULL;
}

static void set_options(CURL *c, const struct cli_server *s, const char *url,
			const char *method, const void *body, size_t len)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, s->timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (s->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, s->cacert);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "glint/" PACKAGE_VERSION);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)len);
	}
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
}

int cli_http_request(const struct cli_server *s, const char *method,
		     const char *path, const void *body, size_t len,
		     struct cli_resp *out, char *err, size_t err_len)
{
	char detail[CURL_ERROR_SIZE] = "", *url, *ctype = NULL;
	struct curl_slist *hdrs = NULL;
	CURL *c = NULL;
	CURLcode rc;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	out->sink_ = s->sink;
	snprintf(err, err_len, "out of memory");
	url = malloc(strlen(s->url) + strlen(path) + 1);
	if (!url)
		return -ENOMEM;
	strcpy(url, s->url);
	strcat(url, path);
	c = curl_easy_init();
	hdrs = make_headers(s, body);
	if (!c || !hdrs)
		goto out;
	set_options(c, s, url, method, body, len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	out->curl_ = c;
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		describe_error(c, rc, detail, err, err_len);
		ret = rc == CURLE_OPERATION_TIMEDOUT ? -ETIMEDOUT
						     : -ECONNREFUSED;
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK &&
	    ctype)
		out->content_type = strdup(ctype);
	if (!out->body)
		out->body = calloc(1, 1);
	ret = out->body ? 0 : -ENOMEM;
	err[0] = '\0';
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	out->curl_ = NULL;
	free(url);
	return ret;
}

void cli_resp_free(struct cli_resp *r)
{
	free(r->body);
	free(r->content_type);
	r->body = r->content_type = NULL;
	r->len = 0;
}
