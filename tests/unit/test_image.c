/* test_image.c: unit tests of the guest image validator (vmm/image.c). */
#include "config.h"

#include <check.h>
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glint_abi.h"
#include "image.h"
#include "image_fixture.h"
#include "../check_run.h"

static int parse(struct fixture *f)
{
	return image_parse(f->u.bytes, f->len, &f->img, f->err, sizeof(f->err));
}

/* The parse must fail with -EINVAL and a message containing want. */
#define ck_rejects(f, want)                                                    \
	do {                                                                   \
		int rc_ = parse(f);                                            \
		ck_assert_int_eq(rc_, -EINVAL);                                \
		ck_assert_msg(strstr((f)->err, (want)) != NULL,                \
			      "message \"%s\" lacks \"%s\"", (f)->err,         \
			      (want));                                         \
		ck_assert_uint_eq((f)->img.nsegments, 0);                      \
	} while (0)

static struct fixture fx;

static void setup(void)
{
	fixture_build(&fx);
}

/* ---- a valid image ------------------------------------------------- */

START_TEST(test_valid_image)
{
	const struct image_segment *s = fx.img.segments;

	ck_assert_int_eq(parse(&fx), 0);
	ck_assert_str_eq(fx.err, "");
	ck_assert_ptr_eq(fx.img.data, fx.u.bytes);
	ck_assert_uint_eq(fx.img.len_bytes, IMG_BYTES);
	ck_assert_uint_eq(fx.img.entry_gpa, ENTRY);
	ck_assert_uint_eq(fx.img.abi_version, GLINT_ABI_VERSION);
	ck_assert_uint_eq(fx.img.nsegments, 3);
	ck_assert_uint_eq(s[0].gpa, 0x10000);
	ck_assert_uint_eq(s[0].perm, IMAGE_PERM_R | IMAGE_PERM_X);
	ck_assert_uint_eq(s[0].file_offset, 0x1000);
	ck_assert_uint_eq(s[0].file_bytes, 0x100);
	ck_assert_uint_eq(s[1].gpa, 0x11000);
	ck_assert_uint_eq(s[1].perm, IMAGE_PERM_R);
	ck_assert_uint_eq(s[2].gpa, 0x12000);
	ck_assert_uint_eq(s[2].perm, IMAGE_PERM_R | IMAGE_PERM_W);
	ck_assert_uint_eq(s[2].file_bytes, 0x10);
	ck_assert_uint_eq(s[2].mem_bytes, 0x2000);
	ck_assert_uint_eq(fx.img.end_gpa, 0x14000);
	ck_assert_ptr_null(fx.img.owned);
}
END_TEST

START_TEST(test_segments_sorted_by_address)
{
	Elf64_Phdr text = *fixture_phdr(&fx, PH_TEXT);

	/* Program headers out of address order: data first, text last. */
	*fixture_phdr(&fx, PH_TEXT) = *fixture_phdr(&fx, PH_DATA);
	*fixture_phdr(&fx, PH_DATA) = text;
	fixture_phdr(&fx, PH_TEXT)->p_memsz = 0x1800; /* end_gpa rounds up */
	ck_assert_int_eq(parse(&fx), 0);
	ck_assert_uint_eq(fx.img.segments[0].gpa, 0x10000);
	ck_assert_uint_eq(fx.img.segments[0].perm, IMAGE_PERM_R | IMAGE_PERM_X);
	ck_assert_uint_eq(fx.img.segments[2].gpa, 0x12000);
	ck_assert_uint_eq(fx.img.end_gpa, 0x14000);
}
END_TEST

START_TEST(test_max_segments_accepted)
{
	unsigned i, extra = IMAGE_MAX_SEGMENTS - 3;

	for (i = 0; i < extra; i++)
		fixture_set_phdr(&fx, 4 + i, PT_LOAD, PF_R | PF_W, 0,
				 0x20000 + i * 0x1000, 0, 0x1000);
	fx.u.eh.e_phnum = 4 + extra;
	ck_assert_int_eq(parse(&fx), 0);
	ck_assert_uint_eq(fx.img.nsegments, IMAGE_MAX_SEGMENTS);
	ck_assert_uint_eq(fx.img.end_gpa, 0x20000 + extra * 0x1000);
}
END_TEST

START_TEST(test_note_after_other_notes)
{
	uint32_t version = GLINT_ABI_VERSION;
	uint8_t id[20] = {1, 2, 3};
	uint8_t *at = fx.u.bytes + NOTE_OFF;
	size_t n;

	n = fixture_put_note(at, "GNU", 4, NT_GNU_BUILD_ID, id, sizeof(id));
	n += fixture_put_note(at + n, "glint", 6, 7, &version,
			      4); /* other type */
	n += fixture_put_note(at + n, GLINT_NOTE_NAME, 6, GLINT_NOTE_TYPE_ABI,
			      &version, 4);
	fixture_phdr(&fx, PH_NOTE)->p_filesz = n;
	ck_assert_int_eq(parse(&fx), 0);
	ck_assert_uint_eq(fx.img.abi_version, GLINT_ABI_VERSION);
}
END_TEST

START_TEST(test_empty_load_ignored)
{
	fixture_set_phdr(&fx, 4, PT_LOAD, PF_R, 0, 0x10000, 0, 0);
	fx.u.eh.e_phnum = 5;
	ck_assert_int_eq(parse(&fx), 0);
	ck_assert_uint_eq(fx.img.nsegments, 3);
}
END_TEST

START_TEST(test_null_err_buffer)
{
	fx.u.bytes[0] = 0;
	ck_assert_int_eq(image_parse(fx.u.bytes, fx.len, &fx.img, NULL, 0),
			 -EINVAL);
	ck_assert_int_eq(image_parse(fx.u.bytes, fx.len, &fx.img, fx.err, 4),
			 -EINVAL);
	ck_assert_str_eq(fx.err, "not");
}
END_TEST

/* ---- ELF header ---------------------------------------------------- */

START_TEST(test_empty_file)
{
	fx.len = 0;
	ck_rejects(&fx, "not an ELF file");
}
END_TEST

START_TEST(test_bad_magic)
{
	fx.u.bytes[1] = 'X';
	ck_rejects(&fx, "not an ELF file (bad magic number)");
}
END_TEST

START_TEST(test_too_short)
{
	fx.len = 40;
	ck_rejects(&fx, "too short for an ELF header (40 bytes)");
}
END_TEST

START_TEST(test_class_32)
{
	fx.u.eh.e_ident[EI_CLASS] = ELFCLASS32;
	ck_rejects(&fx, "not a 64-bit ELF file");
}
END_TEST

START_TEST(test_big_endian)
{
	fx.u.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	ck_rejects(&fx, "not a little-endian ELF file");
}
END_TEST

START_TEST(test_ident_version)
{
	fx.u.eh.e_ident[EI_VERSION] = 2;
	ck_rejects(&fx, "unsupported ELF version 2");
}
END_TEST

START_TEST(test_header_version)
{
	fx.u.eh.e_version = 0;
	ck_rejects(&fx, "unsupported ELF version 0");
}
END_TEST

START_TEST(test_machine)
{
	fx.u.eh.e_machine = EM_AARCH64;
	ck_rejects(&fx, "not an x86-64 executable (machine 183)");
}
END_TEST

START_TEST(test_type_dyn)
{
	fx.u.eh.e_type = ET_DYN;
	ck_rejects(&fx, "shared object / position-independent executable");
}
END_TEST

START_TEST(test_type_rel)
{
	fx.u.eh.e_type = ET_REL;
	ck_rejects(&fx, "relocatable object");
}
END_TEST

START_TEST(test_type_core)
{
	fx.u.eh.e_type = ET_CORE;
	ck_rejects(&fx, "not an executable (ELF type 4)");
}
END_TEST

/* ---- program header table ------------------------------------------ */

START_TEST(test_phentsize)
{
	fx.u.eh.e_phentsize = 32;
	ck_rejects(&fx, "bad program header size 32 (expected 56)");
}
END_TEST

START_TEST(test_no_phdrs)
{
	fx.u.eh.e_phnum = 0;
	ck_rejects(&fx, "no program headers");
}
END_TEST

START_TEST(test_phdrs_past_end)
{
	fx.u.eh.e_phoff = IMG_BYTES - sizeof(Elf64_Phdr);
	ck_rejects(&fx, "program header table (offset 0x3fc8, 4 entries) is "
			"outside the file");
}
END_TEST

START_TEST(test_phdrs_offset_overflow)
{
	fx.u.eh.e_phoff = UINT64_MAX - 8;
	ck_rejects(&fx, "program header table");
	fx.u.eh.e_phoff = sizeof(Elf64_Ehdr);
	fx.u.eh.e_phnum = 0xffff; /* PN_XNUM */
	ck_rejects(&fx, "is outside the file");
}
END_TEST

START_TEST(test_no_loads)
{
	fixture_phdr(&fx, PH_TEXT)->p_type = PT_NULL;
	fixture_phdr(&fx, PH_RODATA)->p_type = PT_GNU_STACK;
	fixture_phdr(&fx, PH_DATA)->p_type = PT_NULL;
	ck_rejects(&fx, "no loadable (PT_LOAD) segments");
}
END_TEST

START_TEST(test_too_many_loads)
{
	unsigned i, extra = IMAGE_MAX_SEGMENTS - 2;

	for (i = 0; i < extra; i++)
		fixture_set_phdr(&fx, 4 + i, PT_LOAD, PF_R | PF_W, 0,
				 0x20000 + i * 0x1000, 0, 0x1000);
	fx.u.eh.e_phnum = 4 + extra;
	ck_rejects(&fx, "too many loadable segments (at most 16)");
}
END_TEST

START_TEST(test_interp)
{
	fixture_set_phdr(&fx, 4, PT_INTERP, PF_R, 0x200, 0, 0x10, 0x10);
	fx.u.eh.e_phnum = 5;
	ck_rejects(&fx, "dynamically linked (program header 4)");
}
END_TEST

START_TEST(test_dynamic)
{
	fixture_phdr(&fx, PH_NOTE)->p_type = PT_DYNAMIC;
	ck_rejects(&fx, "dynamically linked (program header 3)");
}
END_TEST

START_TEST(test_tls)
{
	fixture_set_phdr(&fx, 4, PT_TLS, PF_R, 0x3000, 0x12000, 0x10, 0x20);
	fx.u.eh.e_phnum = 5;
	ck_rejects(&fx, "thread-local storage (PT_TLS)");
}
END_TEST

/* ---- segments -------------------------------------------------------- */

START_TEST(test_filesz_gt_memsz)
{
	fixture_phdr(&fx, PH_RODATA)->p_filesz = 0x21;
	ck_rejects(&fx, "segment 1 has more file bytes (0x21) than memory "
			"bytes (0x20)");
}
END_TEST

START_TEST(test_segment_past_end)
{
	fixture_phdr(&fx, PH_DATA)->p_filesz = 0x1001;
	ck_rejects(&fx, "segment 2 file range (offset 0x3000, 0x1001 bytes) "
			"is outside the file");
}
END_TEST

START_TEST(test_segment_offset_overflow)
{
	fixture_phdr(&fx, PH_DATA)->p_offset = UINT64_MAX - 0xfff;
	ck_rejects(&fx, "segment 2 file range");
}
END_TEST

START_TEST(test_unaligned_vaddr)
{
	fixture_phdr(&fx, PH_RODATA)->p_vaddr = 0x11010;
	ck_rejects(&fx, "segment 1 at 0x11010 is not page aligned");
}
END_TEST

START_TEST(test_offset_not_congruent)
{
	fixture_phdr(&fx, PH_RODATA)->p_offset = 0x2010;
	ck_rejects(&fx, "segment 1 file offset 0x2010 is not congruent to "
			"its address 0x11000");
}
END_TEST

START_TEST(test_below_image_base)
{
	fixture_phdr(&fx, PH_TEXT)->p_vaddr = 0x2000;
	fx.u.eh.e_entry = 0x2040;
	ck_rejects(&fx, "segment 0 at 0x2000 overlaps the reserved low memory "
			"(page 0, call page, log)");
	fixture_phdr(&fx, PH_TEXT)->p_vaddr = 0;
	ck_rejects(&fx, "overlaps the reserved low memory");
	fixture_phdr(&fx, PH_TEXT)->p_vaddr =
		GLINT_IMAGE_BASE - GLINT_PAGE_SIZE;
	ck_rejects(&fx, "overlaps the reserved low memory");
}
END_TEST

START_TEST(test_beyond_max_memory)
{
	fixture_phdr(&fx, PH_DATA)->p_vaddr = GLINT_MEM_MAX_BYTES;
	ck_rejects(&fx, "segment 2 at 0x40000000 is outside any guest memory");
	fixture_phdr(&fx, PH_DATA)->p_vaddr = 0xfffffffffffff000ull;
	ck_rejects(&fx, "is outside any guest memory");
}
END_TEST

START_TEST(test_larger_than_max_memory)
{
	fixture_phdr(&fx, PH_DATA)->p_vaddr = GLINT_MEM_MAX_BYTES - 0x1000;
	ck_rejects(&fx, "image is larger than the maximum memory: segment 2");
	fixture_phdr(&fx, PH_DATA)->p_vaddr = 0x12000;
	fixture_phdr(&fx, PH_DATA)->p_memsz = UINT64_MAX; /* end overflows */
	ck_rejects(&fx, "image is larger than the maximum memory");
}
END_TEST

START_TEST(test_overlap)
{
	fixture_phdr(&fx, PH_DATA)->p_vaddr = 0x11000;
	ck_rejects(&fx, "segments 1 (0x11000-0x11020) and 2 (0x11000-0x13000) "
			"overlap");
}
END_TEST

START_TEST(test_overlap_after_rounding)
{
	/* Text ends one byte into the rodata page: both would need that page. */
	fixture_phdr(&fx, PH_TEXT)->p_memsz = 0x1001;
	ck_rejects(&fx, "segments 0 (0x10000-0x11001) and 1 (0x11000-0x11020) "
			"overlap once rounded to pages");
}
END_TEST

START_TEST(test_writable_executable)
{
	fixture_phdr(&fx, PH_DATA)->p_flags = PF_R | PF_W | PF_X;
	ck_rejects(&fx, "segment 2 at 0x12000 is writable and executable");
}
END_TEST

START_TEST(test_entry_not_executable)
{
	fx.u.eh.e_entry = 0x11008;
	ck_rejects(&fx, "entry point 0x11008 is in segment 1, which is not "
			"executable");
}
END_TEST

START_TEST(test_entry_outside)
{
	fx.u.eh.e_entry = 0x10100; /* one past the end of text */
	ck_rejects(&fx, "entry point 0x10100 is not inside any loadable "
			"segment");
	fx.u.eh.e_entry = 0;
	ck_rejects(&fx, "entry point 0x0 is not inside");
}
END_TEST

/* ---- ABI note -------------------------------------------------------- */

START_TEST(test_no_note)
{
	fixture_phdr(&fx, PH_NOTE)->p_type = PT_NULL;
	ck_rejects(&fx, "no glint ABI note: build the image with the glint "
			"guest SDK");
}
END_TEST

START_TEST(test_note_wrong_name)
{
	fx.u.bytes[NOTE_OFF + sizeof(Elf64_Nhdr) + 4] = 'x'; /* "glinx" */
	ck_rejects(&fx, "no glint ABI note");
}
END_TEST

START_TEST(test_note_wrong_type)
{
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(fx.u.bytes + NOTE_OFF);

	nh->n_type = 1;
	ck_rejects(&fx, "no glint ABI note");
}
END_TEST

START_TEST(test_note_version_mismatch)
{
	uint32_t v = 1; /* an image from before the request area */

	memcpy(fx.u.bytes + NOTE_OFF + sizeof(Elf64_Nhdr) + 8, &v, 4);
	ck_rejects(&fx, "image built for glint ABI 1; this glintd runs ABI 2: "
			"rebuild it against the current guest SDK (pkg-config "
			"glint-guest)");
}
END_TEST

START_TEST(test_note_desc_size)
{
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(fx.u.bytes + NOTE_OFF);

	nh->n_descsz = 8;
	fixture_phdr(&fx, PH_NOTE)->p_filesz += 4;
	ck_rejects(&fx, "glint ABI note has a 8-byte descriptor (expected 4)");
}
END_TEST

START_TEST(test_note_malformed)
{
	Elf64_Nhdr *nh = (Elf64_Nhdr *)(fx.u.bytes + NOTE_OFF);

	nh->n_namesz = 0xffffffffu;
	ck_rejects(&fx, "malformed note in segment 3");
	nh->n_namesz = 6;
	nh->n_descsz = 0xfffffffdu;
	ck_rejects(&fx, "malformed note in segment 3 (note at offset 0x0");
}
END_TEST

START_TEST(test_note_truncated)
{
	/* The segment ends inside the descriptor. */
	fixture_phdr(&fx, PH_NOTE)->p_filesz -= 2;
	ck_rejects(&fx, "malformed note in segment 3");
	/* Too short for a note header: no note at all. */
	fixture_phdr(&fx, PH_NOTE)->p_filesz = 8;
	ck_rejects(&fx, "no glint ABI note");
}
END_TEST

START_TEST(test_note_outside_file)
{
	fixture_phdr(&fx, PH_NOTE)->p_offset = IMG_BYTES - 8;
	ck_rejects(&fx, "note segment 3 is outside the file");
}
END_TEST

/* ---- image_load and image_load_file ------------------------------ */

START_TEST(test_load_copies)
{
	struct image img;

	ck_assert_int_eq(
		image_load(fx.u.bytes, fx.len, &img, fx.err, sizeof(fx.err)),
		0);
	ck_assert_ptr_nonnull(img.owned);
	ck_assert_ptr_ne(img.data, fx.u.bytes);
	memset(fx.u.bytes, 0, sizeof(fx.u.bytes));
	fixture_build(&fx);
	ck_assert_int_eq(memcmp(img.data, fx.u.bytes, fx.len), 0);
	memset(fx.u.bytes, 0xee, sizeof(fx.u.bytes));
	ck_assert_uint_eq(img.data[0x1000], (uint8_t)(0x1000 * 7 + 3));
	ck_assert_uint_eq(img.nsegments, 3);
	image_release(&img);
	ck_assert_ptr_null(img.owned);
	ck_assert_uint_eq(img.nsegments, 0);
	image_release(&img); /* twice: a no-op */
	image_release(NULL);
}
END_TEST

START_TEST(test_load_rejects)
{
	struct image img;

	fx.u.eh.e_machine = EM_386;
	ck_assert_int_eq(
		image_load(fx.u.bytes, fx.len, &img, fx.err, sizeof(fx.err)),
		-EINVAL);
	ck_assert_ptr_nonnull(strstr(fx.err, "not an x86-64 executable"));
	ck_assert_ptr_null(img.owned);
	image_release(&img);
}
END_TEST

/* Writes len bytes of buf to a new temporary file; returns its path. */
static char *write_temp(const void *buf, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/glint-test-image.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	return path;
}

START_TEST(test_load_file)
{
	char *path = write_temp(fx.u.bytes, fx.len);
	struct image img;
	int rc;

	rc = image_load_file(path, 1 << 20, &img, fx.err, sizeof(fx.err));
	ck_assert_msg(rc == 0, "%s", fx.err);
	ck_assert_uint_eq(img.len_bytes, IMG_BYTES);
	ck_assert_uint_eq(img.entry_gpa, ENTRY);
	ck_assert_int_eq(memcmp(img.data, fx.u.bytes, fx.len), 0);
	image_release(&img);

	/* Exactly at the limit is fine; one byte over is not. */
	rc = image_load_file(path, IMG_BYTES, &img, fx.err, sizeof(fx.err));
	ck_assert_int_eq(rc, 0);
	image_release(&img);
	rc = image_load_file(path, IMG_BYTES - 1, &img, fx.err, sizeof(fx.err));
	ck_assert_int_eq(rc, -EFBIG);
	ck_assert_str_eq(fx.err, "image file is larger than the 16383-byte "
				 "limit");
	unlink(path);
}
END_TEST

START_TEST(test_load_file_mib_limit)
{
	size_t len = (1u << 20) + 1;
	uint8_t *big = calloc(1, len);
	char *path;
	struct image img;

	ck_assert_ptr_nonnull(big);
	memcpy(big, fx.u.bytes, fx.len);
	path = write_temp(big, len);
	ck_assert_int_eq(
		image_load_file(path, 1u << 20, &img, fx.err, sizeof(fx.err)),
		-EFBIG);
	ck_assert_str_eq(fx.err, "image file is larger than the 1 MiB limit");
	ck_assert_int_eq(
		image_load_file(path, 2u << 20, &img, fx.err, sizeof(fx.err)),
		0);
	image_release(&img);
	unlink(path);
	free(big);
}
END_TEST

START_TEST(test_load_file_errors)
{
	struct image img;
	char *path;

	ck_assert_int_eq(image_load_file("/nonexistent/x.elf", 1 << 20, &img,
					 fx.err, sizeof(fx.err)),
			 -ENOENT);
	ck_assert_str_eq(fx.err, "cannot open /nonexistent/x.elf: No such "
				 "file or directory");
	ck_assert_int_eq(
		image_load_file("/tmp", 1 << 20, &img, fx.err, sizeof(fx.err)),
		-EINVAL);
	ck_assert_str_eq(fx.err, "/tmp is not a regular file");

	fx.u.eh.e_ident[EI_CLASS] = ELFCLASS32;
	path = write_temp(fx.u.bytes, fx.len);
	ck_assert_int_eq(
		image_load_file(path, 1 << 20, &img, fx.err, sizeof(fx.err)),
		-EINVAL);
	ck_assert_ptr_nonnull(strstr(fx.err, "not a 64-bit ELF file"));
	ck_assert_ptr_null(img.owned);
	unlink(path);
}
END_TEST

/* ---- bounded validation work ---------------------------------------- */

START_TEST(test_phdr_limit)
{
	/* the extra headers are PT_NULL: only their number matters */
	fx.u.eh.e_phnum = IMAGE_MAX_PHDRS;
	ck_assert_int_eq(parse(&fx), 0);
	fixture_build(&fx);
	fx.u.eh.e_phnum = IMAGE_MAX_PHDRS + 1;
	ck_rejects(&fx,
		   "image has 65 program headers (at most 64 are allowed)");
}
END_TEST

/* An image of `len` bytes: the fixture, then zeros (each 12 zero bytes
 * are an empty note), with PT_NOTE headers 4..63 over [off, len). */
static uint8_t *overlapping_notes(size_t len, uint64_t off)
{
	uint8_t *buf = calloc(1, len);
	Elf64_Phdr *ph;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, fx.u.bytes, IMG_BYTES);
	((Elf64_Ehdr *)(void *)buf)->e_phnum = IMAGE_MAX_PHDRS;
	ph = (Elf64_Phdr *)(void *)(buf + sizeof(Elf64_Ehdr));
	for (unsigned i = 4; i < IMAGE_MAX_PHDRS; i++) {
		ph[i].p_type = PT_NOTE;
		ph[i].p_flags = PF_R;
		ph[i].p_offset = off;
		ph[i].p_filesz = len - off;
		ph[i].p_align = 4;
	}
	return buf;
}

/* 60 PT_NOTE headers over the same 60 MiB of empty notes, before the ABI
 * note: refused at the first, having scanned nothing of it. */
START_TEST(test_overlapping_notes_refused)
{
	size_t len = 60 * 1024 * 1024;
	uint8_t *buf;
	Elf64_Phdr *ph;

	buf = overlapping_notes(len, 0x10000);
	ph = (Elf64_Phdr *)(void *)(buf + sizeof(Elf64_Ehdr));
	/* the ABI note's segment comes last */
	ph[IMAGE_MAX_PHDRS - 1] = ph[PH_NOTE];
	ph[PH_NOTE] = ph[4];
	ck_assert_int_eq(image_parse(buf, len, &fx.img, fx.err, sizeof(fx.err)),
			 -EINVAL);
	ck_assert_str_eq(fx.err, "note segments hold more than 65536 bytes "
				 "before the glint ABI note (segment 3)");
	free(buf);
}
END_TEST

/* Small note segments count in full each time, even over the same bytes:
 * 4 KiB each, the 17th would pass 64 KiB, so at most 64 KiB of notes
 * are ever read whatever the number of headers. */
START_TEST(test_note_bytes_counted_per_header)
{
	size_t len = 0x11000;
	uint8_t *buf = overlapping_notes(len, 0x10000);
	Elf64_Phdr *ph = (Elf64_Phdr *)(void *)(buf + sizeof(Elf64_Ehdr));

	ph[IMAGE_MAX_PHDRS - 1] = ph[PH_NOTE];
	ph[PH_NOTE] = ph[4];
	ck_assert_int_eq(image_parse(buf, len, &fx.img, fx.err, sizeof(fx.err)),
			 -EINVAL);
	ck_assert_str_eq(fx.err, "note segments hold more than 65536 bytes "
				 "before the glint ABI note (segment 19)");
	free(buf);
}
END_TEST

/* The scan stops at the ABI note: hostile notes after it are not read. */
START_TEST(test_notes_after_abi_note_ignored)
{
	size_t len = 60 * 1024 * 1024;
	uint8_t *buf = overlapping_notes(len, 0x10000);

	ck_assert_int_eq(image_parse(buf, len, &fx.img, fx.err, sizeof(fx.err)),
			 0);
	ck_assert_uint_eq(fx.img.abi_version, GLINT_ABI_VERSION);
	free(buf);
}
END_TEST

static Suite *image_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_valid_image);
	tcase_add_test(tc, test_segments_sorted_by_address);
	tcase_add_test(tc, test_max_segments_accepted);
	tcase_add_test(tc, test_note_after_other_notes);
	tcase_add_test(tc, test_empty_load_ignored);
	tcase_add_test(tc, test_null_err_buffer);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_bad_magic);
	tcase_add_test(tc, test_too_short);
	tcase_add_test(tc, test_class_32);
	tcase_add_test(tc, test_big_endian);
	tcase_add_test(tc, test_ident_version);
	tcase_add_test(tc, test_header_version);
	tcase_add_test(tc, test_machine);
	tcase_add_test(tc, test_type_dyn);
	tcase_add_test(tc, test_type_rel);
	tcase_add_test(tc, test_type_core);
	tcase_add_test(tc, test_phentsize);
	tcase_add_test(tc, test_no_phdrs);
	tcase_add_test(tc, test_phdrs_past_end);
	tcase_add_test(tc, test_phdrs_offset_overflow);
	tcase_add_test(tc, test_no_loads);
	tcase_add_test(tc, test_too_many_loads);
	tcase_add_test(tc, test_interp);
	tcase_add_test(tc, test_dynamic);
	tcase_add_test(tc, test_tls);
	tcase_add_test(tc, test_filesz_gt_memsz);
	tcase_add_test(tc, test_segment_past_end);
	tcase_add_test(tc, test_segment_offset_overflow);
	tcase_add_test(tc, test_unaligned_vaddr);
	tcase_add_test(tc, test_offset_not_congruent);
	tcase_add_test(tc, test_below_image_base);
	tcase_add_test(tc, test_beyond_max_memory);
	tcase_add_test(tc, test_larger_than_max_memory);
	tcase_add_test(tc, test_overlap);
	tcase_add_test(tc, test_overlap_after_rounding);
	tcase_add_test(tc, test_writable_executable);
	tcase_add_test(tc, test_entry_not_executable);
	tcase_add_test(tc, test_entry_outside);
	tcase_add_test(tc, test_no_note);
	tcase_add_test(tc, test_note_wrong_name);
	tcase_add_test(tc, test_note_wrong_type);
	tcase_add_test(tc, test_note_version_mismatch);
	tcase_add_test(tc, test_note_desc_size);
	tcase_add_test(tc, test_note_malformed);
	tcase_add_test(tc, test_note_truncated);
	tcase_add_test(tc, test_note_outside_file);
	tcase_add_test(tc, test_load_copies);
	tcase_add_test(tc, test_load_rejects);
	tcase_add_test(tc, test_load_file);
	tcase_add_test(tc, test_load_file_mib_limit);
	tcase_add_test(tc, test_load_file_errors);
	tcase_add_test(tc, test_phdr_limit);
	tcase_add_test(tc, test_overlapping_notes_refused);
	tcase_add_test(tc, test_note_bytes_counted_per_header);
	tcase_add_test(tc, test_notes_after_abi_note_ignored);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(image_suite());
}
