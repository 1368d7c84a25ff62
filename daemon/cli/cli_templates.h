/* cli_templates.h: the starter project that `glint new NAME` writes. */
#ifndef GLINT_DAEMON_CLI_TEMPLATES_H
#define GLINT_DAEMON_CLI_TEMPLATES_H

#include <stddef.h>

/*
 * Creates directory dir (which must not exist) holding NAME.c (a function
 * written against the guest SDK), a Makefile that builds NAME.elf with
 * `pkg-config --cflags --libs glint-guest` and deploys it with
 * `glint deploy`, a README.md and a .gitignore. name must already be a
 * valid function name. Returns 0, or a negative errno with a one-line
 * reason in err; on failure nothing it created is left behind.
 */
int cli_new_project(const char *dir, const char *name, char *err,
		    size_t err_len);

/* The same for a language: "c" (the above), "c-wasm" (NAME.c for
 * wasi-libc, built into NAME.wasm by clang) or "rust" (NAME.rs, built into
 * NAME.wasm by rustc) or "assemblyscript" (NAME.ts and a package.json
 * pinning the compiler, built by asc); the Wasm projects deploy NAME.wasm. -EINVAL with a
 * message for another language. */
int cli_new_project_lang(const char *dir, const char *name, const char *lang,
			 char *err, size_t err_len);

#endif /* GLINT_DAEMON_CLI_TEMPLATES_H */
