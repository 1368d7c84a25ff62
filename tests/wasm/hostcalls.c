/* hostcalls.c: a WASI module (wasi-libc) calling glint's host calls
 * through glint_wasm.h; the request body names what to do:
 *   incr               counter += 1, prints the new value
 *   get KEY            prints the value of KEY
 *   kv                 set, list (paged), cas, delete on keys "p/..."
 *   fetch URL          prints status, the X-Origin header line and body
 *   oob                passes kv_get a key past the end of memory
 * Deployed as "hc-early", it calls kv_incr during start-up, before it
 * reads stdin (GLINT_FUNCTION is in the start-up environment).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glint_wasm.h"

static char in[512];
static char val[4096];

static void incr(void)
{
	int64_t v = 0;
	int32_t ret = glint_wasm_kv_incr_str("counter", 1, &v);

	if (ret < 0)
		printf("error %d\n", ret);
	else
		printf("%lld\n", (long long)v);
}

static void get(const char *key)
{
	int32_t n = glint_wasm_kv_get_str(key, val, sizeof(val));

	if (n < 0)
		printf("error %d\n", n);
	else
		printf("%.*s\n", (int)n, val);
}

/* Every key under p/, one a page, in order. */
static void list_all(void)
{
	struct glint_wasm_kv_page pg;
	char cursor[256], buf[1024];
	uint32_t clen = 0;

	do {
		int32_t ret = glint_wasm_kv_list("p/", 2, cursor, clen, 1, buf,
						 sizeof(buf), &pg);
		const char *k = (const char *)(uintptr_t)pg.keys;

		if (ret < 0) {
			printf("list error %d\n", ret);
			return;
		}
		for (uint32_t i = 0, off = 0; i < pg.nkeys; i++) {
			uint32_t l;

			memcpy(&l, k + off, 4);
			printf("key %.*s\n", (int)l, k + off + 4);
			off += 4 + l;
		}
		clen = pg.cursor_len;
		if (clen > sizeof(cursor))
			return;
		memcpy(cursor, (const void *)(uintptr_t)pg.cursor, clen);
	} while (clen);
}

static void kv(void)
{
	printf("set %d\n", glint_wasm_kv_set_str("p/a", "1", 0));
	printf("set %d\n", glint_wasm_kv_set_str("p/b", "2", 60000));
	list_all();
	printf("cas absent %d\n",
	       glint_wasm_kv_cas("p/a", 3, NULL, GLINT_WASM_ABSENT, "x", 1));
	printf("cas wrong %d\n", glint_wasm_kv_cas("p/a", 3, "9", 1, "x", 1));
	printf("cas %d\n", glint_wasm_kv_cas("p/a", 3, "1", 1, "3", 1));
	get("p/a");
	printf("delete %d\n", glint_wasm_kv_delete("p/a", 3));
	printf("delete %d\n", glint_wasm_kv_delete("p/a", 3));
	get("p/a");
	printf("get small %d\n", glint_wasm_kv_get("p/b", 3, val, 0));
}

static void fetch(const char *url)
{
	static char hdrs[2048];
	static const char send[] = "X-Test: yes\nAccept: text/plain\n";
	struct glint_wasm_fetch_req rq = {0};
	struct glint_wasm_fetch_resp rs = {0};
	int32_t ret;
	char *h;

	rq.url = (uint32_t)(uintptr_t)url;
	rq.url_len = (uint32_t)strlen(url);
	rq.headers = (uint32_t)(uintptr_t)send;
	rq.headers_len = sizeof(send) - 1;
	rs.headers = (uint32_t)(uintptr_t)hdrs;
	rs.headers_cap = sizeof(hdrs) - 1;
	rs.body = (uint32_t)(uintptr_t)val;
	rs.body_cap = sizeof(val);
	ret = glint_wasm_http_fetch(&rq, &rs);
	if (ret < 0) {
		printf("error %d\n", ret);
		return;
	}
	hdrs[rs.headers_len] = '\0';
	h = strstr(hdrs, "X-Origin: ");
	printf("status %u\n%.*s", rs.status,
	       h ? (int)(strcspn(h, "\n") + 1) : 0, h ? h : "");
	fwrite(val, 1, rs.body_len, stdout);
}

int main(void)
{
	const char *fn = getenv("GLINT_FUNCTION");
	size_t n;

	if (fn && strcmp(fn, "hc-early") == 0)
		incr();
	n = fread(in, 1, sizeof(in) - 1, stdin);

	in[n] = '\0';
	in[strcspn(in, "\n")] = '\0';
	printf("Content-Type: text/plain\n\n");
	if (strcmp(in, "incr") == 0)
		incr();
	else if (strncmp(in, "get ", 4) == 0)
		get(in + 4);
	else if (strcmp(in, "kv") == 0)
		kv();
	else if (strncmp(in, "fetch ", 6) == 0)
		fetch(in + 6);
	else if (strcmp(in, "oob") == 0)
		glint_wasm_kv_get((const void *)(uintptr_t)0xfffffff0u, 64, val,
				  sizeof(val));
	else
		printf("unknown command\n");
	return 0;
}
