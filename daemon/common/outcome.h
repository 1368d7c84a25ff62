/* outcome.h: the one list of engine outcomes and their stable codes. */
#ifndef GLINT_OUTCOME_H
#define GLINT_OUTCOME_H

/*
 * Outcomes of the engine's operations: invocations, deploys and deletes,
 * and of the operators' KV routes.
 * Each has one stable code string (engine_outcome_code), used alike as the
 * metrics label, the "error" code of an HTTP error body, and by the CLI to
 * give advice. Clients see these codes: never change one. Only the HTTP
 * layer maps an outcome to a status code (api.c); the engine never speaks
 * HTTP.
 *
 * The first ENGINE_CALL_OUTCOMES values are the outcomes a call can have
 * (counted per function, "invocations" in a description); the rest only
 * end a deploy. Deploys also end with ENGINE_OK, ENGINE_INPUT_TOO_LARGE,
 * ENGINE_UNAVAILABLE and ENGINE_INTERNAL.
 */
enum engine_outcome {
	ENGINE_OK = 0,		 /* "ok" */
	ENGINE_FUNCTION_ERROR,	 /* "function_error": the function failed */
	ENGINE_GUEST_CRASHED,	 /* "guest_crashed": exception, triple fault,
	                             protocol violation */
	ENGINE_GUEST_ABORTED,	 /* "guest_aborted" */
	ENGINE_DEADLINE,	 /* "deadline_exceeded" */
	ENGINE_NOT_FOUND,	 /* "function_not_found" */
	ENGINE_INPUT_TOO_LARGE,	 /* "payload_too_large": over the input area,
	                             or an image over the deploy limit */
	ENGINE_QUEUE_FULL,	 /* "queue_full" */
	ENGINE_QUEUE_TIMEOUT,	 /* "queue_timeout" */
	ENGINE_UNAVAILABLE,	 /* "unavailable": shutting down, not ready,
	                             function being deleted */
	ENGINE_INTERNAL,	 /* "internal_error": host failure (KVM, memory,
	                             disk), never the guest's fault */
	ENGINE_GUEST_PROTOCOL,	 /* "guest_protocol_error": invalid status or
	                             response header */
	ENGINE_OUTPUT_TOO_LARGE, /* "output_too_large": over max_output_bytes
	                             or the output area */
	ENGINE_CALL_OUTCOMES,	 /* not an outcome: the number of call ones */

	ENGINE_INVALID_IMAGE = ENGINE_CALL_OUTCOMES, /* "invalid_image" */
	ENGINE_INIT_FAILED,	  /* "init_failed": init crashed, failed or
	                             did not finish in time */
	ENGINE_INVALID_SETTING,	  /* "invalid_setting" */
	ENGINE_INVALID_NAME,	  /* "invalid_function_name" */
	ENGINE_STORAGE_FULL,	  /* "insufficient_storage": state directory */
	ENGINE_BUDGET_EXCEEDED,	  /* "budget_exceeded": a global budget has no
	                             room (the message names it) */
	ENGINE_DEPLOY_QUEUE_FULL, /* "deploy_queue_full": deploy_queue_max
	                             deploys of the function already wait */
	ENGINE_INVALID_ENV,	  /* "invalid_env": environment over a limit
	                             or badly named */
	ENGINE_INVALID_SECRET,	  /* "invalid_secret" */
	ENGINE_SECRET_NOT_FOUND,  /* "secret_not_found" */
	ENGINE_VERSION_NOT_FOUND, /* "version_not_found": rollback target not
	                             kept */
	ENGINE_NO_PREVIOUS_VERSION, /* "no_previous_version" */
	/* The operators' KV routes (/functions/{name}/kv...). */
	ENGINE_KEY_NOT_FOUND,	 /* "key_not_found": absent or expired */
	ENGINE_KEY_TOO_LONG,	 /* "key_too_long": over kv_max_key_bytes */
	ENGINE_VALUE_TOO_LARGE,	 /* "value_too_large": over
	                            kv_max_value_bytes */
	ENGINE_INVALID_KEY,	 /* "invalid_key": empty or not readable */
	ENGINE_INVALID_KV_QUERY, /* "invalid_kv_query": a bad ttl_ms,
	                            prefix, cursor or limit */
	ENGINE_KV_UNAVAILABLE,	 /* "kv_unavailable": the store cannot be
	                            reached (Redis down) or is closing */
	ENGINE_KV_FULL,		 /* "kv_full": the embedded store is full */
	/* WebAssembly deploys (daemon/wasm): */
	ENGINE_INVALID_MODULE,	    /* "invalid_module": not valid Wasm */
	ENGINE_MODULE_TOO_LARGE,    /* "module_too_large": over a count or
	                               size limit of the scan */
	ENGINE_UNSUPPORTED_IMPORTS, /* "unsupported_imports" (listed) */
	ENGINE_NOT_A_COMMAND,	    /* "not_a_command": no _start export */
	ENGINE_COMPILE_LIMIT,	    /* "compile_limit": translation or
	                               compilation hit a resource limit */
	ENGINE_COMPILE_FAILED,	    /* "compile_failed" */
	ENGINE_WASM_UNAVAILABLE,    /* "wasm_unavailable": this host lacks
	                               wasm2c or the guest SDK */
	ENGINE_OUTCOME_COUNT	    /* not an outcome: the number of them */
};

/* The stable code of o; "internal_error" for a value out of range. */
const char *engine_outcome_code(enum engine_outcome o);

/* The outcome whose code is code; -EINVAL (and *out untouched) when code
 * is not one of them. Lets clients key off the same list. */
int engine_outcome_parse(const char *code, enum engine_outcome *out);

#endif /* GLINT_OUTCOME_H */
