/* keeper.c — PID 1 of a session, while it is set up.
 *
 * The keeper is clone()d (through a short-lived intermediate, spawn_keeper
 * below) by
 * the monitor into new mount, PID, IPC, UTS, network and cgroup
 * namespaces, as host root in the initial user namespace: those namespaces
 * are owned by the initial user namespace, so nothing in the session can
 * ever hold a capability over them (SECURITY.md, "The session user may be
 * root in their user namespace"). As host root it sets up what only a
 * process inside can (mounts, host name). Only then, if
 * the policy has one, it creates the session's user namespace with
 * unshare(): a namespace that owns nothing, whose owner is host root. It
 * tells the monitor, which writes the id maps, gives up every privilege
 * (the user's inside uid/gid, no capabilities, not dumpable: its memory
 * came from a setuid image; no new privileges) and execs nsession-keeper
 * (keeper_idle.c, through `exe_fd`, opened and checked by the monitor
 * before the clone), a small static program that only reaps orphans and
 * waits, so that nothing of the helper's image stays in the session for its
 * lifetime. The session ends when the monitor goes away (its end of the
 * sync socket closes, and PR_SET_PDEATHSIG as a second net) or kills it;
 * the kernel then kills everything left in the PID namespace and frees the
 * network namespace with its veth end. No signal from inside ends it.
 *
 * Protocol on sync_fd (SOCK_SEQPACKET): the keeper sends "U" once its
 * user namespace exists (or it has none), the monitor answers "M" once the
 * maps are written; nsession-keeper sends "K" when it runs. On failure this
 * process sends "E<message>" and exits. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault.h"
#include "monwire.h"
#include "spawn.h"
#include "util.h"

static void fail(int sync_fd, const char *what, int err) __attribute__((noreturn));
static void fail(int sync_fd, const char *what, int err)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%c%s: %s", MW_FAILED, what, strerror(err));
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

/* Everything done as host root, in the new namespaces. */
static void setup_as_root(const struct session_spec *spec, int sync_fd)
{
	int r;

	if (spec->pol.namespaces & NSC_NS_MNT) {
		r = mounts_setup(spec);
		if (r < 0)
			fail(sync_fd, "mounts", -r);
	}
	if ((spec->pol.namespaces & NSC_NS_UTS) &&
	    sethostname(spec->pol.host_name, strlen(spec->pol.host_name)) < 0)
		fail(sync_fd, "sethostname", errno);
	/* Last: after this, this process holds no capability over the
	 * namespaces above (it is no longer in the initial user namespace). */
	if ((spec->pol.namespaces & NSC_NS_USER) && unshare(CLONE_NEWUSER) < 0)
		fail(sync_fd, errno == ENOSPC || errno == EPERM
			      ? "creating the user namespace (user namespaces disabled or limit reached?)"
			      : "creating the user namespace", errno);
}

void keeper_main(const struct session_spec *spec, int sync_fd, int exe_fd)
{
	char *const argv[] = { "nsession-keeper", NULL }, *const envp[] = { NULL };
	sigset_t set;
	char c;
	int r;

	/* Nothing inherited from the monitor but the sync socket, the
	 * keeper's executable (close-on-exec) and the /dev/null standard fds.
	 * syslog's socket is closed and opened again around it (util.h): the
	 * set-up logs (mounts.c), and must never send to, nor close, an fd
	 * of its own that took the closed socket's number. */
	ns_log_close();
	ns_close_fds_except(sync_fd, exe_fd);
	ns_log_init("nsession-helper");

	proctitle_set("nsession-keeper");
	/* SIGCHLD blocked from here on and through the exec: nsession-keeper
	 * reads it from a signalfd. Every other signal keeps its default
	 * action, which the kernel never carries out on a PID namespace's
	 * init when sent from inside (nor SIGKILL/SIGSTOP from inside);
	 * from outside, host root and the user's own uid (keeper_idle.c). */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	FAULT("keeper-setup");

	setup_as_root(spec, sync_fd);
	ns_log_close(); /* nothing logs from here on; fd 3 is taken below */
	if (send(sync_fd, (char[]){ MW_KEEPER_USERNS }, 1, MSG_NOSIGNAL) != 1)
		_exit(1);
	if (recv(sync_fd, &c, 1, 0) != 1 || c != MW_MAPS)
		_exit(1); /* monitor gave up */
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

/* ---- the monitor's side ---------------------------------------------- */

int write_setgroups_deny(pid_t pid)
{
	char path[64];
	int fd, r = 0;

	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "deny", 4) != 4)
		r = -errno;
	close(fd);
	return r;
}

/* Create the keeper in new namespaces (`flags`: never CLONE_NEWUSER; the
 * keeper makes the user namespace itself, last, keeper.c), so that they
 * are owned by the initial user namespace. Through a short-lived
 * intermediate, which first moves itself into the session's cgroup (`cg`,
 * if any): the keeper is cloned there, so its cgroup namespace is rooted at
 * the session's cgroup and everything it holds is under the limits. The
 * intermediate exits at once; the monitor is a child subreaper, so the
 * keeper becomes its child. Returns the keeper's pid or -errno. */
struct keeper_clone {
	const struct session_spec *s;
	unsigned long flags;
	int *sv, exe_fd;
	const struct cg_session *cg;
};

/* The intermediate: into the cgroup, clone the keeper, tell its pid. */
static int keeper_clone(void *arg, int fd)
{
	const struct keeper_clone *k = arg;
	int val = cg_session_enter_self(k->cg);

	if (val == 0) {
		/* clone() without a new stack behaves like fork(). */
		pid_t pid = (pid_t)syscall(SYS_clone, k->flags | SIGCHLD, NULL, NULL, NULL, NULL);
		if (pid == 0) {
			close(fd);
			close(k->sv[0]);
			keeper_main(k->s, k->sv[1], k->exe_fd);
		}
		val = pid < 0 ? -errno : (int)pid;
	}
	(void)!write(fd, &val, sizeof(val));
	return 0;
}

pid_t spawn_keeper(const struct session_spec *s, unsigned long flags, int sv[2],
		   int exe_fd, const struct cg_session *cg)
{
	struct keeper_clone k = { .s = s, .flags = flags, .sv = sv, .exe_fd = exe_fd, .cg = cg };
	int fd, val = -EIO, r;
	pid_t x;

	r = ns_spawn(keeper_clone, &k, false, &x, &fd);
	if (r < 0)
		return r;
	if (ns_read_exact(fd, &val, sizeof(val)) < 0)
		val = -EIO;
	close(fd);
	(void)ns_wait(x, NULL);
	return (pid_t)val;
}

/* A message from the keeper: `want` (one letter), or "E<why>" reported
 * as it is. */
int keeper_said(struct monitor *m, char want)
{
	char buf[256];
	ssize_t n = -1;

	if (ns_wait_readable(m->ksync, KEEPER_TIMEOUT_MS) == 0)
		n = recv(m->ksync, buf, sizeof(buf) - 1, 0);
	if (n <= 0) {
		report(m, "Ekeeper did not start");
		return -EIO;
	}
	buf[n] = '\0';
	if (buf[0] != want) {
		report(m, "Ekeeper: %s", buf[0] == 'E' ? buf + 1 : "protocol error");
		return -EIO;
	}
	return 0;
}

