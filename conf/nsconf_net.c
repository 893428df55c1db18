/* nsconf_net.c — addresses in nsession.conf: IPv4 networks (address_pool),
 * IPv4 and IPv6 addresses and networks (struct nsc_addr), and the values of
 * the keys made of them: address_pool, address_pool6, egress and dns (the
 * KT_SPECIAL parsers of the key table in nsconf_keys.c). Pure. */
#include "nsconf_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

#define POOL6_PREFIX_MIN 64u  /* address_pool6: at least a /64 ... */
#define POOL6_PREFIX_MAX 124u /* ... and at most /124 (four /126 blocks) */

/* ---- addresses --------------------------------------------------------- */

enum cidr_result { CIDR_OK, CIDR_SYNTAX, CIDR_PREFIX, CIDR_HOSTBITS };

/* 1..3 decimal digits, no leading zero, value <= max; advances *sp. */
static bool take_dec(const char **sp, unsigned max, unsigned *out)
{
	const char *s = *sp;
	unsigned v = 0;
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9') {
		if (n == 3)
			return false;
		v = v * 10 + (unsigned)(s[n] - '0');
		n++;
	}
	if (n == 0 || (n > 1 && s[0] == '0') || v > max)
		return false;
	*sp = s + n;
	*out = v;
	return true;
}

/* A strict dotted quad; advances *sp to the character after it. */
static bool take_quad(const char **sp, uint32_t *out)
{
	uint32_t a = 0;
	unsigned v;

	for (int i = 0; i < 4; i++) {
		if (i > 0) {
			if (**sp != '.')
				return false;
			(*sp)++;
		}
		if (!take_dec(sp, 255, &v))
			return false;
		a = (a << 8) | v;
	}
	*out = a;
	return true;
}

int nsc_parse_ipv4(const char *s, uint32_t *addr)
{
	uint32_t a;

	if (!s || !addr || !take_quad(&s, &a) || *s != '\0')
		return -EINVAL;
	*addr = a;
	return 0;
}

static enum cidr_result cidr_parse(const char *s, uint32_t *net, unsigned *prefix)
{
	uint32_t a;
	unsigned v;

	if (!take_quad(&s, &a) || *s++ != '/')
		return CIDR_SYNTAX;
	if (!take_dec(&s, 255, &v) || *s != '\0')
		return CIDR_SYNTAX;
	if (v < 8 || v > 30)
		return CIDR_PREFIX;
	if (a & (UINT32_MAX >> v))
		return CIDR_HOSTBITS;
	*net = a;
	*prefix = v;
	return CIDR_OK;
}

int nsc_parse_cidr(const char *s, uint32_t *net, unsigned *prefix)
{
	if (!s || !net || !prefix)
		return -EINVAL;
	return cidr_parse(s, net, prefix) == CIDR_OK ? 0 : -EINVAL;
}

void nsc_format_ipv4(uint32_t addr, char out[16])
{
	snprintf(out, 16, "%u.%u.%u.%u", (unsigned)(addr >> 24) & 0xffu,
		 (unsigned)(addr >> 16) & 0xffu, (unsigned)(addr >> 8) & 0xffu,
		 (unsigned)addr & 0xffu);
}

/* IPv4 and IPv6 addresses and networks (struct nsc_addr), with inet_pton:
 * the text forms it takes, a decimal /N without leading zeros. */

enum addr_result { ADDR_OK, ADDR_SYNTAX, ADDR_PREFIX, ADDR_HOSTBITS };

static unsigned addr_bits(const struct nsc_addr *a)
{
	return a->family == AF_INET6 ? 128 : 32;
}

/* Clear the bits of `a` past its prefix; true if any was set. */
static bool clear_host_bits(struct nsc_addr *a)
{
	bool had = false;

	for (unsigned i = 0; i < sizeof(a->a); i++) {
		int net = (int)a->prefix - 8 * (int)i; /* network bits in byte i, if > 0 */
		uint8_t mask = (uint8_t)(0xff00u >> (net <= 0 ? 0 : net >= 8 ? 8 : net));

		if (a->a[i] & ~mask)
			had = true;
		a->a[i] &= mask;
	}
	return had;
}

/* On ADDR_HOSTBITS *out is filled in with the host bits cleared (the
 * network meant, for the message); on other errors it is untouched. */
static enum addr_result addr_parse(const char *s, struct nsc_addr *out)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct nsc_addr a;
	unsigned v;

	memset(&a, 0, sizeof(a));
	if (n == 0 || n >= sizeof(buf))
		return ADDR_SYNTAX;
	memcpy(buf, s, n);
	buf[n] = '\0';
	a.family = memchr(buf, ':', n) ? AF_INET6 : AF_INET;
	if (inet_pton(a.family, buf, a.a) != 1)
		return ADDR_SYNTAX;
	v = addr_bits(&a);
	if (slash) {
		const char *p = slash + 1;

		if (!take_dec(&p, 255, &v) || *p != '\0')
			return ADDR_SYNTAX;
		if (v > addr_bits(&a))
			return ADDR_PREFIX;
	}
	a.prefix = (uint8_t)v;
	*out = a;
	return clear_host_bits(out) ? ADDR_HOSTBITS : ADDR_OK;
}

int nsc_parse_addr(const char *s, struct nsc_addr *out)
{
	struct nsc_addr a;

	if (!s || !out || addr_parse(s, &a) != ADDR_OK)
		return -EINVAL;
	*out = a;
	return 0;
}

void nsc_format_addr(const struct nsc_addr *a, char out[48])
{
	char buf[INET6_ADDRSTRLEN];

	if (a->family != AF_INET && a->family != AF_INET6) {
		snprintf(out, 48, "%s", a->family == 0 ? "none" : "?");
		return;
	}
	if (!inet_ntop(a->family, a->a, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "?");
	if (a->prefix == addr_bits(a))
		snprintf(out, 48, "%s", buf);
	else
		snprintf(out, 48, "%.43s/%u", buf, (unsigned)a->prefix); /* ntop: <= 39 */
}

/* ---- values ------------------------------------------------------------ */

/* address_pool = A.B.C.D/N, N in 8..30, host bits zero. */
int nsc_parse_pool(struct parser *ps, const struct nsc_key *k, char *val, struct nsc_policy *p)
{
	char q[SHOW_MAX + 4];

	switch (cidr_parse(val, &p->pool_net, &p->pool_prefix)) {
	case CIDR_OK:
		return 0;
	case CIDR_PREFIX:
		return nsc_fail(ps, "address_pool: prefix out of range (8..30) in %s",
				nsc_clip(q, val));
	case CIDR_HOSTBITS:
		return nsc_fail(ps, "address_pool: host bits set in %s", nsc_clip(q, val));
	case CIDR_SYNTAX:
	default:
		return nsc_bad_value(ps, k, val);
	}
}

/* address_pool6 = PREFIX/N | none: an IPv6 unicast network, N in
 * POOL6_PREFIX_MIN..POOL6_PREFIX_MAX, host bits zero. Never ::/64 (the
 * loopback, unspecified and IPv4-mapped addresses), link-local fe80::/10
 * or multicast ff00::/8. */
int nsc_parse_pool6(struct parser *ps, const struct nsc_key *k, char *val, struct nsc_policy *p)
{
	char q[SHOW_ADDR_MAX + 4], net[48];
	struct nsc_addr a;
	enum addr_result res;
	static const uint8_t zero[8];

	if (strcmp(val, "none") == 0) {
		memset(&p->pool6, 0, sizeof(p->pool6));
		return 0;
	}
	nsc_clip_addr(q, val);
	res = addr_parse(val, &a);
	if (res != ADDR_OK && res != ADDR_HOSTBITS)
		return nsc_fail(ps, "address_pool6: \"%s\": not an IPv6 network (expected "
				"PREFIX/N or none)", q);
	if (a.family != AF_INET6)
		return nsc_fail(ps, "address_pool6: \"%s\": not IPv6 (the IPv4 pool is "
				"address_pool)", q);
	if (!strchr(val, '/') || a.prefix < POOL6_PREFIX_MIN || a.prefix > POOL6_PREFIX_MAX)
		return nsc_fail(ps, "address_pool6: \"%s\": prefix length must be %u..%u", q,
				POOL6_PREFIX_MIN, POOL6_PREFIX_MAX);
	if (res == ADDR_HOSTBITS) {
		nsc_format_addr(&a, net);
		return nsc_fail(ps, "address_pool6: \"%s\": host bits set (the network is %s)", q,
				net);
	}
	if (a.a[0] == 0xff || (a.a[0] == 0xfe && (a.a[1] & 0xc0) == 0x80) ||
	    memcmp(a.a, zero, sizeof(zero)) == 0)
		return nsc_fail(ps, "address_pool6: \"%s\": not a unicast prefix (multicast, "
				"link-local or ::/64; use a ULA in fd00::/8 or a routed "
				"prefix)", q);
	p->pool6 = a;
	return 0;
}

/* Split `val` at commas into at most `max` items, each trimmed, none
 * empty; `what` names an item in messages ("rule", "server"). Returns the
 * count, or -EINVAL with the message given. */
static int split_list(struct parser *ps, const struct nsc_key *k, char *val, char **items,
		      unsigned max, const char *what)
{
	unsigned n = 0;

	for (char *item = val;;) {
		char *comma = strchr(item, ',');

		if (comma)
			*comma = '\0';
		item = nsc_trim(item);
		if (*item == '\0')
			return nsc_fail(ps, "%s: empty %s (a stray comma?)", k->name, what);
		if (n == max)
			return nsc_fail(ps, "%s: more than %u %ss", k->name, max, what);
		items[n++] = item;
		if (!comma)
			break;
		item = comma + 1;
	}
	return (int)n;
}

/* One egress rule: DEST[/N] [tcp [PORT] | udp [PORT] | icmp]. */
static int parse_rule(struct parser *ps, char *rule, struct nsc_egress *e)
{
	char q[SHOW_ADDR_MAX + 4], t[SHOW_ADDR_MAX + 4], net[48];
	char *save = NULL, *dst, *proto, *port, *extra;
	uint32_t u;

	nsc_clip_addr(q, rule);
	memset(e, 0, sizeof(*e));
	dst = strtok_r(rule, " \t", &save);
	proto = strtok_r(NULL, " \t", &save);
	port = proto ? strtok_r(NULL, " \t", &save) : NULL;
	extra = port ? strtok_r(NULL, " \t", &save) : NULL;
	if (strcmp(dst, "any") == 0 || strcmp(dst, "none") == 0)
		return nsc_fail(ps, "egress: \"%s\": any and none stand alone, never in a list of "
				"rules", q);
	switch (addr_parse(dst, &e->dst)) {
	case ADDR_OK:
		break;
	case ADDR_HOSTBITS:
		nsc_format_addr(&e->dst, net);
		return nsc_fail(ps, "egress: \"%s\": host bits set (the network is %s)", q, net);
	case ADDR_PREFIX:
	case ADDR_SYNTAX:
	default:
		return nsc_fail(ps, "egress: \"%s\": not an address or network",
				nsc_clip_addr(t, dst));
	}
	if (!proto)
		return 0;
	if (strcmp(proto, "tcp") == 0) {
		e->proto = IPPROTO_TCP;
	} else if (strcmp(proto, "udp") == 0) {
		e->proto = IPPROTO_UDP;
	} else if (strcmp(proto, "icmp") == 0) {
		e->proto = IPPROTO_ICMP;
		if (port)
			return nsc_fail(ps, "egress: \"%s\": icmp takes no port", q);
		return 0;
	} else if (strspn(proto, "0123456789") == strlen(proto)) {
		return nsc_fail(ps, "egress: \"%s\": a port needs tcp or udp before it", q);
	} else {
		return nsc_fail(ps, "egress: \"%s\": unknown protocol \"%s\" (expected tcp, udp "
				"or icmp)", q, nsc_clip_addr(t, proto));
	}
	if (!port)
		return 0;
	if (ns_parse_u32(port, &u) < 0 || u == 0 || u > 65535)
		return nsc_fail(ps, "egress: \"%s\": bad port \"%s\" (expected 1..65535)", q,
				nsc_clip_addr(t, port));
	if (extra)
		return nsc_fail(ps, "egress: \"%s\": unexpected \"%s\" after the port", q,
				nsc_clip_addr(t, extra));
	e->port = (uint16_t)u;
	return 0;
}

/* egress = any | none | RULE[, RULE...] (at most NSC_EGRESS_MAX). */
int nsc_parse_egress(struct parser *ps, const struct nsc_key *k, char *val, struct nsc_policy *p)
{
	struct nsc_egress rules[NSC_EGRESS_MAX];
	char *items[NSC_EGRESS_MAX];
	int n;

	memset(rules, 0, sizeof(rules));
	if (strcmp(val, "any") == 0 || strcmp(val, "none") == 0) {
		n = 0;
	} else {
		n = split_list(ps, k, val, items, NSC_EGRESS_MAX, "rule");
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			int r = parse_rule(ps, items[i], &rules[i]);
			if (r < 0)
				return r;
		}
	}
	p->egress_any = strcmp(val, "any") == 0;
	p->n_egress = (unsigned)n;
	memcpy(p->egress, rules, sizeof(p->egress));
	return 0;
}

/* dns = auto | host | none | ADDR[, ADDR[, ADDR]]: addresses alone (no /N),
 * not the unspecified address, each once. */
int nsc_parse_dns(struct parser *ps, const struct nsc_key *k, char *val, struct nsc_policy *p)
{
	static const char *const words[] = { [NSC_DNS_AUTO] = "auto", [NSC_DNS_HOST] = "host",
					     [NSC_DNS_NONE] = "none" };
	struct nsc_addr servers[NSC_DNS_MAX];
	char *items[NSC_DNS_MAX];
	char q[SHOW_ADDR_MAX + 4];
	int n;

	for (int i = 0; i < (int)(sizeof(words) / sizeof(words[0])); i++) {
		if (strcmp(val, words[i]) == 0) {
			p->dns = (enum nsc_dns)i;
			p->n_dns = 0;
			memset(p->dns_servers, 0, sizeof(p->dns_servers));
			return 0;
		}
	}
	memset(servers, 0, sizeof(servers));
	n = split_list(ps, k, val, items, NSC_DNS_MAX, "server");
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		static const uint8_t zero[16];

		nsc_clip_addr(q, items[i]);
		for (int w = 0; w < (int)(sizeof(words) / sizeof(words[0])); w++)
			if (strcmp(items[i], words[w]) == 0)
				return nsc_fail(ps, "dns: \"%s\": auto, host and none stand alone, "
						"never in a list of servers", q);
		if (strchr(items[i], '/') || addr_parse(items[i], &servers[i]) != ADDR_OK)
			return nsc_fail(ps, "dns: \"%s\": not an IP address", q);
		if (memcmp(servers[i].a, zero, sizeof(zero)) == 0)
			return nsc_fail(ps, "dns: \"%s\": the unspecified address is no server", q);
		for (int j = 0; j < i; j++)
			if (memcmp(&servers[j], &servers[i], sizeof(servers[i])) == 0)
				return nsc_fail(ps, "dns: \"%s\": given twice", q);
	}
	p->dns = NSC_DNS_LIST;
	p->n_dns = (unsigned)n;
	memcpy(p->dns_servers, servers, sizeof(p->dns_servers));
	return 0;
}

