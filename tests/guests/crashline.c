/* crashline.c: test guest built with debug information (-g) that crashes on
 * one marked line, for crash reports that name file:line. */
#include <glint.h>

/* Read through a volatile pointer so that the compiler cannot prove the
 * write faults and drop or move it. */
static int *volatile target;

void glint_handle(const char *input, size_t input_len)
{
	(void)input;
	(void)input_len;
	glint_set_content_type("text/plain");
	*target = 1; /* crash-marker: the tests look for this line */
	glint_write("unreachable", 11);
}
