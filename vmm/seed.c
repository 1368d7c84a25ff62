/* seed.c: per-call random seeds from a per-thread buffer of getrandom bytes. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include "seed.h"

/* 4 KiB: 128 seeds of 256 bits per getrandom() call. */
#define SEED_BUF_BYTES 4096

static __thread unsigned char buf[SEED_BUF_BYTES];
static __thread size_t avail; /* unused bytes at the end of buf */
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Only the forking thread survives in the child; its buffer holds bytes
 * the parent will hand out too, so the child starts empty. */
static void forget_in_child(void)
{
	explicit_bzero(buf, sizeof(buf));
	avail = 0;
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, forget_in_child);
}

static int refill(void)
{
	size_t got = 0;

	pthread_once(&once, register_atfork);
	while (got < sizeof(buf)) {
		ssize_t n =
			getrandom(buf + got, sizeof(buf) - got, GRND_NONBLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	avail = sizeof(buf);
	return 0;
}

int seed_fill(void *out, size_t len)
{
	unsigned char *p;
	int rc;

	if (len > 256)
		return -EINVAL;
	if (avail < len && (rc = refill()) < 0)
		return rc;
	p = buf + sizeof(buf) - avail;
	memcpy(out, p, len);
	explicit_bzero(p, len);
	avail -= len;
	return 0;
}
