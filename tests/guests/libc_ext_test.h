/* libc_ext_test.h: the libc_test cases kept in libc_ext_test.c. */
#ifndef GLINT_TEST_LIBC_EXT_TEST_H
#define GLINT_TEST_LIBC_EXT_TEST_H

#include <check.h>

/* Adds the stdio, stdlib and time cases to s. */
void libc_ext_add(Suite *s);

#endif /* GLINT_TEST_LIBC_EXT_TEST_H */
