/* rename.h: forced into guest libc sources built for host tests, so they do not clash with glibc. */
#ifndef GLINT_TEST_RENAME_H
#define GLINT_TEST_RENAME_H

#define memcpy glint_test_memcpy
#define memmove glint_test_memmove
#define memset glint_test_memset
#define memcmp glint_test_memcmp
#define memchr glint_test_memchr
#define memrchr glint_test_memrchr
#define memmem glint_test_memmem
#define strlen glint_test_strlen
#define strnlen glint_test_strnlen
#define strcmp glint_test_strcmp
#define strncmp glint_test_strncmp
#define strcasecmp glint_test_strcasecmp
#define strncasecmp glint_test_strncasecmp
#define strchr glint_test_strchr
#define strrchr glint_test_strrchr
#define strstr glint_test_strstr
#define strspn glint_test_strspn
#define strcspn glint_test_strcspn
#define strpbrk glint_test_strpbrk
#define strcpy glint_test_strcpy
#define strncpy glint_test_strncpy
#define strcat glint_test_strcat
#define strncat glint_test_strncat
#define strlcpy glint_test_strlcpy
#define strdup glint_test_strdup
#define strndup glint_test_strndup
#define strtok_r glint_test_strtok_r
#define strerror glint_test_strerror
#define malloc glint_test_malloc
#define calloc glint_test_calloc
#define realloc glint_test_realloc
#define free glint_test_free
#define strtol glint_test_strtol
#define strtoll glint_test_strtoll
#define strtoul glint_test_strtoul
#define strtoull glint_test_strtoull
#define strtod glint_test_strtod
#define atoi glint_test_atoi
#define atol glint_test_atol
#define atoll glint_test_atoll
#define atof glint_test_atof
#define abs glint_test_abs
#define labs glint_test_labs
#define llabs glint_test_llabs
#define qsort glint_test_qsort
#define bsearch glint_test_bsearch
#define rand glint_test_rand
#define abort glint_test_abort
#define snprintf glint_test_snprintf
#define vsnprintf glint_test_vsnprintf
#define printf glint_test_printf
#define vprintf glint_test_vprintf
#define puts glint_test_puts
#define putchar glint_test_putchar
#define errno glint_test_errno

#endif /* GLINT_TEST_RENAME_H */
