/* guestmem.h: checked translation of guest-physical ranges to host pointers. */
#ifndef GLINT_GUESTMEM_H
#define GLINT_GUESTMEM_H

#ifndef GLINT_VMM_PRIVATE
#error "private to vmm/ and its white-box tests: include vm.h, image.h or glint_abi.h"
#endif

#include <stddef.h>
#include <stdint.h>

/*
 * A view of guest RAM: mem_bytes bytes at hva, guest-physical 0..mem_bytes.
 * Every guest-controlled (gpa, len) pair reaches host memory only through
 * guestmem_ptr(), which is overflow-safe. Plain data; the owner of the
 * mapping keeps it alive.
 */
struct guestmem {
	uint8_t *hva;
	uint64_t mem_bytes;
};

/* Points *out at guest bytes [gpa, gpa + len) and returns 0, or returns
 * -EFAULT (and leaves *out untouched) when any byte of the range is outside
 * guest RAM. len 0 is valid for any gpa <= mem_bytes. */
int guestmem_ptr(const struct guestmem *gm, uint64_t gpa, uint64_t len,
		 void **out);

/* Like guestmem_ptr() for reading. */
int guestmem_cptr(const struct guestmem *gm, uint64_t gpa, uint64_t len,
		  const void **out);

#endif /* GLINT_GUESTMEM_H */
