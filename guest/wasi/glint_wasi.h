/* glint_wasi.h: WASI preview1 for wasm2c modules in a glint guest. */
#ifndef GLINT_WASI_H
#define GLINT_WASI_H

#include <stddef.h>
#include <stdint.h>

#include "wasm-rt.h"

/* The host instance wasm2c passes to every wasi_snapshot_preview1 import:
 * the module's exported linear memory (NULL when it exports none, and then
 * every call that takes a pointer fails with EFAULT). */
struct Z_wasi_snapshot_preview1_instance_t {
	wasm_rt_memory_t *memory;
};

/* The host instance of the "glint" import module (glint_host.c): the
 * same exported memory. Its calls, as wasm2c names them; the contract for
 * module authors is in glint_wasm.h. */
struct Z_glint_instance_t {
	wasm_rt_memory_t *memory;
};
typedef struct Z_glint_instance_t glint_host_t;
uint32_t Z_glintZ_kv_get(glint_host_t *, uint32_t, uint32_t, uint32_t,
			 uint32_t);
uint32_t Z_glintZ_kv_set(glint_host_t *, uint32_t, uint32_t, uint32_t, uint32_t,
			 uint64_t);
uint32_t Z_glintZ_kv_delete(glint_host_t *, uint32_t, uint32_t);
uint32_t Z_glintZ_kv_incr(glint_host_t *, uint32_t, uint32_t, uint64_t,
			  uint32_t);
uint32_t Z_glintZ_kv_cas(glint_host_t *, uint32_t, uint32_t, uint32_t, uint32_t,
			 uint32_t, uint32_t);
uint32_t Z_glintZ_kv_list(glint_host_t *, uint32_t, uint32_t, uint32_t,
			  uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
uint32_t Z_glintZ_http_fetch(glint_host_t *, uint32_t, uint32_t);

/* The calls this layer implements, as wasm2c names the imports. */
typedef struct Z_wasi_snapshot_preview1_instance_t glint_wasi_t;
#define GLINT_WASI_CALL(name) Z_wasi_snapshot_preview1Z_##name
uint32_t GLINT_WASI_CALL(fd_read)(glint_wasi_t *, uint32_t, uint32_t, uint32_t,
				  uint32_t);
uint32_t GLINT_WASI_CALL(fd_write)(glint_wasi_t *, uint32_t, uint32_t, uint32_t,
				   uint32_t);
uint32_t GLINT_WASI_CALL(fd_close)(glint_wasi_t *, uint32_t);
uint32_t GLINT_WASI_CALL(fd_seek)(glint_wasi_t *, uint32_t, uint64_t, uint32_t,
				  uint32_t);
uint32_t GLINT_WASI_CALL(fd_fdstat_get)(glint_wasi_t *, uint32_t, uint32_t);
uint32_t GLINT_WASI_CALL(fd_prestat_get)(glint_wasi_t *, uint32_t, uint32_t);
uint32_t GLINT_WASI_CALL(fd_prestat_dir_name)(glint_wasi_t *, uint32_t,
					      uint32_t, uint32_t);
void GLINT_WASI_CALL(proc_exit)(glint_wasi_t *, uint32_t);
uint32_t GLINT_WASI_CALL(sched_yield)(glint_wasi_t *);
uint32_t GLINT_WASI_CALL(random_get)(glint_wasi_t *, uint32_t, uint32_t);
uint32_t GLINT_WASI_CALL(clock_time_get)(glint_wasi_t *, uint32_t, uint64_t,
					 uint32_t);
uint32_t GLINT_WASI_CALL(clock_res_get)(glint_wasi_t *, uint32_t, uint32_t);
uint32_t GLINT_WASI_CALL(environ_sizes_get)(glint_wasi_t *, uint32_t, uint32_t);
uint32_t GLINT_WASI_CALL(environ_get)(glint_wasi_t *, uint32_t, uint32_t);
uint32_t GLINT_WASI_CALL(args_sizes_get)(glint_wasi_t *, uint32_t, uint32_t);
uint32_t GLINT_WASI_CALL(args_get)(glint_wasi_t *, uint32_t, uint32_t);
uint32_t GLINT_WASI_CALL(poll_oneoff)(glint_wasi_t *, uint32_t, uint32_t,
				      uint32_t, uint32_t);

/*
 * Called from glint_init once the module is instantiated. With
 * reads_stdin set (the module imports fd_read), the module's _start runs
 * now, and the snapshot is taken at its first read of stdin: everything
 * before it (language runtime start-up, constructors) is paid once. A
 * module that cannot read stdin is snapshotted before _start.
 */
void glint_wasi_init(struct Z_wasi_snapshot_preview1_instance_t *wasi,
		     void (*start)(void *), void *instance, int reads_stdin);

/* glint_handle's body: runs _start when it did not run in init. */
void glint_wasi_handle(const char *input, size_t input_len);

/* When set, traps longjmp here (with the wasm_rt_trap_t as the value)
 * instead of ending the call; for harnesses that expect traps. */
#include <setjmp.h>
extern jmp_buf *glint_wasm_trap_catch;

#endif /* GLINT_WASI_H */
