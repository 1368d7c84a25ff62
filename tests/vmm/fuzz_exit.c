/* fuzz_exit.c: fuzz target for exit decoding and guest log parsing. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit.h"
#include "guestlog.h"

/*
 * Input: a struct exit_state, one phase byte, then guest memory (at most
 * 64 KiB, the rest zero). Everything a guest controls goes through the
 * same code the VMM runs after a real exit.
 *
 * With libFuzzer:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DGLINT_LIBFUZZER \
 *     -I_build -Ivmm tests/vmm/fuzz_exit.c vmm/exit.c \
 *     vmm/guestlog.c vmm/guestmem.c vmm/layout.c vmm/cpu_x86_64.c \
 *     -o fuzz_exit && ./fuzz_exit tests/vmm/corpus/exit
 * Without it (make check), main() replays the seed corpus given as
 * arguments or found in $GLINT_SRCDIR/tests/vmm/corpus/exit.
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

#ifndef GLINT_LIBFUZZER
static int replay(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *src = getenv("GLINT_SRCDIR");
	char dir[4096], path[8192];
	struct dirent *e;
	int failed = 0, n = 0;
	DIR *d;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			failed |= replay(argv[i]);
		return failed;
	}
	snprintf(dir, sizeof(dir), "%s/tests/vmm/corpus/exit", src ? src : ".");
	d = opendir(dir);
	if (!d) {
		perror(dir);
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		failed |= replay(path);
		n++;
	}
	closedir(d);
	printf("replayed %d seeds\n", n);
	return failed || n == 0;
}
#endif
