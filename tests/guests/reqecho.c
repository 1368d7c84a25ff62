/* reqecho.c: answers with everything it sees of the request, one item per
 * line, and lets the request choose its status and headers:
 *   ?status=N      glint_set_status(N)
 *   ?add=Name:Val  glint_add_header (repeatable, in order)
 *   ?set=Name:Val  glint_set_header
 *   ?ctype=T       glint_set_content_type(T) */
#include <glint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void header_param(const char *nv, int replace)
{
	char name[300];
	const char *colon = strchr(nv, ':');
	size_t n = colon ? (size_t)(colon - nv) : strlen(nv);

	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, nv, n);
	name[n] = '\0';
	if (replace)
		glint_set_header(name, colon ? colon + 1 : "");
	else
		glint_add_header(name, colon ? colon + 1 : "");
}

static void apply_controls(void)
{
	const char *n, *v;

	for (size_t i = 0; glint_request_query_at(i, &n, &v) == 0; i++) {
		if (strcmp(n, "status") == 0)
			glint_set_status(atoi(v));
		else if (strcmp(n, "add") == 0)
			header_param(v, 0);
		else if (strcmp(n, "set") == 0)
			header_param(v, 1);
		else if (strcmp(n, "ctype") == 0)
			glint_set_content_type(v);
	}
}

void glint_handle(const char *input, size_t input_len)
{
	const char *n, *v, *body;
	size_t body_len;

	apply_controls();
	glint_printf("method=%s\n", glint_request_method());
	glint_printf("path_raw=%s\n", glint_request_path_raw());
	glint_printf("path=%s\n", glint_request_path());
	glint_printf("query_raw=%s\n", glint_request_query_string());
	for (size_t i = 0; glint_request_query_at(i, &n, &v) == 0; i++)
		glint_printf("q:%s=%s\n", n, v);
	for (size_t i = 0; glint_request_header_at(i, &n, &v) == 0; i++)
		glint_printf("h:%s: %s\n", n, v);
	v = glint_request_header("x-glint-test");
	glint_printf("lookup=%s\n", v ? v : "(none)");
	glint_printf("client=%s:%u\n", glint_request_client_addr(),
		     glint_request_client_port() ? 1u : 0u);
	glint_printf("scheme=%s\n", glint_request_scheme());
	glint_printf("id=%s\n", glint_request_id());
	body = glint_request_body(&body_len);
	/* glint_handle's arguments are the same body */
	glint_printf("body_same=%d\n", body == input && body_len == input_len);
	glint_printf("body=");
	glint_write(input, input_len);
}
