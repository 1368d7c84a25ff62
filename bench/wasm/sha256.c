/* sha256.c: SHA-256 of the request body, in hex; one source for both a
 * native glint image (glint_handle) and a WASI module (main on stdin), both
 * built with daemon/common/sha256.c, so bench/wasm_bench.sh compares the
 * same code on both paths. */
#include <stddef.h>
#include <stdint.h>

#include "sha256.h" /* glint's own, daemon/common/sha256.c */

static void sha256_text(const void *p, size_t len, char out[SHA256_HEX_BYTES])
{
	uint8_t digest[SHA256_DIGEST_BYTES];

	sha256(p, len, digest);
	sha256_hex(digest, out);
}

#ifdef __wasi__
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	size_t cap = 4u << 20, len = 0, n;
	uint8_t *buf = malloc(cap);
	char hex[SHA256_HEX_BYTES];

	while (buf && (n = fread(buf + len, 1, cap - len, stdin)) > 0)
		len += n;
	sha256_text(buf, len, hex);
	printf("Content-Type: text/plain\n\n%s\n", hex);
	return 0;
}
#else
#include <glint.h>

void glint_handle(const char *input, size_t input_len)
{
	char hex[SHA256_HEX_BYTES];

	sha256_text(input, input_len, hex);
	glint_set_content_type("text/plain");
	glint_printf("%s\n", hex);
}
#endif
