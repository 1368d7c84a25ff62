/* metrics.c: lock-free counters and histograms, rendered as Prometheus text. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "outcome.h"

/* Latency buckets: 1-2-5 per decade from 10 µs to 10 s, in ns. */
static const uint64_t lat_bounds_ns[] = {
	10000ULL,      20000ULL,      50000ULL,	      100000ULL,
	200000ULL,     500000ULL,     1000000ULL,     2000000ULL,
	5000000ULL,    10000000ULL,   20000000ULL,    50000000ULL,
	100000000ULL,  200000000ULL,  500000000ULL,   1000000000ULL,
	2000000000ULL, 5000000000ULL, 10000000000ULL,
};
#define LAT_NB (sizeof(lat_bounds_ns) / sizeof(lat_bounds_ns[0]))

/* Page-count buckets: powers of two, 1 .. 65536. */
#define PAGES_NB 17

/* Invocations are counted by the call outcomes of outcome.h; anything else
 * is counted as "other", the last slot. */
#define OUTCOME_N (ENGINE_CALL_OUTCOMES + 1)

#define LABEL_SLOTS 64

/* Versions of one function with their own invocation counters: enough to
 * compare a new version with the one before while a rollout settles; the
 * oldest gives its slot to a newer one. */
#define VERSION_SLOTS 4

struct version_counts {
	uint32_t version; /* 0: free */
	uint64_t n[OUTCOME_N];
};
/* In glint_hostcall_op order. */
static const char *const hc_ops[] = {"noop",	"sleep",   "fetch",
				     "kv_get",	"kv_set",  "kv_delete",
				     "kv_list", "kv_incr", "kv_cas"};
/* error: the operation answered an error the function can handle (not
 * found, conflict, network, ...); denied: no capability or the URL or
 * address was refused; protocol: a malformed request ended the call. */
static const char *const hc_outcomes[] = {
	"ok", "limit", "deadline", "shutdown", "error", "denied", "protocol"};
/* noop and sleep show every outcome, even at 0 (as they always have);
 * the other operations only the outcomes that happened. */
#define HC_OPS_ALWAYS 2
#define HC_OPS (sizeof(hc_ops) / sizeof(hc_ops[0]))
#define HC_OUTCOMES (sizeof(hc_outcomes) / sizeof(hc_outcomes[0]))

struct hist_lat {
	uint64_t buckets[LAT_NB + 1]; /* last: above every bound */
	uint64_t sum_ns;
};

struct hist_pages {
	uint64_t buckets[PAGES_NB + 1];
	uint64_t sum;
};

struct metrics_fn {
	struct metrics_fn *next;
	char name[64];
	struct version_counts inv[VERSION_SLOTS]; /* loop thread claims */
	struct hist_lat total, run, queue, restore;
	struct hist_lat parked; /* time parked on host calls */
	struct hist_lat fetch;	/* outbound requests, start to answer */
	struct hist_lat kv;	/* KV operations, start to answer */
	uint64_t hostcalls[HC_OPS][HC_OUTCOMES];
	struct hist_pages dirty;
	uint64_t vm_created, vm_destroyed;
	uint64_t log_dropped;
	uint32_t pool_ready, pool_busy, queued;
	/* loop thread only */
	unsigned refs; /* renders in progress that list it */
	int dead;      /* forgotten; freed with the last ref */
	int shared;    /* the overflow series of every function past the cap */
};

/* A counter keyed by a short label set, e.g. {route,code}. */
struct label_counter {
	char key[48];
	unsigned code;
	uint64_t count;
};

/* The label of the series that functions past the cap share: not a valid
 * function name, so it cannot be mistaken for one. */
#define OTHER_FN "(other)"
#define DEFAULT_MAX_FNS 1000

struct metrics {
	struct metrics_fn *fns; /* loop thread appends; newest first */
	unsigned nfns, max_fns; /* own series, and their cap */
	struct metrics_fn *other;
	struct metrics_fn *retired; /* unlisted, recorded into until freed */
	pthread_mutex_t lock;	    /* guards the slot tables' membership */
	struct label_counter deploys[LABEL_SLOTS];
	struct label_counter http[LABEL_SLOTS];
};

static inline void add64(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static inline uint64_t load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

int metrics_create(struct metrics **out)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->max_fns = DEFAULT_MAX_FNS;
	*out = m;
	return 0;
}

void metrics_destroy(struct metrics *m)
{
	struct metrics_fn *f, *next;

	if (!m)
		return;
	for (f = m->fns; f; f = next) {
		next = f->next;
		free(f);
	}
	for (f = m->retired; f; f = next) {
		next = f->next;
		free(f);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void metrics_set_max_functions(struct metrics *m, unsigned max)
{
	m->max_fns = max ? max : DEFAULT_MAX_FNS;
}

static struct metrics_fn *fn_add(struct metrics *m, const char *name)
{
	struct metrics_fn *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->next = m->fns;
	/* Release: a reader on another thread sees a fully built entry. */
	__atomic_store_n(&m->fns, f, __ATOMIC_RELEASE);
	return f;
}

struct metrics_fn *metrics_fn_get(struct metrics *m, const char *name)
{
	struct metrics_fn *f;

	for (f = m->fns; f; f = f->next)
		if (!f->shared && strcmp(f->name, name) == 0)
			return f;
	if (m->nfns < m->max_fns) {
		f = fn_add(m, name);
		m->nfns += f != NULL;
		return f;
	}
	if (!m->other) {
		m->other = fn_add(m, OTHER_FN);
		if (!m->other)
			return NULL;
		m->other->shared = 1;
		log_msg(LOG_LEVEL_WARN,
			"metrics: more than %u functions "
			"(metrics_max_functions); "
			"the others are counted as function=\"" OTHER_FN "\"",
			m->max_fns);
	}
	return m->other;
}

/* Unlinks f from list; 0 if it is not there. */
static int series_unlink(struct metrics_fn **list, struct metrics_fn *f)
{
	struct metrics_fn **pp;

	for (pp = list; *pp && *pp != f; pp = &(*pp)->next)
		;
	if (!*pp)
		return 0;
	*pp = f->next;
	return 1;
}

/* A render in progress may still list f: the last one frees it. */
static void series_free(struct metrics_fn *f)
{
	if (f->refs)
		f->dead = 1;
	else
		free(f);
}

void metrics_fn_forget(struct metrics *m, struct metrics_fn *f)
{
	if (!f || f->shared || !series_unlink(&m->fns, f))
		return;
	m->nfns--;
	series_free(f);
}

void metrics_fn_retire(struct metrics *m, struct metrics_fn *f)
{
	if (!f || f->shared || !series_unlink(&m->fns, f))
		return;
	m->nfns--;
	f->next = m->retired;
	m->retired = f;
}

void metrics_fn_forget_retired(struct metrics *m, const char *name)
{
	struct metrics_fn **pp = &m->retired, *f;

	while ((f = *pp)) {
		if (strcmp(f->name, name) == 0) {
			*pp = f->next;
			series_free(f);
		} else {
			pp = &f->next;
		}
	}
}

void metrics_guest_log_dropped_add(struct metrics_fn *f, uint64_t lines)
{
	if (f && lines)
		add64(&f->log_dropped, lines);
}

static void hist_lat_record(struct hist_lat *h, uint64_t ns)
{
	size_t i = 0;

	while (i < LAT_NB && ns > lat_bounds_ns[i])
		i++;
	add64(&h->buckets[i], 1);
	add64(&h->sum_ns, ns);
}

/* The slot counting version, claimed (the oldest version's, reset, when
 * every slot is taken) if it has none; NULL for version 0. */
static struct version_counts *version_slot(struct metrics_fn *f,
					   uint32_t version)
{
	struct version_counts *free_slot = NULL, *oldest = &f->inv[0];

	if (version == 0)
		return NULL;
	for (size_t i = 0; i < VERSION_SLOTS; i++) {
		struct version_counts *v = &f->inv[i];
		uint32_t have = __atomic_load_n(&v->version, __ATOMIC_RELAXED);

		if (have == version)
			return v;
		if (have == 0 && !free_slot)
			free_slot = v;
		if (have < oldest->version)
			oldest = v;
	}
	if (!free_slot) {
		free_slot = oldest;
		for (size_t i = 0; i < OUTCOME_N; i++)
			__atomic_store_n(&free_slot->n[i], 0, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&free_slot->version, version, __ATOMIC_RELAXED);
	return free_slot;
}

void metrics_fn_version_live(struct metrics_fn *f, uint32_t version)
{
	if (f && !f->shared)
		version_slot(f, version);
}

void metrics_invocation_record(struct metrics_fn *f, uint32_t version,
			       const char *outcome, uint64_t total_ns,
			       uint64_t run_ns, uint64_t queue_ns)
{
	struct version_counts *v;
	enum engine_outcome o;
	size_t i;

	if (!f)
		return;
	if (!outcome || engine_outcome_parse(outcome, &o) < 0 ||
	    o >= ENGINE_CALL_OUTCOMES)
		o = ENGINE_CALL_OUTCOMES;
	i = (size_t)o;
	/* The series every function past the cap shares has no version. */
	v = version_slot(f, f->shared ? 0 : version);
	add64(v ? &v->n[i] : &f->inv[0].n[i], 1);
	hist_lat_record(&f->total, total_ns);
	/* Calls that never reached a VM have no run or queue time to show. */
	if (run_ns)
		hist_lat_record(&f->run, run_ns);
	if (run_ns || queue_ns)
		hist_lat_record(&f->queue, queue_ns);
}

void metrics_restore_record(struct metrics_fn *f, uint32_t dirty_pages,
			    uint64_t restore_ns)
{
	size_t i = 0;

	if (!f)
		return;
	while (i < PAGES_NB && dirty_pages > (1u << i))
		i++;
	add64(&f->dirty.buckets[i], 1);
	add64(&f->dirty.sum, dirty_pages);
	hist_lat_record(&f->restore, restore_ns);
}

static int index_of(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

void metrics_hostcall_add(struct metrics_fn *f, const char *op,
			  const char *outcome, uint64_t n)
{
	int o = index_of(hc_ops, HC_OPS, op);
	int r = index_of(hc_outcomes, HC_OUTCOMES, outcome);

	if (f && o >= 0 && r >= 0)
		add64(&f->hostcalls[o][r], n);
}

void metrics_parked_record(struct metrics_fn *f, uint64_t parked_ns)
{
	if (f)
		hist_lat_record(&f->parked, parked_ns);
}

void metrics_fetch_record(struct metrics_fn *f, uint64_t ns)
{
	if (f)
		hist_lat_record(&f->fetch, ns);
}

void metrics_kv_record(struct metrics_fn *f, uint64_t ns)
{
	if (f)
		hist_lat_record(&f->kv, ns);
}

void metrics_vm_created_inc(struct metrics_fn *f)
{
	if (f)
		add64(&f->vm_created, 1);
}

void metrics_vm_destroyed_inc(struct metrics_fn *f)
{
	if (f)
		add64(&f->vm_destroyed, 1);
}

void metrics_pool_set(struct metrics_fn *f, uint32_t ready, uint32_t busy,
		      uint32_t queued)
{
	/* Gauges of many functions do not add up to one. */
	if (!f || f->shared)
		return;
	__atomic_store_n(&f->pool_ready, ready, __ATOMIC_RELAXED);
	__atomic_store_n(&f->pool_busy, busy, __ATOMIC_RELAXED);
	__atomic_store_n(&f->queued, queued, __ATOMIC_RELAXED);
}

/* Finds or claims the slot for (key, code); the last slot takes overflow. */
static void label_inc(struct metrics *m, struct label_counter *tab,
		      const char *key, unsigned code)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < LABEL_SLOTS - 1; i++) {
		if (tab[i].key[0] == '\0') {
			snprintf(tab[i].key, sizeof(tab[i].key), "%s", key);
			tab[i].code = code;
			break;
		}
		if (tab[i].code == code && strcmp(tab[i].key, key) == 0)
			break;
	}
	if (i == LABEL_SLOTS - 1 && tab[i].key[0] == '\0') {
		snprintf(tab[i].key, sizeof(tab[i].key), "other");
		tab[i].code = 0;
	}
	tab[i].count++;
	pthread_mutex_unlock(&m->lock);
}

void metrics_deploy_inc(struct metrics *m, const char *outcome)
{
	label_inc(m, m->deploys, outcome ? outcome : "other", 0);
}

void metrics_http_inc(struct metrics *m, const char *route, unsigned code)
{
	label_inc(m, m->http, route ? route : "other", code);
}

/* ---- rendering ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	int failed;
};

static void sb_reserve(struct sbuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->failed || b->len + more + 1 <= b->cap)
		return;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = 1;
		return;
	}
	b->p = p;
	b->cap = cap;
}

__attribute__((format(printf, 2, 3))) static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	sb_reserve(b, (size_t)n);
	if (b->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Label values escape backslash, double quote and newline (text format
 * 0.0.4); dst must hold 2 * strlen(src) + 1 bytes. */
static const char *esc(char *dst, const char *src)
{
	char *o = dst;

	for (; *src; src++) {
		if (*src == '\\' || *src == '"') {
			*o++ = '\\';
			*o++ = *src;
		} else if (*src == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else {
			*o++ = *src;
		}
	}
	*o = '\0';
	return dst;
}

static void header(struct sbuf *b, const char *name, const char *type,
		   const char *help)
{
	sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Seconds with ns precision, without locale or exponent surprises. */
static void sb_seconds(struct sbuf *b, uint64_t ns)
{
	sb_printf(b, "%" PRIu64 ".%09" PRIu64, (uint64_t)(ns / 1000000000ULL),
		  (uint64_t)(ns % 1000000000ULL));
}

static void render_hist_lat(struct sbuf *b, const char *name,
			    const char *fn_esc, const struct hist_lat *h)
{
	uint64_t cum = 0;

	for (size_t i = 0; i < LAT_NB; i++) {
		cum += load64(&h->buckets[i]);
		sb_printf(b, "%s_bucket{function=\"%s\",le=\"", name, fn_esc);
		sb_seconds(b, lat_bounds_ns[i]);
		sb_printf(b, "\"} %" PRIu64 "\n", cum);
	}
	cum += load64(&h->buckets[LAT_NB]);
	sb_printf(b, "%s_bucket{function=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
		  name, fn_esc, cum);
	sb_printf(b, "%s_sum{function=\"%s\"} ", name, fn_esc);
	sb_seconds(b, load64(&h->sum_ns));
	sb_printf(b, "\n%s_count{function=\"%s\"} %" PRIu64 "\n", name, fn_esc,
		  cum);
}

static void render_hist_pages(struct sbuf *b, const char *fn_esc,
			      const struct hist_pages *h)
{
	const char *name = "glint_restore_dirty_pages";
	uint64_t cum = 0;

	for (size_t i = 0; i < PAGES_NB; i++) {
		cum += load64(&h->buckets[i]);
		sb_printf(b,
			  "%s_bucket{function=\"%s\",le=\"%u\"} %" PRIu64 "\n",
			  name, fn_esc, 1u << i, cum);
	}
	cum += load64(&h->buckets[PAGES_NB]);
	sb_printf(b, "%s_bucket{function=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
		  name, fn_esc, cum);
	sb_printf(b, "%s_sum{function=\"%s\"} %" PRIu64 "\n", name, fn_esc,
		  load64(&h->sum));
	sb_printf(b, "%s_count{function=\"%s\"} %" PRIu64 "\n", name, fn_esc,
		  cum);
}

static uint64_t hist_lat_count(const struct hist_lat *h)
{
	uint64_t n = 0;

	for (size_t i = 0; i <= LAT_NB; i++)
		n += load64(&h->buckets[i]);
	return n;
}

/* One family per call: every function's series of that family together,
 * as the text format requires. */
enum family {
	FAM_INVOCATIONS,
	FAM_TOTAL,
	FAM_RUN,
	FAM_QUEUE,
	FAM_RESTORE,
	FAM_DIRTY,
	FAM_RESTORES,
	FAM_POOL,
	FAM_QDEPTH,
	FAM_CREATED,
	FAM_DESTROYED,
	FAM_LOG_DROPPED,
	FAM_HOSTCALLS,
	FAM_PARKED,
	FAM_FETCH,
	FAM_KV,
	FAM_N
};

static const struct {
	const char *name, *type, *help;
} families[FAM_N] = {
	{"glint_invocations_total", "counter",
	 "Invocations by function and outcome."},
	{"glint_invocation_duration_seconds", "histogram",
	 "End-to-end invocation time inside the daemon."},
	{"glint_vm_run_duration_seconds", "histogram",
	 "Time the function ran in its VM."},
	{"glint_queue_wait_seconds", "histogram",
	 "Time an invocation waited for a VM."},
	{"glint_restore_duration_seconds", "histogram",
	 "Time to roll a VM back to its snapshot."},
	{"glint_restore_dirty_pages", "histogram",
	 "Pages copied back per VM restore."},
	{"glint_restores_total", "counter", "VM restores by function."},
	{"glint_pool_vms", "gauge", "VMs in the pool by state."},
	{"glint_queue_depth", "gauge", "Invocations waiting for a VM."},
	{"glint_vm_creations_total", "counter", "VMs created."},
	{"glint_vm_destructions_total", "counter", "VMs destroyed."},
	{"glint_guest_log_dropped_total", "counter",
	 "Guest log lines dropped by the per-call and per-second limits."},
	{"glint_hostcalls_total", "counter",
	 "Host calls by function, operation and outcome."},
	{"glint_hostcall_parked_seconds", "histogram",
	 "Time a call's VM spent parked on one host call."},
	{"glint_fetch_duration_seconds", "histogram",
	 "Outbound HTTP requests of functions, from start to answer."},
	{"glint_kv_op_duration_seconds", "histogram",
	 "Key-value operations of functions, from start to answer."},
};

/* {function,outcome,version} per version slot in use; the shared series
 * (no versions) as {function,outcome}. "ok" is always shown, even at 0. */
static void render_invocations(struct sbuf *b, const char *name,
			       const struct metrics_fn *f, const char *fe)
{
	for (size_t s = 0; s < VERSION_SLOTS; s++) {
		const struct version_counts *v = &f->inv[s];
		uint32_t ver = __atomic_load_n(&v->version, __ATOMIC_RELAXED);
		char vl[32] = "";

		if (f->shared && s > 0)
			break;
		if (!f->shared && ver == 0)
			continue;
		if (ver)
			snprintf(vl, sizeof(vl), ",version=\"%" PRIu32 "\"",
				 ver);
		for (size_t i = 0; i < OUTCOME_N; i++) {
			uint64_t n = load64(&v->n[i]);

			if (n || i == 0)
				sb_printf(
					b,
					"%s{function=\"%s\",outcome=\"%s\"%s} "
					"%" PRIu64 "\n",
					name, fe,
					i < ENGINE_CALL_OUTCOMES
						? engine_outcome_code(i)
						: "other",
					vl, n);
		}
	}
}

static void render_fn(struct sbuf *b, enum family fam,
		      const struct metrics_fn *f, const char *fe)
{
	const char *name = families[fam].name;

	switch (fam) {
	case FAM_INVOCATIONS:
		render_invocations(b, name, f, fe);
		break;
	case FAM_TOTAL:
		render_hist_lat(b, name, fe, &f->total);
		break;
	case FAM_RUN:
		render_hist_lat(b, name, fe, &f->run);
		break;
	case FAM_QUEUE:
		render_hist_lat(b, name, fe, &f->queue);
		break;
	case FAM_RESTORE:
		render_hist_lat(b, name, fe, &f->restore);
		break;
	case FAM_DIRTY:
		render_hist_pages(b, fe, &f->dirty);
		break;
	case FAM_RESTORES:
		sb_printf(b, "%s{function=\"%s\"} %" PRIu64 "\n", name, fe,
			  hist_lat_count(&f->restore));
		break;
	case FAM_POOL:
		sb_printf(b, "%s{function=\"%s\",state=\"ready\"} %u\n", name,
			  fe,
			  __atomic_load_n(&f->pool_ready, __ATOMIC_RELAXED));
		sb_printf(b, "%s{function=\"%s\",state=\"busy\"} %u\n", name,
			  fe, __atomic_load_n(&f->pool_busy, __ATOMIC_RELAXED));
		break;
	case FAM_QDEPTH:
		sb_printf(b, "%s{function=\"%s\"} %u\n", name, fe,
			  __atomic_load_n(&f->queued, __ATOMIC_RELAXED));
		break;
	case FAM_CREATED:
		sb_printf(b, "%s{function=\"%s\"} %" PRIu64 "\n", name, fe,
			  load64(&f->vm_created));
		break;
	case FAM_DESTROYED:
		sb_printf(b, "%s{function=\"%s\"} %" PRIu64 "\n", name, fe,
			  load64(&f->vm_destroyed));
		break;
	case FAM_LOG_DROPPED:
		sb_printf(b, "%s{function=\"%s\"} %" PRIu64 "\n", name, fe,
			  load64(&f->log_dropped));
		break;
	case FAM_HOSTCALLS:
		for (size_t o = 0; o < HC_OPS; o++)
			for (size_t r = 0; r < HC_OUTCOMES; r++)
				if (o < HC_OPS_ALWAYS ||
				    load64(&f->hostcalls[o][r]))
					sb_printf(
						b,
						"%s{function=\"%s\",op=\"%s\","
						"outcome=\"%s\"} %" PRIu64 "\n",
						name, fe, hc_ops[o],
						hc_outcomes[r],
						load64(&f->hostcalls[o][r]));
		break;
	case FAM_PARKED:
		render_hist_lat(b, name, fe, &f->parked);
		break;
	case FAM_FETCH:
		render_hist_lat(b, name, fe, &f->fetch);
		break;
	case FAM_KV:
		render_hist_lat(b, name, fe, &f->kv);
		break;
	case FAM_N:
		break;
	}
}

static void render_labels(struct sbuf *b, struct metrics *m)
{
	char ke[2 * sizeof(m->http[0].key) + 1];

	pthread_mutex_lock(&m->lock);
	header(b, "glint_deploys_total", "counter", "Deploys by outcome.");
	for (size_t i = 0; i < LABEL_SLOTS && m->deploys[i].key[0]; i++)
		sb_printf(b,
			  "glint_deploys_total{outcome=\"%s\"} %" PRIu64 "\n",
			  esc(ke, m->deploys[i].key), m->deploys[i].count);
	header(b, "glint_http_requests_total", "counter",
	       "HTTP requests by route and status code.");
	for (size_t i = 0; i < LABEL_SLOTS && m->http[i].key[0]; i++)
		sb_printf(b,
			  "glint_http_requests_total{route=\"%s\",code=\"%u\"} "
			  "%" PRIu64 "\n",
			  esc(ke, m->http[i].key), m->http[i].code,
			  m->http[i].count);
	pthread_mutex_unlock(&m->lock);
}

/* ---- process_* from /proc/self ---- */

struct proc_stat {
	uint64_t utime, stime, starttime, vsize, rss_pages;
};

static int read_proc_stat(struct proc_stat *ps)
{
	char buf[1024], *p;
	FILE *fp = fopen("/proc/self/stat", "re");
	size_t n;
	int field = 3;

	if (!fp)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name may hold spaces and ')': fields start after the
	 * last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	p++;
	memset(ps, 0, sizeof(*ps));
	while (*p && field <= 24) {
		char *end;
		unsigned long long v;

		while (*p == ' ')
			p++;
		v = strtoull(p, &end, 10);
		if (field == 14)
			ps->utime = v;
		else if (field == 15)
			ps->stime = v;
		else if (field == 22)
			ps->starttime = v;
		else if (field == 23)
			ps->vsize = v;
		else if (field == 24)
			ps->rss_pages = v;
		p = strchr(p, ' ');
		if (!p)
			break;
		field++;
	}
	return field > 24 ? 0 : -EINVAL;
}

static uint64_t boot_time_s(void)
{
	char line[256];
	unsigned long long bt = 0;
	FILE *fp = fopen("/proc/stat", "re");

	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "btime %llu", &bt) == 1)
			break;
	fclose(fp);
	return bt;
}

static unsigned count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	unsigned n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0; /* minus the directory's own fd */
}

static void render_process(struct sbuf *b)
{
	struct proc_stat ps;
	struct rlimit rl;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);

	if (tck <= 0)
		tck = 100;
	if (read_proc_stat(&ps) == 0) {
		header(b, "process_cpu_seconds_total", "counter",
		       "Total user and system CPU time spent in seconds.");
		sb_printf(b, "process_cpu_seconds_total %.2f\n",
			  (double)(ps.utime + ps.stime) / (double)tck);
		header(b, "process_resident_memory_bytes", "gauge",
		       "Resident memory size in bytes.");
		sb_printf(b, "process_resident_memory_bytes %" PRIu64 "\n",
			  ps.rss_pages * (uint64_t)page);
		header(b, "process_virtual_memory_bytes", "gauge",
		       "Virtual memory size in bytes.");
		sb_printf(b, "process_virtual_memory_bytes %" PRIu64 "\n",
			  ps.vsize);
		header(b, "process_start_time_seconds", "gauge",
		       "Start time of the process since unix epoch in "
		       "seconds.");
		sb_printf(b, "process_start_time_seconds %.2f\n",
			  (double)boot_time_s() +
				  (double)ps.starttime / (double)tck);
	}
	header(b, "process_open_fds", "gauge",
	       "Number of open file descriptors.");
	sb_printf(b, "process_open_fds %u\n", count_fds());
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		header(b, "process_max_fds", "gauge",
		       "Maximum number of open file descriptors.");
		sb_printf(b, "process_max_fds %llu\n",
			  (unsigned long long)rl.rlim_cur);
	}
}

/* ---- rendering in steps ---- */

/* The functions listed when the render began, each held by a ref so that
 * one forgotten meanwhile stays readable; a step renders one function's
 * series of one family, so no step takes long however many there are. */
struct metrics_render {
	struct metrics *m;
	struct metrics_fn **fns;
	size_t nfns;
	int fam;
	size_t idx;
	int stage; /* 0: functions, 1: the rest, 2: done */
	struct sbuf out;
	size_t out_off; /* bytes of out already read */
};

struct metrics_render *metrics_render_begin(struct metrics *m)
{
	struct metrics_render *rs = calloc(1, sizeof(*rs));
	size_t n = 0;

	if (!rs)
		return NULL;
	rs->m = m;
	for (struct metrics_fn *f = m->fns; f; f = f->next)
		n++;
	rs->fns = calloc(n ? n : 1, sizeof(*rs->fns));
	if (!rs->fns) {
		free(rs);
		return NULL;
	}
	for (struct metrics_fn *f = m->fns; f; f = f->next) {
		f->refs++;
		rs->fns[rs->nfns++] = f;
	}
	return rs;
}

static void render_step(struct metrics_render *rs)
{
	char fe[2 * sizeof(rs->fns[0]->name) + 1];

	if (rs->stage == 1) {
		render_labels(&rs->out, rs->m);
		render_process(&rs->out);
		rs->stage = 2;
		return;
	}
	if (rs->idx == 0)
		header(&rs->out, families[rs->fam].name, families[rs->fam].type,
		       families[rs->fam].help);
	if (rs->idx < rs->nfns) {
		struct metrics_fn *f = rs->fns[rs->idx++];

		render_fn(&rs->out, (enum family)rs->fam, f, esc(fe, f->name));
	}
	if (rs->idx >= rs->nfns) {
		rs->idx = 0;
		if (++rs->fam == FAM_N)
			rs->stage = 1;
	}
}

ssize_t metrics_render_read(struct metrics_render *rs, char *buf, size_t max)
{
	size_t n;

	while (rs->stage != 2 && rs->out.len - rs->out_off < max &&
	       !rs->out.failed) {
		if (rs->out_off == rs->out.len)
			rs->out.len = rs->out_off = 0; /* reuse the buffer */
		render_step(rs);
	}
	if (rs->out.failed)
		return -ENOMEM;
	n = rs->out.len - rs->out_off;
	if (n > max)
		n = max;
	memcpy(buf, rs->out.p + rs->out_off, n);
	rs->out_off += n;
	return (ssize_t)n;
}

void metrics_render_end(struct metrics_render *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->nfns; i++) {
		struct metrics_fn *f = rs->fns[i];

		if (--f->refs == 0 && f->dead)
			free(f);
	}
	free(rs->fns);
	free(rs->out.p);
	free(rs);
}

char *metrics_render(struct metrics *m, size_t *len_out)
{
	struct metrics_render *rs = metrics_render_begin(m);
	char *text;

	if (!rs)
		return NULL;
	while (rs->stage != 2 && !rs->out.failed)
		render_step(rs);
	text = rs->out.failed ? NULL : rs->out.p;
	if (text) {
		if (len_out)
			*len_out = rs->out.len;
		rs->out.p = NULL;
	}
	metrics_render_end(rs);
	return text;
}
