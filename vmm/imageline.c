/* imageline.c: an image's DWARF line tables, read with libdw behind a screen, into an address-sorted table. */
#include "config.h"

#include <elf.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <libelf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imageline.h"

#define MAX_SECTIONS 4096

/* One row of a line table; line 0 means "no source here" (the end of a
 * sequence, or a row libdw could not name). */
struct row {
	uint64_t addr;
	uint32_t line;
	uint32_t ord; /* order read: ties at one address keep it */
	uint16_t file;
};

struct image_lines {
	size_t n;
	struct row *rows;
	unsigned nfiles;
	char files[IMAGELINE_MAX_FILES][IMAGELINE_FILE_MAX + 1];
};

/* off + size inside the file, without overflow. */
static int in_file(size_t len, uint64_t off, uint64_t size)
{
	return off <= len && size <= len - off;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The section's name, or NULL when it runs off the name table. */
static const char *section_name(const uint8_t *buf, const Elf64_Shdr *names,
				uint32_t off)
{
	const char *s = (const char *)buf + names->sh_offset;

	if (off >= names->sh_size ||
	    !memchr(s + off, '\0', names->sh_size - off))
		return NULL;
	return s + off;
}

/* Whether the debug sections are ones libdw may read here: present,
 * inside the file, uncompressed, within the caps, and with no pointer to
 * a debug file elsewhere (libdw would go looking for it on the host). */
static bool screen(const uint8_t *buf, size_t len)
{
	uint64_t debug_bytes = 0;
	bool line = false, info = false;
	Elf64_Shdr sh, names;
	Elf64_Ehdr eh;

	if (len < sizeof(eh))
		return false;
	memcpy(&eh, buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_EXEC ||
	    eh.e_shentsize != sizeof(sh) || eh.e_shnum == 0 ||
	    eh.e_shnum > MAX_SECTIONS || eh.e_shstrndx >= eh.e_shnum ||
	    !in_file(len, eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(sh)))
		return false;
	memcpy(&names, buf + eh.e_shoff + eh.e_shstrndx * sizeof(sh),
	       sizeof(names));
	if (names.sh_type != SHT_STRTAB ||
	    !in_file(len, names.sh_offset, names.sh_size))
		return false;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		const char *name;

		memcpy(&sh, buf + eh.e_shoff + (uint64_t)i * sizeof(sh),
		       sizeof(sh));
		name = section_name(buf, &names, sh.sh_name);
		if (!name)
			return false;
		if (starts(name, ".zdebug") ||
		    starts(name, ".gnu_debugaltlink"))
			return false;
		if (!starts(name, ".debug"))
			continue;
		if ((sh.sh_flags & SHF_COMPRESSED) ||
		    !in_file(len, sh.sh_offset, sh.sh_size))
			return false;
		debug_bytes += sh.sh_size;
		if (strcmp(name, ".debug_line") == 0) {
			if (sh.sh_size > IMAGELINE_MAX_LINE_SECTION)
				return false;
			line = true;
		}
		info |= strcmp(name, ".debug_info") == 0;
	}
	return line && info && debug_bytes <= IMAGELINE_MAX_DEBUG_BYTES;
}

/* The index of path's basename in the file table, added if new; -1 when
 * the table is full or the name is empty. */
static int intern(struct image_lines *l, const char *path)
{
	const char *base = strrchr(path, '/');
	char name[IMAGELINE_FILE_MAX + 1];
	size_t n = 0;

	base = base ? base + 1 : path;
	for (; base[n] && n < IMAGELINE_FILE_MAX; n++) {
		unsigned char c = (unsigned char)base[n];

		name[n] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n == 0)
		return -1;
	name[n] = '\0';
	for (unsigned i = 0; i < l->nfiles; i++)
		if (strcmp(l->files[i], name) == 0)
			return (int)i;
	if (l->nfiles == IMAGELINE_MAX_FILES)
		return -1;
	memcpy(l->files[l->nfiles], name, n + 1);
	return (int)l->nfiles++;
}

/* One row as the table keeps it. */
static int read_row(struct image_lines *l, Dwarf_Line *ln, struct row *r,
		    const char **last_src, int *last_file)
{
	Dwarf_Addr addr;
	const char *src;
	bool end;
	int no;

	if (!ln || dwarf_lineaddr(ln, &addr) != 0 ||
	    dwarf_lineno(ln, &no) != 0 || dwarf_lineendsequence(ln, &end) != 0)
		return -EINVAL;
	*r = (struct row){.addr = addr, .ord = (uint32_t)l->n};
	if (end || no <= 0)
		return 0;
	src = dwarf_linesrc(ln, NULL, NULL);
	if (!src)
		return 0;
	/* libdw hands out one string per file of a unit: most rows of a
	 * unit name the file of the row before. */
	if (src != *last_src) {
		*last_file = intern(l, src);
		*last_src = src;
	}
	if (*last_file >= 0) {
		r->line = (uint32_t)no;
		r->file = (uint16_t)*last_file;
	}
	return 0;
}

/* The rows of one compile unit; *seen counts every row libdw decoded, kept
 * or not, so that a table of absurd size stops the reading. */
static void add_unit(struct image_lines *l, Dwarf_Die *cu, size_t *seen)
{
	const char *last_src = NULL;
	int last_file = -1;
	Dwarf_Lines *lines;
	size_t n;

	if (dwarf_getsrclines(cu, &lines, &n) != 0)
		return;
	*seen += n;
	for (size_t i = 0; i < n && l->n < IMAGELINE_MAX_ROWS; i++)
		if (read_row(l, dwarf_onesrcline(lines, i), &l->rows[l->n],
			     &last_src, &last_file) == 0)
			l->n++;
}

static void read_units(struct image_lines *l, Dwarf *dw)
{
	Dwarf_CU *cu = NULL;
	size_t seen = 0;

	for (unsigned u = 0; u < IMAGELINE_MAX_UNITS; u++) {
		Dwarf_Die cudie;
		Dwarf_Half version;
		uint8_t type;

		if (dwarf_get_units(dw, cu, &cu, &version, &type, &cudie,
				    NULL) != 0)
			return;
		/* Only full units: a skeleton or split unit would send
		 * libdw looking for .dwo files on the host. */
		if (type != DW_UT_compile)
			continue;
		add_unit(l, &cudie, &seen);
		if (seen >= IMAGELINE_MAX_ROWS || l->n == IMAGELINE_MAX_ROWS)
			return;
	}
}

static int by_addr(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	/* At one address, a sequence's end sorts before the row that
	 * starts the next one, and rows of one sequence keep their order:
	 * the last row at an address is the one its code belongs to. */
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if ((x->line == 0) != (y->line == 0))
		return x->line == 0 ? -1 : 1;
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static void once_elf_version(void)
{
	elf_version(EV_CURRENT);
}

/* libelf may write to an image it reads from memory (a byte-order or
 * alignment fix-up), so it reads a copy, freed when done. */
static void read_lines(struct image_lines *l, const void *buf, size_t len)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	char *copy = malloc(len);
	Dwarf *dw = NULL;
	Elf *elf = NULL;

	if (!copy)
		return;
	memcpy(copy, buf, len);
	pthread_once(&once, once_elf_version);
	elf = elf_memory(copy, len);
	if (elf)
		dw = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
	if (dw)
		read_units(l, dw);
	dwarf_end(dw);
	elf_end(elf);
	free(copy);
}

int image_lines_parse(const void *buf, size_t len, struct image_lines **out)
{
	struct image_lines *l = calloc(1, sizeof(*l));
	struct row *shrunk;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	if (screen(buf, len)) {
		l->rows = malloc(IMAGELINE_MAX_ROWS * sizeof(*l->rows));
		if (!l->rows) {
			free(l);
			return -ENOMEM;
		}
		read_lines(l, buf, len);
		qsort(l->rows, l->n, sizeof(*l->rows), by_addr);
		shrunk = realloc(l->rows, (l->n ? l->n : 1) * sizeof(*l->rows));
		if (shrunk)
			l->rows = shrunk;
	}
	*out = l;
	return 0;
}

void image_lines_free(struct image_lines *l)
{
	if (!l)
		return;
	free(l->rows);
	free(l);
}

size_t image_lines_count(const struct image_lines *l)
{
	return l ? l->n : 0;
}

int image_lines_describe(const struct image_lines *l, uint64_t addr, char *dst,
			 size_t cap)
{
	size_t lo = 0, hi = l ? l->n : 0;
	const struct row *r;

	/* The last row at or below addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->rows[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -ENOENT;
	r = &l->rows[lo - 1];
	if (r->line == 0)
		return -ENOENT;
	snprintf(dst, cap, "%s:%u", l->files[r->file], r->line);
	return 0;
}
