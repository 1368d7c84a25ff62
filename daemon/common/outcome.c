/* outcome.c: the stable code of each engine outcome. */
#include "config.h"

#include <errno.h>
#include <string.h>

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
	[ENGINE_INVALID_IMAGE] = "invalid_image",
	[ENGINE_INIT_FAILED] = "init_failed",
	[ENGINE_INVALID_SETTING] = "invalid_setting",
	[ENGINE_INVALID_NAME] = "invalid_function_name",
	[ENGINE_STORAGE_FULL] = "insufficient_storage",
	[ENGINE_BUDGET_EXCEEDED] = "budget_exceeded",
	[ENGINE_DEPLOY_QUEUE_FULL] = "deploy_queue_full",
	[ENGINE_INVALID_ENV] = "invalid_env",
	[ENGINE_INVALID_SECRET] = "invalid_secret",
	[ENGINE_SECRET_NOT_FOUND] = "secret_not_found",
	[ENGINE_VERSION_NOT_FOUND] = "version_not_found",
	[ENGINE_NO_PREVIOUS_VERSION] = "no_previous_version",
	[ENGINE_KEY_NOT_FOUND] = "key_not_found",
	[ENGINE_KEY_TOO_LONG] = "key_too_long",
	[ENGINE_VALUE_TOO_LARGE] = "value_too_large",
	[ENGINE_INVALID_KEY] = "invalid_key",
	[ENGINE_INVALID_KV_QUERY] = "invalid_kv_query",
	[ENGINE_KV_UNAVAILABLE] = "kv_unavailable",
	[ENGINE_KV_FULL] = "kv_full",
	[ENGINE_INVALID_MODULE] = "invalid_module",
	[ENGINE_MODULE_TOO_LARGE] = "module_too_large",
	[ENGINE_UNSUPPORTED_IMPORTS] = "unsupported_imports",
	[ENGINE_NOT_A_COMMAND] = "not_a_command",
	[ENGINE_COMPILE_LIMIT] = "compile_limit",
	[ENGINE_COMPILE_FAILED] = "compile_failed",
	[ENGINE_WASM_UNAVAILABLE] = "wasm_unavailable",
	[ENGINE_GUEST_PROTOCOL] = "guest_protocol_error",
	[ENGINE_OUTPUT_TOO_LARGE] = "output_too_large",
};

const char *engine_outcome_code(enum engine_outcome o)
{
	if ((unsigned)o >= ENGINE_OUTCOME_COUNT)
		return "internal_error";
	return codes[o];
}

int engine_outcome_parse(const char *code, enum engine_outcome *out)
{
	for (unsigned o = 0; code && o < ENGINE_OUTCOME_COUNT; o++)
		if (strcmp(code, codes[o]) == 0) {
			*out = (enum engine_outcome)o;
			return 0;
		}
	return -EINVAL;
}
