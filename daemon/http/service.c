/* service.c: systemd socket activation and sd_notify, through libsystemd or a minimal fallback. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "service.h"

#define LISTEN_FDS_START 3

#ifdef HAVE_LIBSYSTEMD

static int listen_fds(void)
{
	return sd_listen_fds(1);
}

int service_notify(const char *state)
{
	return sd_notify(0, state);
}

#else /* the protocol as documented in sd_listen_fds(3) and sd_notify(3) */

static int listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	unsigned long n = 0;
	char *end;
	int rc = 0;

	if (!pid || !fds)
		goto out;
	errno = 0;
	if (strtoul(pid, &end, 10) != (unsigned long)getpid() || *end)
		goto out; /* meant for another process */
	n = strtoul(fds, &end, 10);
	if (errno || *end || !fds[0] || n > 1024) {
		rc = -EINVAL;
		goto out;
	}
	rc = (int)n;
out:
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return rc;
}

int service_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len;
	ssize_t n;
	int fd;

	if (!path || !path[0])
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sun.sun_path))
		return -EINVAL;
	memcpy(sun.sun_path, path, len);
	if (path[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sun,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
	return n < 0 ? -errno : 1;
}

#endif

int service_listen_fds(int *fd_out)
{
	int n = listen_fds();

	*fd_out = n > 0 ? LISTEN_FDS_START : -1;
	return n;
}
