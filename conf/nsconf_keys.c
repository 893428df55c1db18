/* nsconf_keys.c — the keys of nsession.conf: the one table that says, for
 * every key, its name, the type of its value, the bytes of struct
 * nsc_policy it sets, its bounds and what a message says it expects; the
 * parsers of the generic types; the built-in defaults.
 *
 * A key is added here only (and in nsession.conf(5), the example config
 * and fuzz/config.dict, which tests/unit/test_conf_keys.c checks). */
#include "nskind.h"
#include "nsconf_priv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "template.h"
#include "util.h"

#define LINGER_MAX 86400u
#define DEFAULT_POOL_NET 0x0afa0000u /* 10.250.0.0 */
#define DEFAULT_POOL_PREFIX 16u
#define DEFAULT_TMP_SIZE "25%"
#define DEFAULT_TMP_INODES 262144u

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

static const char *const yes_no[] = { "no", "yes" };          /* false, true */
static const char *const identities[] = { "self", "root" };   /* enum nsc_identity */

static nsc_parse_fn parse_namespaces, parse_tmp_size;

#define NWORDS(w) (unsigned)(sizeof(w) / sizeof((w)[0]))
#define FIELD_OF(f) (((struct nsc_policy *)0)->f)
/* The bytes of one field, or of the fields first..last (adjacent). */
#define FIELD(f) offsetof(struct nsc_policy, f), sizeof(FIELD_OF(f))
#define FIELDS(first, last) offsetof(struct nsc_policy, first), \
	offsetof(struct nsc_policy, last) + sizeof(FIELD_OF(last)) - offsetof(struct nsc_policy, first)
/* A number or word stored by store_scalar(): the field must be a bool,
 * uint32_t (unsigned, and an enum, which gcc and clang make unsigned int)
 * or uint64_t, or this does not compile. */
#define SCALAR(f) offsetof(struct nsc_policy, f), \
	_Generic(FIELD_OF(f), bool: sizeof(bool), uint32_t: sizeof(uint32_t), uint64_t: sizeof(uint64_t))

/* yes or no into a bool. */
#define BOOL_KEY(n, f) { n, KT_ENUM, SCALAR(f), .words = yes_no, .nwords = 2, .expected = "yes or no" }

/* In the order of nsession.conf(5). */
const struct nsc_key nsc_keys[] = {
	BOOL_KEY("exempt", exempt),
	{ "namespaces", KT_SPECIAL, FIELD(namespaces), .parse = parse_namespaces },
	{ "identity", KT_ENUM, SCALAR(identity), .words = identities, .nwords = NWORDS(identities),
	  .expected = "self or root" },
	{ "hostname", KT_TEMPLATE, FIELD(hostname), .valid = valid_hostname, .what = "host name" },
	{ "network", KT_ENUM, SCALAR(network), .words = nsc_netmode_names, .nwords = NSC_NET_MODES,
	  .expected = "none, veth, bridge or nat" },
	{ "bridge", KT_NAME, FIELD(bridge), .valid = valid_ifname, .expected = "an interface name" },
	{ "address_pool", KT_SPECIAL, FIELDS(pool_net, pool_prefix), .parse = nsc_parse_pool,
	  .expected = "A.B.C.D/N" },
	{ "address_pool6", KT_SPECIAL, FIELD(pool6), .parse = nsc_parse_pool6 },
	BOOL_KEY("ipv6_nat", nat6),
	{ "egress", KT_SPECIAL, FIELDS(egress_any, egress), .parse = nsc_parse_egress },
	{ "dns", KT_SPECIAL, FIELDS(dns, dns_servers), .parse = nsc_parse_dns },
	{ "veth_name", KT_TEMPLATE, FIELD(veth_name), .valid = valid_ifname,
	  .what = "interface name" },
	BOOL_KEY("private_tmp", private_tmp),
	{ "tmp_size", KT_SPECIAL, FIELD(tmp_size), .parse = parse_tmp_size,
	  .expected = "1%..100%, or bytes with an optional k, m or g suffix, at most 262144g" },
	{ "tmp_inodes", KT_SCALED, SCALAR(tmp_inodes), .max = NSC_TMP_INODES_MAX, .unit = "km",
	  .expected = "1..16m with an optional k or m suffix" },
	BOOL_KEY("subids", subids),
	BOOL_KEY("no_new_privs", no_new_privs),
	{ "linger", KT_U32, SCALAR(linger), .min = 0, .max = LINGER_MAX,
	  .expected = "seconds, 0..86400" },
	{ "pids_max", KT_U32, SCALAR(pids_max), .min = 1, .max = NSC_PIDS_MAX_LIMIT, .word = "max",
	  .expected = "1..4194304 or max" },
	{ "memory_max", KT_SIZE, SCALAR(memory_max), .min = NSC_MEMORY_MIN, .max = UINT64_MAX,
	  .word = "max", .unit = "KMGT",
	  .expected = "bytes >= 1M with an optional K, M, G or T suffix, or max" },
	{ "cpu_weight", KT_U32, SCALAR(cpu_weight), .min = 1, .max = NSC_CPU_WEIGHT_MAX,
	  .word = "default", .expected = "1..10000 or default" },
	{ "cpu_max", KT_U32, SCALAR(cpu_max), .min = 1, .max = NSC_CPU_MAX_PERCENT, .word = "max",
	  .unit = "%", .expected = "1%..100000% or max" },
	{ "io_weight", KT_U32, SCALAR(io_weight), .min = 1, .max = NSC_IO_WEIGHT_MAX,
	  .word = "default", .expected = "1..10000 or default" },
};
const size_t nsc_nkeys = sizeof(nsc_keys) / sizeof(nsc_keys[0]);
_Static_assert(sizeof(nsc_keys) / sizeof(nsc_keys[0]) <= NSC_KEYS_MAX, "too many keys");

const char *nsc_key_name(size_t i)
{
	return i < nsc_nkeys ? nsc_keys[i].name : NULL;
}

int nsc_key_index(const char *name)
{
	for (size_t i = 0; i < nsc_nkeys; i++)
		if (strcmp(name, nsc_keys[i].name) == 0)
			return (int)i;
	return -1;
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

int nsc_bad_value(struct parser *ps, const struct nsc_key *k, const char *val)
{
	char q[SHOW_MAX + 4];

	return nsc_fail(ps, "bad value '%s' for '%s' (expected %s)", nsc_clip(q, val), k->name,
			k->expected);
}

/* ---- the generic types --------------------------------------------------- */

static void *field(struct nsc_policy *p, const struct nsc_key *k)
{
	return (char *)p + k->off;
}

/* v into the field of a SCALAR() key (bool, 32 or 64 bits by its size). */
static void store_scalar(struct nsc_policy *p, const struct nsc_key *k, uint64_t v)
{
	uint64_t v64 = v;
	uint32_t v32 = (uint32_t)v;
	bool b = v != 0;

	if (k->size == sizeof(v64))
		memcpy(field(p, k), &v64, sizeof(v64));
	else if (k->size == sizeof(v32))
		memcpy(field(p, k), &v32, sizeof(v32));
	else
		memcpy(field(p, k), &b, sizeof(b));
}

/* KT_ENUM: exactly one of the words. */
static int parse_enum(struct parser *ps, const struct nsc_key *k, char *val,
		      struct nsc_policy *p)
{
	for (unsigned i = 0; i < k->nwords; i++) {
		if (strcmp(val, k->words[i]) == 0) {
			store_scalar(p, k, i);
			return 0;
		}
	}
	return nsc_bad_value(ps, k, val);
}

/* KT_U32: `word` (0, not set), or a decimal min..max (ns_parse_u32's
 * rules) directly followed by `unit`, if any ("%"). */
static int parse_u32(struct parser *ps, const struct nsc_key *k, char *val,
		     struct nsc_policy *p)
{
	const char *unit = k->unit ? k->unit : "";
	size_t n = strlen(val), un = strlen(unit);
	uint32_t u = 0;
	int r = -EINVAL;

	if (k->word && strcmp(val, k->word) == 0) {
		store_scalar(p, k, 0);
		return 0;
	}
	if (n > un && strcmp(val + n - un, unit) == 0) {
		char c = val[n - un];
		val[n - un] = '\0';
		r = ns_parse_u32(val, &u);
		val[n - un] = c;
	}
	if (r < 0 || u < k->min || u > k->max)
		return nsc_bad_value(ps, k, val);
	store_scalar(p, k, u);
	return 0;
}

/* KT_SIZE (memory_max): `word` (0), or decimal bytes without a leading
 * zero, with an optional suffix of `unit` (the first 1024, the next
 * 1024 * 1024, ...), at least min, without overflow. */
static int parse_size(struct parser *ps, const struct nsc_key *k, char *val,
		      struct nsc_policy *p)
{
	const char *u;
	uint64_t v = 0, mul = 1;
	size_t n = 0;

	if (k->word && strcmp(val, k->word) == 0) {
		store_scalar(p, k, 0);
		return 0;
	}
	while (val[n] >= '0' && val[n] <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return nsc_bad_value(ps, k, val);
		v = v * 10 + (uint64_t)(val[n] - '0');
		n++;
	}
	if (n == 0 || (n > 1 && val[0] == '0'))
		return nsc_bad_value(ps, k, val);
	if (val[n] != '\0') {
		u = strchr(k->unit, val[n]);
		if (!u || val[n + 1] != '\0')
			return nsc_bad_value(ps, k, val);
		for (const char *x = k->unit; x <= u; x++)
			mul *= 1024;
	}
	if (v > k->max / mul || v * mul < k->min)
		return nsc_bad_value(ps, k, val);
	store_scalar(p, k, v * mul);
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
static int scaled(const char *val, size_t len, const char *units, uint64_t max, uint64_t *out)
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

/* KT_SCALED (tmp_inodes). */
static int parse_scaled(struct parser *ps, const struct nsc_key *k, char *val,
			struct nsc_policy *p)
{
	uint64_t v;

	if (scaled(val, strlen(val), k->unit, k->max, &v) < 0)
		return nsc_bad_value(ps, k, val);
	store_scalar(p, k, v);
	return 0;
}

/* KT_TEMPLATE: must pass template_check, fit, and give a valid name for
 * the shortest possible values of %u %U %h (a template that fails with
 * those fails for every user). */
static int parse_template(struct parser *ps, const struct nsc_key *k, char *val,
			  struct nsc_policy *p)
{
	char q[SHOW_MAX + 4];
	char sample[NSC_TEMPLATE_MAX];
	size_t n = strlen(val);

	if (n >= k->size)
		return nsc_fail(ps, "value for '%s' too long (max %zu characters)", k->name,
				k->size - 1);
	if (template_check(val) < 0)
		return nsc_fail(ps, "bad template '%s' for '%s' (only %%u %%U %%h %%%% "
				"are allowed after '%%')", nsc_clip(q, val), k->name);
	if (template_expand(val, "u", 0, "h", sample, sizeof(sample)) < 0 ||
	    !k->valid(sample))
		return nsc_fail(ps, "bad value '%s' for '%s' (cannot give a valid %s)",
				nsc_clip(q, val), k->name, k->what);
	memcpy(field(p, k), val, n + 1);
	return 0;
}

/* KT_NAME (bridge): a name valid() takes that fits the field. */
static int parse_name(struct parser *ps, const struct nsc_key *k, char *val,
		      struct nsc_policy *p)
{
	size_t n = strlen(val);

	if (n >= k->size || !k->valid(val))
		return nsc_bad_value(ps, k, val);
	memcpy(field(p, k), val, n + 1);
	return 0;
}

static nsc_parse_fn *const type_parsers[] = {
	[KT_ENUM] = parse_enum,
	[KT_U32] = parse_u32,
	[KT_SIZE] = parse_size,
	[KT_SCALED] = parse_scaled,
	[KT_TEMPLATE] = parse_template,
	[KT_NAME] = parse_name,
};

int nsc_parse_value(struct parser *ps, const struct nsc_key *k, char *val,
		    struct nsc_policy *p)
{
	if (k->type == KT_SPECIAL)
		return k->parse(ps, k, val, p);
	return type_parsers[k->type](ps, k, val, p);
}

/* ---- the special values -------------------------------------------------- */

/* namespaces: space- and/or comma-separated, each once; modifies val. */
static int parse_namespaces(struct parser *ps, const struct nsc_key *k, char *val,
			    struct nsc_policy *p)
{
	char q[SHOW_MAX + 4];
	unsigned mask = 0;
	char *save = NULL;

	for (char *tok = strtok_r(val, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		int i = nsk_by_name(tok);
		if (i < 0)
			return nsc_fail(ps, "unknown namespace '%s' in 'namespaces' "
					"(expected user, mnt, pid, ipc, uts, net, cgroup)",
					nsc_clip(q, tok));
		if (mask & (1u << i))
			return nsc_fail(ps, "duplicate namespace '%s' in 'namespaces'",
					nskinds[i].name);
		mask |= 1u << i;
	}
	if (mask == 0)
		return nsc_fail(ps, "empty list for 'namespaces'");
	p->namespaces = mask;
	return 0;
}

/* tmp_size: what tmpfs's size= takes, 1%..100% of RAM or 1..NSC_TMP_SIZE_MAX
 * bytes with an optional k/m/g suffix; kept as written with the suffix in
 * lower case. */
static int parse_tmp_size(struct parser *ps, const struct nsc_key *k, char *val,
			  struct nsc_policy *p)
{
	size_t n = strlen(val);
	uint64_t v;
	int r;

	if (n > 1 && val[n - 1] == '%')
		r = scaled(val, n - 1, "", 100, &v);
	else
		r = scaled(val, n, "kmg", NSC_TMP_SIZE_MAX, &v);
	if (r < 0 || n >= sizeof(p->tmp_size))
		return nsc_bad_value(ps, k, val);
	for (size_t i = 0; i <= n; i++)
		p->tmp_size[i] = ascii_lower(val[i]);
	return 0;
}
