/* api.h: glintd's HTTP routes, mapped onto the engine, with JSON responses. */
#ifndef GLINT_API_H
#define GLINT_API_H

#include "engine.h"
#include "glintd_config.h"
#include "http.h"
#include "metrics.h"

/*
 * Routes: PUT/GET/DELETE /functions/{name}, GET/PUT .../env, GET
 * .../secrets, PUT/DELETE .../secrets/{secret}, GET .../versions, POST
 * .../rollback, GET .../kv, GET/PUT/DELETE .../kv/{key} (kvapi.h),
 * DELETE /functions/{name}?purge=1, GET /functions,
 * POST /invoke/{name}, GET /metrics, /healthz, /readyz. Errors are
 * {"error":{"code","message","request_id"}}. Loop thread only. The engine,
 * metrics and config are borrowed and must outlive the api.
 */

struct api;

int api_create(struct engine *e, struct metrics *m,
	       const struct glintd_config *cfg, struct api **out);
void api_destroy(struct api *a); /* NULL ok */

/* The callbacks to pass to http_create. */
void api_http_handlers(struct api *a, struct http_handlers *out);

/* From now on /readyz answers 503. */
void api_set_shutting_down(struct api *a);

/* Splits a decoded path into a route and the function name that follows
 * "/functions/" or "/invoke/" (everything after the prefix, unchecked). */
enum api_route {
	API_ROUTE_UNKNOWN = 0,
	API_ROUTE_HEALTHZ,
	API_ROUTE_READYZ,
	API_ROUTE_METRICS,
	API_ROUTE_FUNCTIONS,
	API_ROUTE_FUNCTION,
	API_ROUTE_INVOKE,
	/* /functions/{name}/..., told apart by api_function_subroute */
	API_ROUTE_FN_ENV,
	API_ROUTE_FN_SECRETS,
	API_ROUTE_FN_SECRET,
	API_ROUTE_FN_VERSIONS,
	API_ROUTE_FN_LOGS,
	API_ROUTE_FN_ROLLBACK,
	API_ROUTE_FN_KV_LIST, /* {name}/kv */
	API_ROUTE_FN_KV,      /* {name}/kv/{key} (the key: kvapi.h) */
};
enum api_route api_route_parse(const char *path, const char **name_out);

/* What follows "/functions/": "{name}" (API_ROUTE_FUNCTION), "{name}/env",
 * "{name}/secrets", "{name}/secrets/{secret}" (*arg = the secret's name),
 * "{name}/versions", "{name}/logs", "{name}/rollback", "{name}/kv",
 * "{name}/kv/{key}" (*arg = the key as decoded); anything else is
 * API_ROUTE_FUNCTION with the whole rest as the name (which the name check
 * then refuses). *name_len is the length of {name}. */
enum api_route api_function_subroute(const char *rest, size_t *name_len,
				     const char **arg);

#endif /* GLINT_API_H */
