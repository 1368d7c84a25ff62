/* assert.h: assert() ends the call as a crash naming the failed check. */
#ifndef GLINT_ASSERT_H
#define GLINT_ASSERT_H

#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
__attribute__((noreturn)) void glint__assert_fail(const char *expr,
						  const char *file, int line);
#define assert(expr)                                                           \
	((expr) ? (void)0 : glint__assert_fail(#expr, __FILE__, __LINE__))
#endif

#endif /* GLINT_ASSERT_H */
