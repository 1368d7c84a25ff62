/* alloca.h: stack allocation (the compiler's builtin). */
#ifndef GLINT_ALLOCA_H
#define GLINT_ALLOCA_H

/* Freed when the calling function returns; no check against the stack's
 * size: a too large request runs into the guard page and crashes the call. */
#define alloca(size) __builtin_alloca(size)

#endif /* GLINT_ALLOCA_H */
