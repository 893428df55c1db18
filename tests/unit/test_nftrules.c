/* test_nftrules.c — unit tests for helper/nftrules.c (nat session scripts
 * and counter parsing) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nftrules.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			((uint32_t)(c) << 8) | (uint32_t)(d))

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
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

static void test_create(void **state)
{
	char buf[NFT_SCRIPT_MAX];
	int n = nft_script_create(1001, "nsv1001", IP(10, 250, 0, 2), buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	/* Any leftover is replaced in the same transaction. */
	const char *head = "add table ip nsession_1001\ndelete table ip nsession_1001\n"
			   "table ip nsession_1001 {\n";
	assert_int_equal(strncmp(buf, head, strlen(head)), 0);
	assert_non_null(strstr(buf, "iifname \"nsv1001\" ip saddr 10.250.0.2 counter name \"fwd_out\" accept\n"));
	assert_non_null(strstr(buf, "oifname \"nsv1001\" ct state established,related counter name \"fwd_in\" accept\n"));
	assert_non_null(strstr(buf, "iifname \"nsv1001\" counter name \"fwd_drop\" drop\n"));
	assert_non_null(strstr(buf, "oifname \"nsv1001\" counter name \"fwd_drop\" drop\n"));
	assert_non_null(strstr(buf, "oifname != \"nsv1001\" ip saddr 10.250.0.2 counter name \"masq\" masquerade\n"));
	assert_non_null(strstr(buf, "iifname \"nsv1001\" counter name \"input\"\n"));
	assert_non_null(strstr(buf, "type nat hook postrouting priority srcnat;"));
	for (int i = 0; i < NFT_C_COUNT; i++) {
		char decl[64];
		snprintf(decl, sizeof(decl), "\tcounter %s { }\n", nft_counter_names[i]);
		assert_int_equal(count(buf, decl), 1);
	}
	/* Every rule counts. */
	assert_int_equal(count(buf, "counter name"), 6);
	/* Names with '.', '-', '_' are quoted as they are. */
	assert_true(nft_script_create(7, "a.b-c_d", IP(192, 168, 0, 6), buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "iifname \"a.b-c_d\" ip saddr 192.168.0.6 "));
}

static void test_create_bad_input(void **state)
{
	char buf[NFT_SCRIPT_MAX];
	const char *bad_names[] = {
		"", "-x", ".", "..", "sixteen-chars-xx", "a\"b", "a b", "a;b", "a\nb", "a*",
		"a{b", "a\\b", "a$b", "a/b", "a:b", "ä",
	};
	const uint32_t bad_peers[] = {
		0, UINT32_MAX, IP(127, 0, 0, 1), IP(224, 0, 0, 1), IP(240, 0, 0, 1), IP(0, 1, 2, 3),
	};

	memset(buf, 'X', sizeof(buf));
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		assert_int_equal(nft_script_create(1, bad_names[i], IP(10, 0, 0, 2), buf, sizeof(buf)),
				 -EINVAL);
	assert_int_equal(nft_script_create(1, NULL, IP(10, 0, 0, 2), buf, sizeof(buf)), -EINVAL);
	for (size_t i = 0; i < sizeof(bad_peers) / sizeof(bad_peers[0]); i++)
		assert_int_equal(nft_script_create(1, "nsv1", bad_peers[i], buf, sizeof(buf)), -EINVAL);
	/* Too small a buffer: refused, never cut short. */
	assert_int_equal(nft_script_create(1, "nsv1", IP(10, 0, 0, 2), buf, 100), -ENOSPC);
	assert_int_equal(nft_script_create(1, "nsv1", IP(10, 0, 0, 2), buf, 10), -ENOSPC);
	int full = nft_script_create(4294967295u, "fifteen-chars-x", IP(223, 255, 255, 254), buf, sizeof(buf));
	assert_true(full > 0);
	assert_int_equal(nft_script_create(4294967295u, "fifteen-chars-x", IP(223, 255, 255, 254), buf,
					   (size_t)full), -ENOSPC);
	assert_int_equal(nft_script_create(4294967295u, "fifteen-chars-x", IP(223, 255, 255, 254), buf,
					   (size_t)full + 1), full);
}

static void test_delete_list(void **state)
{
	char buf[128];
	int n;

	n = nft_script_delete(42, buf, sizeof(buf));
	assert_string_equal(buf, "add table ip nsession_42\ndelete table ip nsession_42\n");
	assert_int_equal(n, (int)strlen(buf));
	n = nft_script_list(42, buf, sizeof(buf));
	assert_string_equal(buf, "list table ip nsession_42\n");
	assert_int_equal(n, (int)strlen(buf));
	assert_int_equal(nft_script_delete(42, buf, 20), -ENOSPC);
	assert_int_equal(nft_script_list(42, buf, 5), -ENOSPC);
}

/* What `nft list table` printed for a live session (nftables 1.0.6). */
static const char listing[] =
	"table ip nsession_1001 {\n"
	"\tcounter fwd_out {\n\t\tpackets 3 bytes 252\n\t}\n\n"
	"\tcounter fwd_in {\n\t\tpackets 2 bytes 168\n\t}\n\n"
	"\tcounter fwd_drop {\n\t\tpackets 0 bytes 0\n\t}\n\n"
	"\tcounter masq {\n\t\tpackets 1 bytes 84\n\t}\n\n"
	"\tcounter input {\n\t\tpackets 18446744073709551615 bytes 9\n\t}\n\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy accept;\n"
	"\t\tiifname \"nsv1001\" ip saddr 10.250.0.2 counter name \"fwd_out\" accept\n"
	"\t}\n"
	"}\n";

static void test_parse(void **state)
{
	struct nft_counters c;

	assert_int_equal(nft_counters_parse(listing, &c), 0);
	assert_int_equal(c.found, (1u << NFT_C_COUNT) - 1);
	assert_int_equal(c.c[NFT_C_FWD_OUT].packets, 3);
	assert_int_equal(c.c[NFT_C_FWD_OUT].bytes, 252);
	assert_int_equal(c.c[NFT_C_FWD_IN].packets, 2);
	assert_int_equal(c.c[NFT_C_FWD_IN].bytes, 168);
	assert_int_equal(c.c[NFT_C_FWD_DROP].packets, 0);
	assert_int_equal(c.c[NFT_C_MASQ].bytes, 84);
	assert_true(c.c[NFT_C_INPUT].packets == UINT64_MAX);
	assert_int_equal(c.c[NFT_C_INPUT].bytes, 9);
	/* Unknown counters are skipped; the last line may lack its newline. */
	assert_int_equal(nft_counters_parse("counter other {\n packets x\n}\n"
					    "counter fwd_out {\n packets 1 bytes 2\n}\n"
					    "counter fwd_in {\n packets 1 bytes 2\n}\n"
					    "counter fwd_drop {\n packets 1 bytes 2\n}\n"
					    "counter masq {\n packets 1 bytes 2\n}\n"
					    "counter input {\n packets 1 bytes 2", &c), 0);
	assert_int_equal(c.c[NFT_C_INPUT].bytes, 2);
}

static void test_parse_bad(void **state)
{
	struct nft_counters c;
	char *copy;

	/* Missing counters: -ENOENT, with the ones found marked. */
	assert_int_equal(nft_counters_parse("", &c), -ENOENT);
	assert_int_equal(c.found, 0);
	assert_int_equal(nft_counters_parse("counter masq {\n\t\tpackets 5 bytes 6\n}\n", &c), -ENOENT);
	assert_int_equal(c.found, 1u << NFT_C_MASQ);
	assert_int_equal(c.c[NFT_C_MASQ].packets, 5);
	/* A rule's "counter name" is no declaration. */
	assert_int_equal(nft_counters_parse("\tcounter name \"masq\" masquerade\n", &c), -ENOENT);
	assert_int_equal(c.found, 0);
	/* A longer name is another counter. */
	assert_int_equal(nft_counters_parse("counter masqx {\npackets 1 bytes 1\n}\n", &c), -ENOENT);
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
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_create_bad_input),
		cmocka_unit_test(test_delete_list),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
