/* main.c — nsession-helper: entry point of the setuid-root helper.
 *
 *   nsession-helper run [--user NAME] [--config FILE] [-- COMMAND [ARG...]]
 *   nsession-helper terminate [--user NAME]
 *   nsession-helper status [--user NAME]
 *   nsession-helper check-config [FILE]
 *   nsession-helper pam-open --user NAME [--config FILE]   (root; for pam_nsession.so)
 *
 * Who the session is for comes from the kernel (the real uid), never from
 * argv or the environment; --user and --config are honoured only when the
 * real uid is 0. Before anything else the helper refuses argc == 0, makes
 * sure fds 0-2 are open, closes every other inherited fd and throws the
 * environment away (keeping a validated TERM and LANG for the session). */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "jobctl.h"
#include "nskind.h"
#include "ttyguard.h"
#include "pamwire.h"
#include "subid.h"
#include "userpolicy.h"
#include "util.h"

#ifndef NSESSION_SUBUID
#define NSESSION_SUBUID "/etc/subuid"
#endif
#ifndef NSESSION_SUBGID
#define NSESSION_SUBGID "/etc/subgid"
#endif
#define USER_PATH "/usr/local/bin:/usr/bin:/bin"
#define EXIT_REFUSED 2
#define EXIT_FAILED 1

static char saved_term[64], saved_lang[64];

/* The caller's environment, emptied before anything else runs: the dynamic
 * loader calls the executable's .preinit_array functions before the
 * constructors of any library, and some read the environment there, as
 * root (libnl-route opens $NLSYSCONFDIR/classid; libnl takes NLCB and
 * NLDBG). Only TERM and LANG stay, for sanitize_process to validate. Plain
 * loops, no libc: libc itself is not initialised yet. Not in sanitizer
 * builds (tests only), whose runtime reads its options in the same place. */
static void scrub_environment(int argc, char **argv, char **envp)
{
	size_t kept = 0;

	(void)argc;
	(void)argv;
	for (size_t i = 0; envp && envp[i]; i++) {
		const char *e = envp[i];
		if ((e[0] == 'T' && e[1] == 'E' && e[2] == 'R' && e[3] == 'M' && e[4] == '=') ||
		    (e[0] == 'L' && e[1] == 'A' && e[2] == 'N' && e[3] == 'G' && e[4] == '='))
			envp[kept++] = envp[i];
	}
	if (envp)
		envp[kept] = NULL;
}
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NS_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define NS_SANITIZED 1
#endif
#ifndef NS_SANITIZED
__attribute__((section(".preinit_array"), used))
static void (*const preinit_scrub)(int, char **, char **) = scrub_environment;
#else
static void (*const preinit_scrub)(int, char **, char **) __attribute__((unused)) = scrub_environment;
#endif

/* Resource limits are the caller's to choose for their own command, not for
 * the setuid helper: an RLIMIT_FSIZE of 0 would kill it with SIGXFSZ halfway
 * through writing a record, a tiny stack would crash it mid-setup. The
 * helper runs with limits of its own and gives the caller's back to the
 * command it starts (restore_limits). */
static const int own_limits[] = { RLIMIT_FSIZE, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_AS,
				  RLIMIT_STACK, RLIMIT_NOFILE, RLIMIT_CORE };
static struct rlimit saved_limits[NS_ARRAY_SIZE(own_limits)];

/* The stack the helper, its monitor and the libraries they call (NSS,
 * libnl, libnftables) need, with room to spare: the deepest of them was
 * measured at 48-64 KiB. A setuid process may raise its stack limit only
 * with CAP_SYS_RESOURCE; where the bounding set lacks it (some containers
 * and VMs), a caller's `ulimit -s 16` stays, and the helper would die of
 * SIGSEGV at a random point of its setup, perhaps holding the user's lock.
 * Below this it stops before doing anything (main). */
#define MIN_STACK_KIB 256

static void reset_limits(void)
{
	for (size_t i = 0; i < NS_ARRAY_SIZE(own_limits); i++) {
		struct rlimit want = { RLIM_INFINITY, RLIM_INFINITY };
		struct rlimit *old = &saved_limits[i];
		int res = own_limits[i];

		if (getrlimit(res, old) < 0)
			*old = want;
		if (res == RLIMIT_STACK)
			want.rlim_cur = 8 << 20;
		else if (res == RLIMIT_NOFILE)
			want.rlim_cur = 4096;
		else if (res == RLIMIT_CORE)
			want.rlim_cur = 0; /* never a core of a setuid image */
		/* Hard limits only ever go up here, so that giving the caller's
		 * back later, without privilege, only lowers them. */
		want.rlim_max = old->rlim_max;
		if (want.rlim_max != RLIM_INFINITY &&
		    (want.rlim_cur == RLIM_INFINITY || want.rlim_cur > want.rlim_max))
			want.rlim_max = want.rlim_cur;
		(void)setrlimit(res, &want);
	}
}

/* The stack size limit in force (after reset_limits), in KiB. */
static rlim_t stack_limit_kib(void)
{
	struct rlimit st;

	if (getrlimit(RLIMIT_STACK, &st) < 0)
		return 0;
	return st.rlim_cur == RLIM_INFINITY ? RLIM_INFINITY : st.rlim_cur / 1024;
}

static int restore_limits(void)
{
	for (size_t i = 0; i < NS_ARRAY_SIZE(own_limits); i++)
		if (setrlimit(own_limits[i], &saved_limits[i]) < 0)
			return -errno;
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: nsession-helper run [--user NAME] [--config FILE] [-- COMMAND [ARG...]]\n"
	      "       nsession-helper terminate [--user NAME]\n"
	      "       nsession-helper status [--user NAME]\n"
	      "       nsession-helper check-config [FILE]\n"
	      "       nsession-helper pam-open --user NAME [--config FILE]  (root, for pam_nsession)\n"
	      "       nsession-helper --version | --help\n", f);
}

/* Keep an environment value only if it is short and plainly printable. */
static void save_env(const char *name, char *out, size_t len)
{
	const char *v = getenv(name);

	out[0] = '\0';
	if (!v || strlen(v) >= len)
		return;
	for (const char *p = v; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '/' || *p == '\\')
			return;
	snprintf(out, len, "%s", v);
}

/* Runs first, before any file is opened. */
static void sanitize_process(void)
{
	reset_limits();
	/* Where a hard RLIMIT_FSIZE could not be raised (no CAP_SYS_RESOURCE
	 * in the bounding set), a write past it fails with EFBIG, and the
	 * failure path undoes the setup, instead of SIGXFSZ killing the
	 * helper halfway. */
	signal(SIGXFSZ, SIG_IGN);
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", O_RDWR);
			if (n != fd)
				_exit(EXIT_FAILED); /* cannot even report */
		}
	}
	ns_close_fds_except(-1, -1);
	save_env("TERM", saved_term, sizeof(saved_term));
	save_env("LANG", saved_lang, sizeof(saved_lang));
	if (clearenv() != 0)
		_exit(EXIT_FAILED);
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	umask(022);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static int load_policy(const char *config, const struct passwd *pw, struct session_spec *s,
		       char *err, size_t errlen)
{
	struct nsc_config *cfg;
	int r = nsc_load_file(config, &cfg, err, errlen);

	if (r < 0)
		return r;
	r = user_groups(pw, s->groups, &s->ngroups, err, errlen);
	if (r == 0)
		r = policy_for_user(cfg, pw, s->groups, s->ngroups, &s->pol, err, errlen);
	nsc_free(cfg);
	return r;
}

static int load_subids(const char *path, const char *user, uint32_t uid, uint32_t own,
		       struct subid_range *r, size_t *n, char *err, size_t errlen)
{
	char why[128], *buf;
	size_t len;
	int ret;

	*n = 0;
	ret = ns_read_trusted(AT_FDCWD, path, 1 << 22, false, &buf, &len, why, sizeof(why));
	if (ret == -ENOENT)
		return 0;
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return ret;
	}
	ret = subid_parse(buf, len, path, user, uid, own, r, SUBID_RANGES_MAX, n, err, errlen);
	free(buf);
	return ret;
}

/* Everything about the user and their policy, resolved before any
 * privileged step. */
static int build_spec(const struct passwd *pw, const char *config, struct session_spec *s,
		      char *err, size_t errlen)
{
	struct subid_range ranges[SUBID_RANGES_MAX];
	size_t nr;
	bool root_inside;
	int r;

	memset(s, 0, sizeof(*s));
	if (!ns_valid_username(pw->pw_name)) {
		snprintf(err, errlen, "user name of uid %u is not acceptable", pw->pw_uid);
		return -EINVAL;
	}
	snprintf(s->user, sizeof(s->user), "%s", pw->pw_name);
	snprintf(s->config, sizeof(s->config), "%s", config);
	s->uid = pw->pw_uid;
	s->gid = pw->pw_gid;
	snprintf(s->home, sizeof(s->home), "%s", pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : "/");
	snprintf(s->shell, sizeof(s->shell), "%s",
		 pw->pw_shell && pw->pw_shell[0] == '/' ? pw->pw_shell : "/bin/sh");

	r = load_policy(config, pw, s, err, errlen);
	if (r < 0)
		return r;
	if (s->pol.exempt)
		return 0;

	root_inside = s->pol.identity == NSC_ID_ROOT;
	if (!(s->pol.namespaces & NSC_NS_USER)) {
		s->inside_uid = s->uid;
		s->inside_gid = s->gid;
		return 0;
	}
	nr = 0;
	if (s->pol.subids && (r = load_subids(NSESSION_SUBUID, s->user, s->uid, s->uid, ranges, &nr, err, errlen)) < 0)
		return r;
	if ((r = idmap_build(s->uid, root_inside, ranges, nr, &s->uidmap)) < 0) {
		snprintf(err, errlen, "building the uid map of %s: %s", s->user, strerror(-r));
		return r;
	}
	nr = 0;
	if (s->pol.subids && (r = load_subids(NSESSION_SUBGID, s->user, s->uid, s->gid, ranges, &nr, err, errlen)) < 0)
		return r;
	if ((r = idmap_build(s->gid, root_inside, ranges, nr, &s->gidmap)) < 0) {
		snprintf(err, errlen, "building the gid map of %s: %s", s->user, strerror(-r));
		return r;
	}
	s->inside_uid = idmap_inside_id(s->uid, root_inside);
	s->inside_gid = idmap_inside_id(s->gid, root_inside);
	return 0;
}

static void die_child(const char *what, int err) __attribute__((noreturn));
static void die_child(const char *what, int err)
{
	ns_err("%s: %s", what, strerror(err));
	_exit(127);
}

/* In the forked child: enter the session and exec. Never returns. */
static void enter_and_exec(const struct session_spec *s, struct session_join *j, char **cmd,
			   bool tty)
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
	if (saved_term[0])
		snprintf(env[ne], sizeof(env[ne]), "TERM=%s", saved_term), ne++;
	if (saved_lang[0])
		snprintf(env[ne], sizeof(env[ne]), "LANG=%s", saved_lang), ne++;
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

static int cmd_run(const struct session_spec *s, char **cmd)
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
		enter_and_exec(s, &j, cmd, tty);
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
static int cmd_pam_open(const struct session_spec *s)
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

static int cmd_status(const struct passwd *pw)
{
	struct session_record r;
	char err[256], host[16], peer[16];
	int dirfd = state_dir_open(), ret;

	if (dirfd < 0) {
		ns_err("state directory %s: %s", NSESSION_STATEDIR, strerror(-dirfd));
		return EXIT_FAILED;
	}
	ret = state_read(dirfd, pw->pw_uid, &r, err, sizeof(err));
	close(dirfd);
	if (ret == -ENOENT) {
		printf("no session for %s\n", pw->pw_name);
		return 3;
	}
	if (ret < 0) {
		ns_err("%s", err);
		return EXIT_FAILED;
	}
	nsc_format_ipv4(r.addr_host, host);
	nsc_format_ipv4(r.addr_peer, peer);
	printf("user=%s\nuid=%u\nkeeper_pid=%d\nmonitor_pid=%d\nnetwork=%s\n", r.user, r.uid,
	       (int)r.keeper_pid, (int)r.monitor_pid, nsc_netmode_names[r.network]);
	if (nsc_net_has_veth(r.network)) {
		struct nsc_addr h6 = state_addr6(r.addr6_host), p6 = state_addr6(r.addr6_peer);
		char host6[48], peer6[48];
		nsc_format_addr(&h6, host6);
		nsc_format_addr(&p6, peer6);
		printf("veth_host=%s\naddr_host=%s\naddr_peer=%s\nprefix=%u\n", r.veth_host, host,
		       peer, r.prefix);
		printf("addr6_host=%s\naddr6_peer=%s\nprefix6=%u\n", host6, peer6, r.prefix6);
	}
	if (r.network == NSC_NET_BRIDGE)
		printf("bridge=%s\n", r.bridge);
	if (r.cgroup[0])
		printf("cgroup=%s/%s\n", "nsession", r.cgroup);
	for (int i = 0; i < NSC_NS_COUNT; i++)
		if (r.namespaces & (1u << i))
			printf("ns_%s=%llu\n", nsc_ns_names[i], (unsigned long long)r.ns_ino[i]);
	return 0;
}

static int cmd_check_config(const char *path)
{
	struct nsc_config *cfg;
	char err[512];

	if (nsc_load_file(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_FAILED;
	}
	nsc_free(cfg);
	return 0;
}

int main(int argc, char **argv)
{
	const char *config;
	struct helper_args a;
	static struct session_spec spec_store;
	struct session_spec *spec;
	struct passwd *pw;
	char err[512];
	rlim_t stack_kib;
	uid_t ruid;
	int r;

	/* pkexec CVE-2021-4034: never run with argc == 0. Kernels since 5.18
	 * turn an empty argv into { "", NULL }, so an empty argv[0] is the
	 * same attempt. Nothing has been read yet: no message either. */
	if (argc < 1 || !argv || !argv[0] || !argv[0][0])
		_exit(127);
	sanitize_process();
	proctitle_init(argc, argv);
	ns_log_init("nsession-helper");
	stack_kib = stack_limit_kib();
	if (stack_kib < MIN_STACK_KIB) {
		ns_err("stack size limit %llu KiB is below the %d KiB nsession-helper needs, "
		       "and could not be raised",
		       (unsigned long long)stack_kib, MIN_STACK_KIB);
		return EXIT_FAILED;
	}
	ruid = getuid();

	r = args_parse(argc, argv, ruid, &a, err, sizeof(err));
	if (r == -EPERM) {
		ns_refuse("%s", err); /* it names the caller's uid */
		return EXIT_REFUSED;
	}
	if (r < 0) {
		ns_err("%s", err);
		usage(stderr);
		return EXIT_REFUSED;
	}
	config = a.config ? a.config : NSESSION_CONFIG;
	switch (a.verb) {
	case VERB_HELP:
		usage(stdout);
		return 0;
	case VERB_VERSION:
		printf("nsession-helper %s\n", NSESSION_VERSION);
		return 0;
	case VERB_CHECK_CONFIG:
		return cmd_check_config(config);
	default:
		break;
	}
	if (geteuid() != 0) {
		ns_err("not installed setuid root");
		return EXIT_FAILED;
	}
	/* Only from the host: inside a session (a su or login shell there
	 * stays in the host's user namespace, and with no_new_privs = no the
	 * setuid bit works) the record's host pids do not resolve, and a live
	 * session would look stale. */
	if (proc_in_host_ns(err, sizeof(err)) < 0) {
		ns_refuse("uid %u: nsession-helper runs only in the host's initial namespaces, "
			  "not inside a session or container: %s", ruid, err);
		return EXIT_REFUSED;
	}
	/* setuid, not setgid: without this every file made in the state
	 * directory would belong to the caller's group. */
	if (setresgid((gid_t)-1, 0, (gid_t)-1) < 0) {
		ns_err("setting the effective gid: %s", strerror(errno));
		return EXIT_FAILED;
	}

	pw = a.user ? getpwnam(a.user) : getpwuid(ruid);
	if (!pw) {
		if (a.user)
			ns_err("no such user '%.64s'", a.user);
		else
			ns_err("uid %u has no passwd entry", ruid);
		return EXIT_REFUSED;
	}
	if (a.verb == VERB_STATUS)
		return cmd_status(pw);
	if (a.verb == VERB_TERMINATE) {
		r = session_terminate(pw->pw_uid, err, sizeof(err));
		if (r < 0) {
			ns_err("terminate %s: %s", pw->pw_name, err);
			return r == -ENOENT ? 3 : EXIT_FAILED;
		}
		return 0;
	}

	/* Static: it lives as long as the process (and the session's
	 * monitor and keeper forked from it), and is never freed. */
	spec = &spec_store;
	r = build_spec(pw, config, spec, err, sizeof(err));
	if (r < 0) {
		ns_err("%s", err);
		return EXIT_FAILED;
	}
	if (a.verb == VERB_PAM_OPEN) {
		if (spec->pol.exempt || pw->pw_uid == 0)
			return NSP_EXIT_EXEMPT;
		/* Not through PAM: sshd insists that the user's uid is what
		 * getuid() returns after it drops privileges, which cannot
		 * hold for uid 0 inside, and a login is the unattended path:
		 * root inside is for `nsession-helper run`. (The mount table
		 * the login's privileged parent works in is the host's user
		 * namespace's, not the user's: SECURITY.md.) */
		if (spec->pol.identity == NSC_ID_ROOT) {
			ns_refuse("user=%s uid=%u: identity = root sessions are entered with "
				  "'nsession-helper run', not through PAM", pw->pw_name, pw->pw_uid);
			return EXIT_REFUSED;
		}
		return cmd_pam_open(spec);
	}
	/* For pam_nsession.so in the PAM service that starts a user's
	 * systemd manager (systemd-user): that manager runs in the host's
	 * namespaces and starts whatever its user asks for, over its sockets
	 * or through unit files in their home; an isolated user gets none.
	 * An exempt user's manager starts as usual. */
	if (a.verb == VERB_PAM_MANAGER) {
		if (spec->pol.exempt || pw->pw_uid == 0)
			return NSP_EXIT_EXEMPT;
		ns_refuse("user=%s uid=%u: no systemd user manager for a user in isolated "
			  "sessions: it would run outside the session", pw->pw_name, pw->pw_uid);
		return EXIT_REFUSED;
	}
	if (spec->pol.exempt || pw->pw_uid == 0) {
		ns_refuse("user=%s uid=%u: exempt from session isolation by policy", pw->pw_name,
			  pw->pw_uid);
		return EXIT_REFUSED;
	}
	return cmd_run(spec, a.cmd);
}
