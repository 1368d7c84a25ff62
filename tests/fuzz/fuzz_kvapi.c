/* fuzz_kvapi.c: fuzz target for the operators' KV routes' parsing (the key
 * from the request target, the query), on arbitrary bytes. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvapi.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input: a request target. Every operation parses it (no store: each ends
 * refused or kv_unavailable, never anything else); a key read from it
 * goes back into a path, and must come out of it the same. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *target = malloc(size + 1), *key = NULL, *enc, *again = NULL;
	size_t klen = 0, alen = 0;

	if (!target)
		return 0;
	memcpy(target, data, size);
	target[size] = '\0';
	for (int op = KVAPI_LIST; op <= KVAPI_PURGE; op++) {
		struct kvapi_call c = {.op = (enum kvapi_op)op,
				       .raw_uri = target};

		snprintf(c.function, sizeof(c.function), "f");
		if (kvapi_start(NULL, &c) >= 0 || c.outcome == ENGINE_OK ||
		    !c.message[0])
			abort();
		kvapi_call_clean(&c);
	}
	if (kvapi_key_from_target(target, &key, &klen) == 0 &&
	    (enc = text_percent_encode(key, klen, 1)) != NULL) {
		size_t n = strlen(enc) + 20;
		char *path = malloc(n);

		if (path) {
			snprintf(path, n, "/functions/f/kv/%s", enc);
			if (kvapi_key_from_target(path, &again, &alen) != 0 ||
			    alen != klen || memcmp(again, key, klen) != 0)
				abort();
		}
		free(path);
		free(enc);
	}
	free(again);
	free(key);
	free(target);
	return 0;
}
