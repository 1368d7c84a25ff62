/* strings.h: ASCII case-insensitive comparison (the "C" locale). */
#ifndef GLINT_STRINGS_H
#define GLINT_STRINGS_H

#include <stddef.h>

#include "glint_cdefs.h"

GLINT_BEGIN_DECLS

int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

GLINT_END_DECLS

#endif /* GLINT_STRINGS_H */
