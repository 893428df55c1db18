/* test_conf.c — cmocka tests for conf/nsconf.c (parser, resolver, files). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsconf.h"

#define HOST "box.example.org"

/* ---- helpers ----------------------------------------------------------- */

/* Every message: one line of printable ASCII starting with `prefix` and
 * containing `needle`. */
static void check_msg(const char *err, const char *prefix, const char *needle)
{
	for (const char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			fail_msg("message has a non-printable byte: '%s'", err);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("message '%s' does not start with '%s'", err, prefix);
	if (!strstr(err, needle))
		fail_msg("message '%s' does not contain '%s'", err, needle);
}

static struct nsc_config *parse_ok_len(const char *text, size_t len)
{
	char err[NSC_ERR_MAX] = "";
	struct nsc_config *cfg = NULL;
	int r = nsc_parse_buffer(text, len, "t.conf", &cfg, err, sizeof(err));

	if (r != 0)
		fail_msg("unexpected error %d: %s", r, err);
	assert_non_null(cfg);
	return cfg;
}

static struct nsc_config *parse_ok(const char *text)
{
	return parse_ok_len(text, strlen(text));
}

static void expect_bad_len(const char *text, size_t len, unsigned line,
			   const char *needle)
{
	char err[NSC_ERR_MAX] = "";
	char prefix[32];
	static char sentinel;
	/* any value: nsc_parse_buffer must set it to NULL on error */
	struct nsc_config *cfg = (struct nsc_config *)(void *)&sentinel;
	int r = nsc_parse_buffer(text, len, "t.conf", &cfg, err, sizeof(err));

	if (r != -EINVAL)
		fail_msg("expected -EINVAL for line %u '%s', got %d", line, needle, r);
	assert_null(cfg);
	snprintf(prefix, sizeof(prefix), "t.conf:%u: ", line);
	check_msg(err, prefix, needle);
}

static void expect_bad(const char *text, unsigned line, const char *needle)
{
	expect_bad_len(text, strlen(text), line, needle);
}

/* expect_bad for each of the n values: the file is pre VALUE post, the
 * message has mpre VALUE mpost. */
static void expect_bad_each(const char *pre, const char *post, unsigned line,
			    const char *mpre, const char *mpost,
			    const char *const *vals, size_t n)
{
	char text[NSC_LINE_MAX + 64], needle[256];

	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "%s%s%s", pre, vals[i], post);
		snprintf(needle, sizeof(needle), "%s%s%s", mpre, vals[i], mpost);
		expect_bad(text, line, needle);
	}
}
#define VALS(a) a, sizeof(a) / sizeof((a)[0])

/* A file, the line its error names, a part of the message. */
struct bad_case {
	const char *text;
	unsigned line;
	const char *needle;
};

static void expect_bad_cases(const struct bad_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_bad(c[i].text, c[i].line, c[i].needle);
}

/* Parse `text`, resolve for `user` (uid 1000 unless given). */
static int resolve_text(const char *text, const char *user, uid_t uid,
			const char *const *groups, size_t ngroups,
			struct nsc_policy *p, char *err, size_t errlen)
{
	struct nsc_config *cfg = parse_ok(text);
	int r = nsc_resolve_host(cfg, user, uid, groups, ngroups, HOST, p, err, errlen);

	nsc_free(cfg);
	return r;
}

static void resolve_ok(const char *text, const char *user,
		       const char *const *groups, size_t ngroups, struct nsc_policy *p)
{
	char err[NSC_ERR_MAX] = "";
	int r = resolve_text(text, user, 1000, groups, ngroups, p, err, sizeof(err));

	if (r != 0)
		fail_msg("unexpected resolve error %d: %s", r, err);
}

static void expect_incoherent(const char *text, const char *user,
			      const char *needle)
{
	char err[NSC_ERR_MAX] = "";
	char prefix[64];
	struct nsc_policy p;
	int r = resolve_text(text, user, 1000, NULL, 0, &p, err, sizeof(err));

	if (r != -EINVAL)
		fail_msg("expected -EINVAL ('%s'), got %d", needle, r);
	snprintf(prefix, sizeof(prefix), "policy for %s: ", user);
	check_msg(err, prefix, needle);
}

static void assert_policy_equal(const struct nsc_policy *a, const struct nsc_policy *b)
{
	assert_int_equal(a->exempt, b->exempt);
	assert_int_equal(a->namespaces, b->namespaces);
	assert_int_equal(a->identity, b->identity);
	assert_string_equal(a->hostname, b->hostname);
	assert_int_equal(a->network, b->network);
	assert_int_equal(a->pool_net, b->pool_net);
	assert_int_equal(a->pool_prefix, b->pool_prefix);
	assert_string_equal(a->veth_name, b->veth_name);
	assert_int_equal(a->private_tmp, b->private_tmp);
	assert_string_equal(a->tmp_size, b->tmp_size);
	assert_int_equal(a->tmp_inodes, b->tmp_inodes);
	assert_int_equal(a->subids, b->subids);
	assert_int_equal(a->no_new_privs, b->no_new_privs);
	assert_int_equal(a->linger, b->linger);
	assert_memory_equal(&a->pool6, &b->pool6, sizeof(a->pool6));
	assert_int_equal(a->nat6, b->nat6);
	assert_int_equal(a->egress_any, b->egress_any);
	assert_int_equal(a->n_egress, b->n_egress);
	assert_memory_equal(a->egress, b->egress, sizeof(a->egress));
	assert_int_equal(a->dns, b->dns);
	assert_int_equal(a->n_dns, b->n_dns);
	assert_memory_equal(a->dns_servers, b->dns_servers, sizeof(a->dns_servers));
}

/* nsc_format_addr of a, compared with `want`. */
static void assert_addr(const struct nsc_addr *a, const char *want)
{
	char s[48];

	nsc_format_addr(a, s);
	assert_string_equal(s, want);
}

/* ---- defaults and basic syntax ----------------------------------------- */

static void test_builtin_defaults(void **state)
{
	struct nsc_policy p;

	nsc_policy_defaults(&p);
	assert_false(p.exempt);
	assert_int_equal(p.namespaces, NSC_NS_ALL);
	assert_int_equal(p.identity, NSC_ID_SELF);
	assert_string_equal(p.hostname, "%u-%h");
	assert_int_equal(p.network, NSC_NET_NONE);
	assert_int_equal(p.pool_net, 0x0afa0000u);
	assert_int_equal(p.pool_prefix, 16);
	assert_string_equal(p.veth_name, "nsv%U");
	assert_true(p.private_tmp);
	assert_string_equal(p.tmp_size, "25%");
	assert_int_equal(p.tmp_inodes, 262144);
	assert_true(p.subids);
	assert_true(p.no_new_privs);
	assert_int_equal(p.linger, 0);
	assert_int_equal(p.pool6.family, 0);
	assert_addr(&p.pool6, "none");
	assert_true(p.nat6);
	assert_true(p.egress_any);
	assert_int_equal(p.n_egress, 0);
	assert_int_equal(p.dns, NSC_DNS_AUTO);
	assert_int_equal(p.n_dns, 0);

	assert_string_equal(nskinds[0].name, "user");
	assert_string_equal(nskinds[1].name, "mnt");
	assert_string_equal(nskinds[2].name, "pid");
	assert_string_equal(nskinds[3].name, "ipc");
	assert_string_equal(nskinds[4].name, "uts");
	assert_string_equal(nskinds[5].name, "net");
}

static void test_empty_file_is_defaults(void **state)
{
	const char *texts[] = { "", "\n", "\n\n  \n\t\n", "# only a comment",
				"# c\n   # indented\n\n", "[defaults]\n" };
	struct nsc_policy want, got;
	char err[NSC_ERR_MAX];
	struct nsc_config *cfg;

	nsc_policy_defaults(&want);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		resolve_ok(texts[i], "alice", NULL, 0, &got);
		assert_policy_equal(&got, &want);
	}
	/* a NULL buffer of length 0 is an empty file */
	assert_int_equal(nsc_parse_buffer(NULL, 0, "t.conf", &cfg, err, sizeof(err)), 0);
	assert_int_equal(nsc_resolve_host(cfg, "alice", 1000, NULL, 0, HOST, &got,
					  err, sizeof(err)), 0);
	assert_policy_equal(&got, &want);
	nsc_free(cfg);
	nsc_free(NULL);
}

static void test_every_key(void **state)
{
	struct nsc_policy p;

	resolve_ok("[defaults]\n"
		   "exempt = no\n"
		   "namespaces = user,mnt,pid,net\n"
		   "identity = root\n"
		   "hostname = s-%U\n"
		   "network = veth\n"
		   "address_pool = 192.168.64.0/20\n"
		   "veth_name = ve.%U\n"
		   "private_tmp = no\n"
		   "tmp_size = 2g\n"
		   "tmp_inodes = 1m\n"
		   "subids = no\n"
		   "no_new_privs = no\n"
		   "linger = 86400\n"
		   "address_pool6 = fd00:4e53::/64\n"
		   "ipv6_nat = no\n"
		   "egress = 10.248.0.2 tcp 8080, fd00:1::/64 udp 53\n"
		   "dns = 192.0.2.53, 2001:db8::53\n",
		   "alice", NULL, 0, &p);
	assert_false(p.exempt);
	assert_int_equal(p.namespaces, NSC_NS_USER | NSC_NS_MNT | NSC_NS_PID | NSC_NS_NET);
	assert_int_equal(p.identity, NSC_ID_ROOT);
	assert_string_equal(p.hostname, "s-%U");
	assert_int_equal(p.network, NSC_NET_VETH);
	assert_int_equal(p.pool_net, 0xc0a84000u);
	assert_int_equal(p.pool_prefix, 20);
	assert_string_equal(p.veth_name, "ve.%U");
	assert_false(p.private_tmp);
	assert_string_equal(p.tmp_size, "2g");
	assert_int_equal(p.tmp_inodes, 1048576);
	assert_false(p.subids);
	assert_false(p.no_new_privs);
	assert_int_equal(p.linger, 86400);
	assert_addr(&p.pool6, "fd00:4e53::/64");
	assert_false(p.nat6);
	assert_false(p.egress_any);
	assert_int_equal(p.n_egress, 2);
	assert_addr(&p.egress[0].dst, "10.248.0.2");
	assert_int_equal(p.egress[0].proto, IPPROTO_TCP);
	assert_int_equal(p.egress[0].port, 8080);
	assert_addr(&p.egress[1].dst, "fd00:1::/64");
	assert_int_equal(p.egress[1].proto, IPPROTO_UDP);
	assert_int_equal(p.egress[1].port, 53);
	assert_int_equal(p.dns, NSC_DNS_LIST);
	assert_int_equal(p.n_dns, 2);
	assert_addr(&p.dns_servers[0], "192.0.2.53");
	assert_addr(&p.dns_servers[1], "2001:db8::53");
}

static void test_whitespace_and_comments(void **state)
{
	struct nsc_policy p;

	resolve_ok("   network   =   veth   # comment after a value\n"
		   "\tlinger\t=\t0\t\n"
		   "namespaces =  user  mnt\t,pid , ipc,uts,,net cgroup \n"
		   "#identity = root\n"
		   "  # indented comment\n"
		   "[ user   alice ]   # comment after a header\n"
		   "hostname=%u-x#no space before the comment\n"
		   "linger=7", /* last line without '\n' */
		   "alice", NULL, 0, &p);
	assert_int_equal(p.network, NSC_NET_VETH);
	assert_int_equal(p.namespaces, NSC_NS_ALL);
	assert_int_equal(p.identity, NSC_ID_SELF);
	assert_string_equal(p.hostname, "%u-x");
	assert_int_equal(p.linger, 7);
}

static void test_keys_before_header_are_defaults(void **state)
{
	struct nsc_policy p;
	const char *const g[] = { "staff" };

	resolve_ok("linger = 5\n[group staff]\nlinger = 6\n", "alice", NULL, 0, &p);
	assert_int_equal(p.linger, 5);
	resolve_ok("linger = 5\n[group staff]\nlinger = 6\n", "alice", g, 1, &p);
	assert_int_equal(p.linger, 6);
	/* [defaults] first opened by a header: no settings before it */
	resolve_ok("# comment\n\n[defaults]\nlinger = 5\n", "alice", NULL, 0, &p);
	assert_int_equal(p.linger, 5);
	/* [defaults] anywhere in the file applies before every group */
	resolve_ok("[group staff]\nlinger = 6\n[defaults]\nlinger = 5\n", "alice", g, 1, &p);
	assert_int_equal(p.linger, 6);
	resolve_ok("[group staff]\nlinger = 6\n[defaults]\nlinger = 5\n", "bob", NULL, 0, &p);
	assert_int_equal(p.linger, 5);
}

/* ---- syntax errors ----------------------------------------------------- */

static void test_duplicate_sections(void **state)
{
	expect_bad("linger = 1\n[defaults]\n", 2,
		   "duplicate section [defaults] (first at line 1)");
	expect_bad("# c\n\nlinger = 1\n[user a]\n[defaults]\n", 5,
		   "duplicate section [defaults] (first at line 3)");
	expect_bad("[defaults]\n[defaults]\n", 2,
		   "duplicate section [defaults] (first at line 1)");
	expect_bad("[defaults]\nlinger = 1\n[user a]\n[defaults]\n", 4,
		   "duplicate section [defaults] (first at line 1)");
	expect_bad("\n[group staff]\nlinger = 1\n[user staff]\n[group x]\n[group staff]\n", 6,
		   "duplicate section [group staff] (first at line 2)");
	expect_bad("[user alice]\n[user alice]\n", 2,
		   "duplicate section [user alice] (first at line 1)");
	/* names are case-sensitive; user and group names are separate */
	nsc_free(parse_ok("[user alice]\n[user Alice]\n[group alice]\n"));
}

static void test_duplicate_keys(void **state)
{
	expect_bad("[user alice]\nidentity = self\nidentity = root\n", 3,
		   "duplicate key 'identity' in [user alice]");
	expect_bad("linger = 1\nlinger = 1\n", 2, "duplicate key 'linger' in [defaults]");
	expect_bad("[defaults]\nlinger = 1\n  linger=2\n", 3,
		   "duplicate key 'linger' in [defaults]");
	expect_bad("[group staff]\nexempt = no\n# x\nexempt = yes\n", 4,
		   "duplicate key 'exempt' in [group staff]");
	/* the same key in different sections is fine */
	nsc_free(parse_ok("linger = 1\n[user a]\nlinger = 2\n[group a]\nlinger = 3\n"));
}

static void test_odd_lines(void **state)
{
	expect_bad("netwrk = veth\n", 1, "unknown key 'netwrk'");
	expect_bad("\n\n\n\n\n\n\n\n\n\n\nNetwork = veth\n", 12, "unknown key 'Network'");
	expect_bad("network\n", 1, "expected 'key = value' or a [section] header");
	expect_bad("linger 5\n", 1, "expected 'key = value'");
	expect_bad("= veth\n", 1, "missing key before '='");
	expect_bad("  =\n", 1, "missing key before '='");
	expect_bad("network =\n", 1, "empty value for 'network'");
	expect_bad("network =    \n", 1, "empty value for 'network'");
	expect_bad("network = # veth\n", 1, "empty value for 'network'");
	expect_bad("net work = veth\n", 1, "unknown key 'net work'");
	expect_bad("[user alice\n", 1, "unterminated section header");
	expect_bad("[user alice] x\n", 1, "unexpected text after ']'");
	expect_bad("[user alice]]\n", 1, "unexpected text after ']'");
	expect_bad("[]\n", 1, "empty section header");
	expect_bad("[  ]\n", 1, "empty section header");
	expect_bad("[host box]\n", 1, "unknown section [host]");
	expect_bad("[Defaults]\n", 1, "unknown section [Defaults]");
	expect_bad("[user]\n", 1, "missing name in [user]");
	expect_bad("[group   ]\n", 1, "missing name in [group]");
	expect_bad("[defaults all]\n", 1, "[defaults] takes no name");
	expect_bad("[user -alice]\n", 1, "bad user name '-alice'");
	expect_bad("[user .alice]\n", 1, "bad user name '.alice'");
	expect_bad("[group a/b]\n", 1, "bad group name 'a/b'");
	expect_bad("[user alice bob]\n", 1, "bad user name 'alice bob'");
	expect_bad("[user $]\n", 1, "bad user name '$'");
	expect_bad("[user a$b]\n", 1, "bad user name 'a$b'");
	expect_bad("[user abcdefghijklmnopqrstuvwxyz0123456]\n", 1, "bad user name");
	nsc_free(parse_ok("[user abcdefghijklmnopqrstuvwxyz012345]\n[user host$]\n"
			  "[group a.b_c-d]\n[user 0]\n"));
	/* a key needs a value even in a section that is otherwise fine */
	expect_bad("[user alice]\nlinger = 1\nexempt\n", 3, "expected 'key = value'");
}

static void test_line_length(void **state)
{
	char *buf = malloc(NSC_LINE_MAX + 64);

	assert_non_null(buf);
	/* exactly NSC_LINE_MAX characters: fine, with or without '\n' */
	buf[0] = '#';
	memset(buf + 1, 'x', NSC_LINE_MAX - 1);
	buf[NSC_LINE_MAX] = '\n';
	nsc_free(parse_ok_len(buf, NSC_LINE_MAX + 1));
	nsc_free(parse_ok_len(buf, NSC_LINE_MAX));
	/* one more: too long, also as a comment or as the last line */
	buf[NSC_LINE_MAX] = 'x';
	buf[NSC_LINE_MAX + 1] = '\n';
	expect_bad_len(buf, NSC_LINE_MAX + 2, 1, "line too long (max 1024)");
	expect_bad_len(buf, NSC_LINE_MAX + 1, 1, "line too long (max 1024)");
	/* a long line later in the file names its own line */
	memcpy(buf, "a\n\n", 3);
	expect_bad_len(buf, NSC_LINE_MAX + 2, 1, "expected 'key = value'");
	/* line 2 is NSC_LINE_MAX + 1 characters */
	memcpy(buf, "#\n#", 3);
	memset(buf + 3, 'x', NSC_LINE_MAX);
	buf[NSC_LINE_MAX + 3] = '\n';
	expect_bad_len(buf, NSC_LINE_MAX + 4, 2, "line too long (max 1024)");
	free(buf);
}

static void test_nul_and_control_bytes(void **state)
{
	static const char nul1[] = "network = veth\0\n";
	static const char nul2[] = "linger = 1\n# comment \0 with NUL\n";
	static const char nul3[] = "\0";
	static const char cr[] = "network = veth\r\n";
	static const char esc[] = "linger = 1\n\n# \x1b[31m\n";
	static const char del[] = "linger = 1\x7f\n";

	expect_bad_len(nul1, sizeof(nul1) - 1, 1, "NUL byte");
	expect_bad_len(nul2, sizeof(nul2) - 1, 2, "NUL byte");
	expect_bad_len(nul3, sizeof(nul3) - 1, 1, "NUL byte");
	expect_bad_len(cr, sizeof(cr) - 1, 1, "control character 0x0d");
	expect_bad_len(esc, sizeof(esc) - 1, 3, "control character 0x1b");
	expect_bad_len(del, sizeof(del) - 1, 1, "control character 0x7f");
}

static void test_messages_are_safe(void **state)
{
	char err[NSC_ERR_MAX];
	char small[12];
	char *buf;
	struct nsc_config *cfg;

	/* non-ASCII text is shown as '?', never raw */
	expect_bad("n\xc3\xa9twork = veth\n", 1, "unknown key 'n??twork'");
	expect_bad("network = v\xc3\xa9th\n", 1, "bad value 'v??th' for 'network'");
	/* long text is clipped, the message stays short */
	buf = malloc(600);
	assert_non_null(buf);
	memset(buf, 'k', 500);
	memcpy(buf + 500, " = 1\n", 6);
	memset(err, 0, sizeof(err));
	assert_int_equal(nsc_parse_buffer(buf, strlen(buf), "t.conf", &cfg, err,
					  sizeof(err)), -EINVAL);
	check_msg(err, "t.conf:1: unknown key 'kkkk", "kkk...'");
	assert_true(strlen(err) < 80);
	/* a small or missing err buffer is fine */
	assert_int_equal(nsc_parse_buffer(buf, strlen(buf), "t.conf", &cfg, small,
					  sizeof(small)), -EINVAL);
	assert_string_equal(small, "t.conf:1: u");
	assert_int_equal(nsc_parse_buffer(buf, strlen(buf), "t.conf", &cfg, NULL, 0),
			 -EINVAL);
	assert_null(cfg);
	free(buf);
	/* the file name is sanitised too */
	assert_int_equal(nsc_parse_buffer("x\n", 2, "a\nb", &cfg, err, sizeof(err)),
			 -EINVAL);
	check_msg(err, "a?b:1: ", "expected");
}

/* ---- values ------------------------------------------------------------ */

static void test_bad_bools(void **state)
{
	const char *keys[] = { "exempt", "private_tmp", "subids", "no_new_privs", "ipv6_nat" };
	const char *vals[] = { "maybe", "Yes", "NO", "1", "0", "true", "y", "yes no" };
	char text[128], needle[128];

	expect_bad("private_tmp = maybe\n", 1,
		   "bad value 'maybe' for 'private_tmp' (expected yes or no)");
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			snprintf(text, sizeof(text), "[user a]\n%s = %s\n", keys[k], vals[v]);
			snprintf(needle, sizeof(needle),
				 "bad value '%s' for '%s' (expected yes or no)", vals[v], keys[k]);
			expect_bad(text, 2, needle);
		}
}

static void test_bad_enums(void **state)
{
	expect_bad("identity = admin\n", 1,
		   "bad value 'admin' for 'identity' (expected self or root)");
	expect_bad("identity = Root\n", 1, "bad value 'Root' for 'identity'");
	expect_bad("identity = self root\n", 1, "bad value 'self root' for 'identity'");
	expect_bad("network = macvlan\n", 1,
		   "bad value 'macvlan' for 'network' (expected none, veth, bridge or nat)");
	expect_bad("network = NAT\n", 1, "bad value 'NAT' for 'network'");
	expect_bad("network = veth,none\n", 1, "bad value 'veth,none' for 'network'");
}

static void test_namespaces(void **state)
{
	struct nsc_policy p;

	resolve_ok("namespaces = net\nprivate_tmp = no\n", "alice", NULL, 0, &p);
	assert_int_equal(p.namespaces, NSC_NS_NET);
	resolve_ok("namespaces = uts ipc\nprivate_tmp = no\n", "alice", NULL, 0, &p);
	assert_int_equal(p.namespaces, NSC_NS_UTS | NSC_NS_IPC);
	resolve_ok("namespaces = net,ipc,uts,pid,mnt,user\n", "alice", NULL, 0, &p);
	assert_int_equal(p.namespaces, NSC_NS_ALL & ~(unsigned)NSC_NS_CGROUP);
	resolve_ok("namespaces = cgroup,net,ipc,uts,pid,mnt,user\n", "alice", NULL, 0, &p);
	assert_int_equal(p.namespaces, NSC_NS_ALL);
	resolve_ok("namespaces = cgroup\nprivate_tmp = no\n", "alice", NULL, 0, &p);
	assert_int_equal(p.namespaces, NSC_NS_CGROUP);

	expect_bad("namespaces = user mnt foo\n", 1, "unknown namespace 'foo' in 'namespaces'");
	expect_bad("namespaces = time\n", 1, "unknown namespace 'time'");
	expect_bad("namespaces = cgroup user cgroup\n", 1, "duplicate namespace 'cgroup'");
	expect_bad("namespaces = User\n", 1, "unknown namespace 'User'");
	expect_bad("namespaces = user;mnt\n", 1, "unknown namespace 'user;mnt'");
	expect_bad("namespaces = user mnt user\n", 1,
		   "duplicate namespace 'user' in 'namespaces'");
	expect_bad("namespaces = net,net\n", 1, "duplicate namespace 'net'");
	expect_bad("namespaces = ,\n", 1, "empty list for 'namespaces'");
	expect_bad("namespaces = , ,\t,\n", 1, "empty list for 'namespaces'");
}

static void test_templates(void **state)
{
	char text[256];
	char tpl[NSC_TEMPLATE_MAX + 1];
	struct nsc_policy p;

	expect_bad("hostname = %x\n", 1, "bad template '%x' for 'hostname'");
	expect_bad("hostname = box%\n", 1, "bad template 'box%' for 'hostname'");
	expect_bad("veth_name = v%H\n", 1, "bad template 'v%H' for 'veth_name'");
	expect_bad("hostname = -%u\n", 1,
		   "bad value '-%u' for 'hostname' (cannot give a valid host name)");
	expect_bad("hostname = %u-\n", 1, "cannot give a valid host name");
	expect_bad("hostname = %u_%h\n", 1, "cannot give a valid host name");
	expect_bad("hostname = %u.%h\n", 1, "cannot give a valid host name");
	expect_bad("hostname = a b\n", 1, "cannot give a valid host name");
	expect_bad("hostname = a%%b\n", 1, "cannot give a valid host name");
	expect_bad("veth_name = -%U\n", 1,
		   "bad value '-%U' for 'veth_name' (cannot give a valid interface name)");
	expect_bad("veth_name = .\n", 1, "cannot give a valid interface name");
	expect_bad("veth_name = v %U\n", 1, "cannot give a valid interface name");
	expect_bad("veth_name = abcdefghijklmnop\n", 1, "cannot give a valid interface name");
	nsc_free(parse_ok("veth_name = abcdefghijklmno\nhostname = %U\n"));

	/* length: NSC_TEMPLATE_MAX - 1 characters fit, one more does not */
	memset(tpl, 'a', NSC_TEMPLATE_MAX - 1);
	tpl[NSC_TEMPLATE_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "hostname = %s\n", tpl);
	resolve_ok(text, "alice", NULL, 0, &p);
	assert_string_equal(p.hostname, tpl);
	tpl[NSC_TEMPLATE_MAX - 1] = 'a';
	tpl[NSC_TEMPLATE_MAX] = '\0';
	snprintf(text, sizeof(text), "hostname = %s\n", tpl);
	expect_bad(text, 1, "value for 'hostname' too long (max 63 characters)");
	snprintf(text, sizeof(text), "[user x]\nveth_name = %s\n", tpl);
	expect_bad(text, 2, "value for 'veth_name' too long (max 63 characters)");
}

static void test_network_modes(void **state)
{
	struct nsc_policy p;

	resolve_ok("network = nat\n", "alice", NULL, 0, &p);
	assert_int_equal(p.network, NSC_NET_NAT);
	assert_string_equal(p.veth_host, "nsv1000");
	resolve_ok("network = bridge\nbridge = br-lab0\n", "alice", NULL, 0, &p);
	assert_int_equal(p.network, NSC_NET_BRIDGE);
	assert_string_equal(p.bridge, "br-lab0");
	assert_string_equal(p.veth_host, "nsv1000");
	/* bridge is inherited like any key: a group sets the mode, defaults the name */
	resolve_ok("bridge = br0\n[user alice]\nnetwork = bridge\n", "alice", NULL, 0, &p);
	assert_string_equal(p.bridge, "br0");
	expect_bad("bridge = a/b\n", 1, "bad value 'a/b' for 'bridge' (expected an interface name)");
	expect_bad("bridge = abcdefghijklmnop\n", 1, "bad value 'abcdefghijklmnop' for 'bridge'");
	expect_bad("bridge = ..\n", 1, "bad value '..' for 'bridge'");
	expect_bad("bridge =\n", 1, "empty value for 'bridge'");
	expect_bad("bridge = br0\nbridge = br1\n", 2, "duplicate key 'bridge'");
}

static void test_limits(void **state)
{
	struct nsc_policy p;
	const char *bad_pids[] = { "0", "-1", "4194305", "1.5", "01", "MAX", "10k", "max max" };
	const char *bad_mem[] = { "0", "1048575", "1023K", "1k", "1KB", "1 M", "1.5G", "-1M",
				  "0100M", "18446744073709551616", "17179869184T", "MAX" };
	const char *bad_cpu[] = { "0", "10001", "-5", "Default", "1e3" };
	char text[128];

	resolve_ok("", "alice", NULL, 0, &p);
	assert_int_equal(p.pids_max, 0);
	assert_int_equal(p.memory_max, 0);
	assert_int_equal(p.cpu_weight, 0);
	assert_false(nsc_wants_cgroup(&p));
	resolve_ok("pids_max = 64\nmemory_max = 256M\ncpu_weight = 50\n", "alice", NULL, 0, &p);
	assert_int_equal(p.pids_max, 64);
	assert_true(p.memory_max == 256ull << 20);
	assert_int_equal(p.cpu_weight, 50);
	assert_true(nsc_wants_cgroup(&p));
	resolve_ok("pids_max = 4194304\nmemory_max = 1048576\ncpu_weight = 10000\n", "alice",
		   NULL, 0, &p);
	assert_int_equal(p.pids_max, 4194304);
	assert_true(p.memory_max == 1048576);
	resolve_ok("memory_max = 1024K\n", "alice", NULL, 0, &p);
	assert_true(p.memory_max == 1048576);
	resolve_ok("memory_max = 2G\n", "alice", NULL, 0, &p);
	assert_true(p.memory_max == 2ull << 30);
	resolve_ok("memory_max = 3T\n", "alice", NULL, 0, &p);
	assert_true(p.memory_max == 3ull << 40);
	/* a later section can lift a limit again */
	resolve_ok("pids_max = 10\nmemory_max = 8M\ncpu_weight = 5\n[user alice]\n"
		   "pids_max = max\nmemory_max = max\ncpu_weight = default\n", "alice", NULL, 0, &p);
	assert_false(nsc_wants_cgroup(&p));
	for (size_t i = 0; i < sizeof(bad_pids) / sizeof(bad_pids[0]); i++) {
		snprintf(text, sizeof(text), "pids_max = %s\n", bad_pids[i]);
		expect_bad(text, 1, "for 'pids_max' (expected 1..4194304 or max)");
	}
	for (size_t i = 0; i < sizeof(bad_mem) / sizeof(bad_mem[0]); i++) {
		snprintf(text, sizeof(text), "memory_max = %s\n", bad_mem[i]);
		expect_bad(text, 1, "for 'memory_max' (expected bytes >= 1M");
	}
	for (size_t i = 0; i < sizeof(bad_cpu) / sizeof(bad_cpu[0]); i++) {
		snprintf(text, sizeof(text), "cpu_weight = %s\n", bad_cpu[i]);
		expect_bad(text, 1, "for 'cpu_weight' (expected 1..10000 or default)");
	}
}

/* An empty value of `key` (with and without a blank), and `key` (with a
 * good `value`) twice in [defaults], another key between, and in [user a]. */
static void expect_empty_and_duplicate(const char *key, const char *value)
{
	char text[128], needle[128];

	snprintf(needle, sizeof(needle), "empty value for '%s'", key);
	snprintf(text, sizeof(text), "%s =\n", key);
	expect_bad(text, 1, needle);
	snprintf(text, sizeof(text), "%s = \n", key);
	expect_bad(text, 1, needle);
	snprintf(needle, sizeof(needle), "duplicate key '%s' in [defaults]", key);
	snprintf(text, sizeof(text), "%s = %s\nlinger = 5\n%s = %s\n", key, value, key, value);
	expect_bad(text, 3, needle);
	snprintf(needle, sizeof(needle), "duplicate key '%s' in [user a]", key);
	snprintf(text, sizeof(text), "[user a]\n%s = %s\n%s = %s\n", key, value, key, value);
	expect_bad(text, 3, needle);
}

/* cpu_max (a cap, percent of one CPU) and io_weight (a share of disk
 * time): values, bounds, and the merge [defaults] -> [group] -> [user]. */
static void test_cpu_max_io_weight(void **state)
{
	struct nsc_policy p;
	const char *bad_cpu_max[] = { "0%", "150", "-1%", "1e3%", "100001%", "default", "%",
				      "01%", "1.5%", "150 %", "150%%", "%150", "MAX", "max%",
				      "4294967296%", "99999999999999999999%" };
	const char *bad_io[] = { "0", "10001", "-1", "1e3", "Default", "max", "50%", "01" };
	const char *const hpc[] = { "hpc" };
	const char *merge = "cpu_max = 50%\nio_weight = 200\n"
			    "[group hpc]\ncpu_max = 400%\n"
			    "[user alice]\nio_weight = 10\n";
	char text[128];

	resolve_ok("", "alice", NULL, 0, &p);
	assert_int_equal(p.cpu_max, 0);
	assert_int_equal(p.io_weight, 0);
	resolve_ok("cpu_max = 150%\n", "alice", NULL, 0, &p);
	assert_int_equal(p.cpu_max, 150);
	assert_int_equal(p.io_weight, 0);
	assert_true(nsc_wants_cgroup(&p));
	resolve_ok("io_weight = 500\n", "alice", NULL, 0, &p);
	assert_int_equal(p.cpu_max, 0);
	assert_int_equal(p.io_weight, 500);
	assert_true(nsc_wants_cgroup(&p));
	resolve_ok("cpu_max = 1%\nio_weight = 1\n", "alice", NULL, 0, &p);
	assert_int_equal(p.cpu_max, 1);
	assert_int_equal(p.io_weight, 1);
	resolve_ok("cpu_max = 100000%\nio_weight = 10000\n", "alice", NULL, 0, &p);
	assert_int_equal(p.cpu_max, NSC_CPU_MAX_PERCENT);
	assert_int_equal(p.io_weight, NSC_IO_WEIGHT_MAX);
	resolve_ok("cpu_max = max\nio_weight = default\n", "alice", NULL, 0, &p);
	assert_int_equal(p.cpu_max, 0);
	assert_int_equal(p.io_weight, 0);
	assert_false(nsc_wants_cgroup(&p));
	/* inherited key by key, like cpu_weight */
	resolve_ok(merge, "carol", NULL, 0, &p);
	assert_int_equal(p.cpu_max, 50);
	assert_int_equal(p.io_weight, 200);
	resolve_ok(merge, "carol", hpc, 1, &p);
	assert_int_equal(p.cpu_max, 400);
	assert_int_equal(p.io_weight, 200);
	resolve_ok(merge, "alice", hpc, 1, &p);
	assert_int_equal(p.cpu_max, 400);
	assert_int_equal(p.io_weight, 10);
	resolve_ok(merge, "alice", NULL, 0, &p);
	assert_int_equal(p.cpu_max, 50);
	assert_int_equal(p.io_weight, 10);
	/* max and default reset an inherited value */
	resolve_ok("cpu_max = 50%\nio_weight = 200\n[group hpc]\ncpu_max = max\n"
		   "[user alice]\nio_weight = default\n", "alice", hpc, 1, &p);
	assert_int_equal(p.cpu_max, 0);
	assert_int_equal(p.io_weight, 0);
	assert_false(nsc_wants_cgroup(&p));
	for (size_t i = 0; i < sizeof(bad_cpu_max) / sizeof(bad_cpu_max[0]); i++) {
		snprintf(text, sizeof(text), "cpu_max = %s\n", bad_cpu_max[i]);
		expect_bad(text, 1, "for 'cpu_max' (expected 1%..100000% or max)");
	}
	for (size_t i = 0; i < sizeof(bad_io) / sizeof(bad_io[0]); i++) {
		snprintf(text, sizeof(text), "io_weight = %s\n", bad_io[i]);
		expect_bad(text, 1, "for 'io_weight' (expected 1..10000 or default)");
	}
	expect_bad("[defaults]\nio_weight = 100\n[user bob]\ncpu_max = 150\n", 4,
		   "bad value '150' for 'cpu_max' (expected 1%..100000% or max)");
	expect_empty_and_duplicate("cpu_max", "5%");
	expect_empty_and_duplicate("io_weight", "5");
}

/* tmp_size (tmpfs's size=: a share of RAM or bytes) and tmp_inodes
 * (nr_inodes=) of the private /tmp and /dev/shm: values, normalisation,
 * bounds, and the merge [defaults] -> [group] -> [user]. */
static void test_tmp_size_inodes(void **state)
{
	static const struct { const char *in, *out; } good_size[] = {
		{ "25%", "25%" }, { "1%", "1%" }, { "100%", "100%" }, { "1", "1" },
		{ "4096", "4096" }, { "512m", "512m" }, { "512M", "512m" }, { "2g", "2g" },
		{ "2G", "2g" }, { "64k", "64k" }, { "64K", "64k" }, { "1g", "1g" },
		{ "262144g", "262144g" }, { "268435456m", "268435456m" },
		{ "274877906944k", "274877906944k" },     /* 256 TiB in k: 13 characters */
		{ "281474976710656", "281474976710656" }, /* 256 TiB, 15 characters */
	};
	static const char *const bad_size[] = {
		"0", "0%", "101%", "1000%", "-1%", "+5%", "05%", "%", "%%", "25%%", "%25",
		"25 %", "2.5%", "0k", "00", "0512m", "-1", "+1", "1.5g", "1 g", "1t", "1T",
		"1kb", "1mm", "k", "m", "g", "max", "default", "25%m", "1e6", "0x10",
		"262145g", "268435457m", "274877906945k", "281474976710657",
		"18446744073709551616", "99999999999999999999999g",
	};
	static const struct { const char *in; uint32_t out; } good_inodes[] = {
		{ "1", 1 }, { "262144", 262144 }, { "1k", 1024 }, { "64K", 65536 },
		{ "1m", 1048576 }, { "16M", 16777216 }, { "16m", NSC_TMP_INODES_MAX },
		{ "16384k", 16777216 }, { "16777216", 16777216 },
	};
	static const char *const bad_inodes[] = {
		"0", "0k", "-1", "+1", "01", "16777217", "16385k", "17m", "1g", "1G", "1t",
		"10%", "%", "k", "1kk", "1.5m", "1 k", "max", "default", "4294967296",
		"18446744073709551616", "0x10",
	};
	static const struct {
		const char *user;
		size_t ngroups; /* 1: in group hpc */
		const char *size;
		uint32_t inodes;
	} merged[] = {
		{ "carol", 0, "10%", 1000 }, { "carol", 1, "4g", 1000 },
		{ "alice", 1, "4g", 2048 }, { "alice", 0, "10%", 2048 },
	};
	const char *const hpc[] = { "hpc" };
	const char *merge = "tmp_size = 10%\ntmp_inodes = 1000\n"
			    "[group hpc]\ntmp_size = 4g\n"
			    "[user alice]\ntmp_inodes = 2k\n";
	char text[128], needle[192];
	struct nsc_policy p;

	resolve_ok("", "alice", NULL, 0, &p);
	assert_string_equal(p.tmp_size, "25%");
	assert_int_equal(p.tmp_inodes, 262144);
	for (size_t i = 0; i < sizeof(good_size) / sizeof(good_size[0]); i++) {
		snprintf(text, sizeof(text), "[user alice]\ntmp_size = %s\n", good_size[i].in);
		resolve_ok(text, "alice", NULL, 0, &p);
		assert_string_equal(p.tmp_size, good_size[i].out);
		assert_int_equal(p.tmp_inodes, 262144);
		assert_true(strlen(p.tmp_size) < sizeof(p.tmp_size));
	}
	for (size_t i = 0; i < sizeof(good_inodes) / sizeof(good_inodes[0]); i++) {
		snprintf(text, sizeof(text), "tmp_inodes = %s\n", good_inodes[i].in);
		resolve_ok(text, "alice", NULL, 0, &p);
		assert_int_equal(p.tmp_inodes, good_inodes[i].out);
		assert_string_equal(p.tmp_size, "25%");
	}
	/* not tied to private_tmp: /dev/shm uses them too */
	resolve_ok("private_tmp = no\ntmp_size = 1m\n", "alice", NULL, 0, &p);
	assert_string_equal(p.tmp_size, "1m");
	/* inherited key by key */
	for (size_t i = 0; i < sizeof(merged) / sizeof(merged[0]); i++) {
		resolve_ok(merge, merged[i].user, hpc, merged[i].ngroups, &p);
		assert_string_equal(p.tmp_size, merged[i].size);
		assert_int_equal(p.tmp_inodes, merged[i].inodes);
	}
	/* a later section can go back to the default values */
	resolve_ok("tmp_size = 1g\ntmp_inodes = 10\n[user alice]\ntmp_size = 25%\n"
		   "tmp_inodes = 256k\n", "alice", NULL, 0, &p);
	assert_string_equal(p.tmp_size, "25%");
	assert_int_equal(p.tmp_inodes, 262144);
	for (size_t i = 0; i < sizeof(bad_size) / sizeof(bad_size[0]); i++) {
		snprintf(text, sizeof(text), "tmp_size = %s\n", bad_size[i]);
		snprintf(needle, sizeof(needle), "bad value '%s' for 'tmp_size' (expected 1%%..100%%, "
			 "or bytes with an optional k, m or g suffix, at most 262144g)", bad_size[i]);
		expect_bad(text, 1, needle);
	}
	for (size_t i = 0; i < sizeof(bad_inodes) / sizeof(bad_inodes[0]); i++) {
		snprintf(text, sizeof(text), "[group g]\n\ntmp_inodes = %s\n", bad_inodes[i]);
		snprintf(needle, sizeof(needle), "bad value '%s' for 'tmp_inodes' (expected "
			 "1..16m with an optional k or m suffix)", bad_inodes[i]);
		expect_bad(text, 3, needle);
	}
	expect_bad("[defaults]\ntmp_inodes = 100\n[user bob]\ntmp_size = 110%\n", 4,
		   "bad value '110%' for 'tmp_size' (expected 1%..100%, or bytes with an "
		   "optional k, m or g suffix, at most 262144g)");
	expect_bad("tmp_size = 0512m # leading zero\n", 1, "bad value '0512m' for 'tmp_size'");
	expect_empty_and_duplicate("tmp_size", "5%");
	expect_empty_and_duplicate("tmp_inodes", "5");
	expect_bad("tmp_sizes = 5%\n", 1, "unknown key 'tmp_sizes'");
	expect_bad("Tmp_size = 5%\n", 1, "unknown key 'Tmp_size'");
}

static void test_linger(void **state)
{
	struct nsc_policy p;
	const char *bad[] = { "86401", "-1", "+5", "1.5", "0100", "00", "5s", "1 0",
			      "4294967296", "99999999999999999999999", "x" };
	char text[128], needle[128];

	resolve_ok("linger = 0\n", "alice", NULL, 0, &p);
	assert_int_equal(p.linger, 0);
	resolve_ok("linger = 86400\n", "alice", NULL, 0, &p);
	assert_int_equal(p.linger, 86400);
	resolve_ok("linger = 300\n", "alice", NULL, 0, &p);
	assert_int_equal(p.linger, 300);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "linger = %s\n", bad[i]);
		snprintf(needle, sizeof(needle),
			 "bad value '%s' for 'linger' (expected seconds, 0..86400)", bad[i]);
		expect_bad(text, 1, needle);
	}
}

static void test_address_pool(void **state)
{
	struct nsc_policy p;
	const char *syntax[] = { "256.0.0.0/8", "10.256.0.0/16", "010.0.0.0/8",
				 "10.00.0.0/16", "10.0.0/8", "10.0.0.0.0/8", "10.0.0.0",
				 "10.0.0.0/", "10.0.0.0/016", "10.0.0.0/8x", "10.0.0.0 / 8",
				 "10.0.0.0/ 8", "a.b.c.d/8", "10.0.0.-1/8", "10..0.0/8",
				 "+10.0.0.0/8", "1000.0.0.0/8", "10.0.0.0/-8", "0x0a.0.0.0/8",
				 "10.0.0.0/8/8", "::1/64" };
	char text[128], needle[128];

	resolve_ok("address_pool = 10.0.0.0/8\n", "alice", NULL, 0, &p);
	assert_int_equal(p.pool_net, 0x0a000000u);
	assert_int_equal(p.pool_prefix, 8);
	resolve_ok("address_pool = 192.168.1.4/30\n", "alice", NULL, 0, &p);
	assert_int_equal(p.pool_net, 0xc0a80104u);
	assert_int_equal(p.pool_prefix, 30);
	resolve_ok("address_pool = 0.0.0.0/8\n", "alice", NULL, 0, &p);
	assert_int_equal(p.pool_net, 0);

	expect_bad("\n\n\n\naddress_pool = 10.250.0.1/16\n", 5,
		   "address_pool: host bits set in 10.250.0.1/16");
	expect_bad("address_pool = 192.168.1.2/30\n", 1, "host bits set in 192.168.1.2/30");
	expect_bad("address_pool = 10.0.0.0/31\n", 1,
		   "address_pool: prefix out of range (8..30) in 10.0.0.0/31");
	expect_bad("address_pool = 10.0.0.0/7\n", 1, "prefix out of range (8..30)");
	expect_bad("address_pool = 10.0.0.0/0\n", 1, "prefix out of range (8..30)");
	expect_bad("address_pool = 10.0.0.0/32\n", 1, "prefix out of range (8..30)");
	expect_bad("address_pool = 10.0.0.0/255\n", 1, "prefix out of range (8..30)");
	for (size_t i = 0; i < sizeof(syntax) / sizeof(syntax[0]); i++) {
		snprintf(text, sizeof(text), "address_pool = %s\n", syntax[i]);
		snprintf(needle, sizeof(needle),
			 "bad value '%s' for 'address_pool' (expected A.B.C.D/N)", syntax[i]);
		expect_bad(text, 1, needle);
	}
}

static void test_parse_cidr(void **state)
{
	uint32_t net = 1;
	unsigned prefix = 1;
	char s[16];

	assert_int_equal(nsc_parse_cidr("10.250.0.0/16", &net, &prefix), 0);
	assert_int_equal(net, 0x0afa0000u);
	assert_int_equal(prefix, 16);
	assert_int_equal(nsc_parse_cidr("255.255.255.252/30", &net, &prefix), 0);
	assert_int_equal(net, 0xfffffffcu);
	assert_int_equal(prefix, 30);
	assert_int_equal(nsc_parse_cidr("10.0.0.0/8", &net, &prefix), 0);

	net = 7;
	prefix = 7;
	assert_int_equal(nsc_parse_cidr("10.250.0.1/16", &net, &prefix), -EINVAL);
	assert_int_equal(nsc_parse_cidr("10.0.0.0/31", &net, &prefix), -EINVAL);
	assert_int_equal(nsc_parse_cidr("10.0.0.0/7", &net, &prefix), -EINVAL);
	assert_int_equal(nsc_parse_cidr("10.0.0.256/8", &net, &prefix), -EINVAL);
	assert_int_equal(nsc_parse_cidr("10.0.0.00/8", &net, &prefix), -EINVAL);
	assert_int_equal(nsc_parse_cidr("10.0.0.0/08", &net, &prefix), -EINVAL);
	assert_int_equal(nsc_parse_cidr("", &net, &prefix), -EINVAL);
	assert_int_equal(nsc_parse_cidr(NULL, &net, &prefix), -EINVAL);
	assert_int_equal(net, 7); /* untouched on error */
	assert_int_equal(prefix, 7);

	nsc_format_ipv4(0x0afa0001u, s);
	assert_string_equal(s, "10.250.0.1");
	nsc_format_ipv4(0xffffffffu, s);
	assert_string_equal(s, "255.255.255.255");
	nsc_format_ipv4(0, s);
	assert_string_equal(s, "0.0.0.0");
}

static void test_parse_ipv4(void **state)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.", "1.2.3.4.5", ".1.2.3", "1..2.3", "1.2.3.",
		"256.0.0.0", "1.2.3.256", "1000.0.0.1", "01.2.3.4", "1.2.3.00", "1.2.3.04",
		" 1.2.3.4", "1.2.3.4 ", "1.2.3.4\n", "1.2.3.4/8", "0x1.2.3.4", "+1.2.3.4",
		"1.2.3.-4", "1.2.3.a", "1,2,3,4", "4294967295", "1.2.3.4:80",
	};
	uint32_t a = 7;
	char s[16];

	assert_int_equal(nsc_parse_ipv4("0.0.0.0", &a), 0);
	assert_int_equal(a, 0);
	assert_int_equal(nsc_parse_ipv4("255.255.255.255", &a), 0);
	assert_int_equal(a, 0xffffffffu);
	assert_int_equal(nsc_parse_ipv4("1.2.3.4", &a), 0);
	assert_int_equal(a, 0x01020304u); /* host byte order */
	assert_int_equal(nsc_parse_ipv4("10.250.0.1", &a), 0);
	nsc_format_ipv4(a, s);
	assert_string_equal(s, "10.250.0.1");

	a = 7;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(nsc_parse_ipv4(bad[i], &a), -EINVAL);
	assert_int_equal(nsc_parse_ipv4(NULL, &a), -EINVAL);
	assert_int_equal(nsc_parse_ipv4("1.2.3.4", NULL), -EINVAL);
	assert_int_equal(a, 7); /* untouched on error */
}

/* ---- IPv6, egress, dns (issue 15) --------------------------------------- */

static void test_parse_addr(void **state)
{
	static const struct { const char *in, *out; int family; unsigned prefix; } good[] = {
		{ "10.0.0.1", "10.0.0.1", AF_INET, 32 },
		{ "10.0.0.0/8", "10.0.0.0/8", AF_INET, 8 },
		{ "10.0.0.1/32", "10.0.0.1", AF_INET, 32 },
		{ "0.0.0.0/0", "0.0.0.0/0", AF_INET, 0 },
		{ "255.255.255.255", "255.255.255.255", AF_INET, 32 },
		{ "192.168.1.4/30", "192.168.1.4/30", AF_INET, 30 },
		{ "fd00::1", "fd00::1", AF_INET6, 128 },
		{ "FD00:0:0::1/128", "fd00::1", AF_INET6, 128 },
		{ "fd00:4e53::/64", "fd00:4e53::/64", AF_INET6, 64 },
		{ "fd00:4e53:0000:0000::/64", "fd00:4e53::/64", AF_INET6, 64 },
		{ "::/0", "::/0", AF_INET6, 0 },
		{ "::", "::", AF_INET6, 128 },
		{ "::1", "::1", AF_INET6, 128 },
		{ "::ffff:10.0.0.1", "::ffff:10.0.0.1", AF_INET6, 128 },
		{ "2001:db8::/32", "2001:db8::/32", AF_INET6, 32 },
		{ "2001:db8::8/125", "2001:db8::8/125", AF_INET6, 125 },
		{ "8000::/1", "8000::/1", AF_INET6, 1 },
		{ "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", AF_INET6, 128 },
	};
	static const char *const bad[] = {
		"", "/", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/255", "10.0.0.0/256",
		"10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8x", "10.0.0.0/8/8",
		"10.0.0.0 /8", "10.0.0.0/ 8", " 10.0.0.1", "10.0.0.1 ", "010.0.0.1",
		"10.0.0", "10.0.0.0.0", "10.0.0.256", "0x0a.0.0.1", "10.0.0.1/24",
		"192.168.1.5/30", "1.2.3.4/0", "a.b.c.d", "10,0,0,1", "4294967295",
		"fd00::/129", "fd00::/064", "fd00::1/64", "::1/127", "fd00::%eth0", "fe80::1%1",
		"fd00:::1", "fd00::1::", "fd00::g", "[fd00::1]", "1:2:3:4:5:6:7:8:9",
		"fd00::12345", "fd00::/64 ", ":", "::/", "1:2:3:4:5:6:7:8/1",
		"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255x",
		"fd00:0000:0000:0000:0000:0000:0000:0000:0001",
	};
	struct nsc_addr a, untouched;
	char s[48];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&a, 0x5a, sizeof(a));
		if (nsc_parse_addr(good[i].in, &a) != 0)
			fail_msg("refused: %s", good[i].in);
		assert_int_equal(a.family, good[i].family);
		assert_int_equal(a.prefix, good[i].prefix);
		if (a.family == AF_INET)
			for (int b = 4; b < 16; b++)
				assert_int_equal(a.a[b], 0);
		assert_addr(&a, good[i].out);
		/* the formatted text parses back to the same */
		nsc_format_addr(&a, s);
		memset(&untouched, 0, sizeof(untouched));
		assert_int_equal(nsc_parse_addr(s, &untouched), 0);
		assert_memory_equal(&a, &untouched, sizeof(a));
	}
	assert_int_equal(nsc_parse_addr("1.2.3.4", &a), 0);
	assert_memory_equal(a.a, "\x01\x02\x03\x04", 4); /* network byte order */

	memset(&a, 0x5a, sizeof(a));
	untouched = a;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (nsc_parse_addr(bad[i], &a) != -EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
		assert_memory_equal(&a, &untouched, sizeof(a)); /* untouched on error */
	}
	assert_int_equal(nsc_parse_addr(NULL, &a), -EINVAL);
	assert_int_equal(nsc_parse_addr("10.0.0.1", NULL), -EINVAL);

	/* formatting: no family is "none", a bad one "?" */
	memset(&a, 0, sizeof(a));
	assert_addr(&a, "none");
	a.family = 99;
	assert_addr(&a, "?");
	/* the longest text fits */
	memset(&a, 0xff, sizeof(a));
	a.family = AF_INET6;
	a.prefix = 127;
	assert_addr(&a, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127");
	a.prefix = 255; /* not from the parser: formatted anyway */
	assert_addr(&a, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/255");
}

static void test_address_pool6(void **state)
{
	static const struct bad_case bad_pool6[] = {
		{ "\n\n\n\n\n\n\n\n\n\n\naddress_pool6 = fd00::1/64\n", 12,
		  "address_pool6: \"fd00::1/64\": host bits set (the network is fd00::/64)" },
		{ "address_pool6 = fd00:4e53::8/124\n", 1,
		  "host bits set (the network is fd00:4e53::/124)" },
		{ "address_pool6 = 10.0.0.0/8\n", 1,
		  "address_pool6: \"10.0.0.0/8\": not IPv6 (the IPv4 pool is address_pool)" },
		{ "address_pool6 = 10.0.0.1\n", 1, "not IPv6" },
		{ "address_pool6 = 10.0.0.1/8\n", 1, "not IPv6" },
		/* the longest values are shown whole; longer text is clipped */
		{ "address_pool6 = fd00:1234:5678:9abc:def0:1234:5678:9ab1/124 # long\n", 1,
		  "address_pool6: \"fd00:1234:5678:9abc:def0:1234:5678:9ab1/124\": host bits "
		  "set (the network is fd00:1234:5678:9abc:def0:1234:5678:9ab0/124)" },
		{ "address_pool6 = fd00:1234:5678:9abc:def0:1234:5678:9abc:1234:5678:9abc:"
		  "def0:1234\n", 1, "address_pool6: \"fd00:1234:5678:9abc:def0:1234:5678:9abc:"
		  "1234:5678:9abc:d...\": not an IPv6 network" },
	};

	static const struct { const char *in, *out; } good[] = {
		{ "fd00:4e53::/64", "fd00:4e53::/64" },
		{ "fd00:4e53:0:0:1::/80", "fd00:4e53:0:0:1::/80" },
		{ "fd00:4e53:0:0:0:1::/96", "fd00:4e53::1:0:0/96" },
		{ "2001:db8:1:2::/64", "2001:db8:1:2::/64" },
		{ "2001:db8::ff0/124", "2001:db8::ff0/124" },
		{ "FD12:3456:789A:1::/96", "fd12:3456:789a:1::/96" },
	};
	static const char *const syntax[] = {
		"fd00::/064", "fd00::/", "fd00::/129", "fd00::/64/64", "fd00 ::/64", "xyz",
		"fd00::/64x", "fd00:::/64", "[fd00::]/64", "fd00::/64 none", "None", "NONE",
		"fd00::/-64",
	};
	static const char *const prefix[] = {
		"fd00::/63", "fd00::/48", "fd00::/0", "fd00::/125", "fd00::/126", "fd00::/128",
		"fd00::", "fd00::1",
	};
	static const char *const reserved[] = {
		"::/64", "::/96", "::ffff:0:0/96", "fe80::/64", "febf::/64", "ff02::/64",
		"ff00::/64",
	};
	const char *const lab[] = { "lab" };
	char text[128];
	struct nsc_policy p;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "address_pool6 = %s\n", good[i].in);
		resolve_ok(text, "alice", NULL, 0, &p);
		assert_int_equal(p.pool6.family, AF_INET6);
		assert_addr(&p.pool6, good[i].out);
	}
	resolve_ok("address_pool6 = fec0::/64\n", "alice", NULL, 0, &p); /* not link-local */
	resolve_ok("address_pool6 = none\n", "alice", NULL, 0, &p);
	assert_int_equal(p.pool6.family, 0);
	/* merged per section: a group gives a pool, a user takes it away */
	resolve_ok("address_pool6 = fd00:1::/64\n[group lab]\naddress_pool6 = fd00:2::/64\n"
		   "[user alice]\naddress_pool6 = none\n", "bob", lab, 1, &p);
	assert_addr(&p.pool6, "fd00:2::/64");
	resolve_ok("address_pool6 = fd00:1::/64\n[group lab]\naddress_pool6 = fd00:2::/64\n"
		   "[user alice]\naddress_pool6 = none\n", "alice", lab, 1, &p);
	assert_int_equal(p.pool6.family, 0);
	assert_addr(&p.pool6, "none");
	resolve_ok("address_pool6 = fd00:1::/64\n[group lab]\nlinger = 1\n", "bob", lab, 1, &p);
	assert_addr(&p.pool6, "fd00:1::/64");

	expect_bad_each("address_pool6 = ", "\n", 1, "address_pool6: \"",
			"\": not an IPv6 network (expected PREFIX/N or none)", VALS(syntax));
	expect_bad_each("[user x]\naddress_pool6 = ", "\n", 2, "address_pool6: \"",
			"\": prefix length must be 64..124", VALS(prefix));
	expect_bad_each("address_pool6 = ", " # reserved\n", 1, "address_pool6: \"",
			"\": not a unicast prefix", VALS(reserved));
	expect_bad_cases(VALS(bad_pool6));
	expect_empty_and_duplicate("address_pool6", "none");
}

static void test_ipv6_nat(void **state)
{
	const char *const lab[] = { "lab" };
	struct nsc_policy p;

	resolve_ok("", "alice", NULL, 0, &p);
	assert_true(p.nat6);
	resolve_ok("ipv6_nat = no\n", "alice", NULL, 0, &p);
	assert_false(p.nat6);
	resolve_ok("ipv6_nat = no\n[group lab]\nipv6_nat = yes\n", "alice", lab, 1, &p);
	assert_true(p.nat6);
	resolve_ok("ipv6_nat = no\n[group lab]\nipv6_nat = yes\n", "alice", NULL, 0, &p);
	assert_false(p.nat6);
	expect_bad("ipv6_nat = nat66\n", 1,
		   "bad value 'nat66' for 'ipv6_nat' (expected yes or no)");
	expect_empty_and_duplicate("ipv6_nat", "no");
}

static void test_egress(void **state)
{
	static const struct bad_case bad_egress[] = {
		{ "egress = 10.0.0.0/33\n", 1,
		  "egress: \"10.0.0.0/33\": not an address or network" },
		{ "egress = 10.0.0.1/24 tcp 80\n", 1,
		  "egress: \"10.0.0.1/24 tcp 80\": host bits set (the network is 10.0.0.0/24)" },
		{ "egress = fd00::1/64\n", 1, "host bits set (the network is fd00::/64)" },
		{ "egress = 10.0.0.1 tcp 80,, 10.0.0.2\n", 1,
		  "egress: empty rule (a stray comma?)" },
		{ "egress = 10.0.0.1,\n", 1, "egress: empty rule (a stray comma?)" },
		{ "egress = , 10.0.0.1\n", 1, "egress: empty rule (a stray comma?)" },
		{ "egress = ,\n", 1, "egress: empty rule" },
		{ "egress = 10.0.0.1 8080\n", 1,
		  "egress: \"10.0.0.1 8080\": a port needs tcp or udp before it" },
		{ "egress = 10.0.0.1 sctp 80\n", 1,
		  "egress: \"10.0.0.1 sctp 80\": unknown protocol \"sctp\" (expected tcp, udp or icmp)" },
		{ "egress = 10.0.0.1 TCP 80\n", 1, "unknown protocol \"TCP\"" },
		{ "egress = 10.0.0.1 icmp 8\n", 1,
		  "egress: \"10.0.0.1 icmp 8\": icmp takes no port" },
		{ "egress = 10.0.0.1 tcp 80 443\n", 1,
		  "egress: \"10.0.0.1 tcp 80 443\": unexpected \"443\" after the port" },
		{ "egress = 10.0.0.1 tcp 80:90\n", 1, "bad port \"80:90\"" },
		{ "egress = 10.0.0.1:80\n", 1, "egress: \"10.0.0.1:80\": not an address" },
		{ "egress = any, 10.0.0.1\n", 1,
		  "egress: \"any\": any and none stand alone, never in a list of rules" },
		{ "egress = 10.0.0.1, none\n", 1, "egress: \"none\": any and none stand alone" },
		{ "egress = any none\n", 1, "egress: \"any none\": any and none stand alone" },
		{ "egress = ANY\n", 1, "egress: \"ANY\": not an address or network" },
	};
	static const char *const bad_addr[] = {
		"10.0.0.0/33", "10.0.0.0/08", "10.0.0.256", "fd00::/129", "example.org",
		"10.0.0.0/", "tcp", "*", "10.0.0.0/8/8", "fd00::%eth0", "10.0.0.0-10.0.0.9",
	};
	static const char *const bad_port[] = {
		"0", "65536", "080", "-1", "+80", "80x", "http", "99999999999", "1-2", "53/udp",
	};
	const char *const lab[] = { "lab" };
	char text[NSC_LINE_MAX + 64];
	struct nsc_policy p;
	size_t pos;

	resolve_ok("", "alice", NULL, 0, &p);
	assert_true(p.egress_any);
	assert_int_equal(p.n_egress, 0);
	resolve_ok("egress = none\n", "alice", NULL, 0, &p);
	assert_false(p.egress_any);
	assert_int_equal(p.n_egress, 0);
	resolve_ok("egress = any\n", "alice", NULL, 0, &p);
	assert_true(p.egress_any);
	assert_int_equal(p.n_egress, 0);

	/* The example of the design, with odd but allowed blanks. */
	resolve_ok("egress = 10.248.0.2 tcp 8080,192.0.2.0/24 ,\tfd00:1::/64  udp\t53 , "
		   "10.1.2.3 icmp, fd00:2::1 icmp, 0.0.0.0/0 tcp, ::/0 udp, 10.0.0.1 udp 65535\n",
		   "alice", NULL, 0, &p);
	assert_false(p.egress_any);
	assert_int_equal(p.n_egress, 8);
	assert_addr(&p.egress[0].dst, "10.248.0.2");
	assert_int_equal(p.egress[0].proto, IPPROTO_TCP);
	assert_int_equal(p.egress[0].port, 8080);
	assert_addr(&p.egress[1].dst, "192.0.2.0/24");
	assert_int_equal(p.egress[1].proto, 0);
	assert_int_equal(p.egress[1].port, 0);
	assert_addr(&p.egress[2].dst, "fd00:1::/64");
	assert_int_equal(p.egress[2].proto, IPPROTO_UDP);
	assert_int_equal(p.egress[2].port, 53);
	assert_addr(&p.egress[3].dst, "10.1.2.3");
	assert_int_equal(p.egress[3].proto, IPPROTO_ICMP);
	assert_addr(&p.egress[4].dst, "fd00:2::1");
	assert_int_equal(p.egress[4].proto, IPPROTO_ICMP); /* ICMPv6 for an IPv6 DEST */
	assert_addr(&p.egress[5].dst, "0.0.0.0/0");
	assert_int_equal(p.egress[5].proto, IPPROTO_TCP);
	assert_int_equal(p.egress[5].port, 0);
	assert_addr(&p.egress[6].dst, "::/0");
	assert_int_equal(p.egress[6].proto, IPPROTO_UDP);
	assert_int_equal(p.egress[7].port, 65535);
	for (unsigned i = p.n_egress; i < NSC_EGRESS_MAX; i++)
		assert_int_equal(p.egress[i].dst.family, 0); /* unused: zero */

	/* Exactly NSC_EGRESS_MAX rules; one more is refused. */
	pos = (size_t)snprintf(text, sizeof(text), "egress = ");
	for (int i = 0; i < NSC_EGRESS_MAX; i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "%s10.0.%d.0/24 tcp %d",
					i ? ", " : "", i, 1000 + i);
	snprintf(text + pos, sizeof(text) - pos, "\n");
	resolve_ok(text, "alice", NULL, 0, &p);
	assert_int_equal(p.n_egress, NSC_EGRESS_MAX);
	assert_addr(&p.egress[15].dst, "10.0.15.0/24");
	assert_int_equal(p.egress[15].port, 1015);
	snprintf(text + pos, sizeof(text) - pos, ", 10.9.9.9\n");
	expect_bad(text, 1, "egress: more than 16 rules");

	/* Merged as one key: the later section's list replaces the whole list. */
	resolve_ok("egress = 10.0.0.1, 10.0.0.2\n[group lab]\negress = 10.0.0.3 tcp 22\n",
		   "alice", lab, 1, &p);
	assert_int_equal(p.n_egress, 1);
	assert_addr(&p.egress[0].dst, "10.0.0.3");
	assert_int_equal(p.egress[1].dst.family, 0);
	resolve_ok("egress = 10.0.0.1, 10.0.0.2\n[group lab]\negress = any\n", "alice", lab, 1,
		   &p);
	assert_true(p.egress_any);
	assert_int_equal(p.n_egress, 0);
	assert_int_equal(p.egress[0].dst.family, 0);
	resolve_ok("egress = 10.0.0.1, 10.0.0.2\n[group lab]\negress = any\n", "alice", NULL, 0,
		   &p);
	assert_false(p.egress_any);
	assert_int_equal(p.n_egress, 2);
	resolve_ok("egress = none\n[user alice]\nlinger = 5\n", "alice", NULL, 0, &p);
	assert_false(p.egress_any);

	/* Errors: FILE:LINE: egress: "TEXT": problem. */
	expect_bad_each("[group lab]\negress = 10.0.0.1, ", " udp 53\n", 2, "egress: \"",
			"\": not an address or network", VALS(bad_addr));
	expect_bad_each("egress = 10.0.0.1 tcp ", ", 10.0.0.2\n", 1, "bad port \"",
			"\" (expected 1..65535)", VALS(bad_port));
	expect_bad_each("egress = 10.0.0.2, 10.0.0.1 udp ", "\n", 1, "egress: \"10.0.0.1 udp ",
			"\": bad port", VALS(bad_port));
	expect_bad_cases(VALS(bad_egress));
	expect_empty_and_duplicate("egress", "none");
}

static void test_dns(void **state)
{
	static const struct bad_case bad_dns[] = {
		{ "dns = 1.1.1.1, 8.8.8.8, 9.9.9.9, 1.0.0.1\n", 1, "dns: more than 3 servers" },
		{ "dns = 0.0.0.0\n", 1, "dns: \"0.0.0.0\": the unspecified address is no server" },
		{ "dns = ::\n", 1, "dns: \"::\": the unspecified address is no server" },
		{ "dns = 1.1.1.1, 8.8.8.8, 1.1.1.1\n", 1, "dns: \"1.1.1.1\": given twice" },
		{ "dns = fd00::53, FD00:0::53\n", 1, "dns: \"FD00:0::53\": given twice" },
		{ "dns = auto, 1.1.1.1\n", 1,
		  "dns: \"auto\": auto, host and none stand alone, never in a list of servers" },
		{ "dns = 1.1.1.1, host\n", 1, "dns: \"host\": auto, host and none stand alone" },
		{ "dns = 1.1.1.1,\n", 1, "dns: empty server (a stray comma?)" },
		{ "dns = 1.1.1.1,,8.8.8.8\n", 1, "dns: empty server (a stray comma?)" },
	};
	static const char *const not_addr[] = {
		"10.0.0.0/8", "1.1.1.1/32", "fd00::53/128", "1.1.1.1 8.8.8.8", "1.1.1.1;8.8.8.8",
		"dns.example.org", "1.1.1.256", "fd00::53%eth0", "1.1.1.1:53", "[fd00::53]:53",
		"AUTO", "localhost",
	};
	const char *const lab[] = { "lab" };
	struct nsc_policy p;

	resolve_ok("", "alice", NULL, 0, &p);
	assert_int_equal(p.dns, NSC_DNS_AUTO);
	resolve_ok("dns = host\n", "alice", NULL, 0, &p);
	assert_int_equal(p.dns, NSC_DNS_HOST);
	assert_int_equal(p.n_dns, 0);
	resolve_ok("dns = none\n", "alice", NULL, 0, &p);
	assert_int_equal(p.dns, NSC_DNS_NONE);
	resolve_ok("dns = auto\n", "alice", NULL, 0, &p);
	assert_int_equal(p.dns, NSC_DNS_AUTO);
	resolve_ok("dns = 192.0.2.53\n", "alice", NULL, 0, &p);
	assert_int_equal(p.dns, NSC_DNS_LIST);
	assert_int_equal(p.n_dns, 1);
	assert_addr(&p.dns_servers[0], "192.0.2.53");
	assert_int_equal(p.dns_servers[1].family, 0);
	resolve_ok("dns = 192.0.2.53,2001:DB8::53 ,\t127.0.0.53\n", "alice", NULL, 0, &p);
	assert_int_equal(p.n_dns, 3);
	assert_int_equal(p.dns_servers[1].family, AF_INET6);
	assert_int_equal(p.dns_servers[1].prefix, 128);
	assert_addr(&p.dns_servers[1], "2001:db8::53");
	assert_addr(&p.dns_servers[2], "127.0.0.53");

	/* Merged as one key; a word after a list clears the list. */
	resolve_ok("dns = 192.0.2.53, 192.0.2.54\n[group lab]\ndns = host\n", "alice", lab, 1, &p);
	assert_int_equal(p.dns, NSC_DNS_HOST);
	assert_int_equal(p.n_dns, 0);
	assert_int_equal(p.dns_servers[0].family, 0);
	resolve_ok("dns = 192.0.2.53, 192.0.2.54\n[group lab]\ndns = host\n", "alice", NULL, 0, &p);
	assert_int_equal(p.dns, NSC_DNS_LIST);
	assert_int_equal(p.n_dns, 2);
	resolve_ok("dns = none\n[user alice]\ndns = 10.0.0.53\n", "alice", NULL, 0, &p);
	assert_int_equal(p.n_dns, 1);

	expect_bad_each("\n[user a]\ndns = 192.0.2.1, ", "\n", 3, "dns: \"",
			"\": not an IP address", VALS(not_addr));
	expect_bad_cases(VALS(bad_dns));
	expect_empty_and_duplicate("dns", "host");
}

/* ---- resolution -------------------------------------------------------- */

static const char order_conf[] =
	"[defaults]\n"
	"linger = 10\n"
	"network = veth\n"
	"[user alice]\n"          /* user sections win wherever they are */
	"identity = root\n"
	"linger = 40\n"
	"[group b]\n"
	"linger = 20\n"
	"hostname = gb-%u\n"
	"[group a]\n"
	"linger = 30\n"
	"veth_name = ga%U\n"
	"[user bob]\n"
	"subids = no\n";

static void test_resolution_order(void **state)
{
	struct nsc_policy p;
	const char *const ab[] = { "a", "b" }; /* primary group first */
	const char *const ba[] = { "b", "a" };
	const char *const b[] = { "b" };
	const char *const other[] = { "c", "A", "bb", "" };

	/* defaults only */
	resolve_ok(order_conf, "carol", other, 4, &p);
	assert_int_equal(p.linger, 10);
	assert_int_equal(p.network, NSC_NET_VETH);
	assert_string_equal(p.hostname, "%u-%h");
	assert_int_equal(p.identity, NSC_ID_SELF);
	/* one group */
	resolve_ok(order_conf, "carol", b, 1, &p);
	assert_int_equal(p.linger, 20);
	assert_string_equal(p.hostname, "gb-%u");
	assert_string_equal(p.veth_name, "nsv%U");
	/* two groups: file order decides, not the order of the user's groups */
	resolve_ok(order_conf, "carol", ab, 2, &p);
	assert_int_equal(p.linger, 30);
	assert_string_equal(p.hostname, "gb-%u");
	assert_string_equal(p.veth_name, "ga%U");
	resolve_ok(order_conf, "carol", ba, 2, &p);
	assert_int_equal(p.linger, 30);
	/* the user section wins over both groups, keys it does not set stay */
	resolve_ok(order_conf, "alice", ab, 2, &p);
	assert_int_equal(p.linger, 40);
	assert_int_equal(p.identity, NSC_ID_ROOT);
	assert_string_equal(p.hostname, "gb-%u");
	assert_string_equal(p.veth_name, "ga%U");
	assert_int_equal(p.network, NSC_NET_VETH);
	/* user sections match by exact name only */
	resolve_ok(order_conf, "bob", NULL, 0, &p);
	assert_false(p.subids);
	assert_int_equal(p.linger, 10);
	resolve_ok(order_conf, "Bob", NULL, 0, &p);
	assert_true(p.subids);
	resolve_ok(order_conf, "bobby", NULL, 0, &p);
	assert_true(p.subids);
	/* a group listed twice applies once; it is still the file order */
	{
		const char *const twice[] = { "a", "b", "a" };
		resolve_ok(order_conf, "carol", twice, 3, &p);
		assert_int_equal(p.linger, 30);
	}
}

/* Two values of every key, each unlike the built-in default and unlike
 * each other in every field the key sets (a: exempt = yes, so only the
 * b variants need to be coherent). */
static const struct { const char *key, *a, *b; } key_values[] = {
	{ "exempt", "yes", "no" },
	{ "namespaces", "user mnt pid uts net", "mnt pid ipc uts net cgroup" },
	{ "identity", "root", "self" },
	{ "hostname", "a-%u", "b%U" },
	{ "network", "nat", "veth" },
	{ "bridge", "br-a", "br-b" },
	{ "address_pool", "10.1.0.0/16", "10.2.3.0/24" },
	{ "address_pool6", "fd00:a::/64", "fd00:b:c::/120" },
	{ "ipv6_nat", "no", "yes" },
	{ "egress", "10.0.0.0/8 tcp 80", "any" },
	{ "dns", "192.0.2.1", "host" },
	{ "veth_name", "va%U", "vb%U" },
	{ "private_tmp", "no", "yes" },
	{ "tmp_size", "1g", "50%" },
	{ "tmp_inodes", "1k", "2m" },
	{ "subids", "no", "yes" },
	{ "no_new_privs", "no", "yes" },
	{ "linger", "5", "6" },
	{ "pids_max", "100", "max" },
	{ "memory_max", "2G", "3M" },
	{ "cpu_weight", "7", "8" },
	{ "cpu_max", "50%", "60%" },
	{ "io_weight", "9", "10" },
};

/* [defaults] with every key's value a but key_values[key]'s b, or
 * (in_user) with its a there too and its b in a [user alice] section. */
static void every_key_text(char *buf, size_t len, size_t key, bool in_user)
{
	size_t n = (size_t)snprintf(buf, len, "[defaults]\n");

	for (size_t i = 0; i < sizeof(key_values) / sizeof(key_values[0]); i++)
		n += (size_t)snprintf(buf + n, len - n, "%s = %s\n", key_values[i].key,
				      i == key && !in_user ? key_values[i].b : key_values[i].a);
	if (in_user)
		snprintf(buf + n, len - n, "[user alice]\n%s = %s\n", key_values[key].key,
			 key_values[key].b);
}

/* Resolution copies only the fields of the keys a section sets: a key set
 * again in [user alice] gives the same policy as its value in [defaults],
 * so no other key's value from [defaults] is overwritten with the user
 * section's built-in one. (That all of a key's fields are copied, the
 * values checked by test_every_key and the tests of each key tell.)
 * Every key of the parser must be in key_values. */
static void test_each_key_copied(void **state)
{
	const size_t nvals = sizeof(key_values) / sizeof(key_values[0]);
	const char *key;
	char text[2048];
	struct nsc_policy in_user, in_defaults;

	for (size_t i = 0; (key = nsc_key_name(i)); i++) {
		size_t j = 0;

		while (j < nvals && strcmp(key_values[j].key, key) != 0)
			j++;
		if (j == nvals)
			fail_msg("key '%s' has no values in key_values", key);
	}
	for (size_t k = 0; k < nvals; k++) {
		every_key_text(text, sizeof(text), k, true);
		memset(&in_user, 0x5a, sizeof(in_user));
		resolve_ok(text, "alice", NULL, 0, &in_user);
		every_key_text(text, sizeof(text), k, false);
		memset(&in_defaults, 0xa5, sizeof(in_defaults));
		resolve_ok(text, "alice", NULL, 0, &in_defaults);
		assert_policy_equal(&in_user, &in_defaults);
		if (memcmp(&in_user, &in_defaults, sizeof(in_user)) != 0)
			fail_msg("key '%s': the policies differ", key_values[k].key);
	}
}

/* Group names are looked up (one NSS call per group) only when a [group]
 * section could match: nsc_has_group_sections tells. */
static void test_has_group_sections(void **state)
{
	struct nsc_config *cfg;

	(void)state;
	assert_false(nsc_has_group_sections(NULL));
	cfg = parse_ok("");
	assert_false(nsc_has_group_sections(cfg));
	nsc_free(cfg);
	cfg = parse_ok("[defaults]\nlinger = 1\n[user alice]\nlinger = 2\n");
	assert_false(nsc_has_group_sections(cfg));
	nsc_free(cfg);
	cfg = parse_ok("[user alice]\nlinger = 2\n[group staff]\nlinger = 3\n");
	assert_true(nsc_has_group_sections(cfg));
	nsc_free(cfg);
	cfg = parse_ok(order_conf);
	assert_true(nsc_has_group_sections(cfg));
	nsc_free(cfg);
}

static void test_exemption(void **state)
{
	static const char conf[] =
		"namespaces = net\n"  /* incoherent: private_tmp needs mnt */
		"[group sudo]\n"
		"exempt = yes\n"
		"[user alice]\n"
		"exempt = no\n"
		"namespaces = user mnt\n"
		"[user dave]\n"
		"exempt = yes\n";
	const char *const sudo[] = { "staff", "sudo" };
	char err[NSC_ERR_MAX] = "";
	struct nsc_policy p;

	/* uid 0 always, whatever the name, groups or file say */
	assert_int_equal(resolve_text("exempt = no\n[user root]\nexempt = no\n", "root", 0,
				      NULL, 0, &p, err, sizeof(err)), 0);
	assert_true(p.exempt);
	assert_int_equal(resolve_text(conf, "toor", 0, NULL, 0, &p, err, sizeof(err)), 0);
	assert_true(p.exempt);
	/* the admin group, even with an otherwise incoherent policy */
	assert_int_equal(resolve_text(conf, "carol", 1001, sudo, 2, &p, err, sizeof(err)), 0);
	assert_true(p.exempt);
	/* a user section can be exempt itself, or override the group */
	assert_int_equal(resolve_text(conf, "dave", 1002, NULL, 0, &p, err, sizeof(err)), 0);
	assert_true(p.exempt);
	assert_int_equal(resolve_text(conf, "alice", 1003, sudo, 2, &p, err, sizeof(err)), 0);
	assert_false(p.exempt);
	assert_int_equal(p.namespaces, NSC_NS_USER | NSC_NS_MNT);
	/* not exempt: the incoherent defaults are refused */
	assert_int_equal(resolve_text(conf, "carol", 1001, NULL, 0, &p, err, sizeof(err)),
			 -EINVAL);
	check_msg(err, "policy for carol: ", "private_tmp needs the mnt namespace");
	/* exempt in [defaults] exempts everybody */
	assert_int_equal(resolve_text("exempt = yes\n", "erin", 1004, NULL, 0, &p, err,
				      sizeof(err)), 0);
	assert_true(p.exempt);
}

static void test_coherence(void **state)
{
	struct nsc_policy p;
	char err[NSC_ERR_MAX];
	struct nsc_config *cfg;

	expect_incoherent("namespaces = mnt pid ipc uts net\nidentity = root\n", "alice",
			  "identity root needs the user namespace");
	expect_incoherent("namespaces = user mnt pid ipc uts\nnetwork = veth\n", "alice",
			  "network veth needs the net namespace");
	expect_incoherent("namespaces = user mnt pid ipc uts\nnetwork = nat\n", "alice",
			  "network nat needs the net namespace");
	expect_incoherent("network = bridge\n", "alice", "network bridge needs 'bridge = NAME'");
	expect_incoherent("namespaces = user ipc uts net\n", "alice",
			  "private_tmp needs the mnt namespace");
	expect_incoherent("namespaces = user pid ipc uts net\nprivate_tmp = no\n", "alice",
			  "the pid namespace needs the mnt namespace (a fresh /proc is mounted)");
	/* the user name must make a valid host name when uts is on */
	expect_incoherent("", "john_doe",
			  "hostname '%u-%h' gives 'john_doe-box', not a valid host name");
	expect_incoherent("", "j.doe", "not a valid host name");
	expect_incoherent("", "host$", "not a valid host name");
	expect_incoherent("hostname = %u-%u-%h\n", "abcdefghijklmnopqrstuvwxyz012345",
			  "hostname '%u-%u-%h' gives a name longer than 63 characters");
	/* ... but not when uts is off, or with a hostname not using %u */
	resolve_ok("namespaces = user mnt pid ipc net\n", "john_doe", NULL, 0, &p);
	resolve_ok("[user john_doe]\nhostname = jd-%h\n", "john_doe", NULL, 0, &p);
	/* veth_name: checked only with network = veth */
	expect_incoherent("network = veth\nveth_name = ve-%u\n", "abcdefghijklm",
			  "veth_name 've-%u' gives a name longer than 15 characters");
	expect_incoherent("network = veth\nveth_name = v%u\nhostname = x\n", "host$",
			  "veth_name 'v%u' gives 'vhost$', not a valid interface name");
	resolve_ok("network = none\nveth_name = ve-%u\n", "abcdefghijklm", NULL, 0, &p);
	resolve_ok("network = veth\nveth_name = ve-%u\n", "abcdefghijkl", NULL, 0, &p);
	resolve_ok("network = veth\nveth_name = nsv%U\n", "alice", NULL, 0, &p);

	/* no host name known: a template using %h cannot be checked */
	cfg = parse_ok("");
	assert_int_equal(nsc_resolve_host(cfg, "alice", 1000, NULL, 0, NULL, &p, err,
					  sizeof(err)), -EINVAL);
	check_msg(err, "policy for alice: ", "hostname '%u-%h' cannot be expanded");
	nsc_free(cfg);
	cfg = parse_ok("hostname = %u-x\n");
	assert_int_equal(nsc_resolve_host(cfg, "alice", 1000, NULL, 0, NULL, &p, err,
					  sizeof(err)), 0);
	/* nsc_resolve itself, with this machine's host name not used */
	assert_int_equal(nsc_resolve(cfg, "alice", 1000, NULL, 0, &p, err, sizeof(err)), 0);
	assert_string_equal(p.hostname, "%u-x");
	nsc_free(cfg);
}

static void test_resolve_bad_arguments(void **state)
{
	struct nsc_policy p;
	char err[NSC_ERR_MAX];
	struct nsc_config *cfg = parse_ok("");

	assert_int_equal(nsc_resolve_host(cfg, "bad/name", 1000, NULL, 0, HOST, &p, err,
					  sizeof(err)), -EINVAL);
	check_msg(err, "policy for 'bad/name': ", "bad user name");
	assert_int_equal(nsc_resolve_host(cfg, "", 1000, NULL, 0, HOST, &p, err,
					  sizeof(err)), -EINVAL);
	assert_int_equal(nsc_resolve_host(cfg, "a\nb", 1000, NULL, 0, HOST, &p, err,
					  sizeof(err)), -EINVAL);
	check_msg(err, "policy for 'a?b': ", "bad user name");
	assert_int_equal(nsc_resolve_host(NULL, "alice", 1000, NULL, 0, HOST, &p, err,
					  sizeof(err)), -EINVAL);
	assert_int_equal(nsc_resolve_host(cfg, NULL, 1000, NULL, 0, HOST, &p, err,
					  sizeof(err)), -EINVAL);
	assert_int_equal(nsc_resolve_host(cfg, "alice", 1000, NULL, 2, HOST, &p, err,
					  sizeof(err)), -EINVAL);
	nsc_free(cfg);
}

static void test_many_sections(void **state)
{
	size_t cap = (size_t)NSC_SECTIONS_MAX * 40;
	char *buf = malloc(cap);
	size_t len = 0;
	struct nsc_config *cfg;
	struct nsc_policy p;
	char err[NSC_ERR_MAX];
	const char *const g[] = { "g9998" };

	assert_non_null(buf);
	/* [defaults] counts: NSC_SECTIONS_MAX - 1 named sections fit */
	for (int i = 0; i < NSC_SECTIONS_MAX - 1; i++)
		len += (size_t)snprintf(buf + len, cap - len, "[group g%d]\nlinger = %d\n",
					i, i % 86400);
	cfg = parse_ok_len(buf, len);
	assert_int_equal(nsc_resolve_host(cfg, "alice", 1000, g, 1, HOST, &p, err,
					  sizeof(err)), 0);
	assert_int_equal(p.linger, 9998);
	nsc_free(cfg);
	len += (size_t)snprintf(buf + len, cap - len, "[user last]\n");
	expect_bad_len(buf, len, 2 * (NSC_SECTIONS_MAX - 1) + 1,
		       "too many sections (max 10000)");
	free(buf);
}

static void test_file_too_large_buffer(void **state)
{
	char *buf = malloc(NSC_FILE_MAX + 1);
	struct nsc_config *cfg;
	char err[NSC_ERR_MAX];

	assert_non_null(buf);
	/* NSC_FILE_MAX bytes of comment lines parse */
	for (size_t i = 0; i < NSC_FILE_MAX + 1; i++)
		buf[i] = (i % 64 == 63) ? '\n' : '#';
	nsc_free(parse_ok_len(buf, NSC_FILE_MAX));
	assert_int_equal(nsc_parse_buffer(buf, NSC_FILE_MAX + 1, "t.conf", &cfg, err,
					  sizeof(err)), -EFBIG);
	assert_null(cfg);
	check_msg(err, "t.conf: ", "file too large");
	free(buf);
}

/* ---- files ------------------------------------------------------------- */

static void test_check_stat(void **state)
{
	struct stat st;
	char err[NSC_ERR_MAX];

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	st.st_uid = 0;
	st.st_nlink = 1;
	assert_int_equal(nsc_check_stat(&st, 0, "/etc/nsession.conf", err, sizeof(err)), 0);
	st.st_mode = S_IFREG | 0600;
	assert_int_equal(nsc_check_stat(&st, 0, "x.conf", err, sizeof(err)), 0);
	st.st_mode = S_IFREG | 0444;
	assert_int_equal(nsc_check_stat(&st, 0, "x.conf", err, sizeof(err)), 0);

	st.st_mode = S_IFREG | 0644;
	st.st_uid = 1000;
	assert_int_equal(nsc_check_stat(&st, 0, "/etc/nsession.conf", err, sizeof(err)),
			 -EPERM);
	check_msg(err, "/etc/nsession.conf: ", "not owned by root");
	assert_int_equal(nsc_check_stat(&st, 1000, "x.conf", err, sizeof(err)), 0);
	st.st_uid = 0;
	assert_int_equal(nsc_check_stat(&st, 1000, "x.conf", err, sizeof(err)), -EPERM);
	check_msg(err, "x.conf: ", "not owned by uid 1000");

	st.st_mode = S_IFREG | 0664;
	assert_int_equal(nsc_check_stat(&st, 0, "x.conf", err, sizeof(err)), -EPERM);
	check_msg(err, "x.conf: ", "is group- or world-writable");
	st.st_mode = S_IFREG | 0646;
	assert_int_equal(nsc_check_stat(&st, 0, "x.conf", err, sizeof(err)), -EPERM);
	check_msg(err, "x.conf: ", "is group- or world-writable");
	st.st_mode = S_IFREG | 0777;
	assert_int_equal(nsc_check_stat(&st, 0, "x.conf", err, sizeof(err)), -EPERM);

	st.st_mode = S_IFDIR | 0755;
	assert_int_equal(nsc_check_stat(&st, 0, "x.conf", err, sizeof(err)), -EPERM);
	check_msg(err, "x.conf: ", "not a regular file");
	st.st_mode = S_IFIFO | 0644;
	assert_int_equal(nsc_check_stat(&st, 0, "x.conf", err, sizeof(err)), -EPERM);
	check_msg(err, "x.conf: ", "not a regular file");
	st.st_mode = S_IFCHR | 0644;
	assert_int_equal(nsc_check_stat(&st, 0, "x.conf", err, sizeof(err)), -EPERM);
	st.st_mode = S_IFLNK | 0777;
	assert_int_equal(nsc_check_stat(&st, 0, "x.conf", err, sizeof(err)), -EPERM);
	check_msg(err, "x.conf: ", "is a symbolic link (refused)");
}

struct tmp {
	char dir[64];
	char file[96];
	char link[96];
	char fifo[96];
	char big[96];
};

static void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void test_load_file(void **state)
{
	struct tmp t;
	struct nsc_config *cfg;
	struct nsc_policy p;
	char err[NSC_ERR_MAX];
	const char *good = "[defaults]\nnetwork = veth\nlinger = 9\n";
	int r;

	snprintf(t.dir, sizeof(t.dir), "/tmp/nsconf-test.XXXXXX");
	assert_non_null(mkdtemp(t.dir));
	snprintf(t.file, sizeof(t.file), "%s/nsession.conf", t.dir);
	snprintf(t.link, sizeof(t.link), "%s/link.conf", t.dir);
	snprintf(t.fifo, sizeof(t.fifo), "%s/fifo.conf", t.dir);
	snprintf(t.big, sizeof(t.big), "%s/big.conf", t.dir);
	write_file(t.file, good, strlen(good), 0644);
	assert_int_equal(symlink(t.file, t.link), 0);
	assert_int_equal(mkfifo(t.fifo, 0644), 0);

	/* a symlink is refused, even to a good file */
	r = nsc_load_file(t.link, &cfg, err, sizeof(err));
	assert_int_equal(r, -ELOOP);
	assert_null(cfg);
	check_msg(err, t.link, ": is a symbolic link (refused)");
	/* a directory, a FIFO (must not block), a missing file */
	assert_int_equal(nsc_load_file(t.dir, &cfg, err, sizeof(err)), -EPERM);
	check_msg(err, t.dir, ": not a regular file");
	assert_int_equal(nsc_load_file(t.fifo, &cfg, err, sizeof(err)), -EPERM);
	check_msg(err, t.fifo, ": not a regular file");
	assert_int_equal(nsc_load_file("/nonexistent/nsession.conf", &cfg, err,
				       sizeof(err)), -ENOENT);
	check_msg(err, "/nonexistent/nsession.conf: ", "cannot open");

	if (geteuid() != 0) {
		/* The file is ours, not root's: the owner check refuses it. */
		r = nsc_load_file(t.file, &cfg, err, sizeof(err));
		assert_int_equal(r, -EPERM);
		check_msg(err, t.file, ": not owned by root");
		print_message("[ SKIPPED  ] test_load_file: not root, the successful load, "
			      "mode and size checks of real files were skipped\n");
	} else {
		char *buf;

		r = nsc_load_file(t.file, &cfg, err, sizeof(err));
		if (r != 0)
			fail_msg("load: %s", err);
		assert_int_equal(nsc_resolve_host(cfg, "alice", 1000, NULL, 0, HOST, &p,
						  err, sizeof(err)), 0);
		assert_int_equal(p.network, NSC_NET_VETH);
		assert_int_equal(p.linger, 9);
		nsc_free(cfg);
		/* owner: another uid */
		assert_int_equal(chown(t.file, 65534, 0), 0);
		assert_int_equal(nsc_load_file(t.file, &cfg, err, sizeof(err)), -EPERM);
		check_msg(err, t.file, ": not owned by root");
		assert_int_equal(chown(t.file, 0, 0), 0);
		/* writable by group, by others */
		assert_int_equal(chmod(t.file, 0664), 0);
		assert_int_equal(nsc_load_file(t.file, &cfg, err, sizeof(err)), -EPERM);
		check_msg(err, t.file, ": is group- or world-writable");
		assert_int_equal(chmod(t.file, 0602), 0);
		assert_int_equal(nsc_load_file(t.file, &cfg, err, sizeof(err)), -EPERM);
		check_msg(err, t.file, ": is group- or world-writable");
		assert_int_equal(chmod(t.file, 0600), 0);
		/* a syntax error names the path and line */
		write_file(t.file, "linger = 1\nlinger = 2\n", 22, 0644);
		assert_int_equal(nsc_load_file(t.file, &cfg, err, sizeof(err)), -EINVAL);
		check_msg(err, t.file, ":2: duplicate key 'linger' in [defaults]");
		/* size: NSC_FILE_MAX is fine, one byte more is not */
		buf = malloc(NSC_FILE_MAX + 1);
		assert_non_null(buf);
		for (size_t i = 0; i < NSC_FILE_MAX + 1; i++)
			buf[i] = (i % 64 == 63) ? '\n' : '#';
		write_file(t.big, buf, NSC_FILE_MAX, 0644);
		assert_int_equal(nsc_load_file(t.big, &cfg, err, sizeof(err)), 0);
		nsc_free(cfg);
		write_file(t.big, buf, NSC_FILE_MAX + 1, 0644);
		assert_int_equal(nsc_load_file(t.big, &cfg, err, sizeof(err)), -EFBIG);
		check_msg(err, t.big, ": file too large");
		assert_null(cfg);
		free(buf);
		unlink(t.big);
	}
	assert_int_equal(unlink(t.link), 0);
	assert_int_equal(unlink(t.fifo), 0);
	assert_int_equal(unlink(t.file), 0);
	assert_int_equal(rmdir(t.dir), 0);
}

/* ---- the shipped example ----------------------------------------------- */

static char *read_example(size_t *len)
{
	const char *src = getenv("NSESSION_SRCDIR");
	char path[4096];
	FILE *f;
	char *buf = malloc(NSC_FILE_MAX + 1);

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s%sconf/nsession.conf.example",
		 src ? src : "", src ? "/" : "");
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (run from the repo root or set NSESSION_SRCDIR)",
			 path);
	*len = fread(buf, 1, NSC_FILE_MAX + 1, f);
	fclose(f);
	assert_true(*len > 0 && *len <= NSC_FILE_MAX);
	buf[*len] = '\0';
	return buf;
}

static void test_example_config(void **state)
{
	size_t len;
	char *text = read_example(&len);
	struct nsc_config *cfg = parse_ok_len(text, len);
	struct nsc_policy p;
	char err[NSC_ERR_MAX];
	const char *const admin[] = { "carol", "sudo" };
	const char *const plain[] = { "alice", "users" };

	assert_int_equal(nsc_resolve_host(cfg, "carol", 1001, admin, 2, HOST, &p, err,
					  sizeof(err)), 0);
	assert_true(p.exempt);
	assert_int_equal(nsc_resolve_host(cfg, "alice", 1000, plain, 2, HOST, &p, err,
					  sizeof(err)), 0);
	assert_false(p.exempt);
	assert_int_equal(p.network, NSC_NET_VETH);
	assert_int_equal(p.pool_net, 0x0afa0000u);
	assert_int_equal(p.pool_prefix, 16);
	assert_int_equal(p.namespaces, NSC_NS_ALL);
	assert_string_equal(p.tmp_size, "25%");
	assert_int_equal(p.tmp_inodes, 262144);
	nsc_free(cfg);
	free(text);
}

/* The commented-out overrides of the example must parse once uncommented:
 * lines starting with '#' and then a non-blank, non-'#' character. */
static void test_example_overrides(void **state)
{
	size_t len, o = 0;
	char *text = read_example(&len);
	char *out = malloc(len + 1);
	struct nsc_config *cfg;
	struct nsc_policy p;
	char err[NSC_ERR_MAX];
	const char *const students[] = { "students" };

	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		bool bol = (i == 0 || text[i - 1] == '\n');
		if (bol && text[i] == '#' && i + 1 < len && text[i + 1] != ' ' &&
		    text[i + 1] != '\n' && text[i + 1] != '#' && text[i + 1] != '\t')
			continue;
		out[o++] = text[i];
	}
	cfg = parse_ok_len(out, o);
	assert_int_equal(nsc_resolve_host(cfg, "alice", 1000, NULL, 0, HOST, &p, err,
					  sizeof(err)), 0);
	assert_int_equal(p.identity, NSC_ID_ROOT);
	assert_int_equal(p.linger, 3600);
	assert_int_equal(p.cpu_max, 400);
	assert_int_equal(p.io_weight, 100);
	assert_int_equal(nsc_resolve_host(cfg, "sam", 1005, students, 1, HOST, &p, err,
					  sizeof(err)), 0);
	assert_int_equal(p.network, NSC_NET_NONE);
	assert_int_equal(p.linger, 300);
	assert_string_equal(p.tmp_size, "512m");
	assert_int_equal(p.tmp_inodes, 65536);
	nsc_free(cfg);
	free(out);
	free(text);
}

/* The EXAMPLES of man/nsession.conf.5, verbatim. */
static void test_man_examples(void **state)
{
	static const char ex1[] =
		"# /etc/nsession.conf\n"
		"[defaults]\n"
		"network = veth\n"
		"address_pool = 10.250.0.0/16\n"
		"veth_name = nsv%U\n"
		"hostname = %u-%h\n"
		"\n"
		"[group sudo]\n"
		"exempt = yes\n"
		"\n"
		"[group students]\n"
		"network = none\n"
		"linger = 300\n"
		"\n"
		"[user alice]\n"
		"identity = root\n"
		"linger = 3600\n";
	static const char ex2[] =
		"[group staff]\n"
		"linger = 600\n"
		"private_tmp = no\n"
		"\n"
		"[group lab]\n"
		"linger = 60\n";
	static const char ex3[] =
		"[defaults]\n"
		"namespaces = mnt, pid\n";
	const char *const both[] = { "staff", "lab" };
	struct nsc_policy p;

	resolve_ok(ex1, "alice", NULL, 0, &p);
	assert_int_equal(p.identity, NSC_ID_ROOT);
	assert_int_equal(p.network, NSC_NET_VETH);
	resolve_ok(ex2, "carol", both, 2, &p);
	assert_int_equal(p.linger, 60);
	assert_false(p.private_tmp);
	resolve_ok(ex3, "carol", NULL, 0, &p);
	assert_int_equal(p.namespaces, NSC_NS_MNT | NSC_NS_PID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_defaults),
		cmocka_unit_test(test_empty_file_is_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_whitespace_and_comments),
		cmocka_unit_test(test_keys_before_header_are_defaults),
		cmocka_unit_test(test_duplicate_sections),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_odd_lines),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_nul_and_control_bytes),
		cmocka_unit_test(test_messages_are_safe),
		cmocka_unit_test(test_bad_bools),
		cmocka_unit_test(test_bad_enums),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_network_modes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_cpu_max_io_weight),
		cmocka_unit_test(test_tmp_size_inodes),
		cmocka_unit_test(test_linger),
		cmocka_unit_test(test_address_pool),
		cmocka_unit_test(test_parse_cidr),
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_address_pool6),
		cmocka_unit_test(test_ipv6_nat),
		cmocka_unit_test(test_egress),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_resolution_order),
		cmocka_unit_test(test_each_key_copied),
		cmocka_unit_test(test_has_group_sections),
		cmocka_unit_test(test_exemption),
		cmocka_unit_test(test_coherence),
		cmocka_unit_test(test_resolve_bad_arguments),
		cmocka_unit_test(test_many_sections),
		cmocka_unit_test(test_file_too_large_buffer),
		cmocka_unit_test(test_check_stat),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_example_config),
		cmocka_unit_test(test_example_overrides),
		cmocka_unit_test(test_man_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
