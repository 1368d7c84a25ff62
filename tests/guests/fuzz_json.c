/* fuzz_json.c: libFuzzer target for the guest JSON reader (parse, walk, unescape).
 *
 * Build and run from the source tree (clang):
 *   S=.; for f in string malloc stdlib printf json; do
 *     clang -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-builtin \
 *       -include $S/tests/guests/rename.h -I$S/guest/include -I$S/guest/src \
 *       -I$S/vmm -c $S/guest/src/$f.c -o /tmp/$f.o; done
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I$S -I$S/tests/guests \
 *      $S/tests/guests/fuzz_json.c $S/tests/guests/host_stubs.c /tmp/[a-z]*.o \
 *     -o /tmp/fuzz_json
 *   /tmp/fuzz_json tests/guests/fuzz-json-corpus
 */
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
