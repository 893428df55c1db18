/* nsconf.c — parser and policy resolver for /etc/nsession.conf.
 * See nsconf.h for the contract and nsession.conf(5) for the grammar.
 *
 * Layout: the parsed file is an array of sections. Section 0 is always
 * [defaults] (explicit, or implied by settings before the first header).
 * Every section keeps the values it set plus a bit per key it set; the
 * resolver starts from the built-in defaults and copies the set keys of
 * each matching section in order. */
#include "nsconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "template.h"
#include "util.h"

const char *const nsc_ns_names[NSC_NS_COUNT] = {
	"user", "mnt", "pid", "ipc", "uts", "net", "cgroup",
};

const char *const nsc_netmode_names[NSC_NET_MODES] = { "none", "veth", "bridge", "nat" };

int nsc_netmode_parse(const char *s, enum nsc_netmode *out)
{
	for (int i = 0; i < NSC_NET_MODES; i++) {
		if (strcmp(s, nsc_netmode_names[i]) == 0) {
			*out = (enum nsc_netmode)i;
			return 0;
		}
	}
	return -EINVAL;
}

enum sec_kind { SEC_DEFAULTS, SEC_USER, SEC_GROUP };

static const char *const kind_names[] = { "defaults", "user", "group" };

enum key {
	K_EXEMPT,
	K_NAMESPACES,
	K_IDENTITY,
	K_HOSTNAME,
	K_NETWORK,
	K_ADDRESS_POOL,
	K_VETH_NAME,
	K_PRIVATE_TMP,
	K_SUBIDS,
	K_NO_NEW_PRIVS,
	K_LINGER,
	K_BRIDGE,
	K_PIDS_MAX,
	K_MEMORY_MAX,
	K_CPU_WEIGHT,
	K_CPU_MAX,
	K_IO_WEIGHT,
	K_TMP_SIZE,
	K_TMP_INODES,
	K_ADDRESS_POOL6,
	K_IPV6_NAT,
	K_EGRESS,
	K_DNS,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	[K_EXEMPT] = "exempt",
	[K_NAMESPACES] = "namespaces",
	[K_IDENTITY] = "identity",
	[K_HOSTNAME] = "hostname",
	[K_NETWORK] = "network",
	[K_ADDRESS_POOL] = "address_pool",
	[K_VETH_NAME] = "veth_name",
	[K_PRIVATE_TMP] = "private_tmp",
	[K_SUBIDS] = "subids",
	[K_NO_NEW_PRIVS] = "no_new_privs",
	[K_LINGER] = "linger",
	[K_BRIDGE] = "bridge",
	[K_PIDS_MAX] = "pids_max",
	[K_MEMORY_MAX] = "memory_max",
	[K_CPU_WEIGHT] = "cpu_weight",
	[K_CPU_MAX] = "cpu_max",
	[K_IO_WEIGHT] = "io_weight",
	[K_TMP_SIZE] = "tmp_size",
	[K_TMP_INODES] = "tmp_inodes",
	[K_ADDRESS_POOL6] = "address_pool6",
	[K_IPV6_NAT] = "ipv6_nat",
	[K_EGRESS] = "egress",
	[K_DNS] = "dns",
};

#define LINGER_MAX 86400u
#define DEFAULT_POOL_NET 0x0afa0000u /* 10.250.0.0 */
#define DEFAULT_POOL_PREFIX 16u
#define DEFAULT_TMP_SIZE "25%"
#define DEFAULT_TMP_INODES 262144u
#define POOL6_PREFIX_MIN 64u  /* address_pool6: at least a /64 ... */
#define POOL6_PREFIX_MAX 124u /* ... and at most /124 (four /126 blocks) */

struct section {
	enum sec_kind kind;
	char name[NSC_NAME_MAX + 1]; /* "" for [defaults] */
	unsigned line;               /* where it was opened; 0: [defaults] not yet */
	unsigned set;                /* bit (1u << key) for every key given */
	struct nsc_policy val;       /* the values of the keys in `set` */
};
_Static_assert(K_COUNT <= 32, "section.set holds one bit per key");

struct nsc_config {
	struct section *sec; /* sec[0] is [defaults] */
	size_t n, cap;
};

struct parser {
	const char *fname;
	unsigned lineno;
	struct nsc_config *cfg;
	size_t cur; /* index of the section settings go to */
	char *err;
	size_t errlen;
};

/* ---- messages ---------------------------------------------------------- */

/* Format into err and make it one line of printable ASCII: text echoed from
 * the file or from the caller can never forge a second line or a terminal
 * escape. */
static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	err[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

/* Text from the file is shown at most this long in messages; an address,
 * network or egress rule at most SHOW_ADDR_MAX (the longest IPv6 network
 * with a protocol and port is shown whole). */
#define SHOW_MAX 40
#define SHOW_ADDR_MAX 56

/* Copy s into buf (max + 4 bytes), cut with "..." when longer than max. */
static const char *clip_to(char *buf, size_t max, const char *s)
{
	size_t n = strlen(s);

	if (n <= max) {
		memcpy(buf, s, n + 1);
	} else {
		memcpy(buf, s, max);
		memcpy(buf + max, "...", 4);
	}
	return buf;
}

static const char *clip(char buf[SHOW_MAX + 4], const char *s)
{
	return clip_to(buf, SHOW_MAX, s);
}

static const char *clip_addr(char buf[SHOW_ADDR_MAX + 4], const char *s)
{
	return clip_to(buf, SHOW_ADDR_MAX, s);
}

/* "FILE:LINE: problem"; always returns -EINVAL. */
static int fail(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(struct parser *ps, const char *fmt, ...)
{
	char msg[NSC_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errf(ps->err, ps->errlen, "%s:%u: %s", ps->fname, ps->lineno, msg);
	return -EINVAL;
}

static int bad_value(struct parser *ps, enum key k, const char *val,
		     const char *expected)
{
	char q[SHOW_MAX + 4];

	return fail(ps, "bad value '%s' for '%s' (expected %s)", clip(q, val),
		    key_names[k], expected);
}

/* ---- small helpers ----------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim blanks at both ends, in place. */
static char *trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int ns_index(const char *s)
{
	for (int i = 0; i < NSC_NS_COUNT; i++)
		if (strcmp(s, nsc_ns_names[i]) == 0)
			return i;
	return -1;
}

static void section_label(const struct section *sec, char *buf, size_t len)
{
	if (sec->kind == SEC_DEFAULTS)
		snprintf(buf, len, "[defaults]");
	else
		snprintf(buf, len, "[%s %s]", kind_names[sec->kind], sec->name);
}

void nsc_policy_defaults(struct nsc_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->exempt = false;
	p->namespaces = NSC_NS_ALL;
	p->identity = NSC_ID_SELF;
	snprintf(p->hostname, sizeof(p->hostname), "%s", "%u-%h");
	p->network = NSC_NET_NONE;
	p->pool_net = DEFAULT_POOL_NET;
	p->pool_prefix = DEFAULT_POOL_PREFIX;
	snprintf(p->veth_name, sizeof(p->veth_name), "%s", "nsv%U");
	p->private_tmp = true;
	snprintf(p->tmp_size, sizeof(p->tmp_size), "%s", DEFAULT_TMP_SIZE);
	p->tmp_inodes = DEFAULT_TMP_INODES;
	p->subids = true;
	p->no_new_privs = true;
	p->linger = 0;
	p->pool6.family = 0; /* no IPv6 pool */
	p->nat6 = true;
	p->egress_any = true;
	p->dns = NSC_DNS_AUTO;
}

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

static int parse_bool(struct parser *ps, enum key k, const char *val, bool *out)
{
	if (strcmp(val, "yes") == 0)
		*out = true;
	else if (strcmp(val, "no") == 0)
		*out = false;
	else
		return bad_value(ps, k, val, "yes or no");
	return 0;
}

/* Space- and/or comma-separated; modifies val. */
static int parse_namespaces(struct parser *ps, char *val, unsigned *out)
{
	char q[SHOW_MAX + 4];
	unsigned mask = 0;
	char *save = NULL;

	for (char *tok = strtok_r(val, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		int i = ns_index(tok);
		if (i < 0)
			return fail(ps, "unknown namespace '%s' in 'namespaces' "
				    "(expected user, mnt, pid, ipc, uts, net, cgroup)",
				    clip(q, tok));
		if (mask & (1u << i))
			return fail(ps, "duplicate namespace '%s' in 'namespaces'",
				    nsc_ns_names[i]);
		mask |= 1u << i;
	}
	if (mask == 0)
		return fail(ps, "empty list for 'namespaces'");
	*out = mask;
	return 0;
}

/* A template must pass template_check, fit, and give a valid name for the
 * shortest possible values of %u %U %h (a template that fails with those
 * fails for every user). */
static int parse_template(struct parser *ps, enum key k, const char *val,
			  char out[NSC_TEMPLATE_MAX], bool (*valid)(const char *),
			  const char *what)
{
	char q[SHOW_MAX + 4];
	char sample[NSC_TEMPLATE_MAX];
	size_t n = strlen(val);

	if (n >= NSC_TEMPLATE_MAX)
		return fail(ps, "value for '%s' too long (max %d characters)",
			    key_names[k], NSC_TEMPLATE_MAX - 1);
	if (template_check(val) < 0)
		return fail(ps, "bad template '%s' for '%s' (only %%u %%U %%h %%%% "
			    "are allowed after '%%')", clip(q, val), key_names[k]);
	if (template_expand(val, "u", 0, "h", sample, sizeof(sample)) < 0 ||
	    !valid(sample))
		return fail(ps, "bad value '%s' for '%s' (cannot give a valid %s)",
			    clip(q, val), key_names[k], what);
	memcpy(out, val, n + 1);
	return 0;
}

static int parse_pool(struct parser *ps, const char *val, struct nsc_policy *p)
{
	char q[SHOW_MAX + 4];

	switch (cidr_parse(val, &p->pool_net, &p->pool_prefix)) {
	case CIDR_OK:
		return 0;
	case CIDR_PREFIX:
		return fail(ps, "address_pool: prefix out of range (8..30) in %s",
			    clip(q, val));
	case CIDR_HOSTBITS:
		return fail(ps, "address_pool: host bits set in %s", clip(q, val));
	case CIDR_SYNTAX:
	default:
		return bad_value(ps, K_ADDRESS_POOL, val, "A.B.C.D/N");
	}
}

/* address_pool6 = PREFIX/N | none: an IPv6 unicast network, N in
 * POOL6_PREFIX_MIN..POOL6_PREFIX_MAX, host bits zero. Never ::/64 (the
 * loopback, unspecified and IPv4-mapped addresses), link-local fe80::/10
 * or multicast ff00::/8. */
static int parse_pool6(struct parser *ps, const char *val, struct nsc_policy *p)
{
	char q[SHOW_ADDR_MAX + 4], net[48];
	struct nsc_addr a;
	enum addr_result res;
	static const uint8_t zero[8];

	if (strcmp(val, "none") == 0) {
		memset(&p->pool6, 0, sizeof(p->pool6));
		return 0;
	}
	clip_addr(q, val);
	res = addr_parse(val, &a);
	if (res != ADDR_OK && res != ADDR_HOSTBITS)
		return fail(ps, "address_pool6: \"%s\": not an IPv6 network (expected "
			    "PREFIX/N or none)", q);
	if (a.family != AF_INET6)
		return fail(ps, "address_pool6: \"%s\": not IPv6 (the IPv4 pool is "
			    "address_pool)", q);
	if (!strchr(val, '/') || a.prefix < POOL6_PREFIX_MIN || a.prefix > POOL6_PREFIX_MAX)
		return fail(ps, "address_pool6: \"%s\": prefix length must be %u..%u", q,
			    POOL6_PREFIX_MIN, POOL6_PREFIX_MAX);
	if (res == ADDR_HOSTBITS) {
		nsc_format_addr(&a, net);
		return fail(ps, "address_pool6: \"%s\": host bits set (the network is %s)", q,
			    net);
	}
	if (a.a[0] == 0xff || (a.a[0] == 0xfe && (a.a[1] & 0xc0) == 0x80) ||
	    memcmp(a.a, zero, sizeof(zero)) == 0)
		return fail(ps, "address_pool6: \"%s\": not a unicast prefix (multicast, "
			    "link-local or ::/64; use a ULA in fd00::/8 or a routed prefix)", q);
	p->pool6 = a;
	return 0;
}

/* Split `val` at commas into at most `max` items, each trimmed, none
 * empty; `what` names an item in messages ("rule", "server"). Returns the
 * count, or -EINVAL with the message given. */
static int split_list(struct parser *ps, enum key k, char *val, char **items,
		      unsigned max, const char *what)
{
	unsigned n = 0;

	for (char *item = val;;) {
		char *comma = strchr(item, ',');

		if (comma)
			*comma = '\0';
		item = trim(item);
		if (*item == '\0')
			return fail(ps, "%s: empty %s (a stray comma?)", key_names[k], what);
		if (n == max)
			return fail(ps, "%s: more than %u %ss", key_names[k], max, what);
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

	clip_addr(q, rule);
	memset(e, 0, sizeof(*e));
	dst = strtok_r(rule, " \t", &save);
	proto = strtok_r(NULL, " \t", &save);
	port = proto ? strtok_r(NULL, " \t", &save) : NULL;
	extra = port ? strtok_r(NULL, " \t", &save) : NULL;
	if (strcmp(dst, "any") == 0 || strcmp(dst, "none") == 0)
		return fail(ps, "egress: \"%s\": any and none stand alone, never in a list of "
			    "rules", q);
	switch (addr_parse(dst, &e->dst)) {
	case ADDR_OK:
		break;
	case ADDR_HOSTBITS:
		nsc_format_addr(&e->dst, net);
		return fail(ps, "egress: \"%s\": host bits set (the network is %s)", q, net);
	case ADDR_PREFIX:
	case ADDR_SYNTAX:
	default:
		return fail(ps, "egress: \"%s\": not an address or network", clip_addr(t, dst));
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
			return fail(ps, "egress: \"%s\": icmp takes no port", q);
		return 0;
	} else if (strspn(proto, "0123456789") == strlen(proto)) {
		return fail(ps, "egress: \"%s\": a port needs tcp or udp before it", q);
	} else {
		return fail(ps, "egress: \"%s\": unknown protocol \"%s\" (expected tcp, udp "
			    "or icmp)", q, clip_addr(t, proto));
	}
	if (!port)
		return 0;
	if (ns_parse_u32(port, &u) < 0 || u == 0 || u > 65535)
		return fail(ps, "egress: \"%s\": bad port \"%s\" (expected 1..65535)", q,
			    clip_addr(t, port));
	if (extra)
		return fail(ps, "egress: \"%s\": unexpected \"%s\" after the port", q,
			    clip_addr(t, extra));
	e->port = (uint16_t)u;
	return 0;
}

/* egress = any | none | RULE[, RULE...] (at most NSC_EGRESS_MAX). */
static int parse_egress(struct parser *ps, char *val, struct nsc_policy *p)
{
	struct nsc_egress rules[NSC_EGRESS_MAX];
	char *items[NSC_EGRESS_MAX];
	int n;

	memset(rules, 0, sizeof(rules));
	if (strcmp(val, "any") == 0 || strcmp(val, "none") == 0) {
		n = 0;
	} else {
		n = split_list(ps, K_EGRESS, val, items, NSC_EGRESS_MAX, "rule");
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
static int parse_dns(struct parser *ps, char *val, struct nsc_policy *p)
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
	n = split_list(ps, K_DNS, val, items, NSC_DNS_MAX, "server");
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		static const uint8_t zero[16];

		clip_addr(q, items[i]);
		for (int w = 0; w < (int)(sizeof(words) / sizeof(words[0])); w++)
			if (strcmp(items[i], words[w]) == 0)
				return fail(ps, "dns: \"%s\": auto, host and none stand alone, "
					    "never in a list of servers", q);
		if (strchr(items[i], '/') || addr_parse(items[i], &servers[i]) != ADDR_OK)
			return fail(ps, "dns: \"%s\": not an IP address", q);
		if (memcmp(servers[i].a, zero, sizeof(zero)) == 0)
			return fail(ps, "dns: \"%s\": the unspecified address is no server", q);
		for (int j = 0; j < i; j++)
			if (memcmp(&servers[j], &servers[i], sizeof(servers[i])) == 0)
				return fail(ps, "dns: \"%s\": given twice", q);
	}
	p->dns = NSC_DNS_LIST;
	p->n_dns = (unsigned)n;
	memcpy(p->dns_servers, servers, sizeof(p->dns_servers));
	return 0;
}

/* "max" (0), or decimal bytes with an optional K/M/G/T (binary) suffix, at
 * least NSC_MEMORY_MIN, without overflow. */
static int parse_size(const char *val, uint64_t *out)
{
	static const char units[] = "KMGT";
	const char *u;
	uint64_t v = 0, mul = 1;
	size_t n = 0;

	if (strcmp(val, "max") == 0) {
		*out = 0;
		return 0;
	}
	while (val[n] >= '0' && val[n] <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(val[n] - '0');
		n++;
	}
	if (n == 0 || (n > 1 && val[0] == '0'))
		return -EINVAL;
	if (val[n] != '\0') {
		u = strchr(units, val[n]);
		if (!u || val[n + 1] != '\0')
			return -EINVAL;
		for (const char *x = units; x <= u; x++)
			mul *= 1024;
	}
	if (v > UINT64_MAX / mul || v * mul < NSC_MEMORY_MIN)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

/* A limit: `word` (0, not set), or a decimal 1..max directly followed by
 * `unit` ("" or "%"). */
static int parse_limit(struct parser *ps, enum key k, char *val, const char *word,
		       const char *unit, uint32_t max, const char *expected, uint32_t *out)
{
	size_t n = strlen(val), un = strlen(unit);
	uint32_t u = 0;
	int r = -EINVAL;

	if (strcmp(val, word) == 0) {
		*out = 0;
		return 0;
	}
	if (n > un && strcmp(val + n - un, unit) == 0) {
		char c = val[n - un];
		val[n - un] = '\0';
		r = ns_parse_u32(val, &u);
		val[n - un] = c;
	}
	if (r < 0 || u == 0 || u > max)
		return bad_value(ps, k, val, expected);
	*out = u;
	return 0;
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The first `len` characters of `val`: a decimal number (ns_parse_u64's
 * rules) directly followed by at most one letter of `units` in either case,
 * the first of them 1024, the next 1024 * 1024, ... (tmpfs's memparse()),
 * and 1..max after scaling. The scaled value goes to *out. */
static int parse_scaled(const char *val, size_t len, const char *units, uint64_t max,
			uint64_t *out)
{
	char digits[24];
	const char *u;
	unsigned shift = 0;
	size_t n = 0;
	uint64_t v;

	while (n < len && val[n] >= '0' && val[n] <= '9')
		n++;
	if (n == 0 || n >= sizeof(digits))
		return -EINVAL;
	if (n < len) {
		u = strchr(units, ascii_lower(val[n]));
		if (n + 1 != len || !u)
			return -EINVAL;
		shift = 10 * (unsigned)(u - units + 1);
	}
	memcpy(digits, val, n);
	digits[n] = '\0';
	if (ns_parse_u64(digits, &v) < 0 || v == 0 || v > (max >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* tmp_size: what tmpfs's size= takes, 1%..100% of RAM or 1..NSC_TMP_SIZE_MAX
 * bytes with an optional k/m/g suffix; kept as written with the suffix in
 * lower case. */
static int parse_tmp_size(struct parser *ps, const char *val, struct nsc_policy *p)
{
	size_t n = strlen(val);
	uint64_t v;
	int r;

	if (n > 1 && val[n - 1] == '%')
		r = parse_scaled(val, n - 1, "", 100, &v);
	else
		r = parse_scaled(val, n, "kmg", NSC_TMP_SIZE_MAX, &v);
	if (r < 0 || n >= sizeof(p->tmp_size))
		return bad_value(ps, K_TMP_SIZE, val, "1%..100%, or bytes with an optional "
				 "k, m or g suffix, at most 262144g");
	for (size_t i = 0; i <= n; i++)
		p->tmp_size[i] = ascii_lower(val[i]);
	return 0;
}

static int parse_value(struct parser *ps, enum key k, char *val,
		       struct nsc_policy *p)
{
	uint32_t u;
	uint64_t v;

	switch (k) {
	case K_EXEMPT:
		return parse_bool(ps, k, val, &p->exempt);
	case K_NAMESPACES:
		return parse_namespaces(ps, val, &p->namespaces);
	case K_IDENTITY:
		if (strcmp(val, "self") == 0)
			p->identity = NSC_ID_SELF;
		else if (strcmp(val, "root") == 0)
			p->identity = NSC_ID_ROOT;
		else
			return bad_value(ps, k, val, "self or root");
		return 0;
	case K_HOSTNAME:
		return parse_template(ps, k, val, p->hostname, valid_hostname,
				      "host name");
	case K_NETWORK:
		if (nsc_netmode_parse(val, &p->network) < 0)
			return bad_value(ps, k, val, "none, veth, bridge or nat");
		return 0;
	case K_BRIDGE:
		if (strlen(val) >= sizeof(p->bridge) || !valid_ifname(val))
			return bad_value(ps, k, val, "an interface name");
		memcpy(p->bridge, val, strlen(val) + 1);
		return 0;
	case K_PIDS_MAX:
		return parse_limit(ps, k, val, "max", "", NSC_PIDS_MAX_LIMIT, "1..4194304 or max",
				   &p->pids_max);
	case K_MEMORY_MAX:
		if (parse_size(val, &p->memory_max) < 0)
			return bad_value(ps, k, val, "bytes >= 1M with an optional K, M, G "
					 "or T suffix, or max");
		return 0;
	case K_CPU_WEIGHT:
		return parse_limit(ps, k, val, "default", "", NSC_CPU_WEIGHT_MAX,
				   "1..10000 or default", &p->cpu_weight);
	case K_CPU_MAX:
		return parse_limit(ps, k, val, "max", "%", NSC_CPU_MAX_PERCENT,
				   "1%..100000% or max", &p->cpu_max);
	case K_IO_WEIGHT:
		return parse_limit(ps, k, val, "default", "", NSC_IO_WEIGHT_MAX,
				   "1..10000 or default", &p->io_weight);
	case K_TMP_SIZE:
		return parse_tmp_size(ps, val, p);
	case K_TMP_INODES:
		if (parse_scaled(val, strlen(val), "km", NSC_TMP_INODES_MAX, &v) < 0)
			return bad_value(ps, k, val, "1..16m with an optional k or m suffix");
		p->tmp_inodes = (uint32_t)v;
		return 0;
	case K_ADDRESS_POOL:
		return parse_pool(ps, val, p);
	case K_ADDRESS_POOL6:
		return parse_pool6(ps, val, p);
	case K_IPV6_NAT:
		return parse_bool(ps, k, val, &p->nat6);
	case K_EGRESS:
		return parse_egress(ps, val, p);
	case K_DNS:
		return parse_dns(ps, val, p);
	case K_VETH_NAME:
		return parse_template(ps, k, val, p->veth_name, valid_ifname,
				      "interface name");
	case K_PRIVATE_TMP:
		return parse_bool(ps, k, val, &p->private_tmp);
	case K_SUBIDS:
		return parse_bool(ps, k, val, &p->subids);
	case K_NO_NEW_PRIVS:
		return parse_bool(ps, k, val, &p->no_new_privs);
	case K_LINGER:
		if (ns_parse_u32(val, &u) < 0 || u > LINGER_MAX)
			return bad_value(ps, k, val, "seconds, 0..86400");
		p->linger = u;
		return 0;
	case K_COUNT:
	default:
		break;
	}
	return -EINVAL; /* not reached: k comes from key_names */
}

/* Copy the value of key k from src to dst. */
static void copy_key(enum key k, struct nsc_policy *dst, const struct nsc_policy *src)
{
	switch (k) {
	case K_EXEMPT:
		dst->exempt = src->exempt;
		break;
	case K_NAMESPACES:
		dst->namespaces = src->namespaces;
		break;
	case K_IDENTITY:
		dst->identity = src->identity;
		break;
	case K_HOSTNAME:
		memcpy(dst->hostname, src->hostname, sizeof(dst->hostname));
		break;
	case K_NETWORK:
		dst->network = src->network;
		break;
	case K_ADDRESS_POOL:
		dst->pool_net = src->pool_net;
		dst->pool_prefix = src->pool_prefix;
		break;
	case K_VETH_NAME:
		memcpy(dst->veth_name, src->veth_name, sizeof(dst->veth_name));
		break;
	case K_PRIVATE_TMP:
		dst->private_tmp = src->private_tmp;
		break;
	case K_SUBIDS:
		dst->subids = src->subids;
		break;
	case K_NO_NEW_PRIVS:
		dst->no_new_privs = src->no_new_privs;
		break;
	case K_LINGER:
		dst->linger = src->linger;
		break;
	case K_BRIDGE:
		memcpy(dst->bridge, src->bridge, sizeof(dst->bridge));
		break;
	case K_PIDS_MAX:
		dst->pids_max = src->pids_max;
		break;
	case K_MEMORY_MAX:
		dst->memory_max = src->memory_max;
		break;
	case K_CPU_WEIGHT:
		dst->cpu_weight = src->cpu_weight;
		break;
	case K_CPU_MAX:
		dst->cpu_max = src->cpu_max;
		break;
	case K_IO_WEIGHT:
		dst->io_weight = src->io_weight;
		break;
	case K_TMP_SIZE:
		memcpy(dst->tmp_size, src->tmp_size, sizeof(dst->tmp_size));
		break;
	case K_TMP_INODES:
		dst->tmp_inodes = src->tmp_inodes;
		break;
	case K_ADDRESS_POOL6:
		dst->pool6 = src->pool6;
		break;
	case K_IPV6_NAT:
		dst->nat6 = src->nat6;
		break;
	case K_EGRESS:
		dst->egress_any = src->egress_any;
		dst->n_egress = src->n_egress;
		memcpy(dst->egress, src->egress, sizeof(dst->egress));
		break;
	case K_DNS:
		dst->dns = src->dns;
		dst->n_dns = src->n_dns;
		memcpy(dst->dns_servers, src->dns_servers, sizeof(dst->dns_servers));
		break;
	case K_COUNT:
	default:
		break;
	}
}

static void apply_section(struct nsc_policy *p, const struct section *sec)
{
	for (int k = 0; k < K_COUNT; k++)
		if (sec->set & (1u << k))
			copy_key((enum key)k, p, &sec->val);
}

/* ---- lines ------------------------------------------------------------- */

static int add_section(struct nsc_config *cfg, enum sec_kind kind,
		       const char *name, unsigned line)
{
	struct section *sec;

	if (cfg->n == cfg->cap) {
		size_t ncap = cfg->cap ? cfg->cap * 2 : 8;
		struct section *ns = realloc(cfg->sec, ncap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		cfg->sec = ns;
		cfg->cap = ncap;
	}
	sec = &cfg->sec[cfg->n];
	memset(sec, 0, sizeof(*sec));
	sec->kind = kind;
	snprintf(sec->name, sizeof(sec->name), "%s", name);
	sec->line = line;
	nsc_policy_defaults(&sec->val);
	cfg->n++;
	return 0;
}

/* s: trimmed, starts with '['. */
static int parse_header(struct parser *ps, char *s)
{
	char q[SHOW_MAX + 4];
	struct nsc_config *cfg = ps->cfg;
	char *close = strchr(s, ']');
	char *kind, *name;
	enum sec_kind k;
	int r;

	if (!close)
		return fail(ps, "unterminated section header (missing ']')");
	if (close[1] != '\0')
		return fail(ps, "unexpected text after ']' in section header");
	*close = '\0';
	kind = trim(s + 1);
	name = kind + strcspn(kind, " \t");
	if (*name != '\0')
		*name++ = '\0';
	name = trim(name);

	if (strcmp(kind, "defaults") == 0)
		k = SEC_DEFAULTS;
	else if (strcmp(kind, "user") == 0)
		k = SEC_USER;
	else if (strcmp(kind, "group") == 0)
		k = SEC_GROUP;
	else if (*kind == '\0')
		return fail(ps, "empty section header");
	else
		return fail(ps, "unknown section [%s] (expected defaults, user or group)",
			    clip(q, kind));

	if (k == SEC_DEFAULTS) {
		if (*name != '\0')
			return fail(ps, "[defaults] takes no name");
		if (cfg->sec[0].line != 0)
			return fail(ps, "duplicate section [defaults] (first at line %u)",
				    cfg->sec[0].line);
		cfg->sec[0].line = ps->lineno;
		ps->cur = 0;
		return 0;
	}

	if (*name == '\0')
		return fail(ps, "missing name in [%s]", kind_names[k]);
	if (!ns_valid_username(name))
		return fail(ps, "bad %s name '%s' in section header", kind_names[k],
			    clip(q, name));
	for (size_t i = 1; i < cfg->n; i++)
		if (cfg->sec[i].kind == k && strcmp(cfg->sec[i].name, name) == 0)
			return fail(ps, "duplicate section [%s %s] (first at line %u)",
				    kind_names[k], name, cfg->sec[i].line);
	if (cfg->n >= NSC_SECTIONS_MAX)
		return fail(ps, "too many sections (max %d)", NSC_SECTIONS_MAX);
	r = add_section(cfg, k, name, ps->lineno);
	if (r < 0)
		return r; /* -ENOMEM, reported by nsc_parse_buffer */
	ps->cur = cfg->n - 1;
	return 0;
}

/* s: trimmed, not empty, not a header. */
static int parse_setting(struct parser *ps, char *s)
{
	char q[SHOW_MAX + 4];
	char label[NSC_NAME_MAX + 16];
	struct section *sec = &ps->cfg->sec[ps->cur];
	char *eq = strchr(s, '=');
	char *key, *val;
	int k, r;

	if (!eq)
		return fail(ps, "expected 'key = value' or a [section] header, got '%s'",
			    clip(q, s));
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (*key == '\0')
		return fail(ps, "missing key before '='");
	for (k = 0; k < K_COUNT; k++)
		if (strcmp(key, key_names[k]) == 0)
			break;
	if (k == K_COUNT)
		return fail(ps, "unknown key '%s'", clip(q, key));
	if (*val == '\0')
		return fail(ps, "empty value for '%s'", key_names[k]);
	if (sec->set & (1u << k)) {
		section_label(sec, label, sizeof(label));
		return fail(ps, "duplicate key '%s' in %s", key_names[k], label);
	}
	r = parse_value(ps, (enum key)k, val, &sec->val);
	if (r < 0)
		return r;
	sec->set |= 1u << k;
	if (ps->cur == 0 && sec->line == 0)
		sec->line = ps->lineno; /* [defaults] opened by a setting */
	return 0;
}

/* line: one line without its '\n', n bytes, not NUL-terminated. */
static int check_line(struct parser *ps, const char *line, size_t n)
{
	if (n > NSC_LINE_MAX)
		return fail(ps, "line too long (max %d)", NSC_LINE_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c == '\0')
			return fail(ps, "NUL byte in line");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(ps, "control character 0x%02x in line", c);
	}
	return 0;
}

static int parse_line(struct parser *ps, char *line)
{
	char *s;

	line[strcspn(line, "#")] = '\0';
	s = trim(line);
	if (*s == '\0')
		return 0;
	if (*s == '[')
		return parse_header(ps, s);
	return parse_setting(ps, s);
}

int nsc_parse_buffer(const char *buf, size_t len, const char *fname,
		     struct nsc_config **out, char *err, size_t errlen)
{
	struct parser ps;
	char line[NSC_LINE_MAX + 1];
	size_t pos = 0;
	int r;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!fname)
		fname = "(config)";
	if (!buf && len != 0)
		return -EINVAL;
	if (len > NSC_FILE_MAX) {
		errf(err, errlen, "%s: file too large (max %d bytes)", fname,
		     NSC_FILE_MAX);
		return -EFBIG;
	}
	memset(&ps, 0, sizeof(ps));
	ps.fname = fname;
	ps.err = err;
	ps.errlen = errlen;
	ps.cfg = calloc(1, sizeof(*ps.cfg));
	if (!ps.cfg)
		return -ENOMEM;
	r = add_section(ps.cfg, SEC_DEFAULTS, "", 0);
	while (r == 0 && pos < len) {
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;

		pos += n + (nl ? 1 : 0);
		ps.lineno++;
		r = check_line(&ps, start, n);
		if (r < 0)
			break;
		memcpy(line, start, n);
		line[n] = '\0';
		r = parse_line(&ps, line);
	}
	if (r < 0) {
		if (r == -ENOMEM)
			errf(err, errlen, "%s: out of memory", fname);
		nsc_free(ps.cfg);
		return r;
	}
	*out = ps.cfg;
	return 0;
}

bool nsc_has_group_sections(const struct nsc_config *cfg)
{
	for (size_t i = 1; cfg && i < cfg->n; i++)
		if (cfg->sec[i].kind == SEC_GROUP)
			return true;
	return false;
}

void nsc_free(struct nsc_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->sec);
	free(cfg);
}

/* ---- files ------------------------------------------------------------- */

int nsc_check_stat(const struct stat *st, uid_t owner, const char *fname,
		   char *err, size_t errlen)
{
	if (!fname)
		fname = "(config)";
	if (S_ISLNK(st->st_mode))
		errf(err, errlen, "%s: is a symbolic link (refused)", fname);
	else if (!S_ISREG(st->st_mode))
		errf(err, errlen, "%s: not a regular file", fname);
	else if (st->st_uid != owner && owner == 0)
		errf(err, errlen, "%s: not owned by root", fname);
	else if (st->st_uid != owner)
		errf(err, errlen, "%s: not owned by uid %u", fname, (unsigned)owner);
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		errf(err, errlen, "%s: is group- or world-writable", fname);
	else
		return 0;
	return -EPERM;
}

int nsc_load_file(const char *path, struct nsc_config **out, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, r;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP)
			errf(err, errlen, "%s: is a symbolic link (refused)", path);
		else
			errf(err, errlen, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		errf(err, errlen, "%s: cannot stat: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	r = nsc_check_stat(&st, 0, path, err, errlen);
	if (r == 0) {
		r = ns_read_all(fd, NSC_FILE_MAX, &buf, &len);
		if (r == -EFBIG)
			errf(err, errlen, "%s: file too large (max %d bytes)", path,
			     NSC_FILE_MAX);
		else if (r < 0)
			errf(err, errlen, "%s: cannot read: %s", path, strerror(-r));
	}
	close(fd);
	if (r < 0)
		return r;
	r = nsc_parse_buffer(buf, len, path, out, err, errlen);
	free(buf);
	return r;
}

/* ---- resolution -------------------------------------------------------- */

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] && strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* Expand the template `tpl` of key `key` for this user into `out`
 * (sized for the longest valid name, so too long is -ENAMETOOLONG) and
 * check the result with `valid`. */
static int expand_name(const char *tpl, const char *key, const char *what,
		       bool (*valid)(const char *), const char *user, uid_t uid,
		       const char *host, char *out, size_t outlen, char *err, size_t errlen)
{
	int r = template_expand(tpl, user, (uint32_t)uid, host, out, outlen);

	if (r == -ENAMETOOLONG) {
		errf(err, errlen, "policy for %s: %s '%s' gives a name longer than %zu "
		     "characters", user, key, tpl, outlen - 1);
		return -EINVAL;
	}
	if (r < 0) {
		errf(err, errlen, "policy for %s: %s '%s' cannot be expanded (no host "
		     "name?)", user, key, tpl);
		return -EINVAL;
	}
	if (!valid(out)) {
		errf(err, errlen, "policy for %s: %s '%s' gives '%s', not a valid %s", user,
		     key, tpl, out, what);
		return -EINVAL;
	}
	return 0;
}

/* Checks the merged policy and fills in the expanded names. */
static int check_coherent(struct nsc_policy *p, const char *user,
			  uid_t uid, const char *host, char *err, size_t errlen)
{
	unsigned ns = p->namespaces;
	int r;

	if (p->identity == NSC_ID_ROOT && !(ns & NSC_NS_USER)) {
		errf(err, errlen, "policy for %s: identity root needs the user namespace",
		     user);
		return -EINVAL;
	}
	if (nsc_net_has_veth(p->network) && !(ns & NSC_NS_NET)) {
		errf(err, errlen, "policy for %s: network %s needs the net namespace",
		     user, nsc_netmode_names[p->network]);
		return -EINVAL;
	}
	if (p->network == NSC_NET_BRIDGE && p->bridge[0] == '\0') {
		errf(err, errlen, "policy for %s: network bridge needs 'bridge = NAME'", user);
		return -EINVAL;
	}
	if (p->private_tmp && !(ns & NSC_NS_MNT)) {
		errf(err, errlen, "policy for %s: private_tmp needs the mnt namespace",
		     user);
		return -EINVAL;
	}
	if ((ns & NSC_NS_PID) && !(ns & NSC_NS_MNT)) {
		errf(err, errlen, "policy for %s: the pid namespace needs the mnt "
		     "namespace (a fresh /proc is mounted)", user);
		return -EINVAL;
	}
	if ((ns & NSC_NS_UTS) &&
	    (r = expand_name(p->hostname, "hostname", "host name", valid_hostname, user, uid,
			     host, p->host_name, sizeof(p->host_name), err, errlen)) < 0)
		return r;
	if (nsc_net_has_veth(p->network) &&
	    (r = expand_name(p->veth_name, "veth_name", "interface name", valid_ifname, user,
			     uid, host, p->veth_host, sizeof(p->veth_host), err, errlen)) < 0)
		return r;
	return 0;
}

int nsc_resolve_host(const struct nsc_config *cfg, const char *user, uid_t uid,
		     const char *const *groups, size_t ngroups, const char *host,
		     struct nsc_policy *out, char *err, size_t errlen)
{
	char q[SHOW_MAX + 4];

	if (!cfg || !user || !out || (ngroups > 0 && !groups)) {
		errf(err, errlen, "policy: invalid arguments");
		return -EINVAL;
	}
	nsc_policy_defaults(out);
	if (uid == 0) {
		out->exempt = true;
		return 0;
	}
	if (!ns_valid_username(user)) {
		errf(err, errlen, "policy for '%s': bad user name", clip(q, user));
		return -EINVAL;
	}
	apply_section(out, &cfg->sec[0]);
	for (size_t i = 1; i < cfg->n; i++)
		if (cfg->sec[i].kind == SEC_GROUP &&
		    in_list(cfg->sec[i].name, groups, ngroups))
			apply_section(out, &cfg->sec[i]);
	for (size_t i = 1; i < cfg->n; i++)
		if (cfg->sec[i].kind == SEC_USER && strcmp(cfg->sec[i].name, user) == 0)
			apply_section(out, &cfg->sec[i]);
	if (out->exempt)
		return 0;
	return check_coherent(out, user, uid, host, err, errlen);
}

int nsc_resolve(const struct nsc_config *cfg, const char *user, uid_t uid,
		const char *const *groups, size_t ngroups,
		struct nsc_policy *out, char *err, size_t errlen)
{
	char host[256];
	const char *h = host;

	/* A failure leaves host NULL: only a template using %h fails then. */
	if (gethostname(host, sizeof(host) - 1) < 0)
		h = NULL;
	host[sizeof(host) - 1] = '\0';
	return nsc_resolve_host(cfg, user, uid, groups, ngroups, h, out, err, errlen);
}
