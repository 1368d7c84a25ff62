/* main.c: glintd entry point; wires config, logging, metrics, engine, API and HTTP on one loop. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <uv.h>

#include "api.h"
#include "engine.h"
#include "glintd_config.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "service.h"

struct glintd {
	struct glintd_config cfg;
	uv_loop_t loop;
	uv_signal_t sigterm, sigint;
	uv_timer_t ready_timer; /* polls engine_ready until READY=1 */
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
	/* Closing the watchers restored the default action; a repeated stop
	 * request during the last teardown must not turn a clean exit 0 into
	 * death by signal. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	uv_close((uv_handle_t *)&g->ready_timer, NULL);
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
	uv_timer_stop(&g->ready_timer);
	service_notify("STOPPING=1\nSTATUS=stopping");
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
	uv_close((uv_handle_t *)&g->ready_timer, NULL);
}

/* READY=1 only once stored functions are loaded and KVM works, so a
 * manager ordering units after glintd (or a socket client) finds it able
 * to serve. */
static void on_ready_poll(uv_timer_t *t)
{
	struct glintd *g = t->data;
	json_t *list;
	size_t n = 0;
	char status[128];

	if (g->stopping || !engine_ready(g->engine))
		return;
	uv_timer_stop(t);
	list = engine_list(g->engine);
	if (json_is_object(list))
		n = json_array_size(json_object_get(list, "functions"));
	else
		n = json_array_size(list);
	json_decref(list);
	snprintf(status, sizeof(status),
		 "READY=1\nSTATUS=serving %zu "
		 "function(s)",
		 n);
	service_notify(status);
	log_msg(LOG_LEVEL_INFO, "ready (%zu stored function(s) loaded)", n);
}

/* Where we will serve: the passed socket's address, or the configured one. */
static int listen_address(struct glintd *g, int fd, struct sockaddr_storage *ss,
			  char *text, size_t text_len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	socklen_t len = sizeof(*ss);
	char host[INET6_ADDRSTRLEN] = "?";

	memset(ss, 0, sizeof(*ss));
	if (fd < 0) {
		sin->sin_family = AF_INET;
		inet_pton(AF_INET, g->cfg.listen_host, &sin->sin_addr);
		sin->sin_port = htons(g->cfg.listen_port);
	} else if (getsockname(fd, (struct sockaddr *)ss, &len) < 0) {
		return -errno;
	}
	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
	snprintf(text, text_len, "%s", host);
	return 0;
}

/* Settings problems found before anything starts: exit 2. */
static int check_startup(struct glintd *g, int fd, char *host, size_t len)
{
	struct sockaddr_storage ss;
	char err[512] = "";
	int rc;

	rc = glintd_config_load_secrets(&g->cfg, err, sizeof(err));
	if (rc == 0 && g->cfg.tls_cert_pem && !http_tls_supported()) {
		snprintf(err, sizeof(err),
			 "TLS is configured but this "
			 "libmicrohttpd was built without TLS support");
		rc = -ENOTSUP;
	}
	if (rc == 0)
		rc = listen_address(g, fd, &ss, host, len);
	if (rc == 0)
		rc = glintd_config_check_exposure(
			&g->cfg, (struct sockaddr *)&ss, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "glintd: %s\n", err[0] ? err : strerror(-rc));
		service_notify("STATUS=configuration error");
	}
	return rc;
}

static int start(struct glintd *g, int fd, const char *host)
{
	struct http_config hc = {
		.host = g->cfg.listen_host,
		.port = g->cfg.listen_port,
		.listen_fd = fd,
		.max_connections = g->cfg.max_connections,
		.max_connections_per_ip = g->cfg.max_connections_per_ip,
		.connection_timeout_s = g->cfg.connection_timeout_s,
		.request_head_timeout_s = g->cfg.request_head_timeout_s,
		.min_body_bytes_per_s = g->cfg.min_body_bytes_per_s,
		.connection_memory_bytes = g->cfg.connection_memory_bytes,
		.tls_cert_pem = g->cfg.tls_cert_pem,
		.tls_key_pem = g->cfg.tls_key_pem,
	};
	struct http_handlers hh;
	char err[512] = "";
	int rc;

	rc = metrics_create(&g->metrics);
	if (rc < 0)
		return rc;
	metrics_set_max_functions(g->metrics, g->cfg.metrics_max_functions);
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
	log_msg(LOG_LEVEL_INFO, "listening on %s:%u%s%s (state in %s%s%s)",
		host, (unsigned)http_port(g->http),
		fd >= 0 ? ", socket from the service manager" : "",
		hc.tls_cert_pem ? ", https" : "", g->cfg.state_dir,
		g->cfg.config_path[0] ? ", config " : "", g->cfg.config_path);
	uv_timer_start(&g->ready_timer, on_ready_poll, 0, 5);
	return 0;
}

static void watch_signals(struct glintd *g)
{
	uv_signal_init(&g->loop, &g->sigterm);
	uv_signal_init(&g->loop, &g->sigint);
	g->sigterm.data = g->sigint.data = g;
	uv_signal_start(&g->sigterm, on_signal, SIGTERM);
	uv_signal_start(&g->sigint, on_signal, SIGINT);
	uv_timer_init(&g->loop, &g->ready_timer);
	g->ready_timer.data = g;
}

int main(int argc, char **argv)
{
	static struct glintd g;
	char err[512] = "", host[64];
	int rc, fd, nfds;

	glintd_config_default(&g.cfg);
	rc = glintd_config_parse_args(&g.cfg, argc, argv, err, sizeof(err));
	if (rc == 1)
		return 0;
	if (rc < 0) {
		fprintf(stderr, "glintd: %s\n", err);
		if (!g.cfg.config_path[0] && strstr(err, "--") == NULL &&
		    strncmp(err, "unexpected", 10) != 0)
			return 2; /* a config file error: usage is noise */
		fprintf(stderr, "Try 'glintd --help'.\n");
		return 2;
	}
	log_set_level(g.cfg.log_level);
	nfds = service_listen_fds(&fd);
	if (nfds < 0) {
		fprintf(stderr, "glintd: bad LISTEN_FDS from the service "
				"manager\n");
		return 2;
	}
	if (nfds > 1)
		log_msg(LOG_LEVEL_WARN,
			"%d sockets passed; serving the first "
			"only",
			nfds);
	if (check_startup(&g, fd, host, sizeof(host)) < 0) {
		glintd_config_release(&g.cfg);
		return 2;
	}
	/* A client that goes away mid-response must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	uv_loop_init(&g.loop);
	watch_signals(&g);
	rc = start(&g, fd, host);
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
	glintd_config_release(&g.cfg);
	if (uv_loop_close(&g.loop) != 0)
		log_msg(LOG_LEVEL_WARN, "loop closed with handles open");
	return rc ? 1 : 0;
}
