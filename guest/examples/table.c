/* table.c: expensive set-up done once in init; every call reuses it. */
#include <glint.h>
#include <glint_json.h>
#include <stdint.h>

/*
 * glint_init fills a 4 MiB table (CRC-32 of every 16-bit value, iterated a
 * few rounds to make the work take tens of milliseconds). The VM is
 * snapshotted after init, so every call finds the table ready: calls cost
 * microseconds while init took milliseconds, and "init_cycles" in every
 * response is the same number, measured once.
 */

#define ENTRIES (1u << 20) /* 4-byte entries: 4 MiB */
#define ROUNDS 2

static uint32_t table[ENTRIES];
static uint64_t init_cycles;
static unsigned init_runs;

static uint32_t crc32_step(uint32_t crc, uint32_t v)
{
	for (int i = 0; i < 32; i++) {
		uint32_t bit = (crc ^ v) & 1;

		crc = (crc >> 1) ^ (bit ? 0xedb88320u : 0);
		v >>= 1;
	}
	return crc;
}

void glint_init(void)
{
	uint64_t start = glint_rdtsc();

	for (uint32_t i = 0; i < ENTRIES; i++) {
		uint32_t h = i;

		for (int r = 0; r < ROUNDS; r++)
			h = crc32_step(h, i + (uint32_t)r);
		table[i] = h;
	}
	init_cycles = glint_rdtsc() - start;
	init_runs++;
	glint_log_info("table of %u entries built in %llu cycles", ENTRIES,
		       (unsigned long long)init_cycles);
}

/* Input: a decimal key (anything else reads as 0). Output: its entry. */
void glint_handle(const char *input, size_t input_len)
{
	struct glint_json_writer out;
	uint32_t key = 0;

	for (size_t i = 0; i < input_len && input[i] >= '0' && input[i] <= '9';
	     i++)
		key = key * 10 + (uint32_t)(input[i] - '0');
	key %= ENTRIES;

	glint_json_writer_init(&out, NULL, NULL);
	glint_json_begin_object(&out);
	glint_json_key(&out, "key");
	glint_json_uint(&out, key);
	glint_json_key(&out, "value");
	glint_json_uint(&out, table[key]);
	glint_json_key(&out, "init_cycles");
	glint_json_uint(&out, init_cycles);
	glint_json_key(&out, "init_runs");
	glint_json_uint(&out, init_runs);
	glint_json_end_object(&out);
}
