/* wasm_main.c: the entry points of an image made from a WASI module.
 *
 * Compiled at deploy time together with wasm2c's output for the module,
 * translated with the module name "module" (wasm2c -n module). The
 * deploying daemon says what the module has in module_config.h:
 *   GLINT_WASM_IMPORTS_WASI  it imports from wasi_snapshot_preview1
 *   GLINT_WASM_HAS_MEMORY    it exports its linear memory as "memory"
 *   GLINT_WASM_READS_STDIN   it imports fd_read
 *   GLINT_WASM_INSTANTIATE   (with wasi_stub_unknown) the instantiate call
 *                            for a module whose unknown imports are stubs
 */
#include "glint.h"
#include "glint_wasi.h"
#include "module.h"
#include "module_config.h"

static Z_module_instance_t instance;
static struct Z_wasi_snapshot_preview1_instance_t wasi;

static void run_start(void *inst)
{
	Z_moduleZ__start(inst);
}

void glint_init(void)
{
	wasm_rt_init();
	Z_module_init_module();
#if defined(GLINT_WASM_INSTANTIATE)
	/* Stubbed imports (wasi_stub_unknown): the daemon wrote the call. */
	GLINT_WASM_INSTANTIATE(&instance, &wasi);
#elif GLINT_WASM_IMPORTS_WASI
	Z_module_instantiate(&instance, &wasi);
#else
	Z_module_instantiate(&instance);
#endif
#if GLINT_WASM_HAS_MEMORY
	wasi.memory = Z_moduleZ_memory(&instance);
#endif
	glint_wasi_init(&wasi, run_start, &instance, GLINT_WASM_READS_STDIN);
}

void glint_handle(const char *input, size_t input_len)
{
	glint_wasi_handle(input, input_len);
}
