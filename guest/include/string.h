/* string.h: memory and string functions for glint functions. */
#ifndef GLINT_STRING_H
#define GLINT_STRING_H

#include <stddef.h>

#include <strings.h>
#include "glint_cdefs.h"

GLINT_BEGIN_DECLS

void *memcpy(void *__restrict dst, const void *__restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
void *memrchr(const void *s, int c, size_t n);
void *memmem(const void *hay, size_t hay_len, const void *needle,
	     size_t needle_len);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *hay, const char *needle);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
char *strpbrk(const char *s, const char *accept);
char *strcpy(char *__restrict dst, const char *__restrict src);
char *strncpy(char *__restrict dst, const char *__restrict src, size_t n);
char *strcat(char *__restrict dst, const char *__restrict src);
char *strncat(char *__restrict dst, const char *__restrict src, size_t n);
/* Copies with truncation; returns strlen(src) (BSD semantics). */
size_t strlcpy(char *__restrict dst, const char *__restrict src, size_t size);
/* malloc'd copies; NULL when the heap is exhausted. */
char *strdup(const char *s);
char *strndup(const char *s, size_t n);
/* Copies with truncation; returns strlen(src) (BSD semantics). */
size_t strlcat(char *__restrict dst, const char *__restrict src, size_t size);
/* Copies and returns a pointer to the copy's terminating NUL. */
char *stpcpy(char *__restrict dst, const char *__restrict src);
char *strchrnul(const char *s, int c);
/* The "C" locale: strcoll is strcmp, strxfrm a bounded copy. */
int strcoll(const char *a, const char *b);
size_t strxfrm(char *__restrict dst, const char *__restrict src, size_t n);
/* strtok keeps its position in a static (fine: one call at a time). */
char *strtok(char *__restrict s, const char *__restrict delim);
/* Returns the token at *sp and advances *sp past the next delimiter (or
 * sets it to NULL); empty tokens are returned, unlike strtok. */
char *strsep(char **__restrict sp, const char *__restrict delim);
/* Splits s in place; *save keeps the position between calls. */
char *strtok_r(char *__restrict s, const char *__restrict delim,
	       char **__restrict save);
/* The message for an errno value (Linux wording), never NULL. */
char *strerror(int errnum);

GLINT_END_DECLS

#endif /* GLINT_STRING_H */
