/* malloc.c: the guest heap: boundary-tag blocks, size-class free lists, coalescing. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glint.h"
#include "glint_abi.h"
#include "internal.h"

/*
 * Every block starts with a header word: its size (a multiple of 16,
 * header included) and two flags, CINUSE (this block is allocated) and
 * PINUSE (the block before it is allocated). A free block also stores its
 * size in its last word (the footer), so free() can find a free
 * predecessor, and links itself into the free list of its size class.
 * Headers sit at 8 mod 16 so that payloads are 16-byte aligned. Two free
 * blocks are never adjacent. Above all blocks lies the "top": untouched
 * heap that allocations are carved from when no free block fits, and
 * that blocks freed next to it merge back into. Carving from the top
 * writes only near the top, so a call dirties few pages.
 */

#define ALIGN 16u
#define HDR sizeof(size_t)
#define MIN_BLOCK 32u
#define CINUSE 1u
#define PINUSE 2u
#define FLAGS 15u
#define SMALL_BINS 64 /* exact classes of 16 bytes below 1 KiB */
#define NBINS (SMALL_BINS + 54)

struct block {
	size_t head;
	struct block *next; /* free blocks only */
	struct block *prev;
};

static uintptr_t heap_lo, heap_hi;
static struct block *top;
static struct block *bins[NBINS];

static size_t bsize(const struct block *b)
{
	return b->head & ~(size_t)FLAGS;
}

static struct block *at(uintptr_t addr)
{
	return (struct block *)addr;
}

static struct block *next_of(struct block *b)
{
	return at((uintptr_t)b + bsize(b));
}

static unsigned bin_of(size_t size)
{
	unsigned i = SMALL_BINS;

	if (size < SMALL_BINS * ALIGN)
		return (unsigned)(size / ALIGN);
	for (size >>= 10; size > 1 && i < NBINS - 1; size >>= 1)
		i++;
	return i;
}

static void set_footer(struct block *b)
{
	*(size_t *)((uintptr_t)b + bsize(b) - HDR) = bsize(b);
}

static void bin_insert(struct block *b)
{
	struct block **head = &bins[bin_of(bsize(b))];

	b->prev = NULL;
	b->next = *head;
	if (*head)
		(*head)->prev = b;
	*head = b;
}

static void bin_remove(struct block *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		bins[bin_of(bsize(b))] = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

void glint__heap_init(void *base, size_t len_bytes)
{
	uintptr_t lo = (uintptr_t)base, hi = lo + len_bytes;

	memset(bins, 0, sizeof(bins));
	heap_lo = (lo + HDR + ALIGN - 1) / ALIGN * ALIGN - HDR;
	heap_hi = hi < HDR ? 0 : (hi - HDR) / ALIGN * ALIGN + HDR;
	if (hi < lo || heap_hi < heap_lo + MIN_BLOCK) {
		heap_hi = heap_lo; /* too small: every malloc fails */
		top = NULL;
		return;
	}
	top = at(heap_lo);
	top->head = (heap_hi - heap_lo) | PINUSE;
}

/* Bytes a request needs as a block, or 0 when it cannot fit any heap. */
static size_t request_size(size_t n)
{
	if (n > heap_hi - heap_lo)
		return 0;
	n = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return n < MIN_BLOCK ? MIN_BLOCK : n;
}

/* Marks b (free or fresh, of size >= req) allocated, freeing its tail. */
static void *take(struct block *b, size_t req)
{
	size_t size = bsize(b), rest = size - req;

	if (rest >= MIN_BLOCK) {
		struct block *r = at((uintptr_t)b + req);

		r->head = rest | PINUSE;
		set_footer(r);
		bin_insert(r);
		b->head = req | CINUSE | (b->head & PINUSE);
	} else {
		b->head |= CINUSE;
		next_of(b)->head |= PINUSE;
	}
	return (char *)b + HDR;
}

static struct block *find_free(size_t req)
{
	unsigned i;

	for (i = bin_of(req); i < NBINS; i++) {
		struct block *b;

		for (b = bins[i]; b; b = b->next) {
			if (bsize(b) >= req) {
				bin_remove(b);
				return b;
			}
		}
	}
	return NULL;
}

static void *from_top(size_t req)
{
	size_t top_size;
	struct block *b = top;

	if (top == NULL)
		return NULL;
	top_size = heap_hi - (uintptr_t)top;
	/* The top keeps room for its own header. */
	if (top_size < req + ALIGN)
		return NULL;
	b->head = req | CINUSE | (b->head & PINUSE);
	top = at((uintptr_t)b + req);
	top->head = (top_size - req) | PINUSE;
	return (char *)b + HDR;
}

void *malloc(size_t n)
{
	size_t req = request_size(n);
	struct block *b;
	void *p;

	if (req == 0) { /* more than the whole heap */
		errno = ENOMEM;
		glint__diag_set(GLINT_DIAG_HEAP_EXHAUSTED);
		return NULL;
	}
	b = find_free(req);
	p = b ? take(b, req) : from_top(req);
	if (p == NULL) {
		errno = ENOMEM;
		/* Should the call crash next, the host can say why. */
		glint__diag_set(GLINT_DIAG_HEAP_EXHAUSTED);
	}
	return p;
}

/* The block of an allocated pointer; aborts on anything else. */
static struct block *checked(void *p, const char *fn)
{
	uintptr_t addr = (uintptr_t)p - HDR;
	struct block *b = at(addr);

	if ((uintptr_t)p < HDR || addr < heap_lo || addr >= (uintptr_t)top ||
	    (uintptr_t)p % ALIGN != 0)
		glint_abort("%s(): pointer %p is not from malloc", fn, p);
	if (!(b->head & CINUSE) || bsize(b) < MIN_BLOCK ||
	    bsize(b) > (uintptr_t)top - addr)
		glint_abort("%s(): pointer %p is freed or corrupt", fn, p);
	return b;
}

static void release(struct block *b)
{
	size_t size = bsize(b);
	struct block *next = next_of(b);

	if (!(b->head & PINUSE)) {
		size_t prev_size = *(size_t *)((uintptr_t)b - HDR);

		b = at((uintptr_t)b - prev_size);
		bin_remove(b);
		size += prev_size;
	}
	if (next == top) {
		top = b;
		top->head = (heap_hi - (uintptr_t)b) | PINUSE;
		return;
	}
	if (!(next->head & CINUSE)) {
		bin_remove(next);
		size += bsize(next);
	} else {
		next->head &= ~(size_t)PINUSE;
	}
	b->head = size | PINUSE;
	set_footer(b);
	bin_insert(b);
}

void free(void *p)
{
	if (p)
		release(checked(p, "free"));
}

void *calloc(size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(nmemb * size);
	if (p)
		memset(p, 0, nmemb * size);
	return p;
}

/* Grows b in place to at least req bytes when its successor allows. */
static int grow(struct block *b, size_t req)
{
	size_t size = bsize(b);
	struct block *next = next_of(b);

	if (next == top) {
		size_t top_size = heap_hi - (uintptr_t)top;

		if (size + top_size < req + ALIGN)
			return -ENOMEM;
		b->head = req | (b->head & FLAGS);
		top = at((uintptr_t)b + req);
		top->head = (size + top_size - req) | PINUSE;
		return 0;
	}
	if ((next->head & CINUSE) || size + bsize(next) < req)
		return -ENOMEM;
	bin_remove(next);
	b->head = (size + bsize(next)) | (b->head & FLAGS);
	next_of(b)->head |= PINUSE;
	return 0;
}

void *realloc(void *p, size_t n)
{
	struct block *b;
	size_t req;
	void *q;

	if (p == NULL)
		return malloc(n);
	b = checked(p, "realloc");
	req = request_size(n);
	if (req == 0) {
		errno = ENOMEM;
		return NULL;
	}
	if (bsize(b) >= req || grow(b, req) == 0) {
		/* Give back a large enough tail. */
		if (bsize(b) - req >= MIN_BLOCK) {
			struct block *r = at((uintptr_t)b + req);

			r->head = (bsize(b) - req) | CINUSE | PINUSE;
			b->head = req | (b->head & FLAGS);
			release(r);
		}
		return p;
	}
	q = malloc(n);
	if (q) {
		memcpy(q, p, bsize(b) - HDR);
		release(b);
	}
	return q;
}
