/* run_glint.c: spawns the glint CLI with files for its stdin, stdout and stderr. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run_glint.h"

/* Per pid: the temporary files of a run in flight (tests run few). */
#define MAX_RUNS 8
static struct {
	pid_t pid;
	int out_fd, err_fd;
} runs[MAX_RUNS];

static int temp_fd(void)
{
	char path[] = "/tmp/glint-cli-run-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	return fd;
}

static void child(const char *const *args, const char *const *env, int in_fd,
		  int out_fd, int err_fd)
{
	const char *argv[64];
	const char *top = getenv("GLINT_BUILDDIR");
	char path[1024];
	int n = 0;

	snprintf(path, sizeof(path), "%s/glint", top ? top : ".");
	argv[n++] = path;
	for (; args && *args && n < 63; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	unsetenv("GLINT_URL");
	unsetenv("GLINT_TOKEN");
	for (; env && *env; env++)
		putenv((char *)*env);
	dup2(in_fd, STDIN_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	dup2(err_fd, STDERR_FILENO);
	execv(path, (char *const *)argv);
	_exit(127);
}

pid_t glint_run_start(const char *const *args, const char *const *env,
		      const void *stdin_data, size_t stdin_len)
{
	int in_fd = temp_fd(), out_fd = temp_fd(), err_fd = temp_fd();
	size_t slot = 0;
	pid_t pid;

	if (stdin_len)
		ck_assert(write(in_fd, stdin_data, stdin_len) ==
			  (ssize_t)stdin_len);
	lseek(in_fd, 0, SEEK_SET);
	while (slot < MAX_RUNS && runs[slot].pid)
		slot++;
	ck_assert(slot < MAX_RUNS);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0)
		child(args, env, in_fd, out_fd, err_fd);
	close(in_fd);
	runs[slot].pid = pid;
	runs[slot].out_fd = out_fd;
	runs[slot].err_fd = err_fd;
	return pid;
}

static char *slurp(int fd, size_t *len)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *buf = malloc((size_t)n + 1);

	ck_assert(n >= 0 && buf);
	ck_assert(pread(fd, buf, (size_t)n, 0) == n);
	buf[n] = '\0';
	*len = (size_t)n;
	close(fd);
	return buf;
}

void glint_run_wait(pid_t pid, struct glint_run *r)
{
	int st = 0;
	size_t slot = 0;

	while (slot < MAX_RUNS && runs[slot].pid != pid)
		slot++;
	ck_assert(slot < MAX_RUNS);
	ck_assert(waitpid(pid, &st, 0) == pid);
	r->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->out = slurp(runs[slot].out_fd, &r->out_len);
	r->err = slurp(runs[slot].err_fd, &r->err_len);
	runs[slot].pid = 0;
	ck_assert_msg(r->exit_code != 127, "cannot run glint: %s", r->err);
}

void glint_run(const char *const *args, const char *const *env,
	       const void *stdin_data, size_t stdin_len, struct glint_run *r)
{
	glint_run_wait(glint_run_start(args, env, stdin_data, stdin_len), r);
}

void glint_run_free(struct glint_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

int glint_run_one_error_line(const struct glint_run *r)
{
	const char *nl = strchr(r->err, '\n');

	return strncmp(r->err, "glint: ", 7) == 0 && nl && nl[1] == '\0';
}

unsigned glint_run_closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert(fd >= 0);
	ck_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	close(fd);
	return ntohs(a.sin_port);
}
