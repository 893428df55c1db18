/* spawn.c — see spawn.h. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

int ns_spawn(int (*fn)(void *arg, int child_fd), void *arg, bool packet,
	     pid_t *pid, int *parent_fd)
{
	int ch[2], r;
	pid_t p;

	if (packet)
		r = socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ch);
	else
		r = pipe2(ch, O_CLOEXEC);
	if (r < 0)
		return -errno;
	/* ch[0] the parent's (a pipe's read end), ch[1] the child's. */
	p = fork();
	if (p < 0) {
		r = -errno;
		close(ch[0]);
		close(ch[1]);
		return r;
	}
	if (p == 0) {
		close(ch[0]);
		_exit(fn(arg, ch[1]));
	}
	close(ch[1]);
	*pid = p;
	*parent_fd = ch[0];
	return 0;
}

int ns_wait(pid_t pid, int *status)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (status)
		*status = st;
	return 0;
}

int ns_read_exact(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ns_exe_open(const char *path, bool for_others, char *why, size_t whylen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0) {
		r = -errno;
		snprintf(why, whylen, "%s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		r = -EPERM;
	} else if (ns_check_trusted(&st, S_IFREG, false, why, whylen) < 0) {
		r = -EPERM;
	} else if (for_others && !(st.st_mode & S_IXOTH)) {
		snprintf(why, whylen, "not executable by others");
		r = -EPERM;
	} else {
		return fd;
	}
	close(fd);
	return r;
}

int ns_wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}
