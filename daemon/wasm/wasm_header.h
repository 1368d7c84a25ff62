/* wasm_header.h: what wasm2c's header says about a translated module. */
#ifndef GLINT_WASM_HEADER_H
#define GLINT_WASM_HEADER_H

#include <stddef.h>

struct wasm_header_info {
	int has_start;	 /* exports _start */
	int has_memory;	 /* exports its memory as "memory" */
	int reads_stdin; /* imports wasi_snapshot_preview1.fd_read */
	int imports_wasi;
	/* "module.name" of every import this layer does not provide,
	 * comma-separated, cut at the buffer's end. */
	char unsupported[400];
	int nunsupported;
};

/* Reads the header text (NUL-terminated) that wasm2c -n module wrote. */
void wasm_header_parse(const char *text, struct wasm_header_info *info);

/* 1 when wasi_snapshot_preview1.name is implemented in the guest. */
int wasm_wasi_supported(const char *name);

#endif /* GLINT_WASM_HEADER_H */
