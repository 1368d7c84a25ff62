/* spec_gen.c: writes a C harness for one spec test file (the JSON that
 * wast2json made of a .wast), to be compiled with the wasm2c translations
 * of its modules both natively (wabt's runtime) and as a glint guest.
 *
 *   spec_gen FILE.json WORKDIR > harness.c
 *
 * Module i of the file is translated by the caller with wasm2c -n m<i>
 * into WORKDIR/m<i>.h and .c; a module whose translation is missing, or
 * which imports anything (spectest, registered modules), is skipped with
 * every command on it. assert_return, assert_trap and assert_exhaustion
 * on invoke actions of i32/i64/f32/f64 values are checked;
 * assert_invalid/malformed/unlinkable/uninstantiable are not run (they
 * are the validator's and linker's, not the runtime's). The harness
 * prints "passed/total passed, skipped" and one line per failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define MAX_MODULES 512

struct module {
	int ok;		/* translated, no imports */
	char *header;	/* m<i>.h text */
	char name[128]; /* $name, or "" */
};

static struct module mods[MAX_MODULES];
static int nmods, cur = -1;
static long ntests, nskipped;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* The C name of export field in module m, and its prototype line. */
static int find_export(int m, const char *field, char *cname, size_t len,
		       const char **proto)
{
	char key[512];
	const char *p, *q;

	snprintf(key, sizeof(key), "/* export: '%s' */\n", field);
	p = strstr(mods[m].header, key);
	if (!p)
		return -1;
	p += strlen(key);
	*proto = p;
	q = strstr(p, " Z_");
	if (!q || strchr(p, '\n') < q || memchr(p, '*', (size_t)(q - p)))
		return -1; /* not a function (a memory, table, global) */
	q++;
	snprintf(cname, len, "%.*s", (int)strcspn(q, "("), q);
	return 0;
}

/* A C expression for a JSON value {type, value}; -1 if unsupported. */
static int value_expr(json_t *v, char *out, size_t len)
{
	const char *type = json_string_value(json_object_get(v, "type"));
	const char *val = json_string_value(json_object_get(v, "value"));

	if (!type || !val || strncmp(val, "nan:", 4) == 0)
		return -1;
	if (strcmp(type, "i32") == 0)
		snprintf(out, len, "(u32)%sull", val);
	else if (strcmp(type, "i64") == 0)
		snprintf(out, len, "(u64)%sull", val);
	else if (strcmp(type, "f32") == 0)
		snprintf(out, len, "f32_bits((u32)%sull)", val);
	else if (strcmp(type, "f64") == 0)
		snprintf(out, len, "f64_bits((u64)%sull)", val);
	else
		return -1;
	return 0;
}

/* The check of result r against expected e; -1 if unsupported. */
static int check_expr(json_t *e, const char *rtype, char *out, size_t len)
{
	const char *type = json_string_value(json_object_get(e, "type"));
	const char *val = json_string_value(json_object_get(e, "value"));
	int f32 = type && strcmp(type, "f32") == 0;
	int f64 = type && strcmp(type, "f64") == 0;

	if (!type || !val)
		return -1;
	/* A NaN expectation is about the function's own result type (old
	 * assert_return_*_nan commands are rewritten with f32 by spec.sh). */
	if ((f32 || f64) && strncmp(val, "nan:", 4) == 0) {
		f32 = strcmp(rtype, "f32") == 0;
		f64 = strcmp(rtype, "f64") == 0;
		if (!f32 && !f64)
			return -1;
	}
	if ((f32 || f64) && strcmp(val, "nan:canonical") == 0)
		snprintf(out, len,
			 f32 ? "is_canon_nan32(r)" : "is_canon_nan64(r)");
	else if ((f32 || f64) && strcmp(val, "nan:arithmetic") == 0)
		snprintf(out, len,
			 f32 ? "is_arith_nan32(r)" : "is_arith_nan64(r)");
	else if (f32)
		snprintf(out, len, "bits32(r) == (u32)%sull", val);
	else if (f64)
		snprintf(out, len, "bits64(r) == (u64)%sull", val);
	else if (strcmp(type, "i32") == 0)
		snprintf(out, len, "r == (u32)%sull", val);
	else if (strcmp(type, "i64") == 0)
		snprintf(out, len, "r == (u64)%sull", val);
	else
		return -1;
	return 0;
}

static int module_of(json_t *action)
{
	const char *name = json_string_value(json_object_get(action, "module"));

	if (!name)
		return cur;
	for (int i = nmods - 1; i >= 0; i--)
		if (strcmp(mods[i].name, name) == 0)
			return i;
	return -1;
}

static const char prefix[] =
	"#include <math.h>\n"
	"#include <string.h>\n"
	"#include \"wasm-rt.h\"\n"
	"#ifndef WASM_RT_CORE_TYPES_DEFINED\n"
	"#define WASM_RT_CORE_TYPES_DEFINED\n"
	"typedef uint32_t u32;\n"
	"typedef uint64_t u64;\n"
	"typedef float f32;\n"
	"typedef double f64;\n"
	"#endif\n"
	"#ifdef SPEC_NATIVE\n"
	"#include <stdio.h>\n"
	"#include \"wasm-rt-impl.h\"\n"
	"#define OUT(...) printf(__VA_ARGS__)\n"
	"#define TRY() wasm_rt_impl_try()\n"
	"#define END_TRY() ((void)0)\n"
	"#else\n"
	"#include <glint.h>\n"
	"#include \"glint_wasi.h\"\n"
	"#define OUT(...) glint_printf(__VA_ARGS__)\n"
	"static jmp_buf catch_buf;\n"
	"static uint32_t saved_depth;\n"
	"#define TRY() (saved_depth = wasm_rt_call_stack_depth, "
	"glint_wasm_trap_catch = &catch_buf, setjmp(catch_buf))\n"
	"#define END_TRY() (glint_wasm_trap_catch = NULL, "
	"wasm_rt_call_stack_depth = saved_depth)\n"
	"#endif\n"
	"static long passed, failed;\n"
	"static int t;\n"
	"static f32 f32_bits(u32 b) { f32 f; memcpy(&f, &b, 4); return f; }\n"
	"static f64 f64_bits(u64 b) { f64 f; memcpy(&f, &b, 8); return f; }\n"
	"static u32 bits32(f32 f) { u32 b; memcpy(&b, &f, 4); return b; }\n"
	"static u64 bits64(f64 f) { u64 b; memcpy(&b, &f, 8); return b; }\n"
	"static int is_canon_nan32(f32 f) { return (bits32(f) & 0x7fffffffu) "
	"== 0x7fc00000u; }\n"
	"static int is_arith_nan32(f32 f) { return (bits32(f) & 0x7fc00000u) "
	"== 0x7fc00000u; }\n"
	"static int is_canon_nan64(f64 f) { return (bits64(f) & "
	"0x7fffffffffffffffull) == 0x7ff8000000000000ull; }\n"
	"static int is_arith_nan64(f64 f) { return (bits64(f) & "
	"0x7ff8000000000000ull) == 0x7ff8000000000000ull; }\n"
	"static void fail(int line, const char *what) { failed++; "
	"OUT(\"line %d: %s\\n\", line, what); }\n";

/* One invoke action as a C call into buf; its result type in *rtype
 * ("" for none). -1 when the harness cannot express it. */
static int call_expr(json_t *action, char *buf, size_t len, char *rtype,
		     size_t rlen)
{
	const char *field = json_string_value(json_object_get(action, "field"));
	const char *type = json_string_value(json_object_get(action, "type"));
	json_t *args = json_object_get(action, "args"), *a;
	int m = module_of(action);
	char cname[600], arg[128];
	const char *proto;
	size_t i, used;

	/* A name with a NUL byte cannot be looked up in wasm2c's header. */
	if (field && strlen(field) != json_string_length(
					      json_object_get(action, "field")))
		return -1;
	if (!field || !type || strcmp(type, "invoke") || m < 0 || !mods[m].ok ||
	    find_export(m, field, cname, sizeof(cname), &proto) < 0)
		return -1;
	snprintf(rtype, rlen, "%.*s", (int)strcspn(proto, " "), proto);
	if (strcmp(rtype, "void") == 0)
		rtype[0] = '\0';
	else if (strcmp(rtype, "u32") && strcmp(rtype, "u64") &&
		 strcmp(rtype, "f32") && strcmp(rtype, "f64"))
		return -1; /* multi-value results come back as a struct */
	used = (size_t)snprintf(buf, len, "%s(&i%d", cname, m);
	json_array_foreach(args, i, a)
	{
		if (value_expr(a, arg, sizeof(arg)) < 0 || used + 200 > len)
			return -1;
		used += (size_t)snprintf(buf + used, len - used, ", %s", arg);
	}
	snprintf(buf + used, len - used, ")");
	return 0;
}

static void emit_module(json_t *cmd, const char *workdir)
{
	const char *name = json_string_value(json_object_get(cmd, "name"));
	int line = (int)json_integer_value(json_object_get(cmd, "line"));
	char path[1024];
	int m = nmods++;

	cur = m;
	snprintf(mods[m].name, sizeof(mods[m].name), "%s", name ? name : "");
	snprintf(path, sizeof(path), "%s/m%d.h", workdir, m);
	mods[m].header = slurp(path);
	mods[m].ok = mods[m].header && !strstr(mods[m].header, "/* import: ");
	if (!mods[m].ok)
		return;
	printf("#include \"m%d.h\"\nstatic Z_m%d_instance_t i%d;\n", m, m, m);
	printf("static void inst%d(void) {\n"
	       "  if ((t = TRY()) == 0) { Z_m%d_init_module(); "
	       "Z_m%d_instantiate(&i%d); END_TRY(); }\n"
	       "  else { END_TRY(); fail(%d, \"instantiation trapped\"); }\n"
	       "}\n",
	       m, m, m, m, line);
}

static FILE *body; /* run()'s statements, printed after the declarations */
static int nchunks = 1, in_chunk;

/* Compilers slow down badly on one huge function full of setjmp calls:
 * the statements go into functions of CHUNK tests each. */
#define CHUNK 40
static void next_statement(void)
{
	if (++in_chunk < CHUNK)
		return;
	in_chunk = 0;
	fprintf(body, "}\nstatic void run_%d(void) {\n", nchunks++);
}

/* assert_return, assert_trap, assert_exhaustion, action. */
static void emit_assert(json_t *cmd, const char *type)
{
	int line = (int)json_integer_value(json_object_get(cmd, "line"));
	json_t *expected = json_object_get(cmd, "expected");
	char call[8192], rtype[16], check[256] = "1";
	int want_trap = strcmp(type, "assert_return") != 0 &&
			strcmp(type, "action") != 0;

	if (call_expr(json_object_get(cmd, "action"), call, sizeof(call), rtype,
		      sizeof(rtype)) < 0 ||
	    (!want_trap && json_array_size(expected) > 1) ||
	    (!want_trap && json_array_size(expected) == 1 &&
	     check_expr(json_array_get(expected, 0), rtype, check,
			sizeof(check)) < 0)) {
		nskipped += strcmp(type, "action") != 0;
		return;
	}
	if (strcmp(type, "action") == 0) {
		fprintf(body, "  if ((t = TRY()) == 0) { %s; } END_TRY();\n",
			call);
		return;
	}
	ntests++;
	next_statement();
	if (want_trap) {
		fprintf(body,
			"  if ((t = TRY()) == 0) { %s; END_TRY(); fail(%d, "
			"\"expected a trap\"); }\n"
			"  else { END_TRY(); passed++; }\n",
			call, line);
		return;
	}
	if (rtype[0])
		fprintf(body,
			"  if ((t = TRY()) == 0) { %s r = %s; END_TRY();\n"
			"    if (%s) passed++; else fail(%d, \"wrong "
			"result\"); "
			"}\n",
			rtype, call, check, line);
	else
		fprintf(body,
			"  if ((t = TRY()) == 0) { %s; END_TRY(); passed++; "
			"}\n",
			call);
	fprintf(body, "  else { END_TRY(); fail(%d, \"unexpected trap\"); }\n",
		line);
}

static void emit(json_t *commands, const char *workdir)
{
	json_t *cmd;
	size_t i;

	json_array_foreach(commands, i, cmd)
	{
		const char *type =
			json_string_value(json_object_get(cmd, "type"));

		if (!type)
			continue;
		if (strcmp(type, "module") == 0 && nmods < MAX_MODULES) {
			emit_module(cmd, workdir);
			if (mods[cur].ok)
				fprintf(body, "  inst%d();\n", cur);
		} else if (strcmp(type, "assert_return") == 0 ||
			   strcmp(type, "assert_trap") == 0 ||
			   strcmp(type, "assert_exhaustion") == 0 ||
			   strcmp(type, "action") == 0) {
			emit_assert(cmd, type);
		}
	}
}

/* The file of each "module" command, in order: module i is m<i>. */
static int list_modules(json_t *root)
{
	json_t *cmd;
	size_t i;

	json_array_foreach(json_object_get(root, "commands"), i, cmd)
	{
		const char *type =
			json_string_value(json_object_get(cmd, "type"));
		const char *file =
			json_string_value(json_object_get(cmd, "filename"));

		if (type && strcmp(type, "module") == 0)
			printf("%s\n", file ? file : "-");
	}
	json_decref(root);
	return 0;
}

int main(int argc, char **argv)
{
	json_error_t jerr;
	json_t *root;
	char *text = NULL;
	size_t len = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: spec_gen FILE.json WORKDIR\n"
				"       spec_gen --modules FILE.json\n");
		return 2;
	}
	/* names.wast has export names with NUL bytes (skipped below). */
	root = json_load_file(argv[argc - 2 + (argv[1][0] == '-')],
			      JSON_ALLOW_NUL, &jerr);
	if (!root) {
		fprintf(stderr, "%s: %s\n", argv[1], jerr.text);
		return 1;
	}
	if (strcmp(argv[1], "--modules") == 0)
		return list_modules(root);
	body = open_memstream(&text, &len);
	fprintf(body, "static void run_0(void) {\n");
	fputs(prefix, stdout);
	emit(json_object_get(root, "commands"), argv[2]);
	fclose(body);
	printf("%s}\nstatic void run(void) {\n", text);
	for (int i = 0; i < nchunks; i++)
		printf("  run_%d();\n", i);
	printf("}\n");
	printf("static void report(void) { OUT(\"%%ld/%ld passed, %ld "
	       "skipped\\n\", passed); }\n",
	       ntests, nskipped);
	printf("#ifdef SPEC_NATIVE\n"
	       "int main(void) { wasm_rt_init(); run(); report(); return "
	       "failed != 0; }\n"
	       "#else\n"
	       "void glint_handle(const char *in, size_t n) { (void)in; "
	       "(void)n; glint_set_content_type(\"text/plain\"); "
	       "wasm_rt_init(); run(); "
	       "report(); }\n"
	       "#endif\n");
	free(text);
	json_decref(root);
	return 0;
}
