/* glint_json.h: a small JSON reader (over the input, no copies) and writer. */
#ifndef GLINT_JSON_H
#define GLINT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "glint_cdefs.h"

GLINT_BEGIN_DECLS

/*
 * Reading. glint_json_parse() validates a whole document (RFC 8259,
 * nesting at most GLINT_JSON_MAX_DEPTH) without allocating; afterwards a
 * struct glint_json is a view of one value inside the caller's text, which
 * must outlive it. Lookups never read outside the text. Typical use:
 *
 *     struct glint_json doc, name;
 *     char buf[64];
 *
 *     if (glint_json_parse(input, input_len, &doc, &err) < 0)
 *             glint_fail("bad JSON at byte %zu: %s", err.offset, err.message);
 *     if (glint_json_get(&doc, "name", &name) == 0 &&
 *         glint_json_to_string(&name, buf, sizeof(buf), NULL) == 0)
 *             ...
 *
 * Errors are negative errno values: -EINVAL (wrong type or malformed),
 * -ENOENT (no such member or index), -ENOSPC (buffer too small), -ERANGE
 * (number does not fit).
 */

#define GLINT_JSON_MAX_DEPTH 64

enum glint_json_type {
	GLINT_JSON_INVALID = 0,
	GLINT_JSON_NULL,
	GLINT_JSON_BOOL,
	GLINT_JSON_NUMBER,
	GLINT_JSON_STRING,
	GLINT_JSON_ARRAY,
	GLINT_JSON_OBJECT,
};

struct glint_json {
	const char *text; /* first byte of the value */
	size_t len;	  /* bytes of the value, quotes/brackets included */
	enum glint_json_type type;
};

struct glint_json_error {
	size_t offset;	     /* byte where the problem was found */
	const char *message; /* static text, e.g. "expected ':'" */
};

int glint_json_parse(const char *text, size_t len, struct glint_json *root,
		     struct glint_json_error *err);

/* Member of an object by key (keys compared after unescaping); when a key
 * repeats, the last one wins, as in most JSON libraries. */
int glint_json_get(const struct glint_json *obj, const char *key,
		   struct glint_json *out);
/* Element i of an array (counting from 0). */
int glint_json_at(const struct glint_json *arr, size_t i,
		  struct glint_json *out);
/* Elements of an array or members of an object; 0 for other values. */
size_t glint_json_count(const struct glint_json *v);

/* Walks an array or object in order. key is set for object members only
 * (pass NULL for arrays). Returns true while there is a next item. */
struct glint_json_iter {
	const char *pos, *end;
};
void glint_json_iter_init(const struct glint_json *v,
			  struct glint_json_iter *it);
bool glint_json_iter_next(struct glint_json_iter *it, struct glint_json *key,
			  struct glint_json *val);

/* Unescaped string (UTF-8, \uXXXX and surrogate pairs decoded) into buf,
 * NUL-terminated. *len_out (if not NULL) gets the unescaped length, which
 * may include NULs from \u0000; on -ENOSPC it gets the size needed minus
 * one. */
int glint_json_to_string(const struct glint_json *v, char *buf, size_t cap,
			 size_t *len_out);
/* The same, into a fresh malloc'd buffer (NULL: not a string or no heap). */
char *glint_json_strdup(const struct glint_json *v, size_t *len_out);
/* Numbers: to_int accepts integers only (no fraction or exponent). */
int glint_json_to_int(const struct glint_json *v, int64_t *out);
int glint_json_to_double(const struct glint_json *v, double *out);
int glint_json_to_bool(const struct glint_json *v, bool *out);
bool glint_json_is_null(const struct glint_json *v);

/*
 * Writing. A writer emits compact JSON through a sink (by default the
 * response body), inserting commas and colons itself and escaping every
 * string, so its output is always valid JSON text:
 *
 *     struct glint_json_writer w;
 *
 *     glint_json_writer_init(&w, NULL, NULL);
 *     glint_json_begin_object(&w);
 *     glint_json_key(&w, "greeting");
 *     glint_json_string(&w, "Hello, \"Ada\"!");
 *     glint_json_end_object(&w);
 *
 * Misuse (a value where a key belongs, an unbalanced end, nesting deeper
 * than GLINT_JSON_MAX_DEPTH) stops the writer: further calls do nothing and
 * glint_json_writer_finish() returns -EINVAL.
 */
typedef void (*glint_json_write_fn)(void *ctx, const char *buf, size_t len);

struct glint_json_writer {
	glint_json_write_fn write;
	void *ctx;
	int err;
	unsigned depth;
	bool expect_key; /* inside an object, waiting for a key */
	bool need_comma;
	char stack[GLINT_JSON_MAX_DEPTH]; /* '{' or '[' per open level */
};

/* write == NULL appends to the response body (glint_write). */
void glint_json_writer_init(struct glint_json_writer *w,
			    glint_json_write_fn write, void *ctx);
/* 0 when everything was written and every container closed. */
int glint_json_writer_finish(struct glint_json_writer *w);

void glint_json_begin_object(struct glint_json_writer *w);
void glint_json_end_object(struct glint_json_writer *w);
void glint_json_begin_array(struct glint_json_writer *w);
void glint_json_end_array(struct glint_json_writer *w);
void glint_json_key(struct glint_json_writer *w, const char *key);
void glint_json_string(struct glint_json_writer *w, const char *s);
void glint_json_stringn(struct glint_json_writer *w, const char *s, size_t len);
void glint_json_int(struct glint_json_writer *w, int64_t v);
void glint_json_uint(struct glint_json_writer *w, uint64_t v);
/* Shortest form that reads back the same; NaN and infinities as null. */
void glint_json_double(struct glint_json_writer *w, double v);
void glint_json_bool(struct glint_json_writer *w, bool v);
void glint_json_null(struct glint_json_writer *w);

GLINT_END_DECLS

#endif /* GLINT_JSON_H */
