/* wasm_header.c: imports and exports from the comments wasm2c writes.
 *
 * wasm2c precedes each import's declaration with
 *     / * import: 'module' 'name' * /
 * (indented for memories, tables and globals)
 * and each export's with / * export: 'name' * /. Reading them from its
 * header (rather than parsing the binary a second time) means glint sees
 * exactly what the compiler will see.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm_header.h"

static const char *const wasi_calls[] = {
	"fd_read",
	"fd_write",
	"fd_close",
	"fd_seek",
	"fd_fdstat_get",
	"fd_prestat_get",
	"fd_prestat_dir_name",
	"environ_get",
	"environ_sizes_get",
	"args_get",
	"args_sizes_get",
	"clock_time_get",
	"clock_res_get",
	"random_get",
	"sched_yield",
	"poll_oneoff",
	"proc_exit",
};

/* The "glint" import module (guest/wasi/glint_host.c), with the
 * parameter list wasm2c declares for the signature glint_wasm.h gives:
 * an import with another signature would not compile against
 * glint_wasi.h, so it is refused here, by name. */
static const struct {
	const char *name, *params;
} glint_calls[] = {
	{"kv_get", "(struct Z_glint_instance_t*, u32, u32, u32, u32);"},
	{"kv_set", "(struct Z_glint_instance_t*, u32, u32, u32, u32, u64);"},
	{"kv_delete", "(struct Z_glint_instance_t*, u32, u32);"},
	{"kv_incr", "(struct Z_glint_instance_t*, u32, u32, u64, u32);"},
	{"kv_cas",
	 "(struct Z_glint_instance_t*, u32, u32, u32, u32, u32, u32);"},
	{"kv_list", "(struct Z_glint_instance_t*, u32, u32, u32, u32, u32, "
		    "u32, u32, u32);"},
	{"http_fetch", "(struct Z_glint_instance_t*, u32, u32);"},
};

int wasm_glint_supported(const char *name, const char *decl)
{
	static const char ret[] = "u32 Z_glintZ_";

	for (size_t i = 0; i < sizeof(glint_calls) / sizeof(glint_calls[0]);
	     i++) {
		size_t n = strlen(glint_calls[i].name);
		size_t p = strlen(glint_calls[i].params);

		if (strcmp(name, glint_calls[i].name) != 0)
			continue;
		return decl && strncmp(decl, ret, sizeof(ret) - 1) == 0 &&
		       strncmp(decl + sizeof(ret) - 1, name, n) == 0 &&
		       strncmp(decl + sizeof(ret) - 1 + n,
			       glint_calls[i].params, p) == 0 &&
		       (decl[sizeof(ret) - 1 + n + p] == '\n' ||
			decl[sizeof(ret) - 1 + n + p] == '\0');
	}
	return 0;
}

/* 1 when mod.name, declared by wasm2c as decl (the line after its import
 * comment), is provided in the guest. */
static int provided(const char *mod, const char *name, const char *decl)
{
	if (strcmp(mod, "wasi_snapshot_preview1") == 0)
		return wasm_wasi_supported(name);
	return strcmp(mod, "glint") == 0 && wasm_glint_supported(name, decl);
}

int wasm_wasi_supported(const char *name)
{
	for (size_t i = 0; i < sizeof(wasi_calls) / sizeof(wasi_calls[0]); i++)
		if (strcmp(name, wasi_calls[i]) == 0)
			return 1;
	return 0;
}

/* Copies the quoted string at p (after its opening quote) into out,
 * keeping printable ASCII only; returns the position after the closing
 * quote, or NULL. */
static const char *quoted(const char *p, char *out, size_t len)
{
	size_t n = 0;

	for (; *p && *p != '\'' && *p != '\n'; p++)
		if (n + 1 < len && *p >= 0x20 && *p < 0x7f)
			out[n++] = *p;
	out[n] = '\0';
	return *p == '\'' ? p + 1 : NULL;
}

static void list_add(char *list, size_t size, int *count, const char *mod,
		     const char *name)
{
	size_t used = strlen(list);

	(*count)++;
	if (used < size - 1)
		snprintf(list + used, size - used, "%s%s.%s", used ? ", " : "",
			 mod, name);
}

static void add_unsupported(struct wasm_header_info *info, const char *mod,
			    const char *name, int stubbable)
{
	list_add(info->unsupported, sizeof(info->unsupported),
		 &info->nunsupported, mod, name);
	if (!stubbable)
		list_add(info->unstubbable, sizeof(info->unstubbable),
			 &info->nunstubbable, mod, name);
}

/* A function import's comment is at the start of its line; those of
 * memories, tables and globals are indented inside the instance struct. */
static void on_import(const char *p, const char *decl, int indented,
		      struct wasm_header_info *info)
{
	char mod[128], name[128];

	if (*p != '\'' || (p = quoted(p + 1, mod, sizeof(mod))) == NULL)
		return;
	p += strspn(p, " ");
	if (*p != '\'' || quoted(p + 1, name, sizeof(name)) == NULL)
		return;
	if (strcmp(mod, "wasi_snapshot_preview1") == 0) {
		info->imports_wasi = 1;
		if (strcmp(name, "fd_read") == 0)
			info->reads_stdin = 1;
	}
	if (!indented && provided(mod, name, decl))
		return;
	if (strcmp(mod, "glint") == 0 && !indented) {
		strncat(name, " (signature differs from glint_wasm.h)",
			sizeof(name) - strlen(name) - 1);
		add_unsupported(info, mod, name, 0);
		return;
	}
	add_unsupported(info, mod, name, !indented);
}

static void on_export(const char *p, const char *next_line,
		      struct wasm_header_info *info)
{
	char name[128];

	if (*p != '\'' || quoted(p + 1, name, sizeof(name)) == NULL)
		return;
	if (strcmp(name, "_start") == 0)
		info->has_start = 1;
	/* Only a memory export's accessor returns a wasm_rt_memory_t. */
	if (strcmp(name, "memory") == 0 && next_line &&
	    strncmp(next_line, "wasm_rt_memory_t*", 17) == 0)
		info->has_memory = 1;
}

void wasm_header_parse(const char *text, struct wasm_header_info *info)
{
	static const char imp[] = "/* import: ", exp[] = "/* export: ";
	const char *line = text;

	memset(info, 0, sizeof(*info));
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		const char *next = nl ? nl + 1 : NULL;

		size_t indent = strspn(line, " \t");

		line += indent;
		if (strncmp(line, imp, sizeof(imp) - 1) == 0)
			on_import(line + sizeof(imp) - 1, next, indent > 0,
				  info);
		else if (strncmp(line, exp, sizeof(exp) - 1) == 0)
			on_export(line + sizeof(exp) - 1, next, info);
		line = next;
	}
}

/* ---- stubs (wasi_stub_unknown) ------------------------------------------ */

struct text {
	char *buf;
	size_t len, cap;
	int failed;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->cap ? t->cap * 2 : 4096) + n;
		char *b = realloc(t->buf, cap);

		if (b == NULL) {
			t->failed = 1;
			return;
		}
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void text_str(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

/*
 * decl is wasm2c's one-line prototype, "RET NAME(T0, T1, ...);" with
 * types that contain no comma or parenthesis. Writes it as a definition
 * with named parameters and a body that returns ENOSYS.
 */
static int stub_from_decl(struct text *t, const char *decl, size_t len)
{
	const char *open = memchr(decl, '(', len), *p, *end;
	char arg[24];
	int i = 0;

	end = decl + len;
	if (open == NULL || len < 3 || decl[len - 1] != ';' ||
	    decl[len - 2] != ')')
		return -EINVAL;
	text_add(t, decl, (size_t)(open - decl) + 1);
	for (p = open + 1; p < end - 2; i++) {
		const char *comma = memchr(p, ',', (size_t)(end - 2 - p));
		const char *stop = comma ? comma : end - 2;

		text_add(t, p, (size_t)(stop - p));
		snprintf(arg, sizeof(arg), " a%d%s", i, comma ? "," : "");
		text_str(t, arg);
		p = comma ? comma + 1 : stop;
	}
	text_str(t, ")\n{\n");
	for (int j = 0; j < i; j++) {
		snprintf(arg, sizeof(arg), "\t(void)a%d;\n", j);
		text_str(t, arg);
	}
	if (strncmp(decl, "void ", 5) != 0)
		text_str(t, "\treturn 52; /* ENOSYS */\n");
	text_str(t, "}\n\n");
	return 0;
}

/* "void Z_module_instantiate(Z_module_instance_t*, struct X*, ...);" to
 * the macro that passes wasi for the WASI instance, glint for glint's and
 * NULL otherwise. */
static int instantiate_macro(const char *line, size_t len, char *out,
			     size_t out_len)
{
	static const char wasi[] =
		"struct Z_wasi_snapshot_preview1_instance_t*",
			  glint[] = "struct Z_glint_instance_t*";
	const char *p = memchr(line, ',', len), *end = line + len;
	size_t used;

	used = (size_t)snprintf(out, out_len,
				"#define GLINT_WASM_INSTANTIATE(inst, wasi, "
				"glint) Z_module_instantiate(inst");
	while (p && p < end && used < out_len) {
		const char *q, *arg = "(void *)0";

		p += strspn(p + 1, " ") + 1;
		q = memchr(p, ',', (size_t)(end - p));

		if (strncmp(p, wasi, sizeof(wasi) - 1) == 0)
			arg = "wasi";
		else if (strncmp(p, glint, sizeof(glint) - 1) == 0)
			arg = "glint";
		used += (size_t)snprintf(out + used, out_len - used, ", %s",
					 arg);
		p = q;
	}
	if (used + 2 >= out_len)
		return -EINVAL;
	snprintf(out + used, out_len - used, ")\n");
	return 0;
}

static int stub_line(struct text *t, const char *line, size_t len,
		     const char *prev_end)
{
	char mod[128], name[128];
	const char *p = prev_end;

	/* prev_end: after "/ * import: " on the previous line. */
	if (*p != '\'' || (p = quoted(p + 1, mod, sizeof(mod))) == NULL)
		return 0;
	p += strspn(p, " ");
	if (*p != '\'' || quoted(p + 1, name, sizeof(name)) == NULL)
		return 0;
	if (provided(mod, name, line))
		return 0;
	return stub_from_decl(t, line, len);
}

int wasm_header_stubs(const char *text, char **c_out, char *inst_def,
		      size_t inst_len)
{
	static const char imp[] = "/* import: ",
			  inst[] = "void Z_module_instantiate(";
	struct text t = {0};
	const char *line = text, *import_at = NULL;
	int ret = 0, have_inst = 0;

	text_str(&t, "/* Stubs for the imports glint does not provide. */\n"
		     "#include \"glint_wasi.h\"\n#include \"module.h\"\n\n");
	while (ret == 0 && line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (import_at)
			ret = stub_line(&t, line, len, import_at);
		import_at = NULL;
		if (strncmp(line, imp, sizeof(imp) - 1) == 0)
			import_at = line + sizeof(imp) - 1;
		else if (strncmp(line, inst, sizeof(inst) - 1) == 0) {
			ret = instantiate_macro(line, len, inst_def, inst_len);
			have_inst = 1;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (ret == 0 && (!have_inst || t.failed))
		ret = t.failed ? -ENOMEM : -EINVAL;
	if (ret < 0) {
		free(t.buf);
		return ret;
	}
	*c_out = t.buf;
	return 0;
}

int wasm_header_instantiate(const char *text, char *inst_def, size_t inst_len)
{
	static const char inst[] = "void Z_module_instantiate(";

	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (strncmp(line, inst, sizeof(inst) - 1) == 0)
			return instantiate_macro(line, len, inst_def, inst_len);
		line = nl ? nl + 1 : NULL;
	}
	return -EINVAL;
}
