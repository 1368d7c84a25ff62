// cxx_headers.cpp: every SDK header compiles as C++ and a .cpp file defines the entry points.
#include <alloca.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fenv.h>
#include <glint.h>
#include <glint_json.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static int initialised;

void glint_init(void)
{
	initialised = 1;
}

void glint_handle(const char *input, size_t input_len)
{
	char *copy = strndup(input, input_len);
	time_t t = 86400;
	struct tm tm;
	char day[16];

	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%F", &tm);
	glint_set_content_type("text/plain");
	printf("%d %s %s %.3f %" PRIu64 "\n", initialised, copy, day,
	       sqrt(2.0), UINT64_MAX);
	free(copy);
}
