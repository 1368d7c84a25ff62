/* services.c: the stores functions reach through host calls (key-value
 * state and outbound HTTP), opened with the engine and closed after its
 * last call. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "fetch.h"
#include "kv.h"
#include "log.h"

static int open_kv(struct engine *e, char *err, size_t err_len)
{
	struct kv_config kc = {0};
	char msg[256] = "";
	char *dir = NULL;
	int ret;

	kc.backend = e->cfg.kv_backend == KV_REDIS ? KV_REDIS : KV_EMBEDDED;
	kc.max_key = e->cfg.kv_max_key_bytes;
	kc.max_value = e->cfg.kv_max_value_bytes;
	kc.map_size = e->cfg.kv_map_bytes;
	kc.redis_url = e->cfg.kv_redis_url;
	if (kc.backend == KV_EMBEDDED) {
		/* Its own directory: LMDB keeps two files there. */
		if (asprintf(&dir, "%s/kv", e->state_dir) < 0) {
			snprintf(err, err_len, "out of memory");
			return -ENOMEM;
		}
		kc.dir = dir;
	} else if (kc.redis_url == NULL || !kc.redis_url[0]) {
		snprintf(err, err_len,
			 "kv_backend \"redis\" needs kv_redis_url");
		return -EINVAL;
	}
	ret = kv_open(e->loop, &kc, &e->kv, msg, sizeof(msg));
	if (ret < 0)
		snprintf(err, err_len, "cannot open the %s key-value store: %s",
			 kc.backend == KV_REDIS ? "redis" : "embedded", msg);
	free(dir);
	return ret;
}

static int open_fetch(struct engine *e, char *err, size_t err_len)
{
	struct fetch_config fc;
	int ret;

	fetch_config_default(&fc);
	if (e->cfg.fetch_timeout_ms)
		fc.default_timeout_ms = e->cfg.fetch_timeout_ms;
	if (e->cfg.fetch_max_response_bytes)
		fc.max_response_bytes = e->cfg.fetch_max_response_bytes;
	fc.resolve = e->cfg.fetch_resolve;
	fc.n_resolve = e->cfg.fetch_n_resolve;
	ret = fetch_create(e->loop, &fc, &e->fetch);
	if (ret < 0)
		snprintf(err, err_len,
			 "cannot start the outbound HTTP client: %s",
			 strerror(-ret));
	return ret;
}

int services_open(struct engine *e, char *err, size_t err_len)
{
	int ret = open_kv(e, err, err_len);

	if (ret < 0)
		return ret;
	ret = open_fetch(e, err, err_len);
	if (ret < 0) {
		kv_close(e->kv);
		e->kv = NULL;
	}
	return ret;
}

void services_close(struct engine *e)
{
	/* Both free their memory once the loop has run their handles'
	 * close callbacks; glintd runs the loop until it is empty. */
	fetch_destroy(e->fetch);
	e->fetch = NULL;
	if (e->kv)
		kv_close(e->kv);
	e->kv = NULL;
}

struct kv *engine_kv(struct engine *e)
{
	return e->kv;
}
