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
	/* The same for the unsupported imports no stub can stand in for:
	 * memories, tables and globals, and glint calls whose signature
	 * differs from glint_wasm.h (their stub would clash with it). */
	char unstubbable[400];
	int nunstubbable;
};

/* Reads the header text (NUL-terminated) that wasm2c -n module wrote. */
void wasm_header_parse(const char *text, struct wasm_header_info *info);

/*
 * For wasi_stub_unknown: C source (malloc'd, NUL-terminated, into *c_out)
 * that defines every unsupported imported function as a stub returning
 * 52, WASI's ENOSYS (nothing for a void function), and the line
 * "#define GLINT_WASM_INSTANTIATE(inst, wasi, glint) ..." that calls
 * Z_module_instantiate with the WASI instance where it takes one and NULL
 * for every other import module. 0, -ENOMEM, or -EINVAL when the header
 * is not as wasm2c writes it.
 */
int wasm_header_stubs(const char *text, char **c_out, char *inst_def,
		      size_t inst_len);

/* Only the "#define GLINT_WASM_INSTANTIATE(inst, wasi, glint) ..." line
 * (for a module without stubs). 0, or -EINVAL when the header has no
 * instantiate declaration as wasm2c writes it. */
int wasm_header_instantiate(const char *text, char *inst_def, size_t inst_len);

/* 1 when wasi_snapshot_preview1.name is implemented in the guest. */
int wasm_wasi_supported(const char *name);
/* 1 when glint.name is implemented in the guest (glint_host.c) and decl,
 * wasm2c's declaration line of the import, has glint's signature. */
int wasm_glint_supported(const char *name, const char *decl);

#endif /* GLINT_WASM_HEADER_H */
