/* primes.c: CPU-bound work: counts primes below N with a sieve ({"n": N}). */
#include <glint.h>
#include <glint_json.h>
#include <stdlib.h>
#include <string.h>

#define N_DEFAULT 100000
#define N_MAX 50000000 /* one byte per number: fits the default heap */

void glint_handle(const char *input, size_t input_len)
{
	struct glint_json doc, n_value;
	struct glint_json_writer out;
	int64_t n = N_DEFAULT, count = 0, largest = 0;
	uint64_t start = glint_rdtsc();
	unsigned char *composite;

	if (input_len > 0) {
		if (glint_json_parse(input, input_len, &doc, NULL) < 0 ||
		    doc.type != GLINT_JSON_OBJECT)
			glint_fail("request must be a JSON object like "
				   "{\"n\": 100000}");
		if (glint_json_get(&doc, "n", &n_value) == 0 &&
		    (glint_json_to_int(&n_value, &n) < 0 || n < 0 || n > N_MAX))
			glint_fail("\"n\" must be an integer from 0 to %d",
				   N_MAX);
	}

	/* Memory is restored after the call, so there is no need to free. */
	composite = calloc((size_t)n + 1, 1);
	if (composite == NULL)
		glint_fail("n = %lld needs more memory than this function has",
			   (long long)n);
	for (int64_t i = 2; i < n; i++) {
		if (composite[i])
			continue;
		count++;
		largest = i;
		for (int64_t j = i * i; j < n; j += i)
			composite[j] = 1;
	}

	glint_json_writer_init(&out, NULL, NULL);
	glint_json_begin_object(&out);
	glint_json_key(&out, "n");
	glint_json_int(&out, n);
	glint_json_key(&out, "primes_below_n");
	glint_json_int(&out, count);
	glint_json_key(&out, "largest");
	glint_json_int(&out, largest);
	glint_json_key(&out, "cycles");
	glint_json_uint(&out, glint_rdtsc() - start);
	glint_json_end_object(&out);
}
