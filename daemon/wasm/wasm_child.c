/* wasm_child.c: fork + exec with resource limits, waited for with a cap.
 *
 * glintd has threads, so between fork and exec the child makes only
 * async-signal-safe calls (setrlimit, unshare, chdir, open, dup2, execve);
 * everything it needs is prepared before the fork.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wasm_child.h"

int child_find_program(const char *name, char *out, size_t out_len)
{
	const char *path = getenv("PATH");
	const char *p;

	if (strchr(name, '/')) {
		snprintf(out, out_len, "%s", name);
		return access(out, X_OK) == 0 ? 0 : -ENOENT;
	}
	if (path == NULL || !*path)
		path = "/usr/bin:/bin";
	for (p = path; *p;) {
		size_t n = strcspn(p, ":");

		if (n > 0 &&
		    (size_t)snprintf(out, out_len, "%.*s/%s", (int)n, p, name) <
			    out_len &&
		    access(out, X_OK) == 0)
			return 0;
		p += n + (p[n] == ':');
	}
	return -ENOENT;
}

static void set_limit(int res, uint64_t v)
{
	struct rlimit rl = {(rlim_t)v, (rlim_t)v};

	setrlimit(res, &rl);
}

/* In the child: confine, redirect, exec. Never returns. */
static void child_exec(const char *dir, char *const argv[],
		       const struct child_limits *lim, int err_fd,
		       char *const envp[])
{
	int null_fd = open("/dev/null", O_RDWR);
	sigset_t none;

	setpgid(0, 0);
	if (geteuid() == 0)
		unshare(CLONE_NEWNET); /* no network for anything it runs */
	set_limit(RLIMIT_CPU, lim->cpu_s);
	set_limit(RLIMIT_AS, lim->as_bytes);
	set_limit(RLIMIT_FSIZE, lim->fsize_bytes);
	set_limit(RLIMIT_CORE, 0);
	set_limit(RLIMIT_NOFILE, 256);
	if (null_fd < 0 || chdir(dir) < 0 || dup2(null_fd, 0) < 0 ||
	    dup2(null_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		_exit(126);
	/* Nothing of glintd's (VM fds, sockets, the state directory). */
	if (close_range(3, ~0u, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	/* glintd's stop signals are blocked and SIGPIPE ignored; both would
	 * outlive execve and change how the tool ends. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execve(argv[0], argv, envp);
	_exit(127);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits for pid; past the wall limit the whole group is killed. */
static int wait_capped(pid_t pid, unsigned wall_s, int *wstatus, int *timed_out)
{
	uint64_t end = now_ms() + (uint64_t)wall_s * 1000;
	struct timespec nap = {0, 20 * 1000 * 1000};

	*timed_out = 0;
	for (;;) {
		pid_t r = waitpid(pid, wstatus, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (!*timed_out && now_ms() > end) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			*timed_out = 1;
		}
		nanosleep(&nap, NULL);
	}
	/* Whatever the step left running in its group goes too. */
	kill(-pid, SIGKILL);
	return 0;
}

static enum child_end classify(int wstatus, int timed_out, int *status)
{
	*status = 0;
	if (timed_out)
		return CHILD_WALL;
	if (WIFEXITED(wstatus)) {
		*status = WEXITSTATUS(wstatus);
		if (*status == 126 || *status == 127)
			return CHILD_NOEXEC;
		return *status ? CHILD_FAILED : CHILD_OK;
	}
	*status = WTERMSIG(wstatus);
	if (*status == SIGXCPU)
		return CHILD_CPU;
	if (*status == SIGXFSZ)
		return CHILD_FSIZE;
	if (*status == SIGKILL)
		return CHILD_CPU; /* the hard CPU limit */
	return CHILD_SIGNALED;
}

enum child_end child_run(const char *dir, char *const argv[],
			 const struct child_limits *lim, const char *err_name,
			 int *status)
{
	char tmpenv[PATH_MAX + 8];
	char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", tmpenv,
			NULL};
	int err_fd, dir_fd, wstatus = 0, timed_out;
	pid_t pid;

	snprintf(tmpenv, sizeof(tmpenv), "TMPDIR=%s", dir);
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return CHILD_NOEXEC;
	err_fd = openat(dir_fd, err_name,
			O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	close(dir_fd);
	if (err_fd < 0)
		return CHILD_NOEXEC;
	pid = fork();
	if (pid == 0)
		child_exec(dir, argv, lim, err_fd, envp);
	close(err_fd);
	if (pid < 0)
		return CHILD_NOEXEC;
	setpgid(pid, pid); /* no race with the child's own setpgid */
	if (wait_capped(pid, lim->wall_s, &wstatus, &timed_out) < 0)
		return CHILD_NOEXEC;
	return classify(wstatus, timed_out, status);
}
