/* fnlog.c: per-function ring of recent guest log lines with their metadata. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fnlog.h"

/* What a line costs besides its text: its header and the allocator's. */
#define LINE_OVERHEAD 64

struct line {
	struct line *next;
	uint64_t seq, request_id;
	int64_t time_ms;
	uint32_t version;
	uint8_t level;
	uint16_t len;
	char text[];
};

struct fnlog {
	pthread_mutex_t lock;
	struct line *head, *tail; /* oldest, newest */
	size_t bytes, cap_bytes;
	uint64_t seq;
	unsigned refs; /* the owner's, plus one per fnlog_ref */
	int closed;    /* the owner let go: no more lines will come */
};

struct fnlog *fnlog_create(size_t cap_bytes)
{
	struct fnlog *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	l->cap_bytes = cap_bytes;
	l->refs = 1;
	return l;
}

struct fnlog *fnlog_ref(struct fnlog *l)
{
	pthread_mutex_lock(&l->lock);
	l->refs++;
	pthread_mutex_unlock(&l->lock);
	return l;
}

int fnlog_closed(struct fnlog *l)
{
	int c;

	pthread_mutex_lock(&l->lock);
	c = l->closed;
	pthread_mutex_unlock(&l->lock);
	return c;
}

static void release(struct fnlog *l, int close)
{
	struct line *p, *next;
	unsigned left;

	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	if (close)
		l->closed = 1;
	left = --l->refs;
	pthread_mutex_unlock(&l->lock);
	if (left)
		return;
	for (p = l->head; p; p = next) {
		next = p->next;
		free(p);
	}
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void fnlog_destroy(struct fnlog *l)
{
	release(l, 1);
}

void fnlog_unref(struct fnlog *l)
{
	release(l, 0);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drops the oldest lines until need more bytes fit. Lock held. */
static void make_room(struct fnlog *l, size_t need)
{
	while (l->head && l->bytes + need > l->cap_bytes) {
		struct line *p = l->head;

		l->head = p->next;
		if (!l->head)
			l->tail = NULL;
		l->bytes -= LINE_OVERHEAD + p->len;
		free(p);
	}
}

void fnlog_append(struct fnlog *l, enum log_level level, uint64_t request_id,
		  uint32_t version, const char *text, size_t len)
{
	struct line *p;

	if (!l)
		return;
	if (len > FNLOG_LINE_MAX)
		len = FNLOG_LINE_MAX;
	/* A cap below one line keeps nothing rather than overshooting. */
	if (LINE_OVERHEAD + len > l->cap_bytes)
		return;
	p = malloc(sizeof(*p) + len);
	if (!p)
		return;
	*p = (struct line){.request_id = request_id,
			   .time_ms = now_ms(),
			   .version = version,
			   .level = (uint8_t)level,
			   .len = (uint16_t)len};
	memcpy(p->text, text, len);
	pthread_mutex_lock(&l->lock);
	make_room(l, LINE_OVERHEAD + len);
	p->seq = ++l->seq;
	if (l->tail)
		l->tail->next = p;
	else
		l->head = p;
	l->tail = p;
	l->bytes += LINE_OVERHEAD + len;
	pthread_mutex_unlock(&l->lock);
}

static int passes(const struct line *p, const struct fnlog_filter *f)
{
	return p->seq > f->after_seq && p->time_ms >= f->since_ms &&
	       p->level <= (uint8_t)f->level &&
	       (!f->has_request_id || p->request_id == f->request_id);
}

/* One formatted line into dst (room for FNLOG_LINE_MAX + 128). */
static size_t format(char *dst, const struct line *p)
{
	time_t sec = (time_t)(p->time_ms / 1000);
	struct tm tm;
	size_t o;

	gmtime_r(&sec, &tm);
	o = strftime(dst, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	o += (size_t)sprintf(dst + o,
			     ".%03dZ %s request_id=%016" PRIx64
			     " version=%" PRIu32 " ",
			     (int)(p->time_ms % 1000),
			     log_level_name((enum log_level)p->level),
			     p->request_id, p->version);
	memcpy(dst + o, p->text, p->len);
	o += p->len;
	dst[o++] = '\n';
	return o;
}

int fnlog_read(struct fnlog *l, const struct fnlog_filter *f, size_t max,
	       char **out, size_t *len_out, uint64_t *last_seq)
{
	char line[FNLOG_LINE_MAX + 128], *buf;
	size_t len = 0, n;
	uint64_t seen = f->after_seq;

	pthread_mutex_lock(&l->lock);
	/* A formatted line is at most twice what it costs in the log, so
	 * this much holds everything kept: a large max costs nothing. */
	if (max > 2 * l->bytes)
		max = 2 * l->bytes;
	buf = malloc(max ? max : 1);
	if (!buf) {
		pthread_mutex_unlock(&l->lock);
		return -ENOMEM;
	}
	for (const struct line *p = l->head; p; p = p->next) {
		if (p->seq <= f->after_seq)
			continue;
		if (passes(p, f)) {
			n = format(line, p);
			if (len + n > max)
				break;
			memcpy(buf + len, line, n);
			len += n;
		}
		seen = p->seq;
	}
	pthread_mutex_unlock(&l->lock);
	*out = buf;
	*len_out = len;
	*last_seq = seen;
	return 0;
}

uint64_t fnlog_last_seq(struct fnlog *l)
{
	uint64_t s;

	pthread_mutex_lock(&l->lock);
	s = l->seq;
	pthread_mutex_unlock(&l->lock);
	return s;
}
