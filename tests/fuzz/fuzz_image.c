/* fuzz_image.c: fuzz target for image_parse (tests/fuzz/local.mk). */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glint_abi.h"
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Any input: 0 with an image that keeps image.h's promises, or -EINVAL
 * with a message. Anything else is a bug, reported by abort(). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image img;
	char err[256] = "";
	unsigned i;
	int rc = image_parse(data, size, &img, err, sizeof(err));

	if (rc == -EINVAL) {
		if (err[0] == '\0' || img.nsegments != 0)
			abort();
		return 0;
	}
	if (rc != 0 || img.nsegments == 0 ||
	    img.nsegments > IMAGE_MAX_SEGMENTS ||
	    img.end_gpa > GLINT_MEM_MAX_BYTES)
		abort();
	for (i = 0; i < img.nsegments; i++) {
		const struct image_segment *s = &img.segments[i];

		if (s->gpa < GLINT_IMAGE_BASE || s->file_offset > size ||
		    s->file_bytes > size - s->file_offset ||
		    s->file_bytes > s->mem_bytes ||
		    s->mem_bytes > img.end_gpa - s->gpa ||
		    ((s->perm & IMAGE_PERM_W) && (s->perm & IMAGE_PERM_X)))
			abort();
	}
	return 0;
}
