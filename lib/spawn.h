/* spawn.h — the one way the helper and the monitor run a short-lived child
 * that reports back: fork, a channel between the two, wait. */
#ifndef NS_SPAWN_H
#define NS_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Fork. The child runs fn(arg, child_fd) and _exit()s with its return
 * value (a child must not return into the caller's stack: fn may also
 * _exit or exec itself). The parent gets the child's pid and its own end
 * of the channel (close-on-exec): a pipe the child writes to, or with
 * `packet` a SOCK_SEQPACKET socketpair. In the child, the parent's end is
 * closed before fn runs. 0 or -errno (nothing left on failure). */
int ns_spawn(int (*fn)(void *arg, int child_fd), void *arg, bool packet,
	     pid_t *pid, int *parent_fd);

/* waitpid() for `pid`, retried on EINTR. 0 or -errno; `status` may be NULL. */
int ns_wait(pid_t pid, int *status);

/* Read exactly `len` bytes (retried on EINTR and short reads). 0, -EIO on
 * an early end, or -errno. */
int ns_read_exact(int fd, void *buf, size_t len);



/* Open the program at `path` to exec it by fd later (read-only, close-on-
 * exec, never through a final symlink: -ELOOP): a regular file owned by root that
 * nobody else can write (ns_check_trusted), and with `for_others`
 * executable by others (S_IXOTH). The fd or -errno, the reason in `why`. */
int ns_exe_open(const char *path, bool for_others, char *why, size_t whylen);
/* poll() `fd` for input at most `timeout_ms` (-1: for ever), retried on
 * EINTR. 0, -ETIMEDOUT or -errno. */
int ns_wait_readable(int fd, int timeout_ms);
#endif
