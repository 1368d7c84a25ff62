/* seed.h: per-call random seeds from a per-thread buffer of getrandom bytes. */
#ifndef GLINT_SEED_H
#define GLINT_SEED_H

#include <stddef.h>

/*
 * Fills out with len fresh random bytes (len <= 256) straight from the
 * kernel's CSPRNG: each thread keeps a buffer of getrandom() output and
 * hands out every byte once, so a call costs a memcpy and one getrandom()
 * serves many calls. Bytes handed out are wiped from the buffer, and a
 * forked child drops what it inherited (it would repeat the parent's
 * seeds). Any thread; returns 0 or a negative errno (the kernel's pool not
 * yet initialised: -EAGAIN).
 */
int seed_fill(void *out, size_t len);

#endif /* GLINT_SEED_H */
