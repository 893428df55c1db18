/* test_state.c — unit tests for lib/session_state.c (format and parse). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "session_state.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			((uint32_t)(c) << 8) | (uint32_t)(d))

static const char veth_text[] =
	"version=4\n"
	"user=alice\n"
	"uid=1001\n"
	"gid=1002\n"
	"id=0123456789abcdef\n"
	"keeper_pid=4242\n"
	"keeper_start=123456\n"
	"monitor_pid=4241\n"
	"monitor_start=123450\n"
	"namespaces=user,mnt,pid,ipc,uts,net,cgroup\n"
	"ns_dev=4\n"
	"ns_user=4026532001\n"
	"ns_mnt=4026532002\n"
	"ns_pid=4026532003\n"
	"ns_ipc=4026532004\n"
	"ns_uts=4026532005\n"
	"ns_net=4026532006\n"
	"ns_cgroup=4026532007\n"
	"network=veth\n"
	"veth_host=nsv1001\n"
	"bridge=\n"
	"addr_host=10.250.0.1\n"
	"addr_peer=10.250.0.2\n"
	"prefix=30\n"
	"pool_index=0\n"
	"addr6_host=fd00:4e53::1\n"
	"addr6_peer=fd00:4e53::2\n"
	"prefix6=126\n"
	"cgroup=1001-0123456789abcdef\n"
	"identity=self\n"
	"no_new_privs=yes\n"
	"build=fedcba9876543210\n"
	"created=1700000000\n"
	"logins=2\n";

static void veth_record(struct session_record *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->user, sizeof(r->user), "alice");
	r->uid = 1001;
	r->gid = 1002;
	snprintf(r->id, sizeof(r->id), "0123456789abcdef");
	r->keeper_pid = 4242;
	r->keeper_start = 123456;
	r->monitor_pid = 4241;
	r->monitor_start = 123450;
	r->namespaces = NSC_NS_ALL;
	r->ns_dev = 4;
	for (int i = 0; i < NSC_NS_COUNT; i++)
		r->ns_ino[i] = 4026532001u + (uint64_t)i;
	r->network = NSC_NET_VETH;
	snprintf(r->veth_host, sizeof(r->veth_host), "nsv1001");
	r->addr_host = IP(10, 250, 0, 1);
	r->addr_peer = IP(10, 250, 0, 2);
	r->prefix = 30;
	r->pool_index = 0;
	assert_int_equal(inet_pton(AF_INET6, "fd00:4e53::1", r->addr6_host), 1);
	assert_int_equal(inet_pton(AF_INET6, "fd00:4e53::2", r->addr6_peer), 1);
	r->prefix6 = 126;
	snprintf(r->cgroup, sizeof(r->cgroup), "1001-0123456789abcdef");
	r->identity = NSC_ID_SELF;
	r->no_new_privs = true;
	snprintf(r->build, sizeof(r->build), "fedcba9876543210");
	r->created = 1700000000;
	r->logins = 2;
}

static void none_record(struct session_record *r)
{
	veth_record(r);
	r->namespaces = NSC_NS_USER | NSC_NS_PID | NSC_NS_UTS;
	r->ns_ino[1] = 0;
	r->ns_ino[3] = 0;
	r->ns_ino[5] = 0;
	r->ns_ino[6] = 0;
	r->network = NSC_NET_NONE;
	r->veth_host[0] = '\0';
	r->addr_host = 0;
	r->addr_peer = 0;
	r->prefix = 0;
	r->pool_index = 0;
	memset(r->addr6_host, 0, sizeof(r->addr6_host));
	memset(r->addr6_peer, 0, sizeof(r->addr6_peer));
	r->prefix6 = 0;
}

static void round_trip(const struct session_record *r)
{
	char buf[STATE_FILE_MAX];
	char err[256] = "x";
	struct session_record back;
	int len = state_format(r, buf, sizeof(buf));

	assert_true(len > 0);
	assert_int_equal((size_t)len, strlen(buf));
	memset(&back, 0xa5, sizeof(back));
	if (state_parse(buf, (size_t)len, &back, err, sizeof(err)) != 0)
		fail_msg("parse of formatted record failed: %s\n%s", err, buf);
	assert_string_equal(err, "");
	assert_true(state_record_equal(r, &back));
}

/* ---- parse helpers ---- */

static char err[256];

static int parse_text(const char *text, size_t len)
{
	struct session_record r;

	err[0] = '\0';
	return state_parse(text, len, &r, err, sizeof(err));
}

static int parse_str(const char *text)
{
	return parse_text(text, strlen(text));
}

/* veth_text with the line of `key` replaced by `line` (NULL: removed). */
static void edit(char *out, size_t outlen, const char *key, const char *line)
{
	const char *p = veth_text;
	size_t pos = 0, klen = strlen(key);
	bool found = false;

	out[0] = '\0';
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = (size_t)(nl - p) + 1;

		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			found = true;
			if (line)
				pos += (size_t)snprintf(out + pos, outlen - pos, "%s\n", line);
		} else {
			pos += (size_t)snprintf(out + pos, outlen - pos, "%.*s", (int)n, p);
		}
		p += n;
	}
	assert_true(found);
	assert_true(pos < outlen);
}

/* Parse veth_text with one line replaced; expect failure with `msg`. */
static void expect_bad_line(const char *key, const char *line, const char *msg)
{
	char text[STATE_FILE_MAX];

	edit(text, sizeof(text), key, line);
	if (parse_str(text) != -EINVAL || strcmp(err, msg) != 0)
		fail_msg("line \"%s\": got \"%s\", want \"%s\"", line, err, msg);
}

/* ---- format ---- */

static void test_format_exact(void **state)
{
	struct session_record r;
	char buf[STATE_FILE_MAX];

	veth_record(&r);
	assert_int_equal(state_format(&r, buf, sizeof(buf)), (int)strlen(veth_text));
	assert_string_equal(buf, veth_text);
}

static void test_format_none(void **state)
{
	struct session_record r;
	char buf[STATE_FILE_MAX];

	none_record(&r);
	assert_true(state_format(&r, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\nnamespaces=user,pid,uts\n"));
	assert_non_null(strstr(buf, "\nns_mnt=0\n"));
	assert_non_null(strstr(buf, "\nnetwork=none\nveth_host=\nbridge=\naddr_host=0.0.0.0\n"
				    "addr_peer=0.0.0.0\nprefix=0\npool_index=0\n"
				    "addr6_host=::\naddr6_peer=::\nprefix6=0\ncgroup="));
}

static void test_format_enospc(void **state)
{
	struct session_record r;
	char buf[STATE_FILE_MAX];
	size_t need = strlen(veth_text);

	veth_record(&r);
	for (size_t len = 0; len <= need; len++) {
		memset(buf, 'z', sizeof(buf));
		assert_int_equal(state_format(&r, buf, len), -ENOSPC);
		if (len > 0)
			assert_int_equal(buf[0], '\0');
		assert_int_equal(buf[len], 'z'); /* nothing written past len */
	}
	assert_int_equal(state_format(&r, buf, need + 1), (int)need);
}

static void expect_format_einval(const struct session_record *r)
{
	char buf[STATE_FILE_MAX];

	assert_int_equal(state_format(r, buf, sizeof(buf)), -EINVAL);
}

static void test_format_invalid(void **state)
{
	static const struct {
		bool none; /* from none_record, else veth_record */
		unsigned prefix6;
		const char *host, *peer;
	} bad6[] = {
		{ false, 129, "fd00::1", "fd00::2" }, { false, UINT32_MAX, "fd00::1", "fd00::2" },
		{ false, 0, "fd00::1", "fd00::2" }, { false, 126, "::", "fd00::2" },
		{ false, 126, "fd00::1", "::" }, { false, 126, "::", "::" },
		{ false, 0, "::", "::1" }, { true, 126, "::", "::" },
		{ true, 0, "::", "::2" }, { true, 126, "fd00::1", "fd00::2" },
	};
	struct session_record r;

	veth_record(&r);
	r.user[0] = '\0';
	expect_format_einval(&r);
	veth_record(&r);
	snprintf(r.user, sizeof(r.user), "ali\nce");
	expect_format_einval(&r);
	veth_record(&r);
	snprintf(r.user, sizeof(r.user), "a=b");
	expect_format_einval(&r);
	veth_record(&r);
	snprintf(r.user, sizeof(r.user), "-alice");
	expect_format_einval(&r);
	veth_record(&r);
	memset(r.user, 'a', sizeof(r.user)); /* not terminated */
	expect_format_einval(&r);
	veth_record(&r);
	r.uid = UINT32_MAX;
	expect_format_einval(&r);
	veth_record(&r);
	r.gid = UINT32_MAX;
	expect_format_einval(&r);
	veth_record(&r);
	r.keeper_pid = 0;
	expect_format_einval(&r);
	veth_record(&r);
	r.monitor_pid = -1;
	expect_format_einval(&r);
	veth_record(&r);
	r.namespaces = 0;
	memset(r.ns_ino, 0, sizeof(r.ns_ino));
	expect_format_einval(&r);
	veth_record(&r);
	r.namespaces = NSC_NS_ALL | 0x80;
	expect_format_einval(&r);
	veth_record(&r);
	r.ns_ino[2] = 0; /* pid in namespaces, but no inode */
	expect_format_einval(&r);
	veth_record(&r);
	r.namespaces &= ~(unsigned)NSC_NS_IPC; /* inode for a kind not in the set */
	expect_format_einval(&r);
	veth_record(&r);
	r.network = (enum nsc_netmode)7;
	expect_format_einval(&r);
	veth_record(&r);
	snprintf(r.veth_host, sizeof(r.veth_host), "a/b");
	expect_format_einval(&r);
	veth_record(&r);
	snprintf(r.veth_host, sizeof(r.veth_host), "..");
	expect_format_einval(&r);
	veth_record(&r);
	snprintf(r.veth_host, sizeof(r.veth_host), "nsv\n1");
	expect_format_einval(&r);
	veth_record(&r);
	memset(r.veth_host, 'v', sizeof(r.veth_host)); /* 16 chars, no NUL */
	expect_format_einval(&r);
	veth_record(&r);
	r.veth_host[0] = '\0'; /* veth without a host end */
	expect_format_einval(&r);
	veth_record(&r);
	r.prefix = 33;
	expect_format_einval(&r);
	veth_record(&r);
	r.created = -1;
	expect_format_einval(&r);
	none_record(&r);
	snprintf(r.veth_host, sizeof(r.veth_host), "nsv1001");
	expect_format_einval(&r);
	none_record(&r);
	r.addr_peer = 1;
	expect_format_einval(&r);
	none_record(&r);
	r.pool_index = 3;
	expect_format_einval(&r);
	/* IPv6: prefix6 0..128; 0 exactly when both addresses are ::; none
	 * with network=none. */
	for (size_t i = 0; i < sizeof(bad6) / sizeof(bad6[0]); i++) {
		if (bad6[i].none)
			none_record(&r);
		else
			veth_record(&r);
		r.prefix6 = bad6[i].prefix6;
		assert_int_equal(inet_pton(AF_INET6, bad6[i].host, r.addr6_host), 1);
		assert_int_equal(inet_pton(AF_INET6, bad6[i].peer, r.addr6_peer), 1);
		expect_format_einval(&r);
	}
}

/* ---- round trips ---- */

static void test_round_trip(void **state)
{
	struct session_record r;

	veth_record(&r);
	round_trip(&r);
	none_record(&r);
	round_trip(&r);

	/* Extremes of every field. */
	veth_record(&r);
	memset(r.user, 0, sizeof(r.user));
	memset(r.user, 'z', STATE_USER_MAX - 1);
	r.user[STATE_USER_MAX - 1] = '$';
	r.uid = 4294967294u;
	r.gid = 0;
	r.keeper_pid = 2147483647;
	r.keeper_start = UINT64_MAX;
	r.monitor_pid = 1;
	r.monitor_start = 0;
	r.ns_dev = UINT64_MAX;
	r.ns_ino[0] = UINT64_MAX;
	snprintf(r.veth_host, sizeof(r.veth_host), "abcdefghij.-_15");
	r.addr_host = IP(255, 255, 255, 255);
	r.addr_peer = IP(0, 0, 0, 1);
	r.prefix = 32;
	r.pool_index = UINT32_MAX;
	memset(r.addr6_host, 0xff, sizeof(r.addr6_host));
	memset(r.addr6_peer, 0, sizeof(r.addr6_peer));
	r.addr6_peer[15] = 1; /* ::1 */
	r.prefix6 = 128;
	r.created = INT64_MAX;
	round_trip(&r);
	r.prefix6 = 1;
	round_trip(&r);

	/* A veth without IPv6; the forms inet_ntop writes with a dotted quad. */
	veth_record(&r);
	memset(r.addr6_host, 0, sizeof(r.addr6_host));
	memset(r.addr6_peer, 0, sizeof(r.addr6_peer));
	r.prefix6 = 0;
	round_trip(&r);
	veth_record(&r);
	assert_int_equal(inet_pton(AF_INET6, "::ffff:10.0.0.1", r.addr6_host), 1);
	assert_int_equal(inet_pton(AF_INET6, "::1:0", r.addr6_peer), 1);
	round_trip(&r);
	/* Bridge: the session has the pool's prefix, addr6_host the gateway. */
	veth_record(&r);
	r.network = NSC_NET_BRIDGE;
	snprintf(r.bridge, sizeof(r.bridge), "br0");
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:0:1::1", r.addr6_host), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:0:1::6", r.addr6_peer), 1);
	r.prefix6 = 64;
	round_trip(&r);

	/* Every non-empty namespace set. */
	for (unsigned mask = 1; mask <= NSC_NS_ALL; mask++) {
		none_record(&r);
		r.namespaces = mask;
		for (int i = 0; i < NSC_NS_COUNT; i++)
			r.ns_ino[i] = (mask & (1u << i)) ? 4026531840u + (uint64_t)i : 0;
		round_trip(&r);
	}
}

static void test_parse_example(void **state)
{
	struct session_record want, got;

	veth_record(&want);
	assert_int_equal(state_parse(veth_text, strlen(veth_text), &got, err, sizeof(err)), 0);
	assert_true(state_record_equal(&want, &got));
}

static void test_parse_any_order(void **state)
{
	/* The lines of veth_text in reverse order. */
	char text[STATE_FILE_MAX];
	const char *lines[40];
	size_t n = 0, pos = 0;
	struct session_record want, got;

	for (const char *p = veth_text; *p; p = strchr(p, '\n') + 1)
		lines[n++] = p;
	while (n > 0) {
		const char *l = lines[--n];
		size_t len = (size_t)(strchr(l, '\n') - l) + 1;
		memcpy(text + pos, l, len);
		pos += len;
	}
	veth_record(&want);
	assert_int_equal(state_parse(text, pos, &got, err, sizeof(err)), 0);
	assert_true(state_record_equal(&want, &got));
	/* Namespaces listed in another order. */
	edit(text, sizeof(text), "namespaces", "namespaces=net,cgroup,uts,ipc,pid,mnt,user");
	assert_int_equal(state_parse(text, strlen(text), &got, err, sizeof(err)), 0);
	assert_true(state_record_equal(&want, &got));
}

/* ---- parse errors ---- */

static void test_parse_missing_key(void **state)
{
	static const char *const keys[] = {
		"version", "user", "uid", "gid", "keeper_pid", "keeper_start",
		"monitor_pid", "monitor_start", "namespaces", "ns_dev", "ns_user",
		"ns_mnt", "ns_pid", "ns_ipc", "ns_uts", "ns_net", "network",
		"veth_host", "addr_host", "addr_peer", "prefix", "pool_index", "created",
		"addr6_host", "addr6_peer", "prefix6",
	};
	char text[STATE_FILE_MAX], msg[64];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		edit(text, sizeof(text), keys[i], NULL);
		snprintf(msg, sizeof(msg), "missing key %s", keys[i]);
		assert_int_equal(parse_str(text), -EINVAL);
		assert_string_equal(err, msg);
	}
	assert_int_equal(parse_str(""), -EINVAL);
	assert_string_equal(err, "missing key version");
	assert_int_equal(parse_text(NULL, 0), -EINVAL);
	assert_string_equal(err, "missing key version");
}

static void test_parse_duplicate_key(void **state)
{
	char text[STATE_FILE_MAX], msg[64];
	const char *p = veth_text;
	int lineno = 0;

	/* Every line repeated at the end: line 35 is the duplicate. */
	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *eq = strchr(p, '=');
		int n = (int)(nl - p) + 1;

		lineno++;
		snprintf(text, sizeof(text), "%s%.*s", veth_text, n, p);
		snprintf(msg, sizeof(msg), "line 35: duplicate key %.*s", (int)(eq - p), p);
		assert_int_equal(parse_str(text), -EINVAL);
		assert_string_equal(err, msg);
		p = nl + 1;
	}
	assert_int_equal(lineno, 34);
	/* Same value twice is still a duplicate. */
	snprintf(text, sizeof(text), "version=4\nversion=4\n");
	assert_int_equal(parse_str(text), -EINVAL);
	assert_string_equal(err, "line 2: duplicate key version");
}

static void test_parse_unknown_key(void **state)
{
	expect_bad_line("version", "Version=1", "line 1: unknown key");
	expect_bad_line("version", " version=1", "line 1: unknown key");
	expect_bad_line("version", "version =1", "line 1: unknown key");
	expect_bad_line("ns_cgroup", "ns_time=5", "line 18: unknown key");
	expect_bad_line("ns_net", "ns_=5", "line 17: unknown key");
	expect_bad_line("created", "=5", "line 33: unknown key");
	expect_bad_line("created", "login=5", "line 33: unknown key");
}

static void test_parse_bad_numbers(void **state)
{
	expect_bad_line("version", "version=1", "line 1: bad value for version");
	expect_bad_line("version", "version=2", "line 1: bad value for version");
	expect_bad_line("version", "version=3", "line 1: bad value for version");
	expect_bad_line("version", "version=5", "line 1: bad value for version");
	expect_bad_line("version", "version=01", "line 1: bad value for version");
	expect_bad_line("version", "version=", "line 1: bad value for version");
	expect_bad_line("uid", "uid=-1", "line 3: bad value for uid");
	expect_bad_line("uid", "uid=+1001", "line 3: bad value for uid");
	expect_bad_line("uid", "uid=01001", "line 3: bad value for uid");
	expect_bad_line("uid", "uid=1001 ", "line 3: bad value for uid");
	expect_bad_line("uid", "uid= 1001", "line 3: bad value for uid");
	expect_bad_line("uid", "uid=0x3e9", "line 3: bad value for uid");
	expect_bad_line("uid", "uid=", "line 3: bad value for uid");
	expect_bad_line("uid", "uid=4294967296", "line 3: bad value for uid");
	expect_bad_line("uid", "uid=4294967295", "line 3: uid: not a valid id");
	expect_bad_line("gid", "gid=4294967295", "line 4: gid: not a valid id");
	expect_bad_line("keeper_pid", "keeper_pid=0", "line 6: keeper_pid: not a valid pid");
	expect_bad_line("keeper_pid", "keeper_pid=2147483648", "line 6: bad value for keeper_pid");
	expect_bad_line("keeper_pid", "keeper_pid=-4242", "line 6: bad value for keeper_pid");
	expect_bad_line("monitor_pid", "monitor_pid=0", "line 8: monitor_pid: not a valid pid");
	expect_bad_line("keeper_start", "keeper_start=18446744073709551616",
			"line 7: bad value for keeper_start");
	expect_bad_line("monitor_start", "monitor_start=1e5", "line 9: bad value for monitor_start");
	expect_bad_line("ns_dev", "ns_dev=", "line 11: bad value for ns_dev");
	expect_bad_line("ns_pid", "ns_pid=-1", "line 14: bad value for ns_pid");
	expect_bad_line("prefix", "prefix=33", "line 24: prefix: not a valid prefix length");
	expect_bad_line("prefix", "prefix=030", "line 24: bad value for prefix");
	expect_bad_line("pool_index", "pool_index=4294967296", "line 25: bad value for pool_index");
	expect_bad_line("prefix6", "prefix6=129", "line 28: prefix6: not a valid prefix length");
	expect_bad_line("prefix6", "prefix6=4294967295",
			"line 28: prefix6: not a valid prefix length");
	for (const char *const *v = (const char *const[]){ "0126", "-1", "", "/126", "1e2", NULL };
	     *v; v++) {
		char line[32];

		snprintf(line, sizeof(line), "prefix6=%s", *v);
		expect_bad_line("prefix6", line, "line 28: bad value for prefix6");
	}
	expect_bad_line("created", "created=-1", "line 33: bad value for created");
	expect_bad_line("created", "created=9223372036854775808", "line 33: bad value for created");
	expect_bad_line("created", "created=1700000000.5", "line 33: bad value for created");
}

static void test_parse_bad_strings(void **state)
{
	expect_bad_line("user", "user=", "line 2: user: not a valid user name");
	expect_bad_line("user", "user=-alice", "line 2: user: not a valid user name");
	expect_bad_line("user", "user=al ice", "line 2: user: not a valid user name");
	expect_bad_line("user", "user=alice\r", "line 2: user: not a valid user name");
	expect_bad_line("user", "user=a=b", "line 2: user: not a valid user name");
	expect_bad_line("user", "user=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 33 */
			"line 2: bad value for user");
	expect_bad_line("namespaces", "namespaces=", "line 10: bad value for namespaces");
	expect_bad_line("namespaces", "namespaces=user,,mnt,pid,ipc,uts,net",
			"line 10: bad value for namespaces");
	expect_bad_line("namespaces", "namespaces=user,user,mnt,pid,ipc,uts,net",
			"line 10: bad value for namespaces");
	expect_bad_line("namespaces", "namespaces=user,mnt,pid,ipc,uts,net,time",
			"line 10: bad value for namespaces");
	expect_bad_line("namespaces", "namespaces=user,mnt,pid,ipc,uts,net,",
			"line 10: bad value for namespaces");
	expect_bad_line("namespaces", "namespaces=,user,mnt,pid,ipc,uts,net",
			"line 10: bad value for namespaces");
	expect_bad_line("namespaces", "namespaces=User,mnt,pid,ipc,uts,net",
			"line 10: bad value for namespaces");
	expect_bad_line("namespaces", "namespaces=user mnt pid ipc uts net",
			"line 10: bad value for namespaces");
	expect_bad_line("network", "network=macvlan", "line 19: bad value for network");
	expect_bad_line("network", "network=Veth", "line 19: bad value for network");
	/* The session id: exactly 16 lowercase hex digits. */
	expect_bad_line("id", "id=", "line 5: id: not a valid session id");
	expect_bad_line("id", "id=0123456789abcde", "line 5: id: not a valid session id");
	expect_bad_line("id", "id=0123456789ABCDEF", "line 5: id: not a valid session id");
	expect_bad_line("id", "id=0123456789abcdeg", "line 5: id: not a valid session id");
	expect_bad_line("id", "id=0123456789abcdef0", "line 5: bad value for id");
	/* The cgroup name: [a-z0-9-], never a path. */
	expect_bad_line("cgroup", "cgroup=../../etc", "line 29: cgroup: not a valid cgroup name");
	expect_bad_line("cgroup", "cgroup=a/b", "line 29: cgroup: not a valid cgroup name");
	expect_bad_line("cgroup", "cgroup=-x", "line 29: cgroup: not a valid cgroup name");
	expect_bad_line("cgroup", "cgroup=Ab", "line 29: cgroup: not a valid cgroup name");
	expect_bad_line("cgroup",
			"cgroup=0123456789012345678901234567890123456789012345678",
			"line 29: bad value for cgroup");
	expect_bad_line("identity", "identity=admin", "line 30: bad value for identity");
	expect_bad_line("identity", "identity=", "line 30: bad value for identity");
	expect_bad_line("no_new_privs", "no_new_privs=1", "line 31: bad value for no_new_privs");
	expect_bad_line("build", "build=xyz", "line 32: build: not a valid build fingerprint");
	expect_bad_line("build", "build=FEDCBA9876543210", "line 32: build: not a valid build fingerprint");
	expect_bad_line("build", "build=", "line 32: build: not a valid build fingerprint");
	expect_bad_line("logins", "logins=1025", "line 34: logins: too many logins");
	expect_bad_line("logins", "logins=-1", "line 34: bad value for logins");
	expect_bad_line("bridge", "bridge=a/b", "line 21: bridge: not a valid interface name");
	expect_bad_line("network", "network=", "line 19: bad value for network");
	expect_bad_line("network", "network=VETH", "line 19: bad value for network");
	expect_bad_line("veth_host", "veth_host=a/b", "line 20: veth_host: not a valid interface name");
	expect_bad_line("veth_host", "veth_host=..", "line 20: veth_host: not a valid interface name");
	expect_bad_line("veth_host", "veth_host=nsv 1", "line 20: veth_host: not a valid interface name");
	expect_bad_line("veth_host", "veth_host=abcdefghijklmnop", "line 20: bad value for veth_host");
}

static void test_parse_bad_addresses(void **state)
{
	static const char *const bad[] = {
		"", "10.250.0.256", "010.250.0.1", "10.250.0", "10.250.0.1.2", "10.250.0.1.",
		".10.250.0.1", "10..0.1", " 10.250.0.1", "10.250.0.1 ", "10.250.0.1/30",
		"0x0a.250.0.1", "10.250.0.-1", "10.250.0.+1", "1000.0.0.1", "10.250.0.00",
		"255.255.255.2555", "a.b.c.d", "10,250,0,1", "4294967295",
	};
	char line[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "addr_host=%s", bad[i]);
		expect_bad_line("addr_host", line, "line 22: bad value for addr_host");
		snprintf(line, sizeof(line), "addr_peer=%s", bad[i]);
		expect_bad_line("addr_peer", line, "line 23: bad value for addr_peer");
	}
}

/* IPv6 addresses: only inet_ntop's canonical text, so every address has
 * one spelling (a round trip gives the same file). */
static void test_parse_bad_ipv6(void **state)
{
	static const char *const bad[] = {
		"", "FD00:4e53::1", "fd00:4E53::1", "fd00:4e53:0::1", "fd00:4e53:0:0:0:0:0:1",
		"fd00:4e53::0001", "fd00:04e53::1", "0:0:0:0:0:0:0:0", "0::", "::0",
		"::ffff:a00:1", "::ffff:010.0.0.1", "10.250.0.1", "fd00:4e53::1/126",
		" fd00:4e53::1", "fd00:4e53::1 ", "fd00:4e53::1%eth0", "fd00:4e53:::1",
		"fd00:4e53::1::", "fd00:4e53::g", "[fd00:4e53::1]", "fd00:4e53::1:",
		":fd00:4e53::1", "1:2:3:4:5:6:7:8:9", "fd00:4e53::12345",
		"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
	};
	static const char *const good[] = {
		"::", "::1", "fd00::1", "::ffff:10.0.0.1", "2001:db8::", "1:2:3:4:5:6:7:8",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::1:0:0:1", "1::2:0:0:3",
	};
	char text[STATE_FILE_MAX], line[128];
	struct session_record r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "addr6_host=%s", bad[i]);
		expect_bad_line("addr6_host", line, "line 26: bad value for addr6_host");
		snprintf(line, sizeof(line), "addr6_peer=%s", bad[i]);
		expect_bad_line("addr6_peer", line, "line 27: bad value for addr6_peer");
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint8_t want[16];

		if (strcmp(good[i], "::") == 0)
			continue; /* :: with prefix6=126 is inconsistent, below */
		snprintf(line, sizeof(line), "addr6_peer=%s", good[i]);
		edit(text, sizeof(text), "addr6_peer", line);
		if (state_parse(text, strlen(text), &r, err, sizeof(err)) != 0)
			fail_msg("%s: %s", good[i], err);
		assert_int_equal(inet_pton(AF_INET6, good[i], want), 1);
		assert_memory_equal(r.addr6_peer, want, 16);
	}
}

static void test_parse_inconsistent(void **state)
{
	char text[STATE_FILE_MAX];

	expect_bad_line("ns_mnt", "ns_mnt=0",
			"inconsistent record: ns_ inode numbers do not match namespaces");
	expect_bad_line("namespaces", "namespaces=user,mnt,pid,ipc,uts",
			"inconsistent record: ns_ inode numbers do not match namespaces");
	expect_bad_line("network", "network=none",
			"inconsistent record: network=none with veth_host, addresses or "
			"pool_index set");
	expect_bad_line("veth_host", "veth_host=",
			"inconsistent record: a network mode with a veth but no veth_host");
	expect_bad_line("bridge", "bridge=br0",
			"inconsistent record: bridge set without network=bridge, or missing");
	expect_bad_line("network", "network=bridge",
			"inconsistent record: bridge set without network=bridge, or missing");
	expect_bad_line("prefix6", "prefix6=0", "inconsistent record: IPv6 addresses with prefix6=0");
	expect_bad_line("addr6_host", "addr6_host=::",
			"inconsistent record: prefix6 set but an IPv6 address is ::");
	expect_bad_line("addr6_peer", "addr6_peer=::",
			"inconsistent record: prefix6 set but an IPv6 address is ::");
	/* network=none with only the addresses left over. */
	edit(text, sizeof(text), "veth_host", "veth_host=");
	char *p = strstr(text, "network=veth");
	assert_non_null(p);
	memcpy(p, "network=none", 12);
	assert_int_equal(parse_str(text), -EINVAL);
	assert_string_equal(err, "inconsistent record: network=none with veth_host, "
				 "addresses or pool_index set");
	/* network=none with only IPv6 left over (IPv4 cleared). */
	{
		struct session_record r;
		char buf[STATE_FILE_MAX];
		int len;

		none_record(&r);
		len = state_format(&r, buf, sizeof(buf));
		assert_true(len > 0);
		assert_int_equal(parse_str(buf), 0);
		p = strstr(buf, "addr6_host=::\naddr6_peer=::\nprefix6=0\n");
		assert_non_null(p);
		snprintf(text, sizeof(text), "%.*saddr6_host=fd00::1\naddr6_peer=fd00::2\n"
			 "prefix6=126\n%s", (int)(p - buf), buf,
			 p + strlen("addr6_host=::\naddr6_peer=::\nprefix6=0\n"));
		assert_int_equal(parse_str(text), -EINVAL);
		assert_string_equal(err, "inconsistent record: network=none with veth_host, "
					 "addresses or pool_index set");
	}
}

static void test_parse_structure(void **state)
{
	char text[STATE_FILE_MAX + 64];
	size_t len = strlen(veth_text);

	/* No '=' in a line; an empty line. */
	expect_bad_line("uid", "uid", "line 3: expected key=value");
	expect_bad_line("uid", "", "line 3: empty line");
	snprintf(text, sizeof(text), "%s\n", veth_text);
	assert_int_equal(parse_str(text), -EINVAL);
	assert_string_equal(err, "line 35: empty line");
	snprintf(text, sizeof(text), "# comment\n%s", veth_text);
	assert_int_equal(parse_str(text), -EINVAL);
	assert_string_equal(err, "line 1: expected key=value");

	/* Missing final newline: the file was truncated. */
	assert_int_equal(parse_text(veth_text, len - 1), -EINVAL);
	assert_string_equal(err, "line 34: no newline at end of file (truncated?)");
	assert_int_equal(parse_text(veth_text, len - 5), -EINVAL);
	assert_string_equal(err, "line 34: no newline at end of file (truncated?)");
	/* Truncated at a line boundary: a key is missing. */
	assert_int_equal(parse_text(veth_text, len - strlen("logins=2\n")), -EINVAL);
	assert_string_equal(err, "missing key logins");
	/* Every truncation fails. */
	for (size_t l = 0; l < len; l++)
		assert_int_equal(parse_text(veth_text, l), -EINVAL);
	/* A CRLF file. */
	edit(text, sizeof(text), "version", "version=4\r");
	assert_int_equal(parse_str(text), -EINVAL);
	assert_string_equal(err, "line 1: bad value for version");
}

static void test_parse_limits(void **state)
{
	char text[STATE_FILE_MAX + 64];
	char line[STATE_LINE_MAX + 8];
	size_t len;

	/* A line of STATE_LINE_MAX characters is read (and judged); one more
	 * is too long. */
	memset(line, 0, sizeof(line));
	memcpy(line, "ns_dev=", 7);
	memset(line + 7, '1', STATE_LINE_MAX - 7);
	expect_bad_line("ns_dev", line, "line 11: bad value for ns_dev");
	line[STATE_LINE_MAX] = '1';
	expect_bad_line("ns_dev", line, "line 11: line longer than 128 characters");
	/* Overlong last line without newline. */
	snprintf(text, sizeof(text), "%s%s", veth_text, line);
	assert_int_equal(parse_str(text), -EINVAL);
	assert_string_equal(err, "line 35: line longer than 128 characters");

	/* File size: STATE_FILE_MAX + 1 bytes is refused before anything. */
	memset(text, 'x', sizeof(text));
	assert_int_equal(parse_text(text, STATE_FILE_MAX + 1), -EINVAL);
	assert_string_equal(err, "file longer than 4096 bytes");
	/* A valid record padded to exactly STATE_FILE_MAX is judged on its lines. */
	len = strlen(veth_text);
	memcpy(text, veth_text, len);
	memset(text + len, '\n', STATE_FILE_MAX - len);
	assert_int_equal(parse_text(text, STATE_FILE_MAX), -EINVAL);
	assert_string_equal(err, "line 35: empty line");
}

static void test_parse_nul(void **state)
{
	char text[STATE_FILE_MAX];
	size_t len = strlen(veth_text);

	memcpy(text, veth_text, len);
	text[strlen("version=4\nuser=ali")] = '\0';
	assert_int_equal(parse_text(text, len), -EINVAL);
	assert_string_equal(err, "line 2: NUL byte");
	memcpy(text, veth_text, len);
	text[len - 1] = '\0'; /* the final newline */
	assert_int_equal(parse_text(text, len), -EINVAL);
	assert_string_equal(err, "line 34: NUL byte");
}

/* Only the monitor, from a record of another version. */
static void test_parse_monitor(void **state)
{
	const char *v2 = "version=2\nuser=alice\nmonitor_start=123450\nmonitor_pid=4241\nfoo\n";
	const char *bad[] = {
		"version=2\nmonitor_pid=4241\n",                      /* no start */
		"monitor_start=123450\n",                              /* no pid */
		"monitor_pid=0\nmonitor_start=1\n",                    /* pid 0 */
		"monitor_pid=-5\nmonitor_start=1\n",
		"monitor_pid=42x\nmonitor_start=1\n",
		"monitor_pid=42\nmonitor_start=18446744073709551616\n", /* 2^64 */
		"monitor_pid=\nmonitor_start=1\n",
		"",
	};
	uint64_t start = 0;
	pid_t pid = 0;

	assert_int_equal(state_parse_monitor(v2, strlen(v2), &pid, &start), 0);
	assert_int_equal(pid, 4241);
	assert_true(start == 123450);
	/* No final newline: the last line still counts. */
	assert_int_equal(state_parse_monitor("monitor_pid=7\nmonitor_start=9", 29, &pid, &start), 0);
	assert_int_equal(pid, 7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (state_parse_monitor(bad[i], strlen(bad[i]), &pid, &start) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	/* The current format works too. */
	assert_int_equal(state_parse_monitor(veth_text, strlen(veth_text), &pid, &start), 0);
	assert_int_equal(pid, 4241);
}

/* The build fingerprint: fixed for a text, different for another. */
static void test_build_hash(void **state)
{
	char a[STATE_ID_LEN + 1], b[STATE_ID_LEN + 1];

	state_build_hash("", a);
	assert_string_equal(a, "cbf29ce484222325"); /* FNV-1a 64 offset basis */
	state_build_hash("identity=0\n", a);
	state_build_hash("identity=1\n", b);
	assert_true(state_valid_id(a) && state_valid_id(b));
	assert_string_not_equal(a, b);
	state_build_hash("identity=0\n", b);
	assert_string_equal(a, b);
}

static void test_parse_err_buffer(void **state)
{
	struct session_record r, untouched;
	char small[6];

	memset(&r, 0x5a, sizeof(r));
	untouched = r;
	assert_int_equal(state_parse("uid\n", 4, &r, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "line ");
	assert_int_equal(state_parse("uid\n", 4, &r, NULL, 0), -EINVAL);
	/* A failed parse leaves the output alone. */
	assert_memory_equal(&r, &untouched, sizeof(r));
}

/* The field table's keys: the lines of veth_text in order, the ns_ keys
 * spelled from nskinds[].name (ns_ino[] is indexed like it; keys 11 to 17),
 * then NULL. */
static void test_key_names(void **state)
{
	const char *p = veth_text;
	size_t i = 0;

	for (; *p; i++) {
		const char *eq = strchr(p, '='), *name = state_key_name(i);

		assert_non_null(name);
		assert_int_equal(strlen(name), (size_t)(eq - p));
		assert_memory_equal(name, p, strlen(name));
		p = strchr(p, '\n') + 1;
	}
	assert_null(state_key_name(i));
	for (int k = 0; k < NSC_NS_COUNT; k++) {
		char want[32];

		snprintf(want, sizeof(want), "ns_%s", nskinds[k].name);
		assert_string_equal(state_key_name(11 + (size_t)k), want);
	}
}

/* fuzz/state.dict names every key as "KEY=" (tests run at the top of the
 * repository), so the fuzzer can build a line of each. */
static void test_fuzz_dict(void **state)
{
	FILE *f = fopen("fuzz/state.dict", "r");
	char dict[8192], want[48];
	size_t n;

	if (!f)
		fail_msg("fuzz/state.dict: %s (run from the top of the repository)", strerror(errno));
	n = fread(dict, 1, sizeof(dict) - 1, f);
	fclose(f);
	assert_true(n < sizeof(dict) - 1);
	dict[n] = '\0';
	for (size_t i = 0; state_key_name(i); i++) {
		snprintf(want, sizeof(want), "\n\"%s=", state_key_name(i));
		if (!strstr(dict, want))
			fail_msg("fuzz/state.dict lacks a line %s\"", want + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_exact),
		cmocka_unit_test(test_format_none),
		cmocka_unit_test(test_format_enospc),
		cmocka_unit_test(test_format_invalid),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_example),
		cmocka_unit_test(test_parse_any_order),
		cmocka_unit_test(test_parse_missing_key),
		cmocka_unit_test(test_parse_duplicate_key),
		cmocka_unit_test(test_parse_unknown_key),
		cmocka_unit_test(test_parse_bad_numbers),
		cmocka_unit_test(test_parse_bad_strings),
		cmocka_unit_test(test_parse_bad_addresses),
		cmocka_unit_test(test_parse_bad_ipv6),
		cmocka_unit_test(test_parse_inconsistent),
		cmocka_unit_test(test_parse_structure),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_nul),
		cmocka_unit_test(test_parse_err_buffer),
		cmocka_unit_test(test_build_hash),
		cmocka_unit_test(test_parse_monitor),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_fuzz_dict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
