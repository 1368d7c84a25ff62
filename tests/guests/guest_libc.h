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

struct tm;
struct timespec;
typedef struct glint_file glint_test_FILE;
extern glint_test_FILE *const glint_test_stdout;
extern glint_test_FILE *const glint_test_stderr;
int glint_test_sprintf(char *buf, const char *fmt, ...)
	__attribute__((format(__printf__, 2, 3)));
int glint_test_sscanf(const char *s, const char *fmt, ...)
	__attribute__((format(__scanf__, 2, 3)));
float glint_test_strtof(const char *s, char **end);
long double glint_test_strtold(const char *s, char **end);
intmax_t glint_test_strtoimax(const char *s, char **end, int base);
uintmax_t glint_test_strtoumax(const char *s, char **end, int base);
intmax_t glint_test_imaxabs(intmax_t v);
void glint_test_qsort_r(void *base, size_t nmemb, size_t size,
			int (*cmp)(const void *, const void *, void *),
			void *arg);
void glint_test_srand(unsigned seed);
int glint_test_rand(void);
__attribute__((noreturn)) void glint_test_exit(int status);
__attribute__((noreturn)) void glint_test__Exit(int status);
int glint_test_atexit(void (*fn)(void));
char *glint_test_strtok(char *s, const char *delim);
char *glint_test_strsep(char **sp, const char *delim);
size_t glint_test_strlcat(char *dst, const char *src, size_t size);
char *glint_test_stpcpy(char *dst, const char *src);
char *glint_test_strchrnul(const char *s, int c);
int glint_test_strcoll(const char *a, const char *b);
size_t glint_test_strxfrm(char *dst, const char *src, size_t n);
char *glint_test_strerror(int errnum);
int glint_test_strncasecmp(const char *a, const char *b, size_t n);
char *glint_test_strndup(const char *s, size_t n);
long glint_test_time(long *t);
int glint_test_clock_gettime(int clock, struct timespec *ts);
long glint_test_clock(void);
double glint_test_difftime(long end, long start);
struct tm *glint_test_gmtime_r(const long *t, struct tm *out);
struct tm *glint_test_localtime_r(const long *t, struct tm *out);
long glint_test_timegm(struct tm *tm);
long glint_test_mktime(struct tm *tm);
size_t glint_test_strftime(char *s, size_t max, const char *fmt,
			   const struct tm *tm);
int glint_test_fputs(const char *s, glint_test_FILE *f);
int glint_test_fputc(int c, glint_test_FILE *f);
size_t glint_test_fwrite(const void *buf, size_t size, size_t nmemb,
			 glint_test_FILE *f);
int glint_test_fprintf(glint_test_FILE *f, const char *fmt, ...)
	__attribute__((format(__printf__, 2, 3)));
int glint_test_fflush(glint_test_FILE *f);
void glint_test_perror(const char *s);
glint_test_FILE *glint_test_fopen(const char *path, const char *mode);
int glint_test_fclose(glint_test_FILE *f);

/* From guest/src/internal.h. */
void glint__heap_init(void *base, size_t len_bytes);

#endif /* GLINT_TEST_GUEST_LIBC_H */
