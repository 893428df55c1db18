/* netlink.c — links, addresses and routes through libnl-route-3.
 *
 * The veth pair is created in one request with the peer end placed straight
 * into the session's network namespace (IFLA_NET_NS_PID), so no interface
 * ever sits on the host under the peer's name. Configuration inside the
 * namespace goes through a netlink socket opened while this thread is
 * briefly switched into that namespace (a socket stays bound to the netns it
 * was created in); the thread switches back at once. No `ip` is run.
 *
 * The environment: libnl's library constructors run before main() clears
 * it (libnl 3.7: lib/socket.c, lib/utils.c, lib/route/classid.c). NLCB sets
 * the kind of callbacks nl_socket_alloc() installs (verbose/debug print
 * every message to stderr): every socket here gets an explicit
 * NL_CB_DEFAULT set instead. NLDBG sets nl_debug (Debian builds libnl with
 * NL_DEBUG: debug lines with pointers on stderr): net_lib_reset() sets it
 * back to 0. NLSYSCONFDIR names the directory whose classid file
 * libnl-route's constructor opens and parses, as root: main.c empties the
 * environment in a .preinit_array function, which the dynamic loader runs
 * before any library's constructor, so none of them sees the caller's
 * variables (these two resets stay, for the sanitizer builds). HZ,
 * PROC_ROOT & co. are read only on first use of libnl's tc time helpers
 * (never here), from the cleared environment. */
#include "helper.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <linux/if_link.h>

#include "addrpool.h"
#include "cleanup.h"
#include "util.h"

/* libnl returns its own negative codes; map the common ones to errno. */
static int nlerr(int e)
{
	switch (e < 0 ? -e : e) {
	case 0:
		return 0;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
	case NLE_NOACCESS:
		return -EPERM;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_BUSY:
		return -EBUSY;
	default:
		return -EIO;
	}
}

void net_lib_reset(void)
{
	nl_debug = 0;
}

static int sock_open(struct nl_sock **out)
{
	/* Not nl_socket_alloc(): its callbacks are of the kind NLCB named. */
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	struct nl_sock *sk = cb ? nl_socket_alloc_cb(cb) : NULL;
	int r;

	nl_cb_put(cb); /* the socket holds its own reference */
	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);
	if (r < 0) {
		nl_socket_free(sk);
		return nlerr(r);
	}
	/* The socket must not outlive an exec. */
	(void)fcntl(nl_socket_get_fd(sk), F_SETFD, FD_CLOEXEC);
	*out = sk;
	return 0;
}

static int link_get(struct nl_sock *sk, const char *name, struct rtnl_link **link)
{
	return nlerr(rtnl_link_get_kernel(sk, 0, name, link));
}

int net_veth_create(const char *host, pid_t peer_pid, const char *peer, const uint8_t mac[6])
{
	struct nl_sock *sk;
	struct rtnl_link *link, *plink;
	struct nl_addr *lladdr;
	int r;

	r = sock_open(&sk);
	if (r < 0)
		return r;
	link = rtnl_link_veth_alloc();
	lladdr = nl_addr_build(AF_LLC, mac, 6);
	if (!link || !lladdr) {
		if (link)
			rtnl_link_veth_release(link);
		if (lladdr)
			nl_addr_put(lladdr);
		nl_socket_free(sk);
		return -ENOMEM;
	}
	rtnl_link_set_name(link, host);
	plink = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(plink, peer);
	rtnl_link_set_ns_pid(plink, peer_pid);
	rtnl_link_set_addr(plink, lladdr); /* the session's MAC, known to its rules */
	nl_addr_put(lladdr);
	/* NLM_F_EXCL: an existing interface of that name is an error, never
	 * taken over. */
	r = nlerr(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	rtnl_link_put(plink);
	rtnl_link_veth_release(link);
	nl_socket_free(sk);
	return r;
}

static int bridge_get(struct nl_sock *sk, const char *name, struct rtnl_link **out);

/* One look-up on a socket of its own; on success the caller puts *out. */
static int link_lookup(const char *name, bool bridge, struct rtnl_link **out)
{
	struct nl_sock *sk;
	int r;

	*out = NULL;
	r = sock_open(&sk);
	if (r < 0)
		return r;
	r = bridge ? bridge_get(sk, name, out) : link_get(sk, name, out);
	nl_socket_free(sk);
	return r;
}

int net_link_exists(const char *name)
{
	struct rtnl_link *link;
	int r = link_lookup(name, false, &link);

	if (r == 0)
		rtnl_link_put(link);
	if (r == -ENODEV)
		return 0;
	return r < 0 ? r : 1;
}

int net_link_delete(const char *name)
{
	struct nl_sock *sk;
	struct rtnl_link *link = NULL;
	int r;

	r = sock_open(&sk);
	if (r < 0)
		return r;
	r = link_get(sk, name, &link);
	if (r == 0) {
		/* Only ever delete a veth: a name clash with an admin's
		 * interface must not cost them that interface. */
		if (!rtnl_link_is_veth(link))
			r = -EPERM;
		else
			r = nlerr(rtnl_link_delete(sk, link));
		rtnl_link_put(link);
	}
	nl_socket_free(sk);
	return r;
}

static int link_up(struct nl_sock *sk, struct rtnl_link *link)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int r;

	if (!change)
		return -ENOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	r = nlerr(rtnl_link_change(sk, link, change, 0));
	rtnl_link_put(change);
	return r;
}

static struct nl_addr *addr_build(const struct nsc_addr *a, unsigned prefix)
{
	struct nl_addr *na = nl_addr_build(a->family, a->a, a->family == AF_INET ? 4 : 16);

	if (na)
		nl_addr_set_prefixlen(na, (int)prefix);
	return na;
}

/* `a` with `prefix` on link `ifindex`; IPv6 without duplicate address
 * detection (the other end is ours), so it is usable at once. */
static int addr_add(struct nl_sock *sk, int ifindex, const struct nsc_addr *a, unsigned prefix)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local = addr_build(a, prefix);
	int r = -ENOMEM;

	if (ra && local) {
		rtnl_addr_set_ifindex(ra, ifindex);
		rtnl_addr_set_local(ra, local);
		if (a->family == AF_INET6)
			rtnl_addr_set_flags(ra, IFA_F_NODAD);
		r = nlerr(rtnl_addr_add(sk, ra, NLM_F_CREATE | NLM_F_EXCL));
	}
	if (local)
		nl_addr_put(local);
	if (ra)
		rtnl_addr_put(ra);
	return r;
}

/* A default route of gw's family via `gw` on link `ifindex`. */
static int default_route(struct nl_sock *sk, int ifindex, const struct nsc_addr *gw)
{
	static const struct nsc_addr any4 = { .family = AF_INET }, any6 = { .family = AF_INET6 };
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = addr_build(gw->family == AF_INET ? &any4 : &any6, 0);
	struct nl_addr *via = addr_build(gw, gw->family == AF_INET ? 32 : 128);
	int r = -ENOMEM;

	if (!rt || !nh || !dst || !via)
		goto out;
	rtnl_route_set_family(rt, gw->family);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(rt, nh);
	nh = NULL; /* owned by rt now */
	r = nlerr(rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL));
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (dst)
		nl_addr_put(dst);
	if (via)
		nl_addr_put(via);
	if (rt)
		rtnl_route_put(rt);
	return r;
}

/* net.ipv6.conf.IFNAME.KEY = val; IFNAME passed valid_ifname() or is
 * "default". Without IPv6 in the kernel (no such file) there is nothing
 * to turn off: 0. */
static int ipv6_conf(const char *ifname, const char *key, const char *val)
{
	char path[96];
	int r;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	r = ns_write_str(AT_FDCWD, path, val); /* /proc/sys/net: the netns of this thread */
	return r == -ENOENT ? 0 : r;
}

/* Link `name`: its addresses (a family 0 address is skipped), up, and
 * default routes via the gateways given (NULL: none). */
static int link_configure(struct nl_sock *sk, const char *name,
			  const struct nsc_addr *a4, unsigned prefix4,
			  const struct nsc_addr *a6, unsigned prefix6,
			  const struct nsc_addr *gw4, const struct nsc_addr *gw6)
{
	struct rtnl_link *link = NULL;
	int r, ifindex;

	r = link_get(sk, name, &link);
	if (r < 0)
		return r;
	ifindex = rtnl_link_get_ifindex(link);
	if (a4 && a4->family)
		r = addr_add(sk, ifindex, a4, prefix4);
	if (r == 0 && a6 && a6->family)
		r = addr_add(sk, ifindex, a6, prefix6);
	if (r == 0)
		r = link_up(sk, link);
	if (r == 0 && gw4 && gw4->family)
		r = default_route(sk, ifindex, gw4);
	if (r == 0 && gw6 && gw6->family)
		r = default_route(sk, ifindex, gw6);
	rtnl_link_put(link);
	return r;
}

/* IPv6 of a link in the caller's netns, before it comes up: router
 * advertisements ignored (its addresses and routes are nsession's), and
 * off altogether without an IPv6 address (no link-local either). */
static int ipv6_policy(const char *ifname, bool has_v6)
{
	int r = ipv6_conf(ifname, "accept_ra", "0");

	if (r == 0 && !has_v6)
		r = ipv6_conf(ifname, "disable_ipv6", "1");
	/* The link-local address from the MAC (EUI-64): the bridge table's
	 * anti-spoofing rule names it (nftrules.c). */
	if (r == 0 && has_v6)
		r = ipv6_conf(ifname, "addr_gen_mode", "0");
	return r;
}

int net_host_setup(const struct net_plan *p)
{
	struct nl_sock *sk;
	int r = ipv6_policy(p->host_if, p->host6.family != 0);

	if (r == 0)
		r = sock_open(&sk);
	if (r < 0)
		return r;
	/* The host end is a point-to-point /30 and /126 of the pools. */
	r = link_configure(sk, p->host_if, &p->host4, ADDRPOOL_BLOCK_PREFIX,
			   &p->host6, ADDRPOOL6_BLOCK_PREFIX, NULL, NULL);
	nl_socket_free(sk);
	return r;
}

/* In a new netns ICMP echo sockets are off ("1 0"), so an unprivileged
 * user could not even ping the host end. Open them to every group, in the
 * session's netns only (this file resolves to the netns of the opener).
 * Router advertisements are never taken (accept_ra 0 for links to come,
 * eth0 gets its own below): a bridged session would otherwise configure
 * itself from the LAN's. */
static int inside_sysctls(void)
{
	int r = ns_write_str(AT_FDCWD, "/proc/sys/net/ipv4/ping_group_range", "0 2147483647");

	if (r == 0)
		r = ipv6_conf("default", "accept_ra", "0");
	return r;
}

int net_inside_setup(int netns_fd, const struct net_plan *p)
{
	struct nl_sock *sk = NULL;
	cleanup_fd int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r, back, pr;

	if (self < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return -errno;
	r = sock_open(&sk);
	pr = inside_sysctls();
	/* eth0's own sysctl files exist only in the session's netns: IPv6
	 * off, or router advertisements ignored, before it comes up. */
	if (pr == 0 && p)
		pr = ipv6_policy(p->peer_if, p->peer6.family != 0);
	back = setns(self, CLONE_NEWNET) < 0 ? -errno : 0;
	close(steal_fd(&self));
	if (back < 0) {
		/* Stuck in the session's netns: this process must not go on
		 * doing host work. The caller treats any error as fatal. */
		if (sk)
			nl_socket_free(sk);
		return back;
	}
	if (r < 0 || pr < 0) {
		if (sk)
			nl_socket_free(sk);
		return r < 0 ? r : pr;
	}
	r = link_configure(sk, "lo", NULL, 0, NULL, 0, NULL, NULL);
	if (r == 0 && p)
		r = link_configure(sk, p->peer_if, &p->peer4, p->prefix4, &p->peer6, p->prefix6,
				   &p->host4, &p->host6);
	nl_socket_free(sk);
	return r;
}

/* An existing link named `name` that is a bridge: 0, -ENODEV (no such
 * link) or -EMEDIUMTYPE (a link, but not a bridge). */
static int bridge_get(struct nl_sock *sk, const char *name, struct rtnl_link **out)
{
	int r = link_get(sk, name, out);

	if (r < 0)
		return r;
	if (!rtnl_link_is_bridge(*out)) {
		rtnl_link_put(*out);
		*out = NULL;
		return -EMEDIUMTYPE;
	}
	return 0;
}

int net_bridge_check(const char *bridge)
{
	struct rtnl_link *br;
	int r = link_lookup(bridge, true, &br);

	if (r == 0)
		rtnl_link_put(br);
	return r;
}

/* IFLA_BRPORT_ISOLATED on bridge port `ifindex`: an isolated port
 * exchanges no frame with another isolated port, only with the others
 * (the uplink, the bridge itself). libnl 3.7 has no setter for it. */
static int port_isolate(struct nl_sock *sk, int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_BRIDGE, .ifi_index = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_SETLINK, NLM_F_ACK);
	struct nlattr *pi = NULL;
	int r = -ENOMEM;

	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) == 0)
		pi = nla_nest_start(msg, IFLA_PROTINFO | NLA_F_NESTED);
	if (pi && nla_put_u8(msg, IFLA_BRPORT_ISOLATED, 1) == 0) {
		nla_nest_end(msg, pi);
		r = nl_send_auto(sk, msg);
		r = r < 0 ? nlerr(r) : nlerr(nl_wait_for_ack(sk));
	}
	if (msg)
		nlmsg_free(msg);
	return r;
}

int net_bridge_attach(const char *host, const char *bridge)
{
	struct nl_sock *sk;
	struct rtnl_link *br = NULL, *link = NULL;
	int r = ipv6_policy(host, false); /* a port needs no address */

	if (r == 0)
		r = sock_open(&sk);
	if (r < 0)
		return r;
	r = bridge_get(sk, bridge, &br);
	if (r == 0)
		r = link_get(sk, host, &link);
	if (r == 0)
		r = nlerr(rtnl_link_enslave(sk, br, link));
	if (r == 0)
		r = port_isolate(sk, rtnl_link_get_ifindex(link));
	if (r == 0)
		r = link_up(sk, link);
	if (link)
		rtnl_link_put(link);
	if (br)
		rtnl_link_put(br);
	nl_socket_free(sk);
	return r;
}

int net_neigh_forget(const char *ifname, const struct nsc_addr *a)
{
	struct nl_sock *sk;
	struct rtnl_link *link = NULL;
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	struct nl_addr *dst = addr_build(a, a->family == AF_INET ? 32 : 128);
	int r = n && dst ? sock_open(&sk) : -ENOMEM;

	if (r == 0) {
		r = link_get(sk, ifname, &link);
		if (r == 0) {
			rtnl_neigh_set_ifindex(n, rtnl_link_get_ifindex(link));
			rtnl_neigh_set_family(n, a->family);
			rtnl_neigh_set_dst(n, dst);
			r = nlerr(rtnl_neigh_delete(sk, n, 0));
			rtnl_link_put(link);
		}
		nl_socket_free(sk);
	}
	if (dst)
		nl_addr_put(dst);
	if (n)
		rtnl_neigh_put(n);
	return r == -ENODEV ? 0 : r; /* none: nothing to forget */
}

int net_link_stats(const char *name, uint64_t *rx_bytes, uint64_t *rx_packets,
		   uint64_t *tx_bytes, uint64_t *tx_packets)
{
	struct rtnl_link *link;
	int r = link_lookup(name, false, &link);

	if (r == 0) {
		*rx_bytes = rtnl_link_get_stat(link, RTNL_LINK_RX_BYTES);
		*rx_packets = rtnl_link_get_stat(link, RTNL_LINK_RX_PACKETS);
		*tx_bytes = rtnl_link_get_stat(link, RTNL_LINK_TX_BYTES);
		*tx_packets = rtnl_link_get_stat(link, RTNL_LINK_TX_PACKETS);
		rtnl_link_put(link);
	}
	return r;
}
