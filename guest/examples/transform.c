/* transform.c: calls an HTTP API and reshapes its JSON answer. It GETs the
 * order at $TRANSFORM_API_URL?id=ID, an object such as
 *   {"id":"A17","items":[{"sku":"pen","price_cents":250,"qty":4}, ...]}
 * and answers with its summary:
 *   {"id":"A17","lines":2,"skus":["pen","ink"],"units":5,"total_cents":1199}
 *
 * The function may reach only what its allow-list names:
 *   glint deploy transform transform.elf \
 *       --allow-fetch https://orders.example.com/
 *   glint env set transform TRANSFORM_API_URL=https://orders.example.com/v1
 *   curl 'localhost:8080/invoke/transform?id=A17'
 * An upstream error or an answer of the wrong shape is a 502 that says
 * what went wrong. */
#include <glint.h>
#include <glint_json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANSWER_MAX (256 * 1024)

static void answer_error(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void answer_error(int status, const char *fmt, ...)
{
	struct glint_json_writer out;
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	glint_set_status(status);
	glint_json_writer_init(&out, NULL, NULL);
	glint_json_begin_object(&out);
	glint_json_key(&out, "error");
	glint_json_string(&out, why);
	glint_json_end_object(&out);
}

static int id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') ||
		      (id[i] >= 'A' && id[i] <= 'Z') ||
		      (id[i] >= '0' && id[i] <= '9') || id[i] == '-'))
			return 0;
	return 1;
}

/* One item: its sku into the list, its price and quantity into the sums.
 * 0, or -1 when the item is not {"sku":s,"price_cents":n,"qty":n}. */
static int add_item(const struct glint_json *item,
		    struct glint_json_writer *skus, int64_t *units,
		    int64_t *total)
{
	struct glint_json sku, price, qty;
	int64_t p, q;
	char name[64];

	if (glint_json_get(item, "sku", &sku) < 0 ||
	    glint_json_to_string(&sku, name, sizeof(name), NULL) < 0 ||
	    glint_json_get(item, "price_cents", &price) < 0 ||
	    glint_json_to_int(&price, &p) < 0 ||
	    glint_json_get(item, "qty", &qty) < 0 ||
	    glint_json_to_int(&qty, &q) < 0 || p < 0 || q < 0 ||
	    p > 1000000000 || q > 1000000)
		return -1;
	glint_json_string(skus, name);
	*units += q;
	*total += p * q;
	return 0;
}

/* Writes the summary of the order in body, or a 502 when it has the wrong
 * shape. */
static void summarise(const char *body, size_t len)
{
	struct glint_json doc, id, items, item;
	struct glint_json_writer out;
	struct glint_json_error err;
	int64_t units = 0, total = 0;
	size_t n;
	char oid[64];

	if (glint_json_parse(body, len, &doc, &err) < 0 ||
	    glint_json_get(&doc, "id", &id) < 0 ||
	    glint_json_to_string(&id, oid, sizeof(oid), NULL) < 0 ||
	    glint_json_get(&doc, "items", &items) < 0 ||
	    items.type != GLINT_JSON_ARRAY) {
		answer_error(502, "the API's answer is not an order");
		return;
	}
	n = glint_json_count(&items);
	glint_json_writer_init(&out, NULL, NULL);
	glint_json_begin_object(&out);
	glint_json_key(&out, "id");
	glint_json_string(&out, oid);
	glint_json_key(&out, "lines");
	glint_json_uint(&out, n);
	glint_json_key(&out, "skus");
	glint_json_begin_array(&out);
	for (size_t i = 0; i < n; i++)
		if (glint_json_at(&items, i, &item) < 0 ||
		    add_item(&item, &out, &units, &total) < 0) {
			glint_output_reset();
			answer_error(502,
				     "item %zu of the order is not "
				     "{sku, price_cents, qty}",
				     i);
			return;
		}
	glint_json_end_array(&out);
	glint_json_key(&out, "units");
	glint_json_int(&out, units);
	glint_json_key(&out, "total_cents");
	glint_json_int(&out, total);
	glint_json_end_object(&out);
}

void glint_handle(const char *input, size_t input_len)
{
	const char *api = getenv("TRANSFORM_API_URL");
	const char *id = glint_request_query("id");
	static const struct glint_http_header accept[] = {
		{"Accept", "application/json"}};
	struct glint_fetch f = {0};
	char url[1024];
	int rc;

	(void)input;
	(void)input_len;
	if (api == NULL || *api == '\0')
		glint_fail("TRANSFORM_API_URL is not set");
	if (!id_ok(id)) {
		answer_error(400,
			     "?id= must be 1 to 32 of A-Z, a-z, 0-9 and -");
		return;
	}
	snprintf(url, sizeof(url), "%s?id=%s", api, id);
	f.url = url;
	f.headers = accept;
	f.nheaders = 1;
	f.resp_cap = ANSWER_MAX;
	f.resp_buf = malloc(f.resp_cap);
	if (f.resp_buf == NULL)
		glint_fail("out of memory");
	rc = glint_http_fetch(&f);
	if (rc < 0)
		answer_error(502, "the API could not be reached (error %d)",
			     rc);
	else if (f.status == 404)
		answer_error(404, "no order %s", id);
	else if (f.status != 200)
		answer_error(502, "the API answered %d", f.status);
	else
		summarise((const char *)f.resp_body, f.resp_body_len);
	free(f.resp_buf);
}
