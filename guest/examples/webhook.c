/* webhook.c: a webhook receiver: it accepts only POSTs whose body is signed
 * with the shared secret WEBHOOK_SECRET, in the form many providers use,
 *
 *   X-Signature: sha256=<hex of HMAC-SHA256(secret, raw body)>
 *
 * and whose body is a JSON object with an "event" string; each case gets
 * its own status and headers.
 *
 *   glint secret set webhook WEBHOOK_SECRET < secret.txt
 *   body='{"event":"push"}'
 *   sig=$(printf '%s' "$body" |
 *         openssl dgst -sha256 -hmac "$(cat secret.txt)" -r | cut -d' ' -f1)
 *   curl -H "X-Signature: sha256=$sig" -d "$body" \
 *        localhost:8080/invoke/webhook
 */
#include <glint.h>
#include <glint_json.h>
#include <stdio.h>
#include <string.h>

/* An error of the caller's: its status and a JSON body saying why. */
static void refuse(int status, const char *why)
{
	struct glint_json_writer out;

	glint_set_status(status);
	glint_json_writer_init(&out, NULL, NULL);
	glint_json_begin_object(&out);
	glint_json_key(&out, "error");
	glint_json_string(&out, why);
	glint_json_end_object(&out);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "sha256=" and 64 hex digits into mac; 0, or -1 when malformed. */
static int parse_signature(const char *sig,
			   unsigned char mac[GLINT_SHA256_BYTES])
{
	static const char prefix[] = "sha256=";

	if (strncmp(sig, prefix, sizeof(prefix) - 1) != 0)
		return -1;
	sig += sizeof(prefix) - 1;
	if (strlen(sig) != 2 * GLINT_SHA256_BYTES)
		return -1;
	for (int i = 0; i < GLINT_SHA256_BYTES; i++) {
		int hi = hex_digit(sig[2 * i]), lo = hex_digit(sig[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* A 401 says how to authenticate (RFC 9110 section 11.6.1). */
static void unauthorized(const char *why)
{
	glint_set_header("WWW-Authenticate", "HMAC-SHA256 header=X-Signature");
	refuse(401, why);
}

/* Whether the request carries a valid signature of body; answers 401 and
 * returns 0 when it does not. */
static int signature_ok(const char *secret, const char *body, size_t len)
{
	const char *sig = glint_request_header("X-Signature");
	unsigned char given[GLINT_SHA256_BYTES], want[GLINT_SHA256_BYTES];

	if (sig == NULL) {
		unauthorized("X-Signature is missing");
		return 0;
	}
	if (parse_signature(sig, given) < 0) {
		unauthorized("X-Signature must be sha256= and 64 hex digits");
		return 0;
	}
	glint_hmac_sha256(secret, strlen(secret), body, len, want);
	/* Not memcmp: its time would tell a caller how many leading bytes
	 * of a forged signature were right. */
	if (!glint_timingsafe_eq(given, want, sizeof(want))) {
		unauthorized("X-Signature does not match the body");
		return 0;
	}
	return 1;
}

void glint_handle(const char *input, size_t input_len)
{
	const char *secret = glint_secret("WEBHOOK_SECRET");
	struct glint_json doc, event_value;
	struct glint_json_error err;
	struct glint_json_writer out;
	char event[64];

	if (secret == NULL || secret[0] == '\0')
		glint_fail("the secret WEBHOOK_SECRET is not set");
	if (strcmp(glint_request_method(), "POST") != 0) {
		glint_set_header("Allow", "POST");
		refuse(405, "webhooks are POSTed");
		return;
	}
	if (!signature_ok(secret, input, input_len))
		return;
	if (glint_json_parse(input, input_len, &doc, &err) < 0 ||
	    glint_json_get(&doc, "event", &event_value) < 0 ||
	    glint_json_to_string(&event_value, event, sizeof(event), NULL) <
		    0) {
		refuse(400, "the body must be a JSON object with an \"event\" "
			    "string of at most 63 bytes");
		return;
	}
	glint_log_info("accepted event %s", event);
	glint_set_status(202);
	glint_set_header("X-Event", event);
	glint_json_writer_init(&out, NULL, NULL);
	glint_json_begin_object(&out);
	glint_json_key(&out, "accepted");
	glint_json_string(&out, event);
	glint_json_end_object(&out);
}
