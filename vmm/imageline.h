/* imageline.h: source file and line by address, from an image's DWARF line tables. */
#ifndef GLINT_IMAGELINE_H
#define GLINT_IMAGELINE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The image is untrusted and elfutils' libdw reads its DWARF, so the input
 * is screened before libdw sees it: an image whose .debug_line is over
 * IMAGELINE_MAX_LINE_SECTION bytes, whose .debug_* sections together are
 * over IMAGELINE_MAX_DEBUG_BYTES, whose debug sections are compressed, or
 * that points at an outside debug file, gets no line table. At most
 * IMAGELINE_MAX_UNITS compile units are read, IMAGELINE_MAX_ROWS rows kept
 * and IMAGELINE_MAX_FILES distinct file names (basenames only, cut at
 * IMAGELINE_FILE_MAX bytes, bytes that are not printable ASCII made '?').
 * Malformed DWARF is not an error: it just gives no (or fewer) lines.
 * Parsed once (at deploy); a lookup is a binary search; the result is
 * immutable, so any thread may look up.
 */
#define IMAGELINE_MAX_LINE_SECTION (1u << 20)
#define IMAGELINE_MAX_DEBUG_BYTES (32u << 20)
#define IMAGELINE_MAX_UNITS 4096
#define IMAGELINE_MAX_ROWS (1u << 18)
#define IMAGELINE_MAX_FILES 256
#define IMAGELINE_FILE_MAX 64

struct image_lines;

/* Reads the line tables of the ELF64 image buf[0..len) (not kept).
 * Returns 0 with *out set (possibly an empty table), or -ENOMEM. */
int image_lines_parse(const void *buf, size_t len, struct image_lines **out);
void image_lines_free(struct image_lines *l); /* NULL ok */

/* Number of address rows kept. */
size_t image_lines_count(const struct image_lines *l);

/* "file.c:42" for the row that covers addr, into dst. Returns 0, or
 * -ENOENT (l NULL, or addr outside every line sequence). */
int image_lines_describe(const struct image_lines *l, uint64_t addr, char *dst,
			 size_t cap);

#endif /* GLINT_IMAGELINE_H */
