/* imagesym.h: function names from an image's own symbol table, for crash reports. */
#ifndef GLINT_IMAGESYM_H
#define GLINT_IMAGESYM_H

#include <stddef.h>
#include <stdint.h>

/*
 * The image is untrusted: every offset, size and count is checked against
 * the file, at most IMAGESYM_MAX_SYMBOLS function symbols are kept (the
 * first ones), names are cut at IMAGESYM_NAME_MAX bytes and bytes that are
 * not printable ASCII become '?'. Parsed once (at deploy); a lookup is a
 * binary search. The result is immutable: any thread may look up. The
 * DWARF line tables, when the image has them, are read at the same time.
 */
#define IMAGESYM_MAX_SYMBOLS 65536
#define IMAGESYM_NAME_MAX 128

struct image_syms;

/* Reads the STT_FUNC symbols of the ELF64 image buf[0..len). An image
 * without a .symtab (stripped) gives an empty table. Returns 0, -EINVAL
 * when the section headers or the symbol table are malformed, -ENOMEM. */
int image_syms_parse(const void *buf, size_t len, struct image_syms **out);
void image_syms_free(struct image_syms *s); /* NULL ok */

/* Number of function symbols kept. */
size_t image_syms_count(const struct image_syms *s);

/* "name+0xOFF" (or "name" at offset 0) for the function that holds addr
 * (its [value, value + size), or the nearest one below when its size is
 * 0), into dst. Returns 0, or -ENOENT (s NULL or no such function). */
int image_syms_describe(const struct image_syms *s, uint64_t addr, char *dst,
			size_t cap);

/* A buffer of this size holds any image_syms_line result. */
#define IMAGESYM_LINE_CAP 80

/* "file.c:42" for addr from the image's DWARF line tables (see
 * imageline.h for what is read and the caps), into dst. Returns 0, or
 * -ENOENT (s NULL, no debug information, or none for addr). */
int image_syms_line(const struct image_syms *s, uint64_t addr, char *dst,
		    size_t cap);

/* Number of line-table rows kept (0: no usable debug information). */
size_t image_syms_line_count(const struct image_syms *s);

#endif /* GLINT_IMAGESYM_H */
