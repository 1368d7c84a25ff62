/* stdlib.h: heap, number conversion, sorting for glint functions. */
#ifndef GLINT_STDLIB_H
#define GLINT_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 0x7fffffff

/*
 * The heap is the range the host reports at boot. Blocks are 16-byte
 * aligned; freed blocks are coalesced with their neighbours. The heap state
 * is part of the snapshot: what glint_init allocates is there in every
 * call, and what a call allocates is gone at the next one (so a handler
 * need not free). Freeing a pointer malloc did not return, or freeing twice,
 * aborts the call with a message.
 */
void *malloc(size_t size);
void *calloc(size_t nmemb, size_t size); /* NULL on overflow */
void *realloc(void *ptr, size_t size);
void free(void *ptr);

long strtol(const char *restrict s, char **restrict end, int base);
long long strtoll(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end,
			    int base);
/* Decimal and hexadecimal floats, inf and nan; correctly rounded for up to
 * 19 significant digits, within an ulp beyond. */
double strtod(const char *restrict s, char **restrict end);
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);
double atof(const char *s);

int abs(int v);
long labs(long v);
long long llabs(long long v);

void qsort(void *base, size_t nmemb, size_t size,
	   int (*cmp)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t nmemb, size_t size,
	      int (*cmp)(const void *, const void *));

/* Per-call pseudo-random numbers; seeded from the host's seed each call. */
int rand(void);

/* Ends the call as a crash ("abort() called"). */
__attribute__((noreturn)) void abort(void);

#endif /* GLINT_STDLIB_H */
