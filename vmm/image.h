/* image.h: validation and parsing of guest images (static x86-64 ELF). */
#ifndef GLINT_IMAGE_H
#define GLINT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A guest image is a static x86-64 ELF executable (ET_EXEC) built with the
 * guest SDK. image_parse() checks everything about it that does not depend
 * on the VM's memory size and never crashes on any input; the memory-size
 * checks (segments outside memory, image larger than memory) are made by
 * vm_boot() when the layout is known.
 *
 * Failures return -EINVAL (or -ENOMEM) with a one-line, human-readable
 * reason in err (for example "segment 2 is writable and executable").
 *
 * Details of the checks (vmm/image.c):
 *  - "segment N" is the index of the program header, as `readelf -l`
 *    numbers them; struct image lists the PT_LOAD segments sorted by
 *    address, so its indices may differ.
 *  - The order is: ELF header, program header table, dynamic linking and
 *    PT_TLS, the glint ABI note, then each PT_LOAD, overlaps, entry point.
 *    A foreign executable is thus told it is not a glint image before
 *    anything about its segments.
 *  - A PT_LOAD with p_memsz 0 maps nothing and is ignored. Every other
 *    PT_LOAD starts on a page (p_vaddr % 4096 == 0), with p_offset on a
 *    page too when it has file bytes, and no two share a page after
 *    rounding their ends up (permissions are per page). p_paddr is ignored:
 *    guest memory is identity-mapped.
 *  - perm always has IMAGE_PERM_R: x86 pages cannot be write- or
 *    execute-only.
 *  - The ABI note is looked for in the PT_NOTEs in order, stopping at
 *    the first one found; notes are 4-byte aligned, or 8-byte aligned in
 *    a PT_NOTE whose p_align is 8.
 *  - Limits that hold for any VM are checked here: segments start at or
 *    above GLINT_IMAGE_BASE and end at or below GLINT_MEM_MAX_BYTES, so
 *    end_gpa <= GLINT_MEM_MAX_BYTES and no segment arithmetic on a parsed
 *    image can overflow. vm_boot() checks the image against its VM's size.
 *  - image_load_file() fails with -EFBIG and "image file is larger than the
 *    N MiB limit" (or "N-byte limit") above max_bytes, and with the
 *    open()/read() errno and a message naming the file otherwise.
 */

#define IMAGE_MAX_SEGMENTS 16
/* Bounds on validation work, whatever the file holds: "image has N program
 * headers (at most 64 are allowed)", and "note segments hold more than
 * 65536 bytes before the glint ABI note (segment N)" when the PT_NOTE
 * segments scanned before the note is found (each counted in full, even
 * when several describe the same bytes) exceed the limit. The SDK's
 * images have 4 program headers and 24 bytes of notes. */
#define IMAGE_MAX_PHDRS 64u
#define IMAGE_MAX_NOTE_BYTES 65536u

enum image_perm {
	IMAGE_PERM_R = 1,
	IMAGE_PERM_W = 2,
	IMAGE_PERM_X = 4,
};

struct image_segment {
	uint64_t gpa;	     /* page aligned, >= GLINT_IMAGE_BASE */
	uint64_t mem_bytes;  /* bytes in memory (memsz) */
	uint64_t file_bytes; /* bytes copied from the file (filesz <= memsz) */
	uint64_t file_offset;
	unsigned perm; /* enum image_perm bits; never W and X together */
};

/* Plain data after a successful parse; data points at the caller's buffer
 * for image_parse() and at the image's own copy for image_load(). */
struct image {
	const uint8_t *data;
	size_t len_bytes;
	uint64_t entry_gpa;
	uint64_t end_gpa; /* end of the highest segment, page aligned */
	uint32_t abi_version;
	unsigned nsegments;
	struct image_segment segments[IMAGE_MAX_SEGMENTS];
	void *owned; /* non-NULL when the image owns a copy of the bytes */
};

/* Parses and validates buf[0..len) into *img without copying: img->data
 * points into buf, which must outlive img. */
int image_parse(const void *buf, size_t len, struct image *img, char *err,
		size_t err_len);

/* Like image_parse but copies the bytes; release with image_release().
 * Thread-safe; the result is immutable and may be shared across threads. */
int image_load(const void *buf, size_t len, struct image *img, char *err,
	       size_t err_len);

/* Reads the file at path (at most max_bytes) and image_load()s it. */
int image_load_file(const char *path, size_t max_bytes, struct image *img,
		    char *err, size_t err_len);

/* Frees what image_load() allocated; safe on a zeroed or parsed image. */
void image_release(struct image *img);

#endif /* GLINT_IMAGE_H */
