/* join.c — the caller's story: find the user's session, verify it, join
 * it, or have a monitor made; end it (terminate).
 *
 * This is the part of session handling that runs in the setuid caller
 * (and in nsessionctl). Everything that builds or tears down a session
 * runs in nsession-monitor (monitor.c), a root-only program this file
 * starts by fd with a checked request (monwire.h): the caller's process
 * links none of it.
 *
 * Serialisation: everything that decides whether a user's session exists
 * (reading the record, creating, tearing down) happens under the user's lock
 * "<uid>.lock" in the state directory. Address allocation additionally
 * holds "pool.lock" from reading the leases until it has made its own
 * lease file "leases/<uid>.<index>" (state_write.c), whose index the record
 * names later and which goes with it.
 *
 * Login references: each caller holds one connection to the monitor's
 * socket "<uid>.sock" (SOCK_SEQPACKET, in the root-only state directory).
 * The monitor counts connections; a crashed or killed caller releases its
 * reference by itself when the kernel closes the fd. When the count drops
 * to zero (after `linger` seconds) the monitor takes the user's lock,
 * accepts anything still pending in its backlog, and only if the count is
 * still zero ends the session. A caller connects while holding the lock, so
 * a session is never ended between "found" and "joined".
 *
 * Trust: a record is believed only if it parses, names this uid, and both
 * its monitor and keeper are alive with the recorded start times, and the
 * namespace inodes opened through /proc/KEEPER/ns match the record, checked
 * again after opening (pidfd still alive, so the pid was not reused). The
 * monitor's socket must answer with the recorded monitor pid (SO_PEERCRED).
 * A process of the user's that merely looks like a keeper is never joined
 * (procfs.c, proc_live). */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fault.h"
#include "monwire.h"
#include "pidfd.h"
#include "spawn.h"
#include "util.h"

#define SETUP_TIMEOUT_MS 10000

/* A live session that this join must not enter: why, for the admin.
 * JOIN_REFUSED is what only this returns (session_get turns it into
 * out->refused). */
#define JOIN_REFUSED (-EKEYREJECTED)

static int join_refusal(const struct session_record *rec, const struct session_spec *spec,
			char *err, size_t errlen)
{
	char build[STATE_ID_LEN + 1];
	char differs[160];

	if (strcmp(rec->user, spec->user) != 0) {
		snprintf(err, errlen, "the session of uid %u was started as user %s, not %s; "
			 "end it first: nsessionctl terminate %s", (unsigned)rec->uid, rec->user,
			 spec->user, rec->user);
		return JOIN_REFUSED;
	}
	spec_build(spec, build);
	if (strcmp(rec->build, build) == 0)
		return 0;
	if (rec->identity != spec->pol.identity)
		snprintf(differs, sizeof(differs), "identity = %s, the policy now says identity = %s",
			 rec->identity == NSC_ID_ROOT ? "root" : "self",
			 spec->pol.identity == NSC_ID_ROOT ? "root" : "self");
	else if (rec->no_new_privs != spec->pol.no_new_privs)
		snprintf(differs, sizeof(differs), "no_new_privs = %s, the policy now says %s",
			 rec->no_new_privs ? "yes" : "no", spec->pol.no_new_privs ? "yes" : "no");
	else if (rec->namespaces != spec->pol.namespaces || rec->network != spec->pol.network)
		snprintf(differs, sizeof(differs), "other namespaces or another network mode");
	else
		snprintf(differs, sizeof(differs), "another policy (id maps, network, host name, "
			 "/tmp or the policy file)");
	snprintf(err, errlen, "the live session of %s was built with %s; end it first: "
		 "nsessionctl terminate %s", spec->user, differs, spec->user);
	return JOIN_REFUSED;
}

static int connect_monitor(const struct session_record *rec)
{
	struct sockaddr_un sa;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	cleanup_fd int fd = -1;
	int r = session_sock_path(rec->uid, &sa);

	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0)
		return errno == ECONNREFUSED || errno == ENOENT ? -ESTALE : -errno;
	if (cred.pid != rec->monitor_pid || cred.uid != 0)
		return -ESTALE;
	return steal_fd(&fd);
}

static int try_join(const struct session_record *rec, const struct session_spec *spec,
		    struct session_join *out, char *err, size_t errlen)
{
	int r;

	if (rec->uid != spec->uid)
		return -ESTALE;
	r = proc_live(rec, NSK_ALL, out->ns_fds);
	if (r < 0)
		return r;
	/* Alive: never treated as stale from here on, only joined or not. */
	r = join_refusal(rec, spec, err, errlen);
	if (r == 0) {
		out->ref_fd = connect_monitor(rec);
		if (out->ref_fd < 0)
			r = out->ref_fd == -ENOENT || out->ref_fd == -ESRCH ? -ESTALE : out->ref_fd;
	}
	if (r < 0)
		proc_ns_close(out->ns_fds);
	else
		out->rec = *rec;
	return r;
}

/* The user's lock: `timeout_ms` as for state_lock (a login waits
 * USER_LOCK_WAIT_MS at most; a monitor ending its session waits for
 * ever). */
/* A pidfd for the live monitor named by a record state_read refuses, or
 * -ESTALE. */
static int other_monitor(int dirfd, uint32_t uid)
{
	uint64_t start;
	pid_t pid;

	if (state_read_monitor(dirfd, uid, &pid, &start) < 0)
		return -ESTALE;
	return proc_pidfd_checked(pid, start);
}

static bool other_monitor_alive(int dirfd, uint32_t uid)
{
	int fd = other_monitor(dirfd, uid);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void session_join_close(struct session_join *j)
{
	proc_ns_close(j->ns_fds);
	if (j->ref_fd >= 0)
		close(j->ref_fd);
	j->ref_fd = -1;
}


/* ---- starting nsession-monitor ---------------------------------------- */

/* Start nsession-monitor with `req` and wait for the intermediate (CREATE)
 * or the monitor itself (CLEAN). Returns the caller's end of the socket
 * (CREATE: for the report) or -errno; *status is the exit status of the
 * process waited for. */
static int run_monitor(struct mw_request *req, int *status, char *why, size_t whylen)
{
	pid_t pid;
	int sock = mw_start(req, req->op == MW_OP_CREATE, &pid, why, whylen);

	if (sock < 0)
		return sock;
	(void)ns_wait(pid, status);
	return sock;
}

/* Whatever a dead session of `uid` left (its record, or without one what
 * `guess` would have made: processes whose identity matches, veth, tables,
 * cgroup, files) removed by nsession-monitor. Called under the user's
 * lock. Failures are the monitor's to log. */
static void clean_stale(uint32_t uid, const struct nsc_policy *guess)
{
	static struct mw_request req;
	char why[256];
	int status = 0, sock;

	memset(&req, 0, sizeof(req));
	req.op = MW_OP_CLEAN;
	req.uid = uid;
	if (guess) {
		req.has_spec = 1;
		req.spec.uid = uid;
		req.spec.pol = *guess;
		snprintf(req.spec.user, sizeof(req.spec.user), "nobody");
	}
	sock = run_monitor(&req, &status, why, sizeof(why));
	if (sock >= 0)
		close(sock);
	if (sock < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ns_warn_log("uid=%u: cleaning up a stale session failed: %s", (unsigned)uid,
			    sock < 0 ? why : "nsession-monitor failed");
}

/* Start a monitor for `spec` and wait for its verdict. Called under the
 * user's lock. A set-up step that failed (MW_FAILED) sets *host; a lock it
 * gave up on (MW_TIMEOUT) or a context it refused (MW_REFUSED) does not. */
static int spawn_session(const struct session_spec *spec, char *err, size_t errlen, bool *host)
{
	static struct mw_request req;
	char buf[512];
	int sock, status;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.op = MW_OP_CREATE;
	req.uid = spec->uid;
	req.spec = *spec;
	sock = run_monitor(&req, &status, buf, sizeof(buf));
	if (sock < 0) {
		snprintf(err, errlen, "starting %s: %s", NSESSION_MONITOR, buf);
		*host = true;
		return sock;
	}
	n = recv(sock, buf, sizeof(buf) - 1, 0);
	close(sock);
	if (n <= 0) {
		snprintf(err, errlen, "session monitor for %s died during setup", spec->user);
		return -EIO;
	}
	buf[n] = '\0';
	if (buf[0] != MW_READY) {
		snprintf(err, errlen, "%s", buf + 1);
		*host = buf[0] == MW_FAILED;
		return buf[0] == MW_TIMEOUT ? -ETIMEDOUT : -EIO;
	}
	return 0;
}

/* ---- the caller ---------------------------------------------------------- */

static void join_init(struct session_join *out)
{
	out->ref_fd = -1;
	out->refused = false;
	out->host_failure = false;
	out->created = false;
	for (int i = 0; i < NSK_COUNT; i++)
		out->ns_fds[i] = -1;
}

/* The record of a user: joined if live and joinable; cleaned up if stale.
 * -ENOENT when there is (now) none to join; JOIN_REFUSED / -EPERM with
 * out->refused for a live session this may not join. */
static int join_recorded(int dirfd, const struct session_spec *spec, struct session_join *out,
			 char *err, size_t errlen)
{
	struct session_record rec;
	char why[256];
	int r = state_read(dirfd, spec->uid, &rec, why, sizeof(why));

	if (r == 0) {
		r = try_join(&rec, spec, out, err, errlen);
		if (r == JOIN_REFUSED) {
			out->refused = true;
			return -EPERM;
		}
		if (r != -ESTALE)
			return r;
		ns_warn_log("stale " SESSION_LOG_FMT " record removed", SESSION_LOG_ARGS(&rec));
		clean_stale(spec->uid, NULL);
		return -ENOENT;
	}
	if (r != -ENOENT && other_monitor_alive(dirfd, spec->uid)) {
		/* A record this version cannot read, whose monitor lives: a
		 * session of another nsession (an upgrade). */
		snprintf(err, errlen, "a session of %s made by another version of nsession "
			 "is still running; end it first: nsessionctl terminate %s",
			 spec->user, spec->user);
		out->refused = true;
		return -EPERM;
	}
	if (r != -ENOENT) {
		ns_warn_log("%s; removing it", why);
		clean_stale(spec->uid, &spec->pol);
	}
	return -ENOENT;
}

/* No session: have one made, then join it. A monitor that fails undoes
 * its own steps; one killed halfway (SIGKILL, OOM) cannot, nor can one
 * killed right after reporting success. Whatever is left is cleaned up
 * here, still under the lock, so a failed login leaves nothing. */
static int create_and_join(int dirfd, const struct session_spec *spec, struct session_join *out,
			   char *err, size_t errlen)
{
	struct session_record rec;
	char why[256];
	int r = spawn_session(spec, err, errlen, &out->host_failure);

	FAULT("spawned");
	if (r == 0) {
		r = state_read(dirfd, spec->uid, &rec, why, sizeof(why));
		if (r == 0)
			r = try_join(&rec, spec, out, why, sizeof(why));
		if (r < 0)
			snprintf(err, errlen, "joining the new session: %s", strerror(-r));
	}
	if (r < 0)
		clean_stale(spec->uid, state_read(dirfd, spec->uid, &rec, why, sizeof(why)) == 0
				       ? NULL : &spec->pol);
	out->created = r == 0;
	return r;
}

/* One attempt under the user's lock: join what is there, or create. */
static int get_locked(int dirfd, const struct session_spec *spec, struct session_join *out,
		      char *err, size_t errlen)
{
	int lockfd = user_lock(dirfd, spec->uid, USER_LOCK_WAIT_MS), r;

	if (lockfd < 0) {
		if (lockfd == -ETIMEDOUT)
			snprintf(err, errlen, "another login of %s has held its session lock for "
				 "%d s; giving up", spec->user, USER_LOCK_WAIT_MS / 1000);
		else
			snprintf(err, errlen, "locking session state: %s", strerror(-lockfd));
		out->host_failure = lockfd != -ETIMEDOUT;
		return lockfd;
	}
	r = join_recorded(dirfd, spec, out, err, errlen);
	if (!out->refused)
		FAULT("locked");
	if (r == -ENOENT)
		r = create_and_join(dirfd, spec, out, err, errlen);
	else if (r < 0 && !out->refused)
		snprintf(err, errlen, "joining the session: %s", strerror(-r));
	user_unlock(dirfd, spec->uid, lockfd);
	return r;
}

/* After the last attempt failed for a session that ended while we joined
 * it (say, its monitor was killed right after it reported): what it left
 * is cleaned up now, under the lock, not by the user's next login. */
static void clean_if_dead(int dirfd, const struct session_spec *spec)
{
	struct session_record rec;
	char why[256];
	int lockfd = user_lock(dirfd, spec->uid, USER_LOCK_WAIT_MS);

	if (lockfd < 0)
		return;
	if (state_read(dirfd, spec->uid, &rec, why, sizeof(why)) == 0 && rec.uid == spec->uid &&
	    proc_live(&rec, NSK_ALL, NULL) == -ESTALE) {
		ns_warn_log("stale " SESSION_LOG_FMT " record removed", SESSION_LOG_ARGS(&rec));
		clean_stale(spec->uid, NULL);
	}
	user_unlock(dirfd, spec->uid, lockfd);
}

/* Look up, validate, or else create; then join. One retry covers a session
 * that ended between being found and acknowledging our login. */
int session_get(const struct session_spec *spec, struct session_join *out, char *err, size_t errlen)
{
	int dirfd, r = -EIO;

	join_init(out);
	dirfd = state_dir_open();
	if (dirfd < 0) {
		out->host_failure = true;
		snprintf(err, errlen, "state directory %s: %s", NSESSION_STATEDIR,
			 dirfd == -EPERM ? "not root-owned with mode 0700" : strerror(-dirfd));
		return dirfd;
	}
	for (int attempt = 0; attempt < 3; attempt++) {
		char c;

		r = get_locked(dirfd, spec, out, err, errlen);
		if (r < 0)
			break;
		FAULT("joined");
		/* Counted only once the monitor acknowledges the login. */
		if (ns_wait_readable(out->ref_fd, SETUP_TIMEOUT_MS) == 0 &&
		    recv(out->ref_fd, &c, 1, 0) == 1 && c == MW_ACK)
			break;
		session_join_close(out);
		r = -EAGAIN;
		snprintf(err, errlen, "session of %s ended while joining it%s", spec->user,
			 out->created ? " (just created)" : "");
		out->created = false;
	}
	if (r == -EAGAIN)
		clean_if_dead(dirfd, spec);
	close(dirfd);
	return r;
}

/* Ask the user's monitor to end the session (its pidfd `mfd`), giving up
 * the lock it needs to do so; wait until it has. */
static int ask_monitor_to_end(int mfd, pid_t mpid, char *err, size_t errlen)
{
	int r = ns_pidfd_signal(mfd, SIGTERM);

	if (r == 0 && ns_wait_readable(mfd, SETUP_TIMEOUT_MS) < 0) {
		snprintf(err, errlen, "monitor %d did not end in time", (int)mpid);
		r = -ETIMEDOUT;
	}
	close(mfd);
	return r;
}

/* Under the user's lock: who is to end the session, its monitor's pidfd in
 * *mfd (1), or 0 when nobody is left to ask and the leftovers were cleaned
 * up here, or -ENOENT (no session). */
static int monitor_to_end(int dirfd, uint32_t uid, int *mfd, pid_t *mpid, char *err,
			  size_t errlen)
{
	struct session_record rec;
	char why[256];
	int r = state_read(dirfd, uid, &rec, why, sizeof(why));

	if (r == -ENOENT) {
		snprintf(err, errlen, "no session for uid %u", uid);
		return r;
	}
	/* A record of another version's: its monitor, if it lives, ends its
	 * own session as it knows how (SIGTERM). */
	*mpid = r == 0 ? rec.monitor_pid : 0;
	*mfd = r == 0 ? proc_pidfd_checked(rec.monitor_pid, rec.monitor_start)
		      : other_monitor(dirfd, uid);
	if (*mfd >= 0)
		return 1;
	clean_stale(uid, NULL);
	return 0;
}

int session_terminate(uint32_t uid, char *err, size_t errlen)
{
	cleanup_fd int dirfd = state_dir_open();
	int lockfd, mfd = -1, r;
	pid_t mpid = 0;

	if (dirfd < 0) {
		snprintf(err, errlen, "state directory %s: %s", NSESSION_STATEDIR, strerror(-dirfd));
		return dirfd;
	}
	lockfd = user_lock(dirfd, uid, USER_LOCK_WAIT_MS);
	if (lockfd < 0) {
		snprintf(err, errlen, "locking session state: %s", strerror(-lockfd));
		return lockfd;
	}
	r = monitor_to_end(dirfd, uid, &mfd, &mpid, err, errlen);
	if (r <= 0) {
		user_unlock(dirfd, uid, lockfd);
		return r;
	}
	close(lockfd); /* the monitor needs it to end */
	return ask_monitor_to_end(mfd, mpid, err, errlen);
}
