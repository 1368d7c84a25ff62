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

#include <stdio.h>
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

static void add_unsupported(struct wasm_header_info *info, const char *mod,
			    const char *name)
{
	size_t used = strlen(info->unsupported);

	info->nunsupported++;
	if (used < sizeof(info->unsupported) - 1)
		snprintf(info->unsupported + used,
			 sizeof(info->unsupported) - used, "%s%s.%s",
			 used ? ", " : "", mod, name);
}

static void on_import(const char *p, struct wasm_header_info *info)
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
		if (wasm_wasi_supported(name))
			return;
	}
	add_unsupported(info, mod, name);
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

		/* Imports of memories, tables and globals are commented
		 * inside the instance struct, indented. */
		line += strspn(line, " \t");

		if (strncmp(line, imp, sizeof(imp) - 1) == 0)
			on_import(line + sizeof(imp) - 1, info);
		else if (strncmp(line, exp, sizeof(exp) - 1) == 0)
			on_export(line + sizeof(exp) - 1, next, info);
		line = next;
	}
}
