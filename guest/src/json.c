/* json.c: validating JSON reader over the caller's text, and an escaping writer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glint.h"
#include "glint_json.h"

/* ---- validation ------------------------------------------------------------ */

struct parser {
	const char *start, *p, *end;
	const char *error;
};

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int fail(struct parser *ps, const char *why)
{
	if (!ps->error)
		ps->error = why;
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, "invalid literal");
	ps->p += n;
	return 0;
}

/* Length of a valid UTF-8 sequence at p (RFC 3629), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static int parse_string(struct parser *ps)
{
	ps->p++; /* opening quote */
	while (ps->p < ps->end) {
		unsigned char c = (unsigned char)*ps->p;
		size_t n;

		if (c == '"') {
			ps->p++;
			return 0;
		}
		if (c < 0x20)
			return fail(ps, "control character in string");
		if (c == '\\') {
			if (ps->end - ps->p < 2)
				break;
			c = (unsigned char)ps->p[1];
			if (c == 'u') {
				if (ps->end - ps->p < 6 ||
				    hexval(ps->p[2]) < 0 ||
				    hexval(ps->p[3]) < 0 ||
				    hexval(ps->p[4]) < 0 ||
				    hexval(ps->p[5]) < 0)
					return fail(ps, "bad \\u escape");
				ps->p += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", c) || c == '\0')
				return fail(ps, "bad escape in string");
			ps->p += 2;
			continue;
		}
		n = utf8_len((const unsigned char *)ps->p,
			     (const unsigned char *)ps->end);
		if (n == 0)
			return fail(ps, "invalid UTF-8 in string");
		ps->p += n;
	}
	return fail(ps, "unterminated string");
}

static int digits(struct parser *ps)
{
	const char *s = ps->p;

	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return ps->p == s ? fail(ps, "expected a digit") : 0;
}

static int parse_number(struct parser *ps)
{
	if (*ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0')
		ps->p++;
	else if (digits(ps) < 0)
		return -EINVAL;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (digits(ps) < 0)
			return -EINVAL;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (digits(ps) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_value(struct parser *ps, unsigned depth);

/* Arrays and objects: close is ']' or '}'. */
static int parse_container(struct parser *ps, unsigned depth, char close)
{
	if (depth >= GLINT_JSON_MAX_DEPTH)
		return fail(ps, "nesting too deep");
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "expected a string key");
			if (parse_string(ps) < 0)
				return -EINVAL;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return fail(ps, "expected ':'");
			ps->p++;
		}
		if (parse_value(ps, depth + 1) < 0)
			return -EINVAL;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return 0;
		}
		if (ps->p >= ps->end || *ps->p != ',')
			return fail(ps, close == '}' ? "expected ',' or '}'"
						     : "expected ',' or ']'");
		ps->p++;
		skip_ws(ps);
	}
}

static int parse_value(struct parser *ps, unsigned depth)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end of input");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, depth, '}');
	case '[':
		return parse_container(ps, depth, ']');
	case '"':
		return parse_string(ps);
	case 't':
		return parse_literal(ps, "true");
	case 'f':
		return parse_literal(ps, "false");
	case 'n':
		return parse_literal(ps, "null");
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps);
		return fail(ps, "unexpected character");
	}
}

static enum glint_json_type type_of(char c)
{
	switch (c) {
	case '{':
		return GLINT_JSON_OBJECT;
	case '[':
		return GLINT_JSON_ARRAY;
	case '"':
		return GLINT_JSON_STRING;
	case 't':
	case 'f':
		return GLINT_JSON_BOOL;
	case 'n':
		return GLINT_JSON_NULL;
	default:
		return GLINT_JSON_NUMBER;
	}
}

int glint_json_parse(const char *text, size_t len, struct glint_json *root,
		     struct glint_json_error *err)
{
	struct parser ps = {text, text, text + len, NULL};
	const char *value;
	int rc;

	memset(root, 0, sizeof(*root));
	skip_ws(&ps);
	value = ps.p;
	rc = parse_value(&ps, 0);
	if (rc == 0) {
		root->text = value;
		root->len = (size_t)(ps.p - value);
		root->type = type_of(*value);
		skip_ws(&ps);
		if (ps.p != ps.end)
			rc = fail(&ps, "trailing characters after the value");
	}
	if (rc < 0) {
		memset(root, 0, sizeof(*root));
		if (err) {
			err->offset = (size_t)(ps.p - text);
			err->message = ps.error;
		}
	}
	return rc;
}

/* ---- navigation over validated text ----------------------------------------- */

static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return end;
}

/* End of the value starting at p (valid JSON, so only bounds matter). */
static const char *skip_value(const char *p, const char *end)
{
	unsigned depth = 0;

	if (p < end && *p == '"')
		return skip_string(p, end);
	if (p < end && *p != '{' && *p != '[') {
		while (p < end && *p != ',' && *p != ']' && *p != '}' &&
		       *p != ':' && *p != ' ' && *p != '\t' && *p != '\r' &&
		       *p != '\n')
			p++;
		return p;
	}
	for (; p < end; p++) {
		if (*p == '"')
			p = skip_string(p, end) - 1;
		else if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
	}
	return end;
}

static const char *skip_ws_p(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

void glint_json_iter_init(const struct glint_json *v,
			  struct glint_json_iter *it)
{
	if (v->type == GLINT_JSON_ARRAY || v->type == GLINT_JSON_OBJECT) {
		it->pos = v->text + 1;
		it->end = v->text + v->len - 1;
	} else {
		it->pos = it->end = NULL;
	}
}

static void span(struct glint_json *out, const char *p, const char *end)
{
	out->text = p;
	out->len = (size_t)(end - p);
	out->type = type_of(*p);
}

bool glint_json_iter_next(struct glint_json_iter *it, struct glint_json *key,
			  struct glint_json *val)
{
	const char *p, *e;
	bool is_object;

	if (it->pos == NULL || it->pos >= it->end)
		return false;
	is_object = *it->end == '}';
	p = skip_ws_p(it->pos, it->end);
	if (*p == ',')
		p = skip_ws_p(p + 1, it->end);
	if (p >= it->end)
		return false;
	if (is_object) {
		e = skip_value(p, it->end);
		if (key)
			span(key, p, e);
		p = skip_ws_p(e, it->end);
		p = skip_ws_p(p + 1, it->end); /* the ':' */
	}
	e = skip_value(p, it->end);
	if (val)
		span(val, p, e);
	it->pos = e;
	return true;
}

/* Decodes one source character of a JSON string body at *p into out
 * (1-4 UTF-8 bytes); returns the byte count. */
static size_t decode_char(const char **p, const char *end, char out[4])
{
	const char *s = *p;
	unsigned cp;

	if (*s != '\\' || end - s < 2) {
		out[0] = *s;
		*p = s + 1;
		return 1;
	}
	*p = s + 2;
	switch (s[1]) {
	case 'b':
		return out[0] = '\b', 1;
	case 'f':
		return out[0] = '\f', 1;
	case 'n':
		return out[0] = '\n', 1;
	case 'r':
		return out[0] = '\r', 1;
	case 't':
		return out[0] = '\t', 1;
	case 'u':
		break;
	default:
		return out[0] = s[1], 1;
	}
	if (end - s < 6)
		return 0;
	cp = (unsigned)(hexval(s[2]) << 12 | hexval(s[3]) << 8 |
			hexval(s[4]) << 4 | hexval(s[5]));
	*p = s + 6;
	if (cp >= 0xd800 && cp <= 0xdbff && end - s >= 12 && s[6] == '\\' &&
	    s[7] == 'u') {
		unsigned lo =
			(unsigned)(hexval(s[8]) << 12 | hexval(s[9]) << 8 |
				   hexval(s[10]) << 4 | hexval(s[11]));

		if (lo >= 0xdc00 && lo <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			*p = s + 12;
		}
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		cp = 0xfffd; /* a lone surrogate has no UTF-8 form */
	if (cp < 0x80)
		return out[0] = (char)cp, 1;
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static bool key_equals(const struct glint_json *k, const char *key)
{
	const char *p = k->text + 1, *end = k->text + k->len - 1;
	size_t klen = strlen(key), pos = 0;
	char buf[4];

	while (p < end) {
		size_t n = decode_char(&p, end, buf);

		if (n == 0 || n > klen - pos || memcmp(key + pos, buf, n) != 0)
			return false;
		pos += n;
	}
	return pos == klen;
}

int glint_json_get(const struct glint_json *obj, const char *key,
		   struct glint_json *out)
{
	struct glint_json_iter it;
	struct glint_json k, v;
	bool found = false;

	if (obj->type != GLINT_JSON_OBJECT)
		return -EINVAL;
	glint_json_iter_init(obj, &it);
	while (glint_json_iter_next(&it, &k, &v)) {
		if (key_equals(&k, key)) {
			*out = v;
			found = true;
		}
	}
	return found ? 0 : -ENOENT;
}

int glint_json_at(const struct glint_json *arr, size_t i,
		  struct glint_json *out)
{
	struct glint_json_iter it;
	struct glint_json v;

	if (arr->type != GLINT_JSON_ARRAY)
		return -EINVAL;
	glint_json_iter_init(arr, &it);
	while (glint_json_iter_next(&it, NULL, &v)) {
		if (i-- == 0) {
			*out = v;
			return 0;
		}
	}
	return -ENOENT;
}

size_t glint_json_count(const struct glint_json *v)
{
	struct glint_json_iter it;
	size_t n = 0;

	glint_json_iter_init(v, &it);
	while (glint_json_iter_next(&it, NULL, NULL))
		n++;
	return n;
}

int glint_json_to_string(const struct glint_json *v, char *buf, size_t cap,
			 size_t *len_out)
{
	const char *p, *end;
	size_t used = 0;
	char tmp[4];

	if (v->type != GLINT_JSON_STRING)
		return -EINVAL;
	p = v->text + 1;
	end = v->text + v->len - 1;
	while (p < end) {
		size_t n = decode_char(&p, end, tmp);

		if (buf && used + n < cap)
			memcpy(buf + used, tmp, n);
		used += n;
	}
	if (len_out)
		*len_out = used;
	if (used >= cap) {
		if (buf && cap > 0)
			buf[0] = '\0';
		return -ENOSPC;
	}
	buf[used] = '\0';
	return 0;
}

char *glint_json_strdup(const struct glint_json *v, size_t *len_out)
{
	size_t len;
	char *s;

	if (glint_json_to_string(v, NULL, 0, &len) != -ENOSPC)
		return NULL;
	s = malloc(len + 1);
	if (s && glint_json_to_string(v, s, len + 1, len_out) < 0) {
		free(s);
		s = NULL;
	}
	return s;
}

int glint_json_to_int(const struct glint_json *v, int64_t *out)
{
	char buf[32];
	char *end;
	long long x;

	if (v->type != GLINT_JSON_NUMBER)
		return -EINVAL;
	if (v->len >= sizeof(buf) || memchr(v->text, '.', v->len) ||
	    memchr(v->text, 'e', v->len) || memchr(v->text, 'E', v->len))
		return v->len >= sizeof(buf) ? -ERANGE : -EINVAL;
	memcpy(buf, v->text, v->len);
	buf[v->len] = '\0';
	errno = 0;
	x = strtoll(buf, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	*out = x;
	return 0;
}

int glint_json_to_double(const struct glint_json *v, double *out)
{
	char buf[64];

	if (v->type != GLINT_JSON_NUMBER)
		return -EINVAL;
	if (v->len >= sizeof(buf)) {
		/* Very long numbers: keep the sign, digits and exponent that
		 * matter by letting strtod read a NUL-free prefix copy. */
		char *big = malloc(v->len + 1);

		if (!big)
			return -ENOMEM;
		memcpy(big, v->text, v->len);
		big[v->len] = '\0';
		*out = strtod(big, NULL);
		free(big);
		return 0;
	}
	memcpy(buf, v->text, v->len);
	buf[v->len] = '\0';
	*out = strtod(buf, NULL);
	return 0;
}

int glint_json_to_bool(const struct glint_json *v, bool *out)
{
	if (v->type != GLINT_JSON_BOOL)
		return -EINVAL;
	*out = v->text[0] == 't';
	return 0;
}

bool glint_json_is_null(const struct glint_json *v)
{
	return v->type == GLINT_JSON_NULL;
}

/* ---- writer ------------------------------------------------------------------ */

static void to_output(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	glint_write(buf, len);
}

void glint_json_writer_init(struct glint_json_writer *w,
			    glint_json_write_fn write, void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->write = write ? write : to_output;
	w->ctx = write ? ctx : NULL;
}

int glint_json_writer_finish(struct glint_json_writer *w)
{
	return w->err ? w->err : w->depth ? -EINVAL : 0;
}

static void put(struct glint_json_writer *w, const char *s, size_t len)
{
	w->write(w->ctx, s, len);
}

/* Called before every value: checks the position and writes the comma. */
static bool value_start(struct glint_json_writer *w)
{
	if (w->err)
		return false;
	if (w->expect_key) {
		w->err = -EINVAL;
		return false;
	}
	if (w->need_comma)
		put(w, ",", 1);
	return true;
}

/* Called after every value. */
static void value_end(struct glint_json_writer *w)
{
	bool in_object = w->depth > 0 && w->stack[w->depth - 1] == '{';

	w->need_comma = w->depth > 0;
	w->expect_key = in_object;
}

static void begin(struct glint_json_writer *w, char open)
{
	if (!value_start(w))
		return;
	if (w->depth >= GLINT_JSON_MAX_DEPTH) {
		w->err = -EINVAL;
		return;
	}
	put(w, &open, 1);
	w->stack[w->depth++] = open;
	w->need_comma = false;
	w->expect_key = open == '{';
}

static void end(struct glint_json_writer *w, char open, char close)
{
	if (w->err)
		return;
	/* A key without its value, or closing the wrong kind. */
	if (w->depth == 0 || w->stack[w->depth - 1] != open ||
	    (open == '{' && !w->expect_key)) {
		w->err = -EINVAL;
		return;
	}
	put(w, &close, 1);
	w->depth--;
	value_end(w);
}

void glint_json_begin_object(struct glint_json_writer *w)
{
	begin(w, '{');
}

void glint_json_end_object(struct glint_json_writer *w)
{
	end(w, '{', '}');
}

void glint_json_begin_array(struct glint_json_writer *w)
{
	begin(w, '[');
}

void glint_json_end_array(struct glint_json_writer *w)
{
	end(w, '[', ']');
}

static void put_escaped(struct glint_json_writer *w, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	put(w, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = {'\\', 0, '0', '0', 0, 0};
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		put(w, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		put(w, esc, n);
	}
	put(w, s + run, len - run);
	put(w, "\"", 1);
}

void glint_json_key(struct glint_json_writer *w, const char *key)
{
	if (w->err)
		return;
	if (!w->expect_key) {
		w->err = -EINVAL;
		return;
	}
	if (w->need_comma)
		put(w, ",", 1);
	put_escaped(w, key, strlen(key));
	put(w, ":", 1);
	w->expect_key = false;
	w->need_comma = false;
}

void glint_json_stringn(struct glint_json_writer *w, const char *s, size_t len)
{
	if (!value_start(w))
		return;
	put_escaped(w, s, len);
	value_end(w);
}

void glint_json_string(struct glint_json_writer *w, const char *s)
{
	glint_json_stringn(w, s ? s : "", s ? strlen(s) : 0);
}

static void put_formatted(struct glint_json_writer *w, const char *s)
{
	if (!value_start(w))
		return;
	put(w, s, strlen(s));
	value_end(w);
}

void glint_json_int(struct glint_json_writer *w, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	put_formatted(w, buf);
}

void glint_json_uint(struct glint_json_writer *w, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	put_formatted(w, buf);
}

void glint_json_double(struct glint_json_writer *w, double v)
{
	char buf[32];
	int prec;

	if (v != v || v > 1.7976931348623157e308 ||
	    v < -1.7976931348623157e308) {
		put_formatted(w, "null");
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v);
	put_formatted(w, buf);
}

void glint_json_bool(struct glint_json_writer *w, bool v)
{
	put_formatted(w, v ? "true" : "false");
}

void glint_json_null(struct glint_json_writer *w)
{
	put_formatted(w, "null");
}
