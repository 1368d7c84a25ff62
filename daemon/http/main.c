/* main.c: glintd entry point; wires config, logging, metrics, engine, API and HTTP on one loop. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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
	int argc; /* kept to build the settings again on reload */
	char **argv;
	uv_loop_t loop;
	uv_poll_t signals;	      /* SIGTERM, SIGINT, SIGHUP, read */
	int signal_fd;		      /* from a signalfd */
	uv_timer_t ready_timer;	      /* polls engine_ready until READY=1 */
	uv_timer_t hold_timer;	      /* ends the start-up hold */
	struct sockaddr_storage addr; /* where we serve */
	char host[64];
	int listen_fd;	     /* ours until the HTTP server takes it */
	uint64_t started_ms; /* loop time at start */
	struct metrics *metrics;
	struct engine *engine;
	struct api *api;
	struct http_server *http;
	int ready_sent;
	int stopping;
	int failed; /* exit status 1 */
};

/* A start-up error line, with its journal priority when that is stderr. */
static void startup_error(const char *msg)
{
	fprintf(stderr, "%sglintd: %s\n", log_stream_prefix(LOG_LEVEL_ERROR),
		msg);
}

static void close_handles(struct glintd *g)
{
	uv_close((uv_handle_t *)&g->signals, NULL);
	if (g->signal_fd >= 0)
		close(g->signal_fd); /* no longer polled: uv_close stopped it */
	g->signal_fd = -1;
	uv_close((uv_handle_t *)&g->ready_timer, NULL);
	uv_close((uv_handle_t *)&g->hold_timer, NULL);
	if (g->listen_fd >= 0 && !g->http)
		close(g->listen_fd); /* never handed over */
	g->listen_fd = -1;
}

static void on_drained(void *opaque)
{
	struct glintd *g = opaque;

	http_destroy(g->http);
	g->http = NULL;
	close_handles(g);
	log_msg(LOG_LEVEL_INFO, "stopped");
}

static void on_engine_stopped(void *opaque)
{
	struct glintd *g = opaque;

	/* Answers of the last calls may still be on their way out. */
	if (g->http)
		http_drain(g->http, 1000, on_drained, g);
	else
		on_drained(g);
}

static void on_stop_request(struct glintd *g, int signum)
{
	if (g->stopping) {
		log_msg(LOG_LEVEL_WARN, "shutdown already in progress");
		return;
	}
	g->stopping = 1;
	uv_timer_stop(&g->ready_timer);
	uv_timer_stop(&g->hold_timer);
	service_notify("STOPPING=1\nSTATUS=stopping");
	log_msg(LOG_LEVEL_INFO, "%s: stopping (grace %u ms)", strsignal(signum),
		g->cfg.shutdown_grace_ms);
	if (g->http)
		http_quiesce(g->http);
	api_set_shutting_down(g->api);
	engine_shutdown(g->engine, g->cfg.shutdown_grace_ms, on_engine_stopped,
			g);
}

static void on_start_failed(void *opaque)
{
	close_handles(opaque);
}

/* Starts answering HTTP on the listening socket; connections that arrived
 * earlier have waited in its backlog. */
static int open_http(struct glintd *g)
{
	struct http_config hc = {
		.listen_fd = g->listen_fd,
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

	uv_timer_stop(&g->hold_timer);
	if (g->http || g->stopping)
		return 0;
	api_http_handlers(g->api, &hh);
	rc = http_create(&g->loop, &hc, &hh, &g->http, err, sizeof(err));
	if (rc < 0) {
		log_msg(LOG_LEVEL_ERROR, "%s", err);
		return rc;
	}
	g->listen_fd = -1; /* the server owns it now */
	return 0;
}

/* A server that cannot answer is of no use: stop, exit status 1. */
static void fail_http(struct glintd *g)
{
	g->stopping = g->failed = 1;
	uv_timer_stop(&g->ready_timer);
	service_notify("STATUS=cannot serve HTTP");
	engine_shutdown(g->engine, 0, on_engine_stopped, g);
}

/* The bounded wait is over and functions are still loading: serve what is
 * there; a call to a function not yet loaded gets 503 with Retry-After. */
static void on_hold_expired(uv_timer_t *t)
{
	struct glintd *g = t->data;

	log_msg(LOG_LEVEL_WARN,
		"not ready after startup_hold_ms=%u: answering requests "
		"while stored functions load",
		g->cfg.startup_hold_ms);
	if (open_http(g) < 0)
		fail_http(g);
}

static size_t function_count(struct glintd *g)
{
	json_t *list = engine_list(g->engine);
	size_t n;

	if (json_is_object(list))
		n = json_array_size(json_object_get(list, "functions"));
	else
		n = json_array_size(list);
	json_decref(list);
	return n;
}

/* READY=1 only once stored functions are loaded and KVM works, so a
 * manager ordering units after glintd (or a socket client) finds it able
 * to serve. The HTTP server opens at the same moment, unless the start-up
 * hold ended first. */
static void on_ready_poll(uv_timer_t *t)
{
	struct glintd *g = t->data;
	size_t n;
	char status[128];

	if (g->stopping || !engine_ready(g->engine))
		return;
	uv_timer_stop(t);
	if (open_http(g) < 0) {
		fail_http(g);
		return;
	}
	n = function_count(g);
	snprintf(status, sizeof(status),
		 "READY=1\nSTATUS=serving %zu function(s)", n);
	service_notify(status);
	g->ready_sent = 1;
	log_msg(LOG_LEVEL_INFO,
		"ready (%zu stored function(s) loaded after %llu ms)", n,
		(unsigned long long)(uv_now(&g->loop) - g->started_ms));
}

/* sd_notify(3): RELOADING=1 carries CLOCK_MONOTONIC in microseconds. */
static void notify_reloading(void)
{
	struct timespec ts;
	char msg[96];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ull +
			 (unsigned long long)ts.tv_nsec / 1000ull);
	service_notify(msg);
}

/* SIGHUP: settings and secrets read again; what can change live does. */
static void on_reload(struct glintd *g)
{
	struct glintd_config_reload_report rep;
	char status[320];

	if (g->stopping)
		return;
	if (g->ready_sent)
		notify_reloading();
	if (glintd_config_reload(&g->cfg, g->argc, g->argv,
				 (struct sockaddr *)&g->addr, &rep) < 0) {
		log_msg(LOG_LEVEL_ERROR,
			"reload failed, running on with the previous "
			"settings: %s",
			rep.error);
		snprintf(status, sizeof(status), "STATUS=reload failed: %.200s",
			 rep.error);
	} else {
		log_msg(LOG_LEVEL_INFO, "reloaded %s: applied: %s",
			g->cfg.config_path[0] ? g->cfg.config_path
					      : "(no config file)",
			rep.applied[0] ? rep.applied : "no changes");
		if (rep.restart_needed[0])
			log_msg(LOG_LEVEL_WARN,
				"reload: changed but only applied by a "
				"restart: %s",
				rep.restart_needed);
		snprintf(status, sizeof(status), "STATUS=reloaded%s%.200s",
			 rep.restart_needed[0] ? "; restart needed for " : "",
			 rep.restart_needed);
	}
	if (g->ready_sent) {
		/* READY=1 ends the reload for the manager. */
		size_t o = strlen(status);

		snprintf(status + o, sizeof(status) - o, "\nREADY=1");
	}
	service_notify(status);
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
static int check_startup(struct glintd *g, int fd)
{
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
		rc = listen_address(g, fd, &g->addr, g->host, sizeof(g->host));
	if (rc == 0)
		rc = glintd_config_check_exposure(
			&g->cfg, (struct sockaddr *)&g->addr, err, sizeof(err));
	if (rc == 0)
		glintd_config_resolve(&g->cfg, (struct sockaddr *)&g->addr);
	if (rc < 0) {
		startup_error(err[0] ? err : strerror(-rc));
		service_notify("STATUS=configuration error");
	}
	return rc;
}

/*
 * The listening socket exists before anything loads, whether systemd
 * passed it or we bind it here: a client connecting during start-up is
 * queued by the kernel instead of refused, and is answered once the
 * stored functions are loaded (or startup_hold_ms has passed).
 */
static int bind_listener(struct glintd *g)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&g->addr;
	socklen_t len = sizeof(*sin);
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)sin, sizeof(*sin)) < 0 ||
	    listen(fd, SOMAXCONN) < 0 ||
	    getsockname(fd, (struct sockaddr *)sin, &len) < 0) {
		int rc = -errno;

		log_msg(LOG_LEVEL_ERROR, "cannot listen on %s:%u: %s", g->host,
			(unsigned)g->cfg.listen_port, strerror(-rc));
		close(fd);
		return rc;
	}
	g->listen_fd = fd;
	return 0;
}

static uint16_t bound_port(const struct glintd *g)
{
	const struct sockaddr_in *sin = (const void *)&g->addr;
	const struct sockaddr_in6 *sin6 = (const void *)&g->addr;

	if (g->addr.ss_family == AF_INET)
		return ntohs(sin->sin_port);
	if (g->addr.ss_family == AF_INET6)
		return ntohs(sin6->sin6_port);
	return 0;
}

/* Under systemd glintd is a dynamic user: "add the user to the kvm group"
 * cannot be followed; the device's group and mode are what to check. */
static void kvm_hint(const char *err)
{
	if (!getenv("INVOCATION_ID") || !strstr(err, "/dev/kvm") ||
	    !strstr(err, strerror(EACCES)))
		return;
	log_msg(LOG_LEVEL_ERROR,
		"glintd.service runs as a dynamic user in group kvm "
		"(SupplementaryGroups=kvm): /dev/kvm must be group kvm, mode "
		"0660 (ls -l /dev/kvm; Debian's udev rules make it so)");
}

static int start(struct glintd *g, int fd)
{
	char err[512] = "";
	int rc;

	g->listen_fd = fd;
	if (fd < 0 && (rc = bind_listener(g)) < 0)
		return rc;
	rc = metrics_create(&g->metrics);
	if (rc < 0)
		return rc;
	metrics_set_max_functions(g->metrics, g->cfg.metrics_max_functions);
	rc = engine_create(&g->loop, &g->cfg.engine, g->metrics, &g->engine,
			   err, sizeof(err));
	if (rc < 0) {
		log_msg(LOG_LEVEL_ERROR, "engine: %s",
			err[0] ? err : strerror(-rc));
		kvm_hint(err);
		return rc;
	}
	rc = api_create(g->engine, g->metrics, &g->cfg, &g->api);
	if (rc < 0)
		return rc;
	log_msg(LOG_LEVEL_INFO, "listening on %s:%u%s%s (state in %s%s%s)",
		g->host, (unsigned)bound_port(g),
		fd >= 0 ? ", socket from the service manager" : "",
		g->cfg.tls_cert_pem ? ", https" : "", g->cfg.state_dir,
		g->cfg.config_path[0] ? ", config " : "", g->cfg.config_path);
	g->started_ms = uv_now(&g->loop);
	uv_timer_start(&g->ready_timer, on_ready_poll, 0, 5);
	uv_timer_start(&g->hold_timer, on_hold_expired, g->cfg.startup_hold_ms,
		       0);
	return 0;
}

/* Puts the calling thread, and so every thread it starts afterwards, under
 * SCHED_BATCH. 0 or -errno (a seccomp filter can refuse it). */
static int run_under_batch_scheduling(void)
{
	const struct sched_param none = {.sched_priority = 0};

	return sched_setscheduler(0, SCHED_BATCH, &none) == 0 ? 0 : -errno;
}

/* Stop and reload requests are never delivered as signals: they stay
 * blocked in every thread (all inherit the mask of main) and are read from
 * a signalfd on the loop. No thread can be killed by one, whatever phase of
 * start-up or teardown it lands in, and one arriving after the loop is gone
 * stays pending until the process has exited. */
static void blocked_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

static void on_signals(uv_poll_t *h, int status, int events)
{
	struct glintd *g = h->data;
	struct signalfd_siginfo si;

	(void)status;
	(void)events;
	while (read(g->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			on_reload(g);
		else
			on_stop_request(g, (int)si.ssi_signo);
		if (g->signal_fd < 0)
			break; /* a stop that finished at once closed it */
	}
}

static int watch_signals(struct glintd *g)
{
	sigset_t set;

	blocked_signals(&set);
	g->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (g->signal_fd < 0)
		return -errno;
	uv_poll_init(&g->loop, &g->signals, g->signal_fd);
	g->signals.data = g;
	uv_poll_start(&g->signals, UV_READABLE, on_signals);
	uv_timer_init(&g->loop, &g->ready_timer);
	uv_timer_init(&g->loop, &g->hold_timer);
	g->ready_timer.data = g->hold_timer.data = g;
	return 0;
}

int main(int argc, char **argv)
{
	static struct glintd g = {.listen_fd = -1, .signal_fd = -1};
	char err[512] = "";
	int rc, fd, nfds;
	sigset_t stop_signals;

	/* Before any thread exists, so that every thread inherits it. */
	blocked_signals(&stop_signals);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

	g.argc = argc;
	g.argv = argv;
	glintd_config_default(&g.cfg);
	rc = glintd_config_parse_args(&g.cfg, argc, argv, err, sizeof(err));
	if (rc == 1)
		return 0;
	if (rc < 0) {
		startup_error(err);
		if (!g.cfg.config_path[0] && strstr(err, "--") == NULL &&
		    strncmp(err, "unexpected", 10) != 0)
			return 2; /* a config file error: usage is noise */
		fprintf(stderr, "Try 'glintd --help'.\n");
		return 2;
	}
	log_set_level(g.cfg.log_level);
	nfds = service_listen_fds(&fd);
	if (nfds < 0) {
		startup_error("bad LISTEN_FDS from the service manager");
		return 2;
	}
	if (nfds > 1)
		log_msg(LOG_LEVEL_WARN,
			"%d sockets passed; serving the first "
			"only",
			nfds);
	if (check_startup(&g, fd) < 0) {
		glintd_config_release(&g.cfg);
		return 2;
	}
	/* Before any thread exists, so that every thread inherits it. */
	rc = g.cfg.batch_scheduling ? run_under_batch_scheduling() : 0;
	if (rc < 0)
		log_msg(LOG_LEVEL_WARN,
			"batch_scheduling: cannot run under SCHED_BATCH (%s); "
			"threads keep the policy glintd was started with",
			strerror(-rc));
	/* A client that goes away mid-response must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	uv_loop_init(&g.loop);
	rc = watch_signals(&g);
	if (rc < 0) {
		startup_error("cannot watch for stop requests (signalfd)");
		glintd_config_release(&g.cfg);
		return 2;
	}
	rc = start(&g, fd);
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
	return rc || g.failed ? 1 : 0;
}
