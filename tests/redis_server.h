/* redis_server.h: the throw-away redis-server of a test binary of the Redis
 * backend, run by tests/kv/redis_server.sh. */
#ifndef GLINT_TESTS_REDIS_SERVER_H
#define GLINT_TESTS_REDIS_SERVER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kvm_required.h"

struct test_redis {
	char dir[64];  /* its data, pid file and log */
	char port[16]; /* on 127.0.0.1; kept across a restart */
	char url[48];  /* redis://127.0.0.1:PORT, for kv_redis_url */
};

/* Runs redis_server.sh ACTION ("start" or "stop") for r: a start uses r's
 * port once it has one and records the port the script prints. Returns the
 * script's exit status, or -1 when it could not run. */
static inline int test_redis_script(struct test_redis *r, const char *action)
{
	const char *src = getenv("GLINT_SRCDIR") ? getenv("GLINT_SRCDIR") : ".";
	int start = strcmp(action, "start") == 0;
	char cmd[600], line[16] = "";
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd),
		 "bash '%s/tests/kv/redis_server.sh' %s '%s' %s", src, action,
		 r->dir, start ? r->port : "");
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	if (fgets(line, sizeof(line), p) && start) {
		snprintf(r->port, sizeof(r->port), "%.*s",
			 (int)strcspn(line, "\n"), line);
		snprintf(r->url, sizeof(r->url), "redis://127.0.0.1:%s",
			 r->port);
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Starts the binary's server in a fresh directory named after tag. Without
 * redis-server the binary skips (a failure where tests must run: CI); any
 * other failure ends it with 1. */
static inline void test_redis_start(struct test_redis *r, const char *tag)
{
	int st;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/glint-%s-redis-XXXXXX", tag);
	if (mkdtemp(r->dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	st = test_redis_script(r, "start");
	if (st == 77)
		test_skip("redis-server is not installed (Debian package "
			  "redis-server)",
			  test_env_is_1("GLINT_REQUIRE_KVM"));
	if (st != 0 || r->port[0] == '\0') {
		fprintf(stderr, "FAIL: cannot start redis-server (see %s)\n",
			r->dir);
		exit(1);
	}
}

/* Stops it and removes its directory. */
static inline void test_redis_stop(struct test_redis *r)
{
	char cmd[128];

	if (test_redis_script(r, "stop") != 0)
		fprintf(stderr, "warning: could not stop redis-server\n");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "warning: cannot remove %s\n", r->dir);
}

#endif /* GLINT_TESTS_REDIS_SERVER_H */
