/* sha256.h: SHA-256 (FIPS 180-4) for image digests in deploy descriptions. */
#ifndef GLINT_SHA256_H
#define GLINT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_BYTES 32
#define SHA256_HEX_BYTES 65 /* 64 hex digits and a NUL */

/* Streaming state; plain data, no allocation. Any thread, one user at a
 * time per context. */
struct sha256_ctx {
	uint32_t h[8];
	uint64_t total_bytes;
	uint8_t block[64];
	size_t block_len;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_BYTES]);

/* One-shot digest of data[0..len). */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_BYTES]);

/* Lower-case hex of a digest, NUL-terminated. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_BYTES],
		char out[SHA256_HEX_BYTES]);

#endif /* GLINT_SHA256_H */
