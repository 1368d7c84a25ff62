/* errno.h: error numbers for glint functions (Linux values). */
#ifndef GLINT_ERRNO_H
#define GLINT_ERRNO_H

/* One VM runs one call at a time, so a plain global is enough. */
extern int errno;

#define ENOENT 2
#define E2BIG 7
#define ENOMEM 12
#define EINVAL 22
#define ENOSPC 28
#define EDOM 33
#define ERANGE 34
#define EOVERFLOW 75

#endif /* GLINT_ERRNO_H */
