/* cgi.h: a WASI module's stdout read as a CGI response (WAGI). */
#ifndef GLINT_WASI_CGI_H
#define GLINT_WASI_CGI_H

#include <stddef.h>

/* Takes stdout bytes: the header block first, then the body. */
void cgi_write(const char *buf, size_t len);

/* At the end of a call: a header block that never ended means the output
 * had none, and it all goes out as application/octet-stream. */
void cgi_finish(void);

#endif /* GLINT_WASI_CGI_H */
