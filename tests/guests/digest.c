/* digest.c: test guest: the SDK's SHA-256, HMAC-SHA256 and constant-time
 * compare on the FIPS 180-4 and RFC 4231 test vectors, run inside a VM;
 * prints one "name hex" line per vector (digest.test checks them). */
#include <glint.h>
#include <stdio.h>
#include <string.h>

static unsigned char million_a[1000000];

static void hex(const char *name, const unsigned char *d, size_t n)
{
	printf("%s ", name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", d[i]);
	printf("\n");
}

static void sha(const char *name, const void *data, size_t len)
{
	unsigned char d[GLINT_SHA256_BYTES];

	glint_sha256(data, len, d);
	hex(name, d, sizeof(d));
}

static void hmac(const char *name, const void *key, size_t key_len,
		 const void *data, size_t len, size_t out_len)
{
	unsigned char d[GLINT_SHA256_BYTES];

	glint_hmac_sha256(key, key_len, data, len, d);
	hex(name, d, out_len);
}

static void sha_vectors(void)
{
	static const char m448[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	sha("sha-abc", "abc", 3);
	sha("sha-empty", "", 0);
	sha("sha-448bit", m448, sizeof(m448) - 1);
	memset(million_a, 'a', sizeof(million_a));
	sha("sha-million-a", million_a, sizeof(million_a));
}

/* RFC 4231 section 4: test cases 1 to 7 (case 5 truncated to 128 bits). */
static void hmac_vectors(void)
{
	static const char d6[] =
		"Test Using Larger Than Block-Size Key - Hash Key First";
	static const char d7[] =
		"This is a test using a larger than block-size key and a "
		"larger than block-size data. The key needs to be hashed "
		"before being used by the HMAC algorithm.";
	unsigned char k[131], d[50];

	memset(k, 0x0b, 20);
	hmac("hmac-1", k, 20, "Hi There", 8, 32);
	hmac("hmac-2", "Jefe", 4, "what do ya want for nothing?", 28, 32);
	memset(k, 0xaa, 20);
	memset(d, 0xdd, 50);
	hmac("hmac-3", k, 20, d, 50, 32);
	for (int i = 0; i < 25; i++)
		k[i] = (unsigned char)(i + 1);
	memset(d, 0xcd, 50);
	hmac("hmac-4", k, 25, d, 50, 32);
	memset(k, 0x0c, 20);
	hmac("hmac-5", k, 20, "Test With Truncation", 20, 16);
	memset(k, 0xaa, 131);
	hmac("hmac-6", k, 131, d6, sizeof(d6) - 1, 32);
	hmac("hmac-7", k, 131, d7, sizeof(d7) - 1, 32);
}

static void compare(void)
{
	unsigned char a[32], b[32];

	memset(a, 7, sizeof(a));
	memset(b, 7, sizeof(b));
	printf("eq-same %d\n", glint_timingsafe_eq(a, b, sizeof(a)));
	printf("eq-empty %d\n", glint_timingsafe_eq(a, "x", 0));
	b[31] ^= 0x80;
	printf("eq-last-bit %d\n", glint_timingsafe_eq(a, b, sizeof(a)));
	b[31] ^= 0x80;
	b[0] ^= 1;
	printf("eq-first-bit %d\n", glint_timingsafe_eq(a, b, sizeof(a)));
}

void glint_handle(const char *input, size_t input_len)
{
	(void)input;
	(void)input_len;
	glint_set_content_type("text/plain");
	sha_vectors();
	hmac_vectors();
	compare();
}
