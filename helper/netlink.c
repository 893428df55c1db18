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
#include <netlink/route/route.h>

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

int net_veth_create(const char *host, pid_t peer_pid, const char *peer)
{
	struct nl_sock *sk;
	struct rtnl_link *link, *plink;
	int r;

	r = sock_open(&sk);
	if (r < 0)
		return r;
	link = rtnl_link_veth_alloc();
	if (!link) {
		nl_socket_free(sk);
		return -ENOMEM;
	}
	rtnl_link_set_name(link, host);
	plink = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(plink, peer);
	rtnl_link_set_ns_pid(plink, peer_pid);
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

static int addr_add(struct nl_sock *sk, int ifindex, uint32_t addr, unsigned prefix)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local;
	uint32_t be = htonl(addr);
	int r;

	if (!a)
		return -ENOMEM;
	local = nl_addr_build(AF_INET, &be, sizeof(be));
	if (!local) {
		rtnl_addr_put(a);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(local, (int)prefix);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	r = nlerr(rtnl_addr_add(sk, a, NLM_F_CREATE | NLM_F_EXCL));
	nl_addr_put(local);
	rtnl_addr_put(a);
	return r;
}

static int default_route(struct nl_sock *sk, int ifindex, uint32_t gw)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = NULL, *via = NULL;
	uint32_t any = 0, be = htonl(gw);
	int r = -ENOMEM;

	if (!rt || !nh)
		goto out;
	dst = nl_addr_build(AF_INET, &any, sizeof(any));
	via = nl_addr_build(AF_INET, &be, sizeof(be));
	if (!dst || !via)
		goto out;
	nl_addr_set_prefixlen(dst, 0);
	rtnl_route_set_family(rt, AF_INET);
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

/* Address `name` and bring it up. */
static int link_configure(struct nl_sock *sk, const char *name, uint32_t addr,
			  unsigned prefix, uint32_t gw)
{
	struct rtnl_link *link = NULL;
	int r, ifindex;

	r = link_get(sk, name, &link);
	if (r < 0)
		return r;
	ifindex = rtnl_link_get_ifindex(link);
	if (addr)
		r = addr_add(sk, ifindex, addr, prefix);
	if (r == 0)
		r = link_up(sk, link);
	if (r == 0 && gw)
		r = default_route(sk, ifindex, gw);
	rtnl_link_put(link);
	return r;
}

int net_host_setup(const char *host, uint32_t addr, unsigned prefix)
{
	struct nl_sock *sk;
	int r;

	r = sock_open(&sk);
	if (r < 0)
		return r;
	r = link_configure(sk, host, addr, prefix, 0);
	nl_socket_free(sk);
	return r;
}

/* In a new netns ICMP echo sockets are off ("1 0"), so an unprivileged
 * user could not even ping the host end. Open them to every group, in the
 * session's netns only (this file resolves to the netns of the opener). */
static int allow_ping(void)
{
	static const char range[] = "0 2147483647";
	int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, range, sizeof(range) - 1) != (ssize_t)sizeof(range) - 1)
		r = -errno;
	close(fd);
	return r;
}

int net_inside_setup(int netns_fd, const char *peer, uint32_t addr,
		     unsigned prefix, uint32_t gw)
{
	struct nl_sock *sk = NULL;
	int self, r, back, pr;

	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		r = -errno;
		close(self);
		return r;
	}
	r = sock_open(&sk);
	pr = allow_ping();
	back = setns(self, CLONE_NEWNET) < 0 ? -errno : 0;
	close(self);
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
	r = link_configure(sk, "lo", 0, 0, 0);
	if (r == 0 && peer)
		r = link_configure(sk, peer, addr, prefix, gw);
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

int net_bridge_attach(const char *host, const char *bridge)
{
	struct nl_sock *sk;
	struct rtnl_link *br = NULL, *link = NULL;
	int r;

	r = sock_open(&sk);
	if (r < 0)
		return r;
	r = bridge_get(sk, bridge, &br);
	if (r == 0)
		r = link_get(sk, host, &link);
	if (r == 0)
		r = nlerr(rtnl_link_enslave(sk, br, link));
	if (r == 0)
		r = link_up(sk, link);
	if (link)
		rtnl_link_put(link);
	if (br)
		rtnl_link_put(br);
	nl_socket_free(sk);
	return r;
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
