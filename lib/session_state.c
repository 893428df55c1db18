/* session_state.c — format and parse the per-session record (pure code; the
 * file I/O lives elsewhere). See session_state.h. */
#include "session_state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "template.h"
#include "util.h"

/* Keys in the order state_format writes them. K_NS + i is "ns_" followed by
 * nsc_ns_names[i]. */
enum key {
	K_VERSION, K_USER, K_UID, K_GID, K_ID,
	K_KEEPER_PID, K_KEEPER_START, K_MONITOR_PID, K_MONITOR_START,
	K_NAMESPACES, K_NS_DEV,
	K_NS, K_NS_END = K_NS + NSC_NS_COUNT - 1,
	K_NETWORK, K_VETH_HOST, K_BRIDGE, K_ADDR_HOST, K_ADDR_PEER, K_PREFIX, K_POOL_INDEX,
	K_ADDR6_HOST, K_ADDR6_PEER, K_PREFIX6,
	K_CGROUP, K_IDENTITY, K_NO_NEW_PRIVS, K_BUILD, K_CREATED, K_LOGINS,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	[K_VERSION] = "version",
	[K_USER] = "user",
	[K_UID] = "uid",
	[K_GID] = "gid",
	[K_ID] = "id",
	[K_KEEPER_PID] = "keeper_pid",
	[K_KEEPER_START] = "keeper_start",
	[K_MONITOR_PID] = "monitor_pid",
	[K_MONITOR_START] = "monitor_start",
	[K_NAMESPACES] = "namespaces",
	[K_NS_DEV] = "ns_dev",
	/* K_NS .. K_NS_END: built from nsc_ns_names */
	[K_NETWORK] = "network",
	[K_VETH_HOST] = "veth_host",
	[K_BRIDGE] = "bridge",
	[K_ADDR_HOST] = "addr_host",
	[K_ADDR_PEER] = "addr_peer",
	[K_PREFIX] = "prefix",
	[K_POOL_INDEX] = "pool_index",
	[K_ADDR6_HOST] = "addr6_host",
	[K_ADDR6_PEER] = "addr6_peer",
	[K_PREFIX6] = "prefix6",
	[K_CGROUP] = "cgroup",
	[K_IDENTITY] = "identity",
	[K_NO_NEW_PRIVS] = "no_new_privs",
	[K_BUILD] = "build",
	[K_CREATED] = "created",
	[K_LOGINS] = "logins",
};

/* At most this many login references (the monitor's MAX_LOGINS). */
#define LOGINS_MAX 1024

#define KEY_MAX 32
/* Longest value we write: the namespace list, or a 20-digit number. */
#define VALUE_MAX 64

static void key_name(int k, char out[KEY_MAX])
{
	if (k >= K_NS && k <= K_NS_END)
		snprintf(out, KEY_MAX, "ns_%s", nsc_ns_names[k - K_NS]);
	else
		snprintf(out, KEY_MAX, "%s", key_names[k]);
}

static int key_lookup(const char *key)
{
	char name[KEY_MAX];

	for (int k = 0; k < K_COUNT; k++) {
		key_name(k, name);
		if (strcmp(key, name) == 0)
			return k;
	}
	return -1;
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

/* An interface name, or empty. */
static bool valid_ifname_or_empty(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		return false;
	return s[0] == '\0' || valid_ifname(s);
}

/* Checks one field on its own. Returns NULL or what is wrong. */
static const char *field_check(const struct session_record *r, int k)
{
	switch (k) {
	case K_USER:
		if (!memchr(r->user, '\0', sizeof(r->user)) || !ns_valid_username(r->user))
			return "not a valid user name";
		break;
	case K_UID:
		if (r->uid == UINT32_MAX)
			return "not a valid id";
		break;
	case K_GID:
		if (r->gid == UINT32_MAX)
			return "not a valid id";
		break;
	case K_ID:
		if (!memchr(r->id, '\0', sizeof(r->id)) || !state_valid_id(r->id))
			return "not a valid session id";
		break;
	case K_BUILD:
		if (!memchr(r->build, '\0', sizeof(r->build)) || !state_valid_id(r->build))
			return "not a valid build fingerprint";
		break;
	case K_IDENTITY:
		if (r->identity != NSC_ID_SELF && r->identity != NSC_ID_ROOT)
			return "not a valid identity";
		break;
	case K_KEEPER_PID:
		if (r->keeper_pid <= 0)
			return "not a valid pid";
		break;
	case K_MONITOR_PID:
		if (r->monitor_pid <= 0)
			return "not a valid pid";
		break;
	case K_NAMESPACES:
		if (r->namespaces == 0 || (r->namespaces & ~NSC_NS_ALL))
			return "not a valid namespace set";
		break;
	case K_NETWORK:
		if ((unsigned)r->network >= NSC_NET_MODES)
			return "not a valid network mode";
		break;
	case K_VETH_HOST:
		if (!valid_ifname_or_empty(r->veth_host, sizeof(r->veth_host)))
			return "not a valid interface name";
		break;
	case K_BRIDGE:
		if (!valid_ifname_or_empty(r->bridge, sizeof(r->bridge)))
			return "not a valid interface name";
		break;
	case K_CGROUP:
		if (!memchr(r->cgroup, '\0', sizeof(r->cgroup)) ||
		    (r->cgroup[0] && !state_valid_cgroup(r->cgroup)))
			return "not a valid cgroup name";
		break;
	case K_LOGINS:
		if (r->logins > LOGINS_MAX)
			return "too many logins";
		break;
	case K_PREFIX:
		if (r->prefix > 32)
			return "not a valid prefix length";
		break;
	case K_PREFIX6:
		if (r->prefix6 > 128)
			return "not a valid prefix length";
		break;
	case K_CREATED:
		if (r->created < 0)
			return "negative time";
		break;
	default:
		break;
	}
	return NULL;
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

static void format_namespaces(unsigned mask, char out[VALUE_MAX])
{
	size_t pos = 0;

	out[0] = '\0';
	for (int i = 0; i < NSC_NS_COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		pos += (size_t)snprintf(out + pos, VALUE_MAX - pos, "%s%s",
					pos ? "," : "", nsc_ns_names[i]);
	}
}

static void format_value(const struct session_record *r, int k, char out[VALUE_MAX])
{
	switch (k) {
	case K_VERSION:
		snprintf(out, VALUE_MAX, "%d", STATE_VERSION);
		break;
	case K_USER:
		snprintf(out, VALUE_MAX, "%s", r->user);
		break;
	case K_UID:
		snprintf(out, VALUE_MAX, "%" PRIu32, r->uid);
		break;
	case K_GID:
		snprintf(out, VALUE_MAX, "%" PRIu32, r->gid);
		break;
	case K_ID:
		snprintf(out, VALUE_MAX, "%s", r->id);
		break;
	case K_KEEPER_PID:
		snprintf(out, VALUE_MAX, "%d", (int)r->keeper_pid);
		break;
	case K_KEEPER_START:
		snprintf(out, VALUE_MAX, "%" PRIu64, r->keeper_start);
		break;
	case K_MONITOR_PID:
		snprintf(out, VALUE_MAX, "%d", (int)r->monitor_pid);
		break;
	case K_MONITOR_START:
		snprintf(out, VALUE_MAX, "%" PRIu64, r->monitor_start);
		break;
	case K_NAMESPACES:
		format_namespaces(r->namespaces, out);
		break;
	case K_NS_DEV:
		snprintf(out, VALUE_MAX, "%" PRIu64, r->ns_dev);
		break;
	case K_NETWORK:
		snprintf(out, VALUE_MAX, "%s", nsc_netmode_names[r->network]);
		break;
	case K_VETH_HOST:
		snprintf(out, VALUE_MAX, "%s", r->veth_host);
		break;
	case K_BRIDGE:
		snprintf(out, VALUE_MAX, "%s", r->bridge);
		break;
	case K_CGROUP:
		snprintf(out, VALUE_MAX, "%s", r->cgroup);
		break;
	case K_IDENTITY:
		snprintf(out, VALUE_MAX, "%s", r->identity == NSC_ID_ROOT ? "root" : "self");
		break;
	case K_NO_NEW_PRIVS:
		snprintf(out, VALUE_MAX, "%s", r->no_new_privs ? "yes" : "no");
		break;
	case K_BUILD:
		snprintf(out, VALUE_MAX, "%s", r->build);
		break;
	case K_LOGINS:
		snprintf(out, VALUE_MAX, "%" PRIu32, r->logins);
		break;
	case K_ADDR_HOST:
		nsc_format_ipv4(r->addr_host, out);
		break;
	case K_ADDR_PEER:
		nsc_format_ipv4(r->addr_peer, out);
		break;
	case K_PREFIX:
		snprintf(out, VALUE_MAX, "%u", r->prefix);
		break;
	case K_POOL_INDEX:
		snprintf(out, VALUE_MAX, "%" PRIu32, r->pool_index);
		break;
	case K_ADDR6_HOST:
		format_ipv6(r->addr6_host, out);
		break;
	case K_ADDR6_PEER:
		format_ipv6(r->addr6_peer, out);
		break;
	case K_PREFIX6:
		snprintf(out, VALUE_MAX, "%u", r->prefix6);
		break;
	case K_CREATED:
		snprintf(out, VALUE_MAX, "%" PRId64, r->created);
		break;
	default: /* K_NS .. K_NS_END */
		snprintf(out, VALUE_MAX, "%" PRIu64, r->ns_ino[k - K_NS]);
		break;
	}
}

int state_format(const struct session_record *r, char *buf, size_t len)
{
	size_t pos = 0;

	for (int k = 0; k < K_COUNT; k++)
		if (field_check(r, k))
			return -EINVAL;
	if (record_check(r))
		return -EINVAL;
	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (int k = 0; k < K_COUNT; k++) {
		char name[KEY_MAX], value[VALUE_MAX];
		int w;

		key_name(k, name);
		format_value(r, k, value);
		w = snprintf(buf + pos, len - pos, "%s=%s\n", name, value);
		if (w < 0 || (size_t)w >= len - pos) {
			buf[0] = '\0';
			return -ENOSPC;
		}
		pos += (size_t)w;
	}
	return (int)pos;
}

/* ---- parse ---- */

/* Comma list of nsc_ns_names, each at most once, at least one. */
static int parse_namespaces(const char *s, unsigned *mask)
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
			if (strcmp(p, nsc_ns_names[i]) == 0)
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

static int parse_pid(const char *s, pid_t *out)
{
	uint32_t v;

	if (ns_parse_u32(s, &v) < 0 || v > INT_MAX)
		return -EINVAL;
	*out = (pid_t)v;
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

static int copy_text(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);

	if (n >= size)
		return -EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

/* Parses the text of one value into `r`. Syntax only; field_check and
 * record_check judge the result. */
static int parse_value(struct session_record *r, int k, const char *v)
{
	uint32_t u32;
	uint64_t u64;

	switch (k) {
	case K_VERSION:
		if (ns_parse_u32(v, &u32) < 0 || u32 != STATE_VERSION)
			return -EINVAL;
		return 0;
	case K_USER:
		return copy_text(r->user, sizeof(r->user), v);
	case K_UID:
		return ns_parse_u32(v, &r->uid);
	case K_GID:
		return ns_parse_u32(v, &r->gid);
	case K_ID:
		return copy_text(r->id, sizeof(r->id), v);
	case K_KEEPER_PID:
		return parse_pid(v, &r->keeper_pid);
	case K_KEEPER_START:
		return ns_parse_u64(v, &r->keeper_start);
	case K_MONITOR_PID:
		return parse_pid(v, &r->monitor_pid);
	case K_MONITOR_START:
		return ns_parse_u64(v, &r->monitor_start);
	case K_NAMESPACES:
		return parse_namespaces(v, &r->namespaces);
	case K_NS_DEV:
		return ns_parse_u64(v, &r->ns_dev);
	case K_NETWORK:
		return nsc_netmode_parse(v, &r->network);
	case K_VETH_HOST:
		return copy_text(r->veth_host, sizeof(r->veth_host), v);
	case K_BRIDGE:
		return copy_text(r->bridge, sizeof(r->bridge), v);
	case K_CGROUP:
		return copy_text(r->cgroup, sizeof(r->cgroup), v);
	case K_IDENTITY:
		if (strcmp(v, "self") != 0 && strcmp(v, "root") != 0)
			return -EINVAL;
		r->identity = strcmp(v, "root") == 0 ? NSC_ID_ROOT : NSC_ID_SELF;
		return 0;
	case K_NO_NEW_PRIVS:
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
			return -EINVAL;
		r->no_new_privs = strcmp(v, "yes") == 0;
		return 0;
	case K_BUILD:
		return copy_text(r->build, sizeof(r->build), v);
	case K_LOGINS:
		return ns_parse_u32(v, &r->logins);
	case K_ADDR_HOST:
		return nsc_parse_ipv4(v, &r->addr_host);
	case K_ADDR_PEER:
		return nsc_parse_ipv4(v, &r->addr_peer);
	case K_PREFIX:
		if (ns_parse_u32(v, &u32) < 0)
			return -EINVAL;
		r->prefix = u32;
		return 0;
	case K_POOL_INDEX:
		return ns_parse_u32(v, &r->pool_index);
	case K_ADDR6_HOST:
		return parse_ipv6(v, r->addr6_host);
	case K_ADDR6_PEER:
		return parse_ipv6(v, r->addr6_peer);
	case K_PREFIX6:
		if (ns_parse_u32(v, &u32) < 0)
			return -EINVAL;
		r->prefix6 = u32;
		return 0;
	case K_CREATED:
		if (ns_parse_u64(v, &u64) < 0 || u64 > INT64_MAX)
			return -EINVAL;
		r->created = (int64_t)u64;
		return 0;
	default: /* K_NS .. K_NS_END */
		return ns_parse_u64(v, &r->ns_ino[k - K_NS]);
	}
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

int state_parse(const char *buf, size_t len, struct session_record *out,
		char *err, size_t errlen)
{
	struct session_record r;
	bool seen[K_COUNT] = { false };
	char name[KEY_MAX];
	const char *why;
	size_t pos = 0, lineno = 0;

	memset(&r, 0, sizeof(r));
	if (err && errlen > 0)
		err[0] = '\0';
	if (len > STATE_FILE_MAX)
		return perr(err, errlen, 0, "file longer than %d bytes", STATE_FILE_MAX);

	while (pos < len) {
		char line[STATE_LINE_MAX + 1];
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - start) : len - pos;
		char *eq;
		int k;

		lineno++;
		pos += linelen + 1;
		if (linelen > STATE_LINE_MAX)
			return perr(err, errlen, lineno, "line longer than %d characters",
				    STATE_LINE_MAX);
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
		k = key_lookup(line);
		if (k < 0)
			return perr(err, errlen, lineno, "unknown key");
		key_name(k, name);
		if (seen[k])
			return perr(err, errlen, lineno, "duplicate key %s", name);
		seen[k] = true;
		if (parse_value(&r, k, eq + 1) < 0)
			return perr(err, errlen, lineno, "bad value for %s", name);
		why = field_check(&r, k);
		if (why)
			return perr(err, errlen, lineno, "%s: %s", name, why);
	}
	for (int k = 0; k < K_COUNT; k++) {
		if (!seen[k]) {
			key_name(k, name);
			return perr(err, errlen, 0, "missing key %s", name);
		}
	}
	why = record_check(&r);
	if (why)
		return perr(err, errlen, 0, "inconsistent record: %s", why);
	*out = r;
	return 0;
}

bool state_record_equal(const struct session_record *a, const struct session_record *b)
{
	if (strcmp(a->user, b->user) != 0 || strcmp(a->veth_host, b->veth_host) != 0 ||
	    strcmp(a->id, b->id) != 0 || strcmp(a->bridge, b->bridge) != 0 ||
	    strcmp(a->cgroup, b->cgroup) != 0 || strcmp(a->build, b->build) != 0 ||
	    a->identity != b->identity || a->no_new_privs != b->no_new_privs)
		return false;
	for (int i = 0; i < NSC_NS_COUNT; i++)
		if (a->ns_ino[i] != b->ns_ino[i])
			return false;
	return a->uid == b->uid && a->gid == b->gid &&
	       a->keeper_pid == b->keeper_pid && a->keeper_start == b->keeper_start &&
	       a->monitor_pid == b->monitor_pid && a->monitor_start == b->monitor_start &&
	       a->namespaces == b->namespaces && a->ns_dev == b->ns_dev &&
	       a->network == b->network && a->addr_host == b->addr_host &&
	       a->addr_peer == b->addr_peer && a->prefix == b->prefix &&
	       a->pool_index == b->pool_index && a->created == b->created &&
	       a->logins == b->logins && a->prefix6 == b->prefix6 &&
	       memcmp(a->addr6_host, b->addr6_host, sizeof(a->addr6_host)) == 0 &&
	       memcmp(a->addr6_peer, b->addr6_peer, sizeof(a->addr6_peer)) == 0;
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

int state_parse_monitor(const char *buf, size_t len, pid_t *pid, uint64_t *start)
{
	bool have_pid = false, have_start = false;
	size_t pos = 0;

	while (pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		char val[VALUE_MAX];

		pos += n + 1;
		if (n > 12 && n - 12 < sizeof(val) && memcmp(line, "monitor_pid=", 12) == 0) {
			memcpy(val, line + 12, n - 12);
			val[n - 12] = '\0';
			have_pid = parse_pid(val, pid) == 0 && *pid > 0;
		} else if (n > 14 && n - 14 < sizeof(val) && memcmp(line, "monitor_start=", 14) == 0) {
			memcpy(val, line + 14, n - 14);
			val[n - 14] = '\0';
			have_start = ns_parse_u64(val, start) == 0;
		}
	}
	return have_pid && have_start ? 0 : -EINVAL;
}
