/* tinyguest.h: hand-assembled guests for VMM tests that need no SDK. */
#ifndef GLINT_TESTS_TINYGUEST_H
#define GLINT_TESTS_TINYGUEST_H

#include <string.h>

#include "glint_abi.h"
#include "image.h"

/*
 * echo: outb READY; then copy in_len bytes from boot.in_gpa to
 * boot.out_gpa (rep movsb) and outb DONE with status OK; ud2 after.
 *
 *   _start: outb %al, $0x10
 *           movq 0x2068, %rcx      # call.in_len
 *           movq 0x2038, %rsi      # boot.in_gpa
 *           movq 0x2048, %rdi      # boot.out_gpa
 *           movq %rcx, %rdx
 *           rep movsb
 *           movq %rdx, %rsi
 *           xorl %edi, %edi
 *           outb %al, $0x11
 *           ud2
 */
static const unsigned char tiny_echo_code[] = {
	0xe6, 0x10, 0x48, 0x8b, 0x0c, 0x25, 0x68, 0x20, 0x00, 0x00,
	0x48, 0x8b, 0x34, 0x25, 0x38, 0x20, 0x00, 0x00, 0x48, 0x8b,
	0x3c, 0x25, 0x48, 0x20, 0x00, 0x00, 0x48, 0x89, 0xca, 0xf3,
	0xa4, 0x48, 0x89, 0xd6, 0x31, 0xff, 0xe6, 0x11, 0x0f, 0x0b};

/* floor: outb READY, then `1: outb $0x11; jmp 1b` forever: every KVM_RUN
 * is exactly one exit (for measuring the bare exit cost). */
static const unsigned char tiny_floor_code[] = {0xe6, 0x10, 0xe6,
						0x11, 0xeb, 0xfc};

/* An image with one R+X segment at GLINT_IMAGE_BASE holding code. */
static inline void tiny_image(struct image *img, const unsigned char *code,
			      size_t len)
{
	memset(img, 0, sizeof(*img));
	img->data = code;
	img->len_bytes = len;
	img->entry_gpa = GLINT_IMAGE_BASE;
	img->end_gpa = GLINT_IMAGE_BASE + GLINT_PAGE_SIZE;
	img->abi_version = GLINT_ABI_VERSION;
	img->nsegments = 1;
	img->segments[0].gpa = GLINT_IMAGE_BASE;
	img->segments[0].mem_bytes = len;
	img->segments[0].file_bytes = len;
	img->segments[0].file_offset = 0;
	img->segments[0].perm = IMAGE_PERM_R | IMAGE_PERM_X;
}

#endif /* GLINT_TESTS_TINYGUEST_H */
