/* monitor_setup.c — how the monitor builds a session, step by step.
 *
 * Every step reports its own failure to the caller (one report, monwire.h)
 * and leaves what it made recorded in struct monitor, so that
 * monitor_undo() can take everything back in reverse order from any
 * step: nothing half-built outlives a failed set-up.
 *
 *   step        makes                                   undone by
 *   cgroup      systemd scope + slice limits, or the    cg_session_remove
 *               session's own cgroup (cgroup.c)
 *   address     a lease of the pool, the network plan   state_remove (lease)
 *   keeper      DNS files, the keeper in new namespaces SIGKILL, dns_files_remove
 *   network     network.c's steps                       network_remove
 *   maps        the id maps; the keeper execs           (with the keeper)
 *               nsession-keeper
 *   record      the socket, the record                  unlink, state_remove */
#include "monitor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addrpool.h"
#include "cgroupfmt.h"
#include "cleanup.h"
#include "fault.h"
#include "monwire.h"
#include "pidfd.h"
#include "spawn.h"
#include "util.h"

/* Undo everything made so far, in reverse order. Safe at any step. */
void monitor_undo(struct monitor *m)
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

static int record_fill(struct monitor *m, uint32_t pool_index, uint32_t host, uint32_t peer)
{
	const struct session_spec *s = m->spec;
	struct session_record *r = &m->rec;
	int fds[NSK_COUNT];
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
	for (int i = 0; i < NSK_COUNT; i++) {
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


/* A fresh id; on a systemd host the monitor and everything it forks from
 * now on in a scope of its own and the limits on the user's slice
 * (systemd.c); elsewhere the cgroups of this user's dead sessions go first
 * (we run under the user's lock, held by the caller), then this session's
 * is made (cgroup.c), before the keeper is cloned into it. */
static int step_cgroup(struct monitor *m)
{
	const struct session_spec *s = m->spec;
	const struct nsc_policy *p = &s->pol;
	bool systemd = sd_host();
	char buf[256];
	int r = make_session_id(m->rec.id);

	if (r < 0) {
		report(m, "Emaking a session id: %s", strerror(-r));
		return r;
	}
	if (systemd) {
		r = sd_session_scope(s->uid, m->rec.id, buf, sizeof(buf));
		if (r == 0 && nsc_wants_cgroup(p))
			r = sd_user_slice_limits(s->uid, p, buf, sizeof(buf));
	} else {
		cg_sweep_user(s->uid);
		if (!nsc_wants_cgroup(p))
			return 0;
		snprintf(buf, sizeof(buf), "bad session id");
		r = cgfmt_leaf(s->uid, m->rec.id, m->rec.cgroup);
		if (r == 0)
			r = cg_session_create(p, m->rec.cgroup, &m->cg, buf, sizeof(buf));
		if (r < 0)
			m->rec.cgroup[0] = '\0';
	}
	if (r < 0) {
		report(m, "E%s", buf);
		return r;
	}
	if (systemd || nsc_wants_cgroup(p))
		FAULT("cgroup-made");
	return 0;
}

/* A block of the pool: what the leases leave free (or, the pool full,
 * after reclaiming dead sessions' leases), under pool.lock. */
static int pick_block(struct monitor *m, uint32_t *index)
{
	const struct nsc_policy *p = &m->spec->pol;
	uint32_t used[4096];
	size_t nused;
	int r = state_leases(m->dirfd, used, NULL, NS_ARRAY_SIZE(used), &nused);

	if (r == 0)
		r = addrpool_pick(p->pool_net, p->pool_prefix, used, nused, index);
	if (r == -ENOSPC && reclaim_leases(m->dirfd, m->spec->uid) > 0) {
		r = state_leases(m->dirfd, used, NULL, NS_ARRAY_SIZE(used), &nused);
		if (r == 0)
			r = addrpool_pick(p->pool_net, p->pool_prefix, used, nused, index);
	}
	return r;
}

/* The session's lease (its file holds the block from here on: other
 * users' sessions are set up in parallel with this one). */
static int take_lease(struct monitor *m, uint32_t *index, uint32_t *host, uint32_t *peer)
{
	const struct nsc_policy *p = &m->spec->pol;
	int pool_lock = state_lock(m->dirfd, STATE_POOL_LOCK, POOL_LOCK_WAIT_MS), r;

	if (pool_lock < 0) {
		if (pool_lock == -ETIMEDOUT)
			report(m, "Tthe address pool has been locked by another session's "
			       "set-up for %d s; giving up", POOL_LOCK_WAIT_MS / 1000);
		else
			report(m, "Elocking the address pool: %s", strerror(-pool_lock));
		return pool_lock;
	}
	FAULT("pool-locked");
	r = pick_block(m, index);
	if (r == 0)
		r = addrpool_addrs(p->pool_net, p->pool_prefix, *index, host, peer);
	if (r == 0) {
		r = state_lease_take(m->dirfd, m->spec->uid, *index);
		m->lease_made = r >= 0;
		if (r >= 0) {
			m->lease_fd = r; /* held until the monitor exits */
			r = 0;
		}
	}
	state_unlock_remove(m->dirfd, STATE_POOL_LOCK, pool_lock);
	if (r < 0)
		report(m, "Eallocating an address: %s",
		       r == -ENOSPC ? "address pool exhausted" : strerror(-r));
	return r;
}

/* veth modes: the bridge there, a lease, the plan. */
static int step_address(struct monitor *m, uint32_t *index, uint32_t *host, uint32_t *peer)
{
	const struct nsc_policy *p = &m->spec->pol;
	int r;

	if (p->network == NSC_NET_BRIDGE && (r = net_bridge_check(p->bridge)) < 0) {
		report(m, r == -ENODEV ? "Ebridge %s does not exist"
		       : r == -EMEDIUMTYPE ? "Ebridge = %s: that interface is not a bridge"
		       : "Elooking up bridge %s failed", p->bridge);
		return r;
	}
	if (!nsc_net_has_veth(p->network))
		return 0;
	if ((r = take_lease(m, index, host, peer)) < 0)
		return r;
	if (p->network == NSC_NET_BRIDGE)
		*host = p->pool_net + 1; /* the gateway, held by the bridge */
	snprintf(m->rec.veth_host, sizeof(m->rec.veth_host), "%s", p->veth_host);
	r = plan_network(m, *index, *host, *peer);
	if (r < 0)
		report(m, "Eallocating an address: %s",
		       r == -EXFULL ? "IPv6 address pool exhausted" : strerror(-r));
	return r;
}

/* The session's /etc/resolv.conf and /etc/hosts, made as host root into
 * the state directory (the keeper bind-mounts them); then the keeper,
 * cloned into new namespaces but the user namespace (keeper.c). */
static int step_keeper(struct monitor *m)
{
	const struct session_spec *s = m->spec;
	static struct session_spec kspec;
	unsigned long flags = 0;
	char buf[256];
	cleanup_fd int exe_fd = -1;
	int sv[2], r;

	for (int k = 0; k < NSK_COUNT; k++)
		if (k != NSK_USER && (s->pol.namespaces & (1u << k)))
			flags |= (unsigned long)nskinds[k].clone_flag;
	kspec = *s;
	r = dns_files_write(m->dirfd, s->uid, &s->pol, &m->net.host4,
			    m->net.host6.family ? &m->net.host6 : NULL, s->pol.host_name,
			    &kspec.dns_resolv, &kspec.dns_hosts, buf, sizeof(buf));
	if (r < 0) {
		report(m, "E%s", buf);
		return r;
	}
	FAULT("dns-written");
	exe_fd = ns_exe_open(NSESSION_KEEPER, true, buf, sizeof(buf));
	if (exe_fd < 0) {
		report(m, "E%s: %s", NSESSION_KEEPER, buf);
		return exe_fd;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = -errno;
		report(m, "Esocketpair: %s", strerror(-r));
		return r;
	}
	m->kpid = spawn_keeper(&kspec, flags, sv, exe_fd, &m->cg);
	close(sv[1]);
	if (m->kpid < 0) {
		r = m->kpid;
		close(sv[0]);
		report(m, "Ecreating namespaces: %s%s", strerror(-r),
		       r == -ENOSPC || r == -EPERM ? " (user namespaces disabled or limit reached?)" : "");
		return r;
	}
	m->ksync = sv[0];
	m->kpidfd = ns_pidfd_open(m->kpid);
	FAULT("keeper-spawned");
	if (m->kpidfd < 0) {
		r = m->kpidfd;
		kill(m->kpid, SIGKILL);
		(void)ns_wait(m->kpid, NULL);
		report(m, "Epidfd_open: %s", strerror(-r));
		return r;
	}
	return 0;
}

/* The keeper's user namespace exists: the maps, then it may drop to the
 * user's ids and exec nsession-keeper. */
static int step_maps(struct monitor *m)
{
	const struct session_spec *s = m->spec;
	int r;

	if ((r = keeper_said(m, MW_KEEPER_USERNS)) < 0)
		return r;
	if (s->pol.namespaces & NSC_NS_USER) {
		if ((r = write_setgroups_deny(m->kpid)) < 0 ||
		    (r = idmap_write(m->kpid, "uid_map", &s->uidmap)) < 0 ||
		    (r = idmap_write(m->kpid, "gid_map", &s->gidmap)) < 0) {
			report(m, "Ewriting id maps: %s", strerror(-r));
			return r;
		}
		FAULT("maps-written");
	}
	if (send(m->ksync, (char[]){ MW_MAPS }, 1, MSG_NOSIGNAL) != 1) {
		report(m, "Ekeeper did not start");
		return -EIO;
	}
	if ((r = keeper_said(m, MW_KEEPER_READY)) < 0)
		return r;
	FAULT("keeper-ready");
	return 0;
}

/* The record, and the socket logins connect to. */
static int step_record(struct monitor *m, uint32_t index, uint32_t host, uint32_t peer)
{
	int r = record_fill(m, index, host, peer);

	if (r == 0)
		r = monitor_listen(m);
	if (r == 0) {
		FAULT("listening");
		r = state_write(m->dirfd, &m->rec);
		m->record_written = r == 0;
	}
	if (r < 0) {
		report(m, "Erecording the session: %s", strerror(-r));
		return r;
	}
	FAULT("recorded");
	return 0;
}

/* Build the session. On failure everything made is undone and the caller
 * got one report. The keeper mounts, sets the host name and makes its
 * user namespace while the monitor makes the network: both only need the
 * other namespaces, which exist since the clone. */
int monitor_setup(struct monitor *m)
{
	uint32_t index = 0, host = 0, peer = 0;
	int r;

	if ((r = step_cgroup(m)) < 0 || (r = step_address(m, &index, &host, &peer)) < 0 ||
	    (r = step_keeper(m)) < 0 || (r = monitor_network(m)) < 0 || (r = step_maps(m)) < 0 ||
	    (r = step_record(m, index, host, peer)) < 0) {
		monitor_undo(m);
		return r;
	}
	return 0;
}
