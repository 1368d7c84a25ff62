/* webhook.c: a webhook receiver: it accepts only POSTs that carry the shared
 * token (the secret WEBHOOK_TOKEN) in X-Webhook-Token and a JSON body with
 * an "event" string, and answers each case with its own status and headers.
 *
 *   glint secret set webhook WEBHOOK_TOKEN < token.txt
 *   curl -X POST -H 'X-Webhook-Token: ...' -d '{"event":"push"}' \
 *        localhost:8080/invoke/webhook
 *
 * A provider that signs its payloads (an HMAC of the body in a header) would
 * be checked the same way, with a digest where this compares the token. */
#include <glint.h>
#include <glint_json.h>
#include <stdio.h>
#include <string.h>

/* Compares in time that depends on the lengths only, so the answer's timing
 * does not tell a caller how much of a guessed token was right. */
static int token_equal(const char *given, const char *expected)
{
	size_t n = strlen(given), m = strlen(expected);
	unsigned char diff = n != m;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(given[i] ^ expected[i % (m ? m : 1)]);
	return diff == 0;
}

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

void glint_handle(const char *input, size_t input_len)
{
	const char *token = glint_secret("WEBHOOK_TOKEN");
	const char *given = glint_request_header("X-Webhook-Token");
	struct glint_json doc, event_value;
	struct glint_json_error err;
	struct glint_json_writer out;
	char event[64];

	if (token == NULL || token[0] == '\0')
		glint_fail("the secret WEBHOOK_TOKEN is not set");
	if (strcmp(glint_request_method(), "POST") != 0) {
		glint_set_header("Allow", "POST");
		refuse(405, "webhooks are POSTed");
		return;
	}
	if (given == NULL) {
		glint_set_header("WWW-Authenticate", "Token");
		refuse(401, "X-Webhook-Token is missing");
		return;
	}
	if (!token_equal(given, token)) {
		refuse(403, "X-Webhook-Token is wrong");
		return;
	}
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
