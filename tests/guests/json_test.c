/* json_test.c: the guest JSON reader and writer on valid, malformed and hostile input, on the host. */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "guest/include/glint_json.h"
#include "host_stubs.h"
#include "../check_run.h"

/* Parsed copies live as long as the test's documents; the fixture's
 * teardown frees them. */
#define MAX_COPIES 16
static char *copies[MAX_COPIES];
static size_t ncopies;

static void free_copies(void)
{
	while (ncopies > 0)
		free(copies[--ncopies]);
}

/* Parses a copy in an exact-size heap block, so an overread would be a
 * real out-of-bounds read (caught under ASan). */
static int parse(const char *text, struct glint_json *root,
		 struct glint_json_error *err)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	ck_assert_uint_lt(ncopies, MAX_COPIES);
	memcpy(copy, text, len);
	rc = glint_json_parse(copy, len, root, err);
	if (rc < 0)
		free(copy);
	else
		copies[ncopies++] = copy;
	return rc;
}

START_TEST(reads_members)
{
	struct glint_json doc, v, e;
	char buf[64];
	int64_t i;
	double d;
	bool b;

	ck_assert_int_eq(parse(" {\"name\":\"Ada\", \"age\": 36, \"pi\": "
			       "3.25e0, \"ok\": true, \"nil\": null, "
			       "\"list\": [1, [2, 3], {\"x\": \"}\"}], "
			       "\"name\": \"Grace\"} ",
			       &doc, NULL),
			 0);
	ck_assert_int_eq(doc.type, GLINT_JSON_OBJECT);
	ck_assert_uint_eq(glint_json_count(&doc), 7);
	ck_assert_int_eq(glint_json_get(&doc, "name", &v), 0);
	ck_assert_int_eq(glint_json_to_string(&v, buf, sizeof(buf), NULL), 0);
	ck_assert_str_eq(buf, "Grace"); /* the last duplicate wins */
	ck_assert_int_eq(glint_json_get(&doc, "age", &v), 0);
	ck_assert_int_eq(glint_json_to_int(&v, &i), 0);
	ck_assert_int_eq(i, 36);
	ck_assert_int_eq(glint_json_get(&doc, "pi", &v), 0);
	ck_assert_int_eq(glint_json_to_int(&v, &i), -EINVAL);
	ck_assert_int_eq(glint_json_to_double(&v, &d), 0);
	ck_assert(d == 3.25);
	ck_assert_int_eq(glint_json_get(&doc, "ok", &v), 0);
	ck_assert_int_eq(glint_json_to_bool(&v, &b), 0);
	ck_assert(b);
	ck_assert_int_eq(glint_json_get(&doc, "nil", &v), 0);
	ck_assert(glint_json_is_null(&v));
	ck_assert_int_eq(glint_json_get(&doc, "missing", &v), -ENOENT);
	ck_assert_int_eq(glint_json_get(&doc, "list", &v), 0);
	ck_assert_uint_eq(glint_json_count(&v), 3);
	ck_assert_int_eq(glint_json_at(&v, 1, &e), 0);
	ck_assert_int_eq(e.type, GLINT_JSON_ARRAY);
	ck_assert_int_eq((int)e.len, 6);
	ck_assert_int_eq(glint_json_at(&v, 2, &e), 0);
	ck_assert_int_eq(glint_json_get(&e, "x", &e), 0);
	ck_assert_int_eq(glint_json_to_string(&e, buf, sizeof(buf), NULL), 0);
	ck_assert_str_eq(buf, "}");
	ck_assert_int_eq(glint_json_at(&v, 3, &e), -ENOENT);
	ck_assert_int_eq(glint_json_get(&v, "x", &e), -EINVAL);
}
END_TEST

START_TEST(unescapes_strings)
{
	struct glint_json doc, v;
	char buf[64];
	size_t len;

	ck_assert_int_eq(
		parse("{\"k\\u0065y\": \"a\\\"b\\\\c\\/\\n\\t"
		      "\\u00e9\\u20ac\\ud83d\\ude00\\ud800x\\u0000z\"}",
		      &doc, NULL),
		0);
	/* Keys match after unescaping. */
	ck_assert_int_eq(glint_json_get(&doc, "key", &v), 0);
	ck_assert_int_eq(glint_json_to_string(&v, buf, sizeof(buf), &len), 0);
	ck_assert_uint_eq(len, 23);
	ck_assert_int_eq(
		memcmp(buf,
		       "a\"b\\c/\n\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
		       "\xef\xbf\xbdx\0z",
		       len),
		0);
	/* Too small a buffer: -ENOSPC, the needed length, and no overflow. */
	memset(buf, '#', sizeof(buf));
	ck_assert_int_eq(glint_json_to_string(&v, buf, 5, &len), -ENOSPC);
	ck_assert_uint_eq(len, 23);
	ck_assert_int_eq(buf[5], '#');
	ck_assert_int_eq(glint_json_to_int(&v, &(int64_t){0}), -EINVAL);
}
END_TEST

START_TEST(rejects_malformed)
{
	static const char *const bad[] = {"",		"   ",
					  "{",		"}",
					  "[1,]",	"[,1]",
					  "{\"a\"}",	"{\"a\":}",
					  "{\"a\" 1}",	"{a:1}",
					  "{\"a\":1,}", "[1 2]",
					  "\"abc",	"\"a\\x\"",
					  "\"\\u12\"",	"\"\\u12g4\"",
					  "\"a\tb\"",	"tru",
					  "nul",	"01",
					  "-",		"1.",
					  ".5",		"1e",
					  "1e+",	"+1",
					  "[1]x",	"{} {}",
					  "\"\xc3\"",	"\"\xed\xa0\x80\"",
					  "\"\xff\"",	"[\"a\\",
					  "NaN",	"[1,2",
					  "{\"a\":[}"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct glint_json doc;
		struct glint_json_error err = {0, NULL};

		ck_assert_msg(parse(bad[i], &doc, &err) == -EINVAL,
			      "accepted malformed \"%s\"", bad[i]);
		ck_assert_ptr_nonnull(err.message);
		ck_assert_uint_le(err.offset, strlen(bad[i]));
		ck_assert_int_eq(doc.type, GLINT_JSON_INVALID);
	}
}
END_TEST

START_TEST(limits_depth)
{
	char deep[2 * GLINT_JSON_MAX_DEPTH + 3];
	struct glint_json doc;
	struct glint_json_error err;
	size_t n = GLINT_JSON_MAX_DEPTH;

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	ck_assert_int_eq(parse(deep, &doc, &err), 0);
	memset(deep, '[', n + 1);
	memset(deep + n + 1, ']', n + 1);
	deep[2 * n + 2] = '\0';
	ck_assert_int_eq(parse(deep, &doc, &err), -EINVAL);
	ck_assert_str_eq(err.message, "nesting too deep");
}
END_TEST

START_TEST(survives_every_truncation)
{
	static const char doc_text[] =
		"{\"a\": [1, -2.5e3, \"x\\u00e9\\\"\", {\"b\": null}], "
		"\"c\": {\"d\": [true, false, []]}, \"e\": \"\\ud83d\\ude00\"}";
	size_t len = strlen(doc_text);

	/* Every prefix is malformed except the whole; none reads past it. */
	for (size_t n = 0; n < len; n++) {
		char *copy = malloc(n ? n : 1);
		struct glint_json doc;

		memcpy(copy, doc_text, n);
		ck_assert_int_eq(glint_json_parse(copy, n, &doc, NULL),
				 -EINVAL);
		free(copy);
	}
	{
		struct glint_json doc, v;

		ck_assert_int_eq(parse(doc_text, &doc, NULL), 0);
		ck_assert_int_eq(glint_json_get(&doc, "e", &v), 0);
		ck_assert_uint_eq(glint_json_count(&doc), 3);
	}
}
END_TEST

START_TEST(int_ranges)
{
	struct glint_json doc, v;
	int64_t i;

	ck_assert_int_eq(parse("[9223372036854775807, -9223372036854775808, "
			       "9223372036854775808, 1e3, -0]",
			       &doc, NULL),
			 0);
	glint_json_at(&doc, 0, &v);
	ck_assert_int_eq(glint_json_to_int(&v, &i), 0);
	ck_assert_int_eq(i, INT64_MAX);
	glint_json_at(&doc, 1, &v);
	ck_assert_int_eq(glint_json_to_int(&v, &i), 0);
	ck_assert_int_eq(i, INT64_MIN);
	glint_json_at(&doc, 2, &v);
	ck_assert_int_eq(glint_json_to_int(&v, &i), -ERANGE);
	glint_json_at(&doc, 3, &v);
	ck_assert_int_eq(glint_json_to_int(&v, &i), -EINVAL);
	glint_json_at(&doc, 4, &v);
	ck_assert_int_eq(glint_json_to_int(&v, &i), 0);
	ck_assert_int_eq(i, 0);
}
END_TEST

/* ---- writer ----------------------------------------------------------------- */

static char wbuf[4096];
static size_t wlen;

static void to_wbuf(void *ctx, const char *buf, size_t len)
{
	ck_assert_ptr_eq(ctx, wbuf);
	ck_assert_uint_le(wlen + len, sizeof(wbuf));
	memcpy(wbuf + wlen, buf, len);
	wlen += len;
}

START_TEST(writer_escapes_and_round_trips)
{
	static const char nasty[] = "q\"uote\\ back\nnl\ttab\x01\x1f\x7f "
				    "</script> \xc3\xa9";
	struct glint_json_writer w;
	json_error_t jerr;
	json_t *root;

	wlen = 0;
	glint_json_writer_init(&w, to_wbuf, wbuf);
	glint_json_begin_object(&w);
	glint_json_key(&w, "s\"k");
	glint_json_string(&w, nasty);
	glint_json_key(&w, "n");
	glint_json_begin_array(&w);
	glint_json_int(&w, INT64_MIN);
	glint_json_uint(&w, 1ull << 40);
	glint_json_double(&w, 0.1);
	glint_json_double(&w, 1.0 / 0.0);
	glint_json_bool(&w, true);
	glint_json_null(&w);
	glint_json_begin_object(&w);
	glint_json_end_object(&w);
	glint_json_end_array(&w);
	glint_json_end_object(&w);
	ck_assert_int_eq(glint_json_writer_finish(&w), 0);

	root = json_loadb(wbuf, wlen, 0, &jerr);
	ck_assert_msg(root != NULL, "writer output is not JSON: %s: %.*s",
		      jerr.text, (int)wlen, wbuf);
	ck_assert_str_eq(json_string_value(json_object_get(root, "s\"k")),
			 nasty);
	ck_assert(json_real_value(json_array_get(json_object_get(root, "n"),
						 2)) == 0.1);
	ck_assert(json_is_null(json_array_get(json_object_get(root, "n"), 3)));
	json_decref(root);
	/* Our own reader agrees. */
	{
		struct glint_json doc, v;
		char s[128];

		ck_assert_int_eq(glint_json_parse(wbuf, wlen, &doc, NULL), 0);
		ck_assert_int_eq(glint_json_get(&doc, "s\"k", &v), 0);
		ck_assert_int_eq(glint_json_to_string(&v, s, sizeof(s), NULL),
				 0);
		ck_assert_str_eq(s, nasty);
	}
}
END_TEST

START_TEST(writer_refuses_misuse)
{
	struct glint_json_writer w;

	glint_json_writer_init(&w, to_wbuf, wbuf);
	glint_json_begin_object(&w);
	glint_json_int(&w, 1); /* a value where a key belongs */
	ck_assert_int_eq(glint_json_writer_finish(&w), -EINVAL);

	glint_json_writer_init(&w, to_wbuf, wbuf);
	glint_json_begin_array(&w);
	glint_json_end_object(&w);
	ck_assert_int_eq(glint_json_writer_finish(&w), -EINVAL);

	glint_json_writer_init(&w, to_wbuf, wbuf);
	glint_json_begin_array(&w);
	ck_assert_int_eq(glint_json_writer_finish(&w), -EINVAL);

	wlen = 0;
	glint_json_writer_init(&w, to_wbuf, wbuf);
	for (int i = 0; i < GLINT_JSON_MAX_DEPTH + 5; i++)
		glint_json_begin_array(&w);
	ck_assert_int_eq(glint_json_writer_finish(&w), -EINVAL);
	ck_assert_uint_eq(wlen, GLINT_JSON_MAX_DEPTH);
}
END_TEST

START_TEST(writer_defaults_to_output)
{
	struct glint_json_writer w;

	stub_output_len = 0;
	glint_json_writer_init(&w, NULL, NULL);
	glint_json_begin_object(&w);
	glint_json_key(&w, "greeting");
	glint_json_string(&w, "Hello, \"Ada\"!");
	glint_json_end_object(&w);
	ck_assert_int_eq(glint_json_writer_finish(&w), 0);
	ck_assert_uint_eq(stub_output_len, strlen("{\"greeting\":\"Hello, "
						  "\\\"Ada\\\"!\"}"));
	ck_assert_int_eq(memcmp(stub_output,
				"{\"greeting\":\"Hello, \\\"Ada\\\"!\"}",
				stub_output_len),
			 0);
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("guest JSON");
	TCase *rd = tcase_create("reader");
	TCase *wr = tcase_create("writer");

	tcase_add_checked_fixture(rd, NULL, free_copies);
	tcase_add_checked_fixture(wr, NULL, free_copies);
	tcase_add_test(rd, reads_members);
	tcase_add_test(rd, unescapes_strings);
	tcase_add_test(rd, rejects_malformed);
	tcase_add_test(rd, limits_depth);
	tcase_add_test(rd, survives_every_truncation);
	tcase_add_test(rd, int_ranges);
	tcase_add_test(wr, writer_escapes_and_round_trips);
	tcase_add_test(wr, writer_refuses_misuse);
	tcase_add_test(wr, writer_defaults_to_output);
	suite_add_tcase(s, rd);
	suite_add_tcase(s, wr);
	return s;
}

int main(void)
{
	return check_run(json_suite());
}
