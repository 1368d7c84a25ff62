/* fuzz_json.c: fuzz target for the guest JSON reader (parse, walk, unescape),
 * built for the host from the guest sources (tests/guests/libguest-host.a;
 * tests/fuzz/local.mk). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/include/glint_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct glint_json *v, unsigned depth)
{
	struct glint_json_iter it;
	struct glint_json key, val;
	char buf[32];
	int64_t i;
	double d;
	bool b;

	glint_json_to_string(v, buf, sizeof(buf), NULL);
	glint_json_to_int(v, &i);
	glint_json_to_double(v, &d);
	glint_json_to_bool(v, &b);
	glint_json_count(v);
	glint_json_get(v, "a", &val);
	glint_json_at(v, 1, &val);
	glint_json_iter_init(v, &it);
	while (glint_json_iter_next(
		&it, v->type == GLINT_JSON_OBJECT ? &key : NULL, &val)) {
		if (v->type == GLINT_JSON_OBJECT)
			glint_json_to_string(&key, buf, sizeof(buf), NULL);
		if (depth < GLINT_JSON_MAX_DEPTH + 1)
			walk(&val, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so ASan sees any overread. */
	char *copy = malloc(size ? size : 1);
	struct glint_json doc;

	memcpy(copy, data, size);
	if (glint_json_parse(copy, size, &doc, NULL) == 0)
		walk(&doc, 0);
	free(copy);
	return 0;
}
