/* helper.h — internal interfaces of the privileged programs: nsession-helper
 * (setuid: main.c, enter.c only) and nsession-monitor (the rest).
 *
 * Processes of one session, one file each:
 *   caller  `nsession-helper run` as the user (setuid root until it forks
 *           the command, then the user's own uid), or `pam-open` for the
 *           module: hands its verb to nsession-monitor (call.c, as root:
 *           resolve.c, join.c find the session or have one made), holds
 *           one login reference, waits for the command (main.c, enter.c).
 *   monitor nsession-monitor, root, host namespaces, one per session: exec'd
 *           by the caller; creates the keeper, does the host-side set-up,
 *           counts logins, tears everything down (monitor.c,
 *           monitor_setup.c, network.c, stale.c; monitor.h, monwire.h).
 *   keeper  PID 1 of the session's namespaces; holds them alive; no
 *           privilege after set-up (keeper.c, then keeper_idle.c).
 *
 * All functions return 0 or a negative errno unless said otherwise. */
#ifndef NS_HELPER_H
#define NS_HELPER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "idmap.h"
#include "nskind.h"
#include "nftrules.h"
#include "privs.h"
#include "nsconf.h"
#include "session_state.h"
#include "userpolicy.h"

/* Everything needed to build or join one user's session, resolved by the
 * caller before anything privileged happens. */
struct session_spec {
	char user[STATE_USER_MAX + 1];
	uid_t uid;
	gid_t gid;
	char home[4096];
	char shell[4096];
	struct nsc_policy pol;           /* with host_name, veth_host expanded */
	struct idmap uidmap, gidmap;
	uint32_t inside_uid, inside_gid;
	gid_t groups[USER_GROUPS_MAX];   /* the user's host groups (setgroups) */
	int ngroups;
	char config[4096];               /* the policy file it was resolved from */
	/* Set by the monitor from dns_files_write() before the keeper is
	 * made: bind-mount the state directory's UID.resolv over
	 * /etc/resolv.conf, UID.hosts over /etc/hosts (mounts.c). */
	bool dns_resolv, dns_hosts;
};

/* Every log line about a session starts with the event (create, join,
 * leave, end, stale) and names it the same way, for grep and for the auth
 * log's readers: "join session=0123456789abcdef user=alice uid=1001 …". */
#define SESSION_LOG_FMT "session=%s user=%s uid=%u"
#define SESSION_LOG_ARGS(rec) (rec)->id, (rec)->user, (unsigned)(rec)->uid

/* ---- state_io.c (reading, locks) and state_write.c (the monitor's
 * writing, leases, removal): the state directory ------------------------ */
int state_dir_open(void);                     /* returns a dirfd */
/* The directory `path` below `at`, not through a symlink, root's with no
 * group or other access: an fd, or -errno (-EPERM for owner or mode). */
int state_private_dir_open(int at, const char *path);
/* Returns a locked fd. Waits at most `timeout_ms` for the lock (-1: for
 * ever; 0: not at all, -EAGAIN), then -ETIMEDOUT: a login never waits for
 * ever on a lock someone else holds (a stopped process, a frozen one). */
int state_lock(int dirfd, const char *name, int timeout_ms);
/* What a login waits, at most: for the address pool (held by another
 * user's monitor for a few ms), and for the user's own lock (held by
 * another login of theirs, which may be making the session: longer than
 * a set-up takes, and below pam_nsession's 30 s). */
#define POOL_LOCK_WAIT_MS 8000
#define USER_LOCK_WAIT_MS 20000
void state_unlock_remove(int dirfd, const char *name, int fd); /* held lock */
int state_read(int dirfd, uint32_t uid, struct session_record *r,
	       char *err, size_t errlen);     /* -ENOENT: no record */
int state_write(int dirfd, const struct session_record *r);
/* Write `len` bytes as the state directory's `name`, mode `mode`:
 * ".NAME.tmp" made O_EXCL|O_NOFOLLOW, then renamed over NAME. */
int state_file_write(int dirfd, const char *name, const char *buf, size_t len, mode_t mode);
/* The monitor named by a record state_read refuses (state_parse_monitor). */
int state_read_monitor(int dirfd, uint32_t uid, pid_t *pid, uint64_t *start);
int state_remove(int dirfd, uint32_t uid);    /* record, socket, leases */
bool state_record_exists(int dirfd, uint32_t uid); /* anything by that name */
/* The pool indexes leased, and (`owners`, may be NULL) whose uid each is. */
int state_leases(int dirfd, uint32_t *used, uint32_t *owners, size_t max, size_t *n);
/* Make the lease (O_EXCL) and return it open and flock()ed: the monitor
 * keeps that fd for its life, the mark that the lease is in use. */
int state_lease_take(int dirfd, uint32_t uid, uint32_t index);
/* 1 if that lease is held (its monitor lives), 0 if not, or -errno. */
int state_lease_held(int dirfd, uint32_t uid, uint32_t index);
void state_record_name(uint32_t uid, char out[32]); /* "UID.session" */
void state_sock_name(uint32_t uid, char out[32]);
void state_lock_name(uint32_t uid, char out[32]);
#define STATE_POOL_LOCK "pool.lock"
#define STATE_LEASE_DIR "leases"  /* leases/UID.INDEX, see state_write.c */

/* ---- procfs.c: who a process is ------------------------------------- */
int proc_starttime(pid_t pid, uint64_t *start);
/* A pidfd for `pid` if that process is alive and started at `start`;
 * -ESTALE if not (or the errno of pidfd_open). */
int proc_pidfd_checked(pid_t pid, uint64_t start);
/* The one liveness check of a record: its monitor and keeper alive with
 * the recorded start times, and the keeper's namespaces (the kinds in
 * `mask` the record has) the recorded inodes, the keeper still alive after
 * they were opened. 0, or -ESTALE (or another -errno of opening them).
 * With `fds`, the namespaces stay open there on success (-1 for a kind not
 * opened); without, they are closed. */
int proc_live(const struct session_record *rec, unsigned mask, int fds[NSK_COUNT]);
/* Open /proc/PID/ns/<kind> for every kind in `mask`; fds[i] is -1 for a
 * kind not in the mask. With `expect`, each inode must match. */
int proc_ns_open(pid_t pid, unsigned mask, int fds[NSK_COUNT],
		 const struct session_record *expect);
void proc_ns_close(int fds[NSK_COUNT]);
/* 0 if the calling process is in the host's initial user, PID, IPC, UTS
 * and cgroup namespaces, else -EPERM with the first kind that is not in
 * `why` (mnt and net: see procfs.c). */
int proc_in_host_ns(char *why, size_t whylen);

/* ---- netlink.c: links, addresses, routes through libnl-route-3 ------ */
/* A session's network, as the monitor plans it (family 0: no such
 * address). veth/nat: host4/host6 are the host end's, bridge: the
 * gateways the bridge holds. prefix4/prefix6 are the session end's. */
struct net_plan {
	const char *host_if, *peer_if, *bridge;
	uint8_t mac[6];                  /* the session end's (eth0) */
	struct nsc_addr host4, peer4, host6, peer6;
	unsigned prefix4, prefix6;
};
void net_lib_reset(void);                     /* once in main(): nl_debug (NLDBG) to 0 */
/* A veth pair, `peer` (with MAC `mac`) straight into the netns of peer_pid. */
int net_veth_create(const char *host, pid_t peer_pid, const char *peer, const uint8_t mac[6]);
int net_link_delete(const char *name);        /* -ENODEV if absent */
int net_link_exists(const char *name);        /* 1, 0 or -errno */
/* The host end (veth, nat): IPv6 off without host6 (no link-local), else
 * accept_ra 0; its /30 and /126 addresses; up. */
int net_host_setup(const struct net_plan *p);
/* Inside the netns behind `netns_fd`: ping_group_range open, accept_ra 0
 * for new links, lo up; with `p`, eth0 like the host end (IPv6 off
 * without peer6), its addresses, up, default routes via host4/host6. */
int net_inside_setup(int netns_fd, const struct net_plan *p);
/* network = bridge. net_bridge_check: `bridge` exists and is a bridge: 0,
 * -ENODEV (no such link) or -EMEDIUMTYPE (not a bridge). Never creates
 * one. net_bridge_attach: the same check, then `host` (the session's veth
 * end, IPv6 off) is enslaved to it as an isolated port and brought up; it
 * gets no address. */
int net_bridge_check(const char *bridge);
int net_bridge_attach(const char *host, const char *bridge);
/* Delete the neighbour entry of `a` on `ifname` (host netns): 0 also when
 * there is none. */
int net_neigh_forget(const char *ifname, const struct nsc_addr *a);
/* Traffic counters of link `name` in the host's netns, as the kernel keeps
 * them (64 bit, since the link was made). For a session's host end, rx is
 * what the session sent and tx what it received. 0, -ENODEV (no such link)
 * or -errno. Needs no privilege. All four pointers must be valid. */
int net_link_stats(const char *name, uint64_t *rx_bytes, uint64_t *rx_packets,
		   uint64_t *tx_bytes, uint64_t *tx_packets);

/* ---- nft.c: the session's nftables tables (nftrules.h) -------------- */
/* Atomically replace any tables of s->uid by fresh ones. On error `err`
 * (may be NULL) holds nft's first error line. Needs CAP_NET_ADMIN. */
int nft_session_create(const struct nft_session *s, char *err, size_t errlen);
/* Delete them if they exist (0 also when there were none). */
int nft_session_delete(uint32_t uid);
/* The tables' named counters (nftrules.h), packets and bytes since the
 * session was created; `bridge`: the bridge table's too. -ENOENT: no such
 * table; -EPROTO: a table of that name without any of the counters; -EIO:
 * nft failed. Needs CAP_NET_ADMIN. */
int nft_session_counters(uint32_t uid, bool bridge, struct nft_counters *out);
/* net.ipv4.ip_forward / net.ipv6.conf.all.forwarding of the caller's
 * netns: 1, 0 or -errno. */
int net_forwarding_enabled(int family);

/* ---- mounts.c: the session's mount namespace ------------------------ */
/* In the keeper, as host root, in the session's fresh mount namespace. */
int mounts_setup(const struct session_spec *s);

/* ---- cgroup.c: the session's cgroup (layout and trust: cgroup.c; the
 * pure part: cgroupfmt.h). `leaf` is always a state_valid_cgroup name
 * ("<uid>-<session id>"), else -EINVAL. Needs host root. --------------- */
struct cg_session {              /* what cg_session_create made; zeroed: nothing */
	size_t n;
	struct cg_dir { int parent, leaf; bool v2; } h[4]; /* nsession/ and its leaf */
};
/* Make nsession/<leaf> in every hierarchy a limit of `pol` needs and write
 * the limits. A limit whose controller the host lacks is an error
 * (-EOPNOTSUPP, "memory_max is set but the memory controller is not
 * available"). The leaf dirs stay open and flock()ed in `out` (the mark of
 * a live owner, see cg_sweep_user). On failure nothing is left, `err` says
 * why. */
int cg_session_create(const struct nsc_policy *pol, const char *leaf, struct cg_session *out,
		      char *err, size_t errlen);
/* Move the calling process into every leaf of `c`. */
int cg_session_enter_self(const struct cg_session *c);
/* Move process `pid` (0: the caller) into nsession/<leaf> in every
 * hierarchy where it exists. -ENOENT: in none. */
int cg_enter(const char *leaf, pid_t pid);
/* Remove the leaves of `c`: rmdir retried until `grace_ms` have passed,
 * then whatever is still in a leaf (only that) is SIGKILLed and rmdir
 * retried for a bounded time; a leaf that stays is logged once. Closes
 * the fds (drops the locks) in any case. 0 or the first error. */
int cg_session_remove(struct cg_session *c, const char *leaf, unsigned grace_ms);
/* Remove every nsession/<uid>-<id> whose lock is free (its monitor is
 * dead), killing what is in it. Call with the user's lock held. */
void cg_sweep_user(uint32_t uid);

/* ---- privs.c: see privs.h ------------------------------------------- */

/* ---- proctitle.c: the name `ps` shows ---------------------------------- */
void proctitle_init(int argc, char **argv);   /* once, in main */
void proctitle_set(const char *name);         /* argv strings and comm */

/* ---- keeper.c ------------------------------------------------------- */
/* Runs in the clone()d child. `sync_fd` is the keeper end of a socketpair
 * with the monitor. Never returns. */
void keeper_main(const struct session_spec *spec, int sync_fd, int exe_fd) __attribute__((noreturn));

/* ---- systemd.c: the session's unit on a systemd host (the monitor) --- */
bool sd_host(void);   /* systemd is PID 1 (sd_booted) */
/* Move the calling process into a new transient scope
 * nsession-<uid>-<id>.scope in user-<uid>.slice. */
int sd_session_scope(uint32_t uid, const char *id, char *err, size_t errlen);
/* A PAM opener outside user-<uid>.slice (a cron or atd job, sudo, su from
 * another user's login) into a scope of its own there,
 * nsession-<uid>-<id>-<pid>.scope; nothing for one already in the slice. */
int sd_job_scope(uint32_t uid, const char *id, pid_t pid, char *err, size_t errlen);
/* The policy's limits as runtime properties of user-<uid>.slice. */
int sd_user_slice_limits(uint32_t uid, const struct nsc_policy *p, char *err, size_t errlen);

/* ---- spec.c, userlock.c: shared by the caller and the monitor ---------- */
/* How a session for `s` is built, as one canonical text hashed into the
 * record's build= (state_build_hash). */
void spec_build(const struct session_spec *s, char out[STATE_ID_LEN + 1]);
/* The user's lock "<uid>.lock"; user_unlock removes the file too when no
 * session is recorded (a failed or ended session leaves nothing). */
int user_lock(int dirfd, uint32_t uid, int timeout_ms);
void user_unlock(int dirfd, uint32_t uid, int lockfd);
struct sockaddr_un;
/* The address of the monitor's socket "<statedir>/<uid>.sock". */
int session_sock_path(uint32_t uid, struct sockaddr_un *sa);

/* ---- join.c: finding and joining, for call.c (and nsessionctl) --------- */
/* Find the user's live session or have nsession-monitor create one; on
 * success hands back a connected login reference and the session's
 * namespace fds. */
struct session_join {
	int ref_fd;                 /* login reference held by the caller */
	int ns_fds[NSC_NS_COUNT];
	struct session_record rec;
	bool created;               /* this call started the session */
	bool refused;               /* -EPERM: a live session this may not join */
	bool host_failure;          /* failed for a reason of the host's or the
				     * admin's making (state directory, a
				     * monitor's set-up step), never a user's */
};
int session_get(const struct session_spec *spec, struct session_join *out,
		char *err, size_t errlen);
void session_join_close(struct session_join *j);
/* Ask the user's monitor to end the session. -ENOENT: none. */
int session_terminate(uint32_t uid, char *err, size_t errlen);

/* ==== issue 15: DNS files and conntrack (dnsfiles.c, conntrack.c) ====== */
/* dnsfiles.c, in the monitor (host root) before the keeper is made: the
 * session's resolv.conf (p->dns, conf/resolvgen.h; not for dns = none,
 * network = none or without the net namespace) and hosts (with a
 * `session_hostname`, "" if none, and the uts namespace) written into the
 * state directory as UID.resolv / UID.hosts, 0644, through a temporary
 * name and renameat. Nothing at all without the mnt namespace. Any old
 * files of that uid are removed first. *want_resolv / *want_hosts: what
 * was written (session_spec.dns_resolv / dns_hosts). `host_end4` is the
 * session's host end (bridge: the gateway); `host_end6` NULL without IPv6.
 * Problems with the host's files are warnings (logged), not errors;
 * errors (writing) leave nothing and say why in `err`. */
int dns_files_write(int statedir_fd, uint32_t uid, const struct nsc_policy *p,
		    const struct nsc_addr *host_end4, const struct nsc_addr *host_end6,
		    const char *session_hostname, bool *want_resolv, bool *want_hosts,
		    char *err, size_t errlen);
/* Remove UID.resolv, UID.hosts and their temporaries (none: fine). */
void dns_files_remove(int statedir_fd, uint32_t uid);
/* "UID.resolv" (hosts false) / "UID.hosts" (hosts true). */
void dns_file_name(uint32_t uid, bool hosts, char out[32]);
/* conntrack.c: delete every conntrack entry of the caller's netns whose
 * original-direction source or destination is exactly one of the `n`
 * addresses `a` (IPv4 or IPv6), in one dump. Returns how many were deleted (no conntrack in the kernel: 0) or
 * -errno. Needs CAP_NET_ADMIN. */
int ct_flush_addrs(const struct nsc_addr *const *a, size_t n);

#endif
