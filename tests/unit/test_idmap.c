/* test_idmap.c — unit tests for lib/idmap.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "idmap.h"

#define ID_LAST 4294967294u

static struct idmap map; /* large: keep it off the stack */
static char text[IDMAP_MAX * 40];

/* Builds and formats; returns the build's result. */
static int build_text(uint32_t own, bool root, const struct subid_range *r, size_t nr)
{
	int rc = idmap_build(own, root, r, nr, &map);

	text[0] = '\0';
	if (rc == 0)
		assert_true(idmap_format(&map, text, sizeof(text)) > 0);
	return rc;
}

/* ---- the layout checker ---- */

static uint64_t last_of(uint32_t start, uint32_t count)
{
	return (uint64_t)start + count - 1;
}

/* Checks everything idmap.h promises about a built map. */
static void check_map(uint32_t own, bool root, const struct subid_range *r, size_t nr,
		      const struct idmap *m)
{
	uint64_t total = 0, want_total = 1;
	uint64_t next = 0;
	size_t own_ext = SIZE_MAX, ri = 0;
	uint64_t off = 0;

	assert_true(m->n >= 1 && m->n <= IDMAP_MAX);
	for (size_t i = 0; i < nr; i++)
		want_total += r[i].count;
	for (size_t i = 0; i < m->n; i++) {
		const struct idmap_extent *e = &m->ext[i];

		assert_true(e->count > 0);
		assert_true(last_of(e->inside, e->count) <= ID_LAST);
		assert_true(last_of(e->outside, e->count) <= ID_LAST);
		total += e->count;
		/* Sorted by inside id, no overlap. */
		if (i > 0)
			assert_true(last_of(m->ext[i - 1].inside, m->ext[i - 1].count) < e->inside);
		/* No outside overlap with any other extent. */
		for (size_t j = 0; j < i; j++) {
			const struct idmap_extent *o = &m->ext[j];
			assert_true(last_of(e->outside, e->count) < o->outside ||
				    last_of(o->outside, o->count) < e->outside);
		}
		/* `own` outside: exactly one extent of one id, at the right place. */
		if (e->outside <= own && own <= last_of(e->outside, e->count)) {
			assert_int_equal(own_ext, SIZE_MAX);
			own_ext = i;
			assert_int_equal(e->outside, own);
			assert_int_equal(e->count, 1);
			assert_int_equal(e->inside, idmap_inside_id(own, root));
		}
	}
	assert_true(own_ext != SIZE_MAX);
	assert_true(total == want_total);

	/* The other extents: inside ids count up from 1 (0 is own's for root
	 * inside, and never mapped for self), skipping `own` for self; outside
	 * ids walk the ranges in file order, never crossing a range's end. */
	next = 1;
	for (size_t i = 0; i < m->n; i++) {
		const struct idmap_extent *e = &m->ext[i];

		if (i == own_ext)
			continue;
		if (!root && next == own)
			next++;
		assert_true(e->inside == next);
		next += e->count;
		assert_true(ri < nr);
		assert_true(e->outside == r[ri].start + off);
		off += e->count;
		assert_true(off <= r[ri].count);
		if (off == r[ri].count) {
			ri++;
			off = 0;
		}
	}
	assert_int_equal(ri, nr);
	assert_true(off == 0);
}

/* ---- fixed examples ---- */

static void test_header_example(void **state)
{
	const struct subid_range r[] = { { 100000, 65536 } };

	assert_int_equal(build_text(1000, false, r, 1), 0);
	assert_string_equal(text, "1 100000 999\n1000 1000 1\n1001 100999 64537\n");
	/* Inside uid 0 is never mapped for self (issue 14). */
	assert_true(map.ext[0].inside != 0);
	check_map(1000, false, r, 1, &map);
}

static void test_root_inside(void **state)
{
	const struct subid_range r[] = { { 100000, 65536 } };

	assert_int_equal(build_text(1000, true, r, 1), 0);
	assert_string_equal(text, "0 1000 1\n1 100000 65536\n");
	check_map(1000, true, r, 1, &map);
	assert_int_equal(idmap_inside_id(1000, true), 0);
	assert_int_equal(idmap_inside_id(1000, false), 1000);
}

static void test_no_ranges(void **state)
{
	assert_int_equal(build_text(1000, false, NULL, 0), 0);
	assert_string_equal(text, "1000 1000 1\n");
	check_map(1000, false, NULL, 0, &map);
	assert_int_equal(build_text(1000, true, NULL, 0), 0);
	assert_string_equal(text, "0 1000 1\n");
	check_map(1000, true, NULL, 0, &map);
	assert_int_equal(build_text(0, false, NULL, 0), 0);
	assert_string_equal(text, "0 0 1\n");
}

static void test_two_ranges(void **state)
{
	const struct subid_range r[] = { { 100000, 500 }, { 200000, 65536 } };

	assert_int_equal(build_text(1000, false, r, 2), 0);
	assert_string_equal(text,
			    "1 100000 500\n"
			    "501 200000 499\n"
			    "1000 1000 1\n"
			    "1001 200499 65037\n");
	check_map(1000, false, r, 2, &map);

	assert_int_equal(build_text(1000, true, r, 2), 0);
	assert_string_equal(text, "0 1000 1\n1 100000 500\n501 200000 65536\n");
	check_map(1000, true, r, 2, &map);

	/* File order is kept, not sorted. */
	const struct subid_range rev[] = { { 200000, 10 }, { 100000, 10 } };
	assert_int_equal(build_text(1000, false, rev, 2), 0);
	assert_string_equal(text, "1 200000 10\n11 100000 10\n1000 1000 1\n");
	check_map(1000, false, rev, 2, &map);
}

static void test_own_positions(void **state)
{
	const struct subid_range r[] = { { 100000, 10 } };

	/* Ranges smaller than own: own comes last. */
	assert_int_equal(build_text(1000, false, r, 1), 0);
	assert_string_equal(text, "1 100000 10\n1000 1000 1\n");
	/* own falls right at a range boundary: no split needed. */
	assert_int_equal(build_text(10, false, r, 1), 0);
	assert_string_equal(text, "1 100000 9\n10 10 1\n11 100009 1\n");
	/* own in the middle of the first range. */
	assert_int_equal(build_text(5, false, r, 1), 0);
	assert_string_equal(text, "1 100000 4\n5 5 1\n6 100004 6\n");
	check_map(5, false, r, 1, &map);
	/* own splits the second range. */
	const struct subid_range r2[] = { { 100000, 10 }, { 200000, 10 } };
	assert_int_equal(build_text(12, false, r2, 2), 0);
	assert_string_equal(text, "1 100000 10\n11 200000 1\n12 12 1\n13 200001 9\n");
	check_map(12, false, r2, 2, &map);
}

static void test_own_zero(void **state)
{
	/* own 0 (never a session user, but the builder must stay sane). */
	const struct subid_range r[] = { { 100000, 10 } };
	int rc = build_text(0, false, r, 1);

	assert_int_equal(rc, 0);
	assert_string_equal(text, "0 0 1\n1 100000 10\n");
	check_map(0, false, r, 1, &map);
}

static void test_range_contains_own(void **state)
{
	const struct subid_range a[] = { { 500, 1000 } };
	const struct subid_range b[] = { { 100000, 10 }, { 1000, 1 } };
	const struct subid_range c[] = { { 1, 1000 } };
	const struct subid_range d[] = { { 1000, 65536 } };

	assert_int_equal(idmap_build(1000, false, a, 1, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, true, a, 1, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, false, b, 2, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, false, c, 1, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, true, d, 1, &map), -EINVAL);
	assert_int_equal(map.n, 0);
}

static void test_overlapping_ranges(void **state)
{
	const struct subid_range same[] = { { 100000, 10 }, { 100000, 10 } };
	const struct subid_range part[] = { { 100000, 10 }, { 100009, 10 } };
	const struct subid_range inner[] = { { 100000, 100 }, { 100050, 1 } };
	const struct subid_range outer[] = { { 100050, 1 }, { 100000, 100 } };
	const struct subid_range third[] = { { 1, 10 }, { 50, 10 }, { 5, 1 } };
	const struct subid_range adjacent[] = { { 100000, 10 }, { 100010, 10 }, { 99990, 10 } };

	assert_int_equal(idmap_build(1000, false, same, 2, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, false, part, 2, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, false, inner, 2, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, true, outer, 2, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, false, third, 3, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, false, adjacent, 3, &map), 0);
	check_map(1000, false, adjacent, 3, &map);
}

static void test_bad_ranges(void **state)
{
	const struct subid_range zero_count[] = { { 100000, 0 } };
	const struct subid_range has_zero[] = { { 0, 10 } };
	const struct subid_range past_end[] = { { 4294967295u, 1 } };
	const struct subid_range wraps[] = { { 4294967200u, 100 } };

	assert_int_equal(idmap_build(1000, false, zero_count, 1, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, false, has_zero, 1, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, false, past_end, 1, &map), -EINVAL);
	assert_int_equal(idmap_build(1000, false, wraps, 1, &map), -EINVAL);
	/* own must be a valid id. */
	assert_int_equal(idmap_build(4294967295u, false, NULL, 0, &map), -EINVAL);
	assert_int_equal(idmap_build(4294967295u, true, NULL, 0, &map), -EINVAL);
}

static void test_whole_id_space(void **state)
{
	/* Every id but 0 and 4294967295: the largest map there can be. */
	const struct subid_range r[] = { { 1, 999 }, { 1001, 4294966294u } };

	assert_int_equal(build_text(1000, true, r, 2), 0);
	assert_string_equal(text, "0 1000 1\n1 1 999\n1000 1001 4294966294\n");
	check_map(1000, true, r, 2, &map);
	assert_int_equal(build_text(1000, false, r, 2), 0);
	assert_string_equal(text, "1 1 999\n1000 1000 1\n1001 1001 4294966294\n");
	check_map(1000, false, r, 2, &map);
	/* own at the very top. */
	const struct subid_range top[] = { { 1, 4294967293u } };
	assert_int_equal(build_text(4294967294u, false, top, 1), 0);
	assert_string_equal(text, "1 1 4294967293\n4294967294 4294967294 1\n");
	check_map(4294967294u, false, top, 1, &map);
}

static struct subid_range many[IDMAP_MAX + 2];

static void fill_many(size_t n)
{
	for (size_t i = 0; i < n; i++) {
		many[i].start = 100000 + 10 * (uint32_t)i;
		many[i].count = 5;
	}
}

static void test_too_many_extents(void **state)
{
	/* 340 ranges + own = 341 extents. */
	fill_many(IDMAP_MAX);
	assert_int_equal(idmap_build(1000, true, many, IDMAP_MAX, &map), -E2BIG);
	assert_int_equal(idmap_build(1000, false, many, IDMAP_MAX, &map), -E2BIG);
	assert_int_equal(map.n, 0);
	/* 339 ranges + own = 340: the limit, fine. */
	assert_int_equal(idmap_build(1000, true, many, IDMAP_MAX - 1, &map), 0);
	assert_int_equal(map.n, IDMAP_MAX);
	check_map(1000, true, many, IDMAP_MAX - 1, &map);
	assert_int_equal(idmap_build(4000000, false, many, IDMAP_MAX - 1, &map), 0);
	assert_int_equal(map.n, IDMAP_MAX);
	check_map(4000000, false, many, IDMAP_MAX - 1, &map);
	/* 339 ranges, but own splits one: 341. */
	assert_int_equal(idmap_build(2, false, many, IDMAP_MAX - 1, &map), -E2BIG);
	assert_int_equal(map.n, 0);
	/* 338 ranges with a split: 340. */
	assert_int_equal(idmap_build(2, false, many, IDMAP_MAX - 2, &map), 0);
	assert_int_equal(map.n, IDMAP_MAX);
	check_map(2, false, many, IDMAP_MAX - 2, &map);
	/* Far too many. */
	fill_many(IDMAP_MAX + 2);
	assert_int_equal(idmap_build(1000, false, many, IDMAP_MAX + 2, &map), -E2BIG);
}

static void test_format(void **state)
{
	const struct subid_range r[] = { { 100000, 65536 } };
	const char *want = "1 100000 999\n1000 1000 1\n1001 100999 64537\n";
	size_t wl = strlen(want);
	char buf[128];

	assert_int_equal(idmap_build(1000, false, r, 1, &map), 0);
	assert_int_equal(idmap_format(&map, buf, sizeof(buf)), (int)wl);
	assert_string_equal(buf, want);
	/* Exactly enough room (with the NUL), and one byte less. */
	assert_int_equal(idmap_format(&map, buf, wl + 1), (int)wl);
	assert_string_equal(buf, want);
	for (size_t len = 0; len <= wl; len++)
		assert_int_equal(idmap_format(&map, buf, len), -ENOSPC);

	/* The largest numbers fit the documented line size. */
	struct idmap big;
	big.n = IDMAP_MAX;
	for (size_t i = 0; i < IDMAP_MAX; i++)
		big.ext[i] = (struct idmap_extent){ 4294967295u, 4294967295u, 4294967295u };
	assert_int_equal(idmap_format(&big, text, sizeof(text)), IDMAP_MAX * 33);
	/* A corrupt count is refused. */
	big.n = IDMAP_MAX + 1;
	assert_int_equal(idmap_format(&big, text, sizeof(text)), -EINVAL);
	/* Empty map: empty text. */
	big.n = 0;
	assert_int_equal(idmap_format(&big, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

/* ---- generated inputs ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717u) >> 32);
}

static bool oracle_valid(uint32_t own, const struct subid_range *r, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		if (r[i].count == 0 || r[i].start == 0 ||
		    last_of(r[i].start, r[i].count) > ID_LAST)
			return false;
		if (r[i].start <= own && own <= last_of(r[i].start, r[i].count))
			return false;
		for (size_t j = 0; j < nr; j++)
			if (j != i && r[i].start <= last_of(r[j].start, r[j].count) &&
			    r[j].start <= last_of(r[i].start, r[i].count))
				return false;
	}
	return true;
}

static void test_generated(void **state)
{
	static const uint32_t owns[] = { 0, 1, 2, 5, 100, 1000, 65535, 100005,
					 4294967293u, 4294967294u };
	struct subid_range r[12];
	unsigned valid = 0, invalid = 0;

	for (int iter = 0; iter < 200000; iter++) {
		uint32_t own = (rnd() & 1) ? owns[rnd() % (sizeof(owns) / sizeof(owns[0]))] : rnd() % 300;
		bool root = rnd() & 1;
		size_t nr = rnd() % 12;
		uint32_t space = (rnd() & 1) ? 400 : 0xffffffffu;

		for (size_t i = 0; i < nr; i++) {
			r[i].start = rnd() % space;
			switch (rnd() % 4) {
			case 0: r[i].count = 1; break;
			case 1: r[i].count = 1 + rnd() % 20; break;
			case 2: r[i].count = 1 + rnd() % 1000; break;
			default: r[i].count = rnd() % 100000; break;
			}
			/* Keep most ranges inside the id space. */
			if ((rnd() % 8) && last_of(r[i].start, r[i].count) > ID_LAST)
				r[i].start = ID_LAST - r[i].count;
		}
		bool ok = oracle_valid(own, r, nr);
		int rc = idmap_build(own, root, r, nr, &map);
		if (ok) {
			if (rc != 0)
				fail_msg("iter %d: own %u root %d nr %zu: rc %d", iter, own,
					 root, nr, rc);
			check_map(own, root, r, nr, &map);
			assert_true(idmap_format(&map, text, sizeof(text)) > 0);
			valid++;
		} else {
			if (rc != -EINVAL)
				fail_msg("iter %d: own %u nr %zu: rc %d, want -EINVAL", iter,
					 own, nr, rc);
			assert_int_equal(map.n, 0);
			invalid++;
		}
	}
	/* Both kinds were really exercised. */
	assert_true(valid > 10000);
	assert_true(invalid > 10000);
}

/* ---- idmap_write ---- */

static void one_extent(struct idmap *m, uint32_t inside, uint32_t outside)
{
	m->n = 1;
	m->ext[0] = (struct idmap_extent){ inside, outside, 1 };
}

static void test_write_bad_args(void **state)
{
	struct idmap m;
	pid_t self = getpid();

	one_extent(&m, 0, 1000);
	assert_int_equal(idmap_write(self, NULL, &m), -EINVAL);
	assert_int_equal(idmap_write(self, "", &m), -EINVAL);
	assert_int_equal(idmap_write(self, "UID_MAP", &m), -EINVAL);
	assert_int_equal(idmap_write(self, "uid_map/", &m), -EINVAL);
	assert_int_equal(idmap_write(self, "../1/uid_map", &m), -EINVAL);
	assert_int_equal(idmap_write(self, "projid_map", &m), -EINVAL);
	assert_int_equal(idmap_write(self, "setgroups", &m), -EINVAL);
	assert_int_equal(idmap_write(self, "uid_map ", &m), -EINVAL);
	assert_int_equal(idmap_write(self, "gid_ma", &m), -EINVAL);
	assert_int_equal(idmap_write(0, "uid_map", &m), -EINVAL);
	assert_int_equal(idmap_write(-1, "uid_map", &m), -EINVAL);
	/* Empty map. */
	m.n = 0;
	assert_int_equal(idmap_write(self, "uid_map", &m), -EINVAL);
}

static void test_write_no_such_pid(void **state)
{
	struct idmap m;

	one_extent(&m, 0, 1000);
	/* Above the kernel's PID_MAX_LIMIT: never a process. */
	assert_int_equal(idmap_write(2147483647, "uid_map", &m), -ENOENT);
	assert_int_equal(idmap_write(2147483647, "gid_map", &m), -ENOENT);
}

static void test_write_too_big(void **state)
{
	/* The kernel takes less than a page: refused before opening. */
	map.n = IDMAP_MAX;
	for (size_t i = 0; i < IDMAP_MAX; i++)
		map.ext[i] = (struct idmap_extent){ 4000000000u + (uint32_t)i,
						    4000000000u + (uint32_t)i, 1 };
	assert_int_equal(idmap_write(2147483647, "uid_map", &map), -E2BIG);
}

/* Real write into a child's fresh user namespace, where allowed. */
static void test_write_real(void **state)
{
	int up[2], down[2];
	char c = 0;
	pid_t child;
	struct idmap m;
	int rc1, rc2;
	char path[64], got[256];
	ssize_t n;
	int fd;
	unsigned a, b, cnt;

	assert_int_equal(pipe2(up, O_CLOEXEC), 0);
	assert_int_equal(pipe2(down, O_CLOEXEC), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char ok;

		/* Only our ends: EOF on down[0] must mean the parent is done. */
		close(up[0]);
		close(down[1]);
		alarm(30); /* never outlive a broken parent */
		ok = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
		if (write(up[1], &ok, 1) != 1)
			_exit(1);
		if (read(down[0], &ok, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) != 1 || c != 'y') {
		close(down[1]);
		close(up[0]);
		waitpid(child, NULL, 0);
		skip();
	}
	one_extent(&m, 0, (uint32_t)geteuid());
	rc1 = idmap_write(child, "uid_map", &m);
	rc2 = idmap_write(child, "uid_map", &m); /* a map is written once */
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)child);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, got, sizeof(got) - 1) : -1;
	if (fd >= 0)
		close(fd);
	close(down[1]);
	close(up[0]);
	waitpid(child, NULL, 0);

	assert_int_equal(rc1, 0);
	assert_int_equal(rc2, -EPERM);
	assert_true(n > 0);
	got[n] = '\0';
	assert_int_equal(sscanf(got, "%u %u %u", &a, &b, &cnt), 3);
	assert_int_equal(a, 0);
	assert_int_equal(b, geteuid());
	assert_int_equal(cnt, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_example),
		cmocka_unit_test(test_root_inside),
		cmocka_unit_test(test_no_ranges),
		cmocka_unit_test(test_two_ranges),
		cmocka_unit_test(test_own_positions),
		cmocka_unit_test(test_own_zero),
		cmocka_unit_test(test_range_contains_own),
		cmocka_unit_test(test_overlapping_ranges),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_whole_id_space),
		cmocka_unit_test(test_too_many_extents),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_write_bad_args),
		cmocka_unit_test(test_write_no_such_pid),
		cmocka_unit_test(test_write_too_big),
		cmocka_unit_test(test_write_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
