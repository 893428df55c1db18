/* keeper.c — PID 1 of a session, while it is set up.
 *
 * The keeper is clone()d by the monitor into the new namespaces. It waits
 * for the monitor to write its id maps, sets up what only a process inside
 * can (mounts, hostname), then gives up every privilege: the user's inside
 * uid/gid, no capabilities, not dumpable (its memory came from a setuid
 * image, so even the user's own root-inside processes cannot ptrace it), no
 * new privileges. Then it execs nsession-keeper (keeper_idle.c, through
 * `exe_fd`, opened and checked by the monitor before the clone), a small
 * static program that only reaps orphans and waits, so that nothing of the
 * helper's image stays in the session for its lifetime. It ends the session
 * by exiting on SIGTERM or when the monitor goes away (its end of the sync
 * socket closes, and PR_SET_PDEATHSIG as a second net); the kernel then
 * kills everything left in the PID namespace and frees the network
 * namespace with its veth end.
 *
 * Protocol on sync_fd (SOCK_SEQPACKET): monitor sends "M" once the maps are
 * written; nsession-keeper answers "K" when it runs, or this process
 * answers "E<message>" and exits. */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fault.h"
#include "util.h"

static void fail(int sync_fd, const char *what, int err) __attribute__((noreturn));
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

void keeper_main(const struct session_spec *spec, int sync_fd, int exe_fd)
{
	char *const argv[] = { "nsession-keeper", NULL }, *const envp[] = { NULL };
	sigset_t set;
	char c;
	int r;

	/* Nothing inherited from the monitor but the sync socket, the
	 * keeper's executable (close-on-exec) and the /dev/null standard fds. */
	ns_close_fds_except(sync_fd, exe_fd);

	proctitle_set("nsession-keeper");
	/* Blocked from here on and through the exec: nsession-keeper reads
	 * them from a signalfd. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);

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
	/* nsession-keeper finds the sync socket at fd 3 (dup2 clears
	 * close-on-exec there; everything else is close-on-exec). */
	if (exe_fd == 3 && (exe_fd = fcntl(exe_fd, F_DUPFD_CLOEXEC, 4)) < 0)
		fail(sync_fd, "fcntl", errno);
	if (sync_fd != 3) {
		if (dup2(sync_fd, 3) < 0)
			fail(sync_fd, "dup2", errno);
		close(sync_fd);
		sync_fd = 3;
	} else if (fcntl(sync_fd, F_SETFD, 0) < 0) {
		fail(sync_fd, "fcntl", errno);
	}
	fexecve(exe_fd, argv, envp);
	fail(sync_fd, "starting " NSESSION_KEEPER, errno);
}
