/* nftrules.c — builds the nft scripts of a session's tables and parses
 * their counters (see nftrules.h for what the rules give). */
#include "nftrules.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "template.h"
#include "util.h"

const char *const nft_counter_names[NFT_C_COUNT] = {
	"fwd_out", "fwd_in", "fwd_drop", "masq", "input", "input_drop", "guard_drop", "egress_drop",
	"spoof_drop", "l2_egress_drop", "routed_drop",
};

void nft_table_name(uint32_t uid, char out[NFT_TABLE_NAME_MAX])
{
	snprintf(out, NFT_TABLE_NAME_MAX, NFT_TABLE_PREFIX "%" PRIu32, uid);
}

/* A script being built: appends until one does not fit, then remembers
 * -ENOSPC and appends nothing more. */
struct script {
	char *buf;
	size_t len, pos;
	int err;
};

static void put(struct script *s, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void put(struct script *s, const char *f, ...)
{
	va_list ap;
	int n;

	if (s->err)
		return;
	va_start(ap, f);
	n = vsnprintf(s->buf + s->pos, s->len - s->pos, f, ap);
	va_end(ap);
	if (n < 0)
		s->err = -EINVAL;
	else if ((size_t)n >= s->len - s->pos)
		s->err = -ENOSPC;
	else
		s->pos += (size_t)n;
}

static int done(struct script *s)
{
	if (s->err == -ENOSPC && s->len > 0)
		s->buf[0] = '\0';
	return s->err ? s->err : (int)s->pos;
}

static void put_delete(struct script *s, uint32_t uid)
{
	static const char *const families[] = { "inet", "bridge", "ip" };
	char t[NFT_TABLE_NAME_MAX];

	nft_table_name(uid, t);
	for (size_t i = 0; i < NS_ARRAY_SIZE(families); i++)
		put(s, "add table %s %s\ndelete table %s %s\n", families[i], t, families[i], t);
}

int nft_script_delete(uint32_t uid, char *buf, size_t len)
{
	struct script s = { buf, len, 0, 0 };

	put_delete(&s, uid);
	return done(&s);
}

int nft_script_list(uint32_t uid, bool bridge, char *buf, size_t len)
{
	struct script s = { buf, len, 0, 0 };
	char t[NFT_TABLE_NAME_MAX];

	nft_table_name(uid, t);
	put(&s, "list table %s %s\n", bridge ? "bridge" : "inet", t);
	return done(&s);
}

/* A unicast address of its family, full prefix, not 0, loopback,
 * broadcast, multicast, link-local (IPv6) or IPv4-mapped. */
static bool usable(const struct nsc_addr *a, int family)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->family != family)
		return false;
	if (family == AF_INET)
		return a->prefix == 32 && a->a[0] != 0 && a->a[0] != 127 && a->a[0] < 224;
	return a->prefix == 128 && memcmp(a->a, zero, 15) != 0 && a->a[0] != 0xff &&
	       !(a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80) && memcmp(a->a, mapped, 12) != 0;
}

/* A network of `family` with a prefix short of the full length. */
static bool is_net(const struct nsc_addr *a, int family)
{
	return a->family == family && a->prefix > 0 && a->prefix < (family == AF_INET ? 32 : 128);
}

static bool good_egress(const struct nsc_egress *e)
{
	unsigned max = e->dst.family == AF_INET ? 32 : 128;

	if ((e->dst.family != AF_INET && e->dst.family != AF_INET6) || e->dst.prefix > max)
		return false;
	if (e->proto != 0 && e->proto != IPPROTO_TCP && e->proto != IPPROTO_UDP &&
	    e->proto != IPPROTO_ICMP)
		return false;
	return e->port == 0 || e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP;
}

static int check(const struct nft_session *s)
{
	bool v6 = s->peer6.family != 0;

	if (!s->ifname || !valid_ifname(s->ifname) || !nsc_net_has_veth(s->mode))
		return -EINVAL;
	if (s->mode == NSC_NET_BRIDGE &&
	    (!s->bridge || !valid_ifname(s->bridge) || (s->mac[0] & 1) ||
	     !(s->mac[0] | s->mac[1] | s->mac[2] | s->mac[3] | s->mac[4] | s->mac[5])))
		return -EINVAL;
	if (!usable(&s->peer4, AF_INET) || !usable(&s->host4, AF_INET))
		return -EINVAL;
	if (s->mode == NSC_NET_BRIDGE &&
	    (!is_net(&s->net4, AF_INET) || (v6 && !is_net(&s->net6, AF_INET6))))
		return -EINVAL;
	if (v6 && (!usable(&s->peer6, AF_INET6) || !usable(&s->host6, AF_INET6)))
		return -EINVAL;
	if (!s->egress_any && s->n_egress > 0 && !s->egress)
		return -EINVAL;
	for (unsigned i = 0; !s->egress_any && i < s->n_egress; i++)
		if (!good_egress(&s->egress[i]))
			return -EINVAL;
	return 0;
}

/* Formatted addresses and names of one session, made once. */
struct names {
	char t[NFT_TABLE_NAME_MAX], p4[48], h4[48], p6[48], h6[48], mac[18];
	char ll[48];              /* the session's link-local address (EUI-64 of its MAC) */
	char net4[48], net6[48];  /* bridge: the bridge's subnets */
	char p6_hex[35], ll_hex[35]; /* the same two as 0x + 32 hex digits, for @th matches */
	bool v6;
};

/* The kernel's EUI-64 link-local address of `mac` (addr_gen_mode 0, which
 * netlink.c sets on the session's eth0). */
static void link_local(const uint8_t mac[6], struct nsc_addr *ll)
{
	memset(ll, 0, sizeof(*ll));
	ll->family = AF_INET6;
	ll->prefix = 128;
	ll->a[0] = 0xfe;
	ll->a[1] = 0x80;
	ll->a[8] = (uint8_t)(mac[0] ^ 0x02);
	ll->a[9] = mac[1];
	ll->a[10] = mac[2];
	ll->a[11] = 0xff;
	ll->a[12] = 0xfe;
	ll->a[13] = mac[3];
	ll->a[14] = mac[4];
	ll->a[15] = mac[5];
}

static void hex128(const uint8_t a[16], char out[35])
{
	out[0] = '0';
	out[1] = 'x';
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 + 2 * i, 3, "%02x", a[i]);
}

static void names_make(const struct nft_session *s, struct names *n)
{
	nft_table_name(s->uid, n->t);
	nsc_format_addr(&s->peer4, n->p4);
	nsc_format_addr(&s->host4, n->h4);
	n->v6 = s->peer6.family != 0;
	if (n->v6) {
		struct nsc_addr ll;
		nsc_format_addr(&s->peer6, n->p6);
		nsc_format_addr(&s->host6, n->h6);
		link_local(s->mac, &ll);
		nsc_format_addr(&ll, n->ll);
		hex128(s->peer6.a, n->p6_hex);
		hex128(ll.a, n->ll_hex);
	}
	if (s->mode == NSC_NET_BRIDGE) {
		nsc_format_addr(&s->net4, n->net4);
		if (n->v6)
			nsc_format_addr(&s->net6, n->net6);
	}
	snprintf(n->mac, sizeof(n->mac), "%02x:%02x:%02x:%02x:%02x:%02x", s->mac[0], s->mac[1],
		 s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
}

/* The match of one egress rule after "ip daddr"/"ip6 daddr", e.g.
 * "10.0.0.0/8 tcp dport 443". */
static void put_egress_match(struct script *s, const struct nsc_egress *e)
{
	char d[48];

	nsc_format_addr(&e->dst, d);
	put(s, " %s daddr %s", e->dst.family == AF_INET ? "ip" : "ip6", d);
	if (e->proto == IPPROTO_ICMP)
		put(s, " meta l4proto %s", e->dst.family == AF_INET ? "icmp" : "ipv6-icmp");
	else if (e->proto && e->port)
		put(s, " %s dport %u", e->proto == IPPROTO_TCP ? "tcp" : "udp", e->port);
	else if (e->proto)
		put(s, " meta l4proto %s", e->proto == IPPROTO_TCP ? "tcp" : "udp");
}

/* bridge table: "iifname V <rule> accept" for each egress rule (those of
 * IPv6 only with an IPv6 address: they could not match). */
static void put_egress_accepts(struct script *s, const struct nft_session *ns, const struct names *n)
{
	for (unsigned i = 0; i < ns->n_egress; i++) {
		if (ns->egress[i].dst.family == AF_INET6 && !n->v6)
			continue;
		put(s, "\t\tiifname \"%s\"", ns->ifname);
		put_egress_match(s, &ns->egress[i]);
		put(s, " accept\n");
	}
}

/* "… counter name fwd_out accept" lines for traffic out of the session
 * that `from` (e.g. `iifname "nsv1"`) selects, by the egress policy. Only
 * in the original direction of its own connections: a packet of another
 * connection's reply direction (an ICMP error forged about a flow of
 * another session behind the same masquerade, which conntrack would call
 * related and rewrite towards that session) is not the session's to send. */
static void put_egress(struct script *s, const struct nft_session *ns, const struct names *n,
		       const char *from)
{
	if (ns->egress_any) {
		put(s, "\t\t%s ct direction original ip saddr %s counter name \"fwd_out\" accept\n",
		    from, n->p4);
		if (n->v6)
			put(s, "\t\t%s ct direction original ip6 saddr %s counter name \"fwd_out\" accept\n",
			    from, n->p6);
		return;
	}
	for (unsigned i = 0; i < ns->n_egress; i++) {
		const struct nsc_egress *e = &ns->egress[i];
		bool four = e->dst.family == AF_INET;

		if (!four && !n->v6)
			continue; /* no IPv6 address: the rule cannot match */
		put(s, "\t\t%s ct direction original %s saddr %s", from, four ? "ip" : "ip6",
		    four ? n->p4 : n->p6);
		put_egress_match(s, e);
		put(s, " counter name \"fwd_out\" accept\n");
	}
	put(s, "\t\t%s ip saddr %s counter name \"egress_drop\" drop\n", from, n->p4);
	if (n->v6)
		put(s, "\t\t%s ip6 saddr %s counter name \"egress_drop\" drop\n", from, n->p6);
}

/* The head of a base chain `hook` (type filter, priority filter, but the
 * postrouting one: nat, srcnat), policy accept: our drops are final, our
 * accepts are not. */
static void put_chain(struct script *s, const char *hook)
{
	bool nat = strcmp(hook, "postrouting") == 0;

	put(s, "\tchain %s {\n\t\ttype %s hook %s priority %s; policy accept;\n", hook,
	    nat ? "nat" : "filter", hook, nat ? "srcnat" : "filter");
}

static void put_counters(struct script *s, int from, int to)
{
	for (int i = from; i < to; i++)
		put(s, "\tcounter %s { }\n", nft_counter_names[i]);
}

/* veth and nat: the host end's input and, for veth, forward. */
static void put_veth_input(struct script *s, const struct nft_session *ns, const struct names *n)
{
	const char *v = ns->ifname;

	put_chain(s, "input");
	put(s, "\t\tip daddr %s iifname != { \"lo\", \"%s\" } counter name \"guard_drop\" drop\n", n->h4, v);
	if (n->v6)
		put(s, "\t\tip6 daddr %s iifname != { \"lo\", \"%s\" } counter name \"guard_drop\" drop\n",
		    n->h6, v);
	/* No tunnel into the host: a decapsulated inner packet would come in
	 * on another interface with any source (IPIP, IPv6-in-IPv4, GRE,
	 * EtherIP, L2TP; VXLAN, flannel's VXLAN, Geneve). */
	put(s, "\t\tiifname \"%s\" meta l4proto { 4, 41, 47, 97, 115 } counter name \"input_drop\" drop\n", v);
	put(s, "\t\tiifname \"%s\" udp dport { 4789, 6081, 8472 } counter name \"input_drop\" drop\n", v);
	put(s, "\t\tiifname \"%s\" ip saddr %s ip daddr %s counter name \"input\" accept\n", v, n->p4, n->h4);
	if (n->v6) {
		put(s, "\t\tiifname \"%s\" ip6 saddr %s ip6 daddr %s counter name \"input\" accept\n",
		    v, n->p6, n->h6);
		put(s, "\t\tiifname \"%s\" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } "
		    "counter name \"input\" accept\n", v);
	}
	put(s, "\t\tiifname \"%s\" counter name \"input_drop\" drop\n\t}\n", v);
}

static void put_veth_forward(struct script *s, const struct nft_session *ns, const struct names *n)
{
	char from[40];
	const char *v = ns->ifname;

	put_chain(s, "forward");
	if (ns->mode == NSC_NET_NAT) {
		put(s, "\t\toifname \"%s\" ct state established,related counter name \"fwd_in\" accept\n", v);
		put(s, "\t\toifname \"%s\" counter name \"fwd_drop\" drop\n", v);
		snprintf(from, sizeof(from), "iifname \"%s\"", v);
		put_egress(s, ns, n, from);
	} else {
		put(s, "\t\toifname \"%s\" counter name \"fwd_drop\" drop\n", v);
	}
	put(s, "\t\tiifname \"%s\" counter name \"fwd_drop\" drop\n\t}\n", v);
	if (ns->mode != NSC_NET_NAT)
		return;
	put_chain(s, "postrouting");
	put(s, "\t\toifname != \"%s\" ip saddr %s counter name \"masq\" masquerade\n", v, n->p4);
	if (n->v6 && ns->nat6)
		put(s, "\t\toifname != \"%s\" ip6 saddr %s counter name \"masq\" masquerade\n", v, n->p6);
	put(s, "\t}\n");
}

/* Routed into a bridged session: replies only. A routed packet came in
 * from another interface, or from the bridge itself addressed to the
 * host's MAC (a hairpin through the gateway: another session on the same
 * bridge in another pool, a host of the segment); a bridged frame, which
 * br_netfilter may show here with the bridge as both interfaces, is
 * addressed to the session's own MAC and is the bridge table's business. */
static void put_bridge_routed_in(struct script *s, const char *br, const char *fam, const char *peer,
				 const char *mac)
{
	put(s, "\t\toifname \"%s\" %s daddr %s ct state established,related counter name \"fwd_in\" accept\n",
	    br, fam, peer);
	put(s, "\t\toifname \"%s\" %s daddr %s iifname != \"%s\" counter name \"fwd_drop\" drop\n",
	    br, fam, peer, br);
	put(s, "\t\toifname \"%s\" %s daddr %s ether daddr != %s counter name \"fwd_drop\" drop\n",
	    br, fam, peer, mac);
}

/* bridge: what comes up to the host from the session's MAC (the
 * bridge table keeps that MAC its own), and routed connections into it
 * (put_bridge_routed_in: where br_netfilter passes bridged frames through
 * the inet hooks, bridge-nf-call-iptables = 1 as Docker and Kubernetes
 * hosts have it, they arrive with iifname and oifname both the bridge and
 * are the bridge table's business). */
static void put_bridge_inet(struct script *s, const struct nft_session *ns, const struct names *n)
{
	const char *br = ns->bridge;

	put_chain(s, "input");
	put(s, "\t\tiifname \"%s\" ether saddr %s ip daddr != %s counter name \"input_drop\" drop\n",
	    br, n->mac, n->h4);
	if (n->v6)
		put(s, "\t\tiifname \"%s\" ether saddr %s ip6 daddr != { %s, fe80::/10, ff00::/8 } "
		    "counter name \"input_drop\" drop\n", br, n->mac, n->h6);
	put(s, "\t\tiifname \"%s\" ether saddr %s counter name \"input\" accept\n\t}\n", br, n->mac);

	put_chain(s, "forward");
	put_bridge_routed_in(s, br, "ip", n->p4, n->mac);
	if (n->v6)
		put_bridge_routed_in(s, br, "ip6", n->p6, n->mac);
	put(s, "\t}\n");
}

/* bridge table, input: frames from the session's port to the host (its
 * MAC): what the host would route for it. Back into the bridge's own
 * subnet through the gateway (to another session on the bridge, a
 * hairpin) never; elsewhere by the egress policy. */
static void put_bridge_routed(struct script *s, const struct nft_session *ns, const struct names *n)
{
	const char *v = ns->ifname;

	put_chain(s, "input");
	put(s, "\t\tiifname \"%s\" ip daddr %s ip daddr != %s counter name \"routed_drop\" drop\n",
	    v, n->net4, n->h4);
	if (n->v6)
		put(s, "\t\tiifname \"%s\" ip6 daddr %s ip6 daddr != %s counter name \"routed_drop\" drop\n",
		    v, n->net6, n->h6);
	if (!ns->egress_any) {
		put_egress_accepts(s, ns, n);
		put(s, "\t\tiifname \"%s\" ip daddr != %s counter name \"routed_drop\" drop\n", v, n->h4);
		if (n->v6)
			put(s, "\t\tiifname \"%s\" ip6 daddr != { %s, fe80::/10, ff00::/8 } "
			    "counter name \"routed_drop\" drop\n", v, n->h6);
	}
	put(s, "\t}\n");
}

static void put_bridge_table(struct script *s, const struct nft_session *ns, const struct names *n)
{
	const char *v = ns->ifname;

	put(s, "table bridge %s {\n", n->t);
	put_counters(s, NFT_C_INET_COUNT, NFT_C_COUNT);
	put_chain(s, "prerouting");
	put(s, "\t\tiifname \"%s\" ether saddr != %s counter name \"spoof_drop\" drop\n", v, n->mac);
	put(s, "\t\tiifname \"%s\" ether type != { ip, arp%s } counter name \"spoof_drop\" drop\n",
	    v, n->v6 ? ", ip6" : "");
	put(s, "\t\tiifname \"%s\" arp saddr ether != %s counter name \"spoof_drop\" drop\n", v, n->mac);
	put(s, "\t\tiifname \"%s\" arp saddr ip != %s counter name \"spoof_drop\" drop\n", v, n->p4);
	put(s, "\t\tiifname \"%s\" ip saddr != %s counter name \"spoof_drop\" drop\n", v, n->p4);
	if (n->v6) {
		put(s, "\t\tiifname \"%s\" ip6 saddr != { %s, %s, :: } counter name \"spoof_drop\" drop\n",
		    v, n->p6, n->ll);
		/* Neighbour advertisements for its own addresses only (nft
		 * 1.0.6 names no target field: the raw 16 bytes at offset 8 of
		 * the ICMPv6 header); never a router's or a redirect. */
		put(s, "\t\tiifname \"%s\" icmpv6 type nd-neighbor-advert @th,64,128 != %s "
		    "@th,64,128 != %s counter name \"spoof_drop\" drop\n", v, n->p6_hex, n->ll_hex);
		put(s, "\t\tiifname \"%s\" icmpv6 type { nd-router-advert, nd-redirect } "
		    "counter name \"spoof_drop\" drop\n", v);
		/* From ::, only duplicate address detection of its own
		 * addresses and the MLD reports that go with it. */
		put(s, "\t\tiifname \"%s\" ip6 saddr :: meta l4proto != ipv6-icmp counter name \"spoof_drop\" drop\n", v);
		put(s, "\t\tiifname \"%s\" ip6 saddr :: icmpv6 type != { nd-neighbor-solicit, "
		    "mld2-listener-report } counter name \"spoof_drop\" drop\n", v);
		put(s, "\t\tiifname \"%s\" ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 != %s "
		    "@th,64,128 != %s counter name \"spoof_drop\" drop\n", v, n->p6_hex, n->ll_hex);
	}
	/* Nor a DHCP or DHCPv6 server's answer. */
	put(s, "\t\tiifname \"%s\" meta l4proto udp th sport { 67, 547 } counter name \"spoof_drop\" drop\n", v);
	put(s, "\t}\n");
	put_bridge_routed(s, ns, n);
	if (!ns->egress_any) {
		put_chain(s, "forward");
		put(s, "\t\tiifname \"%s\" ether type arp accept\n", v);
		if (n->v6)
			put(s, "\t\tiifname \"%s\" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } "
			    "accept\n", v);
		put_egress_accepts(s, ns, n);
		put(s, "\t\tiifname \"%s\" counter name \"l2_egress_drop\" drop\n\t}\n", v);
	}
	put(s, "}\n");
}

int nft_script_create(const struct nft_session *ns, char *buf, size_t len)
{
	struct script s = { buf, len, 0, 0 };
	struct names n;
	int r = ns ? check(ns) : -EINVAL;

	if (r < 0)
		return r;
	names_make(ns, &n);
	put_delete(&s, ns->uid);
	put(&s, "table inet %s {\n", n.t);
	put_counters(&s, 0, NFT_C_INET_COUNT);
	if (ns->mode == NSC_NET_BRIDGE) {
		put_bridge_inet(&s, ns, &n);
		put(&s, "}\n");
		put_bridge_table(&s, ns, &n);
	} else {
		put_veth_input(&s, ns, &n);
		put_veth_forward(&s, ns, &n);
		put(&s, "}\n");
	}
	return done(&s);
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A decimal number up to the next space or end of line. */
static int read_u64(const char **s, uint64_t *out)
{
	char num[24];
	size_t n = strcspn(*s, " \t\n");

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, *s, n);
	num[n] = '\0';
	*s += n;
	return ns_parse_u64(num, out);
}

/* "packets N bytes M" at `s` (leading blanks skipped), up to end of line. */
static int parse_values(const char *s, struct nft_counter *c)
{
	static const char *const keys[2] = { "packets ", "bytes " };
	uint64_t *vals[2] = { &c->packets, &c->bytes };

	for (int i = 0; i < 2; i++) {
		size_t n = strlen(keys[i]);
		s = skip_space(s);
		if (strncmp(s, keys[i], n) != 0)
			return -EINVAL;
		s += n;
		if (read_u64(&s, vals[i]) < 0)
			return -EINVAL;
	}
	s = skip_space(s);
	return *s == '\n' || *s == '\0' ? 0 : -EINVAL;
}

int nft_counters_parse(const char *text, struct nft_counters *out)
{
	const char *line = text;

	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	while (*line) {
		const char *next = strchr(line, '\n');
		const char *s = skip_space(line);

		next = next ? next + 1 : line + strlen(line);
		if (strncmp(s, "counter ", 8) == 0) {
			s += 8;
			for (int id = 0; id < NFT_C_COUNT; id++) {
				size_t n = strlen(nft_counter_names[id]);
				if (strncmp(s, nft_counter_names[id], n) != 0 ||
				    strncmp(skip_space(s + n), "{", 1) != 0)
					continue;
				if (out->found & (1u << id) || !*next ||
				    parse_values(next, &out->c[id]) < 0)
					return -EINVAL;
				const char *nl = strchr(next, '\n');
				out->found |= 1u << id;
				next = nl ? nl + 1 : next + strlen(next);
				break;
			}
		}
		line = next;
	}
	return out->found ? 0 : -ENOENT;
}
