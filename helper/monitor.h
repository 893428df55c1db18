/* monitor.h — inside nsession-monitor: the state of one monitor and the
 * steps its files share (monitor.c the process, monitor_setup.c building
 * the session, network.c its network, keeper.c the keeper, stale.c what a
 * dead session left). Not included by the setuid caller. */
#ifndef NS_MONITOR_H
#define NS_MONITOR_H

#include "helper.h"

#define MAX_LOGINS 1024
/* Each of the keeper's two messages: a set-up takes milliseconds; a
 * monitor holding the user's lock must stay well inside USER_LOCK_WAIT_MS
 * (another login of the user waits on it). */
#define KEEPER_TIMEOUT_MS 5000

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

/* monitor.c: one report to the caller, a letter of monwire.h and a
 * message; failures are logged too. */
void report(struct monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* monitor.c: the socket logins connect to, "<uid>.sock". */
int monitor_listen(struct monitor *m);

/* monitor_setup.c: build the session (every step, or none: on failure
 * everything made is undone and the caller got one report). */
int monitor_setup(struct monitor *m);
/* Undo everything made so far, in reverse order. Safe at any step. */
void monitor_undo(struct monitor *m);

/* network.c: the session's network as a plan and its steps. */
struct nsc_addr addr4(uint32_t a);
unsigned session_prefix(const struct nsc_policy *p);
int plan_network(struct monitor *m, uint32_t index, uint32_t host, uint32_t peer);
int monitor_network(struct monitor *m);
void network_remove(uint32_t uid, enum nsc_netmode mode, const char *veth, const char *bridge,
		    const struct nsc_addr *peer4, const struct nsc_addr *peer6);
void network_remove_recorded(const struct session_record *rec);

/* keeper.c, the monitor's side: make the keeper and talk to it. */
pid_t spawn_keeper(const struct session_spec *s, unsigned long flags, int sv[2],
		   int exe_fd, const struct cg_session *cg);
int keeper_said(struct monitor *m, char want);
int write_setgroups_deny(pid_t pid);

/* stale.c */
void cleanup_stale(int dirfd, uint32_t uid, const struct session_record *rec,
		   const struct nsc_policy *guess);
int reclaim_leases(int dirfd, uint32_t self);

#endif
