/* wasm_child.h: running a translation or compile step in a confined child. */
#ifndef GLINT_WASM_CHILD_H
#define GLINT_WASM_CHILD_H

#include <stdint.h>

struct child_limits {
	unsigned cpu_s;	      /* RLIMIT_CPU, per process of the step */
	uint64_t as_bytes;    /* RLIMIT_AS */
	uint64_t fsize_bytes; /* RLIMIT_FSIZE: any one file it writes */
	unsigned wall_s;      /* the whole step, then SIGKILL to its group */
};

enum child_end {
	CHILD_OK,	/* exited 0 */
	CHILD_FAILED,	/* exited non-zero: see its stderr */
	CHILD_CPU,	/* CPU time limit */
	CHILD_FSIZE,	/* output size limit */
	CHILD_WALL,	/* wall-clock limit */
	CHILD_SIGNALED, /* other signal (often the memory limit) */
	CHILD_NOEXEC,	/* could not start */
};

/*
 * Runs argv[0] (an absolute path) in dir with the limits, in a process
 * group and (when glintd runs as root) a network namespace of its own,
 * with stdin from /dev/null, stdout to /dev/null and stderr to
 * dir/err_name. The environment is PATH, LC_ALL=C and TMPDIR=dir only.
 * Blocks until the step ends: call it from a worker thread.
 */
enum child_end child_run(const char *dir, char *const argv[],
			 const struct child_limits *lim, const char *err_name,
			 int *status);

/* The absolute path of name on PATH (or name itself when it has a '/');
 * 0 or -ENOENT. */
int child_find_program(const char *name, char *out, size_t out_len);

#endif /* GLINT_WASM_CHILD_H */
