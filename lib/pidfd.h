/* pidfd.h — the one wrapper of the pidfd system calls (glibc 2.36 has
 * pidfd_open(3) but Debian 12's headers are what the module and helper
 * are built with; a raw syscall is the same on every libc). Header-only:
 * pam_nsession uses it without linking more of the helper. */
#ifndef NS_PIDFD_H
#define NS_PIDFD_H

#include <errno.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* A pidfd (close-on-exec, as the kernel makes it) or -errno. */
static inline int ns_pidfd_open(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

/* 0 or -errno (-ESRCH: it has exited). Signal 0 only asks if it lives. */
static inline int ns_pidfd_signal(int pidfd, int sig)
{
	return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

#endif
