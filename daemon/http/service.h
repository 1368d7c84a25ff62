/* service.h: the service manager protocol: sockets passed by systemd and readiness notifications. */
#ifndef GLINT_SERVICE_H
#define GLINT_SERVICE_H

/*
 * With libsystemd (configure --with-systemd, auto-detected) these call
 * sd_listen_fds and sd_notify; without it a minimal built-in version of
 * the same documented protocol is used (LISTEN_FDS/LISTEN_PID, fds from 3;
 * NOTIFY_SOCKET datagrams), so socket activation and Type=notify work
 * either way. Main thread only.
 */

/* The first listening socket passed by the service manager (fd 3) in
 * *fd_out, and how many were passed (0: none, *fd_out = -1). Unsets the
 * LISTEN_* variables so children do not inherit them. Negative errno when
 * the variables are malformed. */
int service_listen_fds(int *fd_out);

/* Sends one notification ("READY=1", "STOPPING=1", "STATUS=...") when
 * NOTIFY_SOCKET is set; returns 1 sent, 0 not under a manager, or
 * negative errno. */
int service_notify(const char *state);

#endif /* GLINT_SERVICE_H */
