/* test_addrpool.c — unit tests for lib/addrpool.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "addrpool.h"

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			((uint32_t)(c) << 8) | (uint32_t)(d))

static void test_size(void **state)
{
	uint32_t n = 0;

	assert_int_equal(addrpool_size(IP(10, 250, 0, 0), 16, &n), 0);
	assert_int_equal(n, 16384);
	assert_int_equal(addrpool_size(IP(10, 0, 0, 0), 8, &n), 0);
	assert_int_equal(n, 4194304);
	assert_int_equal(addrpool_size(IP(192, 168, 7, 4), 30, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(addrpool_size(IP(192, 168, 7, 0), 29, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(addrpool_size(IP(192, 168, 7, 0), 24, &n), 0);
	assert_int_equal(n, 64);
	assert_int_equal(addrpool_size(0, 8, &n), 0);
	assert_int_equal(addrpool_size(IP(255, 0, 0, 0), 8, &n), 0);
}

static void test_size_invalid(void **state)
{
	uint32_t n = 12345;

	/* Prefix outside 8..30. */
	assert_int_equal(addrpool_size(0, 0, &n), -EINVAL);
	assert_int_equal(addrpool_size(0, 7, &n), -EINVAL);
	assert_int_equal(addrpool_size(IP(10, 0, 0, 0), 31, &n), -EINVAL);
	assert_int_equal(addrpool_size(IP(10, 0, 0, 0), 32, &n), -EINVAL);
	assert_int_equal(addrpool_size(IP(10, 0, 0, 0), 33, &n), -EINVAL);
	assert_int_equal(addrpool_size(IP(10, 0, 0, 0), 4000000000u, &n), -EINVAL);
	/* Host bits set. */
	assert_int_equal(addrpool_size(IP(10, 250, 0, 1), 16, &n), -EINVAL);
	assert_int_equal(addrpool_size(IP(10, 250, 1, 0), 16, &n), -EINVAL);
	assert_int_equal(addrpool_size(IP(10, 0, 0, 1), 8, &n), -EINVAL);
	assert_int_equal(addrpool_size(IP(10, 0, 0, 2), 30, &n), -EINVAL);
	assert_int_equal(addrpool_size(IP(10, 0, 0, 4), 29, &n), -EINVAL);
	assert_int_equal(n, 12345);
	/* The other functions check the pool too. */
	uint32_t idx = 7, h = 1, p = 2;
	assert_int_equal(addrpool_pick(IP(10, 250, 0, 1), 16, NULL, 0, &idx), -EINVAL);
	assert_int_equal(addrpool_pick(IP(10, 0, 0, 0), 31, NULL, 0, &idx), -EINVAL);
	assert_int_equal(addrpool_addrs(IP(10, 250, 0, 1), 16, 0, &h, &p), -EINVAL);
	assert_int_equal(addrpool_addrs(IP(10, 0, 0, 0), 7, 0, &h, &p), -EINVAL);
	assert_int_equal(idx, 7);
	assert_int_equal(h, 1);
	assert_int_equal(p, 2);
}

static void test_pick_empty(void **state)
{
	uint32_t idx = 99;

	assert_int_equal(addrpool_pick(IP(10, 250, 0, 0), 16, NULL, 0, &idx), 0);
	assert_int_equal(idx, 0);
}

static void test_pick_gaps(void **state)
{
	const uint32_t used1[] = { 0, 1, 2, 4, 5 };
	const uint32_t used2[] = { 5, 2, 0, 4, 1 };         /* any order */
	const uint32_t used3[] = { 1, 2, 3 };               /* 0 free */
	const uint32_t used4[] = { 0, 0, 1, 1, 1, 2, 2 };   /* duplicates */
	const uint32_t used5[] = { 0, 70000, 4294967295u, 1, 16384, 2 }; /* out of range */
	uint32_t idx;

	assert_int_equal(addrpool_pick(IP(10, 250, 0, 0), 16, used1, 5, &idx), 0);
	assert_int_equal(idx, 3);
	assert_int_equal(addrpool_pick(IP(10, 250, 0, 0), 16, used2, 5, &idx), 0);
	assert_int_equal(idx, 3);
	assert_int_equal(addrpool_pick(IP(10, 250, 0, 0), 16, used3, 3, &idx), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(addrpool_pick(IP(10, 250, 0, 0), 16, used4, 7, &idx), 0);
	assert_int_equal(idx, 3);
	assert_int_equal(addrpool_pick(IP(10, 250, 0, 0), 16, used5, 6, &idx), 0);
	assert_int_equal(idx, 3);
	/* The caller's array is not reordered. */
	assert_int_equal(used2[0], 5);
	assert_int_equal(used2[4], 1);
}

static void test_pick_full(void **state)
{
	const uint32_t one[] = { 0 };
	const uint32_t dup[] = { 0, 0, 0 };
	const uint32_t two[] = { 1, 0 };
	const uint32_t two_dup_oor[] = { 1, 5, 1, 0, 2, 0 };
	const uint32_t partial[] = { 1, 5 };
	uint32_t idx = 42;

	/* A /30 pool has one block. */
	assert_int_equal(addrpool_pick(IP(10, 0, 0, 0), 30, one, 1, &idx), -ENOSPC);
	assert_int_equal(addrpool_pick(IP(10, 0, 0, 0), 30, dup, 3, &idx), -ENOSPC);
	assert_int_equal(idx, 42);
	/* A /29 pool has two. */
	assert_int_equal(addrpool_pick(IP(10, 0, 0, 0), 29, two, 2, &idx), -ENOSPC);
	assert_int_equal(addrpool_pick(IP(10, 0, 0, 0), 29, two_dup_oor, 6, &idx), -ENOSPC);
	assert_int_equal(addrpool_pick(IP(10, 0, 0, 0), 29, one, 1, &idx), 0);
	assert_int_equal(idx, 1);
	/* Out-of-range entries do not fill a pool. */
	assert_int_equal(addrpool_pick(IP(10, 0, 0, 0), 29, partial, 2, &idx), 0);
	assert_int_equal(idx, 0);
}

static void test_pick_full_24(void **state)
{
	uint32_t used[64 + 10];
	uint32_t idx;

	/* Every block of a /24, in reverse order, with extras. */
	for (uint32_t i = 0; i < 64; i++)
		used[i] = 63 - i;
	for (uint32_t i = 0; i < 10; i++)
		used[64 + i] = i * 7;
	assert_int_equal(addrpool_pick(IP(172, 16, 3, 0), 24, used, 74, &idx), -ENOSPC);
	/* Free one in the middle. */
	used[63 - 40] = 63;
	assert_int_equal(addrpool_pick(IP(172, 16, 3, 0), 24, used, 74, &idx), 0);
	assert_int_equal(idx, 40);
	/* With a /23 there is room after the first 64. */
	used[63 - 40] = 40;
	assert_int_equal(addrpool_pick(IP(172, 16, 2, 0), 23, used, 74, &idx), 0);
	assert_int_equal(idx, 64);
}

static void test_pick_big_pool(void **state)
{
	/* A /8 pool (4M blocks) with many leases: no allocation per block. */
	size_t n = 200000;
	uint32_t *used = malloc(n * sizeof(*used));
	uint32_t idx;

	assert_non_null(used);
	for (size_t i = 0; i < n; i++)
		used[i] = (uint32_t)(n - 1 - i);
	assert_int_equal(addrpool_pick(IP(10, 0, 0, 0), 8, used, n, &idx), 0);
	assert_int_equal(idx, n);
	used[12345] = 4194304; /* out of range: frees n - 1 - 12345 */
	assert_int_equal(addrpool_pick(IP(10, 0, 0, 0), 8, used, n, &idx), 0);
	assert_int_equal(idx, n - 1 - 12345);
	free(used);
}

static void test_addrs(void **state)
{
	uint32_t h = 0, p = 0;

	assert_int_equal(addrpool_addrs(IP(10, 250, 0, 0), 16, 0, &h, &p), 0);
	assert_int_equal(h, IP(10, 250, 0, 1));
	assert_int_equal(p, IP(10, 250, 0, 2));
	assert_int_equal(addrpool_addrs(IP(10, 250, 0, 0), 16, 1, &h, &p), 0);
	assert_int_equal(h, IP(10, 250, 0, 5));
	assert_int_equal(p, IP(10, 250, 0, 6));
	assert_int_equal(addrpool_addrs(IP(10, 250, 0, 0), 16, 64, &h, &p), 0);
	assert_int_equal(h, IP(10, 250, 1, 1));
	assert_int_equal(p, IP(10, 250, 1, 2));
	/* Last block. */
	assert_int_equal(addrpool_addrs(IP(10, 250, 0, 0), 16, 16383, &h, &p), 0);
	assert_int_equal(h, IP(10, 250, 255, 253));
	assert_int_equal(p, IP(10, 250, 255, 254));
	assert_int_equal(addrpool_addrs(IP(10, 0, 0, 0), 8, 4194303, &h, &p), 0);
	assert_int_equal(h, IP(10, 255, 255, 253));
	assert_int_equal(p, IP(10, 255, 255, 254));
	assert_int_equal(addrpool_addrs(IP(255, 255, 255, 252), 30, 0, &h, &p), 0);
	assert_int_equal(h, IP(255, 255, 255, 253));
	assert_int_equal(p, IP(255, 255, 255, 254));
}

static void test_addrs_out_of_range(void **state)
{
	uint32_t h = 7, p = 8;

	assert_int_equal(addrpool_addrs(IP(10, 250, 0, 0), 16, 16384, &h, &p), -ERANGE);
	assert_int_equal(addrpool_addrs(IP(10, 250, 0, 0), 16, 4294967295u, &h, &p), -ERANGE);
	assert_int_equal(addrpool_addrs(IP(10, 0, 0, 0), 30, 1, &h, &p), -ERANGE);
	assert_int_equal(addrpool_addrs(IP(10, 0, 0, 0), 8, 4194304, &h, &p), -ERANGE);
	/* 1073741824 * 4 would wrap to 0: still out of range. */
	assert_int_equal(addrpool_addrs(IP(10, 0, 0, 0), 8, 1073741824u, &h, &p), -ERANGE);
	assert_int_equal(h, 7);
	assert_int_equal(p, 8);
}

static void test_pick_then_addrs(void **state)
{
	/* Picks never collide and stay in the pool. */
	uint32_t used[64];
	uint32_t idx, h, p;

	for (size_t i = 0; i < 64; i++) {
		assert_int_equal(addrpool_pick(IP(192, 168, 50, 0), 24, used, i, &idx), 0);
		assert_int_equal(idx, i);
		assert_int_equal(addrpool_addrs(IP(192, 168, 50, 0), 24, idx, &h, &p), 0);
		assert_int_equal(h >> 8, IP(192, 168, 50, 0) >> 8);
		used[i] = idx;
	}
	assert_int_equal(addrpool_pick(IP(192, 168, 50, 0), 24, used, 64, &idx), -ENOSPC);
}

static struct nsc_addr A6(const char *s)
{
	struct nsc_addr a;

	assert_int_equal(nsc_parse_addr(s, &a), 0);
	return a;
}

static void assert_addr6(const struct nsc_addr *a, const char *want)
{
	struct nsc_addr w = A6(want);

	assert_int_equal(a->family, w.family);
	assert_int_equal(a->prefix, 128);
	assert_memory_equal(a->a, w.a, 16);
}

static void test_addrs6(void **state)
{
	struct nsc_addr pool = A6("fd00:6e73::/64"), small = A6("fd00:6e73::fff0/124"), h, p;

	assert_int_equal(addrpool6_addrs(&pool, 0, false, &h, &p), 0);
	assert_addr6(&h, "fd00:6e73::1");
	assert_addr6(&p, "fd00:6e73::2");
	assert_int_equal(addrpool6_addrs(&pool, 70, false, &h, &p), 0);
	assert_addr6(&h, "fd00:6e73::119");
	assert_addr6(&p, "fd00:6e73::11a");
	assert_int_equal(addrpool6_addrs(&pool, UINT32_MAX, false, &h, &p), 0);
	assert_addr6(&p, "fd00:6e73::3:ffff:fffe");
	/* bridge: the gateway is the pool's first address. */
	assert_int_equal(addrpool6_addrs(&pool, 70, true, &h, &p), 0);
	assert_addr6(&h, "fd00:6e73::1");
	assert_addr6(&p, "fd00:6e73::11a");
	/* A /124 has four blocks; a carry crosses bytes. */
	assert_int_equal(addrpool6_addrs(&small, 3, false, &h, &p), 0);
	assert_addr6(&h, "fd00:6e73::fffd");
	assert_addr6(&p, "fd00:6e73::fffe");
	assert_int_equal(addrpool6_addrs(&small, 4, false, &h, &p), -ERANGE);
	/* Bad pools: IPv4, too long or too short a prefix. */
	struct nsc_addr bad[3] = { A6("10.0.0.0/8"), A6("fd00::/126"), A6("fd00::/48") };
	for (int i = 0; i < 3; i++)
		assert_int_equal(addrpool6_addrs(&bad[i], 0, false, &h, &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_size_invalid),
		cmocka_unit_test(test_pick_empty),
		cmocka_unit_test(test_pick_gaps),
		cmocka_unit_test(test_pick_full),
		cmocka_unit_test(test_pick_full_24),
		cmocka_unit_test(test_pick_big_pool),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_addrs_out_of_range),
		cmocka_unit_test(test_pick_then_addrs),
		cmocka_unit_test(test_addrs6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
