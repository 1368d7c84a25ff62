/* image_fixture.c: builds the small valid guest image the image tests corrupt. */
#include "config.h"

#include <string.h>

#include "glint_abi.h"
#include "image_fixture.h"

Elf64_Phdr *fixture_phdr(struct fixture *f, unsigned i)
{
	return (Elf64_Phdr *)(f->u.bytes + sizeof(Elf64_Ehdr) +
			      i * sizeof(Elf64_Phdr));
}

void fixture_set_phdr(struct fixture *f, unsigned i, uint32_t type,
		      uint32_t flags, uint64_t off, uint64_t va,
		      uint64_t filesz, uint64_t memsz)
{
	Elf64_Phdr *ph = fixture_phdr(f, i);

	memset(ph, 0, sizeof(*ph));
	ph->p_type = type;
	ph->p_flags = flags;
	ph->p_offset = off;
	ph->p_vaddr = va;
	ph->p_paddr = va;
	ph->p_filesz = filesz;
	ph->p_memsz = memsz;
	ph->p_align = type == PT_LOAD ? GLINT_PAGE_SIZE : 4;
}

size_t fixture_put_note(uint8_t *at, const char *name, uint32_t namesz,
			uint32_t type, const void *desc, uint32_t descsz)
{
	Elf64_Nhdr nh = {
		.n_namesz = namesz, .n_descsz = descsz, .n_type = type};
	size_t name_pad = (namesz + 3u) & ~3u, desc_pad = (descsz + 3u) & ~3u;

	memcpy(at, &nh, sizeof(nh));
	memcpy(at + sizeof(nh), name, strlen(name) + 1);
	memcpy(at + sizeof(nh) + name_pad, desc, descsz);
	return sizeof(nh) + name_pad + desc_pad;
}

void fixture_build(struct fixture *f)
{
	uint32_t version = GLINT_ABI_VERSION;
	Elf64_Ehdr *eh = &f->u.eh;
	size_t note_bytes;
	unsigned i;

	memset(f, 0, sizeof(*f));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = ENTRY;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 4;

	note_bytes = fixture_put_note(
		f->u.bytes + NOTE_OFF, GLINT_NOTE_NAME, sizeof(GLINT_NOTE_NAME),
		GLINT_NOTE_TYPE_ABI, &version, sizeof(version));
	fixture_set_phdr(f, PH_TEXT, PT_LOAD, PF_R | PF_X, 0x1000, 0x10000,
			 0x100, 0x100);
	fixture_set_phdr(f, PH_RODATA, PT_LOAD, PF_R, 0x2000, 0x11000, 0x20,
			 0x20);
	fixture_set_phdr(f, PH_DATA, PT_LOAD, PF_R | PF_W, 0x3000, 0x12000,
			 0x10, 0x2000);
	fixture_set_phdr(f, PH_NOTE, PT_NOTE, PF_R, NOTE_OFF, 0, note_bytes,
			 note_bytes);
	/* Recognisable segment contents, so copies can be checked. */
	for (i = 0x1000; i < IMG_BYTES; i++)
		f->u.bytes[i] = (uint8_t)(i * 7 + 3);
	f->len = IMG_BYTES;
}
