/* session_state.c — format and parse the per-session record (pure code; the
 * file I/O lives elsewhere). See session_state.h.
 *
 * One table, `fields`, says everything about a key: its name, how its value
 * is written and read, where it lives in struct session_record and what
 * values are valid. state_format, state_parse, state_record_equal and
 * state_parse_monitor only loop over it. */
#include "session_state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "template.h"
#include "util.h"

/* At most this many login references (the monitor's MAX_LOGINS). */
#define LOGINS_MAX 1024

/* Longest value we write: the namespace list, or a 20-digit number. */
#define VALUE_MAX 64

/* How a value is written and read. */
enum ftype {
	F_VERSION,	/* no storage: STATE_VERSION itself */
	F_UINT,		/* unsigned integer of `size` bytes, decimal; valid up to `max` */
	F_SINT,		/* signed integer of `size` bytes, decimal, never negative in
			 * the text; valid from `min` */
	F_TEXT,		/* char[size], NUL-terminated; valid if `valid` says so */
	F_ENUM,		/* an enum or bool: `names[value]`, values 0..max */
	F_NSSET,	/* NSC_NS_* mask: comma list of nskinds[].name, at least one */
	F_IPV4,		/* uint32_t in host byte order: dotted quad */
	F_IPV6,		/* uint8_t[16], network byte order: inet_ntop's text */
};

struct field {
	const char *name;
	enum ftype type;
	/* The first format version with this key. Records of a version carry
	 * exactly the keys with since <= version; only STATE_VERSION is read
	 * (an older record is refused, see state_parse_monitor for what is
	 * kept of it), so today every key is written and required. */
	int since;
	size_t off, size;	/* in struct session_record */
	uint64_t max;		/* F_UINT, F_ENUM: largest valid value */
	int64_t min;		/* F_SINT: smallest valid value */
	bool (*valid)(const char *s);	/* F_TEXT */
	const char *const *names;	/* F_ENUM */
	const char *why;	/* what field_check says about an invalid value */
};

static bool ifname_or_empty(const char *s)
{
	return s[0] == '\0' || valid_ifname(s);
}

static bool cgroup_or_empty(const char *s)
{
	return s[0] == '\0' || state_valid_cgroup(s);
}

static const char *const identity_names[] = { [NSC_ID_SELF] = "self", [NSC_ID_ROOT] = "root" };
static const char *const yes_no[] = { "no", "yes" };

#define KEY(n, t, v) .name = n, .type = t, .since = v
#define AT(member) \
	.off = offsetof(struct session_record, member), \
	.size = sizeof(((struct session_record *)0)->member)
#define U64(n, v, member) { KEY(n, F_UINT, v), AT(member), .max = UINT64_MAX }
/* ns_<nskinds[i].name>: tests/unit/test_state.c checks the names. */
#define NS_INO(n, v, i) U64(n, v, ns_ino[i])
#define PID(n, member) { KEY(n, F_SINT, 1), AT(member), .min = 1, .why = "not a valid pid" }
#define IFNAME(n, v, member) \
	{ KEY(n, F_TEXT, v), AT(member), .valid = ifname_or_empty, .why = "not a valid interface name" }

/* In the order state_format writes them. */
static const struct field fields[] = {
	{ KEY("version", F_VERSION, 1) },
	{ KEY("user", F_TEXT, 1), AT(user), .valid = ns_valid_username, .why = "not a valid user name" },
	{ KEY("uid", F_UINT, 1), AT(uid), .max = UINT32_MAX - 1, .why = "not a valid id" },
	{ KEY("gid", F_UINT, 1), AT(gid), .max = UINT32_MAX - 1, .why = "not a valid id" },
	{ KEY("id", F_TEXT, 2), AT(id), .valid = state_valid_id, .why = "not a valid session id" },
	PID("keeper_pid", keeper_pid),
	U64("keeper_start", 1, keeper_start),
	PID("monitor_pid", monitor_pid),
	U64("monitor_start", 1, monitor_start),
	{ KEY("namespaces", F_NSSET, 1), AT(namespaces), .why = "not a valid namespace set" },
	U64("ns_dev", 1, ns_dev),
	NS_INO("ns_user", 1, 0), NS_INO("ns_mnt", 1, 1), NS_INO("ns_pid", 1, 2),
	NS_INO("ns_ipc", 1, 3), NS_INO("ns_uts", 1, 4), NS_INO("ns_net", 1, 5),
	NS_INO("ns_cgroup", 2, 6),
	{ KEY("network", F_ENUM, 1), AT(network), .max = NSC_NET_MODES - 1,
	  .names = nsc_netmode_names, .why = "not a valid network mode" },
	IFNAME("veth_host", 1, veth_host),
	IFNAME("bridge", 2, bridge),
	{ KEY("addr_host", F_IPV4, 1), AT(addr_host) },
	{ KEY("addr_peer", F_IPV4, 1), AT(addr_peer) },
	{ KEY("prefix", F_UINT, 1), AT(prefix), .max = 32, .why = "not a valid prefix length" },
	{ KEY("pool_index", F_UINT, 1), AT(pool_index), .max = UINT32_MAX },
	{ KEY("addr6_host", F_IPV6, 4), AT(addr6_host) },
	{ KEY("addr6_peer", F_IPV6, 4), AT(addr6_peer) },
	{ KEY("prefix6", F_UINT, 4), AT(prefix6), .max = 128, .why = "not a valid prefix length" },
	{ KEY("cgroup", F_TEXT, 2), AT(cgroup), .valid = cgroup_or_empty,
	  .why = "not a valid cgroup name" },
	{ KEY("identity", F_ENUM, 3), AT(identity), .max = 1, .names = identity_names,
	  .why = "not a valid identity" },
	{ KEY("no_new_privs", F_ENUM, 3), AT(no_new_privs), .max = 1, .names = yes_no,
	  .why = "neither yes nor no" },
	{ KEY("build", F_TEXT, 3), AT(build), .valid = state_valid_id,
	  .why = "not a valid build fingerprint" },
	{ KEY("created", F_SINT, 1), AT(created), .min = 0, .why = "negative time" },
	{ KEY("logins", F_UINT, 2), AT(logins), .max = LOGINS_MAX, .why = "too many logins" },
};

#define FIELDS NS_ARRAY_SIZE(fields)

_Static_assert(NSC_NS_COUNT == 7, "one ns_ field per nskinds[].name entry");
_Static_assert(sizeof(uint32_t) == sizeof(unsigned) && sizeof(pid_t) == 4 &&
	       sizeof(enum nsc_netmode) == 4 && sizeof(enum nsc_identity) == 4 &&
	       sizeof(bool) == 1, "field sizes get_uint and put_uint know");

const char *state_key_name(size_t i)
{
	return i < FIELDS ? fields[i].name : NULL;
}

/* Keys of records of STATE_VERSION (see `since`). */
static bool current(const struct field *f)
{
	return f->since <= STATE_VERSION;
}

static const struct field *field_named(const char *name)
{
	for (size_t i = 0; i < FIELDS; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

/* ---- values in the record ----
 * Through memcpy, by size: one accessor for every integer type in the
 * struct, and no load of a bool or enum as such, which a raw record (the
 * fuzzer's) may fill with a value the type cannot hold. */

static uint64_t get_uint(const void *p, size_t size)
{
	uint8_t u8;
	uint32_t u32;
	uint64_t u64;

	switch (size) {
	case 1:
		memcpy(&u8, p, 1);
		return u8;
	case 4:
		memcpy(&u32, p, 4);
		return u32;
	default:
		memcpy(&u64, p, 8);
		return u64;
	}
}

static int64_t get_sint(const void *p, size_t size)
{
	int32_t s32;
	int64_t s64;

	if (size == 4) {
		memcpy(&s32, p, 4);
		return s32;
	}
	memcpy(&s64, p, 8);
	return s64;
}

/* `v` fits (the parser checked it against limit()). */
static void put_uint(void *p, size_t size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint32_t u32 = (uint32_t)v;

	if (size == 1)
		memcpy(p, &u8, 1);
	else if (size == 4)
		memcpy(p, &u32, 4);
	else
		memcpy(p, &v, 8);
}

/* The largest value the parser takes for a number: what the field holds
 * (a signed one, never negative). */
static uint64_t limit(const struct field *f)
{
	uint64_t lim = f->size >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * f->size)) - 1;

	return f->type == F_SINT ? lim >> 1 : lim;
}

/* ---- checks shared by format and parse ---- */

bool state_valid_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == STATE_ID_LEN;
}

bool state_valid_cgroup(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'z') || s[n] == '-'))
			return false;
	return n >= 1 && n <= STATE_CGROUP_MAX && s[0] != '-';
}

/* Checks one field on its own. Returns NULL or what is wrong. A record to
 * format may hold anything (the fuzzer gives raw bytes): strings are looked
 * at only once they are known to be terminated. */
static const char *field_check(const struct session_record *r, const struct field *f)
{
	const char *p = (const char *)r + f->off;
	uint64_t m;
	bool ok = true;

	switch (f->type) {
	case F_UINT:
	case F_ENUM:
		ok = get_uint(p, f->size) <= f->max;
		break;
	case F_SINT:
		ok = get_sint(p, f->size) >= f->min;
		break;
	case F_TEXT:
		ok = memchr(p, '\0', f->size) && f->valid(p);
		break;
	case F_NSSET:
		m = get_uint(p, f->size);
		ok = m != 0 && !(m & ~(uint64_t)NSC_NS_ALL);
		break;
	default:
		break;
	}
	return ok ? NULL : f->why;
}

/* Checks the fields against each other. Returns NULL or what is wrong. */
static const char *record_check(const struct session_record *r)
{
	for (int i = 0; i < NSC_NS_COUNT; i++) {
		bool on = r->namespaces & (1u << i);
		if (on != (r->ns_ino[i] != 0))
			return "ns_ inode numbers do not match namespaces";
	}
	static const uint8_t none6[16];
	bool host6 = memcmp(r->addr6_host, none6, sizeof(none6)) != 0;
	bool peer6 = memcmp(r->addr6_peer, none6, sizeof(none6)) != 0;

	if (r->network == NSC_NET_NONE &&
	    (r->veth_host[0] != '\0' || r->addr_host != 0 || r->addr_peer != 0 ||
	     r->pool_index != 0 || r->prefix6 != 0 || host6 || peer6))
		return "network=none with veth_host, addresses or pool_index set";
	if (r->prefix6 == 0 && (host6 || peer6))
		return "IPv6 addresses with prefix6=0";
	if (r->prefix6 != 0 && (!host6 || !peer6))
		return "prefix6 set but an IPv6 address is ::";
	if (r->network != NSC_NET_NONE && r->veth_host[0] == '\0')
		return "a network mode with a veth but no veth_host";
	if ((r->network == NSC_NET_BRIDGE) != (r->bridge[0] != '\0'))
		return "bridge set without network=bridge, or missing";
	return NULL;
}

/* ---- format ---- */

/* inet_ntop's text: the one spelling the parser takes. */
struct nsc_addr state_addr6(const uint8_t a[16])
{
	struct nsc_addr out = { .family = AF_INET6, .prefix = 128 };

	memcpy(out.a, a, sizeof(out.a));
	return out;
}

static void format_ipv6(const uint8_t a[16], char out[VALUE_MAX])
{
	if (!inet_ntop(AF_INET6, a, out, VALUE_MAX))
		snprintf(out, VALUE_MAX, "?"); /* not reached: VALUE_MAX > INET6_ADDRSTRLEN */
}

static void format_namespaces(uint64_t mask, char out[VALUE_MAX])
{
	size_t pos = 0;

	out[0] = '\0';
	for (int i = 0; i < NSC_NS_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		pos += (size_t)snprintf(out + pos, VALUE_MAX - pos, "%s%s",
					pos ? "," : "", nskinds[i].name);
	}
}

/* The text of a value that field_check passed. */
static void format_value(const struct session_record *r, const struct field *f,
			 char out[VALUE_MAX])
{
	const char *p = (const char *)r + f->off;

	switch (f->type) {
	case F_VERSION:
		snprintf(out, VALUE_MAX, "%d", STATE_VERSION);
		break;
	case F_UINT:
		snprintf(out, VALUE_MAX, "%" PRIu64, get_uint(p, f->size));
		break;
	case F_SINT:
		snprintf(out, VALUE_MAX, "%" PRId64, get_sint(p, f->size));
		break;
	case F_TEXT:
		snprintf(out, VALUE_MAX, "%s", p);
		break;
	case F_ENUM:
		snprintf(out, VALUE_MAX, "%s", f->names[get_uint(p, f->size)]);
		break;
	case F_NSSET:
		format_namespaces(get_uint(p, f->size), out);
		break;
	case F_IPV4:
		nsc_format_ipv4((uint32_t)get_uint(p, f->size), out);
		break;
	case F_IPV6:
		format_ipv6((const uint8_t *)p, out);
		break;
	}
}

int state_format(const struct session_record *r, char *buf, size_t len)
{
	size_t pos = 0;

	for (size_t i = 0; i < FIELDS; i++)
		if (field_check(r, &fields[i]))
			return -EINVAL;
	if (record_check(r))
		return -EINVAL;
	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (size_t i = 0; i < FIELDS; i++) {
		char value[VALUE_MAX];
		int w;

		if (!current(&fields[i]))
			continue;
		format_value(r, &fields[i], value);
		w = snprintf(buf + pos, len - pos, "%s=%s\n", fields[i].name, value);
		if (w < 0 || (size_t)w >= len - pos) {
			buf[0] = '\0';
			return -ENOSPC;
		}
		pos += (size_t)w;
	}
	return (int)pos;
}

/* ---- parse ---- */

/* Comma list of nskinds[].name, each at most once, at least one. */
static int parse_namespaces(const char *s, uint64_t *mask)
{
	char tmp[VALUE_MAX];
	char *p = tmp;
	unsigned m = 0;

	if (strlen(s) >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, strlen(s) + 1);
	for (;;) {
		char *comma = strchr(p, ',');
		int found = -1;

		if (comma)
			*comma = '\0';
		for (int i = 0; i < NSC_NS_COUNT; i++)
			if (strcmp(p, nskinds[i].name) == 0)
				found = i;
		if (found < 0 || (m & (1u << found)))
			return -EINVAL;
		m |= 1u << found;
		if (!comma)
			break;
		p = comma + 1;
	}
	*mask = m;
	return 0;
}

/* An IPv6 address in exactly the text format_ipv6 writes for it. */
static int parse_ipv6(const char *s, uint8_t out[16])
{
	uint8_t a[16];
	char back[VALUE_MAX];

	if (inet_pton(AF_INET6, s, a) != 1)
		return -EINVAL;
	format_ipv6(a, back);
	if (strcmp(back, s) != 0)
		return -EINVAL;
	memcpy(out, a, sizeof(a));
	return 0;
}

/* Parses the text of one value into `r`. Syntax only (and what the field
 * can hold); field_check and record_check judge the result. */
static int parse_value(struct session_record *r, const struct field *f, const char *v)
{
	char *p = (char *)r + f->off;
	uint64_t u = 0;
	uint32_t a4;

	switch (f->type) {
	case F_VERSION:
		return ns_parse_u64(v, &u) == 0 && u == STATE_VERSION ? 0 : -EINVAL;
	case F_UINT:
	case F_SINT:
		if (ns_parse_u64(v, &u) < 0 || u > limit(f))
			return -EINVAL;
		break;
	case F_TEXT:
		if (strlen(v) >= f->size)
			return -EINVAL;
		memcpy(p, v, strlen(v) + 1);
		return 0;
	case F_ENUM:
		while (u <= f->max && strcmp(v, f->names[u]) != 0)
			u++;
		if (u > f->max)
			return -EINVAL;
		break;
	case F_NSSET:
		if (parse_namespaces(v, &u) < 0)
			return -EINVAL;
		break;
	case F_IPV4:
		if (nsc_parse_ipv4(v, &a4) < 0)
			return -EINVAL;
		u = a4;
		break;
	case F_IPV6:
		return parse_ipv6(v, (uint8_t *)p);
	}
	put_uint(p, f->size, u);
	return 0;
}

static int perr(char *err, size_t errlen, size_t lineno, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "line N: problem", or just "problem" for lineno 0 (whole-file errors). */
static int perr(char *err, size_t errlen, size_t lineno, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err && errlen > 0) {
		if (lineno)
			snprintf(err, errlen, "line %zu: %s", lineno, what);
		else
			snprintf(err, errlen, "%s", what);
	}
	return -EINVAL;
}

/* Line `lineno` of the record, `linelen` bytes at `start` and ended by a
 * newline if `nl`: "key=value" of a key not in `seen`, into `r`. */
static int parse_line(const char *start, size_t linelen, bool nl, size_t lineno,
		      struct session_record *r, bool seen[], char *err, size_t errlen)
{
	char line[STATE_LINE_MAX + 1];
	const struct field *f;
	const char *why;
	char *eq;

	if (linelen > STATE_LINE_MAX)
		return perr(err, errlen, lineno, "line longer than %d characters", STATE_LINE_MAX);
	if (memchr(start, '\0', linelen))
		return perr(err, errlen, lineno, "NUL byte");
	if (!nl)
		return perr(err, errlen, lineno, "no newline at end of file (truncated?)");
	if (linelen == 0)
		return perr(err, errlen, lineno, "empty line");
	memcpy(line, start, linelen);
	line[linelen] = '\0';
	eq = strchr(line, '=');
	if (!eq)
		return perr(err, errlen, lineno, "expected key=value");
	*eq = '\0';
	f = field_named(line);
	if (!f || !current(f))
		return perr(err, errlen, lineno, "unknown key");
	if (seen[f - fields])
		return perr(err, errlen, lineno, "duplicate key %s", f->name);
	seen[f - fields] = true;
	if (parse_value(r, f, eq + 1) < 0)
		return perr(err, errlen, lineno, "bad value for %s", f->name);
	why = field_check(r, f);
	if (why)
		return perr(err, errlen, lineno, "%s: %s", f->name, why);
	return 0;
}

int state_parse(const char *buf, size_t len, struct session_record *out,
		char *err, size_t errlen)
{
	struct session_record r;
	bool seen[FIELDS] = { false };
	const char *why;
	size_t pos = 0, lineno = 0;

	memset(&r, 0, sizeof(r));
	if (err && errlen > 0)
		err[0] = '\0';
	if (len > STATE_FILE_MAX)
		return perr(err, errlen, 0, "file longer than %d bytes", STATE_FILE_MAX);

	while (pos < len) {
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - start) : len - pos;

		pos += linelen + 1;
		if (parse_line(start, linelen, nl != NULL, ++lineno, &r, seen, err, errlen) < 0)
			return -EINVAL;
	}
	for (size_t i = 0; i < FIELDS; i++)
		if (current(&fields[i]) && !seen[i])
			return perr(err, errlen, 0, "missing key %s", fields[i].name);
	why = record_check(&r);
	if (why)
		return perr(err, errlen, 0, "inconsistent record: %s", why);
	*out = r;
	return 0;
}

bool state_record_equal(const struct session_record *a, const struct session_record *b)
{
	for (size_t i = 0; i < FIELDS; i++) {
		const struct field *f = &fields[i];
		const char *x = (const char *)a + f->off, *y = (const char *)b + f->off;

		if (f->type == F_TEXT ? strcmp(x, y) != 0 : memcmp(x, y, f->size) != 0)
			return false;
	}
	return true;
}

/* 64-bit FNV-1a: a fingerprint, not a secret (the record is root's). */
void state_build_hash(const char *text, char out[STATE_ID_LEN + 1])
{
	uint64_t h = 0xcbf29ce484222325u;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3u;
	}
	snprintf(out, STATE_ID_LEN + 1, "%016" PRIx64, h);
}

/* Only the monitor_pid= and monitor_start= lines count, read and checked
 * as state_parse does; a later one wins, an empty value or one of
 * VALUE_MAX bytes or more is passed over. */
int state_parse_monitor(const char *buf, size_t len, pid_t *pid, uint64_t *start)
{
	const struct field *want[2] = { field_named("monitor_pid"), field_named("monitor_start") };
	bool have[2] = { false, false };
	struct session_record r;
	size_t pos = 0;

	memset(&r, 0, sizeof(r));
	while (pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		char val[VALUE_MAX];

		pos += n + 1;
		for (int i = 0; i < 2; i++) {
			size_t k = strlen(want[i]->name) + 1; /* with the '=' */

			if (n <= k || n - k >= sizeof(val) || memcmp(line, want[i]->name, k - 1) != 0 ||
			    line[k - 1] != '=')
				continue;
			memcpy(val, line + k, n - k);
			val[n - k] = '\0';
			have[i] = parse_value(&r, want[i], val) == 0 && !field_check(&r, want[i]);
		}
	}
	if (!have[0] || !have[1])
		return -EINVAL;
	*pid = r.monitor_pid;
	*start = r.monitor_start;
	return 0;
}
