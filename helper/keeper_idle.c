/* keeper_idle.c — nsession-keeper, what a session's keeper runs once it is
 * set up (keeper.c execs it, never anyone else).
 *
 * The keeper lives as long as the session and, as its PID 1, only reaps
 * orphans and waits for the end. Forked from the setuid helper, it carried
 * the helper's whole image: its heap (the policy, the config's text), the
 * libraries it links, about 1 MiB resident per session (bench/README.md).
 * After its setup keeper.c replaces that image with this program, linked
 * statically: nothing of the helper's memory stays in the session, and
 * what stays resident is this loop and the C library's start-up.
 *
 * It is installed root-owned, mode 0711: a file the exec'ing process cannot
 * read leaves the new image not dumpable, with the initial user namespace as
 * its owner, from its first instruction (so no process of the session can
 * ptrace it, read its memory or open /proc/1/exe); it sets PR_SET_DUMPABLE
 * 0 again first thing in case it was installed readable. Its credentials
 * (the user's inside ids, no capabilities, no_new_privs) and its blocked
 * signals come through the exec unchanged; the parent-death signal is set
 * again (an exec keeps it, but this way it does not depend on that).
 *
 * Fd 3 is the sync socket (SOCK_SEQPACKET to the monitor). It answers "K"
 * there, then exits only when the monitor closes its end (or kills it); the
 * kernel then kills everything left in the PID namespace. It handles no
 * signal but SIGCHLD (read from a signalfd, to reap): every other signal
 * keeps its default action, which the kernel never carries out on a PID
 * namespace's init when it comes from inside the namespace, so `kill -TERM
 * 1` (or any other) from the session, even from a user who is root in the
 * session's user namespace, does nothing. From outside the PID namespace
 * host root, or a process of the user's own uid (a user has none outside
 * their sessions, normally), can still SIGKILL or SIGSTOP it: that ends or
 * stalls only the user's own session. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monwire.h"

#define SYNC_FD 3

int main(void)
{
	sigset_t set;
	int sfd;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(1);
	/* Ignored outright too, for a policy without a PID namespace (then
	 * the keeper is no namespace init; SIGKILL still ends it). */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			signal(sig, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		_exit(1);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		_exit(1);
	if (send(SYNC_FD, (char[]){ MW_KEEPER_READY }, 1, MSG_NOSIGNAL) != 1)
		_exit(1);

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = SYNC_FD, .events = POLLIN },
		};
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pfd[1].revents)
			_exit(0); /* monitor closed its end: session over */
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		}
	}
}
