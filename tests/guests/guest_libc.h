/* guest_libc.h: the guest libc as host tests see it (names from rename.h). */
#ifndef GLINT_TEST_GUEST_LIBC_H
#define GLINT_TEST_GUEST_LIBC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *glint_test_memcpy(void *dst, const void *src, size_t n);
void *glint_test_memmove(void *dst, const void *src, size_t n);
void *glint_test_memset(void *dst, int c, size_t n);
int glint_test_memcmp(const void *a, const void *b, size_t n);
void *glint_test_memchr(const void *s, int c, size_t n);
void *glint_test_memmem(const void *hay, size_t hay_len, const void *needle,
			size_t needle_len);
size_t glint_test_strlen(const char *s);
int glint_test_strcmp(const char *a, const char *b);
int glint_test_strncmp(const char *a, const char *b, size_t n);
int glint_test_strcasecmp(const char *a, const char *b);
char *glint_test_strchr(const char *s, int c);
char *glint_test_strrchr(const char *s, int c);
char *glint_test_strstr(const char *hay, const char *needle);
char *glint_test_strncpy(char *dst, const char *src, size_t n);
char *glint_test_strncat(char *dst, const char *src, size_t n);
size_t glint_test_strlcpy(char *dst, const char *src, size_t size);
char *glint_test_strdup(const char *s);
char *glint_test_strtok_r(char *s, const char *delim, char **save);

void *glint_test_malloc(size_t size);
void *glint_test_calloc(size_t nmemb, size_t size);
void *glint_test_realloc(void *ptr, size_t size);
void glint_test_free(void *ptr);

long glint_test_strtol(const char *s, char **end, int base);
unsigned long long glint_test_strtoull(const char *s, char **end, int base);
double glint_test_strtod(const char *s, char **end);
void glint_test_qsort(void *base, size_t nmemb, size_t size,
		      int (*cmp)(const void *, const void *));
void *glint_test_bsearch(const void *key, const void *base, size_t nmemb,
			 size_t size, int (*cmp)(const void *, const void *));
extern int glint_test_errno;

int glint_test_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(__printf__, 3, 4)));

/* From guest/src/internal.h. */
void glint__heap_init(void *base, size_t len_bytes);

#endif /* GLINT_TEST_GUEST_LIBC_H */
