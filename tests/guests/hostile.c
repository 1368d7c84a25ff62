/* hostile.c: test guest: every misbehaviour the host must survive, by name. */
#include <glint.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glint_abi.h"

/*
 * The input names a mode; the host must end the call with the error in the
 * right-hand column and stay healthy (the next call on the restored VM
 * works). Raw port misuse bypasses the SDK with inline assembly.
 *
 *   mode            what the guest does                  host reports
 *   --------------  -----------------------------------  ---------------------
 *   ok              echoes "ok"                          success, body "ok"
 *   log-levels      one line at each of err, warning,    success, body "ok"
 *                   info and debug
 *   null-read       reads address 0                      exception #PF (14)
 *   null-write      writes address 0                     exception #PF (14)
 *   div0            integer division by zero             exception #DE (0)
 *   ud2             executes ud2                         exception #UD (6)
 *   int3            executes int3                        exception #BP (3)
 *   int80           executes int $0x80                   exception (#GP or #UD)
 *   syscall         executes syscall                     exception #UD/#GP/#PF
 *   loop            loops forever                        timeout
 *   stack-overflow  unbounded recursion                  exception #PF (guard)
 *   write-text      writes its own code                  exception #PF (14)
 *   exec-data       jumps into heap, stack and data      exception #PF (14)
 *   write-pt        writes GLINT_SYS_GPA (page tables)   exception #PF (14)
 *   read-sys        reads GLINT_SYS_GPA                  exception #PF (14)
 *   jump-sys        jumps to GLINT_SYS_GPA               exception #PF (14)
 *   cli             executes cli at CPL 3                exception #GP (13)
 *   hlt             executes hlt at CPL 3                exception #GP (13)
 *   wrmsr           writes an MSR at CPL 3               exception #GP (13)
 *   rdmsr           reads an MSR at CPL 3                exception #GP (13)
 *   mov-cr3         writes CR3 at CPL 3                  exception #GP (13)
 *   bad-port        out to port 0x55 (not in bitmap)     exception #GP (13)
 *   fault-port      out to GLINT_PORT_FAULT from CPL 3   exception #GP (13)
 *   ready-in-call   out to GLINT_PORT_READY during call  protocol error
 *   big-output      DONE with length out_cap + 1         output too large
 *   huge-output     DONE with length 2^63                output too large
 *   abort           glint_abort("boom")                  abort, message "boom"
 *   abort-lie       ABORT with a bad gpa, huge length    protocol error (or
 *                                                        abort, no message)
 *   log-flood       1 MiB of log lines via the SDK       success; log full,
 *                                                        lines dropped > 0
 *   log-lie         result.log_len = 0xffffffff          success; log ignored
 *                                                        or clamped
 *   fail            glint_fail("nope")                   function error "nope"
 *   oom             malloc until NULL, then fail         function error
 *   oom-crash       malloc until NULL, then writes       exception #PF, "heap
 *                   through the NULL it got              was exhausted"
 *                                                        "out of memory after
 *                                                        <n> MiB"
 *   cpuid[:N]       N cpuid instructions (default 1e4),  success, body "ok"
 *                   then "ok"
 *   rdtsc[:N]       N rdtsc instructions (default 2e4),  success, body "ok"
 *                   then "ok"
 *   fpu             prints MXCSR and the x87 control     success, "1f80/037f"
 *                   word, then sets both to odd values   in every call (the
 *                                                        runtime resets them)
 *   log-tiny        8000 one-character log lines         success, body "ok";
 *                                                        the daemon's log of
 *                                                        them is bounded
 *
 * cpuid always exits to KVM and rdtsc may (45-75 us each on some hosts),
 * so the storms are sized to take a second or two even then; callers give
 * them a deadline of tens of seconds, never one fitted to a host's speed.
 */

#define CALL_PAGE ((volatile struct glint_call_page *)GLINT_CALL_PAGE_GPA)

static char data_code[16] = {(char)0xc3}; /* "ret", in writable data */

static void raw_out(uint16_t port, uint64_t rdi, uint64_t rsi)
{
	__asm__ volatile("outb %%al, %%dx"
			 :
			 : "d"(port), "a"(0), "D"(rdi), "S"(rsi)
			 : "memory");
}

static void jump_to(uintptr_t addr)
{
	void (*fn)(void) = (void (*)(void))addr;

	fn();
}

static volatile uintptr_t zero_addr;  /* 0, hidden from the optimiser */
static volatile unsigned never = ~0u; /* a recursion limit never reached */

__attribute__((noinline)) static unsigned recurse(unsigned depth)
{
	volatile char pad[256];

	pad[0] = (char)depth;
	if (depth == never)
		return 0;
	return recurse(depth + 1) + pad[0];
}

static void oom(void)
{
	size_t total = 0;

	while (malloc(1 << 20))
		total++;
	glint_fail("out of memory after %zu MiB", total);
}

static void oom_crash(void)
{
	char *p;

	while ((p = malloc(1 << 20)))
		p[0] = 1;
	/* The unchecked NULL of a real program. */
	*(volatile char *)p = 1;
}

static void log_flood(void)
{
	static const char line[] = "flood flood flood flood flood flood flood";

	for (int i = 0; i < (1 << 20) / (int)sizeof(line); i++)
		glint_log_info("%d %s", i, line);
	glint_write_str("ok");
}

/* The most lines a full log buffer holds: one character each. */
static void log_tiny(void)
{
	for (int i = 0; i < 8000; i++)
		glint_log_info("x");
	glint_write_str("ok");
}

static void log_levels(void)
{
	glint_log_error("lvl-error-line");
	glint_log_warn("lvl-warn-line");
	glint_log_info("lvl-info-line");
	glint_log(GLINT_LOG_DEBUG, "lvl-debug-line");
	glint_write_str("ok");
}

static void exec_data(void)
{
	char stack_code[16] = {(char)0xc3};
	char *heap_code = malloc(16);

	/* Each jump must fault (NX); the first one ends the call. */
	if (heap_code) {
		heap_code[0] = (char)0xc3;
		jump_to((uintptr_t)heap_code);
	}
	jump_to((uintptr_t)stack_code);
	jump_to((uintptr_t)data_code);
}

/* "cpuid" or "cpuid:N": the storm's length, or -1 when name is not it. */
static long storm_count(const char *name, const char *mode, long dflt)
{
	size_t n = strlen(mode);
	char *end;
	long v;

	if (strncmp(name, mode, n) != 0)
		return -1;
	if (name[n] == '\0')
		return dflt;
	if (name[n] != ':')
		return -1;
	v = strtol(name + n + 1, &end, 10);
	return *end == '\0' && v >= 0 ? v : -1;
}

static void storm(int cpuid, long count)
{
	for (long i = 0; i < count; i++) {
		uint32_t a = 0, b, c = 0, d;

		if (cpuid)
			__asm__ volatile("cpuid"
					 : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		else
			(void)glint_rdtsc();
	}
	glint_write_str("ok");
}

static void fpu(void)
{
	uint32_t mxcsr, odd_mxcsr = 0x7f80; /* round toward +inf */
	uint16_t cw, odd_cw = 0x0c7f;	    /* x87 truncating */

	__asm__ volatile("stmxcsr %0; fnstcw %1" : "=m"(mxcsr), "=m"(cw));
	glint_printf("%04x/%04x", mxcsr, cw);
	__asm__ volatile("ldmxcsr %0; fldcw %1" ::"m"(odd_mxcsr), "m"(odd_cw));
}

static void mode(const char *name)
{
	volatile struct glint_call_page *page = CALL_PAGE;

	if (!strcmp(name, "ok"))
		glint_write_str("ok");
	else if (!strcmp(name, "log-levels"))
		log_levels();
	else if (!strcmp(name, "null-read"))
		(void)*(volatile char *)zero_addr;
	else if (!strcmp(name, "null-write"))
		*(volatile char *)zero_addr = 1;
	else if (!strcmp(name, "div0"))
		__asm__ volatile("xorl %%ecx, %%ecx\n\tmovl $1, %%eax\n\t"
				 "cltd\n\tidivl %%ecx" ::
					 : "eax", "ecx", "edx");
	else if (!strcmp(name, "ud2"))
		__asm__ volatile("ud2");
	else if (!strcmp(name, "int3"))
		__asm__ volatile("int3");
	else if (!strcmp(name, "int80"))
		__asm__ volatile("int $0x80" ::: "memory");
	else if (!strcmp(name, "syscall"))
		__asm__ volatile("syscall" ::: "rcx", "r11", "memory");
	else if (!strcmp(name, "loop"))
		for (;;)
			__asm__ volatile("" ::: "memory");
	else if (!strcmp(name, "stack-overflow"))
		glint_printf("%u", recurse(0));
	else if (!strcmp(name, "write-text"))
		*(volatile char *)(uintptr_t)glint_handle = 0;
	else if (!strcmp(name, "exec-data"))
		exec_data();
	else if (!strcmp(name, "write-pt"))
		*(volatile uint64_t *)GLINT_SYS_GPA = 0;
	else if (!strcmp(name, "read-sys"))
		(void)*(volatile uint64_t *)GLINT_SYS_GPA;
	else if (!strcmp(name, "jump-sys"))
		jump_to(GLINT_SYS_GPA);
	else if (!strcmp(name, "cli"))
		__asm__ volatile("cli");
	else if (!strcmp(name, "hlt"))
		__asm__ volatile("hlt");
	else if (!strcmp(name, "wrmsr"))
		__asm__ volatile("wrmsr" ::"c"(0x10), "a"(0), "d"(0));
	else if (!strcmp(name, "rdmsr"))
		__asm__ volatile("rdmsr" ::"c"(0x10) : "eax", "edx");
	else if (!strcmp(name, "mov-cr3"))
		__asm__ volatile("mov %0, %%cr3" ::"r"(0ul) : "memory");
	else if (!strcmp(name, "bad-port"))
		raw_out(0x55, 0, 0);
	else if (!strcmp(name, "fault-port"))
		raw_out(GLINT_PORT_FAULT, 0, 0);
	else if (!strcmp(name, "ready-in-call"))
		raw_out(GLINT_PORT_READY, 0, 0);
	else if (!strcmp(name, "big-output"))
		raw_out(GLINT_PORT_DONE, GLINT_STATUS_OK,
			page->boot.out_cap + 1);
	else if (!strcmp(name, "huge-output"))
		raw_out(GLINT_PORT_DONE, GLINT_STATUS_OK, 1ull << 63);
	else if (!strcmp(name, "abort"))
		glint_abort("boom");
	else if (!strcmp(name, "abort-lie"))
		raw_out(GLINT_PORT_ABORT, 0xdead00000000ull, UINT64_MAX);
	else if (!strcmp(name, "log-flood"))
		log_flood();
	else if (!strcmp(name, "log-lie")) {
		page->result.log_len = 0xffffffffu;
		glint_write_str("ok");
	} else if (!strcmp(name, "fail"))
		glint_fail("nope");
	else if (!strcmp(name, "oom"))
		oom();
	else if (!strcmp(name, "oom-crash"))
		oom_crash();
	else if (storm_count(name, "cpuid", 10000) >= 0)
		storm(1, storm_count(name, "cpuid", 10000));
	else if (storm_count(name, "rdtsc", 20000) >= 0)
		storm(0, storm_count(name, "rdtsc", 20000));
	else if (!strcmp(name, "fpu"))
		fpu();
	else if (!strcmp(name, "log-tiny"))
		log_tiny();
	else
		glint_fail("unknown mode \"%s\"", name);
}

void glint_handle(const char *input, size_t input_len)
{
	char name[32];

	if (input_len >= sizeof(name))
		glint_fail("unknown mode");
	memcpy(name, input, input_len);
	name[input_len] = '\0';
	glint_set_content_type("text/plain");
	mode(name);
	/* Modes that should have ended the call and did not. */
	if (glint_output_len() == 0)
		glint_abort("mode \"%s\" was survived by the guest", name);
}
