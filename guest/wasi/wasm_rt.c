/* wasm_rt.c: the wasm2c runtime (wasm-rt.h) on the guest SDK: memories,
 * tables, function types, exceptions, and traps that end the call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glint.h"
#include "wasm-rt.h"

#define PAGE_BYTES 65536u

uint32_t wasm_rt_call_stack_depth;

static bool initialized;

void wasm_rt_init(void)
{
	initialized = true;
}

bool wasm_rt_is_initialized(void)
{
	return initialized;
}

void wasm_rt_free(void)
{
	initialized = false;
}

const char *wasm_rt_strerror(wasm_rt_trap_t trap)
{
	switch (trap) {
	case WASM_RT_TRAP_NONE:
		return "no error";
	case WASM_RT_TRAP_OOB:
		return "out of bounds memory access";
	case WASM_RT_TRAP_INT_OVERFLOW:
		return "integer overflow";
	case WASM_RT_TRAP_DIV_BY_ZERO:
		return "integer divide by zero";
	case WASM_RT_TRAP_INVALID_CONVERSION:
		return "invalid conversion to integer";
	case WASM_RT_TRAP_UNREACHABLE:
		return "unreachable executed";
	case WASM_RT_TRAP_CALL_INDIRECT:
		return "indirect call type mismatch";
	case WASM_RT_TRAP_UNCAUGHT_EXCEPTION:
		return "uncaught exception";
	case WASM_RT_TRAP_EXHAUSTION:
		return "call stack exhausted";
	}
	return "unknown trap";
}

jmp_buf *glint_wasm_trap_catch;

/*
 * A trap ends the call as a function error naming it (during start-up it
 * ends the boot, so the deploy reports it). Nothing needs unwinding: the
 * VM goes back to its snapshot after every call. A harness that expects
 * traps (the spec tests) sets glint_wasm_trap_catch and gets the trap
 * there instead, as setjmp's value.
 */
void wasm_rt_trap(wasm_rt_trap_t trap)
{
	if (glint_wasm_trap_catch)
		longjmp(*glint_wasm_trap_catch, (int)trap);
	glint_fail("wasm trap: %s", wasm_rt_strerror(trap));
}

/* ---- function types: equal signatures get equal indexes ---------------- */

struct func_type {
	uint32_t params, results;
	wasm_rt_type_t *types;
};

static struct func_type *func_types;
static uint32_t nfunc_types, func_types_cap;

static uint32_t find_type(const wasm_rt_type_t *types, uint32_t params,
			  uint32_t results)
{
	uint32_t n = params + results;

	for (uint32_t i = 0; i < nfunc_types; i++) {
		const struct func_type *t = &func_types[i];

		if (t->params == params && t->results == results &&
		    (n == 0 ||
		     memcmp(t->types, types, n * sizeof(*types)) == 0))
			return i + 1;
	}
	return 0;
}

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...)
{
	uint32_t n = params + results, idx;
	wasm_rt_type_t *types = malloc((n ? n : 1) * sizeof(*types));
	va_list ap;

	if (types == NULL)
		glint_abort("wasm: out of memory for function types");
	va_start(ap, results);
	for (uint32_t i = 0; i < n; i++)
		types[i] = (wasm_rt_type_t)va_arg(ap, int);
	va_end(ap);
	idx = find_type(types, params, results);
	if (idx) {
		free(types);
		return idx;
	}
	if (nfunc_types == func_types_cap) {
		uint32_t cap = func_types_cap ? func_types_cap * 2 : 16;
		struct func_type *nt = realloc(func_types, cap * sizeof(*nt));

		if (nt == NULL)
			glint_abort("wasm: out of memory for function types");
		func_types = nt;
		func_types_cap = cap;
	}
	func_types[nfunc_types++] = (struct func_type){params, results, types};
	return nfunc_types; /* 0 stays free: it marks a null funcref */
}

/* ---- exceptions (the exception-handling proposal) ---------------------- */

#define EXCEPTION_MAX 256

static uint32_t ntags;
static uint32_t exc_tag, exc_size;
static uint8_t exc_values[EXCEPTION_MAX];
static WASM_RT_UNWIND_TARGET *unwind_target;

uint32_t wasm_rt_register_tag(uint32_t size)
{
	if (size > EXCEPTION_MAX)
		glint_abort("wasm: exception payload of %u bytes", size);
	return ntags++;
}

void wasm_rt_load_exception(uint32_t tag, uint32_t size, const void *values)
{
	if (size > EXCEPTION_MAX)
		glint_abort("wasm: exception payload of %u bytes", size);
	exc_tag = tag;
	exc_size = size;
	if (size)
		memcpy(exc_values, values, size);
}

void wasm_rt_throw(void)
{
	if (unwind_target == NULL)
		wasm_rt_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
	longjmp(*unwind_target, 1);
}

WASM_RT_UNWIND_TARGET *wasm_rt_get_unwind_target(void)
{
	return unwind_target;
}

void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET *target)
{
	unwind_target = target;
}

uint32_t wasm_rt_exception_tag(void)
{
	return exc_tag;
}

uint32_t wasm_rt_exception_size(void)
{
	return exc_size;
}

void *wasm_rt_exception(void)
{
	return exc_values;
}

/* ---- linear memory: on the SDK heap, so the function's memory setting
 * bounds it ---------------------------------------------------------------- */

void wasm_rt_allocate_memory(wasm_rt_memory_t *mem, uint32_t initial_pages,
			     uint32_t max_pages)
{
	uint64_t bytes = (uint64_t)initial_pages * PAGE_BYTES;

	/* wasm-rt.h keeps the size in 32 bits: 65536 pages cannot be held. */
	if (initial_pages > 65535 || initial_pages > max_pages)
		glint_abort("wasm: linear memory of %u pages is not supported",
			    initial_pages);
	mem->data = calloc(1, bytes ? (size_t)bytes : 1);
	if (mem->data == NULL)
		glint_abort("wasm: linear memory of %u pages (%llu MiB) does "
			    "not fit in the function's memory (memory_mb)",
			    initial_pages, (unsigned long long)(bytes >> 20));
	mem->pages = initial_pages;
	mem->max_pages = max_pages > 65535 ? 65535 : max_pages;
	mem->size = (uint32_t)bytes;
}

/* memory.grow past the module's maximum or the function's memory fails
 * with -1, as the spec allows; the module keeps running. */
uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *mem, uint32_t delta)
{
	uint32_t old = mem->pages;
	uint64_t pages = (uint64_t)old + delta, bytes;
	uint8_t *data;

	if (delta == 0)
		return old;
	if (pages > mem->max_pages)
		return UINT32_MAX;
	bytes = pages * PAGE_BYTES;
	data = realloc(mem->data, (size_t)bytes);
	if (data == NULL)
		return UINT32_MAX;
	memset(data + mem->size, 0, (size_t)(bytes - mem->size));
	mem->data = data;
	mem->pages = (uint32_t)pages;
	mem->size = (uint32_t)bytes;
	return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t *mem)
{
	free(mem->data);
	mem->data = NULL;
}

/* ---- tables ------------------------------------------------------------ */

static void *table_alloc(uint32_t elements, size_t elem_size)
{
	void *p = calloc(elements ? elements : 1, elem_size);

	if (p == NULL)
		glint_abort("wasm: table of %u elements does not fit in the "
			    "function's memory",
			    elements);
	return p;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *t,
				    uint32_t elements, uint32_t max_elements)
{
	t->data = table_alloc(elements, sizeof(*t->data));
	t->size = elements;
	t->max_size = max_elements;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *t)
{
	free(t->data);
	t->data = NULL;
}

void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *t,
				      uint32_t elements, uint32_t max_elements)
{
	t->data = table_alloc(elements, sizeof(*t->data));
	t->size = elements;
	t->max_size = max_elements;
}

void wasm_rt_free_externref_table(wasm_rt_externref_table_t *t)
{
	free(t->data);
	t->data = NULL;
}

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t *t, uint32_t delta,
				    wasm_rt_funcref_t init)
{
	uint32_t old = t->size;
	uint64_t n = (uint64_t)old + delta;
	wasm_rt_funcref_t *data;

	if (delta == 0)
		return old;
	if (n > t->max_size)
		return UINT32_MAX;
	data = realloc(t->data, (size_t)n * sizeof(*data));
	if (data == NULL)
		return UINT32_MAX;
	for (uint64_t i = old; i < n; i++)
		data[i] = init;
	t->data = data;
	t->size = (uint32_t)n;
	return old;
}

uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t *t,
				      uint32_t delta, wasm_rt_externref_t init)
{
	uint32_t old = t->size;
	uint64_t n = (uint64_t)old + delta;
	wasm_rt_externref_t *data;

	if (delta == 0)
		return old;
	if (n > t->max_size)
		return UINT32_MAX;
	data = realloc(t->data, (size_t)n * sizeof(*data));
	if (data == NULL)
		return UINT32_MAX;
	for (uint64_t i = old; i < n; i++)
		data[i] = init;
	t->data = data;
	t->size = (uint32_t)n;
	return old;
}
