/* host_stubs.c: glint_abort and glint_write for guest code linked into host tests. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/include/glint.h"
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
