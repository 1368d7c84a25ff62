/* main.c: glintd entry point; wires config, logging, metrics, engine, API and HTTP on one loop. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "api.h"
#include "engine.h"
#include "glintd_config.h"
#include "http.h"
#include "log.h"
#include "metrics.h"

struct glintd {
	struct glintd_config cfg;
	uv_loop_t loop;
	uv_signal_t sigterm, sigint;
	struct metrics *metrics;
	struct engine *engine;
	struct api *api;
	struct http_server *http;
	int stopping;
};

static void on_drained(void *opaque)
{
	struct glintd *g = opaque;

	http_destroy(g->http);
	g->http = NULL;
	uv_close((uv_handle_t *)&g->sigterm, NULL);
	uv_close((uv_handle_t *)&g->sigint, NULL);
	log_msg(LOG_LEVEL_INFO, "stopped");
}

static void on_engine_stopped(void *opaque)
{
	struct glintd *g = opaque;

	/* Answers of the last calls may still be on their way out. */
	http_drain(g->http, 1000, on_drained, g);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct glintd *g = h->data;

	if (g->stopping) {
		log_msg(LOG_LEVEL_WARN, "shutdown already in progress");
		return;
	}
	g->stopping = 1;
	log_msg(LOG_LEVEL_INFO, "%s: stopping (grace %u ms)", strsignal(signum),
		g->cfg.shutdown_grace_ms);
	http_quiesce(g->http);
	api_set_shutting_down(g->api);
	engine_shutdown(g->engine, g->cfg.shutdown_grace_ms, on_engine_stopped,
			g);
}

static void on_start_failed(void *opaque)
{
	struct glintd *g = opaque;

	uv_close((uv_handle_t *)&g->sigterm, NULL);
	uv_close((uv_handle_t *)&g->sigint, NULL);
}

static int start(struct glintd *g)
{
	struct http_config hc = {
		.host = g->cfg.listen_host,
		.port = g->cfg.listen_port,
		.max_connections = g->cfg.max_connections,
		.connection_timeout_s = g->cfg.connection_timeout_s,
		.connection_memory_bytes = g->cfg.connection_memory_bytes,
	};
	struct http_handlers hh;
	char err[512] = "";
	int rc;

	rc = metrics_create(&g->metrics);
	if (rc < 0)
		return rc;
	rc = engine_create(&g->loop, &g->cfg.engine, g->metrics, &g->engine,
			   err, sizeof(err));
	if (rc < 0) {
		log_msg(LOG_LEVEL_ERROR, "engine: %s",
			err[0] ? err : strerror(-rc));
		return rc;
	}
	rc = api_create(g->engine, g->metrics, &g->cfg, &g->api);
	if (rc < 0)
		return rc;
	api_http_handlers(g->api, &hh);
	rc = http_create(&g->loop, &hc, &hh, &g->http, err, sizeof(err));
	if (rc < 0) {
		log_msg(LOG_LEVEL_ERROR, "%s", err);
		return rc;
	}
	log_msg(LOG_LEVEL_INFO, "listening on %s:%u (state in %s)",
		g->cfg.listen_host, (unsigned)http_port(g->http),
		g->cfg.state_dir);
	return 0;
}

static void watch_signals(struct glintd *g)
{
	uv_signal_init(&g->loop, &g->sigterm);
	uv_signal_init(&g->loop, &g->sigint);
	g->sigterm.data = g->sigint.data = g;
	uv_signal_start(&g->sigterm, on_signal, SIGTERM);
	uv_signal_start(&g->sigint, on_signal, SIGINT);
}

int main(int argc, char **argv)
{
	static struct glintd g;
	char err[256] = "";
	int rc;

	glintd_config_default(&g.cfg);
	rc = glintd_config_parse_args(&g.cfg, argc, argv, err, sizeof(err));
	if (rc == 1)
		return 0;
	if (rc < 0) {
		fprintf(stderr, "glintd: %s\n", err);
		glintd_config_usage(stderr);
		return 2;
	}
	log_set_level(g.cfg.log_level);
	/* A client that goes away mid-response must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	uv_loop_init(&g.loop);
	watch_signals(&g);
	rc = start(&g);
	if (rc == 0) {
		uv_run(&g.loop, UV_RUN_DEFAULT);
	} else {
		/* Workers may be running already: stop them before leaving. */
		g.stopping = 1;
		if (g.engine)
			engine_shutdown(g.engine, 0, on_start_failed, &g);
		else
			on_start_failed(&g);
		uv_run(&g.loop, UV_RUN_DEFAULT);
	}
	engine_destroy(g.engine);
	api_destroy(g.api);
	metrics_destroy(g.metrics);
	if (uv_loop_close(&g.loop) != 0)
		log_msg(LOG_LEVEL_WARN, "loop closed with handles open");
	return rc ? 1 : 0;
}
