/* fuzz_http.c: fuzz target for glintd's request parsing: percent-decoding, routes, names, methods, query settings, tokens. */

/*
 * The parsers are static helpers of http.c (mhd_unescape, which
 * libmicrohttpd calls on the path and on every query key and value) and
 * api.c (method_allowed, apply_setting, token_equal); only
 * api_route_parse is public. Driving them through a real libmicrohttpd
 * daemon would fuzz libmicrohttpd's socket code at a few hundred inputs a
 * second, so both files are compiled into this target, unchanged, and the
 * helpers are called in the order a request meets them.
 *
 * Input, '\n'-separated: method, request target (path?query), a presented
 * bearer token, the configured token.
 */
#include "http.c"

#include "api.c"
#include "invreq.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Splits off the next '\n'-terminated field as a fresh C string. */
static char *next_field(const uint8_t **data, size_t *size)
{
	const uint8_t *nl = memchr(*data, '\n', *size);
	size_t n = nl ? (size_t)(nl - *data) : *size;
	char *s = malloc(n + 1);

	if (!s)
		abort();
	memcpy(s, *data, n);
	s[n] = '\0';
	*data += nl ? n + 1 : n;
	*size -= nl ? n + 1 : n;
	return s;
}

static void check_unescape(char *s)
{
	size_t before = strlen(s), after;
	int had_percent = strchr(s, '%') != NULL;
	char *orig = strdup(s);

	if (!orig)
		abort();
	after = mhd_unescape(NULL, NULL, s);
	/* Never longer, never cut by a decoded NUL, untouched without '%'. */
	if (after > before || strlen(s) != after ||
	    (!had_percent && strcmp(orig, s) != 0))
		abort();
	free(orig);
}

/* The allow list is ", "-separated method names. */
static int allowed_by_list(enum api_route route, const char *method)
{
	char list[64], *save = NULL;

	snprintf(list, sizeof(list), "%s", routes[route].allow);
	for (char *m = strtok_r(list, ", ", &save); m;
	     m = strtok_r(NULL, ", ", &save))
		if (strcmp(m, method) == 0)
			return 1;
	return 0;
}

static void check_route(const char *path, const char *method)
{
	const char *name;
	enum api_route route = api_route_parse(path, &name);
	char copy[sizeof(((struct api_req *)0)->name)];

	if ((route == API_ROUTE_FUNCTION || route == API_ROUTE_INVOKE) !=
	    (name != NULL))
		abort();
	if (name && (name < path || name > path + strlen(path)))
		abort();
	if (route == API_ROUTE_UNKNOWN && (strcmp(path, "/healthz") == 0 ||
					   strncmp(path, "/invoke/", 8) == 0))
		abort();
	/* on_begin answers 404 before it looks at the method. */
	if (route != API_ROUTE_UNKNOWN &&
	    method_allowed(route, method) != allowed_by_list(route, method))
		abort();
	if (!name)
		return;
	if (function_name_valid(name, strlen(name))) /* as on_begin does */
		memcpy(copy, name, strlen(name) + 1);
}

static void check_query(char *query)
{
	struct engine_config ec;
	struct settings_ctx c;
	char *save = NULL;

	engine_config_default(&ec);
	memset(&c, 0, sizeof(c));
	c.s = &ec.defaults;
	for (char *pair = strtok_r(query, "&", &save); pair;
	     pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');

		if (eq)
			*eq = '\0';
		check_unescape(pair);
		if (eq)
			check_unescape(eq + 1);
		if (apply_setting(&c, pair, eq ? eq + 1 : NULL) != 0) {
			if (!c.err[0] || !memchr(c.err, '\0', sizeof(c.err)))
				abort(); /* the 400 must say why */
			return;
		}
	}
	function_settings_check(c.s, c.err, sizeof(c.err));
}

static void check_token(const char *given, const char *configured)
{
	char expected[GLINTD_TOKEN_MAX] = {0};
	size_t n = strlen(given);
	int want;

	snprintf(expected, sizeof(expected), "%s", configured);
	want = n < GLINTD_TOKEN_MAX && strcmp(given, expected) == 0;
	if (token_equal(given, n, expected) != want)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *method = next_field(&data, &size);
	char *target = next_field(&data, &size);
	char *given = next_field(&data, &size);
	char *configured = next_field(&data, &size);
	char *query = strchr(target, '?');

	/* libmicrohttpd ends the method at the first space. */
	method[strcspn(method, " ")] = '\0';

	if (query)
		*query++ = '\0';
	check_unescape(target);
	check_route(target, method);
	if (query)
		check_query(query);
	check_token(given, configured);
	free(configured);
	free(given);
	free(target);
	free(method);
	return 0;
}
