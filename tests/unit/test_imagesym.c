/* test_imagesym.c: the crash-report symbol and line tables: lookups, stripped images, hostile section and symbol tables and hostile DWARF. */
#include "config.h"

#include <check.h>
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imageline.h"
#include "imagesym.h"
#include "../check_run.h"

#define BUF 0x1000
#define SYMTAB_OFF 0x200
#define STRTAB_OFF 0x400
#define SHDR_OFF 0x800

/* "\0alpha\0beta\0obj\0" and room for more names after it. */
static const char strtab[] = "\0alpha\0beta\0obj";
#define NAME_ALPHA 1
#define NAME_BETA 7
#define NAME_OBJ 12
#define STRTAB_BYTES 0x200

struct elf {
	uint8_t b[BUF];
};

static Elf64_Shdr *shdr(struct elf *e, unsigned i)
{
	return (Elf64_Shdr *)(void *)(e->b + SHDR_OFF + i * sizeof(Elf64_Shdr));
}

static Elf64_Sym *sym(struct elf *e, unsigned i)
{
	return (Elf64_Sym *)(void *)(e->b + SYMTAB_OFF + i * sizeof(Elf64_Sym));
}

static void set_sym(struct elf *e, unsigned i, uint32_t name, int type,
		    uint64_t value, uint64_t size)
{
	*sym(e, i) = (Elf64_Sym){.st_name = name,
				 .st_info = ELF64_ST_INFO(STB_GLOBAL, type),
				 .st_shndx = 1,
				 .st_value = value,
				 .st_size = size};
}

/* Sections: null, .symtab (5 entries), .strtab. Functions: beta at
 * 0x10000 (0x20 bytes), alpha at 0x10100 (0x40 bytes); obj is data. */
static void build(struct elf *e)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)(void *)e->b;

	memset(e, 0, sizeof(*e));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_shoff = SHDR_OFF;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 3;
	*shdr(e, 1) = (Elf64_Shdr){.sh_type = SHT_SYMTAB,
				   .sh_offset = SYMTAB_OFF,
				   .sh_size = 5 * sizeof(Elf64_Sym),
				   .sh_link = 2,
				   .sh_entsize = sizeof(Elf64_Sym)};
	*shdr(e, 2) = (Elf64_Shdr){.sh_type = SHT_STRTAB,
				   .sh_offset = STRTAB_OFF,
				   .sh_size = STRTAB_BYTES};
	memcpy(e->b + STRTAB_OFF, strtab, sizeof(strtab));
	set_sym(e, 1, NAME_ALPHA, STT_FUNC, 0x10100, 0x40);
	set_sym(e, 2, NAME_BETA, STT_FUNC, 0x10000, 0x20);
	set_sym(e, 3, NAME_OBJ, STT_OBJECT, 0x12000, 0x10);
	set_sym(e, 4, NAME_ALPHA, STT_NOTYPE, 0x10200, 0);
}

static struct image_syms *parse_ok(struct elf *e)
{
	struct image_syms *s;

	ck_assert_int_eq(image_syms_parse(e->b, sizeof(e->b), &s), 0);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void assert_at(struct image_syms *s, uint64_t addr, const char *want)
{
	char got[200];

	ck_assert_int_eq(image_syms_describe(s, addr, got, sizeof(got)), 0);
	ck_assert_str_eq(got, want);
}

static void assert_none(struct image_syms *s, uint64_t addr)
{
	char got[200];

	ck_assert_int_eq(image_syms_describe(s, addr, got, sizeof(got)),
			 -ENOENT);
}

START_TEST(names_functions_with_offsets)
{
	struct elf e;
	struct image_syms *s;

	build(&e);
	s = parse_ok(&e);
	ck_assert_uint_eq(image_syms_count(s),
			  2); /* data and notype left out */
	assert_at(s, 0x10000, "beta");
	assert_at(s, 0x1001f, "beta+0x1f");
	assert_at(s, 0x10100, "alpha");
	assert_at(s, 0x10133, "alpha+0x33");
	assert_none(s, 0x10020); /* past beta's end, before alpha */
	assert_none(s, 0x10140);
	assert_none(s, 0xffff);
	assert_none(s, 0x12000); /* the data object */
	image_syms_free(s);
	assert_none(NULL, 0x10000);
}
END_TEST

START_TEST(stripped_image_has_no_names)
{
	struct elf e;
	struct image_syms *s;

	build(&e);
	((Elf64_Ehdr *)(void *)e.b)->e_shnum = 0;
	s = parse_ok(&e);
	ck_assert_uint_eq(image_syms_count(s), 0);
	assert_none(s, 0x10000);
	image_syms_free(s);
	build(&e);
	shdr(&e, 1)->sh_type = SHT_PROGBITS; /* no .symtab at all */
	s = parse_ok(&e);
	ck_assert_uint_eq(image_syms_count(s), 0);
	image_syms_free(s);
}
END_TEST

/* Each table that lies about where it is or what it holds is refused,
 * without reading outside the buffer (ASan/valgrind would say). */
START_TEST(hostile_tables_are_refused)
{
	struct elf e;
	struct image_syms *s = (void *)1;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)(void *)e.b;

	build(&e);
	eh->e_shoff = BUF - 10;
	ck_assert_int_eq(image_syms_parse(e.b, BUF, &s), -EINVAL);
	ck_assert_ptr_null(s);
	build(&e);
	eh->e_shoff = UINT64_MAX - 8;
	ck_assert_int_eq(image_syms_parse(e.b, BUF, &s), -EINVAL);
	build(&e);
	eh->e_shnum = 60000;
	ck_assert_int_eq(image_syms_parse(e.b, BUF, &s), -EINVAL);
	build(&e);
	eh->e_shentsize = 32;
	ck_assert_int_eq(image_syms_parse(e.b, BUF, &s), -EINVAL);
	build(&e);
	shdr(&e, 1)->sh_size = UINT64_MAX - 16;
	ck_assert_int_eq(image_syms_parse(e.b, BUF, &s), -EINVAL);
	build(&e);
	shdr(&e, 1)->sh_offset = UINT64_MAX - 16;
	ck_assert_int_eq(image_syms_parse(e.b, BUF, &s), -EINVAL);
	build(&e);
	shdr(&e, 1)->sh_entsize = 1;
	ck_assert_int_eq(image_syms_parse(e.b, BUF, &s), -EINVAL);
	build(&e);
	shdr(&e, 1)->sh_link = 3000;
	ck_assert_int_eq(image_syms_parse(e.b, BUF, &s), -EINVAL);
	build(&e);
	shdr(&e, 1)->sh_link = 1; /* a symbol table is not a string table */
	ck_assert_int_eq(image_syms_parse(e.b, BUF, &s), -EINVAL);
	build(&e);
	shdr(&e, 2)->sh_size = BUF;
	ck_assert_int_eq(image_syms_parse(e.b, BUF, &s), -EINVAL);
	build(&e);
	ck_assert_int_eq(image_syms_parse(e.b, 40, &s), -EINVAL);
}
END_TEST

/* Bad names skip their symbol; odd bytes are shown as '?'; long names are
 * cut. */
START_TEST(hostile_names_are_skipped_or_cleaned)
{
	struct elf e;
	struct image_syms *s;
	char want[IMAGESYM_NAME_MAX + 1];

	build(&e);
	set_sym(&e, 1, STRTAB_BYTES + 5, STT_FUNC, 0x10100, 0x40);
	s = parse_ok(&e);
	ck_assert_uint_eq(image_syms_count(s), 1);
	assert_none(s, 0x10100);
	image_syms_free(s);

	/* A name that runs to the end of the string table unterminated. */
	build(&e);
	memset(e.b + STRTAB_OFF + 0x100, 'u', STRTAB_BYTES - 0x100);
	set_sym(&e, 1, 0x100 + STRTAB_BYTES - 0x100 - 50, STT_FUNC, 0x10100,
		0x40);
	s = parse_ok(&e);
	assert_none(s, 0x10100);
	image_syms_free(s);

	build(&e);
	memcpy(e.b + STRTAB_OFF + 0x20, "bad\033[31mname\n",
	       sizeof("bad\033[31mname\n")); /* with its NUL */
	set_sym(&e, 1, 0x20, STT_FUNC, 0x10100, 0x40);
	s = parse_ok(&e);
	assert_at(s, 0x10101, "bad?[31mname?+0x1");
	image_syms_free(s);

	build(&e);
	memset(e.b + STRTAB_OFF + 0x40, 'n', 300);
	e.b[STRTAB_OFF + 0x40 + 300] = '\0';
	shdr(&e, 2)->sh_size = 0x40 + 301;
	set_sym(&e, 1, 0x40, STT_FUNC, 0x10100, 0x40);
	s = parse_ok(&e);
	memset(want, 'n', IMAGESYM_NAME_MAX);
	want[IMAGESYM_NAME_MAX] = '\0';
	assert_at(s, 0x10100, want);
	image_syms_free(s);
}
END_TEST

/* Many symbols sharing one long name: the names kept stay bounded and the
 * lookups still work. */
START_TEST(shared_names_stay_bounded)
{
	size_t n = 20000, len = SHDR_OFF + 3 * sizeof(Elf64_Shdr);
	size_t sym_off = len, str_off = sym_off + n * sizeof(Elf64_Sym);
	uint8_t *b = calloc(1, str_off + 200);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)(void *)b;
	Elf64_Shdr *sh = (Elf64_Shdr *)(void *)(b + SHDR_OFF);
	struct image_syms *s;
	char want[IMAGESYM_NAME_MAX + 16];

	ck_assert_ptr_nonnull(b);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_shoff = SHDR_OFF;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = 3;
	sh[1] = (Elf64_Shdr){.sh_type = SHT_SYMTAB,
			     .sh_offset = sym_off,
			     .sh_size = n * sizeof(Elf64_Sym),
			     .sh_link = 2,
			     .sh_entsize = sizeof(Elf64_Sym)};
	sh[2] = (Elf64_Shdr){
		.sh_type = SHT_STRTAB, .sh_offset = str_off, .sh_size = 200};
	memset(b + str_off + 1, 'z', 150);
	for (size_t i = 0; i < n; i++) {
		Elf64_Sym *y = (Elf64_Sym *)(void *)(b + sym_off +
						     i * sizeof(Elf64_Sym));

		*y = (Elf64_Sym){.st_name = 1,
				 .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
				 .st_shndx = 1,
				 .st_value = 0x10000 + 16 * i,
				 .st_size = 16};
	}
	ck_assert_int_eq(image_syms_parse(b, str_off + 200, &s), 0);
	/* 1 MiB of names at 129 bytes each. */
	ck_assert_uint_eq(image_syms_count(s), (1u << 20) / 129);
	memset(want, 'z', IMAGESYM_NAME_MAX);
	strcpy(want + IMAGESYM_NAME_MAX, "+0x3");
	assert_at(s, 0x10013, want);
	image_syms_free(s);
	free(b);
}
END_TEST

/* ---- DWARF line tables, from a real image built with -g ---- */

#define CRASHLINE "tests/guests/crashline.elf"

static uint8_t *read_built(const char *rel, size_t *len)
{
	const char *top = getenv("GLINT_BUILDDIR");
	char path[1024];
	uint8_t *b;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* "crashline.c:N" for the line of the guest's source with the marker. */
static void marker_line(char *dst, size_t cap)
{
	const char *top = getenv("GLINT_SRCDIR");
	char path[1024], line[256];
	int no = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/guests/crashline.c",
		 top ? top : "..");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s", path);
	while (fgets(line, sizeof(line), f)) {
		no++;
		if (strstr(line, "*target = 1; /* crash-marker"))
			break;
	}
	fclose(f);
	snprintf(dst, cap, "crashline.c:%d", no);
}

/* The section header named name, in place in the image. */
static Elf64_Shdr *section(uint8_t *b, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)(void *)b;
	Elf64_Shdr *sh = (Elf64_Shdr *)(void *)(b + eh->e_shoff);
	const char *names = (const char *)b + sh[eh->e_shstrndx].sh_offset;

	for (unsigned i = 0; i < eh->e_shnum; i++)
		if (strcmp(names + sh[i].sh_name, name) == 0)
			return &sh[i];
	ck_abort_msg("no section %s", name);
	return NULL;
}

/* How many addresses of the image's first MiB the table names as want,
 * and how many it names at all. */
static unsigned addrs_named(const struct image_syms *s, const char *want,
			    unsigned *any)
{
	char got[IMAGESYM_LINE_CAP];
	unsigned hits = 0;

	*any = 0;
	for (uint64_t a = 0; a < (1u << 20); a++) {
		if (image_syms_line(s, a, got, sizeof(got)) != 0)
			continue;
		(*any)++;
		hits += strcmp(got, want) == 0;
	}
	return hits;
}

START_TEST(debug_lines_name_the_marked_line)
{
	size_t len;
	uint8_t *b = read_built(CRASHLINE, &len);
	struct image_syms *s;
	char want[64], got[IMAGESYM_LINE_CAP];
	unsigned any;

	marker_line(want, sizeof(want));
	ck_assert_int_eq(image_syms_parse(b, len, &s), 0);
	ck_assert_uint_gt(image_syms_line_count(s), 0);
	ck_assert_uint_gt(addrs_named(s, want, &any), 0);
	/* Page zero and the SDK (built without -g) have no lines. */
	ck_assert_int_eq(image_syms_line(s, 0, got, sizeof(got)), -ENOENT);
	ck_assert_uint_lt(any, 0x1000);
	ck_assert_int_eq(image_syms_line(NULL, 0x10000, got, sizeof(got)),
			 -ENOENT);
	image_syms_free(s);
	free(b);
}
END_TEST

/* A corrupted image still parses: names stay, lines go (or are garbage,
 * bounded), nothing crashes. */
static void assert_no_lines(uint8_t *b, size_t len, int expect_none)
{
	struct image_syms *s;
	char want[64];
	unsigned any;

	marker_line(want, sizeof(want));
	ck_assert_int_eq(image_syms_parse(b, len, &s), 0);
	ck_assert_uint_gt(image_syms_count(s), 0);
	ck_assert_uint_le(image_syms_line_count(s), IMAGELINE_MAX_ROWS);
	if (expect_none) {
		ck_assert_uint_eq(image_syms_line_count(s), 0);
		ck_assert_uint_eq(addrs_named(s, want, &any), 0);
		ck_assert_uint_eq(any, 0);
	}
	image_syms_free(s);
}

START_TEST(hostile_debug_line_gives_no_lines)
{
	size_t len;
	uint8_t *b = read_built(CRASHLINE, &len), *big;
	Elf64_Shdr *dl = section(b, ".debug_line"), keep = *dl;
	uint32_t x = 2463534242u;

	/* Every byte 0xff: a 64-bit unit length of 2^64 - 1. */
	memset(b + dl->sh_offset, 0xff, dl->sh_size);
	assert_no_lines(b, len, 1);
	/* Random bytes, over the whole section and after its header. */
	for (int round = 0; round < 200; round++) {
		size_t from = round % 2 ? 0 : 40;

		for (size_t i = from; i < dl->sh_size; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			b[dl->sh_offset + i] = (uint8_t)x;
		}
		assert_no_lines(b, len, 0);
	}
	free(b);

	b = read_built(CRASHLINE, &len);
	dl = section(b, ".debug_line");
	dl->sh_size = len; /* runs off the end of the file */
	assert_no_lines(b, len, 1);
	*dl = keep;
	dl->sh_flags |= SHF_COMPRESSED; /* libdw would inflate it */
	assert_no_lines(b, len, 1);
	*dl = keep;
	section(b, ".debug_info")->sh_size = 3; /* a truncated unit */
	assert_no_lines(b, len, 1);

	/* Over the size cap, though inside the file. */
	big = calloc(1, len + IMAGELINE_MAX_LINE_SECTION + 1);
	ck_assert_ptr_nonnull(big);
	free(b);
	b = read_built(CRASHLINE, &len);
	memcpy(big, b, len);
	dl = section(big, ".debug_line");
	dl->sh_offset = len;
	dl->sh_size = IMAGELINE_MAX_LINE_SECTION + 1;
	assert_no_lines(big, len + IMAGELINE_MAX_LINE_SECTION + 1, 1);
	free(big);
	free(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("imagesym");
	TCase *tc = tcase_create("imagesym");

	tcase_add_test(tc, names_functions_with_offsets);
	tcase_add_test(tc, stripped_image_has_no_names);
	tcase_add_test(tc, hostile_tables_are_refused);
	tcase_add_test(tc, hostile_names_are_skipped_or_cleaned);
	tcase_add_test(tc, shared_names_stay_bounded);
	tcase_add_test(tc, debug_lines_name_the_marked_line);
	tcase_add_test(tc, hostile_debug_line_gives_no_lines);
	suite_add_tcase(s, tc);
	return check_run(s);
}
