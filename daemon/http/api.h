/* api.h: glintd's HTTP routes, mapped onto the engine, with JSON responses. */
#ifndef GLINT_API_H
#define GLINT_API_H

#include "engine.h"
#include "glintd_config.h"
#include "http.h"
#include "metrics.h"

/*
 * Routes: PUT/GET/DELETE /functions/{name}, GET /functions,
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
	API_ROUTE_FUNCTION_LOGS, /* /functions/{name}/logs */
};
enum api_route api_route_parse(const char *path, const char **name_out);

#endif /* GLINT_API_H */
