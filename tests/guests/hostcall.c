/* hostcall.c: test guest: host calls, used well and badly, by mode. */
#include <glint.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 *   mode            what the guest does                  host reports
 *   --------------  -----------------------------------  ------------------
 *   noop            one NOOP                             "noop=0"
 *   sleep N         SLEEP N ms                           "slept=0"
 *   loop            NOOPs until one fails                "calls=N rc=-1"
 *   bytes           NOOPs with a 1 MiB request until     "calls=N rc=-1"
 *                   one fails
 *   regs            NOOP, checks callee-visible regs     "regs=ok"
 *   spin            spins, no host call, until stopped   deadline exceeded
 *   unknown-op      op 999                               protocol error
 *   req-null        request at gpa 0 (unmapped)          protocol error
 *   req-sys         request in the system slot           protocol error
 *   req-huge        request of 2^62 bytes                protocol error
 *   req-wrap        request wrapping the address space   protocol error
 *   resp-text       response over its own code           protocol error
 *   resp-input      response over the read-only input    protocol error
 *   resp-sys        response overlapping the system slot protocol error
 *   sleep-short     SLEEP with a 4-byte request          protocol error
 *   sleep-long      SLEEP beyond GLINT_SLEEP_MAX_MS       protocol error
 */

static char heap_buf[1 << 20];

static void fail_with(long rc)
{
	glint_printf("unexpected rc=%ld", rc);
}

static void loop(size_t req_len)
{
	long rc = 0;
	unsigned n = 0;

	while (n < 10000000 &&
	       (rc = glint_hostcall(GLINT_HOSTCALL_NOOP, heap_buf, req_len,
				    NULL, 0)) == 0)
		n++;
	glint_printf("calls=%u rc=%ld", n, rc);
}

static void raw(unsigned op, uint64_t req, uint64_t req_len, uint64_t resp,
		uint64_t resp_cap)
{
	long rc = glint_hostcall(op, (const void *)(uintptr_t)req,
				 (size_t)req_len, (void *)(uintptr_t)resp,
				 (size_t)resp_cap);

	fail_with(rc); /* only reached if the host let it through */
}

static int bad_buffers(const char *m, const char *input)
{
	struct glint_hostcall_sleep sl = {.ms = 1, .reserved0 = 0};
	uintptr_t text = (uintptr_t)&glint_handle;

	if (!strcmp(m, "unknown-op"))
		raw(999, 0, 0, 0, 0);
	else if (!strcmp(m, "req-null"))
		raw(GLINT_HOSTCALL_NOOP, 0, 8, 0, 0);
	else if (!strcmp(m, "req-sys"))
		raw(GLINT_HOSTCALL_NOOP, GLINT_SYS_GPA, 64, 0, 0);
	else if (!strcmp(m, "req-huge"))
		raw(GLINT_HOSTCALL_NOOP, (uintptr_t)heap_buf, 1ull << 62, 0, 0);
	else if (!strcmp(m, "req-wrap"))
		raw(GLINT_HOSTCALL_NOOP, UINT64_MAX - 7, 16, 0, 0);
	else if (!strcmp(m, "resp-text"))
		raw(GLINT_HOSTCALL_SLEEP, (uintptr_t)&sl, sizeof(sl), text, 64);
	else if (!strcmp(m, "resp-input"))
		raw(GLINT_HOSTCALL_SLEEP, (uintptr_t)&sl, sizeof(sl),
		    (uintptr_t)input, 1);
	else if (!strcmp(m, "resp-sys"))
		raw(GLINT_HOSTCALL_SLEEP, (uintptr_t)&sl, sizeof(sl),
		    GLINT_SYS_GPA - 16, 64);
	else if (!strcmp(m, "sleep-short"))
		raw(GLINT_HOSTCALL_SLEEP, (uintptr_t)&sl, 4, 0, 0);
	else if (!strcmp(m, "sleep-long")) {
		sl.ms = GLINT_SLEEP_MAX_MS + 1;
		raw(GLINT_HOSTCALL_SLEEP, (uintptr_t)&sl, sizeof(sl), 0, 0);
	} else
		return 0;
	return 1;
}

/* The host must preserve every register but rax across a host call. */
static void regs(void)
{
	uint64_t rbx = 0x1111, r9 = 0x9999, r12 = 0x1212, r15 = 0x1515;
	uint64_t out_rbx, out_r9, out_r12, out_r15;
	register uint64_t r9r __asm__("r9") = r9;
	register uint64_t r12r __asm__("r12") = r12;
	register uint64_t r15r __asm__("r15") = r15;
	register uint64_t r8 __asm__("r8") = 0;
	long ret;

	__asm__ volatile("outb %%al, %[port]"
			 : "=a"(ret), "+b"(rbx), "+r"(r9r), "+r"(r12r),
			   "+r"(r15r)
			 : [port] "N"(GLINT_PORT_HOSTCALL), "a"(0),
			   "D"((uint64_t)GLINT_HOSTCALL_NOOP), "S"(0), "d"(0),
			   "c"(0), "r"(r8)
			 : "memory");
	out_rbx = rbx;
	out_r9 = r9r;
	out_r12 = r12r;
	out_r15 = r15r;
	if (ret == 0 && out_rbx == 0x1111 && out_r9 == 0x9999 &&
	    out_r12 == 0x1212 && out_r15 == 0x1515)
		glint_write_str("regs=ok");
	else
		glint_printf("regs=bad rc=%ld", ret);
}

void glint_handle(const char *input, size_t input_len)
{
	char m[32];
	size_t n = input_len < sizeof(m) - 1 ? input_len : sizeof(m) - 1;

	memcpy(m, input, n);
	m[n] = '\0';
	glint_set_content_type("text/plain");
	if (!strcmp(m, "noop"))
		glint_printf("noop=%ld", glint_hostcall(GLINT_HOSTCALL_NOOP,
							NULL, 0, NULL, 0));
	else if (!strncmp(m, "sleep ", 6))
		glint_printf("slept=%d", glint_sleep_ms((uint32_t)strtoul(
						 m + 6, NULL, 10)));
	else if (!strcmp(m, "loop"))
		loop(0);
	else if (!strcmp(m, "bytes"))
		loop(sizeof(heap_buf));
	else if (!strcmp(m, "regs"))
		regs();
	else if (!strcmp(m, "spin"))
		for (;;)
			__asm__ volatile("pause");
	else if (!bad_buffers(m, input))
		glint_fail("unknown mode");
}
