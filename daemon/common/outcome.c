/* outcome.c: the stable code of each call outcome. */
#include "config.h"

#include "outcome.h"

static const char *const codes[ENGINE_OUTCOME_COUNT] = {
	[ENGINE_OK] = "ok",
	[ENGINE_FUNCTION_ERROR] = "function_error",
	[ENGINE_GUEST_CRASHED] = "guest_crashed",
	[ENGINE_GUEST_ABORTED] = "guest_aborted",
	[ENGINE_DEADLINE] = "deadline_exceeded",
	[ENGINE_NOT_FOUND] = "function_not_found",
	[ENGINE_INPUT_TOO_LARGE] = "payload_too_large",
	[ENGINE_QUEUE_FULL] = "queue_full",
	[ENGINE_QUEUE_TIMEOUT] = "queue_timeout",
	[ENGINE_UNAVAILABLE] = "unavailable",
	[ENGINE_INTERNAL] = "internal_error",
	[ENGINE_GUEST_PROTOCOL] = "guest_protocol_error",
	[ENGINE_OUTPUT_TOO_LARGE] = "output_too_large",
};

const char *engine_outcome_code(enum engine_outcome o)
{
	if ((unsigned)o >= ENGINE_OUTCOME_COUNT)
		return "internal_error";
	return codes[o];
}
