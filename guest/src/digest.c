/* digest.c: SHA-256 (the host's own sha256.c, built for the guest), HMAC-SHA256 and a constant-time compare for functions. */
/* Built with -include sha256_names.h: sha256() and the rest are the SDK's
 * private glint__ names here (guest/local.mk). */
#include <glint.h>
#include <string.h>

#include "sha256.h"

_Static_assert(GLINT_SHA256_BYTES == SHA256_DIGEST_BYTES,
	       "glint.h and sha256.h disagree on the digest size");

#define BLOCK_BYTES 64 /* SHA-256's block, B in RFC 2104 */

void glint_sha256(const void *data, size_t len,
		  unsigned char out[GLINT_SHA256_BYTES])
{
	sha256(data, len, out);
}

/* The key XORed with pad, one block, for the inner or outer hash. */
static void pad_key(const unsigned char key[BLOCK_BYTES], unsigned char pad,
		    struct sha256_ctx *c)
{
	unsigned char block[BLOCK_BYTES];

	for (int i = 0; i < BLOCK_BYTES; i++)
		block[i] = key[i] ^ pad;
	sha256_init(c);
	sha256_update(c, block, sizeof(block));
}

/* RFC 2104 section 2: H(K ^ opad, H(K ^ ipad, text)), with a key longer
 * than a block replaced by its hash and a shorter one padded with zeros. */
void glint_hmac_sha256(const void *key, size_t key_len, const void *data,
		       size_t len, unsigned char out[GLINT_SHA256_BYTES])
{
	unsigned char k[BLOCK_BYTES] = {0}, inner[SHA256_DIGEST_BYTES];
	struct sha256_ctx c;

	if (key_len > BLOCK_BYTES)
		sha256(key, key_len, k);
	else if (key_len)
		memcpy(k, key, key_len);
	pad_key(k, 0x36, &c);
	sha256_update(&c, data, len);
	sha256_final(&c, inner);
	pad_key(k, 0x5c, &c);
	sha256_update(&c, inner, sizeof(inner));
	sha256_final(&c, out);
	/* No wiping of k: the restore after the call puts the stack back. */
}

int glint_timingsafe_eq(const void *a, const void *b, size_t len)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char diff = 0;

	for (size_t i = 0; i < len; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}
