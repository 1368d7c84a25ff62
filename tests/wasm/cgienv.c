/* cgienv.c: a WASI test module (wasi-libc) that answers the CGI/WAGI
 * variables it sees, one per line, after its body, so that a test can
 * compare them with the request it sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {
	"GATEWAY_INTERFACE",
	"SERVER_PROTOCOL",
	"SERVER_SOFTWARE",
	"REQUEST_METHOD",
	"PATH_INFO",
	"QUERY_STRING",
	"CONTENT_TYPE",
	"CONTENT_LENGTH",
	"HTTP_X_MULTI",
	"HTTP_COOKIE",
	"HTTP_CONTENT_TYPE",
	"HTTP_CONTENT_LENGTH",
	"REMOTE_ADDR",
	"SERVER_NAME",
	"SERVER_PORT",
	"SCRIPT_NAME",
	"X_RAW_PATH_INFO",
	"X_FULL_URL",
	"MYVAR",
};

int main(void)
{
	char body[256];
	size_t n = fread(body, 1, sizeof(body) - 1, stdin);
	const char *port = getenv("REMOTE_PORT");

	body[n] = '\0';
	printf("Content-Type: text/plain\n\nbody=%s\n", body);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = getenv(names[i]);

		if (v)
			printf("%s=%s\n", names[i], v);
		else
			printf("%s unset\n", names[i]);
	}
	printf("REMOTE_PORT %s\n", port && atoi(port) > 0 ? "set" : "unset");
	return 0;
}
