/* host_stubs.c: glint_abort and glint_write for guest code linked into host tests. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/include/glint.h"
#include "guest/src/internal.h"
#include "host_stubs.h"

jmp_buf stub_abort_env;
int stub_abort_armed;
char stub_abort_msg[256];
char stub_output[65536];
size_t stub_output_len;

void glint_abort(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(stub_abort_msg, sizeof(stub_abort_msg), fmt, ap);
	va_end(ap);
	if (!stub_abort_armed) {
		fprintf(stderr, "unexpected glint_abort: %s\n", stub_abort_msg);
		exit(99);
	}
	stub_abort_armed = 0;
	longjmp(stub_abort_env, 1);
}

void glint_write(const void *buf, size_t len)
{
	size_t room = sizeof(stub_output) - stub_output_len;

	if (len > room)
		len = room;
	memcpy(stub_output + stub_output_len, buf, len);
	stub_output_len += len;
}

/* A fixed sequence (splitmix64), for rand(). */
uint64_t glint_random_u64(void)
{
	static uint64_t state;
	uint64_t z = (state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int64_t stub_wall_ns;
char stub_log[4096];
size_t stub_log_len;
jmp_buf stub_exit_env;
int stub_exit_armed;

int64_t glint_wall_ns(void)
{
	return stub_wall_ns;
}

void glint_write_str(const char *s)
{
	glint_write(s, strlen(s));
}

int glint_vprintf(const char *fmt, va_list ap)
{
	char buf[4096];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	glint_write(buf, strlen(buf));
	return n;
}

/* Each log line is kept as "<level>text\n". */
void glint_log(int level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = snprintf(stub_log + stub_log_len, sizeof(stub_log) - stub_log_len,
		     "<%d>%s\n", level, line);
	if (n > 0 && (size_t)n < sizeof(stub_log) - stub_log_len)
		stub_log_len += (size_t)n;
}

void glint__end_call(int status)
{
	if (!stub_exit_armed) {
		fprintf(stderr, "unexpected exit(%d)\n", status);
		exit(99);
	}
	stub_exit_armed = 0;
	longjmp(stub_exit_env, status + 1);
}

/* Set by stdio.c; the guest runtime calls it when a call ends. */
void (*glint__at_call_end)(void);

uint32_t stub_diag;

void glint__diag_set(uint32_t bits)
{
	stub_diag |= bits;
}
