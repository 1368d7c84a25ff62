/* resphead.h: checks the status and response headers a guest set. */
#ifndef GLINT_RESPHEAD_H
#define GLINT_RESPHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "vm.h"

/* Checks status (0 = 200) and the response head at head (head_bytes bytes
 * of guest memory at GLINT_RESP_HEAD_GPA). On success fills res's status
 * and head fields and returns 0; otherwise returns -EPROTO with a message
 * naming the offending header (or status) in msg. */
int resphead_check(uint32_t status, const uint8_t *head, size_t head_bytes,
		   struct vm_call_result *res, char *msg, size_t msg_len);

#endif /* GLINT_RESPHEAD_H */
