/* monexec.c — starting nsession-monitor, for the setuid caller (MW_OP_CALL)
 * and for the monitor program itself (CREATE, CLEAN). The program is
 * opened and checked before anything runs (ns_exe_open: root's, nobody
 * else may write it), executed by that fd with all ids 0 and an empty
 * environment, and told what to do in one message (monwire.h). */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monwire.h"
#include "spawn.h"
#include "util.h"

struct monitor_exec {
	int exe_fd;        /* nsession-monitor, opened and checked */
	bool detach;       /* through an intermediate that exits */
};

/* In a child of the caller: `sock` on MW_FD, the program on MW_FD + 1
 * (close-on-exec), stdin, stdout and stderr as they are, nothing else
 * open; all ids 0 (the user can neither signal nor trace it); exec. */
static void exec_monitor(int sock, int exe_fd) __attribute__((noreturn));
static void exec_monitor(int sock, int exe_fd)
{
	static char *const argv[] = { "nsession-monitor", NULL };
	static char *const envp[] = { NULL };
	int s, e;

	/* First: syslog's socket may be on MW_FD, and closelog() after the
	 * dup2 would close the request socket in its place. */
	ns_log_close();
	s = fcntl(sock, F_DUPFD_CLOEXEC, MW_FD + 2);
	e = fcntl(exe_fd, F_DUPFD_CLOEXEC, MW_FD + 2);
	if (s < 0 || e < 0 || dup2(s, MW_FD) < 0 || dup2(e, MW_FD + 1) < 0 ||
	    fcntl(MW_FD + 1, F_SETFD, FD_CLOEXEC) < 0)
		_exit(126);
	ns_close_fds_except(MW_FD, MW_FD + 1);
	fexecve(MW_FD + 1, argv, envp);
	_exit(126);
}

static int monitor_child(void *arg, int sock)
{
	const struct monitor_exec *x = arg;
	pid_t pid;

	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return 126;
	if (!x->detach)
		exec_monitor(sock, x->exe_fd);
	/* The monitor is nobody's child but init's (or a root subreaper's). */
	pid = fork();
	if (pid == 0)
		exec_monitor(sock, x->exe_fd);
	return pid < 0 ? 1 : 0;
}

int mw_start(struct mw_request *req, bool detach, pid_t *pid, char *why, size_t whylen)
{
	struct monitor_exec x = { .detach = detach };
	int sock, r;

	x.exe_fd = ns_exe_open(NSESSION_MONITOR, false, why, whylen);
	if (x.exe_fd < 0)
		return x.exe_fd;
	r = ns_spawn(monitor_child, &x, true, pid, &sock);
	close(x.exe_fd);
	if (r < 0) {
		snprintf(why, whylen, "fork: %s", strerror(-r));
		return r;
	}
	req->magic = MW_MAGIC;
	req->spec_size = sizeof(req->spec);
	req->first_parent = (int32_t)*pid;
	if (send(sock, req, sizeof(*req), MSG_NOSIGNAL) != (ssize_t)sizeof(*req)) {
		r = -errno;
		snprintf(why, whylen, "sending the request: %s", strerror(-r));
		close(sock); /* the monitor reads EOF and exits */
		(void)ns_wait(*pid, NULL);
		return r;
	}
	return sock;
}
