/* outcome.h: the one list of call outcomes and their stable codes. */
#ifndef GLINT_OUTCOME_H
#define GLINT_OUTCOME_H

/*
 * Outcomes of an invocation. Each has one stable code string
 * (engine_outcome_code), used alike as the metrics label, the "error"
 * field of an HTTP error body and by the CLI. Only the HTTP layer maps an
 * outcome to a status code (api.c).
 */
enum engine_outcome {
	ENGINE_OK = 0,		 /* "ok" */
	ENGINE_FUNCTION_ERROR,	 /* "function_error": the function failed */
	ENGINE_GUEST_CRASHED,	 /* "guest_crashed": exception, triple fault,
	                             protocol violation, output too big */
	ENGINE_GUEST_ABORTED,	 /* "guest_aborted" */
	ENGINE_DEADLINE,	 /* "deadline_exceeded" */
	ENGINE_NOT_FOUND,	 /* "function_not_found" */
	ENGINE_INPUT_TOO_LARGE,	 /* "payload_too_large": over the input area */
	ENGINE_QUEUE_FULL,	 /* "queue_full" */
	ENGINE_QUEUE_TIMEOUT,	 /* "queue_timeout" */
	ENGINE_UNAVAILABLE,	 /* "unavailable": shutting down, not ready,
	                             function being deleted */
	ENGINE_INTERNAL,	 /* "internal_error": host failure */
	ENGINE_GUEST_PROTOCOL,	 /* "guest_protocol_error": invalid status or
	                             response header */
	ENGINE_OUTPUT_TOO_LARGE, /* "output_too_large": over max_output_bytes
	                             or the output area */
	ENGINE_OUTCOME_COUNT	 /* not an outcome: the number of them */
};

/* The stable code of o; "internal_error" for a value out of range. */
const char *engine_outcome_code(enum engine_outcome o);

#endif /* GLINT_OUTCOME_H */
