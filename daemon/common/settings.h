/* settings.h: per-function settings and function names: the rules glintd
 * enforces and the CLI checks before it sends anything. */
#ifndef GLINT_SETTINGS_H
#define GLINT_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#define FUNCTION_ALLOW_FETCH_BYTES 2048
#define FUNCTION_ALLOW_FETCH_MAX 32

/* Per-function settings, from deploy query parameters or stored state. */
struct function_settings {
	uint32_t memory_mb;	   /* guest memory; 1..1024 */
	uint32_t timeout_ms;	   /* per-call deadline; 1..600000 */
	uint32_t max_concurrency;  /* VMs of this function at once; 1..1024 */
	uint32_t min_warm;	   /* VMs kept ready; 0..max_concurrency */
	uint32_t queue_max;	   /* requests waiting beyond max_concurrency */
	uint32_t queue_timeout_ms; /* longest wait in that queue */
	uint32_t idle_ms; /* VMs above min_warm are reclaimed after this */
	uint32_t max_output_bytes;  /* response body limit; 1..6 MiB (default
	                              6 MiB); the output area (an eighth of
	                              memory, 64 KiB..6 MiB) bounds it too */
	uint32_t wasi_stub_unknown; /* Wasm modules: 1 links the imports
	                               glint does not provide to stubs
	                               returning ENOSYS; 0 (default)
	                               refuses the module, listing them */
	/* URL prefixes the function may fetch (FETCH host call), one per
	 * line ("https://api.example.com/v1/\nhttp://127.0.0.1:8080/"), NUL
	 * terminated; "" (the default) = no outbound access. At most
	 * FUNCTION_ALLOW_FETCH_MAX entries; each as fetch_policy.h says
	 * (the engine parses them at deploy). */
	char allow_fetch[FUNCTION_ALLOW_FETCH_BYTES];
};

#define FUNCTION_MAX_OUTPUT_BYTES (6u << 20)

/* Sets one setting from a query parameter; -EINVAL with a message naming
 * the key and its valid range when the key is unknown or the value bad.
 * Values are decimal integers without sign or spaces, except allow_fetch:
 * its whole list, entries separated by newlines (it replaces the list;
 * "" empties it). */
int function_settings_set(struct function_settings *s, const char *key,
			  const char *value, char *err, size_t err_len);

/* Checks cross-field rules (min_warm <= max_concurrency, ...). */
int function_settings_check(const struct function_settings *s, char *err,
			    size_t err_len);

/* The inclusive range of setting key; -EINVAL for an unknown key. Lets
 * clients (the CLI) check values with the daemon's own limits. */
int function_setting_range(const char *key, uint32_t *min, uint32_t *max);

/* Function names: [a-z0-9_-]{1,63}. */
int function_name_valid(const char *name, size_t len);

#endif /* GLINT_SETTINGS_H */
