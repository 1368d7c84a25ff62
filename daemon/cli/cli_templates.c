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
	"\n"
	"deploy: $(NAME).elf\n"
	"\t$(GLINT) deploy $(NAME) $(NAME).elf $(DEPLOY_FLAGS)\n"
	"\n"
	"invoke:\n"
	"\t$(GLINT) invoke $(NAME) --data '{\"name\": \"glint\"}'\n"
	"\n"
	"clean:\n"
	"\trm -f $(NAME).elf\n"
	"\n"
	".PHONY: all deploy invoke clean\n";

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

static const struct {
	const char *suffix; /* file name: NAME + suffix, or fixed */
	int fixed;
	const char *text;
} files[] = {
	{".c", 0, function_c},
	{"Makefile", 1, makefile},
	{"README.md", 1, readme},
	{".gitignore", 1, gitignore},
};
#define NFILES (sizeof(files) / sizeof(files[0]))

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

static void file_path(char *dst, size_t cap, const char *dir, size_t i,
		      const char *name)
{
	snprintf(dst, cap, "%s/%s%s", dir, files[i].fixed ? "" : name,
		 files[i].suffix);
}

int cli_new_project(const char *dir, const char *name, char *err,
		    size_t err_len)
{
	char path[4096];
	size_t i;
	int rc;

	if (mkdir(dir, 0755) < 0) {
		rc = -errno;
		snprintf(err, err_len, "cannot create directory %s: %s%s", dir,
			 strerror(-rc),
			 rc == -EEXIST ? " (choose another name or remove it)"
				       : "");
		return rc;
	}
	for (i = 0; i < NFILES; i++) {
		file_path(path, sizeof(path), dir, i, name);
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
		file_path(path, sizeof(path), dir, j, name);
		unlink(path);
	}
	rmdir(dir);
	return rc;
}
