/* enter.c — the setuid caller once argv is parsed: every verb is served by
 * nsession-monitor (call.c, root, exec'd by fd, MW_OP_CALL), which answers
 * on our stdin, stdout and stderr and whose exit status is ours. For
 * `run` it hands back the session (the login reference and the namespace
 * fds, monwire.h); this file then runs the command in it: a child moves
 * into the session's cgroup (call.c does it, at our word), joins the
 * namespaces, takes the user's inside ids, drops capabilities and execs;
 * the caller drops to the user's ids and waits. */
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

#include "args.h"
#include "cleanup.h"
#include "jobctl.h"
#include "monwire.h"
#include "nskind.h"
#include "privs.h"
#include "spawn.h"
#include "ttyguard.h"
#include "util.h"

#define USER_PATH "/usr/local/bin:/usr/bin:/bin"

/* What call.c handed over for `run`. */
struct handed {
	struct mw_run_reply rep;
	int ref_fd;
	int ns_fds[NSK_COUNT];
};

static void handed_close(struct handed *h)
{
	if (h->ref_fd >= 0)
		close(h->ref_fd);
	h->ref_fd = -1;
	for (int i = 0; i < NSK_COUNT; i++) {
		if (h->ns_fds[i] >= 0)
			close(h->ns_fds[i]);
		h->ns_fds[i] = -1;
	}
}

static void die_child(const char *what, int err) __attribute__((noreturn));
static void die_child(const char *what, int err)
{
	ns_err("%s: %s", what, strerror(err));
	_exit(127);
}

/* The child's environment: what the user's login would have. */
static void child_env(const struct mw_run_reply *rep, const struct caller_env *cenv,
		      char env[7][4200], char *envp[8])
{
	int ne = 0;

	snprintf(env[ne], sizeof(env[ne]), "HOME=%s", rep->home), ne++;
	snprintf(env[ne], sizeof(env[ne]), "USER=%s", rep->user), ne++;
	snprintf(env[ne], sizeof(env[ne]), "LOGNAME=%s", rep->user), ne++;
	snprintf(env[ne], sizeof(env[ne]), "SHELL=%s", rep->shell), ne++;
	snprintf(env[ne], sizeof(env[ne]), "PATH=%s", USER_PATH), ne++;
	if (cenv->term[0])
		snprintf(env[ne], sizeof(env[ne]), "TERM=%s", cenv->term), ne++;
	if (cenv->lang[0])
		snprintf(env[ne], sizeof(env[ne]), "LANG=%s", cenv->lang), ne++;
	for (int i = 0; i < ne; i++)
		envp[i] = env[i];
	envp[ne] = NULL;
}

/* In the child, as host root: the terminal guard, the user's groups, the
 * namespaces (the PID namespace was set before the fork), then the user's
 * inside ids, capabilities, no_new_privs and the caller's limits. */
static void child_enter(struct handed *h)
{
	const struct mw_run_reply *rep = &h->rep;
	int k = 0, g;

	/* First, while still host root: no TIOCSTI/TIOCLINUX into the
	 * caller's terminal from anything in the session (ttyguard.c). */
	if ((g = tty_guard_install()) < 0)
		die_child("installing the terminal guard", -g);
	/* The user's host groups (resolve.c asked the group database), set
	 * while still host root: in the session setgroups is denied, so this
	 * is what they keep (and nothing they can drop). */
	if (setgroups((size_t)rep->ngroups, rep->groups) < 0)
		die_child("setgroups", errno);
	/* The others as host root (they are owned by the initial user
	 * namespace), then the user namespace, last (it owns nothing). */
	if ((g = ns_enter(h->ns_fds, NSK_ALL & ~(1u << NSK_PID), &k)) < 0) {
		char what[48];
		snprintf(what, sizeof(what), "joining the %s namespace", nskinds[k].name);
		die_child(what, -g);
	}
	handed_close(h);
	if (setresgid(rep->inside_gid, rep->inside_gid, rep->inside_gid) < 0 ||
	    setresuid(rep->inside_uid, rep->inside_uid, rep->inside_uid) < 0)
		die_child("setting the session identity", errno);
	/* Root inside keeps its capabilities in the session's own user
	 * namespace; everyone else keeps none (see privs.c). */
	g = rep->keep_caps ? caps_clear_ambient() : caps_drop_all();
	if (g < 0)
		die_child("dropping capabilities", -g);
	if (rep->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die_child("no_new_privs", errno);
	if ((g = restore_limits()) < 0)
		die_child("restoring the caller's resource limits", -g);
	signal(SIGXFSZ, SIG_DFL);
}

/* In the forked child: wait for the word that it is in the session's
 * cgroup (`go`, a pipe: 0 or -errno from call.c), enter the session and
 * exec. Never returns. */
static void enter_and_exec(struct handed *h, const struct caller_env *cenv, int go, char **cmd,
			   bool tty)
{
	const struct mw_run_reply *rep = &h->rep;
	char loginname[PATH_MAX + 2], *envp[8], env[7][4200];
	const char *argv0;
	int32_t res = -EIO;

	/* Into the session's cgroup before joining the cgroup namespace, so
	 * that the namespace's root is where we are. Fail closed: a session
	 * with limits is never entered outside them. */
	if (ns_read_exact(go, &res, sizeof(res)) < 0 || res < 0)
		die_child("entering the session's cgroup", res < 0 ? -res : EIO);
	close(go);
	child_enter(h);
	/* As the user, so no root traversal of their home. */
	if (chdir(rep->home) < 0 && chdir("/") < 0)
		die_child("chdir", errno);
	child_env(rep, cenv, env, envp);
	ns_close_fds_except(-1, -1);
	jobctl_child(tty);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (cmd && cmd[0]) {
		execvpe(cmd[0], cmd, envp);
		ns_err("%s: %s", cmd[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	argv0 = strrchr(rep->shell, '/');
	snprintf(loginname, sizeof(loginname), "-%s", argv0 ? argv0 + 1 : rep->shell);
	char *const shargv[] = { loginname, NULL };
	execve(rep->shell, shargv, envp);
	ns_err("%s: %s", rep->shell, strerror(errno));
	_exit(127);
}

static pid_t child_pid = -1;

static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/* ---- talking to call.c ---------------------------------------------------- */

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	/* Not 1: pam_nsession fails closed on anything but 1 and 127. */
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : EXIT_FAILED;
}

/* Start call.c for `a`. The socket, or -errno (said on stderr). */
static int start_call(const struct helper_args *a, uid_t ruid, pid_t *pid)
{
	static struct mw_request req;
	char why[256];
	int sock;

	memset(&req, 0, sizeof(req));
	req.op = MW_OP_CALL;
	req.verb = a->verb;
	req.ruid = ruid;
	req.uid = ruid;
	snprintf(req.user, sizeof(req.user), "%s", a->user ? a->user : "");
	snprintf(req.config, sizeof(req.config), "%s", a->config ? a->config : "");
	sock = mw_start(&req, false, pid, why, sizeof(why));
	if (sock < 0)
		ns_err("starting %s: %s", NSESSION_MONITOR, why);
	return sock;
}

int cmd_call(const struct helper_args *a, uid_t ruid)
{
	pid_t pid;
	int status = 0, sock = start_call(a, ruid, &pid);

	if (sock < 0)
		return EXIT_FAILED;
	close(sock);
	if (ns_wait(pid, &status) < 0)
		return EXIT_FAILED;
	return exit_status(status);
}

/* The reply and its fds: 1 when handed, 0 when call.c said no (it said
 * why, its exit status is ours), -EPROTO for anything malformed. */
static int receive(int sock, struct handed *h)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MW_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &h->rep, sizeof(h->rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	int fds[MW_MAX_FDS], nfds = 0, want = 1;
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n < 0)
		return -EPROTO;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len >= CMSG_LEN(0)) {
		nfds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (nfds > MW_MAX_FDS)
			nfds = MW_MAX_FDS; /* the kernel cut it to the buffer: MSG_CTRUNC */
		memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)nfds);
	}
	for (int i = 0; i < NSK_COUNT; i++)
		want += (h->rep.ns_mask >> i) & 1;
	if (n != (ssize_t)sizeof(h->rep) || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    h->rep.magic != MW_MAGIC || (h->rep.ns_mask & ~NSK_ALL) || nfds != want ||
	    h->rep.ngroups < 0 || h->rep.ngroups > USER_GROUPS_MAX) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return -EPROTO;
	}
	h->ref_fd = fds[0];
	for (int i = 0, f = 1; i < NSK_COUNT; i++)
		h->ns_fds[i] = (h->rep.ns_mask & (1u << i)) ? fds[f++] : -1;
	return 1;
}

/* The child is forked: have call.c move it into the session's cgroup and
 * pass on its answer (0 or -errno) on `go`. */
static void child_cgroup(int sock, const struct handed *h, pid_t child, int go)
{
	int32_t pid = (int32_t)child, res = 0;

	if (h->rep.has_cgroup &&
	    (send(sock, &pid, sizeof(pid), MSG_NOSIGNAL) != sizeof(pid) ||
	     ns_read_exact(sock, &res, sizeof(res)) < 0))
		res = -EIO;
	(void)!write(go, &res, sizeof(res));
}

/* The caller's side of `run`, once the child is on its way: only the login
 * reference kept, the user's own ids, wait for the command. */
static int wait_command(struct handed *h, bool tty)
{
	int r, status;

	for (int i = 0; i < NSK_COUNT; i++)
		if (h->ns_fds[i] >= 0)
			close(h->ns_fds[i]), h->ns_fds[i] = -1;
	if (setgroups((size_t)h->rep.ngroups, h->rep.groups) < 0 ||
	    setresgid(h->rep.gid, h->rep.gid, h->rep.gid) < 0 ||
	    setresuid(h->rep.uid, h->rep.uid, h->rep.uid) < 0) {
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
	handed_close(h);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int cmd_run(const struct helper_args *a, uid_t ruid, const struct caller_env *env)
{
	static struct handed h;
	bool tty = jobctl_have_terminal();
	int go[2], status = 0, r;
	pid_t pid;
	cleanup_fd int sock = start_call(a, ruid, &pid);

	if (sock < 0)
		return EXIT_FAILED;
	h.ref_fd = -1;
	r = receive(sock, &h);
	if (r <= 0) {
		if (r < 0)
			ns_err("nsession-monitor: a malformed answer");
		close(steal_fd(&sock));
		(void)ns_wait(pid, &status);
		return r < 0 ? EXIT_FAILED : exit_status(status);
	}
	/* The PID namespace applies to children: set it, then fork. */
	if (ns_enter(h.ns_fds, 1u << NSK_PID, NULL) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		ns_err("joining the PID namespace of %s: %s", h.rep.user, strerror(errno));
		handed_close(&h);
		close(steal_fd(&sock));
		(void)ns_wait(pid, NULL);
		return EXIT_FAILED;
	}
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	child_pid = fork();
	if (child_pid == 0) {
		close(go[1]);
		close(sock);
		enter_and_exec(&h, env, go[0], a->cmd, tty);
	}
	close(go[0]);
	if (child_pid < 0) {
		ns_err("fork: %s", strerror(errno));
		close(go[1]);
		handed_close(&h);
		close(steal_fd(&sock));
		(void)ns_wait(pid, NULL);
		return EXIT_FAILED;
	}
	jobctl_parent(child_pid, tty);
	child_cgroup(sock, &h, child_pid, go[1]);
	close(go[1]);
	close(steal_fd(&sock));
	(void)ns_wait(pid, NULL);
	return wait_command(&h, tty);
}
