/* cli_templates.c: file templates for `glint new` and the code that writes them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_templates.h"

/* How every Makefile ends: deploy, invoke with data, clean; out is the
 * built file's extension. */
#define MAKEFILE_TAIL(out, data)                                               \
	"deploy: $(NAME)." out "\n"                                            \
	"\t$(GLINT) deploy $(NAME) $(NAME)." out " $(DEPLOY_FLAGS)\n"          \
	"\n"                                                                   \
	"invoke:\n"                                                            \
	"\t$(GLINT) invoke $(NAME) --data '" data "'\n"                        \
	"\n"                                                                   \
	"clean:\n"                                                             \
	"\trm -f $(NAME)." out "\n"                                            \
	"\n"                                                                   \
	".PHONY: all deploy invoke clean\n"

/* "@NAME@" in a template becomes the function's name. */
static const char function_c[] =
	"/* @NAME@.c: a glint function; reads {\"name\": ...} and answers "
	"with a greeting. */\n"
	"#include <glint.h>\n"
	"#include <glint_json.h>\n"
	"#include <stdio.h>\n"
	"\n"
	"/* Runs once before the snapshot: every call starts from what it "
	"leaves. */\n"
	"static char greeting_word[16];\n"
	"\n"
	"void glint_init(void)\n"
	"{\n"
	"\tsnprintf(greeting_word, sizeof(greeting_word), \"Hello\");\n"
	"}\n"
	"\n"
	"/* Runs once per call: input is the request body, what is written is "
	"the\n"
	" * response body. */\n"
	"void glint_handle(const char *input, size_t input_len)\n"
	"{\n"
	"\tstruct glint_json doc, value;\n"
	"\tstruct glint_json_error err;\n"
	"\tstruct glint_json_writer out;\n"
	"\tchar name[128] = \"world\";\n"
	"\tchar text[200];\n"
	"\n"
	"\tif (input_len > 0) {\n"
	"\t\tif (glint_json_parse(input, input_len, &doc, &err) < 0)\n"
	"\t\t\tglint_fail(\"request is not JSON: %s at byte %zu\", "
	"err.message,\n"
	"\t\t\t\t   err.offset);\n"
	"\t\tif (glint_json_get(&doc, \"name\", &value) == 0 &&\n"
	"\t\t    glint_json_to_string(&value, name, sizeof(name), NULL) < "
	"0)\n"
	"\t\t\tglint_fail(\"\\\"name\\\" must be a short string\");\n"
	"\t}\n"
	"\tsnprintf(text, sizeof(text), \"%s, %s!\", greeting_word, name);\n"
	"\tglint_log_info(\"greeted %s\", name);\n"
	"\n"
	"\t/* The writer escapes strings and appends to the response. */\n"
	"\tglint_json_writer_init(&out, NULL, NULL);\n"
	"\tglint_json_begin_object(&out);\n"
	"\tglint_json_key(&out, \"function\");\n"
	"\tglint_json_string(&out, \"@NAME@\");\n"
	"\tglint_json_key(&out, \"message\");\n"
	"\tglint_json_string(&out, text);\n"
	"\tglint_json_end_object(&out);\n"
	"}\n";

static const char makefile[] =
	"# Makefile: builds @NAME@.elf, a glint function, and deploys it "
	"with glint.\n"
	"NAME = @NAME@\n"
	"PKG_CONFIG ?= pkg-config\n"
	"GLINT ?= glint\n"
	"# Extra flags for `glint deploy`, e.g. --memory 16 --timeout 500.\n"
	"DEPLOY_FLAGS ?=\n"
	"\n"
	"GLINT_GUEST := $(shell $(PKG_CONFIG) --cflags --libs glint-guest)\n"
	"ifeq ($(strip $(GLINT_GUEST)),)\n"
	"$(error pkg-config cannot find glint-guest: install the glint SDK "
	"(make install), or for a build tree set "
	"PKG_CONFIG_PATH=<build dir>/guest)\n"
	"endif\n"
	"# -g: crash reports and addr2line name source lines (the SDK's flags "
	"set -O2).\n"
	"CFLAGS ?= -g\n"
	"\n"
	"all: $(NAME).elf\n"
	"\n"
	"$(NAME).elf: $(NAME).c\n"
	"\t$(CC) $(GLINT_GUEST) $(CFLAGS) $(NAME).c -o $@\n"
	"\n" MAKEFILE_TAIL("elf", "{\"name\": \"glint\"}");

static const char readme[] =
	"# @NAME@\n"
	"\n"
	"A glint function. `@NAME@.c` is the code: `glint_init` runs once "
	"before\n"
	"the VM is snapshotted, `glint_handle` once per call.\n"
	"\n"
	"    make            # builds @NAME@.elf with the glint SDK "
	"(pkg-config glint-guest)\n"
	"    make deploy     # glint deploy @NAME@ @NAME@.elf\n"
	"    make invoke     # glint invoke @NAME@ --data '{\"name\": "
	"\"glint\"}'\n"
	"\n"
	"Point `glint` at your daemon with `--url` or `GLINT_URL`, and pass "
	"a token\n"
	"with `GLINT_TOKEN` when the daemon requires one.\n";

static const char gitignore[] = "*.elf\n";

/* ---- WASI modules (deployed as .wasm; glintd compiles them) ------------ */

static const char wasm_c[] =
	"/* @NAME@.c: a glint function as a WASI module (WAGI): the request "
	"body is\n"
	" * stdin, stdout is a CGI response (headers, a blank line, the "
	"body). */\n"
	"#include <math.h>\n"
	"#include <stdio.h>\n"
	"#include <stdlib.h>\n"
	"#include <string.h>\n"
	"\n"
	"int main(void)\n"
	"{\n"
	"\tchar body[4096];\n"
	"\t/* Everything before the first read of stdin runs once, at "
	"deploy:\n"
	"\t * the snapshot is taken there and every call resumes from it. */\n"
	"\tsize_t n = fread(body, 1, sizeof(body) - 1, stdin);\n"
	"\tconst char *len = getenv(\"CONTENT_LENGTH\");\n"
	"\n"
	"\tbody[n] = '\\0';\n"
	"\tprintf(\"Content-Type: text/plain\\n\\n\");\n"
	"\tprintf(\"Hello from @NAME@: %s bytes, sqrt(2) = %.3f\\n\", "
	"len ? len : \"?\",\n"
	"\t       sqrt(2.0));\n"
	"\tfprintf(stderr, \"handled %zu bytes\\n\", n); /* the function's "
	"log */\n"
	"\treturn 0;\n"
	"}\n";

static const char wasm_c_makefile[] =
	"# Makefile: builds @NAME@.wasm (C, wasi-libc) and deploys it with "
	"glint.\n"
	"# Debian packages: clang lld wasi-libc libclang-rt-14-dev-wasm32\n"
	"NAME = @NAME@\n"
	"WASM_CC ?= clang\n"
	"GLINT ?= glint\n"
	"DEPLOY_FLAGS ?=\n"
	"\n"
	"all: $(NAME).wasm\n"
	"\n"
	"$(NAME).wasm: $(NAME).c\n"
	"\t$(WASM_CC) --target=wasm32-wasi --sysroot=/usr -O2 $(NAME).c -o "
	"$@\n"
	"\n" MAKEFILE_TAIL("wasm", "hello");

static const char wasm_rs[] =
	"// @NAME@.rs: a glint function as a WASI module (WAGI): the request "
	"body is\n"
	"// stdin, stdout is a CGI response (headers, a blank line, the "
	"body).\n"
	"use std::io::{self, Read, Write};\n"
	"\n"
	"fn main() {\n"
	"    // Everything before the first read of stdin runs once, at "
	"deploy.\n"
	"    let mut body = String::new();\n"
	"    io::stdin().read_to_string(&mut body).expect(\"stdin\");\n"
	"    let out = io::stdout();\n"
	"    let mut out = out.lock();\n"
	"    write!(out, \"Content-Type: text/plain\\n\\n\").unwrap();\n"
	"    writeln!(out, \"Hello from @NAME@: {} bytes\", body.len())"
	".unwrap();\n"
	"    eprintln!(\"handled {} bytes\", body.len()); // the function's "
	"log\n"
	"}\n";

static const char wasm_rs_makefile[] =
	"# Makefile: builds @NAME@.wasm (Rust, wasm32-wasi) and deploys it "
	"with glint.\n"
	"# Debian packages: rustc libstd-rust-dev-wasm32 (a rustup toolchain "
	"needs\n"
	"# `rustup target add wasm32-wasi`).\n"
	"NAME = @NAME@\n"
	"RUSTC ?= rustc\n"
	"GLINT ?= glint\n"
	"DEPLOY_FLAGS ?=\n"
	"\n"
	"all: $(NAME).wasm\n"
	"\n"
	"$(NAME).wasm: $(NAME).rs\n"
	"\t$(RUSTC) --target wasm32-wasi -O -C strip=symbols $(NAME).rs -o "
	"$@\n"
	"\n" MAKEFILE_TAIL("wasm", "hello");

static const char wasm_readme[] =
	"# @NAME@\n"
	"\n"
	"A glint function as a WASI module, served WAGI-style: the request "
	"body is\n"
	"stdin, stdout is the response (CGI headers, a blank line, the body), "
	"stderr\n"
	"goes to the function's log. glintd translates and compiles the "
	"module at\n"
	"deploy; the snapshot is taken at the first read of stdin.\n"
	"\n"
	"    make            # builds @NAME@.wasm\n"
	"    make deploy     # glint deploy @NAME@ @NAME@.wasm\n"
	"    make invoke     # glint invoke @NAME@ --data 'hello'\n";

static const char wasm_gitignore[] = "*.wasm\n";

static const char wasm_ts[] =
	"// @NAME@.ts: a glint function in AssemblyScript (WASI through\n"
	"// @assemblyscript/wasi-shim). Top-level code is the module's "
	"_start; what\n"
	"// runs before the first read of stdin runs once, at deploy.\n"
	"const buf = new ArrayBuffer(65536);\n"
	"let n = 0;\n"
	"for (;;) {\n"
	"  const got = process.stdin.read(buf, n);\n"
	"  if (got <= 0) break;\n"
	"  n += got;\n"
	"}\n"
	"process.stdout.write(\"Content-Type: text/plain\\n\\n\");\n"
	"process.stdout.write(\"Hello from @NAME@: \" + n.toString() + "
	"\" bytes\\n\");\n"
	"process.stderr.write(\"handled \" + n.toString() + \" bytes\\n\"); "
	"// the log\n";

/* Exact versions: what the project was tested with. */
static const char wasm_ts_package[] =
	"{\n"
	"  \"name\": \"@NAME@\",\n"
	"  \"version\": \"1.0.0\",\n"
	"  \"private\": true,\n"
	"  \"devDependencies\": {\n"
	"    \"assemblyscript\": \"0.28.20\",\n"
	"    \"@assemblyscript/wasi-shim\": \"0.1.0\"\n"
	"  }\n"
	"}\n";

static const char wasm_ts_makefile[] =
	"# Makefile: builds @NAME@.wasm (AssemblyScript) and deploys it with "
	"glint.\n"
	"# Needs node and npm (Debian packages nodejs npm); `make` installs "
	"the\n"
	"# compiler into node_modules/ first.\n"
	"NAME = @NAME@\n"
	"NPM ?= npm\n"
	"ASC ?= node_modules/.bin/asc\n"
	"GLINT ?= glint\n"
	"DEPLOY_FLAGS ?=\n"
	"\n"
	"all: $(NAME).wasm\n"
	"\n"
	"# Installed when missing (run `npm install` after editing "
	"package.json).\n"
	"node_modules/.bin/asc:\n"
	"\t$(NPM) install --no-audit --no-fund\n"
	"\n"
	"$(NAME).wasm: $(NAME).ts | $(ASC)\n"
	"\t$(ASC) $(NAME).ts --config "
	"node_modules/@assemblyscript/wasi-shim/asconfig.json \\\n"
	"\t\t-O3 -o $@\n"
	"\n" MAKEFILE_TAIL("wasm", "hello");

static const char wasm_ts_gitignore[] = "*.wasm\nnode_modules/\n";

/* Each list ends with a NULL suffix. */
struct tfile {
	const char *suffix; /* file name: NAME + suffix, or fixed */
	int fixed;
	const char *text;
};

static const struct tfile c_files[] = {
	{".c", 0, function_c},	  {"Makefile", 1, makefile},
	{"README.md", 1, readme}, {".gitignore", 1, gitignore},
	{NULL, 0, NULL},
};
static const struct tfile c_wasm_files[] = {
	{".c", 0, wasm_c},
	{"Makefile", 1, wasm_c_makefile},
	{"README.md", 1, wasm_readme},
	{".gitignore", 1, wasm_gitignore},
	{NULL, 0, NULL},
};
static const struct tfile rust_files[] = {
	{".rs", 0, wasm_rs},
	{"Makefile", 1, wasm_rs_makefile},
	{"README.md", 1, wasm_readme},
	{".gitignore", 1, wasm_gitignore},
	{NULL, 0, NULL},
};
static const struct tfile ts_files[] = {
	{".ts", 0, wasm_ts},
	{"package.json", 1, wasm_ts_package},
	{"Makefile", 1, wasm_ts_makefile},
	{"README.md", 1, wasm_readme},
	{".gitignore", 1, wasm_ts_gitignore},
	{NULL, 0, NULL},
};

static const struct {
	const char *lang;
	const struct tfile *files;
} langs[] = {
	{"c", c_files},
	{"c-wasm", c_wasm_files},
	{"rust", rust_files},
	{"assemblyscript", ts_files},
};

static int write_expanded(FILE *f, const char *text, const char *name)
{
	static const char key[] = "@NAME@";

	for (const char *p = text, *at; *p; p = at + sizeof(key) - 1) {
		at = strstr(p, key);
		if (!at)
			return fputs(p, f) < 0 ? -EIO : 0;
		if (fwrite(p, 1, (size_t)(at - p), f) != (size_t)(at - p) ||
		    fputs(name, f) < 0)
			return -EIO;
	}
	return 0;
}

static int write_file(const char *path, const char *text, const char *name)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *f;
	int rc;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = write_expanded(f, text, name);
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	return rc;
}

static void file_path(char *dst, size_t cap, const char *dir,
		      const struct tfile *f, const char *name)
{
	snprintf(dst, cap, "%s/%s%s", dir, f->fixed ? "" : name, f->suffix);
}

int cli_new_project(const char *dir, const char *name, char *err,
		    size_t err_len)
{
	return cli_new_project_lang(dir, name, "c", err, err_len);
}

int cli_new_project_lang(const char *dir, const char *name, const char *lang,
			 char *err, size_t err_len)
{
	const struct tfile *files = NULL;
	char path[4096];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++)
		if (strcmp(lang, langs[i].lang) == 0)
			files = langs[i].files;
	if (files == NULL) {
		snprintf(err, err_len,
			 "unknown language '%s' (c, c-wasm, rust or "
			 "assemblyscript)",
			 lang);
		return -EINVAL;
	}
	if (mkdir(dir, 0755) < 0) {
		rc = -errno;
		snprintf(err, err_len, "cannot create directory %s: %s%s", dir,
			 strerror(-rc),
			 rc == -EEXIST ? " (choose another name or remove it)"
				       : "");
		return rc;
	}
	for (i = 0; files[i].suffix; i++) {
		file_path(path, sizeof(path), dir, &files[i], name);
		rc = write_file(path, files[i].text, name);
		if (rc < 0) {
			snprintf(err, err_len, "cannot write %s: %s", path,
				 strerror(-rc));
			goto undo;
		}
	}
	return 0;
undo:
	/* File i may be half written; the directory is new, so all are ours. */
	for (size_t j = 0; j <= i; j++) {
		file_path(path, sizeof(path), dir, &files[j], name);
		unlink(path);
	}
	rmdir(dir);
	return rc;
}
