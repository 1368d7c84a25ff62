/* compiler.c: symbols compiled code expects from its runtime (stack protector, C++ ABI). */
#include <stddef.h>
#include <stdlib.h>

#include "glint.h"

/*
 * The stack protector. Guests have no thread-local storage, so code built
 * with -fstack-protector must not read its canary from %fs:0x28; the libm
 * objects are rewritten at build time to use a zero canary (guest/rt/
 * mkrt.sh) and call this when the check fails.
 */
__attribute__((noreturn)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	glint_abort("stack smashing detected");
}

/*
 * The pieces of the Itanium C++ ABI that freestanding C++ (-fno-exceptions
 * -fno-rtti) needs. The mangled names are operator new and delete for
 * x86-64: new and new[] (_Znwm, _Znam), delete and delete[] with and
 * without the size (_ZdlPv, _ZdlPvm, _ZdaPv, _ZdaPvm). There are no
 * exceptions, so a failed new ends the call as a crash, as an uncaught
 * std::bad_alloc would.
 */
void *_Znwm(size_t size);
void *_Znam(size_t size);
void _ZdlPv(void *p);
void _ZdlPvm(void *p, size_t size);
void _ZdaPv(void *p);
void _ZdaPvm(void *p, size_t size);

void *_Znwm(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		glint_abort("operator new: out of memory (%zu bytes)", size);
	return p;
}

void *_Znam(size_t size)
{
	return _Znwm(size);
}

void _ZdlPv(void *p)
{
	free(p);
}

void _ZdlPvm(void *p, size_t size)
{
	(void)size;
	free(p);
}

void _ZdaPv(void *p)
{
	free(p);
}

void _ZdaPvm(void *p, size_t size)
{
	(void)size;
	free(p);
}

/* A pure virtual function called through a half-built object. */
__attribute__((noreturn)) void __cxa_pure_virtual(void);
void __cxa_pure_virtual(void)
{
	glint_abort("pure virtual function called");
}

/*
 * Destructors of static objects would run at program exit; a VM never
 * exits (it is rolled back to its snapshot), so they are not recorded.
 */
void *__dso_handle;
int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);
int __cxa_atexit(void (*fn)(void *), void *arg, void *dso)
{
	(void)fn;
	(void)arg;
	(void)dso;
	return 0;
}

/* Function-local statics: one vCPU, no threads, so a guard is a flag
 * (its first byte, as the ABI specifies). */
int __cxa_guard_acquire(long long *guard);
void __cxa_guard_release(long long *guard);
void __cxa_guard_abort(long long *guard);

int __cxa_guard_acquire(long long *guard)
{
	return *(volatile char *)guard == 0;
}

void __cxa_guard_release(long long *guard)
{
	*(volatile char *)guard = 1;
}

void __cxa_guard_abort(long long *guard)
{
	(void)guard;
}
