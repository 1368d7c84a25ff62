/* noready.c: test guest: init never finishes, so the VM never gets READY. */
#include <glint.h>

void glint_init(void)
{
	for (;;)
		__asm__ volatile("pause");
}

void glint_handle(const char *input, size_t input_len)
{
	glint_write(input, input_len);
}
