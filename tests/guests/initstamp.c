/* initstamp.c: test guest: proves init runs once per boot, not per call or clone. */
#include <glint.h>
#include <stdio.h>

/*
 * init logs "init ran" and records the TSC at boot (unique to this boot)
 * and a run counter. Every call answers "stamp=<tsc> runs=<n>": the same
 * for every call and every clone of one snapshot, and runs is always 1.
 */

static unsigned long long stamp;
static unsigned runs;

void glint_init(void)
{
	stamp = glint_rdtsc();
	runs++;
	glint_log_info("init ran");
}

void glint_handle(const char *input, size_t input_len)
{
	(void)input;
	(void)input_len;
	glint_set_content_type("text/plain");
	printf("stamp=%llu runs=%u", stamp, runs);
}
