/* hugebss.c: test guest: a 64 MiB .bss, too big for a 16 MiB VM. */
#include <glint.h>

/* volatile: the stores must stay, and with them the 64 MiB. */
static volatile char big[64u << 20];

void glint_handle(const char *input, size_t input_len)
{
	big[input_len] = 1;
	glint_write(input, input_len);
}
