/* fuzz_fetch.c: fuzz target for the outbound allow-list: entries,
 * URL checks and address classes, on arbitrary bytes. */
#include "config.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input: lines; all but the last are allow-list entries, the last a URL;
 * the first 16 bytes also serve as an address. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *lines[9], *save = NULL, err[256];
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	struct sockaddr_in in4 = {.sin_family = AF_INET};
	struct fetch_policy *p = NULL;
	struct fetch_target t;
	size_t n = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *l = strtok_r(text, "\n", &save); l && n < 9;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	if (n > 0 && fetch_policy_create((const char *const *)lines, n - 1, err,
					 sizeof(err), &p) == 0) {
		if (fetch_policy_check_url(p, lines[n - 1], &t, err,
					   sizeof(err)) == 0) {
			if (size >= 16)
				memcpy(&in6.sin6_addr, data, 16);
			fetch_policy_check_addr(&t, (struct sockaddr *)&in6,
						err, sizeof(err));
		}
		fetch_policy_destroy(p);
	}
	if (size >= 4) {
		memcpy(&in4.sin_addr, data, 4);
		fetch_addr_class((struct sockaddr *)&in4);
	}
	free(text);
	return 0;
}
