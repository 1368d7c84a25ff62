/* loadgen.c: bounded load against a running glintd: a fixed mix of good and hostile calls on many keep-alive connections, each answer checked. */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * Usage: loadgen PORT TOTAL CONNS [GLINTD_PID]
 *
 * Expects echo, hello, counter (tests/guests/counter.elf), hostile
 * (tests/guests/hostile.elf), liar (tests/robust/guests/liar.elf) and
 * slow (hostile.elf with a short timeout) deployed; bench/load.sh does it.
 * Request i is chosen from i alone, so two runs send the same mix. Exits 1
 * when any answer differs from what its function must answer.
 */

struct kind {
	const char *name, *path, *input; /* input NULL: varied echo input */
	int status;
	const char *body; /* exact body on 200; NULL: the input */
	unsigned per_mille;
};

static const struct kind kinds[] = {
	{"echo", "/invoke/echo", NULL, 200, NULL, 400},
	{"hello", "/invoke/hello", "{\"name\":\"load\"}", 200,
	 "{\"greeting\":\"Hello, load!\"}", 250},
	{"counter", "/invoke/counter", "", 200, "1", 100},
	{"hostile ok", "/invoke/hostile", "ok", 200, "ok", 50},
	{"null-write", "/invoke/hostile", "null-write", 502, NULL, 60},
	{"abort", "/invoke/hostile", "abort", 502, NULL, 40},
	{"fail", "/invoke/hostile", "fail", 500, NULL, 40},
	{"done-neg", "/invoke/liar", "done-neg", 502, NULL, 50},
	{"missing", "/invoke/missing", "x", 404, NULL, 10},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
#define LOOP_EVERY 20000 /* one 504 (slow: loop) per this many requests */

struct conn {
	int fd;
	uint64_t req; /* index of the request in flight */
	int kind;     /* -1: the loop call */
	char in[64];  /* its input */
	size_t in_len;
	char out[512]; /* request bytes */
	size_t out_len, out_off;
	char buf[65536]; /* response bytes */
	size_t buf_len;
	uint64_t sent_ns;
};

static struct {
	uint16_t port;
	uint64_t total, next, done;
	uint32_t *lat_us;
	uint64_t wrong[NKINDS + 1], count[NKINDS + 1];
	char first_wrong[256];
	int epfd;
} L;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int pick_kind(uint64_t i)
{
	unsigned r = (unsigned)((i * 2654435761u) % 1000u), acc = 0;

	if (i % LOOP_EVERY == LOOP_EVERY - 1)
		return -1;
	for (size_t k = 0; k < NKINDS; k++) {
		acc += kinds[k].per_mille;
		if (r < acc)
			return (int)k;
	}
	return 0;
}

static void build_request(struct conn *c)
{
	const char *path = c->kind < 0 ? "/invoke/slow" : kinds[c->kind].path;
	const char *in = c->kind < 0 ? "loop" : kinds[c->kind].input;

	if (in) {
		c->in_len = strlen(in);
		memcpy(c->in, in, c->in_len);
	} else {
		c->in_len = 1 + c->req % 48;
		for (size_t k = 0; k < c->in_len; k++)
			c->in[k] = (char)('a' + (c->req + k) % 26);
	}
	c->out_len = (size_t)snprintf(c->out, sizeof(c->out),
				      "POST %s HTTP/1.1\r\nHost: l\r\n"
				      "Content-Length: %zu\r\n\r\n",
				      path, c->in_len);
	memcpy(c->out + c->out_len, c->in, c->in_len);
	c->out_len += c->in_len;
	c->out_off = 0;
}

static int open_conn(struct conn *c)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(L.port)};
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -errno;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	return epoll_ctl(L.epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0 ? -errno : 0;
}

static int next_request(struct conn *c)
{
	if (L.next >= L.total)
		return 0;
	c->req = L.next++;
	c->kind = pick_kind(c->req);
	c->buf_len = 0;
	build_request(c);
	c->sent_ns = now_ns();
	return 1;
}

static void note_wrong(const struct conn *c, int status, const char *body,
		       size_t len)
{
	int slot = c->kind < 0 ? (int)NKINDS : c->kind;

	if (L.wrong[slot]++ == 0 && !L.first_wrong[0])
		snprintf(L.first_wrong, sizeof(L.first_wrong),
			 "request %llu (%s): status %d, body %.*s",
			 (unsigned long long)c->req,
			 c->kind < 0 ? "loop" : kinds[c->kind].name, status,
			 (int)(len > 120 ? 120 : len), body);
}

static void check_answer(struct conn *c, int status, const char *body,
			 size_t len)
{
	int slot = c->kind < 0 ? (int)NKINDS : c->kind;
	const struct kind *k = c->kind < 0 ? NULL : &kinds[c->kind];
	int want = k ? k->status : 504;
	const char *want_body =
		k && k->status == 200 ? (k->body ? k->body : c->in) : NULL;
	size_t want_len = want_body && k->body ? strlen(k->body) : c->in_len;

	L.count[slot]++;
	if (status != want ||
	    (want_body && (len != want_len || memcmp(body, want_body, len))))
		note_wrong(c, status, body, len);
}

/* Returns 1 when a whole response is in buf and was consumed. */
static int parse_response(struct conn *c)
{
	char *end, *cl;
	size_t head, body_len;
	int status;

	c->buf[c->buf_len < sizeof(c->buf) ? c->buf_len : sizeof(c->buf) - 1] =
		'\0';
	end = strstr(c->buf, "\r\n\r\n");
	if (!end)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	status = atoi(c->buf + 9);
	cl = strcasestr(c->buf, "\r\nContent-Length:");
	body_len = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
	if (c->buf_len < head + body_len)
		return 0;
	check_answer(c, status, c->buf + head, body_len);
	L.lat_us[L.done++] = (uint32_t)((now_ns() - c->sent_ns) / 1000);
	return 1;
}

static void on_event(struct conn *c, uint32_t events)
{
	ssize_t n;

	if ((events & EPOLLOUT) && c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL);
		if (n > 0)
			c->out_off += (size_t)n;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = recv(c->fd, c->buf + c->buf_len, sizeof(c->buf) - 1 - c->buf_len,
		 0);
	if (n == 0 || (n < 0 && errno != EAGAIN)) {
		/* The daemon closed on us: count it, reconnect, go on. */
		note_wrong(c, 0, "(connection closed)", 19);
		L.lat_us[L.done++] = 0;
		close(c->fd);
		if (open_conn(c) == 0 && next_request(c))
			return;
		c->fd = -1;
		return;
	}
	if (n > 0)
		c->buf_len += (size_t)n;
	if (parse_response(c) && !next_request(c)) {
		epoll_ctl(L.epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* RSS (kB) and open fds of pid, from /proc. */
static void sample(int pid, const char *when)
{
	char path[64], line[256];
	long rss = -1, fds = 0;
	FILE *f;
	DIR *d;

	if (pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r"))) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "VmRSS: %ld", &rss) == 1)
				break;
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if ((d = opendir(path))) {
		while (readdir(d))
			fds++;
		closedir(d);
		fds -= 2;
	}
	printf("glintd %-18s rss %ld kB, %ld fds\n", when, rss, fds);
}

static void report(double secs)
{
	uint64_t bad = 0;

	qsort(L.lat_us, L.done, sizeof(L.lat_us[0]), cmp_u32);
	printf("requests %llu in %.2f s: %.0f req/s; latency p50 %u us, "
	       "p99 %u us, p99.9 %u us, max %u us\n",
	       (unsigned long long)L.done, secs, (double)L.done / secs,
	       L.lat_us[L.done / 2], L.lat_us[L.done * 99 / 100],
	       L.lat_us[L.done * 999 / 1000], L.lat_us[L.done - 1]);
	for (size_t k = 0; k <= NKINDS; k++) {
		printf("  %-12s %8llu calls, %llu wrong\n",
		       k < NKINDS ? kinds[k].name : "loop (504)",
		       (unsigned long long)L.count[k],
		       (unsigned long long)L.wrong[k]);
		bad += L.wrong[k];
	}
	printf("wrong answers: %llu%s%s\n", (unsigned long long)bad,
	       bad ? "; first: " : "", L.first_wrong);
}

int main(int argc, char **argv)
{
	struct epoll_event evs[128];
	struct conn *conns;
	unsigned nconns;
	int pid = argc > 4 ? atoi(argv[4]) : 0;
	uint64_t t0, warm;

	if (argc < 4) {
		fprintf(stderr, "usage: loadgen PORT TOTAL CONNS [PID]\n");
		return 2;
	}
	L.port = (uint16_t)atoi(argv[1]);
	L.total = strtoull(argv[2], NULL, 10);
	nconns = (unsigned)atoi(argv[3]);
	L.lat_us = calloc(L.total + 1, sizeof(uint32_t));
	conns = calloc(nconns, sizeof(*conns));
	L.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!L.lat_us || !conns || L.epfd < 0 || L.total == 0)
		return 2;
	warm = L.total / 20;
	sample(pid, "before the load:");
	t0 = now_ns();
	for (unsigned i = 0; i < nconns; i++) {
		if (open_conn(&conns[i]) < 0) {
			perror("loadgen: connect");
			return 2;
		}
		next_request(&conns[i]);
	}
	while (L.done < L.total) {
		int n = epoll_wait(L.epfd, evs, 128, 10000);

		if (n <= 0) {
			fprintf(stderr, "loadgen: no progress for 10 s\n");
			break;
		}
		for (int i = 0; i < n; i++)
			on_event(evs[i].data.ptr, evs[i].events);
		if (warm && L.done >= warm) {
			sample(pid, "after warm-up:");
			warm = 0;
		}
	}
	report((double)(now_ns() - t0) / 1e9);
	sample(pid, "at the end:");
	for (unsigned i = 0; i < nconns; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	/* load.sh deploys with idle_ms=1000: pools are back to min_warm. */
	sleep(5);
	sample(pid, "5 s later:");
	return L.done == L.total && !L.wrong[0] && !L.first_wrong[0] ? 0 : 1;
}
