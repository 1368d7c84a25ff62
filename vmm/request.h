/* request.h: writes a call's request area (struct glint_request + body). */
#ifndef GLINT_REQUEST_H
#define GLINT_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "vm.h"

/* Bytes the request area needs for req and a body of body_len bytes;
 * SIZE_MAX when it does not fit in 32-bit offsets. req NULL: the raw body
 * only, no struct glint_request (the SDK then treats the whole input as a
 * POST body: how glint-run and the VMM's tests call). */
size_t request_size(const struct vm_request *req, size_t body_len);

/* Writes the area into dst (request_size() bytes). */
void request_write(uint8_t *dst, const struct vm_request *req, const void *body,
		   size_t body_len);

#endif /* GLINT_REQUEST_H */
