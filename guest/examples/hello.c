/* hello.c: answers {"greeting": "Hello, <name>!"} for GET ?name=<name> or a
 * POSTed {"name": "..."}. */
#include <glint.h>
#include <glint_json.h>
#include <stdio.h>

void glint_handle(const char *input, size_t input_len)
{
	struct glint_json doc, name_value;
	struct glint_json_error err;
	struct glint_json_writer out;
	char name[256] = "world";
	char greeting[300];
	const char *q = glint_request_query("name");

	/* GET /invoke/hello?name=Ada; an empty body is fine: greet the
	 * world. */
	if (q)
		snprintf(name, sizeof(name), "%s", q);
	else if (input_len > 0) {
		if (glint_json_parse(input, input_len, &doc, &err) < 0)
			glint_fail("request is not valid JSON: %s at byte %zu",
				   err.message, err.offset);
		if (doc.type != GLINT_JSON_OBJECT)
			glint_fail("request must be a JSON object");
		if (glint_json_get(&doc, "name", &name_value) == 0 &&
		    glint_json_to_string(&name_value, name, sizeof(name),
					 NULL) < 0)
			glint_fail("\"name\" must be a string of at most %zu "
				   "bytes",
				   sizeof(name) - 1);
	}

	snprintf(greeting, sizeof(greeting), "Hello, %s!", name);
	glint_log_info("greeted %s", name);

	/* The writer escapes the name: quotes in it cannot break the JSON. */
	glint_json_writer_init(&out, NULL, NULL);
	glint_json_begin_object(&out);
	glint_json_key(&out, "greeting");
	glint_json_string(&out, greeting);
	glint_json_end_object(&out);
}
