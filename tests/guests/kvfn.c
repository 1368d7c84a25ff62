/* kvfn.c: test guest: key-value and outbound HTTP host calls, used well
 * and badly; one command per call in the body. */
#include <glint.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 *   command               output
 *   --------------------  ---------------------------------------------
 *   get K                 "val=VALUE" or "rc=N"
 *   set K V [TTL_MS]      "rc=N"
 *   del K                 "rc=N"
 *   incr K D              "rc=N v=NEW"
 *   cas K OLD NEW         "rc=N" (OLD "-" = only if absent)
 *   list P LIMIT          "rc=N pages=P keys=k1,k2,..." (every page)
 *   setbin K N / getbin K N   N patterned bytes with NULs: "rc=N" /
 *                         "rc=N match=1"
 *   getsmall K            get with a 1-byte buffer: "rc=N"
 *   fetch URL [METHOD BODY]   "rc=N status=S method=M got=G len=L body=BODY"
 *   fetchr URL            the same, following up to 5 redirects
 *   fetchloop URL         fetches until one fails: "n=N rc=R"
 *   kvloop                KV_GETs until one fails: "n=N rc=R"
 *   getloop K / setloop K N   gets of K / sets of N patterned bytes until
 *                         one fails (the byte limits): "n=N rc=R"
 *   raw-short, raw-lie, raw-flags, raw-hdr, raw-lie-fetch: malformed
 *                         records (protocol error)
 *   bigkey, emptykey, badttl, badlimit: refused requests: "rc=N"
 *   bench OP N            N host calls OP (noop, get, set; 100-byte values)
 *                         timed with the TSC: "rc=R p50=C p99=C total=C"
 *                         in cycles (bench/hcbench converts them)
 */

static char buf[1 << 20];
static char out[1 << 16];

static int words(char *s, char **w, int max)
{
	int n = 0;

	while (*s && n < max) {
		while (*s == ' ')
			*s++ = '\0';
		if (!*s)
			break;
		w[n++] = s;
		while (*s && *s != ' ')
			s++;
	}
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void bench(const char *op, unsigned n)
{
	static uint64_t cyc[20000];
	static char val[100];
	uint64_t t0 = glint_rdtsc(), t;
	long rc = 0;

	memset(val, 'v', sizeof(val));
	if (n > 20000)
		n = 20000;
	for (unsigned i = 0; i < n && rc >= 0; i++) {
		t = glint_rdtsc();
		if (!strcmp(op, "get"))
			rc = glint_kv_get("bk", 2, buf, sizeof(buf));
		else if (!strcmp(op, "set"))
			rc = glint_kv_set("bk", 2, val, sizeof(val), 0);
		else
			rc = glint_hostcall(GLINT_HOSTCALL_NOOP, NULL, 0, NULL,
					    0);
		cyc[i] = glint_rdtsc() - t;
	}
	t = glint_rdtsc() - t0;
	qsort(cyc, n, sizeof(cyc[0]), cmp_u64);
	glint_printf("rc=%ld p50=%llu p99=%llu total=%llu", rc,
		     (unsigned long long)cyc[n / 2],
		     (unsigned long long)cyc[(size_t)n * 99 / 100],
		     (unsigned long long)t);
}

static void do_list(const char *prefix, unsigned limit)
{
	struct glint_kv_page page;
	uint8_t cursor[4200];
	size_t clen = 0, o;
	int rc, pages = 0;

	o = (size_t)snprintf(out, sizeof(out), "keys=");
	do {
		const void *k;
		size_t kl;

		rc = glint_kv_list(prefix, strlen(prefix), clen ? cursor : NULL,
				   clen, limit, buf, sizeof(buf), &page);
		if (rc < 0)
			break;
		pages++;
		while (glint_kv_page_next(&page, &k, &kl) &&
		       o + kl + 2 < sizeof(out)) {
			memcpy(out + o, k, kl);
			o += kl;
			out[o++] = ',';
		}
		clen = page.cursor_len;
		memcpy(cursor, page.cursor, clen);
	} while (clen);
	out[o] = '\0';
	glint_printf("rc=%d pages=%d %s", rc, pages, out);
}

static void pattern(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

static void do_fetch(const char *url, const char *method, const char *body,
		     uint32_t redirects)
{
	static const struct glint_http_header h[] = {{"X-Test", "kvfn"}};
	struct glint_fetch f = {
		.method = method,
		.url = url,
		.headers = h,
		.nheaders = 1,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.max_redirects = redirects,
		.resp_buf = buf,
		.resp_cap = sizeof(buf),
	};
	int rc = glint_http_fetch(&f);
	const char *m = glint_fetch_header(&f, "x-method");
	const char *got = glint_fetch_header(&f, "X-Got-X-Test");

	glint_printf("rc=%d status=%d method=%s got=%s len=%zu body=", rc,
		     f.status, m ? m : "-", got ? got : "-", f.resp_body_len);
	if (rc == 0)
		glint_write(f.resp_body, f.resp_body_len);
}

static void loops(const char *what, const char *url)
{
	long rc = 0;
	unsigned n = 0;

	while (n < 1000000) {
		if (!strcmp(what, "fetchloop")) {
			struct glint_fetch f = {.url = url,
						.resp_buf = buf,
						.resp_cap = sizeof(buf)};
			rc = glint_http_fetch(&f);
		} else {
			rc = glint_kv_get("loop", 4, buf, sizeof(buf));
			if (rc == GLINT_E_NOTFOUND)
				rc = 0;
		}
		if (rc < 0)
			break;
		n++;
	}
	glint_printf("n=%u rc=%ld", n, rc);
}

/* Records that break the rules of glint_abi.h. */
static void raw(const char *m)
{
	struct glint_hostcall_kv k = {.key_len = 3};
	struct glint_hostcall_fetch f = {.url_len = 5, .headers_len = 3};
	uint8_t req[64];
	long rc = 0;

	memset(req, 'a', sizeof(req));
	if (!strcmp(m, "raw-short")) {
		rc = glint_hostcall(GLINT_HOSTCALL_KV_GET, &k, 4, buf, 16);
	} else if (!strcmp(m, "raw-lie")) {
		k.key_len = 100000; /* the request holds 3 */
		memcpy(req, &k, sizeof(k));
		rc = glint_hostcall(GLINT_HOSTCALL_KV_GET, req, sizeof(k) + 3,
				    buf, 16);
	} else if (!strcmp(m, "raw-flags")) {
		k.flags = 1;
		memcpy(req, &k, sizeof(k));
		rc = glint_hostcall(GLINT_HOSTCALL_KV_GET, req, sizeof(k) + 3,
				    buf, 16);
	} else if (!strcmp(m, "raw-hdr")) {
		memcpy(req, &f, sizeof(f)); /* headers "aaa" without a NUL */
		rc = glint_hostcall(GLINT_HOSTCALL_FETCH, req, sizeof(f) + 8,
				    buf, sizeof(buf));
	} else if (!strcmp(m, "raw-lie-fetch")) {
		f.body_len = 0xffffffffu;
		memcpy(req, &f, sizeof(f));
		rc = glint_hostcall(GLINT_HOSTCALL_FETCH, req, sizeof(f) + 8,
				    buf, sizeof(buf));
	}
	glint_printf("unexpected rc=%ld", rc); /* the host ends the call */
}

static int refused(const char *m)
{
	static char big[600];
	long rc;

	memset(big, 'k', sizeof(big));
	if (!strcmp(m, "bigkey"))
		rc = glint_kv_set(big, sizeof(big), "v", 1, 0);
	else if (!strcmp(m, "emptykey"))
		rc = glint_kv_set("", 0, "v", 1, 0);
	else if (!strcmp(m, "badttl"))
		rc = glint_hostcall(GLINT_HOSTCALL_KV_SET,
				    &(struct glint_hostcall_kv){.arg = -5}, 24,
				    NULL, 0);
	else if (!strcmp(m, "badlimit"))
		rc = glint_kv_list("", 0, NULL, 0, 5000, buf, sizeof(buf),
				   &(struct glint_kv_page){0});
	else
		return 0;
	glint_printf("rc=%ld", rc);
	return 1;
}

static void kv(char **w, int n)
{
	long rc;
	int64_t v = 0;

	if (!strcmp(w[0], "get") && n == 2) {
		rc = glint_kv_get(w[1], strlen(w[1]), buf, sizeof(buf));
		if (rc >= 0) {
			glint_write_str("val=");
			glint_write(buf, (size_t)rc);
		} else {
			glint_printf("rc=%ld", rc);
		}
	} else if (!strcmp(w[0], "set") && n >= 3) {
		rc = glint_kv_set(w[1], strlen(w[1]), w[2], strlen(w[2]),
				  n > 3 ? strtoull(w[3], NULL, 10) : 0);
		glint_printf("rc=%ld", rc);
	} else if (!strcmp(w[0], "del") && n == 2) {
		glint_printf("rc=%d", glint_kv_delete(w[1], strlen(w[1])));
	} else if (!strcmp(w[0], "incr") && n == 3) {
		rc = glint_kv_incr(w[1], strlen(w[1]), strtoll(w[2], NULL, 10),
				   &v);
		glint_printf("rc=%ld v=%lld", rc, (long long)v);
	} else if (!strcmp(w[0], "cas") && n == 4) {
		int absent = !strcmp(w[2], "-");

		rc = glint_kv_cas(w[1], strlen(w[1]), absent ? NULL : w[2],
				  absent ? 0 : strlen(w[2]), w[3],
				  strlen(w[3]));
		glint_printf("rc=%ld", rc);
	} else if (!strcmp(w[0], "list") && n == 3) {
		do_list(w[1], (unsigned)strtoul(w[2], NULL, 10));
	} else {
		glint_printf("bad command");
	}
}

static void byteloop(char **w)
{
	size_t len = strtoul(w[2], NULL, 10);
	uint8_t *v = malloc(len + 1);
	unsigned n = 0;
	long rc = 0;

	pattern(v, len);
	while (n < 100000 && rc >= 0) {
		if (!strcmp(w[0], "getloop"))
			rc = glint_kv_get(w[1], strlen(w[1]), buf, sizeof(buf));
		else
			rc = glint_kv_set(w[1], strlen(w[1]), v, len, 0);
		n += rc >= 0;
	}
	free(v);
	glint_printf("n=%u rc=%ld", n, rc);
}

static void bin(char **w, int n)
{
	size_t len = n == 3 ? strtoul(w[2], NULL, 10) : 0;
	uint8_t *want = malloc(len + 1);
	long rc;

	pattern(want, len);
	if (!strcmp(w[0], "setbin")) {
		rc = glint_kv_set(w[1], strlen(w[1]), want, len, 0);
		glint_printf("rc=%ld", rc);
	} else {
		rc = glint_kv_get(w[1], strlen(w[1]), buf, sizeof(buf));
		glint_printf("rc=%ld match=%d", rc,
			     rc == (long)len && memcmp(buf, want, len) == 0);
	}
	free(want);
}

void glint_handle(const char *in, size_t in_len)
{
	char cmd[512], *w[8];
	int n;

	if (in_len >= sizeof(cmd))
		glint_fail("command too long");
	memcpy(cmd, in, in_len);
	cmd[in_len] = '\0';
	n = words(cmd, w, 8);
	if (n == 0)
		glint_fail("empty command");
	if (!strncmp(w[0], "raw-", 4))
		raw(w[0]);
	else if (refused(w[0]))
		;
	else if (!strcmp(w[0], "fetch") && n >= 2)
		do_fetch(w[1], n > 2 ? w[2] : NULL, n > 3 ? w[3] : NULL, 0);
	else if (!strcmp(w[0], "fetchr") && n == 2)
		do_fetch(w[1], NULL, NULL, 5);
	else if ((!strcmp(w[0], "fetchloop") && n == 2) ||
		 !strcmp(w[0], "kvloop"))
		loops(w[0], n > 1 ? w[1] : "");
	else if ((!strcmp(w[0], "getloop") || !strcmp(w[0], "setloop")) &&
		 n == 3)
		byteloop(w);
	else if (!strcmp(w[0], "bench") && n == 3)
		bench(w[1], (unsigned)strtoul(w[2], NULL, 10));
	else if (!strcmp(w[0], "getsmall") && n == 2)
		glint_printf("rc=%ld",
			     glint_kv_get(w[1], strlen(w[1]), buf, 1));
	else if ((!strcmp(w[0], "setbin") || !strcmp(w[0], "getbin")) && n == 3)
		bin(w, n);
	else
		kv(w, n);
}
