/* api.c: routes and JSON responses; parses requests, calls the engine, maps results to HTTP. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "api.h"
#include "fnlog.h"
#include "invreq.h"
#include "kv.h"
#include "kvapi.h"
#include "log.h"
#include "monotime.h"
#include "text.h"

struct follower;

struct api {
	struct engine *engine;
	struct metrics *metrics;
	const struct glintd_config *cfg;
	int shutting_down;
	struct follower *followers; /* GET .../logs?follow=1 streams */
};

/* One per HTTP request, from begin() to done(). */
struct api_req {
	struct api *api;
	struct http_request *http;
	enum api_route route;
	char name[64];
	char arg[160];	  /* API_ROUTE_FN_SECRET: the secret's name */
	json_t *json;	  /* a parsed body the engine borrows */
	int in_engine;	  /* the engine holds inv/dep until its callback */
	int orphaned;	  /* HTTP request ended first: the callback frees */
	struct invreq ir; /* invoke: what the function sees */
	union {
		struct engine_invocation inv;
		struct engine_deploy dep;
		struct kvapi_call kv;
	} u;
	int kv_used; /* u.kv holds memory to release */
};

static const struct {
	const char *label, *allow;
} routes[] = {
	[API_ROUTE_UNKNOWN] = {"unknown", ""},
	[API_ROUTE_HEALTHZ] = {"healthz", "GET"},
	[API_ROUTE_READYZ] = {"readyz", "GET"},
	[API_ROUTE_METRICS] = {"metrics", "GET"},
	[API_ROUTE_FUNCTIONS] = {"functions", "GET"},
	[API_ROUTE_FUNCTION] = {"function", "GET, PUT, DELETE"},
	[API_ROUTE_INVOKE] = {"invoke",
			      "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"},
	[API_ROUTE_FN_ENV] = {"function_env", "GET, PUT"},
	[API_ROUTE_FN_SECRETS] = {"function_secrets", "GET"},
	[API_ROUTE_FN_SECRET] = {"function_secret", "PUT, DELETE"},
	[API_ROUTE_FN_VERSIONS] = {"function_versions", "GET"},
	[API_ROUTE_FN_LOGS] = {"logs", "GET"},
	[API_ROUTE_FN_ROLLBACK] = {"function_rollback", "POST"},
	[API_ROUTE_FN_KV_LIST] = {"function_kv_list", "GET"},
	[API_ROUTE_FN_KV] = {"function_kv", "GET, PUT, DELETE"},
};

static void req_free(struct api_req *q)
{
	if (q->kv_used)
		kvapi_call_clean(&q->u.kv);
	json_decref(q->json);
	free(q);
}

enum api_route api_function_subroute(const char *rest, size_t *name_len,
				     const char **arg)
{
	static const struct {
		const char *sub;
		enum api_route route;
	} subs[] = {
		{"env", API_ROUTE_FN_ENV},
		{"secrets", API_ROUTE_FN_SECRETS},
		{"versions", API_ROUTE_FN_VERSIONS},
		{"logs", API_ROUTE_FN_LOGS},
		{"rollback", API_ROUTE_FN_ROLLBACK},
		{"kv", API_ROUTE_FN_KV_LIST},
	};
	const char *slash = strchr(rest, '/');

	*arg = NULL;
	*name_len = slash ? (size_t)(slash - rest) : strlen(rest);
	if (slash == NULL)
		return API_ROUTE_FUNCTION;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(slash + 1, subs[i].sub) == 0)
			return subs[i].route;
	if (strncmp(slash + 1, "secrets/", 8) == 0) {
		*arg = slash + 9;
		return API_ROUTE_FN_SECRET;
	}
	if (strncmp(slash + 1, "kv/", 3) == 0) {
		*arg = slash + 4;
		return API_ROUTE_FN_KV;
	}
	/* The whole rest is the name, which then fails the name check:
	 * "/functions/..%2Fx" is an invalid name, not an unknown route. */
	*name_len = strlen(rest);
	return API_ROUTE_FUNCTION;
}

enum api_route api_route_parse(const char *path, const char **name_out)
{
	static const struct {
		const char *path;
		enum api_route route;
		int prefix;
	} table[] = {
		{"/healthz", API_ROUTE_HEALTHZ, 0},
		{"/readyz", API_ROUTE_READYZ, 0},
		{"/metrics", API_ROUTE_METRICS, 0},
		{"/functions", API_ROUTE_FUNCTIONS, 0},
		{"/functions/", API_ROUTE_FUNCTION, 1},
		{"/invoke/", API_ROUTE_INVOKE, 1},
	};

	*name_out = NULL;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		size_t n = strlen(table[i].path);

		if (table[i].prefix && strncmp(path, table[i].path, n) == 0) {
			*name_out = path + n;
			return table[i].route;
		}
		if (!table[i].prefix && strcmp(path, table[i].path) == 0)
			return table[i].route;
	}
	return API_ROUTE_UNKNOWN;
}

/* ---- responses ---- */

static void respond(struct api_req *q, unsigned status, const char *ctype,
		    const void *body, size_t len, enum http_body_mode mode)
{
	metrics_http_inc(q->api->metrics, routes[q->route].label, status);
	http_respond(q->http, status, ctype, body, len, mode);
}

static void respond_json(struct api_req *q, unsigned status, json_t *obj)
{
	char *s = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

	json_decref(obj);
	if (!s) {
		static const char oom[] =
			"{\"error\":{\"code\":\"internal_error\","
			"\"message\":\"out of memory\"}}";
		respond(q, 500, "application/json", oom, sizeof(oom) - 1,
			HTTP_BODY_STATIC);
		return;
	}
	respond(q, status, "application/json", s, strlen(s), HTTP_BODY_TAKE);
}

static void respond_error(struct api_req *q, unsigned status, const char *code,
			  const char *message)
{
	json_t *o =
		json_pack("{s:{s:s,s:s,s:s}}", "error", "code", code, "message",
			  message, "request_id", http_request_id_str(q->http));

	log_msg(LOG_LEVEL_DEBUG, "request_id=%s %s %s -> %u %s: %s",
		http_request_id_str(q->http), http_request_method(q->http),
		http_request_path(q->http), status, code, message);
	respond_json(q, status, o);
}

static unsigned outcome_status(enum engine_outcome o);

/* An error that is one of the engine's outcomes: its status and code. */
static void respond_outcome(struct api_req *q, enum engine_outcome o,
			    const char *message)
{
	respond_error(q, outcome_status(o), engine_outcome_code(o), message);
}

/* ---- authorisation ---- */

/* Compares a presented token with the configured one in time that does not
 * depend on where they differ or on the configured token's length. */
static int token_equal(const char *given, size_t given_len,
		       const char expected[GLINTD_TOKEN_MAX])
{
	char buf[GLINTD_TOKEN_MAX] = {0};
	volatile unsigned char diff = 0;

	if (given_len >= GLINTD_TOKEN_MAX)
		return 0;
	memcpy(buf, given, given_len);
	diff |= (unsigned char)(given_len !=
				strnlen(expected, GLINTD_TOKEN_MAX));
	for (size_t i = 0; i < GLINTD_TOKEN_MAX; i++)
		diff |= (unsigned char)(buf[i] ^ expected[i]);
	explicit_bzero(buf, sizeof(buf));
	return diff == 0;
}

static void unauthorized(struct api_req *q, const char *message)
{
	http_request_add_header(q->http, "WWW-Authenticate",
				"Bearer realm=\"glint\"");
	respond_error(q, 401, "unauthorized", message);
}

/* The admin API (/functions...) needs the admin token when one is set, and
 * so does /metrics, which names every tenant's functions, unless
 * metrics_public; invocation needs the invoke token (or the admin token)
 * when one is set. Health and readiness stay open for probes.
 * Returns 0 to go on, -EACCES when an error response was sent. */
static int authorize(struct api_req *q)
{
	const struct glintd_config *cfg = q->api->cfg;
	const char *need = NULL, *h, *tok;
	int admin =
		q->route == API_ROUTE_FUNCTION ||
		q->route == API_ROUTE_FUNCTIONS ||
		(q->route >= API_ROUTE_FN_ENV && q->route <= API_ROUTE_FN_KV) ||
		(q->route == API_ROUTE_METRICS && !cfg->metrics_public);

	if (admin && cfg->admin_token[0])
		need = cfg->admin_token;
	else if (q->route == API_ROUTE_INVOKE && cfg->invoke_token[0])
		need = cfg->invoke_token;
	if (!need)
		return 0;
	h = http_request_header(q->http, "Authorization");
	if (!h) {
		unauthorized(q, "this route needs 'Authorization: Bearer "
				"<token>'");
		return -EACCES;
	}
	if (strncasecmp(h, "Bearer ", 7) != 0 || !h[7]) {
		unauthorized(q, "malformed Authorization header: expected "
				"'Bearer <token>'");
		return -EACCES;
	}
	for (tok = h + 7; *tok == ' '; tok++)
		;
	if (token_equal(tok, strlen(tok), need) ||
	    (!admin && cfg->admin_token[0] &&
	     token_equal(tok, strlen(tok), cfg->admin_token)))
		return 0;
	respond_error(q, 403, "forbidden",
		      "the token is not valid for this "
		      "route");
	return -EACCES;
}

/* ---- begin: route, method and name, before any body is read ---- */

static size_t kv_max_value(const struct api *a)
{
	size_t v = a->cfg->engine.kv_max_value_bytes;

	return v ? v : KV_MAX_VALUE_DEFAULT;
}

static size_t body_limit(struct api_req *q, const char *method)
{
	if (q->route == API_ROUTE_INVOKE)
		return q->api->cfg->max_invoke_bytes;
	if (q->route == API_ROUTE_FUNCTION && strcmp(method, "PUT") == 0)
		return q->api->cfg->engine.max_image_bytes;
	if (q->route == API_ROUTE_FN_KV && strcmp(method, "PUT") == 0)
		return kv_max_value(q->api);
	return q->api->cfg->max_small_body_bytes;
}

static int method_allowed(enum api_route route, const char *method)
{
	const char *allow = routes[route].allow;
	size_t n = strlen(method);

	if (n == 0) /* strstr would match everywhere and never advance */
		return 0;
	for (const char *p = allow; (p = strstr(p, method)); p += n)
		if ((p == allow || p[-1] == ' ') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/* The name (valid, so under 64 bytes) as the client sent it. */
static int raw_name_ok(struct api_req *q, struct http_request *http,
		       const char *name, size_t len)
{
	memcpy(q->name, name, len);
	q->name[len] = '\0';
	return invreq_name_as_sent(http, q->name);
}

static size_t on_begin(void *opaque, struct http_request *http)
{
	struct api_req *q = calloc(1, sizeof(*q));
	const char *method = http_request_method(http), *name, *arg = NULL;
	size_t name_len = 0;
	char msg[160];
	unsigned limit;

	if (!q) {
		http_respond(http, 500, NULL, "", 0, HTTP_BODY_STATIC);
		return 0;
	}
	q->api = opaque;
	q->http = http;
	http_request_set_user(http, q);
	q->route = api_route_parse(http_request_path(http), &name);
	if (name)
		name_len = strlen(name);
	if (q->route == API_ROUTE_FUNCTION)
		q->route = api_function_subroute(name, &name_len, &arg);
	limit = invreq_check_limits(http, q->api->cfg, msg, sizeof(msg));
	if (limit) {
		respond_error(q, limit,
			      limit == 414 ? "uri_too_long"
					   : "request_header_fields_too_large",
			      msg);
		return 0;
	}
	if (q->route == API_ROUTE_UNKNOWN) {
		respond_error(q, 404, "not_found", "no such route");
		return 0;
	}
	if (authorize(q) < 0)
		return 0;
	if (!method_allowed(q->route, method)) {
		http_request_add_header(http, "Allow", routes[q->route].allow);
		snprintf(msg, sizeof(msg), "method %.16s not allowed; use %s",
			 method, routes[q->route].allow);
		respond_error(q, 405, "method_not_allowed", msg);
		return 0;
	}
	/* /invoke/<fn>/<path...>: the function's own path follows. */
	if (name && q->route == API_ROUTE_INVOKE && strchr(name, '/'))
		name_len = (size_t)(strchr(name, '/') - name);
	if (name && (!function_name_valid(name, name_len) ||
		     (q->route == API_ROUTE_INVOKE &&
		      !raw_name_ok(q, http, name, name_len)))) {
		respond_outcome(q, ENGINE_INVALID_NAME,
				"function names are 1-63 characters of a-z, "
				"0-9, '-' and '_'");
		return 0;
	}
	if (name) {
		memcpy(q->name, name, name_len);
		q->name[name_len] = '\0';
	}
	if (arg)
		snprintf(q->arg, sizeof(q->arg), "%s", arg);
	return body_limit(q, method);
}

/* ---- invoke ---- */

static void log_invocation(struct api_req *q, unsigned status,
			   const struct engine_invocation *inv)
{
	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	log_msg(LOG_LEVEL_INFO,
		"invoke request_id=%s function=%s status=%u outcome=%s "
		"queue_us=%" PRIu64 " run_us=%" PRIu64 " total_us=%" PRIu64,
		http_request_id_str(q->http), q->name, status,
		engine_outcome_code(inv->outcome), inv->queue_ns / 1000,
		inv->run_ns / 1000,
		(monotime_ns() - http_request_start_ns(q->http)) / 1000);
}

/* The content type comes from the guest: only safe text (text.h) may
 * reach a header line, or a function could inject headers. */
static const char *content_type_of(struct engine_invocation *inv)
{
	inv->content_type[sizeof(inv->content_type) - 1] = '\0';
	if (!inv->content_type[0])
		return "application/json"; /* the ABI's meaning of "" */
	for (const char *p = inv->content_type; *p; p++)
		if (!text_is_safe((unsigned char)*p))
			return "application/octet-stream";
	return inv->content_type;
}

/* The HTTP status of each engine outcome, of calls and deploys alike: the
 * one place where outcomes meet HTTP. A deploy's ENGINE_OK is 201. */
static unsigned outcome_status(enum engine_outcome o)
{
	static const unsigned status[ENGINE_OUTCOME_COUNT] = {
		[ENGINE_OK] = 200,
		[ENGINE_FUNCTION_ERROR] = 500,
		[ENGINE_GUEST_CRASHED] = 502,
		[ENGINE_GUEST_ABORTED] = 502,
		[ENGINE_DEADLINE] = 504,
		[ENGINE_NOT_FOUND] = 404,
		[ENGINE_INPUT_TOO_LARGE] = 413,
		[ENGINE_QUEUE_FULL] = 429,
		[ENGINE_QUEUE_TIMEOUT] = 503,
		[ENGINE_UNAVAILABLE] = 503,
		[ENGINE_INTERNAL] = 500,
		[ENGINE_INVALID_IMAGE] = 400,
		[ENGINE_INIT_FAILED] = 422,
		[ENGINE_INVALID_SETTING] = 400,
		[ENGINE_INVALID_NAME] = 400,
		[ENGINE_STORAGE_FULL] = 507,
		[ENGINE_BUDGET_EXCEEDED] = 507,
		[ENGINE_DEPLOY_QUEUE_FULL] = 429,
		[ENGINE_INVALID_ENV] = 400,
		[ENGINE_INVALID_SECRET] = 400,
		[ENGINE_SECRET_NOT_FOUND] = 404,
		[ENGINE_VERSION_NOT_FOUND] = 404,
		[ENGINE_NO_PREVIOUS_VERSION] = 409,
		[ENGINE_KEY_NOT_FOUND] = 404,
		[ENGINE_KEY_TOO_LONG] = 414,
		[ENGINE_VALUE_TOO_LARGE] = 413,
		[ENGINE_INVALID_KEY] = 400,
		[ENGINE_INVALID_KV_QUERY] = 400,
		[ENGINE_KV_UNAVAILABLE] = 503,
		[ENGINE_KV_FULL] = 507,
		[ENGINE_INVALID_MODULE] = 400,
		[ENGINE_MODULE_TOO_LARGE] = 422,
		[ENGINE_UNSUPPORTED_IMPORTS] = 422,
		[ENGINE_NOT_A_COMMAND] = 422,
		[ENGINE_COMPILE_LIMIT] = 422,
		[ENGINE_COMPILE_FAILED] = 422,
		[ENGINE_WASM_UNAVAILABLE] = 500,
		[ENGINE_GUEST_PROTOCOL] = 502,
		[ENGINE_OUTPUT_TOO_LARGE] = 502,
	};

	return (unsigned)o < ENGINE_OUTCOME_COUNT ? status[o] : 500;
}

static void on_invoked(struct engine_invocation *inv)
{
	struct api_req *q = inv->opaque;
	unsigned status = outcome_status(inv->outcome);
	char retry[16];

	q->in_engine = 0;
	invreq_free(&q->ir);
	if (q->orphaned) {
		free(inv->output);
		free(inv->headers);
		req_free(q);
		return;
	}
	http_request_set_timing(q->http, inv->queue_ns, inv->run_ns);
	if (inv->outcome == ENGINE_OK)
		status = inv->http_status;
	log_invocation(q, status, inv);
	if (inv->outcome == ENGINE_OK) {
		/* The VMM checked every name and value. */
		if (http_request_add_block(q->http, inv->headers,
					   inv->headers_len) < 0)
			log_msg(LOG_LEVEL_WARN,
				"request_id=%s: response headers dropped",
				http_request_id_str(q->http));
		free(inv->headers);
		inv->headers = NULL;
		respond(q, status, content_type_of(inv),
			inv->output ? (void *)inv->output : (void *)"",
			inv->output_len,
			inv->output ? HTTP_BODY_TAKE : HTTP_BODY_STATIC);
		inv->output = NULL;
		return;
	}
	free(inv->output);
	inv->output = NULL;
	/* Not ready yet or stopping: a restart or the load ends soon. */
	if (inv->outcome == ENGINE_QUEUE_FULL ||
	    inv->outcome == ENGINE_UNAVAILABLE) {
		snprintf(retry, sizeof(retry), "%u",
			 inv->retry_after_s ? inv->retry_after_s : 1);
		http_request_add_header(q->http, "Retry-After", retry);
	}
	inv->message[sizeof(inv->message) - 1] = '\0';
	/* Fault addresses and registers stay in the function's log (where
	 * the engine put them) unless clients may see them. */
	if (inv->outcome == ENGINE_GUEST_CRASHED &&
	    !q->api->cfg->fault_details_to_clients)
		snprintf(inv->message, sizeof(inv->message),
			 "the function crashed; the details are in its log: "
			 "GET /functions/%s/logs?request_id=%s",
			 q->name, http_request_id_str(q->http));
	respond_error(q, status, engine_outcome_code(inv->outcome),
		      inv->message[0] ? inv->message
				      : engine_outcome_code(inv->outcome));
}

static void handle_invoke(struct api_req *q)
{
	struct engine_invocation *inv = &q->u.inv;

	memcpy(inv->function, q->name, sizeof(inv->function));
	/* Borrowed by the engine until on_invoked: the body lives until
	 * on_done, and on_done comes after on_invoked (engine.h, "Input
	 * lifetime"). */
	if (invreq_build(&q->ir, q->http, q->name) < 0) {
		respond_outcome(q, ENGINE_INTERNAL, "out of memory");
		return;
	}
	inv->request = &q->ir.req;
	inv->input = http_request_body(q->http, &inv->input_len);
	inv->request_id = http_request_id(q->http);
	inv->done = on_invoked;
	inv->opaque = q;
	/* http_respond may come from inside the handler (http.h). */
	inv->done_inline_ok = 1;
	q->in_engine = 1;
	engine_invoke(q->api->engine, inv);
}

/* ---- functions ---- */

static void not_found(struct api_req *q);

/* A change of a deployed function is in force: what it changed. */
static void changed(struct api_req *q, struct engine_deploy *d)
{
	json_t *j = NULL;

	if (d->change == ENGINE_CHANGE_ENV)
		j = engine_env(q->api->engine, q->name);
	else if (d->change == ENGINE_CHANGE_ROLLBACK)
		j = json_incref(d->description);
	json_decref(d->description);
	d->description = NULL;
	if (d->change == ENGINE_CHANGE_SECRET_PUT ||
	    d->change == ENGINE_CHANGE_SECRET_DELETE)
		respond(q, 204, NULL, "", 0, HTTP_BODY_STATIC);
	else if (j)
		respond_json(q, 200, j);
	else
		not_found(q); /* deleted meanwhile */
}

static void on_deployed(struct engine_deploy *d)
{
	struct api_req *q = d->opaque;
	int ok = d->outcome == ENGINE_OK;
	unsigned status;
	char loc[96];

	q->in_engine = 0;
	if (q->orphaned) {
		json_decref(d->description);
		req_free(q);
		return;
	}
	status = ok ? 201 : outcome_status(d->outcome);
	d->message[sizeof(d->message) - 1] = '\0';
	log_msg(LOG_LEVEL_INFO,
		"deploy request_id=%s function=%s status=%u%s%s%s%s",
		http_request_id_str(q->http), q->name, status,
		ok ? "" : " code=", ok ? "" : engine_outcome_code(d->outcome),
		d->message[0] && !ok ? ": " : "", ok ? "" : d->message);
	if (ok && d->change != ENGINE_CHANGE_IMAGE) {
		changed(q, d);
		return;
	}
	if (ok) {
		snprintf(loc, sizeof(loc), "/functions/%s", q->name);
		http_request_add_header(q->http, "Location", loc);
		respond_json(q, 201,
			     d->description ? d->description : json_object());
		d->description = NULL;
		return;
	}
	json_decref(d->description);
	d->description = NULL;
	respond_error(q, status, engine_outcome_code(d->outcome),
		      d->message[0] ? d->message : "deploy failed");
}

struct settings_ctx {
	struct function_settings *s;
	char err[200];
};

static int apply_setting(void *opaque, const char *key, const char *value)
{
	struct settings_ctx *c = opaque;

	if (function_settings_set(c->s, key, value ? value : "", c->err,
				  sizeof(c->err)) == 0)
		return 0;
	if (!c->err[0])
		snprintf(c->err, sizeof(c->err), "bad setting '%.64s'", key);
	return -EINVAL;
}

static void handle_deploy(struct api_req *q)
{
	struct engine_deploy *d = &q->u.dep;
	struct settings_ctx c = {.s = &d->settings};

	/* A redeploy keeps the live settings the query does not change. */
	if (engine_settings(q->api->engine, q->name, &d->settings) < 0)
		d->settings = q->api->cfg->engine.defaults;
	if (http_request_query_foreach(q->http, apply_setting, &c) ||
	    function_settings_check(&d->settings, c.err, sizeof(c.err))) {
		respond_outcome(q, ENGINE_INVALID_SETTING,
				c.err[0] ? c.err : "invalid settings");
		return;
	}
	memcpy(d->function, q->name, sizeof(d->function));
	d->image = http_request_body(q->http, &d->image_len);
	d->request_id = http_request_id(q->http);
	d->done = on_deployed;
	d->opaque = q;
	q->in_engine = 1;
	engine_deploy(q->api->engine, d);
}

static void not_found(struct api_req *q)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "function '%s' is not deployed", q->name);
	respond_outcome(q, ENGINE_NOT_FOUND, msg);
}

/* ---- key-value store (kvapi.h) ---- */

static void kv_respond(struct api_req *q)
{
	struct kvapi_call *c = &q->u.kv;
	char msg[sizeof(c->message) + 2 * sizeof(q->name) + 96];

	if (c->outcome != ENGINE_OK && c->op == KVAPI_PURGE) {
		/* The function itself may be gone already: say what is left. */
		snprintf(msg, sizeof(msg),
			 "the keys of '%s' were not purged (%s); retry "
			 "DELETE /functions/%s?purge=1",
			 q->name, c->message, q->name);
		respond_outcome(q, c->outcome, msg);
	} else if (c->outcome != ENGINE_OK) {
		respond_outcome(q, c->outcome, c->message);
	} else if (c->op == KVAPI_GET || c->op == KVAPI_LIST) {
		respond(q, 200,
			c->op == KVAPI_GET ? "application/octet-stream"
					   : "application/json",
			c->body, c->body_len, HTTP_BODY_TAKE);
		c->body = NULL;
	} else {
		if (c->op == KVAPI_PURGE)
			log_msg(LOG_LEVEL_INFO, "purged kv of function=%s",
				q->name);
		respond(q, 204, NULL, "", 0, HTTP_BODY_STATIC);
	}
}

static void on_kv_done(struct kvapi_call *c)
{
	struct api_req *q = c->opaque;

	q->in_engine = 0;
	if (q->orphaned) {
		req_free(q);
		return;
	}
	kv_respond(q);
}

static void start_kv(struct api_req *q, enum kvapi_op op)
{
	struct kvapi_call *c = &q->u.kv;

	q->kv_used = 1;
	c->op = op;
	memcpy(c->function, q->name, sizeof(c->function));
	c->raw_uri = http_request_raw_uri(q->http);
	if (op == KVAPI_SET)
		c->value = http_request_body(q->http, &c->value_len);
	c->done = on_kv_done;
	c->opaque = q;
	/* The body stays until on_done, which waits for the callback. */
	if (kvapi_start(engine_kv(q->api->engine), c) < 0) {
		kv_respond(q);
		return;
	}
	q->in_engine = 1;
}

static void handle_kv(struct api_req *q)
{
	const char *method = http_request_method(q->http);

	if (q->route == API_ROUTE_FN_KV_LIST)
		start_kv(q, KVAPI_LIST);
	else if (strcmp(method, "PUT") == 0)
		start_kv(q, KVAPI_SET);
	else if (strcmp(method, "DELETE") == 0)
		start_kv(q, KVAPI_DELETE);
	else
		start_kv(q, KVAPI_GET);
}

static int purge_arg(void *opaque, const char *key, const char *value)
{
	int *purge = opaque;

	if (strcmp(key, "purge") != 0 || !value ||
	    (strcmp(value, "0") && strcmp(value, "1")))
		return -EINVAL;
	*purge = value[0] == '1';
	return 0;
}

/* With ?purge=1 the function's KV store goes too, also when the function
 * is no longer deployed (keys left by a delete without purge); without
 * it the keys stay for a later deploy of the same name. */
static void handle_delete(struct api_req *q)
{
	int purge = 0, ret;

	if (http_request_query_foreach(q->http, purge_arg, &purge)) {
		respond_error(q, 400, "invalid_request",
			      "DELETE /functions/<name> takes only ?purge=1 "
			      "(also delete its key-value store) or "
			      "?purge=0");
		return;
	}
	ret = engine_delete(q->api->engine, q->name);
	if (ret == 0)
		log_msg(LOG_LEVEL_INFO, "deleted function=%s", q->name);
	if (purge)
		start_kv(q, KVAPI_PURGE);
	else if (ret == 0)
		respond(q, 204, NULL, "", 0, HTTP_BODY_STATIC);
	else
		not_found(q);
}

static void handle_function(struct api_req *q)
{
	const char *method = http_request_method(q->http);
	json_t *j;

	if (strcmp(method, "PUT") == 0) {
		handle_deploy(q);
	} else if (strcmp(method, "DELETE") == 0) {
		handle_delete(q);
	} else if ((j = engine_describe(q->api->engine, q->name))) {
		respond_json(q, 200, j);
	} else {
		not_found(q);
	}
}

/* ---- logs ---- */

struct logs_query {
	struct fnlog_filter f;
	int follow;
	char err[160];
};

/* "since": Unix seconds (a fraction allowed), or an age such as 90s, 15m,
 * 2h before now. */
static int parse_since(const char *v, int64_t *ms)
{
	char *end;
	double x;

	if (!v || !*v)
		return -EINVAL;
	x = strtod(v, &end);
	if (end == v || x < 0 || x > 1e11)
		return -EINVAL;
	if (*end == '\0') {
		*ms = (int64_t)(x * 1000);
		return 0;
	}
	if (end[1] != '\0')
		return -EINVAL;
	if (*end == 'h')
		x *= 3600;
	else if (*end == 'm')
		x *= 60;
	else if (*end != 's')
		return -EINVAL;
	*ms = (int64_t)time(NULL) * 1000 - (int64_t)(x * 1000);
	return 0;
}

static int parse_request_id(const char *v, uint64_t *id)
{
	char *end;

	if (!v || strlen(v) != 16 || strspn(v, "0123456789abcdefABCDEF") != 16)
		return -EINVAL;
	*id = strtoull(v, &end, 16);
	return 0;
}

static int logs_arg(void *opaque, const char *key, const char *value)
{
	struct logs_query *lq = opaque;

	if (strcmp(key, "since") == 0) {
		if (parse_since(value, &lq->f.since_ms) < 0)
			goto bad;
	} else if (strcmp(key, "level") == 0) {
		if (!value || log_level_parse(value, &lq->f.level) < 0)
			goto bad;
	} else if (strcmp(key, "request_id") == 0) {
		if (parse_request_id(value, &lq->f.request_id) < 0)
			goto bad;
		lq->f.has_request_id = 1;
	} else if (strcmp(key, "follow") == 0) {
		if (!value || (strcmp(value, "0") && strcmp(value, "1")))
			goto bad;
		lq->follow = value[0] == '1';
	}
	return 0;
bad:
	snprintf(lq->err, sizeof(lq->err),
		 "bad %.16s: since is Unix seconds or an age (90s, 15m, 2h); "
		 "level is error, warn, info or debug; request_id is 16 hex "
		 "digits; follow is 0 or 1",
		 key);
	return -EINVAL;
}

/* ---- following a log ---- */

#define FOLLOW_CHUNK (16u << 10)
/* An empty line after this much silence: a write is what tells a client
 * that went away from one that waits. */
#define FOLLOW_HEARTBEAT_NS (10ULL * 1000000000ULL)

struct follower {
	struct follower *next;
	struct api *api;
	char name[64];
	struct fnlog *log;     /* our reference */
	struct fnlog_filter f; /* f.after_seq: the last line looked at */
	char *text;	       /* read, not yet sent */
	size_t len, off;
	uint64_t quiet_since_ns;
};

static unsigned followers_of(const struct api *a, const char *name)
{
	unsigned n = 0;

	for (const struct follower *w = a->followers; w; w = w->next)
		n += strcmp(w->name, name) == 0;
	return n;
}

static ssize_t follow_read(void *opaque, char *buf, size_t max)
{
	struct follower *w = opaque;
	int closed = 0, ret;
	size_t n;

	if (w->off == w->len) {
		free(w->text);
		w->text = NULL;
		w->off = w->len = 0;
		/* Closed first: a line that came before it is read below. */
		closed = fnlog_closed(w->log);
		ret = fnlog_read(w->log, &w->f, FOLLOW_CHUNK, &w->text, &w->len,
				 &w->f.after_seq);
		if (ret < 0)
			return ret;
	}
	if (w->len == 0 && closed)
		return 0; /* deleted, its last lines sent: the stream ends */
	if (w->len == 0) {
		if (monotime_ns() - w->quiet_since_ns < FOLLOW_HEARTBEAT_NS)
			return HTTP_STREAM_AGAIN;
		w->quiet_since_ns = monotime_ns();
		buf[0] = '\n';
		return 1;
	}
	n = w->len - w->off < max ? w->len - w->off : max;
	memcpy(buf, w->text + w->off, n);
	w->off += n;
	w->quiet_since_ns = monotime_ns();
	return (ssize_t)n;
}

static void follow_release(void *opaque)
{
	struct follower *w = opaque, **pp = &w->api->followers;

	for (; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	fnlog_unref(w->log);
	free(w->text);
	free(w);
}

/* The lines that pass f from after_seq on, then each new one as it comes,
 * until the client goes away or the function is deleted. */
static void logs_follow(struct api_req *q, const struct fnlog_filter *f,
			uint64_t after_seq)
{
	unsigned max = q->api->cfg->max_log_followers;
	struct follower *w;
	char msg[128];

	if (followers_of(q->api, q->name) >= max) {
		snprintf(msg, sizeof(msg),
			 "function '%s' already has %u log followers "
			 "(max_log_followers)",
			 q->name, max);
		respond_error(q, 429, "too_many_followers", msg);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		respond_error(q, 500, "internal_error", "out of memory");
		return;
	}
	w->log = engine_log_ref(q->api->engine, q->name);
	if (!w->log) {
		free(w);
		not_found(q);
		return;
	}
	w->api = q->api;
	memcpy(w->name, q->name, sizeof(w->name));
	w->f = *f;
	w->f.after_seq = after_seq;
	w->quiet_since_ns = monotime_ns();
	w->next = q->api->followers;
	q->api->followers = w;
	metrics_http_inc(q->api->metrics, routes[q->route].label, 200);
	http_respond_stream(q->http, 200, "text/plain; charset=utf-8",
			    follow_read, follow_release, w);
}

/* Recent lines, oldest first, as text; the cap only matters when
 * log_buffer_bytes is raised, so the answer stays bounded. */
static void handle_logs(struct api_req *q)
{
	struct logs_query lq = {.f = {.level = LOG_LEVEL_DEBUG}};
	size_t max = 4 * q->api->cfg->engine.log_buffer_bytes + 4096, len;
	uint64_t last;
	char *text;
	int ret;

	if (http_request_query_foreach(q->http, logs_arg, &lq) != 0) {
		respond_error(q, 400, "invalid_query", lq.err);
		return;
	}
	ret = engine_logs(q->api->engine, q->name, &lq.f, max, &text, &len,
			  &last);
	if (ret == -ENOENT) {
		not_found(q);
		return;
	}
	if (ret < 0) {
		respond_error(q, 500, "internal_error", "out of memory");
		return;
	}
	if (lq.follow) {
		/* The backlog goes out first, through the stream. */
		free(text);
		logs_follow(q, &lq.f, lq.f.after_seq);
		return;
	}
	if (text)
		respond(q, 200, "text/plain; charset=utf-8", text, len,
			HTTP_BODY_TAKE);
	else
		respond(q, 200, "text/plain; charset=utf-8", "", 0,
			HTTP_BODY_STATIC);
}

static void start_change(struct api_req *q, enum engine_change change)
{
	struct engine_deploy *d = &q->u.dep;

	memcpy(d->function, q->name, sizeof(d->function));
	d->change = change;
	d->env = q->json;
	snprintf(d->secret_name, sizeof(d->secret_name), "%s", q->arg);
	if (change == ENGINE_CHANGE_SECRET_PUT)
		d->secret_value = http_request_body(q->http, &d->secret_len);
	d->request_id = http_request_id(q->http);
	d->done = on_deployed;
	d->opaque = q;
	q->in_engine = 1;
	engine_deploy(q->api->engine, d);
}

static void respond_or_404(struct api_req *q, json_t *j)
{
	if (j)
		respond_json(q, 200, j);
	else
		not_found(q);
}

static void handle_env(struct api_req *q)
{
	json_error_t jerr;
	const void *body;
	size_t len;

	if (strcmp(http_request_method(q->http), "GET") == 0) {
		respond_or_404(q, engine_env(q->api->engine, q->name));
		return;
	}
	body = http_request_body(q->http, &len);
	q->json = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES,
			     &jerr);
	if (!json_is_object(q->json)) {
		respond_error(q, 400, "invalid_env",
			      "the body must be a JSON object of "
			      "string values");
		return;
	}
	start_change(q, ENGINE_CHANGE_ENV);
}

static int rollback_arg(void *opaque, const char *key, const char *value)
{
	struct api_req *q = opaque;
	unsigned long v;
	char *end;

	if (strcmp(key, "version") != 0 || value == NULL || *value < '0' ||
	    *value > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (*end || errno || v == 0 || v > UINT32_MAX)
		return -EINVAL;
	q->u.dep.rollback_version = (uint32_t)v;
	return 0;
}

static void handle_rollback(struct api_req *q)
{
	if (http_request_query_foreach(q->http, rollback_arg, q)) {
		respond_error(q, 400, "invalid_request",
			      "rollback takes only ?version=<n>, a version "
			      "number from GET /functions/<name>/versions");
		return;
	}
	start_change(q, ENGINE_CHANGE_ROLLBACK);
}

static void handle_secret(struct api_req *q)
{
	if (strcmp(http_request_method(q->http), "PUT") == 0)
		start_change(q, ENGINE_CHANGE_SECRET_PUT);
	else
		start_change(q, ENGINE_CHANGE_SECRET_DELETE);
}

static void handle_functions(struct api_req *q)
{
	json_t *list = engine_list(q->api->engine);

	if (!list)
		list = json_array();
	if (json_is_array(list))
		list = json_pack("{s:o}", "functions", list);
	respond_json(q, 200, list);
}

/* ---- the rest, and dispatch ---- */

static ssize_t metrics_read(void *opaque, char *buf, size_t max)
{
	return metrics_render_read(opaque, buf, max);
}

static void metrics_release(void *opaque)
{
	metrics_render_end(opaque);
}

/* Rendered piece by piece as the scraper reads: with many functions the
 * text is megabytes, and one render in a go would stall every other
 * request on the loop meanwhile. */
static void handle_metrics(struct api_req *q)
{
	struct metrics_render *rs = metrics_render_begin(q->api->metrics);

	if (!rs) {
		respond_outcome(q, ENGINE_INTERNAL, "out of memory");
		return;
	}
	metrics_http_inc(q->api->metrics, routes[q->route].label, 200);
	http_respond_stream(q->http, 200,
			    "text/plain; version=0.0.4; charset=utf-8",
			    metrics_read, metrics_release, rs);
}

static void handle_readyz(struct api_req *q)
{
	static const char ready[] = "{\"status\":\"ready\"}";

	if (q->api->shutting_down)
		respond_outcome(q, ENGINE_UNAVAILABLE, "shutting down");
	else if (!engine_ready(q->api->engine))
		respond_outcome(q, ENGINE_UNAVAILABLE, "not ready");
	else
		respond(q, 200, "application/json", ready, sizeof(ready) - 1,
			HTTP_BODY_STATIC);
}

static void on_handle(void *opaque, struct http_request *http)
{
	static const char ok[] = "{\"status\":\"ok\"}";
	struct api_req *q = http_request_user(http);
	char msg[96];

	(void)opaque;
	if (http_request_body_too_large(http) && q->route == API_ROUTE_FN_KV) {
		snprintf(msg, sizeof(msg),
			 "the value exceeds kv_max_value_bytes (%zu)",
			 kv_max_value(q->api));
		respond_outcome(q, ENGINE_VALUE_TOO_LARGE, msg);
		return;
	}
	if (http_request_body_too_large(http)) {
		snprintf(msg, sizeof(msg), "request body exceeds %zu bytes",
			 body_limit(q, http_request_method(http)));
		respond_outcome(q, ENGINE_INPUT_TOO_LARGE, msg);
		return;
	}
	switch (q->route) {
	case API_ROUTE_INVOKE:
		handle_invoke(q);
		break;
	case API_ROUTE_FUNCTION:
		handle_function(q);
		break;
	case API_ROUTE_FUNCTIONS:
		handle_functions(q);
		break;
	case API_ROUTE_FN_LOGS:
		handle_logs(q);
		break;
	case API_ROUTE_FN_ENV:
		handle_env(q);
		break;
	case API_ROUTE_FN_SECRETS:
		respond_or_404(q, engine_secrets(q->api->engine, q->name));
		break;
	case API_ROUTE_FN_SECRET:
		handle_secret(q);
		break;
	case API_ROUTE_FN_VERSIONS:
		respond_or_404(q, engine_versions(q->api->engine, q->name));
		break;
	case API_ROUTE_FN_ROLLBACK:
		handle_rollback(q);
		break;
	case API_ROUTE_FN_KV_LIST:
	case API_ROUTE_FN_KV:
		handle_kv(q);
		break;
	case API_ROUTE_METRICS:
		handle_metrics(q);
		break;
	case API_ROUTE_READYZ:
		handle_readyz(q);
		break;
	case API_ROUTE_HEALTHZ:
		respond(q, 200, "application/json", ok, sizeof(ok) - 1,
			HTTP_BODY_STATIC);
		break;
	case API_ROUTE_UNKNOWN:
		respond_error(q, 404, "not_found", "no such route");
		break;
	}
}

static void on_done(void *opaque, struct http_request *http)
{
	struct api_req *q = http_request_user(http);

	(void)opaque;
	if (!q)
		return;
	/* Only when the server stops with requests still in the engine,
	 * which main.c rules out by stopping the engine first: the body
	 * an invocation borrows would be gone. */
	if (q->in_engine) {
		q->orphaned = 1; /* the engine callback frees it */
		return;
	}
	req_free(q);
}

/* ---- life cycle ---- */

int api_create(struct engine *e, struct metrics *m,
	       const struct glintd_config *cfg, struct api **out)
{
	struct api *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->engine = e;
	a->metrics = m;
	a->cfg = cfg;
	*out = a;
	return 0;
}

void api_destroy(struct api *a)
{
	free(a);
}

void api_http_handlers(struct api *a, struct http_handlers *out)
{
	out->begin = on_begin;
	out->handle = on_handle;
	out->done = on_done;
	out->opaque = a;
}

void api_set_shutting_down(struct api *a)
{
	a->shutting_down = 1;
}
