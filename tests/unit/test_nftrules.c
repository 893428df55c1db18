/* test_nftrules.c — unit tests for lib/nftrules.c (the scripts of a
 * session's tables and counter parsing) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nftrules.h"

static struct nsc_addr A(const char *s)
{
	struct nsc_addr a;

	assert_int_equal(nsc_parse_addr(s, &a), 0);
	return a;
}

static struct nft_session base(enum nsc_netmode mode)
{
	struct nft_session s = {
		.uid = 1001, .mode = mode, .ifname = "nsv1001",
		.bridge = mode == NSC_NET_BRIDGE ? "br0" : NULL,
		.peer4 = A("10.250.0.2"), .host4 = A(mode == NSC_NET_BRIDGE ? "10.250.0.1" : "10.250.0.1"),
		.mac = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 }, .nat6 = true, .egress_any = true,
	};
	if (mode == NSC_NET_BRIDGE)
		s.net4 = A("10.250.0.0/16");
	return s;
}

static void with6(struct nft_session *s)
{
	s->peer6 = A("fd00:1::2");
	s->host6 = A("fd00:1::1");
	if (s->mode == NSC_NET_BRIDGE)
		s->net6 = A("fd00:1::/64");
}

static void has(const char *buf, const char *line)
{
	if (!strstr(buf, line))
		fail_msg("missing: %s\nin:\n%s", line, buf);
}

static void lacks(const char *buf, const char *text)
{
	if (strstr(buf, text))
		fail_msg("unexpected: %s\nin:\n%s", text, buf);
}

static void test_table_name(void **state)
{
	char t[NFT_TABLE_NAME_MAX];

	nft_table_name(0, t);
	assert_string_equal(t, "nsession_0");
	nft_table_name(1001, t);
	assert_string_equal(t, "nsession_1001");
	nft_table_name(UINT32_MAX, t);
	assert_string_equal(t, "nsession_4294967295");
}

static void test_veth(void **state)
{
	char buf[NFT_SCRIPT_MAX];
	struct nft_session s = base(NSC_NET_VETH);
	int n = nft_script_create(&s, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	/* Leftovers of every family are replaced in the same transaction. */
	const char *head = "add table inet nsession_1001\ndelete table inet nsession_1001\n"
			   "add table bridge nsession_1001\ndelete table bridge nsession_1001\n"
			   "add table ip nsession_1001\ndelete table ip nsession_1001\n"
			   "table inet nsession_1001 {\n";
	assert_int_equal(strncmp(buf, head, strlen(head)), 0);
	has(buf, "ip daddr 10.250.0.1 iifname != { \"lo\", \"nsv1001\" } counter name \"guard_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" ip saddr 10.250.0.2 ip daddr 10.250.0.1 counter name \"input\" accept\n");
	has(buf, "iifname \"nsv1001\" counter name \"input_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" meta l4proto { 4, 41, 47, 97, 115 } counter name \"input_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" udp dport { 4789, 6081, 8472 } counter name \"input_drop\" drop\n");
	assert_true(strstr(buf, "udp dport { 4789") < strstr(buf, "counter name \"input\" accept"));
	has(buf, "oifname \"nsv1001\" counter name \"fwd_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" counter name \"fwd_drop\" drop\n");
	lacks(buf, "accept\n\t\toifname");
	lacks(buf, "fwd_out\" accept");
	lacks(buf, "masquerade");
	lacks(buf, "ip6");
	lacks(buf, "table bridge nsession_1001 {");
	for (int i = 0; i < NFT_C_INET_COUNT; i++) {
		char decl[64];
		snprintf(decl, sizeof(decl), "\tcounter %s { }\n", nft_counter_names[i]);
		assert_int_equal(strstr(buf, decl) != NULL, 1);
	}
}

static void test_nat(void **state)
{
	char buf[NFT_SCRIPT_MAX];
	struct nft_session s = base(NSC_NET_NAT);

	with6(&s);
	assert_true(nft_script_create(&s, buf, sizeof(buf)) > 0);
	has(buf, "oifname \"nsv1001\" ct state established,related counter name \"fwd_in\" accept\n");
	has(buf, "oifname \"nsv1001\" counter name \"fwd_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" ct direction original ip saddr 10.250.0.2 counter name \"fwd_out\" accept\n");
	has(buf, "iifname \"nsv1001\" ct direction original ip6 saddr fd00:1::2 counter name \"fwd_out\" accept\n");
	has(buf, "ip6 daddr fd00:1::1 iifname != { \"lo\", \"nsv1001\" } counter name \"guard_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert }");
	has(buf, "oifname != \"nsv1001\" ip saddr 10.250.0.2 counter name \"masq\" masquerade\n");
	has(buf, "oifname != \"nsv1001\" ip6 saddr fd00:1::2 counter name \"masq\" masquerade\n");
	has(buf, "type nat hook postrouting priority srcnat;");
	lacks(buf, "egress_drop\" drop");
	/* The established rule comes before the drop of the same interface. */
	assert_true(strstr(buf, "fwd_in\" accept") < strstr(buf, "oifname \"nsv1001\" counter name \"fwd_drop\""));

	s.nat6 = false; /* routed IPv6: filtered, not masqueraded */
	assert_true(nft_script_create(&s, buf, sizeof(buf)) > 0);
	lacks(buf, "ip6 saddr fd00:1::2 counter name \"masq\"");
	has(buf, "ip6 saddr fd00:1::2 counter name \"fwd_out\" accept");
}

static void test_egress(void **state)
{
	char buf[NFT_SCRIPT_MAX];
	struct nsc_egress e[4] = {
		{ .dst = A("10.248.0.2"), .proto = IPPROTO_TCP, .port = 8080 },
		{ .dst = A("192.0.2.0/24") },
		{ .dst = A("fd00:9::/64"), .proto = IPPROTO_UDP, .port = 53 },
		{ .dst = A("10.1.2.3"), .proto = IPPROTO_ICMP },
	};
	struct nft_session s = base(NSC_NET_NAT);

	s.egress_any = false;
	s.egress = e;
	s.n_egress = 4;
	assert_true(nft_script_create(&s, buf, sizeof(buf)) > 0);
	has(buf, "iifname \"nsv1001\" ct direction original ip saddr 10.250.0.2 ip daddr 10.248.0.2 tcp dport 8080 counter name \"fwd_out\" accept\n");
	has(buf, "iifname \"nsv1001\" ct direction original ip saddr 10.250.0.2 ip daddr 192.0.2.0/24 counter name \"fwd_out\" accept\n");
	has(buf, "ip daddr 10.1.2.3 meta l4proto icmp counter");
	lacks(buf, "fd00:9::"); /* no IPv6 address: the IPv6 rule cannot match */
	has(buf, "iifname \"nsv1001\" ip saddr 10.250.0.2 counter name \"egress_drop\" drop\n");
	with6(&s);
	assert_true(nft_script_create(&s, buf, sizeof(buf)) > 0);
	has(buf, "ct direction original ip6 saddr fd00:1::2 ip6 daddr fd00:9::/64 udp dport 53 counter name \"fwd_out\" accept\n");
	has(buf, "iifname \"nsv1001\" ip6 saddr fd00:1::2 counter name \"egress_drop\" drop\n");
	/* egress = none: only the drops. */
	s.n_egress = 0;
	assert_true(nft_script_create(&s, buf, sizeof(buf)) > 0);
	lacks(buf, "fwd_out\" accept");
	has(buf, "counter name \"egress_drop\" drop");
	/* Sixteen of the longest rules still fit, in bridge mode too. */
	struct nsc_egress many[NSC_EGRESS_MAX];
	for (int i = 0; i < NSC_EGRESS_MAX; i++)
		many[i] = (struct nsc_egress){ .dst = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120"),
					       .proto = IPPROTO_TCP, .port = 65535 };
	s = base(NSC_NET_BRIDGE);
	with6(&s);
	s.egress_any = false;
	s.egress = many;
	s.n_egress = NSC_EGRESS_MAX;
	assert_true(nft_script_create(&s, buf, sizeof(buf)) > 0);
}

static void test_bridge(void **state)
{
	char buf[NFT_SCRIPT_MAX];
	struct nft_session s = base(NSC_NET_BRIDGE);

	assert_true(nft_script_create(&s, buf, sizeof(buf)) > 0);
	has(buf, "iifname \"br0\" ether saddr 02:11:22:33:44:55 ip daddr != 10.250.0.1 counter name \"input_drop\" drop\n");
	/* Routed into the session: only from elsewhere than the bridge (with
	 * br_netfilter, bridged frames come in and go out of it). */
	has(buf, "oifname \"br0\" ip daddr 10.250.0.2 ct state established,related counter name \"fwd_in\" accept\n");
	has(buf, "oifname \"br0\" ip daddr 10.250.0.2 iifname != \"br0\" counter name \"fwd_drop\" drop\n");
	/* ... and through the gateway from the bridge itself (a hairpin of
	 * another pool's session, a segment host), to the host's MAC. */
	has(buf, "oifname \"br0\" ip daddr 10.250.0.2 ether daddr != 02:11:22:33:44:55 counter name \"fwd_drop\" drop\n");
	lacks(buf, "oifname \"br0\" counter");
	lacks(buf, "fwd_out\" accept");
	/* What the host would route for it: never back into the bridge's subnet. */
	has(buf, "\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n"
		 "\t\tiifname \"nsv1001\" ip daddr 10.250.0.0/16 ip daddr != 10.250.0.1 counter name \"routed_drop\" drop\n\t}\n");
	has(buf, "table bridge nsession_1001 {\n");
	has(buf, "iifname \"nsv1001\" ether saddr != 02:11:22:33:44:55 counter name \"spoof_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" ether type != { ip, arp } counter name \"spoof_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" arp saddr ip != 10.250.0.2 counter name \"spoof_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" ip saddr != 10.250.0.2 counter name \"spoof_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" meta l4proto udp th sport { 67, 547 } counter name \"spoof_drop\" drop\n");
	lacks(buf, "masquerade");
	lacks(buf, "l2_egress_drop\" drop");
	with6(&s);
	assert_true(nft_script_create(&s, buf, sizeof(buf)) > 0);
	has(buf, "ether type != { ip, arp, ip6 }");
	has(buf, "iifname \"nsv1001\" ip6 saddr != { fd00:1::2, fe80::11:22ff:fe33:4455, :: } counter name \"spoof_drop\" drop\n");
	has(buf, "icmpv6 type nd-neighbor-advert @th,64,128 != 0xfd000001000000000000000000000002 "
		 "@th,64,128 != 0xfe80000000000000001122fffe334455 counter name \"spoof_drop\" drop\n");
	has(buf, "icmpv6 type { nd-router-advert, nd-redirect } counter name \"spoof_drop\" drop\n");
	has(buf, "ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 != 0xfd000001000000000000000000000002 "
		 "@th,64,128 != 0xfe80000000000000001122fffe334455 counter name \"spoof_drop\" drop\n");
	struct nsc_egress e = { .dst = A("10.9.0.0/16") };
	s.egress_any = false;
	s.egress = &e;
	s.n_egress = 1;
	assert_true(nft_script_create(&s, buf, sizeof(buf)) > 0);
	has(buf, "iifname \"nsv1001\" ip daddr 10.9.0.0/16 accept\n");
	has(buf, "iifname \"nsv1001\" counter name \"l2_egress_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" ip6 daddr fd00:1::/64 ip6 daddr != fd00:1::1 counter name \"routed_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" ip daddr != 10.250.0.1 counter name \"routed_drop\" drop\n");
	has(buf, "iifname \"nsv1001\" ip6 daddr != { fd00:1::1, fe80::/10, ff00::/8 } counter name \"routed_drop\" drop\n");
}

static void test_create_bad_input(void **state)
{
	char buf[NFT_SCRIPT_MAX];
	static const char *const bad_names[] = { "", "a b", "x\"y", "x;y", "sixteen-chars-xx", "a/b", "." };
	static const char *const bad_peers[] = { "0.0.0.0", "255.255.255.255", "127.0.0.2", "224.0.0.1",
						 "0.1.2.3", "10.0.0.0/8" };
	static const char *const bad_peers6[] = { "::", "::1", "ff02::1", "fe80::1", "::ffff:10.0.0.1",
						  "fd00::/64" };
	struct nft_session s = base(NSC_NET_NAT);

	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		s.ifname = bad_names[i];
		assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	}
	s = base(NSC_NET_NAT);
	s.ifname = NULL;
	assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(nft_script_create(NULL, buf, sizeof(buf)), -EINVAL);
	for (size_t i = 0; i < sizeof(bad_peers) / sizeof(bad_peers[0]); i++) {
		s = base(NSC_NET_NAT);
		s.peer4 = A(bad_peers[i]);
		assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
		s = base(NSC_NET_NAT);
		s.host4 = A(bad_peers[i]);
		assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	}
	for (size_t i = 0; i < sizeof(bad_peers6) / sizeof(bad_peers6[0]); i++) {
		s = base(NSC_NET_NAT);
		with6(&s);
		s.peer6 = A(bad_peers6[i]);
		assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	}
	s = base(NSC_NET_NAT);
	s.peer4 = A("fd00::2"); /* the wrong family */
	assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	s = base(NSC_NET_NONE);
	assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	s = base(NSC_NET_BRIDGE);
	s.bridge = "bad name";
	assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	s = base(NSC_NET_BRIDGE);
	s.mac[0] = 0x01; /* multicast */
	assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	s = base(NSC_NET_BRIDGE);
	memset(s.mac, 0, sizeof(s.mac));
	assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	s = base(NSC_NET_BRIDGE);
	s.net4 = A("10.250.0.1"); /* an address, not the bridge's subnet */
	assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	s = base(NSC_NET_BRIDGE);
	with6(&s);
	s.net6 = A("10.0.0.0/8"); /* the wrong family */
	assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	/* Egress rules: a port without tcp/udp, an unknown protocol, a bad family. */
	struct nsc_egress e[3] = {
		{ .dst = A("10.0.0.0/8"), .port = 80 },
		{ .dst = A("10.0.0.0/8"), .proto = 47 },
		{ .dst = { .family = 7 } },
	};
	for (int i = 0; i < 3; i++) {
		s = base(NSC_NET_NAT);
		s.egress_any = false;
		s.egress = &e[i];
		s.n_egress = 1;
		assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	}
	s = base(NSC_NET_NAT);
	s.egress_any = false;
	s.n_egress = 1; /* without the rules */
	assert_int_equal(nft_script_create(&s, buf, sizeof(buf)), -EINVAL);
	/* Too small a buffer. */
	s = base(NSC_NET_NAT);
	assert_int_equal(nft_script_create(&s, buf, 100), -ENOSPC);
	assert_int_equal(nft_script_create(&s, buf, 10), -ENOSPC);
	int full = nft_script_create(&s, buf, sizeof(buf));
	assert_true(full > 0);
	assert_int_equal(nft_script_create(&s, buf, (size_t)full), -ENOSPC);
	assert_int_equal(nft_script_create(&s, buf, (size_t)full + 1), full);
}

static void test_delete_list(void **state)
{
	char buf[512];
	int n;

	n = nft_script_delete(42, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf, "add table inet nsession_42\ndelete table inet nsession_42\n"
				 "add table bridge nsession_42\ndelete table bridge nsession_42\n"
				 "add table ip nsession_42\ndelete table ip nsession_42\n");
	n = nft_script_list(42, false, buf, sizeof(buf));
	assert_string_equal(buf, "list table inet nsession_42\n");
	n = nft_script_list(42, true, buf, sizeof(buf));
	assert_string_equal(buf, "list table bridge nsession_42\n");
	assert_int_equal(n, (int)strlen(buf));
	assert_int_equal(nft_script_delete(42, buf, 20), -ENOSPC);
	assert_int_equal(nft_script_list(42, false, buf, 5), -ENOSPC);
}

/* What `nft list table` printed for a live session (nftables 1.0.6). */
static const char listing[] =
	"table inet nsession_1001 {\n"
	"\tcounter fwd_out {\n\t\tpackets 3 bytes 252\n\t}\n\n"
	"\tcounter fwd_in {\n\t\tpackets 2 bytes 168\n\t}\n\n"
	"\tcounter fwd_drop {\n\t\tpackets 0 bytes 0\n\t}\n\n"
	"\tcounter masq {\n\t\tpackets 1 bytes 84\n\t}\n\n"
	"\tcounter input {\n\t\tpackets 18446744073709551615 bytes 9\n\t}\n\n"
	"\tcounter input_drop {\n\t\tpackets 4 bytes 5\n\t}\n\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy accept;\n"
	"\t\tiifname \"nsv1001\" ip saddr 10.250.0.2 counter name \"fwd_out\" accept\n"
	"\t}\n"
	"}\n"
	"table bridge nsession_1001 {\n"
	"\tcounter spoof_drop {\n\t\tpackets 7 bytes 8\n\t}\n\n"
	"}\n";

static void test_parse(void **state)
{
	struct nft_counters c;

	assert_int_equal(nft_counters_parse(listing, &c), 0);
	assert_int_equal(c.found, (1u << NFT_C_FWD_OUT) | (1u << NFT_C_FWD_IN) | (1u << NFT_C_FWD_DROP) |
				  (1u << NFT_C_MASQ) | (1u << NFT_C_INPUT) | (1u << NFT_C_INPUT_DROP) |
				  (1u << NFT_C_SPOOF_DROP));
	assert_int_equal(c.c[NFT_C_FWD_OUT].packets, 3);
	assert_int_equal(c.c[NFT_C_FWD_OUT].bytes, 252);
	assert_int_equal(c.c[NFT_C_FWD_IN].packets, 2);
	assert_int_equal(c.c[NFT_C_FWD_IN].bytes, 168);
	assert_int_equal(c.c[NFT_C_FWD_DROP].packets, 0);
	assert_int_equal(c.c[NFT_C_MASQ].bytes, 84);
	assert_true(c.c[NFT_C_INPUT].packets == UINT64_MAX);
	assert_int_equal(c.c[NFT_C_INPUT].bytes, 9);
	assert_int_equal(c.c[NFT_C_INPUT_DROP].packets, 4);
	assert_int_equal(c.c[NFT_C_SPOOF_DROP].bytes, 8);
	/* Unknown counters are skipped; the last line may lack its newline. */
	assert_int_equal(nft_counters_parse("counter other {\n packets x\n}\n"
					    "counter input {\n packets 1 bytes 2", &c), 0);
	assert_int_equal(c.c[NFT_C_INPUT].bytes, 2);
	assert_int_equal(c.found, 1u << NFT_C_INPUT);
}

static void test_parse_bad(void **state)
{
	struct nft_counters c;
	char *copy;

	/* None of ours: -ENOENT. */
	assert_int_equal(nft_counters_parse("", &c), -ENOENT);
	assert_int_equal(c.found, 0);
	/* A rule's "counter name" is no declaration. */
	assert_int_equal(nft_counters_parse("\tcounter name \"masq\" masquerade\n", &c), -ENOENT);
	assert_int_equal(c.found, 0);
	/* A longer name is another counter; a prefix of one is not it either. */
	assert_int_equal(nft_counters_parse("counter masqx {\npackets 1 bytes 1\n}\n", &c), -ENOENT);
	assert_int_equal(nft_counters_parse("counter input_dropx {\npackets 1 bytes 1\n}\n", &c), -ENOENT);
	assert_int_equal(c.found, 0);
	assert_int_equal(nft_counters_parse(NULL, &c), -EINVAL);

	const char *bad[] = {
		"counter masq {\n",                                  /* no values line */
		"counter masq {\npackets 1\n}\n",                     /* no bytes */
		"counter masq {\npackets -1 bytes 2\n}\n",            /* sign */
		"counter masq {\npackets 01 bytes 2\n}\n",            /* leading zero */
		"counter masq {\npackets 1 bytes 18446744073709551616\n}\n", /* overflow */
		"counter masq {\npackets 1 bytes 2 junk\n}\n",        /* trailing text */
		"counter masq {\npackets 1x bytes 2\n}\n",
		"counter masq {\nbytes 2 packets 1\n}\n",
		"counter masq {\npackets 1 bytes 2\n}\ncounter masq {\npackets 1 bytes 2\n}\n", /* twice */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		copy = strdup(bad[i]);
		assert_non_null(copy);
		assert_int_equal(nft_counters_parse(copy, &c), -EINVAL);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_name),
		cmocka_unit_test(test_veth),
		cmocka_unit_test(test_nat),
		cmocka_unit_test(test_egress),
		cmocka_unit_test(test_bridge),
		cmocka_unit_test(test_create_bad_input),
		cmocka_unit_test(test_delete_list),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
