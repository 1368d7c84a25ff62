/* wasm_build.c: module -> wasm2c -> cc -> guest image, cached by digest.
 *
 * Steps, each refused with its own status and message:
 *   1. the cache (wasm-cache/<sha256>-<version>.elf in the state dir);
 *   2. wasm_scan: section framing and size limits (400 / 422);
 *   3. wasm2c in a confined child: validation and translation (400 / 422);
 *   4. its header: imports we do not provide, no _start (422);
 *   5. cc in a confined child against the guest SDK and the WASI layer;
 *   6. the image into the cache (write, fsync, rename).
 */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasm_build.h"
#include "wasm_child.h"
#include "wasm_header.h"
#include "wasm_scan.h"

#define CACHE_DIR "wasm-cache"
#define IMAGE_MAX (256u << 20)
#define HEADER_MAX (64u << 20)

/* The translation of a module within the scan's limits is far below
 * these; they are there for what the scan cannot see. */
static const struct child_limits translate_limits = {.cpu_s = 60,
						     .as_bytes = 2ull << 30,
						     .fsize_bytes = 512ull
								    << 20,
						     .wall_s = 300};
static const struct child_limits compile_limits = {.cpu_s = 300,
						   .as_bytes = 3ull << 30,
						   .fsize_bytes = 512ull << 20,
						   .wall_s = 900};

struct sdk {
	char include[PATH_MAX], lib[PATH_MAX], ld[PATH_MAX], main_c[PATH_MAX];
	char cc[PATH_MAX], wasm2c[PATH_MAX];
};

static int set_err(struct wasm_error *err, enum engine_outcome o,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Host-side failures are -EIO, the module's own faults -EINVAL. */
static int set_err(struct wasm_error *err, enum engine_outcome o,
		   const char *fmt, ...)
{
	va_list ap;

	err->outcome = o;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return o == ENGINE_INTERNAL || o == ENGINE_WASM_UNAVAILABLE ? -EIO
								    : -EINVAL;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* GLINT_WASM_SDK_DIR (a build tree's guest/wasi/sdk, or any directory
 * with include/ and lib/) wins over the installed SDK. */
static int sdk_find(struct sdk *s, struct wasm_error *err)
{
	const char *dir = getenv("GLINT_WASM_SDK_DIR");
	const char *cc = getenv("GLINT_WASM_CC");

	if (dir && *dir) {
		snprintf(s->include, sizeof(s->include), "%s/include", dir);
		snprintf(s->lib, sizeof(s->lib), "%s/lib", dir);
		snprintf(s->ld, sizeof(s->ld), "%s/lib/glint.ld", dir);
		snprintf(s->main_c, sizeof(s->main_c), "%s/lib/wasm_main.c",
			 dir);
	} else {
		snprintf(s->include, sizeof(s->include), "%s",
			 GLINT_WASM_INCLUDEDIR);
		snprintf(s->lib, sizeof(s->lib), "%s", GLINT_WASM_LIBDIR);
		snprintf(s->ld, sizeof(s->ld), "%s/glint/glint.ld",
			 GLINT_WASM_LIBDIR);
		snprintf(s->main_c, sizeof(s->main_c), "%s/glint/wasm_main.c",
			 GLINT_WASM_LIBDIR);
	}
	if (access(s->main_c, R_OK) < 0)
		return set_err(err, ENGINE_WASM_UNAVAILABLE,
			       "the guest SDK for Wasm is missing (%s); set "
			       "GLINT_WASM_SDK_DIR",
			       s->main_c);
	if (child_find_program("wasm2c", s->wasm2c, sizeof(s->wasm2c)) < 0)
		return set_err(err, ENGINE_WASM_UNAVAILABLE,
			       "wasm2c is not installed (Debian package wabt)");
	if (child_find_program(cc && *cc ? cc : GLINT_WASM_CC, s->cc,
			       sizeof(s->cc)) < 0)
		return set_err(err, ENGINE_WASM_UNAVAILABLE,
			       "the C compiler '%s' is not installed",
			       cc && *cc ? cc : GLINT_WASM_CC);
	return 0;
}

/* ---- files ------------------------------------------------------------- */

static int read_file_at(int dirfd, const char *name, size_t max, char **out,
			size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (buf == NULL || got != (size_t)st.st_size) {
		free(buf);
		return buf ? -EIO : -ENOMEM;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

static int write_file_at(int dirfd, const char *name, const void *buf,
			 size_t len, int do_sync)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0600);
	const char *p = buf;
	int ret = 0;

	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (ret == 0 && do_sync && fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Empties and removes the private directory (flat: nothing nests). */
static void remove_tmpdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(dir);
}

/* ---- the cache ------------------------------------------------------------ */

/* Stubbed images differ from refused ones: the setting is in the name. */
static void cache_name(const uint8_t sha[32], int stub_unknown, char *out,
		       size_t len)
{
	char hex[65];

	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", sha[i]);
	snprintf(out, len, CACHE_DIR "/%s-%s%s.elf", hex, PACKAGE_VERSION,
		 stub_unknown ? "-stubs" : "");
}

static int cache_get(int state_dirfd, const char *name, struct wasm_build *out)
{
	char *buf;
	size_t len;

	if (read_file_at(state_dirfd, name, IMAGE_MAX, &buf, &len) < 0)
		return -ENOENT;
	out->elf = (uint8_t *)buf;
	out->elf_len = len;
	out->cached = 1;
	out->compile_ns = 0;
	return 0;
}

/* A failure to cache costs the next deploy a compile, nothing more. */
static void cache_put(int state_dirfd, const char *name, const uint8_t *elf,
		      size_t len)
{
	char tmp[PATH_MAX + 8];

	if (mkdirat(state_dirfd, CACHE_DIR, 0700) < 0 && errno != EEXIST)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	if (write_file_at(state_dirfd, tmp, elf, len, 1) < 0 ||
	    renameat(state_dirfd, tmp, state_dirfd, name) < 0)
		unlinkat(state_dirfd, tmp, 0);
}

/* ---- the steps ------------------------------------------------------------ */

/* The first line of a step's stderr, printable, for a message. */
static void first_error_line(const char *dir, const char *name, char *out,
			     size_t len)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *text = NULL;
	size_t n = 0, i, o = 0;

	out[0] = '\0';
	if (dfd < 0)
		return;
	if (read_file_at(dfd, name, 1u << 20, &text, &n) == 0) {
		for (i = 0; i < n && text[i] != '\n' && o + 1 < len && o < 300;
		     i++)
			if (text[i] >= 0x20 && text[i] < 0x7f)
				out[o++] = text[i];
		out[o] = '\0';
		free(text);
	}
	close(dfd);
}

static int step_failed(enum child_end end, int status, const char *what,
		       const char *dir, const char *err_name,
		       const struct child_limits *lim, struct wasm_error *err)
{
	char line[320];

	switch (end) {
	case CHILD_OK:
		return 0;
	case CHILD_CPU:
		return set_err(err, ENGINE_COMPILE_LIMIT,
			       "%s exceeded its CPU time limit of %u s", what,
			       lim->cpu_s);
	case CHILD_FSIZE:
		return set_err(err, ENGINE_COMPILE_LIMIT,
			       "%s output exceeded the limit of %llu MiB", what,
			       (unsigned long long)(lim->fsize_bytes >> 20));
	case CHILD_WALL:
		return set_err(err, ENGINE_COMPILE_LIMIT,
			       "%s did not finish within %u s", what,
			       lim->wall_s);
	case CHILD_SIGNALED:
		return set_err(err, ENGINE_COMPILE_LIMIT,
			       "%s was stopped by signal %d (memory limit %llu "
			       "MiB)",
			       what, status,
			       (unsigned long long)(lim->as_bytes >> 20));
	case CHILD_NOEXEC:
		return set_err(err, ENGINE_INTERNAL, "cannot run %s", what);
	case CHILD_FAILED:
		break;
	}
	first_error_line(dir, err_name, line, sizeof(line));
	return set_err(err, ENGINE_COMPILE_FAILED, "%s failed: %s", what,
		       line[0] ? line : "(no message)");
}

static int translate(const struct sdk *s, const char *dir,
		     struct wasm_error *err)
{
	char *argv[] = {(char *)s->wasm2c, "-n", "module", "module.wasm", "-o",
			"module.c",	   NULL};
	char line[320];
	int status;
	enum child_end end =
		child_run(dir, argv, &translate_limits, "wasm2c.err", &status);

	if (end != CHILD_FAILED)
		return step_failed(end, status, "translation (wasm2c)", dir,
				   "wasm2c.err", &translate_limits, err);
	/* wasm2c refuses what does not validate: the module's fault. */
	first_error_line(dir, "wasm2c.err", line, sizeof(line));
	return set_err(err, ENGINE_INVALID_MODULE, "invalid module: %s",
		       line[0] ? line : "wasm2c refused it");
}

/* wasi_stub_unknown: stubs.c and the instantiate call that fits it. */
static int write_stubs(int dfd, const char *text,
		       const struct wasm_header_info *info, char *inst,
		       size_t inst_len, struct wasm_error *err)
{
	char *c = NULL;
	int ret;

	if (info->nunstubbable)
		return set_err(err, ENGINE_UNSUPPORTED_IMPORTS,
			       "the module imports %d item(s) glint does not "
			       "provide and no stub can stand in for (a "
			       "memory, table or global, or a glint call of "
			       "another signature): %s",
			       info->nunstubbable, info->unstubbable);
	ret = wasm_header_stubs(text, &c, inst, inst_len);
	if (ret == 0)
		ret = write_file_at(dfd, "stubs.c", c, strlen(c), 0);
	free(c);
	if (ret < 0)
		return set_err(err, ENGINE_INTERNAL,
			       "cannot write the import stubs: %s",
			       strerror(-ret));
	return 0;
}

/* Refuses what cannot run: unsupported imports (unless stubbed), no
 * _start. */
static int check_module(const struct wasm_header_info *info, int stub_unknown,
			struct wasm_error *err)
{
	if (info->nunsupported && !stub_unknown)
		return set_err(err, ENGINE_UNSUPPORTED_IMPORTS,
			       "the module imports %d item(s) glint does "
			       "not provide: %s",
			       info->nunsupported, info->unsupported);
	if (!info->has_start)
		return set_err(err, ENGINE_NOT_A_COMMAND,
			       "not a WASI command module: it exports no "
			       "_start function");
	return 0;
}

/* module_config.h tells wasm_main.c what the module has. */
static int inspect(const char *dir, int stub_unknown,
		   struct wasm_header_info *info, struct wasm_error *err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *text = NULL, cfg[1024], inst[512] = "";
	size_t len;
	int ret = dfd < 0 ? -errno
			  : read_file_at(dfd, "module.h", HEADER_MAX, &text,
					 &len);

	if (ret < 0) {
		if (dfd >= 0)
			close(dfd);
		return set_err(err, ENGINE_INTERNAL,
			       "cannot read wasm2c's header: %s",
			       strerror(-ret));
	}
	wasm_header_parse(text, info);
	ret = check_module(info, stub_unknown, err);
	if (ret == 0 && stub_unknown && info->nunsupported)
		ret = write_stubs(dfd, text, info, inst, sizeof(inst), err);
	else if (ret == 0 && wasm_header_instantiate(text, inst, sizeof(inst)))
		ret = set_err(err, ENGINE_INTERNAL,
			      "wasm2c's header declares no instantiate call");
	free(text);
	if (ret < 0) {
		close(dfd);
		return ret;
	}
	snprintf(cfg, sizeof(cfg),
		 "#define GLINT_WASM_IMPORTS_WASI %d\n"
		 "#define GLINT_WASM_HAS_MEMORY %d\n"
		 "#define GLINT_WASM_READS_STDIN %d\n%s",
		 info->imports_wasi, info->has_memory, info->reads_stdin, inst);
	ret = write_file_at(dfd, "module_config.h", cfg, strlen(cfg), 0);
	if (ret == 0)
		ret = symlinkat("/usr/include/wasm-rt.h", dfd, "wasm-rt.h") < 0
			      ? -errno
			      : 0;
	close(dfd);
	if (ret < 0)
		return set_err(err, ENGINE_INTERNAL,
			       "cannot prepare the compile: %s",
			       strerror(-ret));
	return 0;
}

/* The guest SDK's code generation (guest/local.mk), plus what wasm2c's
 * output needs for spec conformance, plus the translation's defaults
 * (explicit bounds checks, the call-depth counter). */
static int compile(const struct sdk *s, const char *dir, int stubs,
		   struct wasm_error *err)
{
	char inc[PATH_MAX + 8], ld[PATH_MAX + 16], wasi_a[PATH_MAX + 32],
		guest_a[PATH_MAX + 32], rt_a[PATH_MAX + 32];
	char *argv[64];
	int n = 0, status;
	enum child_end end;

	snprintf(inc, sizeof(inc), "-I%s", s->include);
	snprintf(ld, sizeof(ld), "-Wl,-T,%s", s->ld);
	snprintf(wasi_a, sizeof(wasi_a), "%s/libglint-wasi.a", s->lib);
	snprintf(guest_a, sizeof(guest_a), "%s/libglint-guest.a", s->lib);
	snprintf(rt_a, sizeof(rt_a), "%s/libglint-rt.a", s->lib);
	{
		const char *const args[] = {
			s->cc,
			"-nostdinc",
			"-isystem",
			GLINT_WASM_CC_INCLUDE,
			"-I.",
			inc,
			"-O2",
			"-ffreestanding",
			"-fno-pic",
			"-fno-pie",
			"-fno-stack-protector",
			"-fno-asynchronous-unwind-tables",
			"-fno-unwind-tables",
			"-fcf-protection=none",
			"-ffunction-sections",
			"-fdata-sections",
			"-mno-red-zone",
			"-fno-optimize-sibling-calls",
			"-frounding-math",
			"-fsignaling-nans",
			"-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0",
			"-w",
			"-static",
			"-nostdlib",
			"-no-pie",
			"-Wl,-z,max-page-size=4096",
			"-Wl,-z,noexecstack",
			"-Wl,--build-id=none",
			"-Wl,--gc-sections",
			"-Wl,-z,norelro",
			ld,
			"-o",
			"fn.elf",
			"module.c",
			s->main_c,
			"-Wl,--start-group",
			wasi_a,
			guest_a,
			rt_a,
			"-Wl,--end-group",
			NULL};

		for (; args[n]; n++)
			argv[n] = (char *)args[n];
		/* An object file links wherever it appears. */
		if (stubs)
			argv[n++] = "stubs.c";
		argv[n] = NULL;
	}
	end = child_run(dir, argv, &compile_limits, "cc.err", &status);
	return step_failed(end, status, "compilation (cc)", dir, "cc.err",
			   &compile_limits, err);
}

static int make_tmpdir(char *dir, size_t len, struct wasm_error *err)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, len, "%s/glint-wasm-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return set_err(err, ENGINE_INTERNAL,
			       "cannot create a temporary directory: %s",
			       strerror(errno));
	return 0;
}

static int build_in(const struct sdk *s, const char *dir, const uint8_t *wasm,
		    size_t len, int stub_unknown, struct wasm_build *out,
		    struct wasm_error *err)
{
	struct wasm_header_info info;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *elf;
	int ret;

	if (dfd < 0 || write_file_at(dfd, "module.wasm", wasm, len, 0) < 0) {
		if (dfd >= 0)
			close(dfd);
		return set_err(err, ENGINE_INTERNAL,
			       "cannot write the module to %s", dir);
	}
	ret = translate(s, dir, err);
	if (ret == 0)
		ret = inspect(dir, stub_unknown, &info, err);
	if (ret == 0)
		ret = compile(s, dir, stub_unknown && info.nunsupported, err);
	if (ret == 0 &&
	    read_file_at(dfd, "fn.elf", IMAGE_MAX, &elf, &out->elf_len) < 0)
		ret = set_err(err, ENGINE_INTERNAL,
			      "the compiler wrote no image");
	else if (ret == 0)
		out->elf = (uint8_t *)elf;
	close(dfd);
	return ret;
}

int wasm_build(int state_dirfd, const uint8_t *wasm, size_t len,
	       const uint8_t sha256[32], int stub_unknown,
	       struct wasm_build *out, struct wasm_error *err)
{
	struct wasm_summary sum;
	char name[PATH_MAX], dir[PATH_MAX], msg[256];
	uint64_t t0 = mono_ns();
	struct sdk s;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = wasm_scan(wasm, len, &sum, msg, sizeof(msg));
	if (ret < 0)
		return set_err(err,
			       ret == -E2BIG ? ENGINE_MODULE_TOO_LARGE
					     : ENGINE_INVALID_MODULE,
			       "%s", msg);
	cache_name(sha256, stub_unknown, name, sizeof(name));
	if (cache_get(state_dirfd, name, out) == 0)
		return 0;
	ret = sdk_find(&s, err);
	if (ret == 0)
		ret = make_tmpdir(dir, sizeof(dir), err);
	if (ret < 0)
		return ret;
	ret = build_in(&s, dir, wasm, len, stub_unknown, out, err);
	remove_tmpdir(dir);
	if (ret < 0)
		return ret;
	out->compile_ns = mono_ns() - t0;
	cache_put(state_dirfd, name, out->elf, out->elf_len);
	return 0;
}
