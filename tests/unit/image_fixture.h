/* image_fixture.h: a small valid guest image built in memory, for image tests. */
#ifndef GLINT_TESTS_IMAGE_FIXTURE_H
#define GLINT_TESTS_IMAGE_FIXTURE_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

/*
 * The fixture image, built in memory by fixture_build():
 *
 *   offset 0x0000  ELF header, then up to MAX_PHDRS program headers
 *   offset 0x0f00  note segment: the glint ABI note
 *   offset 0x1000  phdr 0: text    RX  at 0x10000, 0x100 bytes
 *   offset 0x2000  phdr 1: rodata  R   at 0x11000, 0x20 bytes
 *   offset 0x3000  phdr 2: data    RW  at 0x12000, 0x10 file / 0x2000 memory
 *                  phdr 3: PT_NOTE
 */
#define IMG_BYTES 0x4000
#define MAX_PHDRS 20
#define NOTE_OFF 0xf00
#define PH_TEXT 0
#define PH_RODATA 1
#define PH_DATA 2
#define PH_NOTE 3
#define ENTRY 0x10040

struct fixture {
	union {
		uint8_t bytes[IMG_BYTES];
		Elf64_Ehdr eh;
	} u;
	size_t len;
	char err[256];
	struct image img;
};

/* Pointer to program header i of f (inside f->u.bytes). */
Elf64_Phdr *fixture_phdr(struct fixture *f, unsigned i);

void fixture_set_phdr(struct fixture *f, unsigned i, uint32_t type,
		      uint32_t flags, uint64_t off, uint64_t va,
		      uint64_t filesz, uint64_t memsz);

/* Writes one note at `at` (name padded, desc padded to 4 bytes); returns its
 * size including padding. */
size_t fixture_put_note(uint8_t *at, const char *name, uint32_t namesz,
			uint32_t type, const void *desc, uint32_t descsz);

/* Fills f with the valid image described above. */
void fixture_build(struct fixture *f);

#endif /* GLINT_TESTS_IMAGE_FIXTURE_H */
