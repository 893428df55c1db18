/* test_conf_keys.c — every key the parser knows (nsc_key_name) is
 * documented in man/nsession.conf.5, shown in conf/nsession.conf.example
 * and known to the fuzzer's dictionary fuzz/config.dict. Run from the
 * repository's top (or set NSESSION_SRCDIR, as test_conf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsconf.h"

#define FILE_MAX (1024 * 1024)

/* The whole file, NUL-terminated; fails naming it when it is absent. */
static char *read_text(const char *rel)
{
	const char *src = getenv("NSESSION_SRCDIR");
	char path[4096];
	char *buf = malloc(FILE_MAX + 1);
	size_t len;
	FILE *f;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s%s%s", src ? src : "", src ? "/" : "", rel);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (run from the repo root or set NSESSION_SRCDIR)", path);
	len = fread(buf, 1, FILE_MAX + 1, f);
	fclose(f);
	assert_true(len > 0 && len <= FILE_MAX);
	buf[len] = '\0';
	return buf;
}

/* Does `line` (up to its '\n') start with `prefix` then `key` then
 * `suffix`? */
static bool line_is(const char *line, const char *prefix, const char *key,
		    const char *suffix)
{
	size_t np = strlen(prefix), nk = strlen(key);

	return strncmp(line, prefix, np) == 0 && strncmp(line + np, key, nk) == 0 &&
	       strncmp(line + np + nk, suffix, strlen(suffix)) == 0;
}

/* The man page's entry of a key in KEYS: a ".BR KEY " = " ..." or
 * ".BI KEY " = " ..." line (after a .TP). */
static bool in_man(const char *line, const char *key)
{
	return line_is(line, ".BR ", key, " \" = \"") || line_is(line, ".BI ", key, " \" = \"");
}

/* A setting "KEY = ...", or one commented out ("#KEY = ...", "# KEY = ..."). */
static bool in_example(const char *line, const char *key)
{
	size_t n = strlen(key);

	line += strspn(line, "# \t");
	return strncmp(line, key, n) == 0 && line[n + strspn(line + n, " \t")] == '=';
}

/* A dictionary entry "KEY" or "KEY=" (libFuzzer's format: an optional
 * NAME= before the quoted bytes, which end the line). */
static bool in_dict(const char *line, const char *key)
{
	size_t n = strlen(key);

	line += strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	if (*line == '=')
		line++;
	if (*line++ != '"' || strncmp(line, key, n) != 0)
		return false;
	line += n;
	if (*line == '=')
		line++;
	return line[0] == '"' && (line[1] == '\n' || line[1] == '\0');
}

/* Is there a line in text for which found(line, key)? */
static bool any_line(const char *text, bool (*found)(const char *, const char *),
		     const char *key)
{
	for (const char *line = text;; line++) {
		if (found(line, key))
			return true;
		line = strchr(line, '\n');
		if (!line)
			return false;
	}
}

/* Reports every key missing from one file, then fails if any is. */
static void check_file(const char *rel, bool (*found)(const char *, const char *))
{
	char *text = read_text(rel);
	unsigned missing = 0;
	const char *key;

	for (size_t i = 0; (key = nsc_key_name(i)); i++) {
		if (!any_line(text, found, key)) {
			print_error("key '%s' is missing from %s\n", key, rel);
			missing++;
		}
	}
	free(text);
	if (missing)
		fail_msg("%u key(s) missing from %s (listed above)", missing, rel);
}

static void test_keys_in_man(void **state)
{
	check_file("man/nsession.conf.5", in_man);
}

static void test_keys_in_example(void **state)
{
	check_file("conf/nsession.conf.example", in_example);
}

static void test_keys_in_dict(void **state)
{
	check_file("fuzz/config.dict", in_dict);
}

/* The names the test checks are the parser's own: each is a known key
 * ("KEY =" is refused for the empty value, not as unknown), once. */
static void test_key_names(void **state)
{
	const char *key;
	size_t n = 0;

	for (; (key = nsc_key_name(n)); n++) {
		char text[64], want[64], err[NSC_ERR_MAX] = "";
		struct nsc_config *cfg = NULL;

		snprintf(text, sizeof(text), "%s =\n", key);
		snprintf(want, sizeof(want), "t.conf:1: empty value for '%s'", key);
		assert_int_equal(nsc_parse_buffer(text, strlen(text), "t.conf", &cfg, err,
						  sizeof(err)), -EINVAL);
		assert_string_equal(err, want);
		for (size_t j = 0; j < n; j++)
			assert_string_not_equal(nsc_key_name(j), key);
	}
	assert_true(n > 20 && n <= 32);
	assert_null(nsc_key_name(n));
	assert_null(nsc_key_name(SIZE_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_keys_in_man),
		cmocka_unit_test(test_keys_in_example),
		cmocka_unit_test(test_keys_in_dict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
