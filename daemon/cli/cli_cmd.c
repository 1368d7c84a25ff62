/* cli_cmd.c: what glint's subcommands share: failure reports and requests to glintd. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli_cmd.h"
#include "cli_output.h"

void cli_print_json_pack(const char *fmt, ...)
{
	va_list ap;
	json_t *o;
	char *s;

	va_start(ap, fmt);
	o = json_vpack_ex(NULL, 0, fmt, ap);
	va_end(ap);
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	if (s)
		puts(s);
	free(s);
	json_decref(o);
}

/* ---- talking to glintd ---- */

int cli_request(struct cli *c, const char *method, const char *path,
		const void *body, size_t len, long timeout_s,
		struct cli_resp *r)
{
	char err[256];
	int rc;

	c->srv.timeout_s = timeout_s;
	rc = cli_http_request(&c->srv, method, path, body, len, r, err,
			      sizeof(err));
	if (rc == -ENOMEM) {
		cli_resp_free(r);
		return cli_fail("out of memory");
	}
	if (rc < 0) {
		cli_resp_free(r);
		fprintf(stderr,
			"glint: cannot connect to %s: %s (is glintd running? "
			"set --url or GLINT_URL)\n",
			c->url, err);
		return CLI_EXIT_UNREACHABLE;
	}
	return CLI_EXIT_OK;
}

int cli_server_said_no(struct cli *c, const char *function,
		       const struct cli_resp *r)
{
	char line[1024];

	cli_output_error_line(r->status, r->body, r->len, function, line,
			      sizeof(line));
	if (c->json && r->len && r->body[0] == '{')
		cli_output_raw_json(r->body, r->len);
	fprintf(stderr, "glint: %s\n", line);
	return CLI_EXIT_REFUSED;
}

int cli_get_json(struct cli *c, const char *path, const char *function,
		 struct cli_resp *r, json_t **out)
{
	json_error_t jerr;
	int rc = cli_request(c, "GET", path, NULL, 0, CLI_QUERY_TIMEOUT_S, r);

	*out = NULL;
	if (rc != CLI_EXIT_OK)
		return rc;
	if (r->status != 200)
		return cli_server_said_no(c, function, r);
	*out = json_loadb(r->body, r->len, 0, &jerr);
	if (!*out || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return cli_fail("glintd sent a response that is not a JSON "
				"object (%s); is %s really glintd?",
				jerr.text[0] ? jerr.text : "wrong type",
				c->url);
	}
	return CLI_EXIT_OK;
}

int cli_show_json(struct cli *c, const char *path, const char *function,
		  void (*print)(json_t *doc))
{
	struct cli_resp r;
	json_t *doc;
	int rc = cli_get_json(c, path, function, &r, &doc);

	if (rc == CLI_EXIT_OK) {
		if (c->json)
			cli_output_raw_json(r.body, r.len);
		else
			print(doc);
	}
	json_decref(doc);
	cli_resp_free(&r);
	return rc;
}

int cli_send_ok(struct cli *c, const char *method, const char *path,
		const void *body, size_t len, const char *name, long ok,
		struct cli_resp *r)
{
	int rc = cli_request(c, method, path, body, len, CLI_DEPLOY_TIMEOUT_S,
			     r);

	if (rc != CLI_EXIT_OK)
		return rc;
	if (r->status != ok) {
		rc = cli_server_said_no(c, name, r);
		cli_resp_free(r);
	}
	return rc;
}
