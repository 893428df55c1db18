/* monitor.c — nsession-monitor: one per session, root, in the host's
 * namespaces. It builds the session (monitor_setup.c), counts logins, and
 * tears everything down when the keeper ends or the last login leaves.
 *
 * It is its own program, not setuid: installed root-only (0700), exec'd by
 * fd by the setuid caller (join.c) with all ids 0, a socket on fd MW_FD
 * and nothing else, and it believes nothing of its request until
 * mw_request_check (spec.c) has passed. For MW_OP_CREATE it detaches
 * (double fork by the caller, setsid, real ids 0, every limit and context
 * of the invoking user reset), so the user can neither signal nor ptrace
 * it, reports once (monwire.h) and runs the session. For MW_OP_CLEAN it
 * removes what a dead session of a uid left (stale.c) and exits.
 *
 * Login references: each caller holds one connection to the monitor's
 * socket "<uid>.sock" (SOCK_SEQPACKET, in the root-only state directory).
 * The monitor counts connections; a crashed or killed caller releases its
 * reference by itself when the kernel closes the fd. When the count drops
 * to zero (after `linger` seconds) the monitor takes the user's lock,
 * accepts anything still pending in its backlog, and only if the count is
 * still zero ends the session. A caller connects while holding the lock, so
 * a session is never ended between "found" and "joined". */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"
#include "monwire.h"
#include "pidfd.h"
#include "spawn.h"
#include "util.h"

/* How long an ending session's cgroup may take to empty by itself (a PAM
 * login's opener exits just after close_session) before what is left in it
 * is killed; the user's lock is not held meanwhile (cg_session_remove). */
#define CGROUP_GRACE_MS 2000

void report(struct monitor *m, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A keeper that failed (its "E<why>" waiting on the sync socket)
	 * takes its namespaces with it, and the monitor's step running in
	 * parallel fails too: the keeper's reason is the one to give. */
	if (msg[0] == MW_FAILED && m->ksync >= 0) {
		struct pollfd p = { .fd = m->ksync, .events = POLLIN };
		char kmsg[256];
		ssize_t n;
		if (poll(&p, 1, 0) == 1 &&
		    (n = recv(m->ksync, kmsg, sizeof(kmsg) - 1, MSG_DONTWAIT | MSG_PEEK)) > 1 &&
		    kmsg[0] == MW_FAILED) {
			kmsg[n] = '\0';
			snprintf(msg, sizeof(msg), "Ekeeper: %s", kmsg + 1);
		}
	}
	if (msg[0] == MW_FAILED || msg[0] == MW_TIMEOUT || msg[0] == MW_REFUSED)
		ns_err("session of %s: %s", m->spec->user, msg + 1);
	if (m->report_fd >= 0)
		(void)send(m->report_fd, msg, strlen(msg), MSG_NOSIGNAL);
}

/* Every limit the caller could have lowered (the session's user namespace
 * takes its NPROC, MEMLOCK, SIGPENDING and MSGQUEUE caps from the keeper's
 * limits when it is made). */
static void reset_limits(void)
{
	static const int resets[] = { RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_AS,
				      RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE,
				      RLIMIT_NPROC, RLIMIT_MEMLOCK, RLIMIT_RTPRIO, RLIMIT_RTTIME,
				      RLIMIT_NICE };
	struct rlimit stack = { 8 << 20, RLIM_INFINITY };
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	struct rlimit nofile = { MAX_LOGINS + 64, MAX_LOGINS + 64 };
	struct rlimit nocore = { 0, 0 };

	for (size_t i = 0; i < NS_ARRAY_SIZE(resets); i++)
		(void)setrlimit(resets[i], &inf);
	(void)setrlimit(RLIMIT_NOFILE, &nofile);
	(void)setrlimit(RLIMIT_STACK, &stack);
	(void)setrlimit(RLIMIT_CORE, &nocore);
}

/* Out of every context the invoking user chose for the process that
 * started us (issue 14, case 7): their scheduling policy, nice value, CPU
 * affinity and I/O priority (a monitor at SCHED_IDLE holding pool.lock
 * would slow every other user's login), their oom_score_adj, their session
 * keyring (a fresh anonymous one), a timer slack. Their cgroup: on a
 * systemd host, where a user may own one (a delegated subtree of their
 * manager's), sd_session_scope moves the monitor into a scope of its own
 * before it takes any lock. Elsewhere cgroups are root's (no user owns one
 * unless an admin delegated it), and the monitor stays where it was
 * started: moving it into the root of each hierarchy cost 15-20 ms per new
 * session on a cgroup v1 host (a v1 migration waits for an RCU grace
 * period per hierarchy). And never a child of a subreaper of theirs, which
 * could reap it or watch it. */
static int monitor_leave_user_context(pid_t first_parent)
{
	struct sched_param sp = { 0 };
	cpu_set_t all;
	pid_t parent;
	struct stat st;
	char path[32];
	int fd, r;

	if (sched_setscheduler(0, SCHED_OTHER, &sp) < 0 || setpriority(PRIO_PROCESS, 0, 0) < 0)
		return -errno;
	CPU_ZERO(&all);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &all);
	if (sched_setaffinity(0, sizeof(all), &all) < 0)
		return -errno;
	/* IOPRIO_WHO_PROCESS, this process, class none: the default. */
	if (syscall(SYS_ioprio_set, 1, 0, 0) < 0)
		return -errno;
	if (prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0) < 0)
		return -errno;
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write(fd, "0", 1) == 1 ? 0 : -errno;
	close(fd);
	if (r < 0)
		return r;
	/* KEYCTL_JOIN_SESSION_KEYRING with no name: a new anonymous one. */
	if (syscall(SYS_keyctl, 1, NULL) < 0 && errno != ENOSYS)
		return -errno;
	/* The intermediate that forked us (all ids 0, so the user cannot
	 * stop it) exits at once; then we are someone else's child. Its pidfd
	 * turns readable when it has exited (and we have been reparented). */
	fd = ns_pidfd_open(first_parent);
	if (fd >= 0) {
		(void)ns_wait_readable(fd, 2000);
		close(fd);
	}
	/* No pidfd (ENOSYS under valgrind, or it is gone): poll, bounded. */
	for (int i = 0; fd < 0 && getppid() == first_parent && i < 2000; i++)
		usleep(1000);
	parent = getppid();
	if (parent == first_parent)
		return -ETIMEDOUT;
	snprintf(path, sizeof(path), "/proc/%d", (int)parent);
	if (parent != 1 && (stat(path, &st) < 0 || st.st_uid != 0))
		return -ECHILD;
	return 0;
}

/* A daemon's process state, whatever the invoking user left us. */
static int monitor_detach(int keep1, int keep2, pid_t first_parent)
{
	int null, r;

	if (setsid() < 0)
		return -errno;
	/* Real ids too: the invoking user must not be able to signal it. */
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return -errno;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	proctitle_set("nsession-mon");
	/* The keeper is cloned by an intermediate that exits (spawn_keeper):
	 * it must be reparented to us, not to init. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return -errno;
	reset_limits();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -errno;
	for (int fd = 0; fd < 3; fd++)
		if (dup2(null, fd) < 0)
			return -errno;
	close(null);
	ns_quiet_stderr();
	ns_log_close();
	ns_close_fds_except(keep1, keep2);
	ns_log_init("nsession-helper");
	umask(077);
	if (chdir("/") < 0)
		return -errno;
	r = monitor_leave_user_context(first_parent);
	if (r < 0)
		return r;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN); /* EFBIG, not death, if RLIMIT_FSIZE stayed low */
	return 0;
}

int monitor_listen(struct monitor *m)
{
	struct sockaddr_un sa;
	char name[32];
	int fd, r;

	r = session_sock_path(m->spec->uid, &sa);
	if (r < 0)
		return r;
	state_sock_name(m->spec->uid, name);
	(void)unlinkat(m->dirfd, name, 0);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, SOMAXCONN) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	m->listen_fd = fd;
	return 0;
}

/* End the session and exit. Takes the user's lock unless held (`lockfd`),
 * so no caller is halfway through finding or joining it; if the record
 * names another monitor by now, leaves that session's names alone. */
static void monitor_end(struct monitor *m, int lockfd, const char *why) __attribute__((noreturn));
static void monitor_end(struct monitor *m, int lockfd, const char *why)
{
	struct session_record cur;
	char err[256];

	if (lockfd < 0)
		lockfd = user_lock(m->dirfd, m->spec->uid, -1);
	m->owns_names = state_read(m->dirfd, m->spec->uid, &cur, err, sizeof(err)) == 0 &&
			cur.monitor_pid == m->rec.monitor_pid &&
			cur.monitor_start == m->rec.monitor_start;
	for (size_t i = 0; i < m->nclients; i++)
		close(m->clients[i]);
	m->nclients = 0;
	m->cg_defer = true;
	monitor_undo(m);
	ns_info("end " SESSION_LOG_FMT " reason=\"%s\"", SESSION_LOG_ARGS(&m->rec), why);
	if (lockfd >= 0) {
		char name[32];
		state_lock_name(m->spec->uid, name);
		state_unlock_remove(m->dirfd, name, lockfd);
	}
	/* Not under the lock: the leaf is unique to this session, and our
	 * flock on it keeps a new session's sweep away until we are done. */
	(void)cg_session_remove(&m->cg, m->rec.cgroup, CGROUP_GRACE_MS);
	_exit(0);
}

static void accept_pending(struct monitor *m)
{
	for (;;) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return; /* EAGAIN: nothing pending */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.uid != 0 ||
		    m->nclients == MAX_LOGINS) {
			close(fd); /* no 'A': the caller sees it was not counted */
			continue;
		}
		if (send(fd, (char[]){ MW_ACK }, 1, MSG_NOSIGNAL) != 1) {
			close(fd);
			continue;
		}
		m->clients[m->nclients++] = fd;
	}
}

/* Keep the record's login count current (for nsessionctl; nothing trusts
 * it). The record is replaced whole (state_write renames), so a reader
 * never sees half of it. Each login that leaves is logged once. */
static void monitor_count_logins(struct monitor *m, size_t before)
{
	if (m->nclients < before)
		ns_info("leave " SESSION_LOG_FMT " logins=%zu", SESSION_LOG_ARGS(&m->rec), m->nclients);
	if (m->rec.logins == m->nclients)
		return;
	m->rec.logins = (uint32_t)m->nclients;
	if (state_write(m->dirfd, &m->rec) < 0)
		ns_warn_log(SESSION_LOG_FMT " updating the login count failed", SESSION_LOG_ARGS(&m->rec));
}

/* Zero logins: end the session unless a caller got in meanwhile. */
static void monitor_try_end(struct monitor *m)
{
	int lockfd = user_lock(m->dirfd, m->spec->uid, -1);

	accept_pending(m);
	if (m->nclients == 0)
		monitor_end(m, lockfd, "last login left");
	monitor_count_logins(m, 0);
	if (lockfd >= 0)
		close(lockfd);
}

static void monitor_loop(struct monitor *m, int sigfd)
{
	struct pollfd pfd[3 + MAX_LOGINS];
	uint64_t linger_ms = (uint64_t)m->spec->pol.linger * 1000;
	struct timespec idle_since;
	bool idle = true;

	clock_gettime(CLOCK_MONOTONIC, &idle_since);
	for (;;) {
		int timeout = -1;
		size_t n = 0;

		pfd[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = m->kpidfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
		for (size_t i = 0; i < m->nclients; i++)
			pfd[n++] = (struct pollfd){ .fd = m->clients[i], .events = POLLIN };
		if (idle) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			uint64_t el = (uint64_t)(now.tv_sec - idle_since.tv_sec) * 1000 +
				      (uint64_t)((now.tv_nsec - idle_since.tv_nsec) / 1000000);
			timeout = el >= linger_ms ? 0 : (int)(linger_ms - el);
		}
		if (poll(pfd, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			monitor_end(m, -1, "poll failed");
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD)
				monitor_end(m, -1, "terminated");
		}
		if (pfd[1].revents)
			monitor_end(m, -1, "keeper exited");
		/* Logins only hold the connection; anything they send is drained
		 * and ignored, EOF or error drops the login. pfd[3 + i] is
		 * clients[i]. */
		size_t kept = 0, before = m->nclients;
		for (size_t i = 0; i < m->nclients; i++) {
			short ev = pfd[3 + i].revents;
			bool gone = ev & (POLLHUP | POLLERR | POLLNVAL);
			char c;
			if (!gone && (ev & POLLIN) && recv(m->clients[i], &c, 1, 0) <= 0)
				gone = true;
			if (gone)
				close(m->clients[i]);
			else
				m->clients[kept++] = m->clients[i];
		}
		m->nclients = kept;
		if (pfd[2].revents & POLLIN)
			accept_pending(m);
		monitor_count_logins(m, before);
		if (m->nclients == 0) {
			if (!idle) {
				idle = true;
				clock_gettime(CLOCK_MONOTONIC, &idle_since);
			} else if (timeout == 0 || linger_ms == 0) {
				monitor_try_end(m);
				clock_gettime(CLOCK_MONOTONIC, &idle_since);
			}
		} else {
			idle = false;
		}
	}
}

/* The monitor process. Never returns. */
static void monitor_main(const struct session_spec *spec, int dirfd, int report_fd,
			 pid_t parent) __attribute__((noreturn));
static void monitor_main(const struct session_spec *spec, int dirfd, int report_fd,
			 pid_t parent)
{
	struct monitor m = {
		.spec = spec, .dirfd = dirfd, .report_fd = report_fd,
		.kpid = -1, .kpidfd = -1, .ksync = -1, .listen_fd = -1, .lease_fd = -1,
		.owns_names = true,
	};
	sigset_t set;
	int sigfd, r;

	FAULT("monitor-start");
	r = monitor_detach(dirfd, report_fd, parent);
	if (r == -ECHILD) {
		report(&m, "Fstarting the session monitor: it would be the child of a subreaper "
		       "process that is not root's; start the login from elsewhere");
		_exit(1);
	}
	if (r < 0) {
		report(&m, "Estarting the session monitor: %s", strerror(-r));
		_exit(1);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sigfd < 0) {
		report(&m, "Esignalfd: %s", strerror(errno));
		_exit(1);
	}
	FAULT("monitor-detached");
	if (monitor_setup(&m) < 0)
		_exit(1);
	{
		char peer[16];
		nsc_format_ipv4(m.rec.addr_peer, peer);
		ns_info("create " SESSION_LOG_FMT " keeper=%d network=%s%s%s%s%s", SESSION_LOG_ARGS(&m.rec),
			(int)m.kpid, nsc_netmode_names[m.rec.network], m.rec.veth_host[0] ? " veth=" : "",
			m.rec.veth_host, m.rec.veth_host[0] ? " addr=" : "", m.rec.veth_host[0] ? peer : "");
	}
	report(&m, "%c", MW_READY);
	FAULT("reported");
	close(report_fd);
	m.report_fd = -1;
	monitor_loop(&m, sigfd);
	_exit(0);
}

/* MW_OP_CLEAN: under the caller's hold of the user's lock, whatever a dead
 * session of req->uid left, by its record or (none readable) by the policy
 * the caller sent. */
static int clean_main(const struct mw_request *req)
{
	struct session_record rec;
	char why[256];
	int dirfd, r;

	reset_limits();
	dirfd = state_dir_open();
	if (dirfd < 0) {
		ns_err("state directory %s: %s", NSESSION_STATEDIR, strerror(-dirfd));
		return 1;
	}
	r = state_read(dirfd, req->uid, &rec, why, sizeof(why));
	cleanup_stale(dirfd, req->uid, r == 0 ? &rec : NULL,
		      r != 0 && req->has_spec ? &req->spec.pol : NULL);
	close(dirfd);
	return 0;
}

/* The request: one message on MW_FD, checked whole. */
static int read_request(struct mw_request *req, char *why, size_t whylen)
{
	int type = 0;
	socklen_t tlen = sizeof(type);
	ssize_t n;

	if (getsockopt(MW_FD, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_SEQPACKET) {
		snprintf(why, whylen, "fd %d is not the helper's socket", MW_FD);
		return -EBADF;
	}
	do
		n = recv(MW_FD, req, sizeof(*req), MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(why, whylen, "reading the request: %s", strerror(errno));
		return -errno;
	}
	return mw_request_check(req, (size_t)n, why, whylen);
}

int main(int argc, char **argv)
{
	static struct mw_request req;
	char why[256];
	int dirfd;

	if (argc < 1 || !argv[0])
		_exit(127);
	proctitle_init(argc, argv);
	ns_log_init("nsession-helper");
	/* Root-only, not setuid: anyone else who runs it gets nothing. */
	if (getuid() != 0 || geteuid() != 0) {
		ns_err("nsession-monitor is started by nsession-helper only");
		return 1;
	}
	if (read_request(&req, why, sizeof(why)) < 0) {
		ns_err("nsession-monitor: %s", why);
		return 1;
	}
	/* _exit, not exit: no atexit handlers of the libraries loaded (nor a
	 * sanitizer's leak check, whose options the empty environment does
	 * not carry); stdout is flushed first (status). */
	if (req.op == MW_OP_CLEAN || req.op == MW_OP_CALL) {
		int r = req.op == MW_OP_CLEAN ? clean_main(&req) : call_main(&req);
		fflush(NULL);
		_exit(r);
	}
	net_lib_reset();
	dirfd = state_dir_open();
	if (dirfd < 0) {
		dprintf(MW_FD, "%cstate directory %s: %s", MW_FAILED, NSESSION_STATEDIR,
			strerror(-dirfd));
		return 1;
	}
	monitor_main(&req.spec, dirfd, MW_FD, (pid_t)req.first_parent);
}
