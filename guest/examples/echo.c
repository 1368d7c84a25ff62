/* echo.c: the smallest glint function: the response is the request body. */
#include <glint.h>

void glint_handle(const char *input, size_t input_len)
{
	glint_set_content_type("application/octet-stream");
	glint_write(input, input_len);
}
