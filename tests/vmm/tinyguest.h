/* tinyguest.h: hand-assembled guests for VMM tests that need no SDK. */
#ifndef GLINT_TESTS_TINYGUEST_H
#define GLINT_TESTS_TINYGUEST_H

#include <stdint.h>
#include <string.h>

#include "glint_abi.h"
#include "image.h"

/*
 * echo: outb READY; then copy in_len bytes from boot.in_gpa to
 * boot.out_gpa (rep movsb) and outb DONE with status OK; ud2 after.
 *
 *   _start: outb %al, $0x10
 *           movq 0x2088, %rcx      # call.in_len
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
	0xe6, 0x10, 0x48, 0x8b, 0x0c, 0x25, 0x88, 0x20, 0x00, 0x00,
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

/*
 * pages: a region of n pages at TINY_PAGES_GPA (n patched into the code at
 * TINY_PAGES_N_OFF, little-endian). Init stamps byte 0 of each page with
 * ((gpa >> 12) & 0xff) ^ 0x5a, then READY. The input is three u64: mode,
 * count and first (a page index in the region). Mode 0 writes the stamp's
 * complement into count pages from first; mode 1 counts the pages of that
 * range whose byte 0 is not their stamp; mode 2 does both, in that order.
 * The output is that count as a u64 (0 in mode 0).
 *
 *   _start: movl $0x12000, %edi
 *           movl $n, %ecx
 *   1:      movq %rdi, %rax; shrq $12, %rax; xorb $0x5a, %al
 *           movb %al, (%rdi); addq $0x1000, %rdi; decl %ecx; jnz 1b
 *           outb %al, $0x10
 *           movq 0x2038, %rsi          # boot.in_gpa
 *           movq (%rsi), %r8; movq 8(%rsi), %r9; movq 16(%rsi), %r10
 *           shlq $12, %r10; addq $0x12000, %r10; xorl %ebx, %ebx
 *           cmpq $1, %r8; je 3f
 *           movq %r10, %rdi; movq %r9, %rcx
 *   2:      testq %rcx, %rcx; jz 3f
 *           movq %rdi, %rax; shrq $12, %rax; xorb $0xa5, %al
 *           movb %al, (%rdi); addq $0x1000, %rdi; decq %rcx; jmp 2b
 *   3:      testq %r8, %r8; jz 5f
 *           movq %r10, %rdi; movq %r9, %rcx
 *   4:      testq %rcx, %rcx; jz 5f
 *           movq %rdi, %rax; shrq $12, %rax; xorb $0x5a, %al
 *           cmpb %al, (%rdi); setne %al; movzbl %al, %eax; addq %rax, %rbx
 *           addq $0x1000, %rdi; decq %rcx; jmp 4b
 *   5:      movq 0x2048, %rdi          # boot.out_gpa
 *           movq %rbx, (%rdi); movl $8, %esi; xorl %edi, %edi
 *           outb %al, $0x11
 *           ud2
 */
#define TINY_PAGES_GPA 0x12000ull
#define TINY_PAGES_N_OFF 6
static const unsigned char tiny_pages_code[] = {
	0xbf, 0x00, 0x20, 0x01, 0x00, 0xb9, 0xff, 0xff, 0xff, 0x7f, 0x48, 0x89,
	0xf8, 0x48, 0xc1, 0xe8, 0x0c, 0x34, 0x5a, 0x88, 0x07, 0x48, 0x81, 0xc7,
	0x00, 0x10, 0x00, 0x00, 0xff, 0xc9, 0x75, 0xea, 0xe6, 0x10, 0x48, 0x8b,
	0x34, 0x25, 0x38, 0x20, 0x00, 0x00, 0x4c, 0x8b, 0x06, 0x4c, 0x8b, 0x4e,
	0x08, 0x4c, 0x8b, 0x56, 0x10, 0x49, 0xc1, 0xe2, 0x0c, 0x49, 0x81, 0xc2,
	0x00, 0x20, 0x01, 0x00, 0x31, 0xdb, 0x49, 0x83, 0xf8, 0x01, 0x74, 0x22,
	0x4c, 0x89, 0xd7, 0x4c, 0x89, 0xc9, 0x48, 0x85, 0xc9, 0x74, 0x17, 0x48,
	0x89, 0xf8, 0x48, 0xc1, 0xe8, 0x0c, 0x34, 0xa5, 0x88, 0x07, 0x48, 0x81,
	0xc7, 0x00, 0x10, 0x00, 0x00, 0x48, 0xff, 0xc9, 0xeb, 0xe4, 0x4d, 0x85,
	0xc0, 0x74, 0x2b, 0x4c, 0x89, 0xd7, 0x4c, 0x89, 0xc9, 0x48, 0x85, 0xc9,
	0x74, 0x20, 0x48, 0x89, 0xf8, 0x48, 0xc1, 0xe8, 0x0c, 0x34, 0x5a, 0x38,
	0x07, 0x0f, 0x95, 0xc0, 0x0f, 0xb6, 0xc0, 0x48, 0x01, 0xc3, 0x48, 0x81,
	0xc7, 0x00, 0x10, 0x00, 0x00, 0x48, 0xff, 0xc9, 0xeb, 0xdb, 0x48, 0x8b,
	0x3c, 0x25, 0x48, 0x20, 0x00, 0x00, 0x48, 0x89, 0x1f, 0xbe, 0x08, 0x00,
	0x00, 0x00, 0x31, 0xff, 0xe6, 0x11, 0x0f, 0x0b};

/* The pages guest for a region of npages (>= 1): code is the caller's
 * copy of tiny_pages_code (it must outlive img); a RW segment at
 * TINY_PAGES_GPA holds the region. */
static inline void tiny_pages_image(struct image *img, unsigned char *code,
				    uint32_t npages)
{
	memcpy(code, tiny_pages_code, sizeof(tiny_pages_code));
	for (int i = 0; i < 4; i++)
		code[TINY_PAGES_N_OFF + i] = (unsigned char)(npages >> (8 * i));
	tiny_image(img, code, sizeof(tiny_pages_code));
	img->nsegments = 2;
	img->segments[1].gpa = TINY_PAGES_GPA;
	img->segments[1].mem_bytes = (uint64_t)npages * GLINT_PAGE_SIZE;
	img->segments[1].perm = IMAGE_PERM_R | IMAGE_PERM_W;
	img->end_gpa = TINY_PAGES_GPA + img->segments[1].mem_bytes;
}

#endif /* GLINT_TESTS_TINYGUEST_H */
