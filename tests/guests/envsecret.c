/* envsecret.c: test guest: what init and a call see of the environment and the secrets. */
#include <glint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Needs the guest SDK of ABI 2 (getenv, glint_secret): not built until
 * the SDK has them. init copies GREETING so the answer proves init saw
 * the environment of its boot. A call with input "env:NAME" answers
 * getenv(NAME), "secret:NAME" answers glint_secret(NAME), each as
 * "<value>" or "(unset)"; "init" answers what init saw.
 */

static char at_init[128];

void glint_init(void)
{
	const char *g = getenv("GREETING");

	snprintf(at_init, sizeof(at_init), "%s", g ? g : "(unset)");
}

void glint_handle(const char *input, size_t input_len)
{
	char name[160];
	const char *v = NULL;
	size_t n = input_len < sizeof(name) - 1 ? input_len : sizeof(name) - 1;

	memcpy(name, input, n);
	name[n] = '\0';
	glint_set_content_type("text/plain");
	if (strcmp(name, "init") == 0) {
		printf("%s", at_init);
		return;
	}
	if (strncmp(name, "env:", 4) == 0)
		v = getenv(name + 4);
	else if (strncmp(name, "secret:", 7) == 0)
		v = glint_secret(name + 7);
	else
		glint_fail("input must be init, env:NAME or secret:NAME");
	printf("%s", v ? v : "(unset)");
}
