/* assert.h: assert() ends the call as a crash naming the failed check. */
#ifndef GLINT_ASSERT_H
#define GLINT_ASSERT_H

#include "glint_cdefs.h"

GLINT_BEGIN_DECLS

#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
__attribute__((noreturn)) void glint__assert_fail(const char *expr,
						  const char *file, int line);
#define assert(expr)                                                           \
	((expr) ? (void)0 : glint__assert_fail(#expr, __FILE__, __LINE__))
#endif

#if !defined(__cplusplus) && !defined(static_assert)
#define static_assert _Static_assert
#endif

GLINT_END_DECLS

#endif /* GLINT_ASSERT_H */
