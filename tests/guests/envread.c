/* envread.c: reads its environment and secrets. init keeps what getenv
 * gave it then; each call answers
 *   init=<GREETING at init> env=<getenv(body)> secret=<glint_secret(body)>
 * with "(null)" for a missing one, so a test can also show that getenv
 * does not see secrets. */
#include <glint.h>
#include <stdio.h>
#include <stdlib.h>

static char at_init[64] = "(unset)";

void glint_init(void)
{
	const char *g = getenv("GREETING");

	snprintf(at_init, sizeof(at_init), "%s", g ? g : "(null)");
}

void glint_handle(const char *input, size_t input_len)
{
	char name[64];
	const char *e, *s;

	snprintf(name, sizeof(name), "%.*s", (int)input_len, input);
	e = getenv(name);
	s = glint_secret(name);
	glint_printf("init=%s env=%s secret=%s", at_init, e ? e : "(null)",
		     s ? s : "(null)");
}
