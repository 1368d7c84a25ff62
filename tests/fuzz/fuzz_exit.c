/* fuzz_exit.c: fuzz target for exit decoding and guest log parsing. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "guestlog.h"

/*
 * Input: a struct exit_state, one phase byte, then guest memory (at most
 * 64 KiB, the rest zero). Everything a guest controls goes through the
 * same code the VMM runs after a real exit. Built and run like every
 * target (tests/fuzz/local.mk).
 */

#define RAM_BYTES 0x10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore_line(void *opaque, uint64_t call_id, int level,
			const char *line, size_t len)
{
	(void)opaque;
	(void)call_id;
	if (level < 0 || level > 7 || strlen(line) != len ||
	    len > GUESTLOG_LINE_MAX)
		abort(); /* a broken promise to vm_log_fn users */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ram[RAM_BYTES];
	struct guestmem gm = {ram, sizeof(ram)};
	struct glint_boot_info boot;
	struct exit_state x;
	struct exit_done done;
	struct vm_error err;
	char text[64];
	enum exit_verdict v;
	enum exit_phase phase;

	if (size < sizeof(x) + 1)
		return 0;
	memcpy(&x, data, sizeof(x));
	phase = data[sizeof(x)] & 1 ? EXIT_PHASE_CALL : EXIT_PHASE_BOOT;
	data += sizeof(x) + 1;
	size -= sizeof(x) + 1;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data, size < sizeof(ram) ? size : sizeof(ram));
	memset(&boot, 0, sizeof(boot));
	boot.mem_bytes = RAM_BYTES;
	boot.out_cap = 0x2000;
	boot.out_gpa = RAM_BYTES - 0x2000;
	boot.in_cap = 0x2000;
	boot.in_gpa = boot.out_gpa - 0x2000;
	boot.stack_top = boot.in_gpa;
	boot.stack_bytes = 0x2000;
	v = exit_decode(&x, phase, &gm, &boot, &done, &err);
	if (v == EXIT_FAILED &&
	    (err.kind == VM_ERR_NONE || !memchr(err.message, 0, 256)))
		abort();
	if (v == EXIT_DONE && done.out_len > boot.out_cap)
		abort();
	guestlog_emit(ram, size < sizeof(ram) ? size : sizeof(ram), 1,
		      ignore_line, NULL);
	guestlog_sanitize(text, sizeof(text), ram, sizeof(ram));
	return 0;
}
