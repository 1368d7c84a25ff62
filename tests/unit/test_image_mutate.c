/* test_image_mutate.c: the image validator on SDK-built images and mutants. */
#include "config.h"

#include <check.h>
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "glint_abi.h"
#include "image.h"
#include "image_fixture.h"
#include "../check_run.h"

#define MUTATIONS 20000
#define IMAGE_LIMIT_BYTES (64u << 20)

/* Guest images built by the tree (check_DATA), relative to GLINT_BUILDDIR. */
static const char *const real_images[] = {
	"guest/examples/echo.elf",   "guest/examples/hello.elf",
	"guest/examples/primes.elf", "guest/examples/table.elf",
	"tests/guests/hostile.elf",  "tests/guests/hugebss.elf",
};

/* xorshift64*: deterministic, so a failure can be replayed by its seed. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* Reads what this test knows independently of image.c: program headers
 * straight from the file, trusting nothing but the header sizes. */
static unsigned count_loads(const uint8_t *buf, size_t len, uint64_t *lo,
			    unsigned *nexec)
{
	Elf64_Ehdr eh;
	unsigned i, n = 0;

	memcpy(&eh, buf, sizeof(eh));
	*lo = UINT64_MAX;
	*nexec = 0;
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		ck_assert_uint_le(eh.e_phoff + (i + 1) * sizeof(ph), len);
		memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		n++;
		if (ph.p_vaddr < *lo)
			*lo = ph.p_vaddr;
		if (ph.p_flags & PF_X)
			(*nexec)++;
	}
	return n;
}

/* Every property image.h promises of a successfully parsed image. */
static void check_invariants(const struct image *img, size_t len)
{
	unsigned i;
	int entry_ok = 0;

	ck_assert_uint_ge(img->nsegments, 1);
	ck_assert_uint_le(img->nsegments, IMAGE_MAX_SEGMENTS);
	ck_assert_uint_eq(img->abi_version, GLINT_ABI_VERSION);
	ck_assert_uint_eq(img->end_gpa % GLINT_PAGE_SIZE, 0);
	ck_assert_uint_le(img->end_gpa, GLINT_MEM_MAX_BYTES);
	for (i = 0; i < img->nsegments; i++) {
		const struct image_segment *s = &img->segments[i];

		ck_assert_uint_eq(s->gpa % GLINT_PAGE_SIZE, 0);
		ck_assert_uint_ge(s->gpa, GLINT_IMAGE_BASE);
		ck_assert_uint_le(s->mem_bytes, img->end_gpa - s->gpa);
		ck_assert_uint_le(s->file_bytes, s->mem_bytes);
		ck_assert_uint_le(s->file_offset, len);
		ck_assert_uint_le(s->file_bytes, len - s->file_offset);
		ck_assert(s->perm & IMAGE_PERM_R);
		ck_assert(!((s->perm & IMAGE_PERM_W) &&
			    (s->perm & IMAGE_PERM_X)));
		if (i > 0) {
			const struct image_segment *p = &img->segments[i - 1];
			uint64_t p_end =
				(p->gpa + p->mem_bytes + GLINT_PAGE_SIZE - 1) &
				~(GLINT_PAGE_SIZE - 1);

			ck_assert_uint_le(p_end, s->gpa);
		}
		if (img->entry_gpa >= s->gpa &&
		    img->entry_gpa - s->gpa < s->mem_bytes &&
		    (s->perm & IMAGE_PERM_X))
			entry_ok = 1;
	}
	ck_assert(entry_ok);
}

/* Mutates a copy of buf[0..len) at random and parses it; the result must be
 * a success that keeps every invariant or -EINVAL with a message. Mutations
 * favour the first 4 KiB, where the headers and notes live. */
static void mutate_many(const uint8_t *buf, size_t len, uint64_t seed)
{
	uint8_t *copy = malloc(len);
	char err[256];
	unsigned iter, k, accepted = 0;

	ck_assert_ptr_nonnull(copy);
	rng_state = seed;
	for (iter = 0; iter < MUTATIONS; iter++) {
		struct image img;
		size_t n = len, hot = len < 4096 ? len : 4096;
		unsigned edits = 1 + (unsigned)(rng() % 8);
		uint8_t *exact;
		int rc;

		memcpy(copy, buf, len);
		for (k = 0; k < edits; k++) {
			size_t at = (rng() % 4) ? rng() % hot : rng() % len;
			uint64_t r = rng();

			if (r % 5 == 0) /* a boundary value, not noise */
				copy[at] = (r >> 8) % 2 ? 0xff : 0x00;
			else
				copy[at] = (uint8_t)(r >> 16);
		}
		if (rng() % 8 == 0)
			n = rng() % (len + 1);
		/* A buffer of exactly n bytes, so that ASan builds catch any
		 * read past the end. */
		exact = malloc(n ? n : 1);
		ck_assert_ptr_nonnull(exact);
		memcpy(exact, copy, n);
		err[0] = '\0';
		rc = image_parse(exact, n, &img, err, sizeof(err));
		free(exact);
		ck_assert_msg(rc == 0 || rc == -EINVAL,
			      "seed %llu iteration %u: rc %d",
			      (unsigned long long)seed, iter, rc);
		if (rc == 0) {
			check_invariants(&img, n);
			accepted++;
		} else {
			ck_assert_msg(err[0] != '\0' && !strchr(err, '\n'),
				      "seed %llu iteration %u: message \"%s\"",
				      (unsigned long long)seed, iter, err);
			ck_assert_uint_eq(img.nsegments, 0);
		}
	}
	/* Mutations outside the headers keep an image valid: the test must
	 * exercise both outcomes to mean anything. */
	ck_assert_uint_gt(accepted, 0);
	ck_assert_uint_lt(accepted, MUTATIONS);
	free(copy);
}

START_TEST(test_mutate_fixture)
{
	struct fixture f;

	fixture_build(&f);
	mutate_many(f.u.bytes, f.len, 0x676c696e74ull + (uint64_t)_i);
}
END_TEST

/* Full path of a built image; the build must have made it. */
static const char *built_path(const char *rel, char *buf, size_t len)
{
	const char *dir = getenv("GLINT_BUILDDIR");

	snprintf(buf, len, "%s/%s", dir ? dir : ".", rel);
	ck_assert_msg(access(buf, R_OK) == 0, "%s was not built", buf);
	return buf;
}

START_TEST(test_real_image)
{
	char path[4096], err[256];
	const char *p = built_path(real_images[_i], path, sizeof(path));
	struct image img;
	uint64_t lo;
	unsigned nexec, n;
	Elf64_Ehdr eh;
	int rc;

	rc = image_load_file(p, IMAGE_LIMIT_BYTES, &img, err, sizeof(err));
	ck_assert_msg(rc == 0, "%s: %s", p, err);
	check_invariants(&img, img.len_bytes);
	n = count_loads(img.data, img.len_bytes, &lo, &nexec);
	ck_assert_uint_eq(img.nsegments, n);
	ck_assert_uint_eq(img.segments[0].gpa, lo);
	ck_assert_uint_eq(lo, GLINT_IMAGE_BASE); /* the SDK's linker script */
	ck_assert_uint_ge(nexec, 1);
	memcpy(&eh, img.data, sizeof(eh));
	ck_assert_uint_eq(img.entry_gpa, eh.e_entry);
	image_release(&img);
}
END_TEST

START_TEST(test_mutate_real_image)
{
	char path[4096], err[256];
	const char *p = built_path(real_images[_i], path, sizeof(path));
	struct image img;

	ck_assert_int_eq(
		image_load_file(p, IMAGE_LIMIT_BYTES, &img, err, sizeof(err)),
		0);
	mutate_many(img.data, img.len_bytes, 0x5eedull + (uint64_t)_i);
	image_release(&img);
}
END_TEST

/* The SDK's own image stamped with another ABI version. */
START_TEST(test_real_badabi)
{
	char path[4096], err[256];
	const char *p =
		built_path("tests/guests/badabi.elf", path, sizeof(path));
	struct image img;

	ck_assert_int_eq(
		image_load_file(p, IMAGE_LIMIT_BYTES, &img, err, sizeof(err)),
		-EINVAL);
	ck_assert_str_eq(err, "image built for glint ABI 999; this glintd runs "
			      "ABI 2: rebuild it against the current guest "
			      "SDK (pkg-config glint-guest)");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("image_mutate");
	TCase *tc = tcase_create("mutate");
	int nreal = (int)(sizeof(real_images) / sizeof(real_images[0]));

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_mutate_fixture, 0, 1);
	tcase_add_loop_test(tc, test_real_image, 0, nreal);
	tcase_add_loop_test(tc, test_mutate_real_image, 0, nreal);
	tcase_add_test(tc, test_real_badabi);
	suite_add_tcase(s, tc);
	return check_run(s);
}
