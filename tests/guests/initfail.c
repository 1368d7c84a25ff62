/* initfail.c: test guest: init aborts with "init failed on purpose". */
#include <glint.h>

void glint_init(void)
{
	glint_abort("init failed on purpose");
}

void glint_handle(const char *input, size_t input_len)
{
	glint_write(input, input_len);
}
