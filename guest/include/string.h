/* string.h: memory and string functions for glint functions. */
#ifndef GLINT_STRING_H
#define GLINT_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
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
char *strcpy(char *restrict dst, const char *restrict src);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
char *strcat(char *restrict dst, const char *restrict src);
char *strncat(char *restrict dst, const char *restrict src, size_t n);
/* Copies with truncation; returns strlen(src) (BSD semantics). */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);
/* malloc'd copies; NULL when the heap is exhausted. */
char *strdup(const char *s);
char *strndup(const char *s, size_t n);
/* Splits s in place; *save keeps the position between calls. */
char *strtok_r(char *restrict s, const char *restrict delim,
	       char **restrict save);
const char *strerror(int errnum);

#endif /* GLINT_STRING_H */
