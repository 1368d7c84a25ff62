/* wasm_scan.h: a quick look at a Wasm module's sections before translation. */
#ifndef GLINT_WASM_SCAN_H
#define GLINT_WASM_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* Limits checked before any child runs: what translates and compiles
 * within the child's limits with room to spare. */
#define WASM_MAX_FUNCTIONS 20000u
#define WASM_MAX_CODE_BYTES (16u << 20)
#define WASM_MAX_DATA_BYTES (16u << 20)

struct wasm_summary {
	uint32_t functions;  /* defined in the module (not imported) */
	uint64_t code_bytes; /* size of the code section */
	uint64_t data_bytes; /* size of the data section */
	uint32_t min_pages;  /* initial pages of memory 0 */
	int has_memory;
};

/* 1 when buf starts with the Wasm binary magic. */
int wasm_is_module(const void *buf, size_t len);

/* Reads the section headers. -EINVAL (400: malformed) or -E2BIG (422: a
 * limit) with a message naming what is wrong; 0 otherwise. Validation
 * proper is wasm2c's. */
int wasm_scan(const uint8_t *buf, size_t len, struct wasm_summary *out,
	      char *msg, size_t msg_len);

#endif /* GLINT_WASM_SCAN_H */
