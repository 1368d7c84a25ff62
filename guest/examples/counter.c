/* counter.c: a counter and fixed-window rate limiter on the key-value store.
 * Each call counts one hit for ?key=K in the current window; past
 * COUNTER_LIMIT hits (environment, default 5) in a COUNTER_WINDOW_S window
 * (default 60 s) it answers 429 with Retry-After until the window ends.
 *
 *   glint env set counter COUNTER_LIMIT=100 COUNTER_WINDOW_S=60
 *   curl 'localhost:8080/invoke/counter?key=alice'
 *   {"key":"alice","count":1,"limit":100,"remaining":99,"window_s":60}
 *
 * One key per (K, window): the store's atomic increment counts concurrent
 * calls exactly. The window's first hit gives the key a TTL of two windows
 * so that old windows leave no keys behind; the store has no "increment
 * and set expiry" in one step, so a hit landing between that first
 * increment and the TTL being set is not counted. */
#include <glint.h>
#include <glint_json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 64

static int64_t env_int(const char *name, int64_t dflt, int64_t max)
{
	const char *v = getenv(name);
	char *end;
	long long n;

	if (v == NULL || *v == '\0')
		return dflt;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || n < 1 || n > max)
		glint_fail("%s must be a whole number from 1 to %lld", name,
			   (long long)max);
	return n;
}

static int key_ok(const char *k)
{
	size_t n = k ? strlen(k) : 0;

	if (n == 0 || n > KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') ||
		      (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || strchr("-_.:@", k[i])))
			return 0;
	return 1;
}

static void answer_error(int status, const char *why)
{
	struct glint_json_writer out;

	glint_set_status(status);
	glint_json_writer_init(&out, NULL, NULL);
	glint_json_begin_object(&out);
	glint_json_key(&out, "error");
	glint_json_string(&out, why);
	glint_json_end_object(&out);
}

/* Counts one hit; n gets the window's count. 0 or a glint_error. */
static int hit(const char *key, int64_t window_s, int64_t window, int64_t *n)
{
	char k[KEY_MAX + 32];
	int len = snprintf(k, sizeof(k), "rl:%s:%lld", key, (long long)window);
	int rc = glint_kv_incr(k, (size_t)len, 1, n);

	if (rc == 0 && *n == 1)
		rc = glint_kv_set(k, (size_t)len, "1", 1,
				  (uint64_t)window_s * 2000);
	return rc;
}

void glint_handle(const char *input, size_t input_len)
{
	int64_t limit = env_int("COUNTER_LIMIT", 5, 1000000000);
	int64_t window_s = env_int("COUNTER_WINDOW_S", 60, 157680000);
	int64_t now_s = glint_wall_ns() / 1000000000, n = 0;
	int64_t window = now_s / window_s;
	const char *key = glint_request_query("key");
	struct glint_json_writer out;
	char buf[32];
	int rc;

	(void)input;
	(void)input_len;
	if (!key_ok(key)) {
		answer_error(400, "?key= must be 1 to 64 of A-Z, a-z, 0-9 and "
				  "-_.:@");
		return;
	}
	rc = hit(key, window_s, window, &n);
	if (rc < 0) {
		glint_log_error("counting %s failed: %d", key, rc);
		answer_error(503, "the counter store is unavailable");
		return;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)limit);
	glint_set_header("X-RateLimit-Limit", buf);
	snprintf(buf, sizeof(buf), "%lld",
		 (long long)(n < limit ? limit - n : 0));
	glint_set_header("X-RateLimit-Remaining", buf);
	if (n > limit) {
		snprintf(buf, sizeof(buf), "%lld",
			 (long long)((window + 1) * window_s - now_s));
		glint_set_header("Retry-After", buf);
		answer_error(429, "rate limit exceeded");
		return;
	}
	glint_json_writer_init(&out, NULL, NULL);
	glint_json_begin_object(&out);
	glint_json_key(&out, "key");
	glint_json_string(&out, key);
	glint_json_key(&out, "count");
	glint_json_int(&out, n);
	glint_json_key(&out, "limit");
	glint_json_int(&out, limit);
	glint_json_key(&out, "remaining");
	glint_json_int(&out, limit - n);
	glint_json_key(&out, "window_s");
	glint_json_int(&out, window_s);
	glint_json_end_object(&out);
}
