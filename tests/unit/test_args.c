/* Unit tests for args.c: the setuid helper's command line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "args.h"

#define ARGV(...) ((char *[]){ "nsession-helper", __VA_ARGS__, NULL })

static int parse(char **argv, int argc, uid_t ruid, struct helper_args *a, char *err)
{
	return args_parse(argc, argv, ruid, a, err, 256);
}

static void test_verbs(void **state)
{
	struct helper_args a;
	char err[256];
	char **v;

	(void)state;
	v = ARGV("run");
	assert_int_equal(parse(v, 2, 1000, &a, err), 0);
	assert_int_equal(a.verb, VERB_RUN);
	assert_null(a.user);
	assert_null(a.config);
	assert_null(a.cmd);
	v = ARGV("status");
	assert_int_equal(parse(v, 2, 1000, &a, err), 0);
	assert_int_equal(a.verb, VERB_STATUS);
	v = ARGV("terminate");
	assert_int_equal(parse(v, 2, 1000, &a, err), 0);
	assert_int_equal(a.verb, VERB_TERMINATE);
	v = ARGV("--version");
	assert_int_equal(parse(v, 2, 1000, &a, err), 0);
	assert_int_equal(a.verb, VERB_VERSION);
	v = ARGV("--help");
	assert_int_equal(parse(v, 2, 1000, &a, err), 0);
	assert_int_equal(a.verb, VERB_HELP);
	v = ARGV("check-config");
	assert_int_equal(parse(v, 2, 1000, &a, err), 0);
	assert_int_equal(a.verb, VERB_CHECK_CONFIG);
	assert_null(a.config);
}

static void test_usage_errors(void **state)
{
	struct helper_args a;
	char err[256];
	char *only[] = { "nsession-helper", NULL };

	(void)state;
	assert_int_equal(parse(only, 1, 1000, &a, err), -EINVAL);
	assert_string_equal(err, "no command given");
	assert_int_equal(parse(ARGV("RUN"), 2, 0, &a, err), -EINVAL);
	assert_string_equal(err, "unknown command 'RUN'");
	assert_int_equal(parse(ARGV("run", "--bogus"), 3, 0, &a, err), -EINVAL);
	assert_string_equal(err, "unknown option '--bogus'");
	assert_int_equal(parse(ARGV("run", "--user"), 3, 0, &a, err), -EINVAL);
	assert_string_equal(err, "--user needs a value");
	assert_int_equal(parse(ARGV("run", "--user", ""), 4, 0, &a, err), -EINVAL);
	assert_int_equal(parse(ARGV("run", "--user", "a", "--user", "b"), 6, 0, &a, err), -EINVAL);
	assert_string_equal(err, "--user given twice");
	assert_int_equal(parse(ARGV("status", "--", "x"), 4, 0, &a, err), -EINVAL);
	assert_string_equal(err, "status takes no command");
	assert_int_equal(parse(ARGV("--version", "x"), 3, 0, &a, err), -EINVAL);
	assert_int_equal(parse(ARGV("check-config", "a", "b"), 4, 0, &a, err), -EINVAL);
	assert_int_equal(parse(ARGV("pam-open"), 2, 0, &a, err), -EINVAL);
	assert_string_equal(err, "pam-open needs --user");
	assert_int_equal(parse(ARGV("pam-manager"), 2, 0, &a, err), -EINVAL);
	assert_string_equal(err, "pam-manager needs --user");
	assert_int_equal(parse(ARGV("pam-manager", "--user", "x", "--", "sh"), 6, 0, &a, err), -EINVAL);
	assert_string_equal(err, "pam-manager takes no command");
	/* A command must follow "--": a bare word is an option error. */
	assert_int_equal(parse(ARGV("run", "ls"), 3, 1000, &a, err), -EINVAL);
}

static void test_root_only(void **state)
{
	struct helper_args a;
	char err[256];

	(void)state;
	assert_int_equal(parse(ARGV("run", "--user", "root"), 4, 1000, &a, err), -EPERM);
	assert_string_equal(err, "uid 1000: --user is for root");
	assert_int_equal(parse(ARGV("run", "--config", "/tmp/x"), 4, 1000, &a, err), -EPERM);
	assert_int_equal(parse(ARGV("status", "--user", "bob"), 4, 1000, &a, err), -EPERM);
	assert_int_equal(parse(ARGV("terminate", "--user", "bob"), 4, 1000, &a, err), -EPERM);
	assert_int_equal(parse(ARGV("check-config", "/etc/shadow"), 3, 1000, &a, err), -EPERM);
	assert_int_equal(parse(ARGV("pam-open", "--user", "x"), 4, 1000, &a, err), -EPERM);
	assert_int_equal(parse(ARGV("pam-manager", "--user", "x"), 4, 1000, &a, err), -EPERM);
	assert_string_equal(err, "uid 1000: --user is for root");
	/* Even the option's name after "--" is a command, not an option. */
	assert_int_equal(parse(ARGV("run", "--", "--user", "root"), 5, 1000, &a, err), 0);
	assert_null(a.user);
	assert_string_equal(a.cmd[0], "--user");

	assert_int_equal(parse(ARGV("pam-open", "--user", "bob", "--config", "/c"), 6, 0, &a, err), 0);
	assert_int_equal(a.verb, VERB_PAM_OPEN);
	assert_string_equal(a.user, "bob");
	assert_string_equal(a.config, "/c");
	assert_int_equal(parse(ARGV("pam-manager", "--user", "bob"), 4, 0, &a, err), 0);
	assert_int_equal(a.verb, VERB_PAM_MANAGER);
	assert_string_equal(a.user, "bob");
	assert_int_equal(parse(ARGV("check-config", "/c"), 3, 0, &a, err), 0);
	assert_string_equal(a.config, "/c");
}

static void test_command(void **state)
{
	struct helper_args a;
	char err[256];
	char **v = ARGV("run", "--", "sh", "-c", "echo hi");

	(void)state;
	assert_int_equal(parse(v, 6, 1000, &a, err), 0);
	assert_ptr_equal(a.cmd, v + 3);
	assert_null(a.cmd[3]);
	v = ARGV("run", "--");
	assert_int_equal(parse(v, 3, 1000, &a, err), 0);
	assert_null(a.cmd);
}

static void test_long_argument_quoted_short(void **state)
{
	struct helper_args a;
	char err[256], big[5000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	char *v[] = { "nsession-helper", "run", big, NULL };
	assert_int_equal(args_parse(3, v, 1000, &a, err, sizeof(err)), -EINVAL);
	assert_true(strlen(err) < 100);
	char *w[] = { "nsession-helper", big, NULL };
	assert_int_equal(args_parse(2, w, 1000, &a, err, sizeof(err)), -EINVAL);
	assert_true(strlen(err) < 100);
}

/* Found by fuzz/fuzz_args.c: an argument's control bytes were quoted raw,
 * so the "one-line" message had a newline (and could carry a terminal
 * escape). They are shown as '?' now, like non-ASCII bytes. */
static void test_message_is_one_printable_line(void **state)
{
	struct helper_args a;
	char err[256];

	(void)state;
	assert_int_equal(parse(ARGV("r-\n"), 2, 1000, &a, err), -EINVAL);
	assert_string_equal(err, "unknown command 'r-?'");
	assert_int_equal(parse(ARGV("run", "--x\r\nnsession: forged\x1b[2J\xc3\xa9"), 3, 0,
			       &a, err), -EINVAL);
	/* (?\? since ??' would be a trigraph) */
	assert_string_equal(err, "unknown option '--x??nsession: forged?[2J?\?'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_root_only),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_long_argument_quoted_short),
		cmocka_unit_test(test_message_is_one_printable_line),
	};
	return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
