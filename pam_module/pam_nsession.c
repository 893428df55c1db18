/* pam_nsession.c — PAM module: put a login into its user's nsession session.
 *
 * The module holds no policy and creates nothing itself. In the session
 * phase it runs `nsession-helper pam-open --user USER` as root; the helper
 * (the one setuid program that knows how to find, verify and create
 * sessions) finds or creates the user's session and hands back, over a
 * socketpair, a login reference and one fd per namespace (pamwire.h).
 *
 * Where each namespace is joined is the point of this file. The
 * application's privileged parent must keep its power over the host
 * (utmp, tty ownership, vhangup, pam_close_session), so it never joins the
 * user namespace. Measured on Debian 12 (see pam_nsession(8)):
 *
 *   open_session  runs in the parent that stays root: sshd's monitor, su's
 *                 and login's parent, pamtester. It joins mnt, uts, ipc and
 *                 net, and the PID namespace for its children, so whatever
 *                 it forks next (sshd's session child, su's and login's
 *                 shell) starts inside them.
 *   setcred       ESTABLISH/REINITIALIZE in a *different* process than the
 *                 one that opened the session: only sshd's session child,
 *                 after initgroups() and before it drops to the user. There
 *                 the user namespace is joined too, and
 *                 the module itself sets the user's ids and drops every
 *                 capability: after setns() the process holds all
 *                 capabilities of the session's user namespace, and since
 *                 its uid (host 0) is not that namespace's root, sshd's own
 *                 setresuid() would not clear them (the kernel clears
 *                 capabilities only when leaving the namespace's uid 0).
 *                 sshd then finds its ids already set, which it accepts.
 *   close_session in the opening process: go back to the host's namespaces
 *                 (saved at open), then drop the login reference.
 *
 * The login reference is a connection to the session's monitor; when the
 * last one closes (logout, crash, pam_end) the session ends after `linger`.
 * Every fd the module keeps is close-on-exec, so none reaches a shell.
 *
 * identity = root sessions are refused (by the helper, and here again):
 * sshd cannot run a login whose uid is 0 inside, and root inside is for
 * `nsession-helper run`. The session's namespaces are owned by the host's
 * user namespace, so the opening process, host root in them, works in a
 * mount table no process of the session can change (SECURITY.md).
 *
 * Return values: PAM_IGNORE when there is nothing to do (root, exempt by
 * policy, a hook that does not apply); failures give PAM_SESSION_ERR /
 * PAM_CRED_ERR, or PAM_IGNORE with onerr=succeed. onerr=succeed applies
 * only to failures no user can cause (the helper failed to set up or is
 * missing: exit 1 or 127, a namespace that cannot be joined); refusals,
 * a lock held past its deadline (a user can stop their own `nsession-helper
 * run` while it holds their lock), a helper that did not answer in time or
 * died of a signal, and a malformed answer fail closed (pamwire.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/capability.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "nskind.h"         /* lib/nskind.c is linked in */
#include "pamwire.h"
#include "pidfd.h"
#include "privs.h"           /* helper/privs.c is linked in */
#include "ttyguard.h"        /* helper/ttyguard.c too */

#ifndef NSESSION_HELPER
#define NSESSION_HELPER "/usr/local/libexec/nsession/nsession-helper"
#endif
#define DATA_NAME "pam_nsession"
#define HELPER_TIMEOUT_MS 30000
#define CONFIG_MAX 1024
#define MANAGER_SERVICE "systemd-user"

/* What the opening process joins: everything but the user namespace, in
 * ns_enter's order (nskind.h). The cgroup namespace is joined after the
 * helper has moved the opener into the session's cgroup (if it has one),
 * so its root is that cgroup. */
#define PARENT_KINDS (NSK_ALL & ~(1u << NSK_USER))

struct args {
	bool debug;
	bool onerr_succeed;
	char config[CONFIG_MAX];
};

/* One per PAM handle, kept with pam_set_data. */
struct state {
	pid_t opener;                  /* pid that ran open_session */
	int ref_fd;                    /* login reference */
	int ns[NSK_COUNT];          /* the session's namespaces */
	int host[NSK_COUNT];        /* the opener's own, to go back */
	bool joined;                   /* the opener is in the session's */
	struct nsp_reply rep;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void state_close_all(struct state *st)
{
	close_fd(&st->ref_fd);
	for (int i = 0; i < NSK_COUNT; i++) {
		close_fd(&st->ns[i]);
		close_fd(&st->host[i]);
	}
}

/* Nothing held yet. */
static void state_init(struct state *st)
{
	st->opener = getpid();
	st->ref_fd = -1;
	for (int i = 0; i < NSK_COUNT; i++)
		st->ns[i] = st->host[i] = -1;
}

static void state_cleanup(pam_handle_t *pamh, void *data, int error_status)
{
	(void)pamh;
	(void)error_status;
	state_close_all(data);
	free(data);
}

/* PAM-style arguments: debug, config=FILE, onerr=fail|succeed. Anything
 * else is an error, so a typo does not silently weaken the policy. */
static int parse_args(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "debug")) {
			a->debug = true;
		} else if (!strncmp(s, "config=", 7)) {
			if (s[7] != '/' || strlen(s + 7) >= sizeof(a->config)) {
				pam_syslog(pamh, LOG_ERR, "config= needs an absolute path: %s", s);
				return -EINVAL;
			}
			snprintf(a->config, sizeof(a->config), "%s", s + 7);
		} else if (!strcmp(s, "onerr=fail")) {
			a->onerr_succeed = false;
		} else if (!strcmp(s, "onerr=succeed")) {
			a->onerr_succeed = true;
		} else {
			pam_syslog(pamh, LOG_ERR, "unknown module argument: %s", s);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- running the helper ------------------------------------------------ */

/* In the forked child: stdin is the socket, stdout /dev/null, stderr the
 * pipe; real ids 0 (su is only setuid root, and the helper honours --user
 * for a real uid of 0 only); default signals; nothing else open. */
static void exec_helper(int sock, int errpipe, char *const argv[]) __attribute__((noreturn));
static void exec_helper(int sock, int errpipe, char *const argv[])
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	sigset_t none;
	int null = open("/dev/null", O_RDWR);

	if (null < 0 || dup2(sock, 0) < 0 || dup2(null, 1) < 0 || dup2(errpipe, 2) < 0)
		_exit(127);
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		_exit(127);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	(void)close_range(3, ~0U, 0);
	execve(NSESSION_HELPER, argv, envp);
	_exit(127);
}

/* Wait for `pid` at most `ms` milliseconds; kill it after that. */
static int wait_helper(pid_t pid, int ms, int *status)
{
	int pfd = ns_pidfd_open(pid), r = 0;

	if (pfd >= 0) {
		struct pollfd p = { pfd, POLLIN, 0 };
		int n;
		do
			n = poll(&p, 1, ms);
		while (n < 0 && errno == EINTR);
		if (n == 0) {
			kill(pid, SIGKILL);
			r = -ETIMEDOUT;
		}
		close(pfd);
	}
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return r;
}

/* Receive the helper's one message: reply plus fds. */
static int recv_reply(int sock, struct state *st)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * NSP_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &st->rep, sizeof(st->rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	int fds[NSP_MAX_FDS], nfds = 0, want = 1, k = 1, r = 0;
	ssize_t n;

	n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < cnt; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (nfds < NSP_MAX_FDS)
				fds[nfds++] = fd;
			else
				close(fd), r = -EPROTO;
		}
	}
	for (int i = 0; i < NSK_COUNT; i++)
		want += (st->rep.ns_mask >> i) & 1;
	if (r == 0 && (n != (ssize_t)sizeof(st->rep) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
		       st->rep.magic != NSP_MAGIC || (st->rep.ns_mask & ~((1u << NSK_COUNT) - 1)) || nfds != want))
		r = -EPROTO;
	if (r < 0) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return r;
	}
	st->ref_fd = fds[0];
	for (int i = 0; i < NSK_COUNT; i++)
		if (st->rep.ns_mask & (1u << i))
			st->ns[i] = fds[k++];
	return 0;
}

/* Run `nsession-helper VERB --user USER` (pam-open or pam-manager); 0 with
 * st filled, 1 if exempt by policy, or -errno with a one-line reason in
 * `why` and *closed set when onerr=succeed must not apply (see the top). */
static int call_helper(const struct args *a, const char *verb, const char *user,
		       struct state *st, char *why, size_t whylen, bool *closed)
{
	char *argv[] = { "nsession-helper", (char *)verb, "--user", (char *)user, NULL, NULL, NULL };
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old_chld;
	int sv[2], ep[2], status = 0, r;
	pid_t pid;

	if (a->config[0]) {
		argv[4] = "--config";
		argv[5] = (char *)a->config;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(why, whylen, "socketpair: %s", strerror(errno));
		return -errno;
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		r = -errno;
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	/* The application may reap children from a SIGCHLD handler (as
	 * pam_unix also has to allow for): ours must stay waitable. */
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGCHLD, &dfl, &old_chld);
	pid = fork();
	if (pid == 0)
		exec_helper(sv[1], ep[1], argv);
	r = pid < 0 ? -errno : 0;
	close(sv[1]);
	close(ep[1]);
	if (r == 0)
		r = wait_helper(pid, HELPER_TIMEOUT_MS, &status);
	sigaction(SIGCHLD, &old_chld, NULL);

	*closed = false;
	if (r < 0) {
		snprintf(why, whylen, "%s", r == -ETIMEDOUT ? "the helper did not answer in time"
							    : strerror(-r));
		*closed = r == -ETIMEDOUT;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		r = recv_reply(sv[0], st);
		if (r < 0)
			snprintf(why, whylen, "bad answer from %s: %s", NSESSION_HELPER, strerror(-r));
		*closed = r < 0;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == NSP_EXIT_EXEMPT) {
		r = 1;
	} else {
		/* The helper's own one-line message says why. */
		char msg[512];
		ssize_t n = read(ep[0], msg, sizeof(msg) - 1);
		size_t len = n > 0 ? (size_t)n : 0;
		msg[len] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !msg[0])
			snprintf(why, whylen, "cannot run %s", NSESSION_HELPER);
		else if (msg[0])
			snprintf(why, whylen, "%s", msg);
		else if (WIFSIGNALED(status))
			snprintf(why, whylen, "the helper died of signal %d", WTERMSIG(status));
		else
			snprintf(why, whylen, "the helper failed with status %d", WEXITSTATUS(status));
		*closed = !WIFEXITED(status) ||
			  (WEXITSTATUS(status) != 1 && WEXITSTATUS(status) != 127);
		r = -EIO;
	}
	close(sv[0]);
	close(ep[0]);
	return r;
}

/* ---- joining ----------------------------------------------------------- */

/* Back to the host's namespaces (only those we left). */
static int parent_leave(struct state *st)
{
	int r = ns_leave(st->host, PARENT_KINDS, NULL);

	st->joined = false;
	return r;
}

/* The opening process: everything but the user namespace. Joining a mount
 * namespace moves the cwd to its root; the same *path* is looked up again
 * inside (never an fd from the host's tree, which would be a way out), so
 * `su USER -c cmd` still starts where it was called. */
static int parent_join(pam_handle_t *pamh, struct state *st, char *why, size_t whylen)
{
	char cwd[4096];
	bool have_cwd = getcwd(cwd, sizeof(cwd)) != NULL && cwd[0] == '/';
	int k = 0, r;

	/* Remember where we are before anything changes /proc's meaning. */
	for (k = 0; k < NSK_COUNT; k++) {
		if (!(PARENT_KINDS & (1u << k)) || st->ns[k] < 0)
			continue;
		st->host[k] = open(nskinds[k].self_path, O_RDONLY | O_CLOEXEC);
		if (st->host[k] < 0) {
			int e = errno;
			snprintf(why, whylen, "%s: %s", nskinds[k].self_path, strerror(e));
			return -e;
		}
	}
	st->joined = true;
	r = ns_enter(st->ns, PARENT_KINDS, &k);
	if (r < 0) {
		snprintf(why, whylen, "joining the session's %s namespace: %s", nskinds[k].name,
			 strerror(-r));
		if (parent_leave(st) < 0)
			pam_syslog(pamh, LOG_CRIT, "cannot return to the host's namespaces");
		return r;
	}
	if (st->ns[NSK_MNT] >= 0 && (!have_cwd || chdir(cwd) < 0) && chdir("/") < 0)
		pam_syslog(pamh, LOG_WARNING, "chdir /: %m");
	return 0;
}

/* sshd's session child (a process other than the opener): the session's
 * namespaces but the user namespace again (a fresh process may not have
 * inherited them all), as host root: they are owned by the initial user
 * namespace. Then the user namespace, last (it owns nothing), the user's
 * ids inside and no capabilities, then drop every fd we hold. */
static int child_join(struct state *st, char *why, size_t whylen)
{
	bool userns = st->ns[NSK_USER] >= 0;
	int k = 0, r = ns_enter(st->ns, NSK_ALL, &k);

	if (r < 0)
		snprintf(why, whylen, "joining the session's %s namespace: %s", nskinds[k].name,
			 strerror(-r));
	if (r == 0 && userns &&
	    (setresgid(st->rep.inside_gid, st->rep.inside_gid, st->rep.inside_gid) < 0 ||
	     setresuid(st->rep.inside_uid, st->rep.inside_uid, st->rep.inside_uid) < 0)) {
		r = -errno;
		snprintf(why, whylen, "setting ids %u/%u in the session: %s", st->rep.inside_uid,
			 st->rep.inside_gid, strerror(errno));
	}
	if (r == 0 && userns && (r = caps_drop_all()) < 0)
		snprintf(why, whylen, "dropping capabilities: %s", strerror(-r));
	if (r == 0 && (st->rep.flags & NSP_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		snprintf(why, whylen, "no_new_privs: %s", strerror(errno));
	}
	/* This process's copies only: the opener keeps its own. */
	state_close_all(st);
	return r;
}

/* The PAM service systemd runs for user@UID.service (its PAMName=), the
 * user's systemd manager. */
static bool is_manager_service(pam_handle_t *pamh)
{
	const void *svc = NULL;

	return pam_get_item(pamh, PAM_SERVICE, &svc) == PAM_SUCCESS && svc &&
	       !strcmp(svc, MANAGER_SERVICE);
}

/* open_session for the user's systemd manager. It cannot be put into the
 * session: it is PID 1's grandchild, in the host's PID namespace, and it
 * execs right after this call. Running beside the session it would start
 * whatever the user asks (systemd-run --user, D-Bus activation, unit files
 * in their home) in the host's namespaces, so an isolated user gets no
 * manager at all: the helper says whether the policy exempts the user,
 * and anything but "exempt" fails the manager's start. This is policy,
 * not a failure to isolate a login: onerr=succeed does not apply. */
static int manager_open(pam_handle_t *pamh, const struct args *a, const char *user)
{
	struct state st = { 0 };
	char why[600];
	int r;

	bool closed;

	state_init(&st);
	r = call_helper(a, "pam-manager", user, &st, why, sizeof(why), &closed);

	if (r == 1) {
		if (a->debug)
			pam_syslog(pamh, LOG_DEBUG, "%s is exempt: the user manager starts", user);
		return PAM_IGNORE;
	}
	if (r == 0) {
		state_close_all(&st);
		snprintf(why, sizeof(why), "unexpected answer from %s", NSESSION_HELPER);
	}
	pam_syslog(pamh, LOG_NOTICE, "not starting the systemd user manager of %s: %s", user, why);
	return PAM_SESSION_ERR;
}

static int get_user(pam_handle_t *pamh, const char **user, const struct passwd **pw)
{
	if (pam_get_user(pamh, user, NULL) != PAM_SUCCESS || !*user || !**user) {
		pam_syslog(pamh, LOG_ERR, "cannot determine the user name");
		return PAM_USER_UNKNOWN;
	}
	*pw = pam_modutil_getpwnam(pamh, *user);
	if (!*pw) {
		pam_syslog(pamh, LOG_ERR, "user %s has no passwd entry", *user);
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

/* ---- PAM entry points -------------------------------------------------- */

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct args a;
	struct state *st;
	const struct passwd *pw;
	const char *user;
	const void *old = NULL;
	char why[600];
	bool closed = false;
	int r;

	(void)flags;
	if (parse_args(pamh, argc, argv, &a) < 0)
		return PAM_SESSION_ERR;
	if ((r = get_user(pamh, &user, &pw)) != PAM_SUCCESS)
		return r;
	if (pw->pw_uid == 0) {
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "root is never isolated");
		return PAM_IGNORE;
	}
	if (is_manager_service(pamh))
		return manager_open(pamh, &a, user);
	if (pam_get_data(pamh, DATA_NAME, &old) == PAM_SUCCESS && old) {
		pam_syslog(pamh, LOG_ERR, "open_session called twice for %s", user);
		return PAM_SESSION_ERR;
	}
	if (geteuid() != 0) {
		snprintf(why, sizeof(why), "the application is not running as root");
		r = -EPERM;
		goto fail;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(why, sizeof(why), "out of memory");
		r = -ENOMEM;
		goto fail;
	}
	state_init(st);

	r = call_helper(&a, "pam-open", user, st, why, sizeof(why), &closed);
	if (r == 1) {
		free(st);
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "%s is exempt by policy", user);
		return PAM_IGNORE;
	}
	/* The helper refuses these; never join one regardless. */
	if (r == 0 && (st->rep.flags & NSP_IDENTITY_ROOT)) {
		r = -EPERM;
		closed = true;
		snprintf(why, sizeof(why), "identity = root sessions are not entered through PAM");
	}
	if (r == 0)
		r = parent_join(pamh, st, why, sizeof(why));
	/* For su and login this is the only chance to set it for the shell. */
	if (r == 0 && (st->rep.flags & NSP_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		r = -errno;
		snprintf(why, sizeof(why), "no_new_privs: %s", strerror(errno));
		(void)parent_leave(st);
	}
	/* su's and login's shell shares the terminal of whoever ran them:
	 * no TIOCSTI into it (see ttyguard.c). Inherited by sshd's session
	 * child too. A filter cannot be removed, but it only takes away two
	 * ioctls the application itself never needs. */
	if (r == 0 && (r = tty_guard_install()) < 0) {
		snprintf(why, sizeof(why), "installing the terminal guard: %s", strerror(-r));
		(void)parent_leave(st);
	}
	if (r == 0 && pam_set_data(pamh, DATA_NAME, st, state_cleanup) != PAM_SUCCESS) {
		r = -ENOMEM;
		snprintf(why, sizeof(why), "pam_set_data failed");
		(void)parent_leave(st);
	}
	if (r < 0) {
		state_close_all(st);
		free(st);
		goto fail;
	}
	pam_syslog(pamh, LOG_INFO, "%s (uid %u) %s session, keeper %d", user, (unsigned)pw->pw_uid,
		   (st->rep.flags & NSP_CREATED) ? "started a new" : "joined its", (int)st->rep.keeper_pid);
	return PAM_SUCCESS;

fail:
	if (a.onerr_succeed && !closed) {
		pam_syslog(pamh, LOG_WARNING, "no session for %s: %s; letting the login through "
			   "unisolated (onerr=succeed)", user, why);
		return PAM_IGNORE;
	}
	pam_syslog(pamh, LOG_ERR, "no session for %s: %s", user, why);
	return PAM_SESSION_ERR;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct args a;
	const void *data = NULL;
	struct state *st;
	int r = 0;

	(void)flags;
	if (parse_args(pamh, argc, argv, &a) < 0)
		a.debug = false;
	if (pam_get_data(pamh, DATA_NAME, &data) != PAM_SUCCESS || !data)
		return PAM_IGNORE;
	st = (struct state *)data;
	if (st->opener == getpid() && st->joined) {
		r = parent_leave(st);
		if (r < 0)
			pam_syslog(pamh, LOG_ERR, "returning to the host's namespaces: %s", strerror(-r));
	}
	/* Drop the login reference now; pam_end's cleanup closes the rest. */
	close_fd(&st->ref_fd);
	if (a.debug)
		pam_syslog(pamh, LOG_DEBUG, "login reference released");
	return r < 0 ? PAM_SESSION_ERR : PAM_SUCCESS;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct args a;
	const void *data = NULL;
	struct state *st;
	char why[300];

	if (!(flags & (PAM_ESTABLISH_CRED | PAM_REINITIALIZE_CRED)))
		return PAM_IGNORE;
	if (parse_args(pamh, argc, argv, &a) < 0)
		return PAM_CRED_ERR;
	if (pam_get_data(pamh, DATA_NAME, &data) != PAM_SUCCESS || !data)
		return PAM_IGNORE;
	st = (struct state *)data;
	if (st->opener == getpid() || st->ref_fd < 0)
		return PAM_IGNORE;
	if (child_join(st, why, sizeof(why)) < 0) {
		if (a.onerr_succeed) {
			pam_syslog(pamh, LOG_WARNING, "%s; continuing (onerr=succeed)", why);
			return PAM_IGNORE;
		}
		pam_syslog(pamh, LOG_ERR, "%s", why);
		return PAM_CRED_ERR;
	}
	if (a.debug)
		pam_syslog(pamh, LOG_DEBUG, "session child %d joined the session", (int)getpid());
	return PAM_SUCCESS;
}

/* Listed in the auth stack only so that pam_setcred reaches the module. */
PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}
