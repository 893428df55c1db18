/* call.c — in nsession-monitor (root, all ids 0, exec'd by the setuid
 * caller, MW_OP_CALL): everything the caller's verbs need privilege for.
 * The setuid image parses argv and checks who may ask what (args.c), then
 * hands the verb here with its real uid; this resolves the user's policy
 * (resolve.c), finds, verifies, makes or ends the session (join.c) and
 * answers on the caller's stdin, stdout and stderr (inherited), or for
 * `run` hands the session back over the request socket (monwire.h), with
 * the same messages, syslog lines and exit status the caller reports.
 * Exit status: 0, EXIT_FAILED, EXIT_REFUSED, 3 (no session), or those of
 * pamwire.h for pam-open. */
#include "caller.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "monwire.h"
#include "nskind.h"
#include "pamwire.h"
#include "spawn.h"
#include "util.h"

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
			printf("ns_%s=%llu\n", nskinds[i].name, (unsigned long long)r.ns_ino[i]);
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

/* The session for `s`, found or made, and joined: 0; or the exit status,
 * said once: a refusal, a failure of the host's or the admin's making
 * (EXIT_FAILED), or one a user might cause (`other`). */
static int get_session(const struct session_spec *s, struct session_join *j, int other)
{
	char err[512];
	int r = session_get(s, j, err, sizeof(err));

	if (r == 0)
		return 0;
	if (j->refused) {
		ns_refuse("user=%s uid=%u: %s", s->user, s->uid, err);
		return EXIT_REFUSED;
	}
	ns_err("cannot start session for %s: %s", s->user, err);
	return j->host_failure ? EXIT_FAILED : other;
}

/* One message `msg` (its ns_mask field at *mask, filled in here) with
 * SCM_RIGHTS: the login reference, then the namespace fds in nskind.h
 * order. The same for pam_nsession (pamwire.h) and the helper (monwire.h). */
static int send_session(int sock, const void *msg, size_t len, const struct session_join *j,
			uint32_t *mask)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * (1 + NSK_COUNT))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)msg, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int fds[1 + NSK_COUNT], nfds = 0;

	fds[nfds++] = j->ref_fd;
	*mask = 0;
	for (int i = 0; i < NSK_COUNT; i++)
		if (j->ns_fds[i] >= 0) {
			*mask |= 1u << i;
			fds[nfds++] = j->ns_fds[i];
		}
	memset(&ctl, 0, sizeof(ctl));
	m.msg_control = ctl.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -errno;
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
	int type = 0, domain = 0;
	socklen_t len = sizeof(type);
	char err[512];

	if (getsockopt(STDIN_FILENO, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET ||
	    getsockopt(STDIN_FILENO, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_UNIX) {
		ns_refuse("user=%s uid=%u: pam-open: stdin is not the module's unix seqpacket "
			  "socket", s->user, s->uid);
		return EXIT_REFUSED;
	}
	int r = get_session(s, &j, NSP_EXIT_CLOSED);
	if (r)
		return r;
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
	rep.flags = (s->pol.identity == NSC_ID_ROOT ? NSP_IDENTITY_ROOT : 0) |
		    (s->pol.no_new_privs ? NSP_NO_NEW_PRIVS : 0) | (j.created ? NSP_CREATED : 0);
	rep.inside_uid = s->inside_uid;
	rep.inside_gid = s->inside_gid;
	rep.keeper_pid = j.rec.keeper_pid;

	if ((r = send_session(STDIN_FILENO, &rep, sizeof(rep), &j, &rep.ns_mask)) < 0) {
		ns_err("pam-open for %s: handing over the session: %s", s->user, strerror(-r));
		session_join_close(&j);
		return EXIT_FAILED;
	}
	ns_info("join " SESSION_LOG_FMT " via=pam keeper=%d%s", SESSION_LOG_ARGS(&j.rec),
		(int)j.rec.keeper_pid, j.created ? " new=yes" : "");
	session_join_close(&j);
	return 0;
}

/* run: find or make the session, hand the caller what it needs to enter
 * it, then move the caller's child (its pid the caller's answer) into the
 * session's cgroup before the child joins the namespaces. */
static int send_run_reply(const struct session_spec *s, const struct session_join *j)
{
	static struct mw_run_reply rep;

	memset(&rep, 0, sizeof(rep));
	rep.magic = MW_MAGIC;
	rep.uid = s->uid;
	rep.gid = s->gid;
	rep.inside_uid = s->inside_uid;
	rep.inside_gid = s->inside_gid;
	rep.keep_caps = s->pol.identity == NSC_ID_ROOT && (s->pol.namespaces & NSC_NS_USER);
	rep.no_new_privs = s->pol.no_new_privs;
	rep.has_cgroup = j->rec.cgroup[0] != '\0';
	rep.ngroups = s->ngroups;
	memcpy(rep.groups, s->groups, sizeof(rep.groups));
	snprintf(rep.user, sizeof(rep.user), "%s", s->user);
	snprintf(rep.home, sizeof(rep.home), "%s", s->home);
	snprintf(rep.shell, sizeof(rep.shell), "%s", s->shell);
	return send_session(MW_FD, &rep, sizeof(rep), j, &rep.ns_mask);
}

static int serve_run(const struct session_spec *s)
{
	struct session_join j;
	int32_t child, res;
	int r = get_session(s, &j, EXIT_FAILED);

	if (r)
		return r;
	r = send_run_reply(s, &j);
	if (r < 0) {
		session_join_close(&j);
		return EXIT_FAILED; /* the caller is gone: nothing to say to anyone */
	}
	ns_info("join " SESSION_LOG_FMT " via=run keeper=%d", SESSION_LOG_ARGS(&j.rec),
		(int)j.rec.keeper_pid);
	session_join_close(&j);
	if (!j.rec.cgroup[0])
		return 0;
	if (ns_read_exact(MW_FD, &child, sizeof(child)) < 0 || child <= 1)
		return EXIT_FAILED;
	/* Fail closed: a session with limits is never entered outside them
	 * (the child dies, saying why, if this fails). */
	res = cg_enter(j.rec.cgroup, (pid_t)child);
	return send(MW_FD, &res, sizeof(res), MSG_NOSIGNAL) == sizeof(res) ? 0 : EXIT_FAILED;
}

/* The verbs that need the user's spec: pam-open, pam-manager, run. */
static int session_verb(const struct mw_request *req, const struct passwd *pw,
			const char *config)
{
	/* Static: it lives as long as the process, and is never freed. */
	static struct session_spec spec_store;
	struct session_spec *spec = &spec_store;
	char err[512];
	int r;

	r = build_spec(pw, config, spec, err, sizeof(err));
	if (r < 0) {
		ns_err("%s", err);
		return EXIT_FAILED;
	}
	if (req->verb == VERB_PAM_OPEN) {
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
	if (req->verb == VERB_PAM_MANAGER) {
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
	return serve_run(spec);
}

/* The verbs about one user's session, once the caller may ask for it. */
static int user_verb(const struct mw_request *req, const char *config)
{
	struct passwd *pw = req->user[0] ? getpwnam(req->user) : getpwuid(req->ruid);
	char err[512];
	int r;

	if (!pw) {
		if (req->user[0])
			ns_err("no such user '%.64s'", req->user);
		else
			ns_err("uid %u has no passwd entry", req->ruid);
		return EXIT_REFUSED;
	}
	if (req->verb == VERB_STATUS)
		return cmd_status(pw);
	if (req->verb == VERB_TERMINATE) {
		r = session_terminate(pw->pw_uid, err, sizeof(err));
		if (r < 0) {
			ns_err("terminate %s: %s", pw->pw_name, err);
			return r == -ENOENT ? 3 : EXIT_FAILED;
		}
		return 0;
	}
	return session_verb(req, pw, config);
}

int call_main(const struct mw_request *req)
{
	const char *config = req->config[0] ? req->config : NSESSION_CONFIG;
	char err[512];

	if (req->verb == VERB_CHECK_CONFIG)
		return cmd_check_config(config);
	/* Only from the host: inside a session (a su or login shell there
	 * stays in the host's user namespace, and with no_new_privs = no the
	 * setuid bit works) the record's host pids do not resolve, and a live
	 * session would look stale. The caller is in this process's
	 * namespaces: its child. */
	if (proc_in_host_ns(err, sizeof(err)) < 0) {
		ns_refuse("uid %u: nsession-helper runs only in the host's initial namespaces, "
			  "not inside a session or container: %s", req->ruid, err);
		return EXIT_REFUSED;
	}
	return user_verb(req, config);
}
