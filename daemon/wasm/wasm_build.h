/* wasm_build.h: a WASI module to a glint guest image (wasm2c + cc), cached. */
#ifndef GLINT_WASM_BUILD_H
#define GLINT_WASM_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "outcome.h"

struct wasm_build {
	uint8_t *elf; /* malloc'd image */
	size_t elf_len;
	uint64_t compile_ns; /* translation + compilation; 0 from the cache */
	int cached;
};

struct wasm_error {
	enum engine_outcome outcome; /* ENGINE_INVALID_MODULE, ... */
	char message[480];
};

/*
 * Turns the module (sha256 is its digest) into a guest image. The image
 * is looked up first in, and stored after a compile into, wasm-cache/
 * under state_dirfd, named by the digest and glint's version, so a
 * restart or a redeploy of the same module compiles nothing.
 *
 * Translation (wasm2c) and compilation (cc) run as children with CPU,
 * memory, file-size and wall-clock limits, a temporary directory of their
 * own and no network (see wasm_child.h). With stub_unknown, imported
 * functions glint does not provide are linked to stubs that return
 * ENOSYS instead of refusing the module (imported memories, tables and
 * globals are still refused). Blocks for the compile: call it
 * from a worker thread. 0, or negative with err filled in.
 */
int wasm_build(int state_dirfd, const uint8_t *wasm, size_t len,
	       const uint8_t sha256[32], int stub_unknown,
	       struct wasm_build *out, struct wasm_error *err);

#endif /* GLINT_WASM_BUILD_H */
