/* keeper.c — PID 1 of a session.
 *
 * The keeper is clone()d by the monitor into the new namespaces. It waits
 * for the monitor to write its id maps, sets up what only a process inside
 * can (mounts, hostname), then gives up every privilege: the user's inside
 * uid/gid, no capabilities, not dumpable (its memory came from a setuid
 * image, so even the user's own root-inside processes cannot ptrace it), no
 * new privileges. From then on it only reaps orphans and waits. It ends the
 * session by exiting on SIGTERM or when the monitor goes away (its end of
 * the sync socket closes, and PR_SET_PDEATHSIG as a second net); the kernel
 * then kills everything left in the PID namespace and frees the network
 * namespace with its veth end.
 *
 * Protocol on sync_fd (SOCK_SEQPACKET): monitor sends "M" once the maps are
 * written; keeper answers "K" when it is ready, or "E<message>" and exits. */
#include "helper.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault.h"
#include "util.h"

static void fail(int sync_fd, const char *what, int err)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "E%s: %s", what, strerror(err));
	(void)send(sync_fd, msg, strlen(msg), MSG_NOSIGNAL);
	_exit(1);
}

static int drop_privileges(const struct session_spec *spec)
{
	int r;

	if (setresgid(spec->inside_gid, spec->inside_gid, spec->inside_gid) < 0 ||
	    setresuid(spec->inside_uid, spec->inside_uid, spec->inside_uid) < 0)
		return -errno;
	r = caps_drop_all();
	if (r < 0)
		return r;
	/* A credential change resets dumpable and the parent-death signal:
	 * set both afterwards. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

void keeper_main(const struct session_spec *spec, int sync_fd)
{
	sigset_t set;
	char c;
	int sfd, r;

	/* Nothing inherited from the monitor but the sync socket and the
	 * /dev/null standard fds. */
	if (sync_fd > 3)
		(void)close_range(3, (unsigned)sync_fd - 1, 0);
	(void)close_range((unsigned)sync_fd + 1, ~0U, 0);

	proctitle_set("nsession-keeper");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		fail(sync_fd, "signalfd", errno);

	if (recv(sync_fd, &c, 1, 0) != 1 || c != 'M')
		_exit(1); /* monitor gave up */
	FAULT("keeper-setup");

	if (spec->pol.namespaces & NSC_NS_MNT) {
		r = mounts_setup(&spec->pol);
		if (r < 0)
			fail(sync_fd, "mounts", -r);
	}
	if ((spec->pol.namespaces & NSC_NS_UTS) &&
	    sethostname(spec->pol.host_name, strlen(spec->pol.host_name)) < 0)
		fail(sync_fd, "sethostname", errno);
	r = drop_privileges(spec);
	if (r < 0)
		fail(sync_fd, "dropping privileges", -r);
	if (send(sync_fd, "K", 1, MSG_NOSIGNAL) != 1)
		_exit(1);

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = sync_fd, .events = POLLIN },
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
			if (si.ssi_signo == SIGTERM)
				_exit(0);
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		}
	}
}
