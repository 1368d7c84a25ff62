/* wasi.c: the WASI preview1 calls a glint function may import.
 *
 * wasm2c names the import of wasi_snapshot_preview1.fd_read
 * Z_wasi_snapshot_preview1Z_fd_read and passes the host instance first;
 * every pointer the module passes is an offset into its linear memory and
 * is checked against the memory's size before use. No call leaves the VM:
 * stdin is the request body, stdout the CGI response (cgi.c), stderr the
 * call's log, clocks and random numbers come from the call header.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../src/internal.h"
#include "cgi.h"
#include "glint.h"
#include "glint_wasi.h"
#include "wasi_env.h"

#define W_SUCCESS 0
#define W_BADF 8
#define W_FAULT 21
#define W_INVAL 28
#define W_NOSYS 52
#define W_NOTSUP 58
#define W_SPIPE 70

typedef struct Z_wasi_snapshot_preview1_instance_t wasi_t;

static void (*start_fn)(void *);
static void *start_instance;
static int ran_in_init;
/* The request body as stdin; set when the call begins. */
static const char *in_ptr;
static size_t in_left;

/* [off, off + len) of linear memory, or NULL when out of bounds. */
static uint8_t *mem_at(wasi_t *w, uint32_t off, uint64_t len)
{
	if (w->memory == NULL || (uint64_t)off + len > w->memory->size)
		return NULL;
	return w->memory->data + off;
}

static int put_u32(wasi_t *w, uint32_t off, uint32_t v)
{
	uint8_t *p = mem_at(w, off, 4);

	if (p == NULL)
		return W_FAULT;
	memcpy(p, &v, 4);
	return W_SUCCESS;
}

static int put_u64(wasi_t *w, uint32_t off, uint64_t v)
{
	uint8_t *p = mem_at(w, off, 8);

	if (p == NULL)
		return W_FAULT;
	memcpy(p, &v, 8);
	return W_SUCCESS;
}

/* Ends the program: flushes the CGI state, then the call. */
static __attribute__((noreturn)) void program_exit(uint32_t code)
{
	if (!glint__in_call())
		glint_abort("the module exited (status %u) during start-up, "
			    "before it read standard input",
			    code);
	cgi_finish();
	fflush(stderr);
	glint__end_call(code > 255 ? 255 : (int)code);
}

/* ---- start-up and the call ---------------------------------------------- */

void glint_wasi_init(wasi_t *wasi, void (*start)(void *), void *instance,
		     int reads_stdin)
{
	(void)wasi;
	start_fn = start;
	start_instance = instance;
	if (!reads_stdin)
		return;
	ran_in_init = 1;
	start(instance); /* snapshots at the first fd_read(0) */
	program_exit(0);
}

void glint_wasi_handle(const char *input, size_t input_len)
{
	if (ran_in_init)
		glint_abort("wasi: call without a snapshot in fd_read");
	in_ptr = input;
	in_left = input_len;
	wasi_env_begin_call(input_len);
	start_fn(start_instance);
	program_exit(0);
}

/* The first read of stdin during start-up: the snapshot is taken here and
 * every call continues from this point with its own request. */
static void refill_early_env(wasi_t *w);

static void first_read(wasi_t *w)
{
	const char *input;
	size_t len;

	glint__ready_now(&input, &len);
	in_ptr = input;
	in_left = len;
	wasi_env_begin_call(len);
	refill_early_env(w);
}

/* ---- file descriptors ---------------------------------------------------- */

/* Walks an iovec array: calls fn on each buffer until it takes less than
 * offered; the total goes to *nout. */
typedef size_t (*io_fn)(uint8_t *buf, size_t len, int fd);

static uint32_t iovec_walk(wasi_t *w, uint32_t iovs, uint32_t n, int fd,
			   io_fn fn, uint32_t nout)
{
	uint8_t *vec = mem_at(w, iovs, (uint64_t)n * 8);
	uint64_t total = 0;

	if (vec == NULL)
		return W_FAULT;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t base, len;
		uint8_t *buf;
		size_t done;

		memcpy(&base, vec + i * 8, 4);
		memcpy(&len, vec + i * 8 + 4, 4);
		buf = mem_at(w, base, len);
		if (buf == NULL)
			return W_FAULT;
		done = fn(buf, len, fd);
		total += done;
		if (done < len)
			break;
	}
	if (total > UINT32_MAX)
		return W_INVAL;
	return put_u32(w, nout, (uint32_t)total);
}

static size_t read_stdin(uint8_t *buf, size_t len, int fd)
{
	size_t n = len < in_left ? len : in_left;

	(void)fd;
	memcpy(buf, in_ptr, n);
	in_ptr += n;
	in_left -= n;
	return n;
}

static size_t write_out(uint8_t *buf, size_t len, int fd)
{
	if (fd == 1)
		cgi_write((const char *)buf, len);
	else
		fwrite(buf, 1, len, stderr); /* one log line per line */
	return len;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_read(wasi_t *w, uint32_t fd,
					   uint32_t iovs, uint32_t n,
					   uint32_t nread)
{
	if (fd != 0)
		return W_BADF;
	if (!glint__in_call())
		first_read(w);
	return iovec_walk(w, iovs, n, 0, read_stdin, nread);
}

uint32_t Z_wasi_snapshot_preview1Z_fd_write(wasi_t *w, uint32_t fd,
					    uint32_t iovs, uint32_t n,
					    uint32_t nwritten)
{
	if (fd != 1 && fd != 2)
		return W_BADF;
	return iovec_walk(w, iovs, n, (int)fd, write_out, nwritten);
}

uint32_t Z_wasi_snapshot_preview1Z_fd_close(wasi_t *w, uint32_t fd)
{
	(void)w;
	return fd <= 2 ? W_SUCCESS : W_BADF;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_seek(wasi_t *w, uint32_t fd,
					   uint64_t offset, uint32_t whence,
					   uint32_t newoffset)
{
	(void)w;
	(void)offset;
	(void)whence;
	(void)newoffset;
	return fd <= 2 ? W_SPIPE : W_BADF;
}

/* fdstat: filetype u8 @0, flags u16 @2, rights_base u64 @8,
 * rights_inheriting u64 @16. stdin may be read, stdout and stderr
 * written: a character device each, not seekable. */
uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_get(wasi_t *w, uint32_t fd,
						 uint32_t out)
{
	uint8_t *p = mem_at(w, out, 24);
	uint64_t rights = fd == 0 ? 1u << 1  /* fd_read */
				  : 1u << 6; /* fd_write */

	if (fd > 2)
		return W_BADF;
	if (p == NULL)
		return W_FAULT;
	memset(p, 0, 24);
	p[0] = 2; /* character device */
	memcpy(p + 8, &rights, 8);
	return W_SUCCESS;
}

/* No preopened directories: EBADF ends the libc's scan for them. */
uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_get(wasi_t *w, uint32_t fd,
						  uint32_t out)
{
	(void)w;
	(void)fd;
	(void)out;
	return W_BADF;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(wasi_t *w, uint32_t fd,
						       uint32_t path,
						       uint32_t len)
{
	(void)w;
	(void)fd;
	(void)path;
	(void)len;
	return W_BADF;
}

/* ---- process ------------------------------------------------------------ */

void Z_wasi_snapshot_preview1Z_proc_exit(wasi_t *w, uint32_t code)
{
	(void)w;
	program_exit(code);
}

uint32_t Z_wasi_snapshot_preview1Z_sched_yield(wasi_t *w)
{
	(void)w;
	return W_SUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_random_get(wasi_t *w, uint32_t buf,
					      uint32_t len)
{
	uint8_t *p = mem_at(w, buf, len);

	if (p == NULL)
		return W_FAULT;
	for (uint32_t i = 0; i < len; i += 8) {
		uint64_t r = glint_random_u64();

		memcpy(p + i, &r, len - i < 8 ? len - i : 8);
	}
	return W_SUCCESS;
}

/* ---- clocks: the call's wall clock, which does not advance in a call ---- */

uint32_t Z_wasi_snapshot_preview1Z_clock_time_get(wasi_t *w, uint32_t id,
						  uint64_t precision,
						  uint32_t out)
{
	(void)precision;
	if (id > 3)
		return W_INVAL;
	return put_u64(w, out, (uint64_t)glint_wall_ns());
}

uint32_t Z_wasi_snapshot_preview1Z_clock_res_get(wasi_t *w, uint32_t id,
						 uint32_t out)
{
	if (id > 3)
		return W_INVAL;
	return put_u64(w, out, 1);
}

/* ---- environment and arguments ------------------------------------------ */

/* Lays out a vector of NUL-terminated strings: pointers at vec, bytes at
 * buf, the way the libc asked for after the *_sizes_get call. */
static uint32_t put_strings(wasi_t *w, uint32_t vec, uint32_t buf,
			    const char *const *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(s[i]) + 1;
		uint8_t *dst = mem_at(w, buf, len);

		if (dst == NULL || put_u32(w, vec + (uint32_t)(i * 4), buf))
			return W_FAULT;
		memcpy(dst, s[i], len);
		buf += (uint32_t)len;
	}
	return W_SUCCESS;
}

static uint32_t put_sizes(wasi_t *w, uint32_t count, uint32_t bytes,
			  const char *const *s, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += strlen(s[i]) + 1;
	if (put_u32(w, count, (uint32_t)n) ||
	    put_u32(w, bytes, (uint32_t)total))
		return W_FAULT;
	return W_SUCCESS;
}

/*
 * A language runtime may read the environment during start-up, before the
 * first read of stdin and so before the snapshot (Rust's std and any C
 * program that uses `environ` do, from a constructor), and keep the libc's
 * copy in linear memory. Then the request's variables would never be seen.
 * So during start-up the environment is padded with ENV_RESERVE_SLOTS
 * entries pointing at one ENV_RESERVE_BYTES placeholder, and at the start
 * of each call the libc's array and strings (where environ_get put them)
 * are overwritten in place with the call's variables, NULL-terminated.
 */
#define ENV_RESERVE_SLOTS 256 /* the CGI variables and request headers */
#define ENV_RESERVE_BYTES 65536
static const char env_placeholder_name[] = "GLINT_ENV_RESERVED=";

static struct {
	uint32_t vec, buf, slots, bytes;
	int set;
} early_env;

static size_t strings_bytes(const char *const *s, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += strlen(s[i]) + 1;
	return total;
}

uint32_t Z_wasi_snapshot_preview1Z_environ_sizes_get(wasi_t *w, uint32_t count,
						     uint32_t bytes)
{
	size_t n;
	const char *const *env = wasi_env_get(&n);

	if (glint__in_call())
		return put_sizes(w, count, bytes, env, n);
	if (put_u32(w, count, (uint32_t)n + ENV_RESERVE_SLOTS) ||
	    put_u32(w, bytes,
		    (uint32_t)(strings_bytes(env, n) + ENV_RESERVE_BYTES)))
		return W_FAULT;
	return W_SUCCESS;
}

/* Start-up: the fixed variables, then the reserve (see above). */
static uint32_t early_environ_get(wasi_t *w, uint32_t vec, uint32_t buf,
				  const char *const *env, size_t n)
{
	uint32_t at = buf + (uint32_t)strings_bytes(env, n);
	size_t name_len = sizeof(env_placeholder_name) - 1;
	uint8_t *p = mem_at(w, at, ENV_RESERVE_BYTES);

	if (p == NULL || put_strings(w, vec, buf, env, n))
		return W_FAULT;
	memcpy(p, env_placeholder_name, name_len);
	memset(p + name_len, 'x', ENV_RESERVE_BYTES - name_len - 1);
	p[ENV_RESERVE_BYTES - 1] = '\0';
	for (size_t i = 0; i < ENV_RESERVE_SLOTS; i++)
		if (put_u32(w, vec + (uint32_t)((n + i) * 4), at))
			return W_FAULT;
	early_env.vec = vec;
	early_env.buf = buf;
	early_env.slots = (uint32_t)n + ENV_RESERVE_SLOTS;
	early_env.bytes = (uint32_t)(at - buf) + ENV_RESERVE_BYTES;
	early_env.set = 1;
	return W_SUCCESS;
}

/* Call start: the call's variables over the libc's start-up copy. */
static void refill_early_env(wasi_t *w)
{
	size_t n, i, used = 0;
	const char *const *env = wasi_env_get(&n);

	if (!early_env.set)
		return;
	for (i = 0; i < n && i < early_env.slots; i++) {
		size_t len = strlen(env[i]) + 1;
		uint8_t *dst = mem_at(w, early_env.buf + (uint32_t)used, len);

		if (used + len > early_env.bytes || dst == NULL)
			break;
		memcpy(dst, env[i], len);
		put_u32(w, early_env.vec + (uint32_t)(i * 4),
			early_env.buf + (uint32_t)used);
		used += len;
	}
	/* The libc's array has one more slot, for its NULL. */
	put_u32(w, early_env.vec + (uint32_t)(i * 4), 0);
}

uint32_t Z_wasi_snapshot_preview1Z_environ_get(wasi_t *w, uint32_t vec,
					       uint32_t buf)
{
	size_t n;
	const char *const *env = wasi_env_get(&n);

	if (!glint__in_call())
		return early_environ_get(w, vec, buf, env, n);
	return put_strings(w, vec, buf, env, n);
}

static const char *const argv0[] = {"function.wasm"};

uint32_t Z_wasi_snapshot_preview1Z_args_sizes_get(wasi_t *w, uint32_t count,
						  uint32_t bytes)
{
	return put_sizes(w, count, bytes, argv0, 1);
}

uint32_t Z_wasi_snapshot_preview1Z_args_get(wasi_t *w, uint32_t vec,
					    uint32_t buf)
{
	return put_strings(w, vec, buf, argv0, 1);
}

/* ---- poll_oneoff: clock subscriptions only -------------------------------- */

/*
 * Time stands still inside a call, so a clock subscription is due at once
 * when its time falls within the call's deadline; one that would wait past
 * the deadline ends the call (the host would stop it there anyway). fd
 * subscriptions get ENOTSUP in their event. Subscription: userdata u64 @0,
 * tag u8 @8, clock id u32 @16, timeout u64 @24, precision u64 @32, flags
 * u16 @40 (1 = absolute). Event: userdata u64 @0, error u16 @8, type u8 @10.
 */
static uint16_t clock_due(const uint8_t *sub)
{
	int64_t deadline = glint_deadline_ns(), now = glint_wall_ns();
	uint64_t timeout;
	uint16_t flags;
	uint32_t id;

	memcpy(&id, sub + 16, 4);
	memcpy(&timeout, sub + 24, 8);
	memcpy(&flags, sub + 40, 2);
	if (id > 3)
		return W_INVAL;
	if (deadline > 0) {
		uint64_t at = (flags & 1) ? timeout : (uint64_t)now + timeout;

		if (at > (uint64_t)deadline)
			glint_fail("poll_oneoff: a sleep past the call's "
				   "deadline");
	}
	return W_SUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_poll_oneoff(wasi_t *w, uint32_t in,
					       uint32_t out, uint32_t nsubs,
					       uint32_t nevents)
{
	uint8_t *subs = mem_at(w, in, (uint64_t)nsubs * 48);
	uint8_t *evs = mem_at(w, out, (uint64_t)nsubs * 32);

	if (nsubs == 0)
		return W_INVAL;
	if (subs == NULL || evs == NULL)
		return W_FAULT;
	for (uint32_t i = 0; i < nsubs; i++) {
		const uint8_t *sub = subs + (size_t)i * 48;
		uint8_t *ev = evs + (size_t)i * 32;
		uint16_t err = sub[8] == 0 ? clock_due(sub) : W_NOTSUP;

		memset(ev, 0, 32);
		memcpy(ev, sub, 8);
		memcpy(ev + 8, &err, 2);
		ev[10] = sub[8];
	}
	return put_u32(w, nevents, nsubs);
}
