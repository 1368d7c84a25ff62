/* setjmp.h: non-local jumps (callee-saved registers, stack and return address). */
#ifndef GLINT_SETJMP_H
#define GLINT_SETJMP_H

#include "glint_cdefs.h"

GLINT_BEGIN_DECLS

/* rbx, rbp, r12-r15, rsp and the return address. There are no signals,
 * so sigsetjmp and _setjmp are the same as setjmp. */
typedef unsigned long jmp_buf[8];
typedef jmp_buf sigjmp_buf;

int setjmp(jmp_buf env) __attribute__((returns_twice));
__attribute__((noreturn)) void longjmp(jmp_buf env, int val);
int _setjmp(jmp_buf env) __attribute__((returns_twice));
__attribute__((noreturn)) void _longjmp(jmp_buf env, int val);
#define sigsetjmp(env, save) setjmp(env)
#define siglongjmp(env, val) longjmp(env, val)

GLINT_END_DECLS

#endif /* GLINT_SETJMP_H */
