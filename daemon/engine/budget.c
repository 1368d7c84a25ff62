/* budget.c: the engine's global budgets: VMs, warm VMs, functions, memory and the descriptors behind them. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "engine_internal.h"
#include "log.h"

/* Descriptors one VM holds (VM, vCPU, and a memfd or eventfd on some
 * paths); a snapshot keeps its memfd. Counted high on purpose: running
 * out costs the whole daemon, a VM less costs one queued call. */
#define FDS_PER_VM 3
#define FDS_PER_FUNCTION 2
#define FDS_BASE 64 /* the daemon itself: KVM, epoll, eventfds, logs */
#define DEFAULT_MAX_FUNCTIONS 1024
#define DEFAULT_FD_RESERVE (1024 + 64)

/* Half of MemTotal in MiB, or 1 GiB when /proc/meminfo cannot be read. */
static uint64_t memory_default_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	unsigned long long kb = 0;
	char line[128];

	if (f == NULL)
		return 1024;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb ? kb / 1024 / 2 : 1024;
}

/* RLIMIT_NOFILE, raised to its hard limit first: the soft limit of a
 * daemon started from a shell is often 1024, far below what VMs need. */
static uint64_t fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? UINT32_MAX : rl.rlim_cur;
}

/* What the descriptors left after the reserve allow: functions (a
 * snapshot each) and VMs share them. Never fails: a daemon with a tiny
 * limit still starts, with small budgets and a warning. */
static void derive_fd_budgets(struct engine *e)
{
	const struct engine_config *c = &e->cfg;
	struct engine_budget *b = &e->budget;
	uint64_t reserve = c->fd_reserve ? c->fd_reserve : DEFAULT_FD_RESERVE;
	uint64_t avail, fns, vms;

	/* A small limit still leaves half of it to functions and VMs. */
	if (reserve > b->fd_limit / 2)
		reserve = b->fd_limit / 2;
	avail = b->fd_limit > reserve + FDS_BASE
			? b->fd_limit - reserve - FDS_BASE
			: FDS_PER_VM + FDS_PER_FUNCTION;
	fns = c->max_functions ? c->max_functions : DEFAULT_MAX_FUNCTIONS;
	if (c->max_functions == 0 && fns > avail / 8)
		fns = avail / 8 ? avail / 8 : 1;
	vms = avail > fns * FDS_PER_FUNCTION
		      ? (avail - fns * FDS_PER_FUNCTION) / FDS_PER_VM
		      : 1;
	if (vms == 0)
		vms = 1;
	b->max_functions = (unsigned)fns;
	b->max_vms = c->max_vms && c->max_vms < vms
			     ? c->max_vms
			     : (unsigned)(vms > UINT32_MAX ? UINT32_MAX : vms);
	if (c->max_vms > vms || (uint64_t)fns * FDS_PER_FUNCTION > avail)
		engine_log(LOG_LEVEL_WARN,
			   "budget: RLIMIT_NOFILE %" PRIu64 " with %" PRIu64
			   " descriptors reserved allows only %u VMs for %u "
			   "functions; raise LimitNOFILE",
			   b->fd_limit, reserve, b->max_vms, b->max_functions);
}

int budget_init(struct engine *e, char *err, size_t err_len)
{
	const struct engine_config *c = &e->cfg;
	struct engine_budget *b = &e->budget;

	(void)err;
	(void)err_len;
	memset(b, 0, sizeof(*b));
	b->fd_limit = fd_limit();
	derive_fd_budgets(e);
	b->max_warm_vms = c->max_warm_vms ? c->max_warm_vms : b->max_vms / 2;
	if (b->max_warm_vms > b->max_vms)
		b->max_warm_vms = b->max_vms;
	if (b->max_warm_vms == 0)
		b->max_warm_vms = 1;
	b->memory_budget_mb =
		c->memory_budget_mb ? c->memory_budget_mb : memory_default_mb();
	engine_log(LOG_LEVEL_INFO,
		   "budget: max_functions %u, max_vms %u, max_warm_vms %u, "
		   "memory_budget_mb %" PRIu64 ", RLIMIT_NOFILE %" PRIu64,
		   b->max_functions, b->max_vms, b->max_warm_vms,
		   b->memory_budget_mb, b->fd_limit);
	return 0;
}

/* Warm VMs a function holds: its min_warm, and at least the VM its
 * deploy boots. */
unsigned budget_warm_of(const struct function_settings *s)
{
	return s->min_warm ? s->min_warm : 1;
}

/* Memory a function holds while idle: its snapshot and its warm VMs. */
static uint64_t memory_of(const struct function_settings *s)
{
	return (uint64_t)s->memory_mb * (1 + budget_warm_of(s));
}

static void take_max(const struct function_settings *s, unsigned *warm,
		     uint64_t *mem_mb, int *counts)
{
	unsigned w = budget_warm_of(s);
	uint64_t m = memory_of(s);

	*warm = w > *warm ? w : *warm;
	*mem_mb = m > *mem_mb ? m : *mem_mb;
	*counts = 1;
}

/* What fn holds or is about to hold: the larger of its live version and
 * its deploys in flight (a deploy replaces the live version). */
static void held_by(struct fn *fn, unsigned *warm, uint64_t *mem_mb,
		    int *counts)
{
	*warm = 0;
	*mem_mb = 0;
	*counts = 0;
	if (fn->live && fn->visible)
		take_max(&fn->live->settings, warm, mem_mb, counts);
	if (fn->op_running && fn->op_running->kind == OP_DEPLOY)
		take_max(&fn->op_running->rec.settings, warm, mem_mb, counts);
	for (struct dlist *l = fn->ops.next; l != &fn->ops; l = l->next) {
		struct op *op = container_of(l, struct op, link);

		if (op->kind == OP_DEPLOY)
			take_max(&op->rec.settings, warm, mem_mb, counts);
	}
}

/* Totals held by every function but skip. */
static void held_by_others(const struct engine *e, const struct fn *skip,
			   unsigned *nfns, unsigned *warm, uint64_t *mem_mb)
{
	*nfns = *warm = 0;
	*mem_mb = 0;
	for (struct dlist *l = e->fns.next; l != &e->fns; l = l->next) {
		struct fn *fn = container_of(l, struct fn, link);
		unsigned w;
		uint64_t m;
		int counts;

		if (fn == skip)
			continue;
		held_by(fn, &w, &m, &counts);
		*nfns += (unsigned)counts;
		*warm += w;
		*mem_mb += m;
	}
}

/* Checks s against the room the other functions leave; the message names
 * the budget that has none. */
static int check_room(struct engine *e, const struct fn *fn,
		      const struct function_settings *s, char *msg,
		      size_t msg_len)
{
	const struct engine_budget *b = &e->budget;
	unsigned nfns, warm;
	uint64_t mem;

	held_by_others(e, fn, &nfns, &warm, &mem);
	if (nfns + 1 > b->max_functions) {
		snprintf(msg, msg_len,
			 "function budget exhausted: %u functions are "
			 "deployed, max_functions is %u",
			 nfns, b->max_functions);
		return -ENOSPC;
	}
	if (budget_warm_of(s) >
	    b->max_warm_vms -
		    (warm < b->max_warm_vms ? warm : b->max_warm_vms)) {
		snprintf(msg, msg_len,
			 "warm VM budget exceeded: min_warm %u does not fit, "
			 "%u of max_warm_vms %u are held by other functions",
			 s->min_warm, warm, b->max_warm_vms);
		return -ENOSPC;
	}
	if (memory_of(s) + mem > b->memory_budget_mb) {
		snprintf(msg, msg_len,
			 "memory budget exceeded: the snapshot and %u warm VMs "
			 "of %u MiB need %" PRIu64 " MiB, %" PRIu64
			 " MiB of memory_budget_mb %" PRIu64
			 " are held by other functions",
			 budget_warm_of(s), s->memory_mb, memory_of(s), mem,
			 b->memory_budget_mb);
		return -ENOSPC;
	}
	return 0;
}

int budget_admit_deploy(struct engine *e, const struct fn *fn,
			const struct function_settings *s, char *msg,
			size_t msg_len)
{
	return check_room(e, fn, s, msg, msg_len);
}

/* Start-up: a stored function gets the warm VMs that fit, down to the one
 * its load boots; -ENOSPC when not even that fits. */
int budget_fit_load(struct engine *e, struct fn *fn,
		    struct function_settings *s, char *msg, size_t msg_len)
{
	struct function_settings t = *s;
	int ret = check_room(e, fn, &t, msg, msg_len);

	while (ret < 0 && t.min_warm > 1) {
		t.min_warm = t.min_warm / 2;
		ret = check_room(e, fn, &t, msg, msg_len);
	}
	if (ret < 0 && t.min_warm == 1) {
		t.min_warm = 0;
		ret = check_room(e, fn, &t, msg, msg_len);
	}
	if (ret == 0 && t.min_warm != s->min_warm) {
		snprintf(msg, msg_len,
			 "min_warm lowered from %u to %u to fit the budgets",
			 s->min_warm, t.min_warm);
		s->min_warm = t.min_warm;
		return 1;
	}
	return ret;
}

/* The budget (its setting's name) that has no room for one more VM of
 * memory_mb, or NULL. */
const char *budget_vm_blocker(const struct engine *e, uint32_t memory_mb)
{
	const struct engine_budget *b = &e->budget;

	if (b->vms + 1 > b->max_vms)
		return "max_vms";
	if (b->memory_mb + memory_mb > b->memory_budget_mb)
		return "memory_budget_mb";
	return NULL;
}

void budget_charge_vm(struct engine *e, int sign, uint32_t memory_mb)
{
	struct engine_budget *b = &e->budget;

	if (sign > 0) {
		b->vms++;
		b->memory_mb += memory_mb;
	} else {
		b->vms--;
		b->memory_mb -= memory_mb;
	}
}

void engine_budget_get(const struct engine *e, struct engine_budget *out)
{
	uint64_t mem;

	*out = e->budget;
	held_by_others(e, NULL, &out->functions, &out->warm_vms, &mem);
}
