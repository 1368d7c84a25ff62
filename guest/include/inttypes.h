/* inttypes.h: printf/scanf macros for <stdint.h> types and strtoimax. */
#ifndef GLINT_INTTYPES_H
#define GLINT_INTTYPES_H

#include <stdint.h>

#include "glint_cdefs.h"

GLINT_BEGIN_DECLS

/* x86-64 (LP64): 64-bit types are long, intptr_t is long. */
#define GLINT__PRI64 "l"
#define GLINT__PRIPTR "l"

#define PRId8 "d"
#define PRId16 "d"
#define PRId32 "d"
#define PRId64 GLINT__PRI64 "d"
#define PRIi8 "i"
#define PRIi16 "i"
#define PRIi32 "i"
#define PRIi64 GLINT__PRI64 "i"
#define PRIu8 "u"
#define PRIu16 "u"
#define PRIu32 "u"
#define PRIu64 GLINT__PRI64 "u"
#define PRIx8 "x"
#define PRIx16 "x"
#define PRIx32 "x"
#define PRIx64 GLINT__PRI64 "x"
#define PRIX8 "X"
#define PRIX16 "X"
#define PRIX32 "X"
#define PRIX64 GLINT__PRI64 "X"
#define PRIo8 "o"
#define PRIo16 "o"
#define PRIo32 "o"
#define PRIo64 GLINT__PRI64 "o"
#define PRIdMAX "jd"
#define PRIiMAX "ji"
#define PRIuMAX "ju"
#define PRIxMAX "jx"
#define PRIXMAX "jX"
#define PRIoMAX "jo"
#define PRIdPTR GLINT__PRIPTR "d"
#define PRIiPTR GLINT__PRIPTR "i"
#define PRIuPTR GLINT__PRIPTR "u"
#define PRIxPTR GLINT__PRIPTR "x"
#define PRIXPTR GLINT__PRIPTR "X"
#define PRIoPTR GLINT__PRIPTR "o"
#define PRIdLEAST64 PRId64
#define PRIuLEAST64 PRIu64
#define PRIdFAST64 PRId64
#define PRIuFAST64 PRIu64

#define SCNd8 "hhd"
#define SCNd16 "hd"
#define SCNd32 "d"
#define SCNd64 GLINT__PRI64 "d"
#define SCNi8 "hhi"
#define SCNi16 "hi"
#define SCNi32 "i"
#define SCNi64 GLINT__PRI64 "i"
#define SCNu8 "hhu"
#define SCNu16 "hu"
#define SCNu32 "u"
#define SCNu64 GLINT__PRI64 "u"
#define SCNx8 "hhx"
#define SCNx16 "hx"
#define SCNx32 "x"
#define SCNx64 GLINT__PRI64 "x"
#define SCNo8 "hho"
#define SCNo16 "ho"
#define SCNo32 "o"
#define SCNo64 GLINT__PRI64 "o"
#define SCNdMAX "jd"
#define SCNuMAX "ju"
#define SCNxMAX "jx"
#define SCNdPTR GLINT__PRIPTR "d"
#define SCNuPTR GLINT__PRIPTR "u"
#define SCNxPTR GLINT__PRIPTR "x"

typedef struct {
	intmax_t quot, rem;
} imaxdiv_t;

intmax_t imaxabs(intmax_t v);
imaxdiv_t imaxdiv(intmax_t num, intmax_t den);
intmax_t strtoimax(const char *__restrict s, char **__restrict end, int base);
uintmax_t strtoumax(const char *__restrict s, char **__restrict end, int base);

GLINT_END_DECLS

#endif /* GLINT_INTTYPES_H */
