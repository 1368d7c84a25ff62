/* runtime.c: guest start-up, the call path, output, logging and call info. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "glint.h"
#include "glint_abi.h"
#include "internal.h"

/* Only the assembly and this file touch the host's pages. */
#define CALL_PAGE ((volatile struct glint_call_page *)GLINT_CALL_PAGE_GPA)
#define LOG_BUF ((char *)GLINT_LOG_GPA)
#define LOG_LINE_MAX 1024
#define MSG_MAX 1024

void glint__start(void) __attribute__((noreturn, used));
void glint__ready(unsigned ready_port);
void glint__fpu_reset(void);
extern const char glint__abi_note[];

/* Weak so that a function without an init hook still links. */
extern void glint_init(void) __attribute__((weak));
/* Set by stdio when stderr holds text (see internal.h); in .bss so the
 * page is dirtied only by calls that write to stderr. */
void (*glint__at_call_end)(void);
/* Static constructors (C++ globals, __attribute__((constructor))), from
 * glint.ld. */
typedef void (*ctor_fn)(void);
extern const ctor_fn glint__init_array_start[], glint__init_array_end[];

/* Start-up state: captured by the snapshot, identical in every call. */
static struct glint_boot_info boot;
/* Keeps the ABI note's object in the link (see note.c). */
__attribute__((used)) static const void *const note_ref = glint__abi_note;

/*
 * Per-call state lives in glint__start's stack frame, on the stack page
 * that every call dirties anyway; keeping it out of .bss saves restoring
 * one more page per call. The pointer itself is set once, before READY.
 */
struct call_state {
	struct glint_call_header call;
	uint64_t out_len;
	uint64_t rng[4];
	int in_call; /* 0 during init */
};
static struct call_state *cs;

static inline void port_out(uint16_t port, uint64_t rdi, uint64_t rsi)
{
	__asm__ volatile("outb %%al, %%dx"
			 :
			 : "d"(port), "a"(0), "D"(rdi), "S"(rsi)
			 : "memory");
}

static __attribute__((noreturn)) void abort_msg(const char *msg, size_t len)
{
	/* The host never resumes after ABORT; if it did, ask again. */
	for (;;)
		port_out(GLINT_PORT_ABORT, (uint64_t)(uintptr_t)msg, len);
}

static void format_sink(void *ctx, const char *buf, size_t len)
{
	char **pos = ctx;
	char *end = pos[1];
	size_t room = (size_t)(end - pos[0]);

	if (len > room)
		len = room;
	memcpy(pos[0], buf, len);
	pos[0] += len;
}

/* Formats into buf (size >= 1) and returns the length, always terminated. */
static size_t format_to(char *buf, size_t size, const char *fmt, va_list ap)
{
	char *pos[2] = {buf, buf + size - 1};

	glint__vformat(format_sink, pos, fmt, ap);
	*pos[0] = '\0';
	return (size_t)(pos[0] - buf);
}

void glint_abort(const char *fmt, ...)
{
	static char msg[MSG_MAX];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	len = format_to(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	abort_msg(msg, len);
}

void glint__assert_fail(const char *expr, const char *file, int line)
{
	glint_abort("%s:%d: assertion failed: %s", file, line, expr);
}

/* ---- output ------------------------------------------------------------ */

void glint_write(const void *buf, size_t len)
{
	uint64_t cap = boot.out_cap;

	if (cs->out_len < cap) {
		uint64_t room = cap - cs->out_len;
		memcpy((char *)(uintptr_t)(boot.out_gpa + cs->out_len), buf,
		       len < room ? len : (size_t)room);
	}
	/* Keep counting past the end: the host reports the size asked for. */
	cs->out_len = cs->out_len + len < cs->out_len ? UINT64_MAX
						      : cs->out_len + len;
}

void glint_write_str(const char *s)
{
	glint_write(s, strlen(s));
}

static void output_sink(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	glint_write(buf, len);
}

int glint_vprintf(const char *fmt, va_list ap)
{
	return glint__vformat(output_sink, NULL, fmt, ap);
}

int glint_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = glint_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

size_t glint_output_len(void)
{
	return (size_t)cs->out_len;
}

void glint_output_reset(void)
{
	cs->out_len = 0;
}

void glint_set_content_type(const char *content_type)
{
	volatile char *dst = CALL_PAGE->result.content_type;
	size_t i = 0;

	if (content_type)
		for (; i < GLINT_CONTENT_TYPE_MAX - 1 && content_type[i]; i++)
			dst[i] = content_type[i];
	dst[i] = '\0';
}

/* ---- logging ----------------------------------------------------------- */

void glint_vlog(int level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX + 4];
	volatile struct glint_call_result *res = &CALL_PAGE->result;
	uint32_t used = res->log_len;
	size_t len, i;

	if (level < 0 || level > 7)
		level = GLINT_LOG_INFO;
	line[0] = '<';
	line[1] = (char)('0' + level);
	line[2] = '>';
	len = 3 + format_to(line + 3, LOG_LINE_MAX, fmt, ap);
	for (i = 3; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[len++] = '\n';
	if (used > GLINT_LOG_BYTES || len > GLINT_LOG_BYTES - used) {
		res->log_dropped++;
		return;
	}
	memcpy(LOG_BUF + used, line, len);
	/* Published per line so the host sees the log even after a fault. */
	res->log_len = used + (uint32_t)len;
}

void glint_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	glint_vlog(level, fmt, ap);
	va_end(ap);
}

/* ---- call information -------------------------------------------------- */

long glint_hostcall(unsigned op, const void *req, size_t req_len, void *resp,
		    size_t resp_cap)
{
	register uint64_t r8 __asm__("r8") = resp_cap;
	long ret;

	/* The immediate port form leaves rdx free for the request length. */
	__asm__ volatile("outb %%al, %[port]"
			 : "=a"(ret)
			 : [port] "N"(GLINT_PORT_HOSTCALL), "a"(0),
			   "D"((uint64_t)op), "S"(req), "d"(req_len), "c"(resp),
			   "r"(r8)
			 : "memory");
	return ret;
}

int glint_sleep_ms(uint32_t ms)
{
	struct glint_hostcall_sleep req = {.ms = ms, .reserved0 = 0};

	return (int)glint_hostcall(GLINT_HOSTCALL_SLEEP, &req, sizeof(req),
				   NULL, 0);
}

uint64_t glint_call_id(void)
{
	return cs->call.call_id;
}

int64_t glint_wall_ns(void)
{
	return cs->call.wall_ns;
}

int64_t glint_deadline_ns(void)
{
	return cs->call.deadline_ns;
}

void glint_heap_range(uintptr_t *start, size_t *len_bytes)
{
	*start = (uintptr_t)boot.heap_gpa;
	*len_bytes = (size_t)boot.heap_bytes;
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna): small, fast, passes BigCrush. */
uint64_t glint_random_u64(void)
{
	uint64_t result = rotl(cs->rng[1] * 5, 7) * 9;
	uint64_t t = cs->rng[1] << 17;

	cs->rng[2] ^= cs->rng[0];
	cs->rng[3] ^= cs->rng[1];
	cs->rng[1] ^= cs->rng[2];
	cs->rng[0] ^= cs->rng[3];
	cs->rng[2] ^= t;
	cs->rng[3] = rotl(cs->rng[3], 45);
	return result;
}

uint64_t glint_random_below(uint64_t bound)
{
	uint64_t threshold, r;

	if (bound == 0)
		return 0;
	/* Rejection sampling avoids the modulo bias. */
	threshold = -bound % bound;
	do
		r = glint_random_u64();
	while (r < threshold);
	return r % bound;
}

static void seed_random(const uint64_t seed[GLINT_SEED_WORDS])
{
	uint64_t z = 0x9e3779b97f4a7c15ull;
	int i;

	for (i = 0; i < 4; i++)
		cs->rng[i] = seed[i];
	/* An all-zero state would stay zero: derive one (splitmix64). */
	if ((cs->rng[0] | cs->rng[1] | cs->rng[2] | cs->rng[3]) == 0) {
		for (i = 0; i < 4; i++) {
			z += 0x9e3779b97f4a7c15ull;
			cs->rng[i] = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		}
	}
}

/* ---- start-up and the call path ---------------------------------------- */

static inline __attribute__((noreturn, always_inline)) void
finish(enum glint_status status)
{
	if (glint__at_call_end)
		glint__at_call_end();
	port_out(GLINT_PORT_DONE, status, cs->out_len);
	abort_msg("guest resumed after DONE", 24);
}

void glint_fail(const char *fmt, ...)
{
	char *area = (char *)(uintptr_t)boot.out_gpa;
	va_list ap;

	va_start(ap, fmt);
	if (!cs->in_call) {
		/* No call to fail yet: a failing init is a crash. */
		static char msg[MSG_MAX];
		size_t len = format_to(msg, sizeof(msg), fmt, ap);

		abort_msg(msg, len);
	}
	cs->out_len = 0;
	if (boot.out_cap > 0)
		cs->out_len = format_to(area, (size_t)boot.out_cap, fmt, ap);
	va_end(ap);
	finish(GLINT_STATUS_ERROR);
}

void glint__end_call(int status)
{
	if (glint__at_call_end)
		glint__at_call_end();
	if (!cs->in_call)
		glint_abort("exit(%d) called during glint_init", status);
	if (status == 0)
		finish(GLINT_STATUS_OK);
	glint_fail("exit status %d", status);
}

int glint__in_call(void)
{
	return cs && cs->in_call;
}

/* Reads the call header and makes the call current; the input's length is
 * checked against the area the host gave at boot. */
static void begin_call(void)
{
	volatile struct glint_call_page *page = CALL_PAGE;
	int i;

	cs->call.call_id = page->call.call_id;
	cs->call.in_len = page->call.in_len;
	for (i = 0; i < GLINT_SEED_WORDS; i++)
		cs->call.seed[i] = page->call.seed[i];
	cs->call.wall_ns = page->call.wall_ns;
	cs->call.deadline_ns = page->call.deadline_ns;
	if (cs->call.in_len > boot.in_cap)
		glint_abort("call header: input length %llu > capacity %llu",
			    (unsigned long long)cs->call.in_len,
			    (unsigned long long)boot.in_cap);

	page->result.content_type[0] = '\0';
	page->result.status = 0;
	page->result.log_len = 0;
	page->result.log_dropped = 0;
	glint__diag_clear();
	cs->out_len = 0;
	cs->in_call = 1;
	seed_random(cs->call.seed);
}

/* The call's body. Without a request header (glint-run, bare VMM calls)
 * the whole input is the body. */
static const char *call_body(size_t *len)
{
	const struct glint_request *req;

	req = (const struct glint_request *)(uintptr_t)boot.in_gpa;
	if (cs->call.in_len < sizeof(*req) ||
	    req->magic != GLINT_REQUEST_MAGIC) {
		*len = (size_t)cs->call.in_len;
		return (const char *)req;
	}
	if (req->body.off > cs->call.in_len ||
	    req->body.len > cs->call.in_len - req->body.off)
		glint_abort("call header: malformed request area");
	*len = (size_t)req->body.len;
	return (const char *)req + req->body.off;
}

static __attribute__((noreturn)) void serve_call(void)
{
	const char *body;
	size_t len;

	begin_call();
	body = call_body(&len);
	glint_handle(body, len);
	finish(GLINT_STATUS_OK);
}

/*
 * Signals READY from inside glint_init, at whatever depth the caller is:
 * the snapshot then holds the caller's whole stack, and every call resumes
 * by returning from here with the call's body. The caller must end each
 * call itself (glint__end_call, glint_fail): glint_init never returns in a
 * call. Runtimes that do expensive start-up before they read their input
 * (the WASI layer, at the first read of stdin) snapshot here.
 */
void glint__ready_now(const char **input, size_t *input_len)
{
	if (cs->in_call)
		glint_abort("glint__ready_now called during a call");
	glint__fpu_reset();
	glint__ready(GLINT_PORT_READY);
	begin_call();
	*input = call_body(input_len);
}

/* The word the host reads to explain a failed call (glint_abi.h). */
static volatile uint32_t *diag_word(void)
{
	return (volatile uint32_t *)(uintptr_t)(GLINT_CALL_PAGE_GPA +
						GLINT_CALL_PAGE_DIAG_OFFSET);
}

void glint__diag_clear(void)
{
	*diag_word() = 0;
}

void glint__diag_set(uint32_t bits)
{
	*diag_word() |= bits;
}

void glint__start(void)
{
	volatile struct glint_call_page *page = CALL_PAGE;
	struct call_state state;

	memset(&state, 0, sizeof(state));
	cs = &state;

	if (page->boot.magic != GLINT_BOOT_MAGIC)
		glint_abort("boot info: bad magic");
	if (page->boot.abi_version != GLINT_ABI_VERSION)
		glint_abort("boot info: ABI version %u, this image needs %u",
			    (unsigned)page->boot.abi_version,
			    (unsigned)GLINT_ABI_VERSION);
	memcpy(&boot, (const void *)&page->boot, sizeof(boot));
	page->result.log_len = 0;
	page->result.log_dropped = 0;
	glint__diag_clear();
	glint__heap_init((void *)(uintptr_t)boot.heap_gpa,
			 (size_t)boot.heap_bytes);
	seed_random(cs->call.seed); /* all zero: a fixed sequence during init */
	for (const ctor_fn *c = glint__init_array_start;
	     c < glint__init_array_end; c++)
		(*c)();
	if (glint_init)
		glint_init();
	/* The host restores the FPU/SSE state of READY before every call;
	 * make that the reset state, whatever the init hook did. */
	glint__fpu_reset();
	glint__ready(GLINT_PORT_READY);
	/* Every call starts here, from the snapshot. */
	serve_call();
}
