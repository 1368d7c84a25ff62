/* stdlib.h: heap, number conversion, sorting for glint functions. */
#ifndef GLINT_STDLIB_H
#define GLINT_STDLIB_H

#include <stddef.h>
#include "glint_cdefs.h"

GLINT_BEGIN_DECLS

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#define RAND_MAX 0x7fffffff
#define MB_CUR_MAX 1

#ifndef NULL
#define NULL ((void *)0)
#endif

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

long strtol(const char *__restrict s, char **__restrict end, int base);
long long strtoll(const char *__restrict s, char **__restrict end, int base);
unsigned long strtoul(const char *__restrict s, char **__restrict end,
		      int base);
unsigned long long strtoull(const char *__restrict s, char **__restrict end,
			    int base);
/* Decimal and hexadecimal floats, inf and nan; correctly rounded for up to
 * 19 significant digits, within an ulp beyond. */
double strtod(const char *__restrict s, char **__restrict end);
/* strtod rounded to float (so rarely off by one ulp from a direct parse). */
float strtof(const char *__restrict s, char **__restrict end);
/* long double is x87 extended; strtold parses at double precision. */
long double strtold(const char *__restrict s, char **__restrict end);
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);
double atof(const char *s);

int abs(int v);
long labs(long v);
long long llabs(long long v);

typedef struct {
	int quot, rem;
} div_t;
typedef struct {
	long quot, rem;
} ldiv_t;
typedef struct {
	long long quot, rem;
} lldiv_t;
div_t div(int num, int den);
ldiv_t ldiv(long num, long den);
lldiv_t lldiv(long long num, long long den);

void qsort(void *base, size_t nmemb, size_t size,
	   int (*cmp)(const void *, const void *));
/* GNU argument order: cmp(a, b, arg). */
void qsort_r(void *base, size_t nmemb, size_t size,
	     int (*cmp)(const void *, const void *, void *), void *arg);
void *bsearch(const void *key, const void *base, size_t nmemb, size_t size,
	      int (*cmp)(const void *, const void *));

/* Per-call pseudo-random numbers; seeded from the host's seed each call. */
int rand(void);
/* Does nothing: the generator is reseeded by the host for every call, so
 * no seed could make two calls repeat a sequence. Use glint_random_u64. */
void srand(unsigned seed);

/* Ends the call as a crash ("abort() called"). */
__attribute__((noreturn)) void abort(void);

/*
 * exit ends the call: it runs the atexit handlers (last registered first),
 * logs stderr's unfinished line, then status 0 (EXIT_SUCCESS) ends the call
 * successfully with the output written so far, any other status ends it
 * as a function error with the message "exit status N". _Exit and
 * quick_exit do the same without the handlers. Called from glint_init,
 * exit ends the boot as a crash. Up to 32 handlers; atexit returns -1 past
 * that.
 */
__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn)) void _Exit(int status);
__attribute__((noreturn)) void quick_exit(int status);
int atexit(void (*fn)(void));

/* The function's environment: empty until functions get one, so this
 * returns NULL for every name. */
char *getenv(const char *name);

/* Stack allocation, freed when the calling function returns. */
#define alloca(size) __builtin_alloca(size)

GLINT_END_DECLS

#endif /* GLINT_STDLIB_H */
