/* enter.c — the caller once it knows who the session is for: join the
 * session or have one made (join.c), then either run the command in it
 * (`run`: a child moves into the session's cgroup, joins the namespaces,
 * takes the user's inside ids, drops capabilities and execs; the caller
 * drops to the user's ids and waits) or hand the namespaces to
 * pam_nsession (`pam-open`, lib/pamwire.h). */
#include "caller.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobctl.h"
#include "nskind.h"
#include "pamwire.h"
#include "ttyguard.h"
#include "util.h"

#define USER_PATH "/usr/local/bin:/usr/bin:/bin"

static void die_child(const char *what, int err) __attribute__((noreturn));
static void die_child(const char *what, int err)
{
	ns_err("%s: %s", what, strerror(err));
	_exit(127);
}

/* In the forked child: enter the session and exec. Never returns. */
static void enter_and_exec(const struct session_spec *s, const struct caller_env *cenv,
			   struct session_join *j, char **cmd, bool tty)
{
	const char *argv0;
	char loginname[PATH_MAX + 2], *envp[8], env[7][4200];
	int ne = 0;

	/* First, while still host root: no TIOCSTI/TIOCLINUX into the
	 * caller's terminal from anything in the session (ttyguard.c). */
	int g = tty_guard_install();
	if (g < 0)
		die_child("installing the terminal guard", -g);
	/* The user's host groups (build_spec asked the group database), set
	 * while still host root: in the session setgroups is denied, so this
	 * is what they keep (and nothing they can drop). */
	if (setgroups((size_t)s->ngroups, s->groups) < 0)
		die_child("setgroups", errno);
	/* Into the session's cgroup while still host root (writing
	 * cgroup.procs needs it) and before joining the cgroup namespace,
	 * so that the namespace's root is where we are. Fail closed: a
	 * session with limits is never entered outside them. */
	if (j->rec.cgroup[0] && (g = cg_enter(j->rec.cgroup, 0)) < 0)
		die_child("entering the session's cgroup", -g);
	/* The others as host root (they are owned by the initial user
	 * namespace), then the user namespace, last (it owns nothing); the
	 * PID namespace was set before the fork. */
	int k = 0;
	if ((g = ns_enter(j->ns_fds, NSK_ALL & ~(1u << NSK_PID), &k)) < 0) {
		char what[48];
		snprintf(what, sizeof(what), "joining the %s namespace", nskinds[k].name);
		die_child(what, -g);
	}
	session_join_close(j);

	if (setresgid(s->inside_gid, s->inside_gid, s->inside_gid) < 0 ||
	    setresuid(s->inside_uid, s->inside_uid, s->inside_uid) < 0)
		die_child("setting the session identity", errno);
	/* Root inside keeps its capabilities in the session's own user
	 * namespace; everyone else keeps none (see privs.c). */
	bool keep = s->pol.identity == NSC_ID_ROOT && (s->pol.namespaces & NSC_NS_USER);
	int r = keep ? caps_clear_ambient() : caps_drop_all();
	if (r < 0)
		die_child("dropping capabilities", -r);
	if (s->pol.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_child("no_new_privs", errno);
	r = restore_limits();
	if (r < 0)
		die_child("restoring the caller's resource limits", -r);
	signal(SIGXFSZ, SIG_DFL);
	/* As the user, so no root traversal of their home. */
	if (chdir(s->home) < 0 && chdir("/") < 0)
		die_child("chdir", errno);

	snprintf(env[ne], sizeof(env[ne]), "HOME=%s", s->home), ne++;
	snprintf(env[ne], sizeof(env[ne]), "USER=%s", s->user), ne++;
	snprintf(env[ne], sizeof(env[ne]), "LOGNAME=%s", s->user), ne++;
	snprintf(env[ne], sizeof(env[ne]), "SHELL=%s", s->shell), ne++;
	snprintf(env[ne], sizeof(env[ne]), "PATH=%s", USER_PATH), ne++;
	if (cenv->term[0])
		snprintf(env[ne], sizeof(env[ne]), "TERM=%s", cenv->term), ne++;
	if (cenv->lang[0])
		snprintf(env[ne], sizeof(env[ne]), "LANG=%s", cenv->lang), ne++;
	for (int i = 0; i < ne; i++)
		envp[i] = env[i];
	envp[ne] = NULL;

	ns_close_fds_except(-1, -1);
	jobctl_child(tty);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (cmd && cmd[0]) {
		execvpe(cmd[0], cmd, envp);
		ns_err("%s: %s", cmd[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	argv0 = strrchr(s->shell, '/');
	snprintf(loginname, sizeof(loginname), "-%s", argv0 ? argv0 + 1 : s->shell);
	char *const shargv[] = { loginname, NULL };
	execve(s->shell, shargv, envp);
	ns_err("%s: %s", s->shell, strerror(errno));
	_exit(127);
}

static pid_t child_pid = -1;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

int cmd_run(const struct session_spec *s, char **cmd, const struct caller_env *env)
{
	struct session_join j;
	char err[512];
	bool tty = jobctl_have_terminal();
	int r, status;

	r = session_get(s, &j, err, sizeof(err));
	if (r < 0 && j.refused) {
		ns_refuse("user=%s uid=%u: %s", s->user, s->uid, err);
		return EXIT_REFUSED;
	}
	if (r < 0) {
		ns_err("cannot start session for %s: %s", s->user, err);
		return EXIT_FAILED;
	}
	/* The PID namespace applies to children: set it, then fork. */
	if (ns_enter(j.ns_fds, 1u << NSK_PID, NULL) < 0) {
		ns_err("joining the PID namespace of %s: %s", s->user, strerror(errno));
		session_join_close(&j);
		return EXIT_FAILED;
	}
	ns_info("join " SESSION_LOG_FMT " via=run keeper=%d", SESSION_LOG_ARGS(&j.rec),
		(int)j.rec.keeper_pid);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	child_pid = fork();
	if (child_pid < 0) {
		ns_err("fork: %s", strerror(errno));
		session_join_close(&j);
		return EXIT_FAILED;
	}
	if (child_pid == 0)
		enter_and_exec(s, env, &j, cmd, tty);
	jobctl_parent(child_pid, tty);

	/* Parent: keep only the login reference, and the user's own ids. */
	proc_ns_close(j.ns_fds);
	if (setgroups((size_t)s->ngroups, s->groups) < 0 || setresgid(s->gid, s->gid, s->gid) < 0 ||
	    setresuid(s->uid, s->uid, s->uid) < 0) {
		ns_err("dropping privileges: %s", strerror(errno));
		kill(child_pid, SIGKILL);
	}
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	signal(SIGTERM, forward_signal);
	signal(SIGHUP, forward_signal);
	r = jobctl_wait(child_pid, tty, &status);
	if (r < 0) {
		ns_err("waitpid: %s", strerror(-r));
		return EXIT_FAILED;
	}
	close(j.ref_fd);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* For pam_nsession.so (root only): find or create the user's session and
 * hand the login reference and the namespace fds over the socket on stdin
 * (see pamwire.h). Joining is the module's business: which namespaces a
 * process may enter safely depends on which process of sshd, su or login
 * it is (see pam_nsession(8)). */
int cmd_pam_open(const struct session_spec *s)
{
	struct session_join j;
	struct nsp_reply rep = { .magic = NSP_MAGIC };
	union {
		char buf[CMSG_SPACE(sizeof(int) * NSP_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &rep, sizeof(rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int fds[NSP_MAX_FDS], nfds = 0, type = 0, domain = 0;
	socklen_t len = sizeof(type);
	char err[512];

	if (getsockopt(STDIN_FILENO, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET ||
	    getsockopt(STDIN_FILENO, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_UNIX) {
		ns_refuse("user=%s uid=%u: pam-open: stdin is not the module's unix seqpacket "
			  "socket", s->user, s->uid);
		return EXIT_REFUSED;
	}
	int r = session_get(s, &j, err, sizeof(err));
	if (r < 0 && j.refused) {
		ns_refuse("user=%s uid=%u: %s", s->user, s->uid, err);
		return EXIT_REFUSED;
	}
	if (r < 0) {
		ns_err("cannot start session for %s: %s", s->user, err);
		return j.host_failure ? EXIT_FAILED : NSP_EXIT_CLOSED;
	}
	/* The opener (the process that called pam_open_session and made the
	 * socketpair on our stdin: its SO_PEERCRED) goes under the session's
	 * limits before it gets the reply: everything it forks next (sshd's
	 * session child, su's and login's shell) is under them too.
	 * Without systemd: into the session's cgroup, so the module's setns
	 * into the cgroup namespace is rooted there. On a systemd host a
	 * login stays in its logind scope in the user's slice, where the
	 * limits are; an opener outside that slice (cron, atd, sudo, su from
	 * another user's login) gets a scope of its own in it. */
	if (j.rec.cgroup[0] || (sd_host() && nsc_wants_cgroup(&s->pol))) {
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		r = getsockopt(STDIN_FILENO, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ? -errno
			: cred.pid <= 0 ? -ESRCH : 0;

		snprintf(err, sizeof(err), "%s", strerror(-r));
		if (r == 0 && j.rec.cgroup[0] && (r = cg_enter(j.rec.cgroup, cred.pid)) < 0)
			snprintf(err, sizeof(err), "%s", strerror(-r));
		else if (r == 0 && !j.rec.cgroup[0])
			r = sd_job_scope(s->uid, j.rec.id, cred.pid, err, sizeof(err));
		if (r < 0) {
			ns_err("pam-open for %s: putting the login under the session's limits: %s",
			       s->user, err);
			session_join_close(&j);
			return EXIT_FAILED;
		}
	}
	fds[nfds++] = j.ref_fd;
	for (int i = 0; i < NSC_NS_COUNT; i++) {
		if (j.ns_fds[i] >= 0) {
			rep.ns_mask |= 1u << i;
			fds[nfds++] = j.ns_fds[i];
		}
	}
	rep.flags = (s->pol.identity == NSC_ID_ROOT ? NSP_IDENTITY_ROOT : 0) |
		    (s->pol.no_new_privs ? NSP_NO_NEW_PRIVS : 0) | (j.created ? NSP_CREATED : 0);
	rep.inside_uid = s->inside_uid;
	rep.inside_gid = s->inside_gid;
	rep.keeper_pid = j.rec.keeper_pid;

	memset(&ctl, 0, sizeof(ctl));
	msg.msg_control = ctl.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	if (sendmsg(STDIN_FILENO, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(rep)) {
		ns_err("pam-open for %s: handing over the session: %s", s->user, strerror(errno));
		session_join_close(&j);
		return EXIT_FAILED;
	}
	ns_info("join " SESSION_LOG_FMT " via=pam keeper=%d%s", SESSION_LOG_ARGS(&j.rec),
		(int)j.rec.keeper_pid, j.created ? " new=yes" : "");
	session_join_close(&j);
	return 0;
}
