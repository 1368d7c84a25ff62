/* note.c: the ELF note that stamps an image with the ABI version it targets. */
#include <stdint.h>

#include "glint_abi.h"

/* Overridable so that a test image can claim a version the host refuses. */
#ifndef GLINT_NOTE_ABI_VERSION
#define GLINT_NOTE_ABI_VERSION GLINT_ABI_VERSION
#endif

/* ELF note layout (System V gABI, "Note Section"): 4-byte words, the name
 * padded to a multiple of 4. */
struct glint_abi_note {
	uint32_t namesz;
	uint32_t descsz;
	uint32_t type;
	char name[8];
	uint32_t desc;
};

/* The runtime references this symbol, which is what pulls this object out
 * of the archive; an image that defines its own note replaces it. */
__attribute__((section(".note.glint"), aligned(4), used))
const struct glint_abi_note glint__abi_note = {
	.namesz = sizeof(GLINT_NOTE_NAME),
	.descsz = sizeof(uint32_t),
	.type = GLINT_NOTE_TYPE_ABI,
	.name = GLINT_NOTE_NAME,
	.desc = GLINT_NOTE_ABI_VERSION,
};
