/* test_template.c — cmocka tests for conf/template.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "template.h"

static void expect_expand(const char *tpl, const char *user, uint32_t uid,
			  const char *host, const char *want)
{
	char out[128];
	int r = template_expand(tpl, user, uid, host, out, sizeof(out));

	assert_int_equal(r, 0);
	assert_string_equal(out, want);
}

static void test_escapes(void **state)
{
	expect_expand("%u", "alice", 1000, "box", "alice");
	expect_expand("%U", "alice", 1000, "box", "1000");
	expect_expand("%U", "alice", 0, "box", "0");
	expect_expand("%U", "alice", UINT32_MAX, "box", "4294967295");
	expect_expand("%h", "alice", 1000, "box", "box");
	expect_expand("%h", "alice", 1000, "box.example.org", "box");
	expect_expand("%h", "alice", 1000, ".example.org", "");
	expect_expand("%%", "alice", 1000, "box", "%");
	expect_expand("%%%%", "alice", 1000, "box", "%%");
	expect_expand("%%u", "alice", 1000, "box", "%u");
	expect_expand("%u-%h", "alice", 1000, "box.lan", "alice-box");
	expect_expand("nsv%U", "alice", 1001, "box", "nsv1001");
	expect_expand("a%ub%Uc%hd%%e", "x", 7, "h.d", "axb7chd%e");
	expect_expand("", "alice", 1000, "box", "");
	expect_expand("plain", "alice", 1000, "box", "plain");
	/* escapes not used: their values may be NULL */
	expect_expand("static", NULL, 0, NULL, "static");
	expect_expand("%U", NULL, 5, NULL, "5");
}

static void test_bad_sequences(void **state)
{
	const char *bad[] = { "%", "abc%", "%x", "a%Hb", "%-", "%%%", "% u", "%0", "100%" };
	char out[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(template_check(bad[i]), -EINVAL);
		strcpy(out, "junk");
		assert_int_equal(template_expand(bad[i], "u", 1, "h", out, sizeof(out)),
				 -EINVAL);
		assert_string_equal(out, "");
	}
	assert_int_equal(template_check(NULL), -EINVAL);
	assert_int_equal(template_check(""), 0);
	assert_int_equal(template_check("%u%U%h%%"), 0);
	assert_int_equal(template_check("no escapes"), 0);
	/* -EINVAL wins over a too small buffer */
	assert_int_equal(template_expand("aaaaaaaa%x", "u", 1, "h", out, 3), -EINVAL);
}

static void test_missing_values(void **state)
{
	char out[64];

	assert_int_equal(template_expand("%u", NULL, 1, "h", out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(template_expand("x%h", "u", 1, NULL, out, sizeof(out)), -EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(template_expand(NULL, "u", 1, "h", out, sizeof(out)), -EINVAL);
	assert_int_equal(template_expand("x", "u", 1, "h", out, 0), -EINVAL);
	assert_int_equal(template_expand("x", "u", 1, "h", NULL, 8), -EINVAL);
}

/* The result plus its NUL must fit: n characters need n + 1 bytes. */
static void expect_boundary(const char *tpl, const char *user, uint32_t uid,
			    const char *host, const char *want)
{
	char out[128];
	size_t n = strlen(want);

	assert_int_equal(template_expand(tpl, user, uid, host, out, n + 1), 0);
	assert_string_equal(out, want);
	memset(out, 'z', sizeof(out));
	assert_int_equal(template_expand(tpl, user, uid, host, out, n), -ENAMETOOLONG);
	assert_string_equal(out, "");
}

static void test_overflow(void **state)
{
	char out[4];

	expect_boundary("abcd", "u", 1, "h", "abcd");
	expect_boundary("%u", "alice", 1, "h", "alice");
	expect_boundary("x%u", "alice", 1, "h", "xalice");
	expect_boundary("%U", "u", UINT32_MAX, "h", "4294967295");
	expect_boundary("%h", "u", 1, "box.example.org", "box");
	expect_boundary("%%", "u", 1, "h", "%");
	expect_boundary("%u-%h", "alice", 1, "box.lan", "alice-box");
	/* outlen 1 holds only the NUL */
	assert_int_equal(template_expand("a", "u", 1, "h", out, 1), -ENAMETOOLONG);
	assert_int_equal(template_expand("", "u", 1, "h", out, 1), 0);
	assert_string_equal(out, "");
}

static void test_valid_hostname(void **state)
{
	char s[80];

	assert_true(valid_hostname("a"));
	assert_true(valid_hostname("alice-box"));
	assert_true(valid_hostname("A-9"));
	assert_true(valid_hostname("9a"));
	assert_true(valid_hostname("a--b"));
	memset(s, 'a', 63);
	s[63] = '\0';
	assert_true(valid_hostname(s));
	s[63] = 'a';
	s[64] = '\0';
	assert_false(valid_hostname(s));

	assert_false(valid_hostname(NULL));
	assert_false(valid_hostname(""));
	assert_false(valid_hostname("-a"));
	assert_false(valid_hostname("a-"));
	assert_false(valid_hostname("-"));
	assert_false(valid_hostname("a.b"));
	assert_false(valid_hostname("box.example.org"));
	assert_false(valid_hostname("."));
	assert_false(valid_hostname("a_b"));
	assert_false(valid_hostname("a b"));
	assert_false(valid_hostname("a$"));
	assert_false(valid_hostname("a%"));
	assert_false(valid_hostname("a\n"));
	assert_false(valid_hostname("\xc3\xa9t\xc3\xa9"));
}

static void test_valid_ifname(void **state)
{
	assert_true(valid_ifname("a"));
	assert_true(valid_ifname("nsv1000"));
	assert_true(valid_ifname("abcdefghijklmno")); /* 15 */
	assert_false(valid_ifname("abcdefghijklmnop")); /* 16 */
	assert_true(valid_ifname("a.b"));
	assert_true(valid_ifname("a_b-c"));
	assert_true(valid_ifname("a-"));
	assert_true(valid_ifname(".a"));
	assert_true(valid_ifname("..."));
	assert_true(valid_ifname("_"));
	assert_true(valid_ifname("0"));

	assert_false(valid_ifname(NULL));
	assert_false(valid_ifname(""));
	assert_false(valid_ifname("-a"));
	assert_false(valid_ifname("."));
	assert_false(valid_ifname(".."));
	assert_false(valid_ifname("a b"));
	assert_false(valid_ifname("a/b"));
	assert_false(valid_ifname("a:b"));
	assert_false(valid_ifname("a%"));
	assert_false(valid_ifname("a$"));
	assert_false(valid_ifname("a\t"));
	assert_false(valid_ifname("\xc3\xa9"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_bad_sequences),
		cmocka_unit_test(test_missing_values),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_valid_hostname),
		cmocka_unit_test(test_valid_ifname),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
