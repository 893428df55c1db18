/* session.c — finding, creating, joining and ending a user's session.
 *
 * Serialisation: everything that decides whether a user's session exists
 * (reading the record, creating, tearing down) happens under the user's lock
 * "<uid>.lock" in the state directory. Address allocation additionally
 * holds "pool.lock" from reading the leases until it has made its own
 * lease file "leases/<uid>.<index>" (state_io.c), whose index the record
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
 * A process of the user's that merely looks like a keeper is never joined. */
#include "helper.h"

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
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addrpool.h"
#include "cgroupfmt.h"
#include "fault.h"
#include "pidfd.h"
#include "util.h"

#define MAX_LOGINS 1024
#define PEER_IFNAME "eth0"
#define SETUP_TIMEOUT_MS 10000
/* Each of the keeper's two messages ("U", "K"): a set-up takes
 * milliseconds; a monitor holding the user's lock must stay well inside
 * USER_LOCK_WAIT_MS (another login of the user waits on it). */
#define KEEPER_TIMEOUT_MS 5000
/* How long an ending session's cgroup may take to empty by itself (a PAM
 * login's opener exits just after close_session) before what is left in it
 * is killed; the user's lock is not held meanwhile (cg_session_remove). */
#define CGROUP_GRACE_MS 2000

static int sock_path(uint32_t uid, struct sockaddr_un *sa)
{
	char name[32];

	state_sock_name(uid, name);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s",
			     NSESSION_STATEDIR, name) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

/* ---------------------------------------------------------------------
 * Joining an existing session (the caller, under the user's lock)
 * ------------------------------------------------------------------- */

/* The network keys of issue 15 as text: the IPv6 pool, nat66, egress, dns. */
static void net_policy_text(const struct nsc_policy *p, char *buf, size_t len)
{
	char a[48];
	size_t pos;

	a[0] = '\0';
	if (p->pool6.family)
		nsc_format_addr(&p->pool6, a);
	pos = (size_t)snprintf(buf, len, "pool6=%s\nnat6=%d\negress=%d:", a,
			       (int)p->nat6, (int)p->egress_any);
	for (unsigned i = 0; i < p->n_egress && i < NSC_EGRESS_MAX && pos < len; i++) {
		nsc_format_addr(&p->egress[i].dst, a);
		pos += (size_t)snprintf(buf + pos, len - pos, "%s,%u,%u;", a,
					(unsigned)p->egress[i].proto, (unsigned)p->egress[i].port);
	}
	if (pos < len)
		pos += (size_t)snprintf(buf + pos, len - pos, "\ndns=%d:", (int)p->dns);
	for (unsigned i = 0; i < p->n_dns && i < NSC_DNS_MAX && pos < len; i++) {
		nsc_format_addr(&p->dns_servers[i], a);
		pos += (size_t)snprintf(buf + pos, len - pos, "%s;", a);
	}
}

/* How a session for `s` is built, as one canonical text, hashed into the
 * record's build= (identity and no_new_privs are recorded as they are,
 * for the message). A join whose freshly resolved policy would build the
 * session differently is refused: the session stays as it was built. */
static void spec_build(const struct session_spec *s, char out[STATE_ID_LEN + 1])
{
	const struct nsc_policy *p = &s->pol;
	static char text[2 * IDMAP_MAX * 34 + 8192];
	size_t pos;

	pos = (size_t)snprintf(text, sizeof(text),
			       "config=%s\nidentity=%d\nnnp=%d\nns=%#x\ninside=%u:%u\n"
			       "net=%d\nbridge=%s\npool=%#x/%u\nveth=%s\nhost=%s\n"
			       "tmp=%d:%s:%u\nsubids=%d\nuidmap=\n",
			       s->config, (int)p->identity, (int)p->no_new_privs, p->namespaces,
			       s->inside_uid, s->inside_gid, (int)p->network, p->bridge, p->pool_net,
			       p->pool_prefix, p->veth_host, p->host_name, (int)p->private_tmp,
			       p->tmp_size, (unsigned)p->tmp_inodes, (int)p->subids);
	if (pos < sizeof(text)) {
		int n = idmap_format(&s->uidmap, text + pos, sizeof(text) - pos);
		pos += n > 0 ? (size_t)n : 0;
	}
	if (pos < sizeof(text))
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "gidmap=\n");
	if (pos < sizeof(text)) {
		int n = idmap_format(&s->gidmap, text + pos, sizeof(text) - pos);
		pos += n > 0 ? (size_t)n : 0;
	}
	if (pos < sizeof(text))
		net_policy_text(p, text + pos, sizeof(text) - pos);
	state_build_hash(text, out);
}

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
	int fd, r;

	r = sock_path(rec->uid, &sa);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		r = errno == ECONNREFUSED || errno == ENOENT ? -ESTALE : -errno;
		close(fd);
		return r;
	}
	if (cred.pid != rec->monitor_pid || cred.uid != 0) {
		close(fd);
		return -ESTALE;
	}
	return fd;
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

/* A record that failed the checks: kill whatever of it is still running
 * (only processes whose identity matches the record), remove its veth and
 * the record. Called with the user's lock held. */
/* An IPv4 address in host byte order as an nsc_addr (family 0 for 0). */
static struct nsc_addr addr4(uint32_t a)
{
	struct nsc_addr out = { 0 };

	if (a) {
		out.family = AF_INET;
		out.prefix = 32;
		out.a[0] = (uint8_t)(a >> 24);
		out.a[1] = (uint8_t)(a >> 16);
		out.a[2] = (uint8_t)(a >> 8);
		out.a[3] = (uint8_t)a;
	}
	return out;
}

/* Everything of a session's network that outlives its namespace: the
 * veth (its addresses, routes and neighbour entries go with it), the
 * nftables tables, the bridge's neighbour entries for the session's
 * addresses, and the conntrack entries of those addresses (a later
 * session given the same addresses must inherit no state). `peer4` and
 * `peer6` may be NULL or of family 0. */
static void network_remove(uint32_t uid, enum nsc_netmode mode, const char *veth,
			   const char *bridge, const struct nsc_addr *peer4,
			   const struct nsc_addr *peer6)
{
	const struct nsc_addr *peers[2] = { peer4, peer6 }, *flush[2];
	size_t n = 0;
	int r = 0;

	if (!nsc_net_has_veth(mode))
		return;
	if (veth && veth[0])
		r = net_link_delete(veth);
	if (r < 0 && r != -ENODEV && r != -EPERM) { /* -EPERM: that name is no veth */
		/* The rules stay while the veth does: a link left without
		 * them would be a session's link without its filter. */
		ns_warn_log("uid=%u: deleting veth %s: %s; its nftables tables are kept",
			    (unsigned)uid, veth, strerror(-r));
		return;
	}
	if ((r = nft_session_delete(uid)) < 0)
		ns_warn_log("uid=%u: deleting the nftables tables nsession_%u: %s", (unsigned)uid,
			    (unsigned)uid, strerror(-r));
	for (size_t i = 0; i < NS_ARRAY_SIZE(peers); i++) {
		if (!peers[i] || !peers[i]->family)
			continue;
		if (mode == NSC_NET_BRIDGE && bridge && bridge[0])
			(void)net_neigh_forget(bridge, peers[i]);
		flush[n++] = peers[i];
	}
	if ((r = ct_flush_addrs(flush, n)) < 0)
		ns_warn_log("uid=%u: deleting the conntrack entries of its addresses: %s", (unsigned)uid,
			    strerror(-r));
}

static void network_remove_recorded(const struct session_record *rec)
{
	struct nsc_addr p4 = addr4(rec->addr_peer), p6 = { 0 };

	if (rec->prefix6)
		p6 = state_addr6(rec->addr6_peer);
	network_remove(rec->uid, rec->network, rec->veth_host, rec->bridge, &p4, &p6);
}

static void cleanup_stale(int dirfd, uint32_t uid, const struct session_record *rec,
			  const struct nsc_policy *guess)
{
	if (rec) {
		int fd = proc_pidfd_checked(rec->monitor_pid, rec->monitor_start);
		if (fd >= 0) {
			ns_pidfd_signal(fd, SIGKILL);
			/* Gone, and its cgroup locks with it, before the sweep. */
			(void)wait_readable(fd, 1000);
			close(fd);
		}
		fd = proc_pidfd_checked(rec->keeper_pid, rec->keeper_start);
		if (fd >= 0) {
			ns_pidfd_signal(fd, SIGKILL);
			close(fd);
		}
		network_remove_recorded(rec);
	} else if (guess) {
		/* No record to go by: what the current policy would have made. */
		network_remove(uid, guess->network, guess->veth_host, NULL, NULL, NULL);
	}
	/* The record's cgroup and any other leftover of this user's: with or
	 * without a record, whatever no live monitor holds. */
	cg_sweep_user(uid);
	(void)state_remove(dirfd, uid);
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

static int user_lock(int dirfd, uint32_t uid, int timeout_ms)
{
	char name[32];

	state_lock_name(uid, name);
	return state_lock(dirfd, name, timeout_ms);
}

/* Release the user's lock; with no session recorded, remove the lock file
 * too, so a failed or ended session leaves nothing in the directory. */
static void user_unlock(int dirfd, uint32_t uid, int lockfd)
{
	char name[32];

	state_lock_name(uid, name);
	if (!state_record_exists(dirfd, uid))
		state_unlock_remove(dirfd, name, lockfd);
	else
		close(lockfd);
}

/* ---------------------------------------------------------------------
 * The monitor
 * ------------------------------------------------------------------- */

struct monitor {
	const struct session_spec *spec;
	int dirfd;
	int report_fd;   /* to the caller that asked for the session, until ready */
	pid_t kpid;
	int kpidfd;
	int ksync;       /* monitor end of the keeper's sync socket */
	int listen_fd;
	bool lease_made, veth_made, nft_made, record_written;
	struct net_plan net; /* veth modes: links, addresses, MAC */
	int lease_fd;    /* the lease, flock()ed for the monitor's life */
	struct cg_session cg; /* the session's cgroup (rec.cgroup), if any */
	bool cg_defer;        /* monitor_end removes it after unlocking */
	bool owns_names; /* false once the record names another monitor */
	struct session_record rec;
	int clients[MAX_LOGINS];
	size_t nclients;
};

static void report(struct monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct monitor *m, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A keeper that failed (its "E<why>" waiting on the sync socket)
	 * takes its namespaces with it, and the monitor's step running in
	 * parallel fails too: the keeper's reason is the one to give. */
	if (msg[0] == 'E' && m->ksync >= 0) {
		struct pollfd p = { .fd = m->ksync, .events = POLLIN };
		char kmsg[256];
		ssize_t n;
		if (poll(&p, 1, 0) == 1 &&
		    (n = recv(m->ksync, kmsg, sizeof(kmsg) - 1, MSG_DONTWAIT | MSG_PEEK)) > 1 &&
		    kmsg[0] == 'E') {
			kmsg[n] = '\0';
			snprintf(msg, sizeof(msg), "Ekeeper: %s", kmsg + 1);
		}
	}
	if (msg[0] == 'E' || msg[0] == 'T' || msg[0] == 'F')
		ns_err("session of %s: %s", m->spec->user, msg + 1);
	if (m->report_fd >= 0)
		(void)send(m->report_fd, msg, strlen(msg), MSG_NOSIGNAL);
}

/* Undo everything made so far, in reverse order. Safe at any step. */
static void monitor_undo(struct monitor *m)
{
	if (m->listen_fd >= 0) {
		char name[32];
		close(m->listen_fd);
		m->listen_fd = -1;
		state_sock_name(m->spec->uid, name);
		if (m->owns_names)
			(void)unlinkat(m->dirfd, name, 0);
	}
	if (m->kpidfd >= 0) {
		ns_pidfd_signal(m->kpidfd, SIGKILL);
		while (waitpid(m->kpid, NULL, 0) < 0 && errno == EINTR)
			;
		close(m->kpidfd);
		m->kpidfd = -1;
	}
	if ((m->nft_made || m->veth_made) && m->owns_names) {
		network_remove(m->spec->uid, m->spec->pol.network, m->veth_made ? m->rec.veth_host : NULL,
			       m->net.bridge, &m->net.peer4, &m->net.peer6);
		m->nft_made = m->veth_made = false;
	}
	if (m->owns_names)
		dns_files_remove(m->dirfd, m->spec->uid); /* also without a lease (network = none) */
	if ((m->record_written || m->lease_made) && m->owns_names) {
		(void)state_remove(m->dirfd, m->spec->uid); /* with the lease */
		m->record_written = false;
		m->lease_made = false;
	}
	/* The leaf is this session's alone (its id is in the name): removed
	 * whoever the record names by now. */
	if (!m->cg_defer)
		(void)cg_session_remove(&m->cg, m->rec.cgroup, 0);
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
		(void)wait_readable(fd, 2000);
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
	/* Every limit the caller could have lowered (the session's user
	 * namespace takes its NPROC, MEMLOCK, SIGPENDING and MSGQUEUE caps
	 * from the keeper's limits when it is made). */
	static const int resets[] = { RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_AS,
				      RLIMIT_LOCKS, RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE,
				      RLIMIT_NPROC, RLIMIT_MEMLOCK, RLIMIT_RTPRIO, RLIMIT_RTTIME,
				      RLIMIT_NICE };
	struct rlimit stack = { 8 << 20, RLIM_INFINITY };
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	struct rlimit nofile = { MAX_LOGINS + 64, MAX_LOGINS + 64 };
	struct rlimit nocore = { 0, 0 };
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
	for (size_t i = 0; i < NS_ARRAY_SIZE(resets); i++)
		(void)setrlimit(resets[i], &inf);
	(void)setrlimit(RLIMIT_NOFILE, &nofile);
	(void)setrlimit(RLIMIT_STACK, &stack);
	(void)setrlimit(RLIMIT_CORE, &nocore);
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

static int monitor_listen(struct monitor *m)
{
	struct sockaddr_un sa;
	char name[32];
	int fd, r;

	r = sock_path(m->spec->uid, &sa);
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

/* A fresh session id: STATE_ID_LEN hex digits from the kernel's CSPRNG. */
static int make_session_id(char out[STATE_ID_LEN + 1])
{
	uint8_t raw[STATE_ID_LEN / 2];
	ssize_t n;

	do
		n = getrandom(raw, sizeof(raw), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(raw))
		return n < 0 ? -errno : -EIO;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* The prefix length of the session's eth0: a /30 block of the pool, or
 * with network = bridge the pool's own (the bridge is the gateway). */
static unsigned session_prefix(const struct nsc_policy *p)
{
	if (!nsc_net_has_veth(p->network))
		return 0;
	return p->network == NSC_NET_BRIDGE ? p->pool_prefix : ADDRPOOL_BLOCK_PREFIX;
}

static int record_fill(struct monitor *m, uint32_t pool_index, uint32_t host, uint32_t peer)
{
	const struct session_spec *s = m->spec;
	struct session_record *r = &m->rec;
	int fds[NSC_NS_COUNT];
	int ret;

	snprintf(r->user, sizeof(r->user), "%s", s->user);
	r->uid = s->uid;
	r->gid = s->gid;
	r->keeper_pid = m->kpid;
	r->monitor_pid = getpid();
	if ((ret = proc_starttime(m->kpid, &r->keeper_start)) < 0 ||
	    (ret = proc_starttime(r->monitor_pid, &r->monitor_start)) < 0)
		return ret;
	r->namespaces = s->pol.namespaces;
	ret = proc_ns_open(m->kpid, s->pol.namespaces, fds, NULL);
	if (ret < 0)
		return ret;
	for (int i = 0; i < NSC_NS_COUNT; i++) {
		struct stat st;
		r->ns_ino[i] = 0;
		if (fds[i] >= 0 && fstat(fds[i], &st) == 0) {
			r->ns_ino[i] = st.st_ino;
			r->ns_dev = st.st_dev;
		}
	}
	proc_ns_close(fds);
	r->network = s->pol.network;
	if (s->pol.network == NSC_NET_BRIDGE)
		snprintf(r->bridge, sizeof(r->bridge), "%s", s->pol.bridge);
	r->pool_index = pool_index;
	r->addr_host = host;
	r->addr_peer = peer;
	r->prefix = session_prefix(&s->pol);
	r->prefix6 = m->net.peer6.family ? m->net.prefix6 : 0;
	memcpy(r->addr6_host, m->net.host6.a, 16);
	memcpy(r->addr6_peer, m->net.peer6.a, 16);
	r->identity = s->pol.identity;
	r->no_new_privs = s->pol.no_new_privs;
	spec_build(s, r->build);
	r->created = (int64_t)time(NULL);
	r->logins = 0;
	return 0;
}

static int write_setgroups_deny(pid_t pid)
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
static pid_t spawn_keeper(const struct session_spec *s, unsigned long flags, int sv[2],
			  int exe_fd, const struct cg_session *cg)
{
	int pp[2], status, val = -EIO;
	pid_t x;

	if (pipe2(pp, O_CLOEXEC) < 0)
		return -errno;
	x = fork();
	if (x < 0) {
		val = -errno;
		close(pp[0]);
		close(pp[1]);
		return val;
	}
	if (x == 0) {
		close(pp[0]);
		val = cg_session_enter_self(cg);
		if (val == 0) {
			/* clone() without a new stack behaves like fork(). */
			pid_t k = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
			if (k == 0) {
				close(sv[0]);
				keeper_main(s, sv[1], exe_fd);
			}
			val = k < 0 ? -errno : (int)k;
		}
		(void)!write(pp[1], &val, sizeof(val));
		_exit(0);
	}
	close(pp[1]);
	if (read(pp[0], &val, sizeof(val)) != sizeof(val))
		val = -EIO;
	close(pp[0]);
	while (waitpid(x, &status, 0) < 0 && errno == EINTR)
		;
	return (pid_t)val;
}

/* A message from the keeper: `want` (one letter), or "E<why>" reported
 * as it is. */
static int keeper_said(struct monitor *m, char want)
{
	char buf[256];
	ssize_t n = -1;

	if (wait_readable(m->ksync, KEEPER_TIMEOUT_MS) == 0)
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

/* nsession-keeper (keeper_idle.c), opened by the monitor as host root so
 * the keeper can exec it by fd from inside the session's namespaces: a
 * regular root-owned file nobody else can write, executable by others (the
 * keeper runs it as the user). Returns the fd (close-on-exec) or -errno
 * with the reason in `why`. */
static int keeper_exe_open(char *why, size_t whylen)
{
	struct stat st;
	int fd = open(NSESSION_KEEPER, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), e;

	if (fd < 0) {
		e = errno;
		snprintf(why, whylen, "%s", strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		close(fd);
		return -EPERM;
	}
	if (ns_check_trusted(&st, S_IFREG, false, why, whylen) < 0) {
		close(fd);
		return -EPERM;
	}
	if (!(st.st_mode & S_IXOTH)) {
		snprintf(why, whylen, "not executable by others");
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* The session's nftables tables, from the plan and the policy. */
static int network_rules(struct monitor *m, char *err, size_t errlen)
{
	const struct nsc_policy *p = &m->spec->pol;
	struct nft_session ns = {
		.uid = m->spec->uid, .mode = p->network, .ifname = m->net.host_if,
		.bridge = m->net.bridge, .peer4 = m->net.peer4, .host4 = m->net.host4,
		.peer6 = m->net.peer6, .host6 = m->net.host6, .nat6 = p->nat6,
		.egress_any = p->egress_any, .n_egress = p->n_egress, .egress = p->egress,
	};

	memcpy(ns.mac, m->net.mac, sizeof(ns.mac));
	if (p->network == NSC_NET_BRIDGE) {
		ns.net4 = addr4(p->pool_net);
		ns.net4.prefix = (uint8_t)p->pool_prefix;
		ns.net6 = p->pool6;
	}
	if (p->network == NSC_NET_NAT && net_forwarding_enabled(AF_INET) == 0)
		ns_warn_log("session of %s: network = nat but net.ipv4.ip_forward is 0, "
			    "so its traffic is not forwarded", m->spec->user);
	if (p->network == NSC_NET_NAT && ns.peer6.family && net_forwarding_enabled(AF_INET6) == 0)
		ns_warn_log("session of %s: network = nat with an IPv6 pool but "
			    "net.ipv6.conf.all.forwarding is 0, so its IPv6 traffic is not forwarded",
			    m->spec->user);
	m->nft_made = true; /* even half-made, the tables must go on failure */
	return nft_session_create(&ns, err, errlen);
}

/* veth modes: the pair (a leftover of this user's replaced), the rules
 * before anything is up, the conntrack state of the addresses gone, the
 * host end. */
static int network_host_side(struct monitor *m)
{
	const struct nsc_policy *p = &m->spec->pol;
	const struct net_plan *n = &m->net;
	char buf[256];
	int r = net_veth_create(n->host_if, m->kpid, n->peer_if, n->mac);

	if (r == -EEXIST) {
		/* A leftover of a crashed session of this user (the keeper's
		 * netns is freed asynchronously) is removed and the pair made
		 * again; anything else by that name that is not a veth is
		 * left alone and refused. Only looked up on a clash: the
		 * look-up cost every session 0.15 ms (bench/README.md). */
		r = net_link_delete(n->host_if);
		if (r < 0 && r != -ENODEV) {
			report(m, "Einterface %s already exists and is not a veth", n->host_if);
			return r;
		}
		r = net_veth_create(n->host_if, m->kpid, n->peer_if, n->mac);
	}
	if (r < 0) {
		report(m, "Ecreating veth %s: %s", n->host_if, strerror(-r));
		return r;
	}
	m->veth_made = true;
	FAULT("veth-created");
	if ((r = network_rules(m, buf, sizeof(buf))) < 0) {
		report(m, "Eadding the session's nftables rules: %s", buf);
		return r;
	}
	FAULT("rules-added");
	const struct nsc_addr *flush[2] = { &n->peer4, &n->peer6 };
	if ((r = ct_flush_addrs(flush, n->peer6.family ? 2 : 1)) < 0) {
		report(m, "Edeleting old conntrack entries of the session's addresses: %s", strerror(-r));
		return r;
	}
	r = p->network == NSC_NET_BRIDGE ? net_bridge_attach(n->host_if, n->bridge) : net_host_setup(n);
	if (r < 0) {
		report(m, "Econfiguring %s: %s", n->host_if, strerror(-r));
		return r;
	}
	FAULT("host-configured");
	return 0;
}

/* The session's network, made while the keeper sets up its side: the veth
 * pair (or the bridge port), the session's nftables tables, the host end's
 * addresses, the inside addresses and routes. Reports its failure;
 * monitor_undo removes what was made. */
static int monitor_network(struct monitor *m)
{
	const struct nsc_policy *p = &m->spec->pol;
	char path[64];
	int netfd, r = 0;

	if (nsc_net_has_veth(p->network) && (r = network_host_side(m)) < 0)
		return r;
	if (p->namespaces & NSC_NS_NET) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)m->kpid);
		netfd = open(path, O_RDONLY | O_CLOEXEC);
		if (netfd < 0) {
			r = -errno;
			report(m, "Eopening the session's netns: %s", strerror(-r));
			return r;
		}
		r = net_inside_setup(netfd, nsc_net_has_veth(p->network) ? &m->net : NULL);
		close(netfd);
		if (r < 0) {
			report(m, "Econfiguring the session's network: %s", strerror(-r));
			return r;
		}
		FAULT("inside-configured");
	}
	return 0;
}

/* The plan of a veth session's network: its addresses from the pools
 * (block `index`), a random MAC (locally administered, unicast). */
static int plan_network(struct monitor *m, uint32_t index, uint32_t host, uint32_t peer)
{
	const struct nsc_policy *p = &m->spec->pol;
	struct net_plan *n = &m->net;
	bool bridge = p->network == NSC_NET_BRIDGE;
	int r;

	n->host_if = p->veth_host;
	n->peer_if = PEER_IFNAME;
	n->bridge = bridge ? p->bridge : NULL;
	n->host4 = addr4(host);
	n->peer4 = addr4(peer);
	n->prefix4 = session_prefix(p);
	if (p->pool6.family) {
		r = addrpool6_addrs(&p->pool6, index, bridge, &n->host6, &n->peer6);
		if (r < 0)
			return r == -ERANGE ? -EXFULL : r;
		n->prefix6 = bridge ? p->pool6.prefix : ADDRPOOL6_BLOCK_PREFIX;
	}
	if (getrandom(n->mac, sizeof(n->mac), 0) != (ssize_t)sizeof(n->mac))
		return -EIO;
	n->mac[0] = (uint8_t)((n->mac[0] & 0xfe) | 0x02);
	return 0;
}

/* With the pool exhausted (under pool.lock): a lease that no live monitor
 * holds (state_lease_held), of a user whose session is not being made or
 * ended right now (their lock is free) and who has no record, or a record
 * whose monitor is dead (a monitor killed between lease and record, a
 * crash), is cleaned up with everything else of theirs. A record that does
 * not parse (one of an older nsession's, perhaps live) is left alone.
 * Returns how many users' leases went. */
static int reclaim_leases(int dirfd, uint32_t self)
{
	uint32_t used[4096], owners[4096];
	size_t n;
	int freed = 0;

	if (state_leases(dirfd, used, owners, NS_ARRAY_SIZE(used), &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct session_record rec;
		char why[256];
		int lockfd, mfd, r;

		if (owners[i] == self || state_lease_held(dirfd, owners[i], used[i]) != 0)
			continue;
		lockfd = user_lock(dirfd, owners[i], 0); /* never wait here */
		if (lockfd < 0)
			continue;
		r = state_read(dirfd, owners[i], &rec, why, sizeof(why));
		mfd = r == 0 ? proc_pidfd_checked(rec.monitor_pid, rec.monitor_start) : -ESTALE;
		if (mfd >= 0) {
			close(mfd);
		} else if (r == 0 || r == -ENOENT) {
			ns_warn_log("lease of uid %u reclaimed: %s", (unsigned)owners[i],
				    r == -ENOENT ? "no session record" : "its monitor is gone");
			cleanup_stale(dirfd, owners[i], r == 0 ? &rec : NULL, NULL);
			freed++;
		}
		user_unlock(dirfd, owners[i], lockfd);
	}
	return freed;
}

/* Build the session. On failure everything made is undone and the caller
 * gets one "E<message>" line ("T<message>" for a lock it gave up on). */
static int monitor_setup(struct monitor *m)
{
	const struct session_spec *s = m->spec;
	const struct nsc_policy *p = &s->pol;
	uint32_t pool_index = 0, host = 0, peer = 0;
	int pool_lock = -1, sv[2], exe_fd, r;
	unsigned long flags = 0;
	bool systemd = sd_host();
	char buf[256];

	r = make_session_id(m->rec.id);
	if (r < 0) {
		report(m, "Emaking a session id: %s", strerror(-r));
		return r;
	}
	/* On a systemd host, systemd's tree (systemd.c): the monitor and
	 * everything it forks from now on in a scope of its own, the limits
	 * on the user's slice. */
	if (systemd) {
		r = sd_session_scope(s->uid, m->rec.id, buf, sizeof(buf));
		if (r == 0 && nsc_wants_cgroup(p))
			r = sd_user_slice_limits(s->uid, p, buf, sizeof(buf));
		if (r < 0) {
			report(m, "E%s", buf);
			return r;
		}
		FAULT("cgroup-made");
	}
	/* Elsewhere, cgroup.c: cgroups of this user's dead sessions go first
	 * (we run under the user's lock, held by the caller); then this
	 * session's, before the keeper is cloned into it. */
	if (!systemd)
		cg_sweep_user(s->uid);
	if (!systemd && nsc_wants_cgroup(p)) {
		snprintf(buf, sizeof(buf), "bad session id");
		r = cgfmt_leaf(s->uid, m->rec.id, m->rec.cgroup);
		if (r == 0)
			r = cg_session_create(p, m->rec.cgroup, &m->cg, buf, sizeof(buf));
		if (r < 0) {
			report(m, "E%s", buf);
			m->rec.cgroup[0] = '\0';
			return r;
		}
		FAULT("cgroup-made");
	}
	if (p->network == NSC_NET_BRIDGE && (r = net_bridge_check(p->bridge)) < 0) {
		report(m, r == -ENODEV ? "Ebridge %s does not exist"
		       : r == -EMEDIUMTYPE ? "Ebridge = %s: that interface is not a bridge"
		       : "Elooking up bridge %s failed", p->bridge);
		goto fail;
	}
	if (nsc_net_has_veth(p->network)) {
		uint32_t used[4096];
		size_t nused;

		pool_lock = state_lock(m->dirfd, STATE_POOL_LOCK, POOL_LOCK_WAIT_MS);
		if (pool_lock < 0) {
			r = pool_lock;
			if (r == -ETIMEDOUT)
				report(m, "Tthe address pool has been locked by another session's "
				       "set-up for %d s; giving up", POOL_LOCK_WAIT_MS / 1000);
			else
				report(m, "Elocking the address pool: %s", strerror(-r));
			goto fail;
		}
		FAULT("pool-locked");
		r = state_leases(m->dirfd, used, NULL, NS_ARRAY_SIZE(used), &nused);
		if (r == 0)
			r = addrpool_pick(p->pool_net, p->pool_prefix, used, nused, &pool_index);
		if (r == -ENOSPC && reclaim_leases(m->dirfd, s->uid) > 0) {
			r = state_leases(m->dirfd, used, NULL, NS_ARRAY_SIZE(used), &nused);
			if (r == 0)
				r = addrpool_pick(p->pool_net, p->pool_prefix, used, nused,
						  &pool_index);
		}
		if (r == 0)
			r = addrpool_addrs(p->pool_net, p->pool_prefix, pool_index, &host, &peer);
		if (r == 0) {
			r = state_lease_take(m->dirfd, s->uid, pool_index);
			m->lease_made = r >= 0;
			if (r >= 0) {
				m->lease_fd = r; /* held until the monitor exits */
				r = 0;
			}
		}
		if (r < 0) {
			report(m, "Eallocating an address: %s",
			       r == -ENOSPC ? "address pool exhausted" : strerror(-r));
			goto fail;
		}
		/* The lease file holds the block from here on: other users'
		 * sessions are set up in parallel with this one. */
		state_unlock_remove(m->dirfd, STATE_POOL_LOCK, pool_lock);
		pool_lock = -1;
		if (p->network == NSC_NET_BRIDGE)
			host = p->pool_net + 1; /* the gateway, held by the bridge */
		snprintf(m->rec.veth_host, sizeof(m->rec.veth_host), "%s", s->pol.veth_host);
		r = plan_network(m, pool_index, host, peer);
		if (r < 0) {
			report(m, "Eallocating an address: %s",
			       r == -EXFULL ? "IPv6 address pool exhausted" : strerror(-r));
			goto fail;
		}
	}

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = -errno;
		report(m, "Esocketpair: %s", strerror(-r));
		goto fail;
	}
	if (p->namespaces & NSC_NS_MNT) flags |= CLONE_NEWNS;
	if (p->namespaces & NSC_NS_PID) flags |= CLONE_NEWPID;
	if (p->namespaces & NSC_NS_IPC) flags |= CLONE_NEWIPC;
	if (p->namespaces & NSC_NS_UTS) flags |= CLONE_NEWUTS;
	if (p->namespaces & NSC_NS_NET) flags |= CLONE_NEWNET;
	if (p->namespaces & NSC_NS_CGROUP) flags |= CLONE_NEWCGROUP;
	/* The session's /etc/resolv.conf and /etc/hosts, made here as host
	 * root into the state directory; the keeper bind-mounts them. */
	static struct session_spec kspec;
	kspec = *s;
	r = dns_files_write(m->dirfd, s->uid, p, &m->net.host4,
			    m->net.host6.family ? &m->net.host6 : NULL, p->host_name,
			    &kspec.dns_resolv, &kspec.dns_hosts, buf, sizeof(buf));
	if (r < 0) {
		close(sv[0]);
		close(sv[1]);
		report(m, "E%s", buf);
		goto fail;
	}
	FAULT("dns-written");
	exe_fd = keeper_exe_open(buf, sizeof(buf));
	if (exe_fd < 0) {
		r = exe_fd;
		close(sv[0]);
		close(sv[1]);
		report(m, "E%s: %s", NSESSION_KEEPER, buf);
		goto fail;
	}
	m->kpid = spawn_keeper(&kspec, flags, sv, exe_fd, &m->cg);
	close(exe_fd);
	close(sv[1]);
	if (m->kpid < 0) {
		r = m->kpid;
		close(sv[0]);
		report(m, "Ecreating namespaces: %s%s", strerror(-r),
		       r == -ENOSPC || r == -EPERM ? " (user namespaces disabled or limit reached?)" : "");
		goto fail;
	}
	m->ksync = sv[0];
	m->kpidfd = ns_pidfd_open(m->kpid);
	FAULT("keeper-spawned");
	if (m->kpidfd < 0) {
		r = m->kpidfd;
		kill(m->kpid, SIGKILL);
		waitpid(m->kpid, NULL, 0);
		report(m, "Epidfd_open: %s", strerror(-r));
		goto fail;
	}

	/* The keeper mounts, sets the host name and makes its user namespace
	 * while the monitor makes the network: both only need the other
	 * namespaces, which exist since the clone. */
	if ((r = monitor_network(m)) < 0)
		goto fail;

	/* The keeper's user namespace exists: the maps, then it may drop to
	 * the user's ids and exec nsession-keeper. */
	if ((r = keeper_said(m, 'U')) < 0)
		goto fail;
	if (p->namespaces & NSC_NS_USER) {
		if ((r = write_setgroups_deny(m->kpid)) < 0 ||
		    (r = idmap_write(m->kpid, "uid_map", &s->uidmap)) < 0 ||
		    (r = idmap_write(m->kpid, "gid_map", &s->gidmap)) < 0) {
			report(m, "Ewriting id maps: %s", strerror(-r));
			goto fail;
		}
		FAULT("maps-written");
	}
	if (send(m->ksync, "M", 1, MSG_NOSIGNAL) != 1) {
		r = -EIO;
		report(m, "Ekeeper did not start");
		goto fail;
	}
	if ((r = keeper_said(m, 'K')) < 0)
		goto fail;
	FAULT("keeper-ready");

	r = record_fill(m, pool_index, host, peer);
	if (r == 0)
		r = monitor_listen(m);
	if (r == 0) {
		FAULT("listening");
		r = state_write(m->dirfd, &m->rec);
		m->record_written = r == 0;
	}
	if (r < 0) {
		report(m, "Erecording the session: %s", strerror(-r));
		goto fail;
	}
	FAULT("recorded");
	return 0;
fail:
	monitor_undo(m);
	if (pool_lock >= 0)
		state_unlock_remove(m->dirfd, STATE_POOL_LOCK, pool_lock);
	return r;
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
		if (send(fd, "A", 1, MSG_NOSIGNAL) != 1) {
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
	report(&m, "K");
	FAULT("reported");
	close(report_fd);
	m.report_fd = -1;
	monitor_loop(&m, sigfd);
	_exit(0);
}

/* Start a monitor for `spec` (double fork: it is nobody's child but
 * init's) and wait for its verdict. Called under the user's lock. A set-up
 * step that failed ("E") sets *host; a lock it gave up on ("T") or a
 * context it refused ("F") does not. */
static int spawn_session(int dirfd, const struct session_spec *spec, char *err, size_t errlen,
			 bool *host)
{
	char buf[512];
	int sv[2], r = 0, status;
	ssize_t n;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0) {
		pid_t self = getpid();
		close(sv[0]);
		/* All ids 0 first: the caller (the user, in `run`) must not be
		 * able to stop this process and keep the monitor its child. */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			_exit(1);
		pid = fork();
		if (pid == 0)
			monitor_main(spec, dirfd, sv[1], self);
		_exit(pid < 0 ? 1 : 0);
	}
	close(sv[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	n = recv(sv[0], buf, sizeof(buf) - 1, 0);
	close(sv[0]);
	if (n <= 0) {
		snprintf(err, errlen, "session monitor for %s died during setup", spec->user);
		return -EIO;
	}
	buf[n] = '\0';
	if (buf[0] != 'K') {
		snprintf(err, errlen, "%s", buf + 1);
		*host = buf[0] == 'E';
		return buf[0] == 'T' ? -ETIMEDOUT : -EIO;
	}
	return 0;
}

void session_join_close(struct session_join *j)
{
	proc_ns_close(j->ns_fds);
	if (j->ref_fd >= 0)
		close(j->ref_fd);
	j->ref_fd = -1;
}

/* Look up, validate, or else create; then join. One retry covers a session
 * that ended between being found and acknowledging our login. */
int session_get(const struct session_spec *spec, struct session_join *out, char *err, size_t errlen)
{
	int dirfd, r = -EIO;

	out->ref_fd = -1;
	out->refused = false;
	out->host_failure = false;
	for (int i = 0; i < NSC_NS_COUNT; i++)
		out->ns_fds[i] = -1;
	dirfd = state_dir_open();
	if (dirfd < 0) {
		out->host_failure = true;
		snprintf(err, errlen, "state directory %s: %s", NSESSION_STATEDIR,
			 dirfd == -EPERM ? "not root-owned with mode 0700" : strerror(-dirfd));
		return dirfd;
	}
	for (int attempt = 0; attempt < 3; attempt++) {
		struct session_record rec;
		char why[256];
		int lockfd = user_lock(dirfd, spec->uid, USER_LOCK_WAIT_MS);
		bool created = false;

		if (lockfd < 0) {
			if (lockfd == -ETIMEDOUT)
				snprintf(err, errlen, "another login of %s has held its session lock for "
					 "%d s; giving up", spec->user, USER_LOCK_WAIT_MS / 1000);
			else
				snprintf(err, errlen, "locking session state: %s", strerror(-lockfd));
			out->host_failure = lockfd != -ETIMEDOUT;
			r = lockfd;
			break;
		}
		r = state_read(dirfd, spec->uid, &rec, why, sizeof(why));
		if (r == 0) {
			r = try_join(&rec, spec, out, err, errlen);
			if (r == JOIN_REFUSED) {
				user_unlock(dirfd, spec->uid, lockfd);
				out->refused = true;
				r = -EPERM;
				break;
			}
			if (r == -ESTALE) {
				ns_warn_log("stale " SESSION_LOG_FMT " record removed", SESSION_LOG_ARGS(&rec));
				cleanup_stale(dirfd, spec->uid, &rec, NULL);
			}
		} else if (r != -ENOENT && other_monitor_alive(dirfd, spec->uid)) {
			/* A record this version cannot read, whose monitor
			 * lives: a session of another nsession (an upgrade). */
			snprintf(err, errlen, "a session of %s made by another version of nsession "
				 "is still running; end it first: nsessionctl terminate %s",
				 spec->user, spec->user);
			user_unlock(dirfd, spec->uid, lockfd);
			out->refused = true;
			r = -EPERM;
			break;
		} else if (r != -ENOENT) {
			ns_warn_log("%s; removing it", why);
			cleanup_stale(dirfd, spec->uid, NULL, &spec->pol);
			r = -ENOENT;
		}
		FAULT("locked");
		if (r == -ESTALE || r == -ENOENT) {
			r = spawn_session(dirfd, spec, err, errlen, &out->host_failure);
			created = r == 0;
			FAULT("spawned");
			if (r == 0) {
				r = state_read(dirfd, spec->uid, &rec, why, sizeof(why));
				if (r == 0)
					r = try_join(&rec, spec, out, why, sizeof(why));
				if (r < 0)
					snprintf(err, errlen, "joining the new session: %s", strerror(-r));
			}
			if (r < 0) {
				/* A monitor that fails undoes its own steps; one
				 * killed halfway (SIGKILL, OOM) cannot, nor can one
				 * killed right after reporting success. Whatever is
				 * left is cleaned up here, still under the lock, so
				 * a failed login leaves nothing. */
				if (state_read(dirfd, spec->uid, &rec, why, sizeof(why)) == 0)
					cleanup_stale(dirfd, spec->uid, &rec, NULL);
				else
					cleanup_stale(dirfd, spec->uid, NULL, &spec->pol);
			}
		} else if (r < 0) {
			snprintf(err, errlen, "joining the session: %s", strerror(-r));
		}
		user_unlock(dirfd, spec->uid, lockfd);
		if (r < 0)
			break;
		FAULT("joined");
		/* Counted only once the monitor acknowledges the login. */
		char c;
		if (wait_readable(out->ref_fd, SETUP_TIMEOUT_MS) == 0 &&
		    recv(out->ref_fd, &c, 1, 0) == 1 && c == 'A') {
			out->created = created;
			close(dirfd);
			return 0;
		}
		session_join_close(out);
		r = -EAGAIN;
		snprintf(err, errlen, "session of %s ended while joining it%s", spec->user,
			 created ? " (just created)" : "");
	}
	close(dirfd);
	return r;
}

int session_terminate(uint32_t uid, char *err, size_t errlen)
{
	struct session_record rec;
	char why[256];
	int dirfd, lockfd, mfd, r;

	dirfd = state_dir_open();
	if (dirfd < 0) {
		snprintf(err, errlen, "state directory %s: %s", NSESSION_STATEDIR, strerror(-dirfd));
		return dirfd;
	}
	lockfd = user_lock(dirfd, uid, USER_LOCK_WAIT_MS);
	if (lockfd < 0) {
		close(dirfd);
		snprintf(err, errlen, "locking session state: %s", strerror(-lockfd));
		return lockfd;
	}
	r = state_read(dirfd, uid, &rec, why, sizeof(why));
	if (r == -ENOENT) {
		snprintf(err, errlen, "no session for uid %u", uid);
		goto out;
	}
	/* A record of another version's: its monitor, if it lives, ends its
	 * own session as it knows how (SIGTERM). */
	mfd = r == 0 ? proc_pidfd_checked(rec.monitor_pid, rec.monitor_start) : other_monitor(dirfd, uid);
	if (mfd < 0) {
		/* Nobody to ask: clean up here. */
		cleanup_stale(dirfd, uid, r == 0 ? &rec : NULL, NULL);
		r = 0;
		goto out;
	}
	r = ns_pidfd_signal(mfd, SIGTERM);
	close(lockfd); /* the monitor needs it to end */
	lockfd = -1;
	if (r == 0 && wait_readable(mfd, SETUP_TIMEOUT_MS) < 0) {
		snprintf(err, errlen, "monitor %d did not end in time", (int)rec.monitor_pid);
		r = -ETIMEDOUT;
	}
	close(mfd);
out:
	if (lockfd >= 0)
		user_unlock(dirfd, uid, lockfd);
	close(dirfd);
	return r;
}
