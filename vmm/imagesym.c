/* imagesym.c: bounded parsing of an ELF64 image's .symtab into an address-sorted table. */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imageline.h"
#include "imagesym.h"

#define MAX_SECTIONS 4096
/* Names kept in all: symbols may share one string, so the string table's
 * size is no bound. */
#define NAMES_MAX_BYTES (1u << 20)

/* basename ':' up-to-10-digit line NUL */
_Static_assert(IMAGELINE_FILE_MAX + 12 <= IMAGESYM_LINE_CAP,
	       "IMAGESYM_LINE_CAP too small for a file:line");

struct sym {
	uint64_t addr, size;
	uint32_t name; /* offset in names */
};

struct image_syms {
	size_t n;
	struct sym *syms;
	char *names;
	struct image_lines *lines; /* never NULL once parsed */
};

struct table {
	const uint8_t *buf;
	size_t len;
	Elf64_Shdr symtab, strtab;
};

/* off + size inside the file, without overflow. */
static int in_file(size_t len, uint64_t off, uint64_t size)
{
	return off <= len && size <= len - off;
}

/* The first SHT_SYMTAB and the string table it links to, both checked;
 * -ENOENT when there is none. */
static int find_tables(struct table *t)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh;

	if (t->len < sizeof(eh))
		return -EINVAL;
	memcpy(&eh, t->buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		return -EINVAL;
	if (eh.e_shnum == 0)
		return -ENOENT;
	if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum > MAX_SECTIONS ||
	    !in_file(t->len, eh.e_shoff,
		     (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr)))
		return -EINVAL;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		memcpy(&sh, t->buf + eh.e_shoff + (uint64_t)i * sizeof(sh),
		       sizeof(sh));
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		if (sh.sh_entsize != sizeof(Elf64_Sym) ||
		    !in_file(t->len, sh.sh_offset, sh.sh_size) ||
		    sh.sh_link >= eh.e_shnum)
			return -EINVAL;
		t->symtab = sh;
		memcpy(&t->strtab,
		       t->buf + eh.e_shoff +
			       (uint64_t)sh.sh_link * sizeof(Elf64_Shdr),
		       sizeof(t->strtab));
		if (t->strtab.sh_type != SHT_STRTAB ||
		    !in_file(t->len, t->strtab.sh_offset, t->strtab.sh_size))
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Copies the NUL-terminated name at off in the string table, cut and made
 * printable, to dst (IMAGESYM_NAME_MAX + 1 bytes); returns the bytes used
 * with the NUL, or -EINVAL for a name that is empty or runs off the
 * table. */
static int copy_name(const struct table *t, uint32_t off, char *dst)
{
	const char *str = (const char *)t->buf + t->strtab.sh_offset;
	uint64_t room = t->strtab.sh_size;
	size_t n = 0;

	if (off >= room)
		return -EINVAL;
	while (off + n < room && str[off + n] && n < IMAGESYM_NAME_MAX) {
		unsigned char c = (unsigned char)str[off + n];

		dst[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (off + n >= room || n == 0)
		return -EINVAL; /* unterminated or empty */
	dst[n] = '\0';
	return (int)n + 1;
}

static int collect(const struct table *t, struct image_syms *s)
{
	uint64_t nsym = t->symtab.sh_size / sizeof(Elf64_Sym);
	size_t used = 0, cap;
	Elf64_Sym es;
	char *shrunk;

	if (nsym > IMAGESYM_MAX_SYMBOLS)
		nsym = IMAGESYM_MAX_SYMBOLS;
	cap = nsym * (IMAGESYM_NAME_MAX + 1);
	if (cap > NAMES_MAX_BYTES)
		cap = NAMES_MAX_BYTES;
	s->syms = calloc(nsym ? nsym : 1, sizeof(*s->syms));
	s->names = malloc(cap + 1);
	if (!s->syms || !s->names)
		return -ENOMEM;
	for (uint64_t i = 0; i < nsym && used + IMAGESYM_NAME_MAX + 1 <= cap;
	     i++) {
		int n;

		memcpy(&es, t->buf + t->symtab.sh_offset + i * sizeof(es),
		       sizeof(es));
		if (ELF64_ST_TYPE(es.st_info) != STT_FUNC ||
		    es.st_shndx == SHN_UNDEF)
			continue;
		n = copy_name(t, es.st_name, s->names + used);
		if (n < 0)
			continue;
		s->syms[s->n++] =
			(struct sym){es.st_value, es.st_size, (uint32_t)used};
		used += (size_t)n;
	}
	qsort(s->syms, s->n, sizeof(*s->syms), by_addr);
	shrunk = realloc(s->names, used + 1);
	if (shrunk)
		s->names = shrunk;
	return 0;
}

int image_syms_parse(const void *buf, size_t len, struct image_syms **out)
{
	struct table t = {.buf = buf, .len = len};
	struct image_syms *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	rc = find_tables(&t);
	if (rc == -ENOENT)
		rc = 0; /* stripped: no names, not an error */
	else if (rc == 0)
		rc = collect(&t, s);
	if (rc == 0)
		rc = image_lines_parse(buf, len, &s->lines);
	if (rc < 0) {
		image_syms_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void image_syms_free(struct image_syms *s)
{
	if (!s)
		return;
	free(s->syms);
	free(s->names);
	image_lines_free(s->lines);
	free(s);
}

size_t image_syms_count(const struct image_syms *s)
{
	return s ? s->n : 0;
}

int image_syms_describe(const struct image_syms *s, uint64_t addr, char *dst,
			size_t cap)
{
	size_t lo = 0, hi = s ? s->n : 0;
	const struct sym *f;

	/* The last symbol at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -ENOENT;
	f = &s->syms[lo - 1];
	if (f->size && addr - f->addr >= f->size)
		return -ENOENT;
	if (addr == f->addr)
		snprintf(dst, cap, "%s", s->names + f->name);
	else
		snprintf(dst, cap, "%s+0x%" PRIx64, s->names + f->name,
			 addr - f->addr);
	return 0;
}

int image_syms_line(const struct image_syms *s, uint64_t addr, char *dst,
		    size_t cap)
{
	return image_lines_describe(s ? s->lines : NULL, addr, dst, cap);
}

size_t image_syms_line_count(const struct image_syms *s)
{
	return image_lines_count(s ? s->lines : NULL);
}
