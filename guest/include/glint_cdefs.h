/* glint_cdefs.h: C++ linkage brackets shared by the SDK headers. */
#ifndef GLINT_CDEFS_H
#define GLINT_CDEFS_H

/* Every SDK function has C linkage, so a .cpp file can call the libc and
 * define glint_handle/glint_init. Headers spell __restrict as __restrict,
 * which both gcc's C and C++ accept. */
#ifdef __cplusplus
#define GLINT_BEGIN_DECLS extern "C" {
#define GLINT_END_DECLS }
#define GLINT_NOEXCEPT noexcept
#else
#define GLINT_BEGIN_DECLS
#define GLINT_END_DECLS
#define GLINT_NOEXCEPT
#endif

#endif /* GLINT_CDEFS_H */
