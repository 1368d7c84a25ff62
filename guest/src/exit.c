/* exit.c: exit, _Exit and atexit: ending a call from anywhere in it. */
#include <stdlib.h>

#include "internal.h"

#define ATEXIT_MAX 32

/* In .bss: only a function that registers a handler dirties the page. */
static void (*handlers[ATEXIT_MAX])(void);
static int handler_count;

int atexit(void (*fn)(void))
{
	if (handler_count == ATEXIT_MAX)
		return -1;
	handlers[handler_count++] = fn;
	return 0;
}

void exit(int status)
{
	/* A handler that calls exit again must not rerun itself. */
	while (handler_count > 0)
		handlers[--handler_count]();
	glint__end_call(status);
}

void _Exit(int status)
{
	glint__end_call(status);
}

void quick_exit(int status)
{
	glint__end_call(status);
}
