/* replay.c: runs fuzz inputs through a target without libFuzzer (make check replays corpora and regressions). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Linked with one fuzz target instead of libFuzzer's main. With no
 * arguments it replays $GLINT_SRCDIR/tests/fuzz/corpus/FUZZ_TARGET (must
 * exist and hold at least one file) and tests/fuzz/regressions/FUZZ_TARGET
 * (optional); with arguments, each file or directory named. A broken
 * promise in the target aborts, which fails the test; so does an input
 * that runs longer than REPLAY_TIMEOUT_S. Inputs larger than
 * libFuzzer's default -max_len are still replayed whole.
 */

#ifndef FUZZ_TARGET
#error "build with -DFUZZ_TARGET='\"name\"'"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_BYTES (64u << 20)
#define REPLAY_TIMEOUT_S 30

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 4096;
			nb = cap <= REPLAY_MAX_BYTES ? realloc(buf, cap) : NULL;
			if (!nb) {
				fprintf(stderr, "replay: %s: too large\n",
					path);
				free(buf);
				fclose(f);
				return -EFBIG;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	/* An exact-size copy, so the sanitizers see any overread. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return -ENOMEM;
	}
	memcpy(exact, buf, len);
	free(buf);
	/* A hang is a bug too: SIGALRM ends the test as a failure. */
	alarm(REPLAY_TIMEOUT_S);
	LLVMFuzzerTestOneInput(exact, len);
	alarm(0);
	free(exact);
	return 0;
}

/* Replays every regular file in dir; *count_out gets how many. */
static int replay_dir(const char *dir, unsigned *count_out)
{
	char path[4096];
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	*count_out = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(path) < 0)
			rc = -EIO;
		else
			(*count_out)++;
	}
	closedir(d);
	return rc;
}

static int replay_path(const char *path, unsigned *count_out)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return replay_dir(path, count_out);
	*count_out = 1;
	return replay_file(path);
}

int main(int argc, char **argv)
{
	const char *src = getenv("GLINT_SRCDIR");
	char corpus[4096], regressions[4096];
	unsigned n = 0, total = 0;
	int rc;

	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			if (replay_path(argv[i], &n) < 0)
				return 1;
			total += n;
		}
		printf("%s: replayed %u inputs\n", FUZZ_TARGET, total);
		return 0;
	}
	if (!src)
		src = ".";
	snprintf(corpus, sizeof(corpus), "%s/tests/fuzz/corpus/%s", src,
		 FUZZ_TARGET);
	snprintf(regressions, sizeof(regressions),
		 "%s/tests/fuzz/regressions/%s", src, FUZZ_TARGET);
	rc = replay_dir(corpus, &n);
	if (rc < 0 || n == 0) {
		fprintf(stderr, "%s: no seed corpus in %s\n", FUZZ_TARGET,
			corpus);
		return 1;
	}
	total = n;
	rc = replay_dir(regressions, &n);
	if (rc < 0 && rc != -ENOENT)
		return 1;
	total += n;
	printf("%s: replayed %u inputs (%u regressions)\n", FUZZ_TARGET, total,
	       n);
	return 0;
}
