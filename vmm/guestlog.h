/* guestlog.h: sanitising text the guest hands the host (log lines, abort). */
#ifndef GLINT_GUESTLOG_H
#define GLINT_GUESTLOG_H

#ifndef GLINT_VMM_PRIVATE
#error "private to vmm/ and its white-box tests: include vm.h, image.h or glint_abi.h"
#endif

#include <stddef.h>
#include <stdint.h>

#include "vm.h"

#define GUESTLOG_LINE_MAX 1024 /* bytes per line handed to vm_log_fn */

/* Copies at most len bytes of src into dst (dst_cap > 0), replacing every
 * byte that is not printable ASCII with '?', stopping at a NUL; always
 * NUL-terminates. Returns the bytes written (without the NUL). This is
 * glint's one text policy (daemon/common/text.h), which the VMM cannot
 * link. */
size_t guestlog_sanitize(char *dst, size_t dst_cap, const uint8_t *src,
			 size_t len);

/* Splits buf[0..len) (a copy of the guest's log buffer, len already
 * bounded by the caller) into lines and hands each non-empty one to fn:
 * an optional "<d>" prefix (d a digit 0-7) gives the level, otherwise 6;
 * lines longer than GUESTLOG_LINE_MAX are cut. fn may be NULL. Returns the
 * number of lines. */
uint32_t guestlog_emit(const uint8_t *buf, size_t len, uint64_t call_id,
		       vm_log_fn fn, void *opaque);

#endif /* GLINT_GUESTLOG_H */
