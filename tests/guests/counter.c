/* counter.c: test guest: a global incremented per call; always answers "1". */
#include <glint.h>
#include <stdio.h>

static int calls;

void glint_handle(const char *input, size_t input_len)
{
	(void)input;
	(void)input_len;
	calls++;
	glint_set_content_type("text/plain");
	/* Memory is restored after each call, so this is 1 every time. */
	printf("%d", calls);
}
