/* helper.h — internal interfaces of nsession-helper (the setuid part).
 *
 * Processes of one session (see session.c for the whole story):
 *   caller  `nsession-helper run` as the user (setuid root until it forks
 *           the command, then the user's own uid): finds or creates the
 *           session, holds one login reference, waits for the command.
 *   monitor root, host namespaces, one per session: creates the keeper, does
 *           the host-side setup, counts logins, tears everything down.
 *   keeper  PID 1 of the session's namespaces; holds them alive; no
 *           privilege after setup.
 *
 * All functions return 0 or a negative errno unless said otherwise. */
#ifndef NS_HELPER_H
#define NS_HELPER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "idmap.h"
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
};

/* Every log line about a session starts with the event (create, join,
 * leave, end, stale) and names it the same way, for grep and for the auth
 * log's readers: "join session=0123456789abcdef user=alice uid=1001 …". */
#define SESSION_LOG_FMT "session=%s user=%s uid=%u"
#define SESSION_LOG_ARGS(rec) (rec)->id, (rec)->user, (unsigned)(rec)->uid

/* ---- state_io.c: the state directory, locks, records ---------------- */
int state_dir_open(void);                     /* returns a dirfd */
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
void state_sock_name(uint32_t uid, char out[32]);
void state_lock_name(uint32_t uid, char out[32]);
#define STATE_POOL_LOCK "pool.lock"
#define STATE_LEASE_DIR "leases"  /* leases/UID.INDEX, see state_io.c */

/* ---- procfs helpers (state_io.c) ----------------------------------- */
int proc_starttime(pid_t pid, uint64_t *start);
/* Open /proc/PID/ns/<kind> for every kind in `mask`; fds[i] is -1 for a
 * kind not in the mask. With `expect`, each inode must match. */
int proc_ns_open(pid_t pid, unsigned mask, int fds[NSC_NS_COUNT],
		 const struct session_record *expect);
void proc_ns_close(int fds[NSC_NS_COUNT]);
/* 0 if the calling process is in the host's initial user, PID, IPC, UTS
 * and cgroup namespaces, else -EPERM with the first kind that is not in
 * `why` (mnt and net: see state_io.c). */
int proc_in_host_ns(char *why, size_t whylen);

/* ---- netlink.c: links, addresses, routes through libnl-route-3 ------ */
void net_lib_reset(void);                     /* once in main(): nl_debug (NLDBG) to 0 */
int net_veth_create(const char *host, pid_t peer_pid, const char *peer);
int net_link_delete(const char *name);        /* -ENODEV if absent */
int net_link_exists(const char *name);        /* 1, 0 or -errno */
int net_host_setup(const char *host, uint32_t addr, unsigned prefix);
/* Inside the netns behind `netns_fd`: lo up; with `peer`, its address,
 * link up and a default route via `gw`. */
int net_inside_setup(int netns_fd, const char *peer, uint32_t addr,
		     unsigned prefix, uint32_t gw);
/* network = bridge. net_bridge_check: `bridge` exists and is a bridge: 0,
 * -ENODEV (no such link) or -EMEDIUMTYPE (not a bridge). Never creates
 * one. net_bridge_attach: the same check, then `host` (the session's veth
 * end) is enslaved to it and brought up; it gets no address. */
int net_bridge_check(const char *bridge);
int net_bridge_attach(const char *host, const char *bridge);
/* Traffic counters of link `name` in the host's netns, as the kernel keeps
 * them (64 bit, since the link was made). For a session's host end, rx is
 * what the session sent and tx what it received. 0, -ENODEV (no such link)
 * or -errno. Needs no privilege. All four pointers must be valid. */
int net_link_stats(const char *name, uint64_t *rx_bytes, uint64_t *rx_packets,
		   uint64_t *tx_bytes, uint64_t *tx_packets);

/* ---- nft.c: network = nat, one nftables table per user (nftrules.h) ---- */
/* Atomically replace any table `ip nsession_<uid>` by a fresh one for veth
 * `ifname` and session address `peer` (host order). On error `err` (may be
 * NULL) holds nft's first error line. Needs CAP_NET_ADMIN. */
int nft_session_create(uint32_t uid, const char *ifname, uint32_t peer, char *err, size_t errlen);
/* Delete that table if it exists (0 also when there was none). */
int nft_session_delete(uint32_t uid);
/* The table's five named counters (nftrules.h: fwd_out, fwd_in, fwd_drop,
 * masq, input), packets and bytes since the session was created. -ENOENT:
 * no such table (no nat session); -EPROTO: a table of that name without
 * all five counters; -EIO: nft failed. Needs CAP_NET_ADMIN. */
int nft_session_counters(uint32_t uid, struct nft_counters *out);
/* net.ipv4.ip_forward of the caller's netns: 1, 0 or -errno. */
int net_ip_forward_enabled(void);

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

/* ---- session.c ------------------------------------------------------ */
/* Find the user's live session or create one; on success hands back a
 * connected login reference and the session's namespace fds. */
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

#endif
