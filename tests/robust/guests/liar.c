/* liar.c: robustness test guest: lies in its signals to the host and privileged tricks hostile.elf lacks. */
#include <glint.h>
#include <stdint.h>
#include <string.h>

#include "glint_abi.h"

/*
 * The input names a mode; every mode but "ok" must end the call with
 * 502 guest_crashed and leave the daemon and the function healthy.
 *
 *   mode          what the guest does                  host reports
 *   ------------  -----------------------------------  ---------------------
 *   ok            echoes "ok"                          200 "ok"
 *   done-neg      DONE, length (uint64_t)-1            output too large
 *   done-status   DONE with status 7                   unknown status
 *   abort-huge    ABORT, valid address, length 2^40    lies outside memory
 *   abort-neg     ABORT, valid address, length -1      lies outside memory
 *   in-port       inb from the DONE port               only out is allowed
 *   outw          2-byte out to the DONE port          the ABI uses outb
 *   outsb         rep outsb to the DONE port           string I/O
 *   jump-r0       sidt, then jump to the #PF stub      exception
 *   sysenter      sysenter                             exception
 *   int-pf        int $14 (DPL 0 gate)                 exception #GP
 *   int-32        int $32 (no such gate)               exception #GP
 *   int-255       int $255                             exception #GP
 *   lret-r0       far return to the ring-0 code seg.   exception #GP
 *   lidt          lidt at CPL 3                        exception #GP
 *   swapgs        swapgs at CPL 3                      exception
 *   rdtscp-storm  2e4 rdtscp instructions, then "ok"   200 "ok" (rdtscp may
 *                                                      exit: ~1.5 s at 75 us)
 *   read-r0-stack reads the ring-0 stack page             exception #PF
 *   write-input   writes the (read-only) input area      exception #PF
 *   ctype-crlf    content type with CR LF and a header  200 "ok", the CR LF
 *                                                      shown as '?'
 *   ctype-full    64 content-type bytes, no NUL        200 "ok", cut to 63
 *   log-junk      a full log buffer of control bytes   200 "ok"
 */

#define CALL_PAGE ((volatile struct glint_call_page *)GLINT_CALL_PAGE_GPA)

static const char msg[] = "lie";

static void out3(uint16_t port, uint64_t rdi, uint64_t rsi)
{
	__asm__ volatile("outb %%al, %%dx"
			 :
			 : "d"(port), "a"(0), "D"(rdi), "S"(rsi)
			 : "memory");
}

static void jump_r0(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr;
	const volatile uint16_t *gate;
	uint64_t target;

	/* sidt may itself fault (UMIP); either way the call must end. */
	__asm__ volatile("sidt %0" : "=m"(idtr));
	gate = (const volatile uint16_t *)(uintptr_t)(idtr.base + 14 * 16);
	target = gate[0] | (uint64_t)gate[3] << 16 |
		 (uint64_t)(*(const volatile uint32_t *)(gate + 4)) << 32;
	((void (*)(void))(uintptr_t)target)();
}

static void lret_r0(void)
{
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:" ::"i"(GLINT_SEL_KERNEL_CS)
			 : "rax", "memory");
}

static void rdtscp_storm(void)
{
	uint32_t lo, hi, aux;

	for (int i = 0; i < 20000; i++)
		__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	glint_write_str("ok");
}

/* Writes the result fields directly, as a guest without the SDK would. */
static void raw_result(const char *name)
{
	volatile struct glint_call_page *page = CALL_PAGE;
	static const char crlf[] = "text/plain\r\nX-Injected: yes";

	if (!strcmp(name, "ctype-crlf")) {
		for (size_t i = 0; i < sizeof(crlf); i++)
			page->result.content_type[i] = crlf[i];
	} else if (!strcmp(name, "ctype-full")) {
		for (size_t i = 0; i < GLINT_CONTENT_TYPE_MAX; i++)
			page->result.content_type[i] = 'a';
	} else {
		volatile char *log = (volatile char *)GLINT_LOG_GPA;

		for (size_t i = 0; i < GLINT_LOG_BYTES; i++)
			log[i] = (char)(i * 7 % 256);
		page->result.log_len = GLINT_LOG_BYTES;
		page->result.log_dropped = 0xffffffffu;
	}
	glint_write_str("ok");
}

static int mode(const char *name)
{
	static const uint64_t zero_idt[2];

	if (!strcmp(name, "ok"))
		glint_write_str("ok");
	else if (!strcmp(name, "done-neg"))
		out3(GLINT_PORT_DONE, GLINT_STATUS_OK, UINT64_MAX);
	else if (!strcmp(name, "done-status"))
		out3(GLINT_PORT_DONE, 7, 0);
	else if (!strcmp(name, "abort-huge"))
		out3(GLINT_PORT_ABORT, (uintptr_t)msg, 1ull << 40);
	else if (!strcmp(name, "abort-neg"))
		out3(GLINT_PORT_ABORT, (uintptr_t)msg, UINT64_MAX);
	else if (!strcmp(name, "in-port")) {
		uint8_t v;
		__asm__ volatile("inb %%dx, %%al"
				 : "=a"(v)
				 : "d"((uint16_t)GLINT_PORT_DONE));
	} else if (!strcmp(name, "outw"))
		__asm__ volatile(
			"outw %%ax, %%dx" ::"d"((uint16_t)GLINT_PORT_DONE),
			"a"(0), "D"(0ul), "S"(0ul));
	else if (!strcmp(name, "outsb"))
		__asm__ volatile("rep outsb" ::"d"((uint16_t)GLINT_PORT_DONE),
				 "S"(msg), "c"(3ul)
				 : "memory");
	else if (!strcmp(name, "jump-r0"))
		jump_r0();
	else if (!strcmp(name, "sysenter"))
		__asm__ volatile("sysenter" ::: "memory");
	else if (!strcmp(name, "int-pf"))
		__asm__ volatile("int $14" ::: "memory");
	else if (!strcmp(name, "int-32"))
		__asm__ volatile("int $32" ::: "memory");
	else if (!strcmp(name, "int-255"))
		__asm__ volatile("int $255" ::: "memory");
	else if (!strcmp(name, "lret-r0"))
		lret_r0();
	else if (!strcmp(name, "lidt"))
		__asm__ volatile("lidt %0" ::"m"(zero_idt));
	else if (!strcmp(name, "swapgs"))
		__asm__ volatile("swapgs" ::: "memory");
	else if (!strcmp(name, "read-r0-stack"))
		(void)*(volatile uint64_t *)(uintptr_t)GLINT_R0_STACK_GPA;
	else if (!strcmp(name, "write-input"))
		*(volatile char *)(uintptr_t)CALL_PAGE->boot.in_gpa = 0;
	else if (!strcmp(name, "rdtscp-storm"))
		rdtscp_storm();
	else if (!strncmp(name, "ctype-", 6) || !strcmp(name, "log-junk"))
		raw_result(name);
	else
		return -1;
	return 0;
}

void glint_handle(const char *input, size_t input_len)
{
	char name[32];

	if (input_len >= sizeof(name))
		glint_fail("unknown mode");
	memcpy(name, input, input_len);
	name[input_len] = '\0';
	glint_set_content_type("text/plain");
	if (mode(name) < 0)
		glint_fail("unknown mode \"%s\"", name);
	if (glint_output_len() == 0)
		glint_abort("mode \"%s\" was survived by the guest", name);
}
