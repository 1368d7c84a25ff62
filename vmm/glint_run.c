/* glint_run.c: glint-run, runs a guest image locally through the VMM library. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "glint_abi.h"
#include "image.h"
#include "monotime.h"
#include "vm.h"

/* Exit codes: the call failed (function error, guest fault, timeout, host
 * failure), or the command line or the image is wrong. */
#define EXIT_CALL 1
#define EXIT_USAGE 2

#define IMAGE_MAX_BYTES (64u << 20)
#define REPEAT_MAX 1000000u
#define TIMEOUT_MAX_MS 3600000u

struct options {
	const char *image_path;
	const char *input_path; /* NULL: empty input; "-": stdin */
	uint64_t mem_mib;
	uint64_t timeout_ms;
	uint64_t repeat;
	int stats;
};

/* Per-call measurements, kept for the --stats percentiles. */
struct samples {
	uint64_t *call_ns; /* vm_call, wall clock */
	uint64_t *run_ns;  /* inside KVM_RUN */
	uint64_t *restore_ns;
	uint64_t *dirty_pages;
	unsigned full_copies;
	size_t n;
};

static void complain(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void complain(const char *fmt, ...)
{
	va_list ap;

	fputs("glint-run: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *to)
{
	fputs("Usage: glint-run IMAGE [OPTIONS]\n"
	      "Runs the glint guest image IMAGE in a micro-VM: boots it to "
	      "its\n"
	      "snapshot, then calls it and writes each call's output to "
	      "stdout.\n"
	      "\n"
	      "  -i, --input FILE|-   call input (default: empty; -: stdin)\n"
	      "  -m, --memory MIB     guest memory, 1-1024 MiB (default 16)\n"
	      "  -t, --timeout MS     per-call deadline, 1-3600000 ms "
	      "(default 1000)\n"
	      "  -n, --repeat N       calls to make, 1-1000000 (default 1)\n"
	      "  -s, --stats          print boot, call and restore timings to "
	      "stderr\n"
	      "  -h, --help           show this help\n"
	      "\n"
	      "Guest log lines go to stderr, prefixed with the call id.\n"
	      "Exit status: 0 success, 1 the call failed, 2 bad usage or "
	      "image.\n",
	      to);
}

/* Decimal number in [lo, hi]; nothing else accepted (no sign, no suffix). */
static int parse_number(const char *opt, const char *s, uint64_t lo,
			uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	complain("%s: '%s' is not a number from %" PRIu64 " to %" PRIu64, opt,
		 s, lo, hi);
	return -EINVAL;
}

/* Returns 0 to run, 1 after --help, -EINVAL after a usage error (said). */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"input", required_argument, NULL, 'i'},
		{"memory", required_argument, NULL, 'm'},
		{"timeout", required_argument, NULL, 't'},
		{"repeat", required_argument, NULL, 'n'},
		{"stats", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t mem_lo = GLINT_MEM_MIN_BYTES >> 20;
	uint64_t mem_hi = GLINT_MEM_MAX_BYTES >> 20;
	int c, rc = 0;

	*o = (struct options){.mem_mib = 16, .timeout_ms = 1000, .repeat = 1};
	opterr = 0; /* our own one-line messages */
	while (rc == 0 && (c = getopt_long(argc, argv, ":i:m:t:n:sh", longopts,
					   NULL)) != -1) {
		switch (c) {
		case 'i':
			o->input_path = optarg;
			break;
		case 'm':
			rc = parse_number("--memory", optarg, mem_lo, mem_hi,
					  &o->mem_mib);
			break;
		case 't':
			rc = parse_number("--timeout", optarg, 1,
					  TIMEOUT_MAX_MS, &o->timeout_ms);
			break;
		case 'n':
			rc = parse_number("--repeat", optarg, 1, REPEAT_MAX,
					  &o->repeat);
			break;
		case 's':
			o->stats = 1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			complain("option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			complain("unknown option '%s' (see --help)",
				 argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (rc)
		return rc;
	if (optind >= argc) {
		complain("no image given (usage: glint-run IMAGE [OPTIONS])");
		return -EINVAL;
	}
	if (optind + 1 < argc) {
		complain("unexpected argument '%s' (one image at a time)",
			 argv[optind + 1]);
		return -EINVAL;
	}
	o->image_path = argv[optind];
	return 0;
}

/* Reads all of fd, at most cap bytes; -EFBIG when there is more. */
static int read_fd(int fd, size_t cap, uint8_t **out, size_t *len)
{
	size_t size = 4096, got = 0;
	uint8_t *buf = malloc(size), *nbuf;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (got == size) {
			if (size > cap)
				break;
			size *= 2;
			nbuf = realloc(buf, size);
			if (!nbuf) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
		}
		r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(buf);
			return (int)r;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got > cap) {
		free(buf);
		return -EFBIG;
	}
	*out = buf;
	*len = got;
	return 0;
}

static int read_input(const char *path, size_t cap, uint8_t **out, size_t *len)
{
	int fd = 0, rc;

	*out = NULL;
	*len = 0;
	if (!path)
		return 0;
	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			rc = -errno;
			complain("cannot open input %s: %s", path,
				 strerror(-rc));
			return rc;
		}
	}
	rc = read_fd(fd, cap, out, len);
	if (fd != 0)
		close(fd);
	if (rc == -EFBIG)
		complain("input is larger than the %zu-byte input area "
			 "(use a larger --memory)",
			 cap);
	else if (rc)
		complain("cannot read input %s: %s", path, strerror(-rc));
	return rc;
}

static const char *level_name(int level)
{
	static const char *const names[] = {"emerg", "alert",	"crit",
					    "error", "warning", "notice",
					    "info",  "debug"};

	return level >= 0 && level < 8 ? names[level] : "info";
}

static void log_line(void *opaque, uint64_t call_id, int level,
		     const char *line, size_t len)
{
	(void)opaque;
	if (call_id == 0)
		fprintf(stderr, "[init] %s: %.*s\n", level_name(level),
			(int)len, line);
	else
		fprintf(stderr, "[call %" PRIu64 "] %s: %.*s\n", call_id,
			level_name(level), (int)len, line);
}

static int write_all(const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(STDOUT_FILENO, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The function's error text, on one line of printable characters. */
static void complain_function_error(const struct vm_call_result *res)
{
	size_t i, n = res->output_len < 1024 ? res->output_len : 1024;
	char msg[1025];

	for (i = 0; i < n; i++) {
		uint8_t ch = res->output[i];

		msg[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
	}
	msg[n] = '\0';
	complain("function error: %s", n ? msg : "(no message)");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v and prints its median and 99th percentile (nearest rank). */
static void print_dist(const char *what, uint64_t *v, size_t n, double div,
		       const char *unit)
{
	size_t p99 = (n * 99 + 99) / 100;

	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	if (n == 1) {
		fprintf(stderr, "  %-12s %.1f%s\n", what, (double)v[0] / div,
			unit);
		return;
	}
	fprintf(stderr,
		"  %-12s median %.1f%s, p99 %.1f%s, min %.1f%s, max %.1f%s\n",
		what, (double)v[n / 2] / div, unit, (double)v[p99 - 1] / div,
		unit, (double)v[0] / div, unit, (double)v[n - 1] / div, unit);
}

static void print_stats(const struct vm_boot_stats *boot, struct samples *s)
{
	fprintf(stderr,
		"boot: create %.1f us, init %.1f us, snapshot %.1f us, "
		"%" PRIu64 " pages touched\n",
		boot->create_ns / 1e3, boot->init_ns / 1e3,
		boot->snapshot_ns / 1e3, boot->touched_pages);
	fprintf(stderr, "calls: %zu\n", s->n);
	print_dist("call", s->call_ns, s->n, 1e3, " us");
	print_dist("run", s->run_ns, s->n, 1e3, " us");
	print_dist("restore", s->restore_ns, s->n, 1e3, " us");
	print_dist("dirty pages", s->dirty_pages, s->n, 1, "");
	if (s->full_copies)
		fprintf(stderr, "  full copies  %u\n", s->full_copies);
}

static int samples_init(struct samples *s, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->call_ns = calloc(n, sizeof(uint64_t));
	s->run_ns = calloc(n, sizeof(uint64_t));
	s->restore_ns = calloc(n, sizeof(uint64_t));
	s->dirty_pages = calloc(n, sizeof(uint64_t));
	if (s->call_ns && s->run_ns && s->restore_ns && s->dirty_pages)
		return 0;
	return -ENOMEM;
}

static void samples_free(struct samples *s)
{
	free(s->call_ns);
	free(s->run_ns);
	free(s->restore_ns);
	free(s->dirty_pages);
}

/* Host calls, done in place: NOOP at once, SLEEP by sleeping (glintd
 * parks the VM instead and serves other calls meanwhile); FETCH and KV
 * get GLINT_E_UNAVAIL. */
static int noop_sync(void *opaque, const struct vm_hostcall *hc,
		     int64_t *result)
{
	(void)opaque;
	*result = 0;
	return hc->op == GLINT_HOSTCALL_NOOP;
}

static int serve_parked(struct vm *vm, int rc, struct vm_call_result *res,
			struct vm_error *err)
{
	while (rc == -EINPROGRESS) {
		const struct glint_hostcall_sleep *sl = res->hostcall.req;
		struct timespec ts = {0, 0};

		if (res->hostcall.op == GLINT_HOSTCALL_SLEEP) {
			ts.tv_sec = sl->ms / 1000;
			ts.tv_nsec = (long)(sl->ms % 1000) * 1000000L;
			while (nanosleep(&ts, &ts) && errno == EINTR)
				;
		}
		/* KV and outbound HTTP live in glintd, not here. */
		rc = vm_resume(vm,
			       res->hostcall.op == GLINT_HOSTCALL_SLEEP
				       ? 0
				       : GLINT_E_UNAVAIL,
			       NULL, 0, res, err);
	}
	return rc;
}

/* One call, its output, and the restore. Returns an exit code. */
static int call_once(struct vm *vm, const struct options *o,
		     const uint8_t *input, size_t input_len, uint64_t call_id,
		     struct samples *s)
{
	/* What glintd would send for `POST /invoke/<fn>` with this body. */
	static const struct vm_request post = {
		.method = {"POST", 4},
		.scheme = {"http", 4},
		.client_addr = {"127.0.0.1", 9},
	};
	struct vm_call_args args = {
		.request = &post,
		.input = input,
		.input_len = input_len,
		.call_id = call_id,
		.timeout_ms = (uint32_t)o->timeout_ms,
		.log = log_line,
		.hostcall_sync = noop_sync,
	};
	struct vm_call_result res;
	struct vm_restore_stats rs = {0};
	struct vm_error err = {0};
	uint64_t t0 = monotime_ns();
	int rc, code = 0;

	rc = serve_parked(vm, vm_call(vm, &args, &res, &err), &res, &err);
	s->call_ns[s->n] = monotime_ns() - t0;
	if (res.log_dropped)
		fprintf(stderr,
			"[call %" PRIu64 "] warning: %" PRIu32
			" log line(s) dropped: the call's log buffer was "
			"full\n",
			call_id, res.log_dropped);
	if (rc == -EIO) {
		complain("%s: %s", vm_error_kind_name(err.kind), err.message);
		code = EXIT_CALL;
	} else if (rc) {
		complain("call failed: %s", strerror(-rc));
		code = EXIT_CALL;
	} else if (res.status != GLINT_STATUS_OK) {
		complain_function_error(&res);
		code = EXIT_CALL;
	} else {
		s->run_ns[s->n] = res.run_ns;
		rc = write_all(res.output, res.output_len);
		if (rc) {
			complain("cannot write output: %s", strerror(-rc));
			code = EXIT_CALL;
		}
	}
	/* Restore even after a failure: it is what the daemon does. */
	rc = vm_restore(vm, &rs);
	if (rc && !code) {
		complain("restore failed: %s", strerror(-rc));
		code = EXIT_CALL;
	}
	s->restore_ns[s->n] = rs.restore_ns;
	s->dirty_pages[s->n] = rs.dirty_pages;
	s->full_copies += rs.full_copy ? 1 : 0;
	s->n++;
	return code;
}

/* Boots the image; returns an exit code (0 when vm is ready). */
static int boot(struct vmm *vmm, const char *path, const struct image *img,
		const struct vm_config *cfg, struct vm_snapshot **snap,
		struct vm **vm, struct vm_boot_stats *stats)
{
	struct vm_error err = {0};
	int rc;

	rc = vm_boot(vmm, img, cfg, log_line, NULL, snap, vm, stats, &err);
	if (rc == 0)
		return 0;
	if (err.kind == VM_ERR_NONE) {
		complain("cannot boot the image: %s", strerror(-rc));
		return EXIT_CALL;
	}
	/* An image that does not fit the configuration is the user's input,
	 * like an invalid image; anything the guest's init did is a failure
	 * of the run. */
	if (err.kind == VM_ERR_IMAGE) {
		complain("%s: %s", path, err.message);
		return EXIT_USAGE;
	}
	complain("%s: %s", vm_error_kind_name(err.kind), err.message);
	return EXIT_CALL;
}

static int prepare(const struct options *o, struct image *img,
		   struct vm_config *cfg, uint8_t **input, size_t *input_len)
{
	char err[256];
	int rc;

	vm_config_default(cfg, o->mem_mib << 20);
	if (vm_config_check(cfg, err, sizeof(err))) {
		complain("%s", err);
		return EXIT_USAGE;
	}
	if (read_input(o->input_path, cfg->input_max_bytes, input, input_len))
		return EXIT_USAGE;
	rc = image_load_file(o->image_path, IMAGE_MAX_BYTES, img, err,
			     sizeof(err));
	if (rc) {
		/* File errors name the file already; validator errors do not. */
		if (strstr(err, o->image_path))
			complain("%s", err);
		else
			complain("%s: %s", o->image_path, err);
		free(*input);
		*input = NULL;
		return EXIT_USAGE;
	}
	return 0;
}

static int run(const struct options *o)
{
	struct image img;
	struct vm_config cfg;
	struct vm_boot_stats bs = {0};
	struct vmm *vmm = NULL;
	struct vm_snapshot *snap = NULL;
	struct vm *vm = NULL;
	struct samples s;
	uint8_t *input = NULL;
	size_t input_len = 0;
	char err[256];
	uint64_t i;
	int code;

	code = prepare(o, &img, &cfg, &input, &input_len);
	if (code)
		return code;
	code = EXIT_CALL;
	if (samples_init(&s, o->repeat)) {
		complain("out of memory");
		goto out_samples;
	}
	if (vmm_open(&vmm, err, sizeof(err))) {
		complain("%s", err);
		goto out_samples;
	}
	code = boot(vmm, o->image_path, &img, &cfg, &snap, &vm, &bs);
	for (i = 0; code == 0 && i < o->repeat; i++)
		code = call_once(vm, o, input, input_len, i + 1, &s);
	if (o->stats && s.n > 0)
		print_stats(&bs, &s);
	vm_destroy(vm);
	vm_snapshot_unref(snap);
	vmm_close(vmm);
out_samples:
	samples_free(&s);
	image_release(&img);
	free(input);
	return code;
}

int main(int argc, char **argv)
{
	struct options o;
	int rc = parse_options(argc, argv, &o);

	if (rc > 0)
		return 0;
	if (rc < 0)
		return EXIT_USAGE;
	return run(&o);
}
