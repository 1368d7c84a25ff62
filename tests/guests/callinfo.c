/* callinfo.c: test guest: shows what the host tells it about each call (id, seed, clocks, random numbers). */
#include <glint.h>
#include <stdio.h>
#include <stdlib.h>

#include "glint_abi.h"

/*
 * Answers one line of JSON:
 *   {"call_id":"<16 hex>","seed":"<64 hex>","wall_ns":N,"deadline_ns":N,
 *    "random":"<16 hex>","rand":N}
 * seed is the raw call header; random and rand come from the SDK's
 * generators, which the runtime seeds from it. A restore that replayed
 * the snapshot's call header or generator state shows up as a repeat.
 */

#define CALL_PAGE ((volatile struct glint_call_page *)GLINT_CALL_PAGE_GPA)

void glint_handle(const char *input, size_t input_len)
{
	volatile struct glint_call_page *page = CALL_PAGE;

	(void)input;
	(void)input_len;
	glint_set_content_type("application/json");
	printf("{\"call_id\":\"%016llx\",\"seed\":\"",
	       (unsigned long long)glint_call_id());
	for (int i = 0; i < GLINT_SEED_WORDS; i++)
		printf("%016llx", (unsigned long long)page->call.seed[i]);
	printf("\",\"wall_ns\":%lld,\"deadline_ns\":%lld,\"random\":\"%"
	       "016llx\","
	       "\"rand\":%d}",
	       (long long)glint_wall_ns(), (long long)glint_deadline_ns(),
	       (unsigned long long)glint_random_u64(), rand());
}
