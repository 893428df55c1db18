/* network.c — a session's network, in the monitor: the plan (addresses
 * from the pools, a MAC), the steps that make it, and the one way it goes.
 *
 * The steps, in order (net_steps below), each reporting its own failure:
 *
 *   step             makes                          undone by
 *   veth             the pair, eth0 in the netns    deleting the host end
 *                                                   (its peer, addresses,
 *                                                   routes, neighbours go too)
 *   rules            inet/bridge nsession_<uid>     nft_session_delete
 *   conntrack        (forgets the addresses' old    - (flushed again at the end)
 *                     entries)
 *   host end         addresses, up / bridge port    goes with the veth
 *   inside           lo, eth0's addresses, routes   goes with the netns
 *
 * network_remove() is the undo of all of them and the only one: a failed
 * set-up (monitor_undo), a session's end, a stale session's clean-up and a
 * reclaimed lease all go through it. The rules stay while the veth does:
 * a link left without them would be a session's link without its filter. */
#include "monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addrpool.h"
#include "cleanup.h"
#include "fault.h"
#include "util.h"

#define PEER_IFNAME "eth0"

/* An IPv4 address in host byte order as an nsc_addr (family 0 for 0). */
struct nsc_addr addr4(uint32_t a)
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
/* Everything of a session's network that outlives its namespace: the
 * veth (its addresses, routes and neighbour entries go with it), the
 * nftables tables, the bridge's neighbour entries for the session's
 * addresses, and the conntrack entries of those addresses (a later
 * session given the same addresses must inherit no state). `peer4` and
 * `peer6` may be NULL or of family 0. */
void network_remove(uint32_t uid, enum nsc_netmode mode, const char *veth,
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

void network_remove_recorded(const struct session_record *rec)
{
	struct nsc_addr p4 = addr4(rec->addr_peer), p6 = { 0 };

	if (rec->prefix6)
		p6 = state_addr6(rec->addr6_peer);
	network_remove(rec->uid, rec->network, rec->veth_host, rec->bridge, &p4, &p6);
}

/* The prefix length of the session's eth0: a /30 block of the pool, or
 * with network = bridge the pool's own (the bridge is the gateway). */
/* The prefix length of the session's eth0: a /30 block of the pool, or
 * with network = bridge the pool's own (the bridge is the gateway). */
unsigned session_prefix(const struct nsc_policy *p)
{
	if (!nsc_net_has_veth(p->network))
		return 0;
	return p->network == NSC_NET_BRIDGE ? p->pool_prefix : ADDRPOOL_BLOCK_PREFIX;
}

/* The plan of a veth session's network: its addresses from the pools
 * (block `index`), a random MAC (locally administered, unicast). */
/* The plan of a veth session's network: its addresses from the pools
 * (block `index`), a random MAC (locally administered, unicast). */
int plan_network(struct monitor *m, uint32_t index, uint32_t host, uint32_t peer)
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

/* ---- the steps ---------------------------------------------------------- */

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

/* The pair (a leftover of this user's replaced), eth0 straight into the
 * keeper's netns. */
static int step_veth(struct monitor *m)
{
	const struct net_plan *n = &m->net;
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
	return 0;
}

/* The rules, before anything is up. */
static int step_rules(struct monitor *m)
{
	char buf[256];
	int r = network_rules(m, buf, sizeof(buf));

	if (r < 0)
		report(m, "Eadding the session's nftables rules: %s", buf);
	return r;
}

/* No conntrack state of the addresses' earlier owners. */
static int step_conntrack(struct monitor *m)
{
	const struct nsc_addr *flush[2] = { &m->net.peer4, &m->net.peer6 };
	int r = ct_flush_addrs(flush, m->net.peer6.family ? 2 : 1);

	if (r < 0)
		report(m, "Edeleting old conntrack entries of the session's addresses: %s",
		       strerror(-r));
	return r < 0 ? r : 0;
}

/* The host end: addressed and up, or an isolated port of the bridge. */
static int step_host_end(struct monitor *m)
{
	const struct net_plan *n = &m->net;
	int r = m->spec->pol.network == NSC_NET_BRIDGE ? net_bridge_attach(n->host_if, n->bridge)
						     : net_host_setup(n);

	if (r < 0)
		report(m, "Econfiguring %s: %s", n->host_if, strerror(-r));
	return r;
}

/* Inside the netns: lo, and with a veth eth0's addresses and routes. */
static int step_inside(struct monitor *m)
{
	const struct nsc_policy *p = &m->spec->pol;
	char path[64];
	cleanup_fd int netfd = -1;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)m->kpid);
	netfd = open(path, O_RDONLY | O_CLOEXEC);
	if (netfd < 0) {
		r = -errno;
		report(m, "Eopening the session's netns: %s", strerror(-r));
		return r;
	}
	r = net_inside_setup(netfd, nsc_net_has_veth(p->network) ? &m->net : NULL);
	if (r < 0)
		report(m, "Econfiguring the session's network: %s", strerror(-r));
	return r;
}

enum { NEEDS_VETH = 1, NEEDS_NETNS = 2 };
static const struct net_step {
	int (*make)(struct monitor *m);
	unsigned needs;
	const char *fault;   /* the kill point after it (fault.h) */
} net_steps[] = {
	{ step_veth,      NEEDS_VETH,  "veth-created" },
	{ step_rules,     NEEDS_VETH,  "rules-added" },
	{ step_conntrack, NEEDS_VETH,  NULL },
	{ step_host_end,  NEEDS_VETH,  "host-configured" },
	{ step_inside,    NEEDS_NETNS, "inside-configured" },
};

/* The session's network, made while the keeper sets up its side. Reports
 * its failure; monitor_undo removes what was made. */
int monitor_network(struct monitor *m)
{
	const struct nsc_policy *p = &m->spec->pol;

	for (size_t i = 0; i < NS_ARRAY_SIZE(net_steps); i++) {
		const struct net_step *s = &net_steps[i];
		int r;

		if ((s->needs == NEEDS_VETH && !nsc_net_has_veth(p->network)) ||
		    (s->needs == NEEDS_NETNS && !(p->namespaces & NSC_NS_NET)))
			continue;
		if ((r = s->make(m)) < 0)
			return r;
		if (s->fault)
			FAULT(s->fault);
	}
	return 0;
}
