/* guestmem.c: the one place where guest-physical addresses become pointers. */
#include "config.h"

#include <errno.h>

#include "guestmem.h"

int guestmem_ptr(const struct guestmem *gm, uint64_t gpa, uint64_t len,
		 void **out)
{
	/* Written as two comparisons that cannot overflow: gpa + len might. */
	if (!gm->hva || gpa > gm->mem_bytes || len > gm->mem_bytes - gpa)
		return -EFAULT;
	*out = gm->hva + gpa;
	return 0;
}

int guestmem_cptr(const struct guestmem *gm, uint64_t gpa, uint64_t len,
		  const void **out)
{
	void *p;
	int rc = guestmem_ptr(gm, gpa, len, &p);

	if (rc == 0)
		*out = p;
	return rc;
}
