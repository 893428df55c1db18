/* test_subid.c — unit tests for lib/subid.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "subid.h"

struct result {
	int rc;
	size_t n;
	struct subid_range r[SUBID_RANGES_MAX];
	char err[256];
};

static struct result parse_max(const char *text, size_t len, const char *user,
			       uint32_t id, size_t max)
{
	struct result res;

	memset(&res, 0, sizeof(res));
	res.n = 999;
	res.rc = subid_parse(text, len, "/etc/subuid", user, id, id, res.r, max,
			     &res.n, res.err, sizeof(res.err));
	return res;
}

static struct result parse(const char *text, const char *user, uint32_t id)
{
	return parse_max(text, strlen(text), user, id, SUBID_RANGES_MAX);
}

/* Expects an error whose message starts with "/etc/subuid:LINE: ". */
static void expect_error(const char *text, const char *user, uint32_t id,
			 unsigned line)
{
	struct result res = parse(text, user, id);
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "/etc/subuid:%u: ", line);
	if (res.rc != -EINVAL || strncmp(res.err, prefix, strlen(prefix)) != 0)
		fail_msg("input \"%s\": rc %d, err \"%s\", expected line %u",
			 text, res.rc, res.err, line);
	assert_int_equal(res.n, 0);
	/* The message is one line. */
	assert_null(strchr(res.err, '\n'));
	assert_true(strlen(res.err) > strlen(prefix));
}

/* /etc/subgid as the helper reads it: a numeric owner is the user's uid
 * (shadow), never their gid; the own-id check is against the gid. */
static void test_subgid_numeric_owner_is_a_uid(void **state)
{
	/* bob has uid 1001; alice (uid 1000) has primary gid 1001. */
	const char *text = "1001:300000:65536\n1000:200000:65536\n";
	struct subid_range r[4];
	char err[256];
	size_t n = 99;
	int rc;

	(void)state;
	rc = subid_parse(text, strlen(text), "/etc/subgid", "alice", 1000, 1001, r, 4, &n, err,
			 sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].start, 200000); /* alice's (uid 1000), not bob's */
	/* A range holding the user's gid (not their uid) is refused... */
	text = "alice:1001:10\n";
	rc = subid_parse(text, strlen(text), "/etc/subgid", "alice", 1000, 1001, r, 4, &n, err,
			 sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, "own id 1001"));
	/* ... one holding only their uid is not a problem in subgid. */
	text = "alice:1000:1\n";
	rc = subid_parse(text, strlen(text), "/etc/subgid", "alice", 1000, 1001, r, 4, &n, err,
			 sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(n, 1);
}

static void test_single_by_name(void **state)
{
	struct result res = parse("alice:100000:65536\n", "alice", 1000);

	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.r[0].start, 100000);
	assert_int_equal(res.r[0].count, 65536);
	assert_string_equal(res.err, "");
}

static void test_single_by_id(void **state)
{
	struct result res = parse("1000:100000:65536\n", "alice", 1000);

	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.r[0].start, 100000);
}

static void test_mixed_file(void **state)
{
	const char *text =
		"# subordinate ids\n"
		"\n"
		"bob:100000:65536\n"
		"alice:165536:65536\n"
		"   \n"
		"\t\n"
		"#alice:1:1\n"
		"1001:300000:10\n"
		"1000:231072:100\n"
		"carol:400000:0\n"           /* another user's count 0: not ours */
		"alice:500000:1";             /* no final newline */
	struct result res = parse(text, "alice", 1000);

	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 3);
	assert_int_equal(res.r[0].start, 165536);
	assert_int_equal(res.r[0].count, 65536);
	assert_int_equal(res.r[1].start, 231072);
	assert_int_equal(res.r[1].count, 100);
	assert_int_equal(res.r[2].start, 500000);
	assert_int_equal(res.r[2].count, 1);
}

static void test_wrong_user(void **state)
{
	struct result res = parse("bob:100000:65536\n1001:200000:5\n", "alice", 1000);

	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 0);
	/* Ranges of other users may contain 0 or our id: not ours to judge. */
	res = parse("bob:0:65536\nbob:1:2000\n", "alice", 1000);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 0);
}

static void test_prefix_names(void **state)
{
	/* Names that only resemble ours are other users' lines; "01000" is
	 * not the id 1000. */
	struct result res = parse("alice2:100000:65536\nalic:200000:1\n10000:300000:1\n"
				  "Alice:400000:1\n01000:500000:1\n100:600000:1\n",
				  "alice", 1000);

	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 0);
}

static void test_empty(void **state)
{
	struct result res = parse("", "alice", 1000);

	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 0);
	res = parse_max(NULL, 0, "alice", 1000, SUBID_RANGES_MAX);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 0);
	res = parse("\n\n# only comments\n", "alice", 1000);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 0);
}

static void test_malformed_anywhere(void **state)
{
	/* Malformed lines are errors even when they belong to other users. */
	expect_error("bob:1\n", "alice", 1000, 1);
	expect_error("bob\n", "alice", 1000, 1);
	expect_error("bob:1:2:3\n", "alice", 1000, 1);
	expect_error("bob:1:2:\n", "alice", 1000, 1);
	expect_error(":100000:65536\n", "alice", 1000, 1);
	expect_error("bob::65536\n", "alice", 1000, 1);
	expect_error("bob:100000:\n", "alice", 1000, 1);
	expect_error("bob:-1:65536\n", "alice", 1000, 1);
	expect_error("bob:+100000:65536\n", "alice", 1000, 1);
	expect_error("bob:100000:+5\n", "alice", 1000, 1);
	expect_error("bob: 100000:65536\n", "alice", 1000, 1);
	expect_error("bob:100000 :65536\n", "alice", 1000, 1);
	expect_error("bob:100 000:65536\n", "alice", 1000, 1);
	expect_error("bob:0100000:65536\n", "alice", 1000, 1);
	expect_error("bob:100000:065536\n", "alice", 1000, 1);
	expect_error("bob:0x10:5\n", "alice", 1000, 1);
	expect_error("bob:4294967296:1\n", "alice", 1000, 1);
	expect_error("bob:1:4294967296\n", "alice", 1000, 1);
	expect_error("bob:99999999999999999999999:1\n", "alice", 1000, 1);
	expect_error("bob:100000:65536\r\n", "alice", 1000, 1);
	expect_error("  # indented comment\n", "alice", 1000, 1);
	expect_error("# ok\n\nbob:100000:65536\nbob:x:1\n", "alice", 1000, 4);
	/* After our own valid lines too. */
	expect_error("alice:100000:65536\ngarbage\n", "alice", 1000, 2);
	/* Last line without newline. */
	expect_error("alice:100000:65536\nbob:1:", "alice", 1000, 2);
}

static void test_range_checks(void **state)
{
	expect_error("alice:100000:0\n", "alice", 1000, 1);
	expect_error("1000:100000:0\n", "alice", 1000, 1);
	expect_error("alice:0:10\n", "alice", 1000, 1);
	expect_error("alice:0:1\n", "alice", 1000, 1);
	expect_error("alice:500:1000\n", "alice", 1000, 1);   /* contains own */
	expect_error("alice:1000:1\n", "alice", 1000, 1);
	expect_error("alice:1:1000\n", "alice", 1000, 1);     /* 1..1000 */
	expect_error("alice:4294967295:1\n", "alice", 1000, 1);
	expect_error("alice:4294901760:65536\n", "alice", 1000, 1);
	expect_error("alice:1:4294967295\n", "alice", 1000, 1);
	expect_error("alice:4294967295:4294967295\n", "alice", 1000, 1);

	/* Edges that are fine. */
	struct result res = parse("alice:4294901760:65535\n", "alice", 1000);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 1);
	res = parse("alice:4294967294:1\nalice:1:999\nalice:1001:1\n", "alice", 1000);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 3);
	res = parse("alice:1001:4294966294\n", "alice", 1000);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.r[0].count, 4294966294u);
}

static void test_overlap(void **state)
{
	expect_error("alice:100000:65536\nalice:100000:65536\n", "alice", 1000, 2);
	expect_error("alice:100000:65536\nalice:165535:10\n", "alice", 1000, 2);
	expect_error("alice:100000:65536\nalice:99999:2\n", "alice", 1000, 2);
	expect_error("alice:100000:65536\nalice:50000:200000\n", "alice", 1000, 2);
	expect_error("alice:100000:65536\nalice:100001:1\n", "alice", 1000, 2);
	/* Name and id lines of the same user are one user. */
	expect_error("alice:100000:65536\n1000:100000:1\n", "alice", 1000, 2);
	expect_error("alice:200000:10\nbob:1:1\n1000:200009:1\n", "alice", 1000, 3);

	/* Adjacent is not overlapping; other users may overlap us. */
	struct result res = parse("alice:100000:65536\nalice:165536:1\nalice:99999:1\n"
				  "bob:100000:65536\n", "alice", 1000);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 3);
}

static void test_max(void **state)
{
	const char *text = "alice:100000:10\nalice:200000:10\nalice:300000:10\n";
	struct result res = parse_max(text, strlen(text), "alice", 1000, 3);

	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 3);
	res = parse_max(text, strlen(text), "alice", 1000, 2);
	assert_int_equal(res.rc, -EINVAL);
	assert_int_equal(res.n, 0);
	assert_string_equal(res.err, "/etc/subuid:3: more than 2 ranges for the user");
	res = parse_max(text, strlen(text), "alice", 1000, 0);
	assert_int_equal(res.rc, -EINVAL);
	assert_int_equal(res.n, 0);
	/* Other users do not count. */
	res = parse_max("bob:1:1\nbob:2:1\nalice:5:1\n", 26, "alice", 1000, 1);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 1);

	/* SUBID_RANGES_MAX + 1 lines. */
	char big[64 * (SUBID_RANGES_MAX + 1)];
	size_t pos = 0;
	for (int i = 0; i <= SUBID_RANGES_MAX; i++)
		pos += (size_t)snprintf(big + pos, sizeof(big) - pos, "alice:%d:10\n",
					100000 + 100 * i);
	res = parse_max(big, pos, "alice", 1000, SUBID_RANGES_MAX);
	assert_int_equal(res.rc, -EINVAL);
	res = parse_max(big, pos, "alice", 1000, SUBID_RANGES_MAX + 1);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, SUBID_RANGES_MAX + 1);
}

static void test_line_length(void **state)
{
	char text[SUBID_LINE_MAX + 64];
	struct result res;
	size_t n;

	/* A line of exactly SUBID_LINE_MAX characters is fine (a comment). */
	memset(text, 'x', sizeof(text));
	text[0] = '#';
	text[SUBID_LINE_MAX] = '\n';
	memcpy(text + SUBID_LINE_MAX + 1, "alice:100000:1\n", 15);
	n = SUBID_LINE_MAX + 1 + 15;
	res = parse_max(text, n, "alice", 1000, SUBID_RANGES_MAX);
	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 1);

	/* One more character is an error, comment or not. */
	memset(text, 'x', sizeof(text));
	text[0] = '#';
	text[SUBID_LINE_MAX + 1] = '\n';
	res = parse_max(text, SUBID_LINE_MAX + 2, "alice", 1000, SUBID_RANGES_MAX);
	assert_int_equal(res.rc, -EINVAL);
	assert_string_equal(res.err, "/etc/subuid:1: line longer than 512 characters");

	/* Overlong final line without newline; and a valid-looking long line. */
	res = parse_max(text, SUBID_LINE_MAX + 1, "alice", 1000, SUBID_RANGES_MAX);
	assert_int_equal(res.rc, -EINVAL);
	memset(text, '0', sizeof(text));
	memcpy(text, "alice:1:", 8);
	text[8] = '1';
	res = parse_max(text, SUBID_LINE_MAX + 10, "alice", 1000, SUBID_RANGES_MAX);
	assert_int_equal(res.rc, -EINVAL);
}

static void test_nul_byte(void **state)
{
	const char text[] = "bob:1:1\nalice:100000:65536\nx\0y\n";
	struct result res = parse_max(text, sizeof(text) - 1, "alice", 1000,
				      SUBID_RANGES_MAX);

	assert_int_equal(res.rc, -EINVAL);
	assert_string_equal(res.err, "/etc/subuid:3: NUL byte");
	assert_int_equal(res.n, 0);

	const char text2[] = "alice:100000:65536\0\n";
	res = parse_max(text2, sizeof(text2) - 1, "alice", 1000, SUBID_RANGES_MAX);
	assert_int_equal(res.rc, -EINVAL);
	assert_string_equal(res.err, "/etc/subuid:1: NUL byte");
}

static void test_messages(void **state)
{
	struct result res = parse("alice:100000:65536\nalice:500:1000\n", "alice", 1000);

	assert_int_equal(res.rc, -EINVAL);
	assert_string_equal(res.err, "/etc/subuid:2: range contains the user's own id 1000");

	/* A tiny error buffer is truncated, not overrun. */
	char small[8];
	size_t n = 5;
	struct subid_range r[1];
	int rc = subid_parse("garbage\n", 8, "/etc/subuid", "alice", 1000, 1000, r, 1, &n,
			     small, sizeof(small));
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(n, 0);
	assert_string_equal(small, "/etc/su");
	/* No error buffer at all. */
	rc = subid_parse("garbage\n", 8, "/etc/subuid", "alice", 1000, 1000, r, 1, &n, NULL, 0);
	assert_int_equal(rc, -EINVAL);
}

static void test_no_user_name(void **state)
{
	/* user NULL: match by id only. */
	struct result res = parse("alice:100000:65536\n1000:200000:5\n", NULL, 1000);

	assert_int_equal(res.rc, 0);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.r[0].start, 200000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_by_name),
		cmocka_unit_test(test_subgid_numeric_owner_is_a_uid),
		cmocka_unit_test(test_single_by_id),
		cmocka_unit_test(test_mixed_file),
		cmocka_unit_test(test_wrong_user),
		cmocka_unit_test(test_prefix_names),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_malformed_anywhere),
		cmocka_unit_test(test_range_checks),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_no_user_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
