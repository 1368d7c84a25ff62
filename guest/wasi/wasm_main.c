/* wasm_main.c: the entry points of an image made from a WASI module.
 *
 * Compiled at deploy time together with wasm2c's output for the module,
 * translated with the module name "module" (wasm2c -n module). The
 * deploying daemon says what the module has in module_config.h:
 *   GLINT_WASM_IMPORTS_WASI  it imports from wasi_snapshot_preview1
 *   GLINT_WASM_HAS_MEMORY    it exports its linear memory as "memory"
 *   GLINT_WASM_READS_STDIN   it imports fd_read
 *   GLINT_WASM_INSTANTIATE   the instantiate call: wasm2c takes one
 *                            instance per import module (wasi, glint;
 *                            NULL for stubbed ones, wasi_stub_unknown)
 */
#include "glint.h"
#include "glint_wasi.h"
#include "module.h"
#include "module_config.h"

static Z_module_instance_t instance;
static struct Z_wasi_snapshot_preview1_instance_t wasi;
static struct Z_glint_instance_t glint;

static void run_start(void *inst)
{
	Z_moduleZ__start(inst);
}

void glint_init(void)
{
	wasm_rt_init();
	Z_module_init_module();
#if defined(GLINT_WASM_INSTANTIATE)
	/* The daemon wrote the call from wasm2c's header. */
	GLINT_WASM_INSTANTIATE(&instance, &wasi, &glint);
#elif GLINT_WASM_IMPORTS_WASI
	Z_module_instantiate(&instance, &wasi);
#else
	Z_module_instantiate(&instance);
#endif
#if GLINT_WASM_HAS_MEMORY
	wasi.memory = Z_moduleZ_memory(&instance);
	glint.memory = wasi.memory;
#endif
	glint_wasi_init(&wasi, run_start, &instance, GLINT_WASM_READS_STDIN);
}

void glint_handle(const char *input, size_t input_len)
{
	glint_wasi_handle(input, input_len);
}
