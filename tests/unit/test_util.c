/* test_util.c — lib/util.c: strict numbers, user names, the trusted-file
 * checks every file the helper believes goes through (config, subuid/subgid,
 * state records), against fabricated metadata and against real planted
 * files: symlink, fifo, directory, extra hard link, wrong owner, writable
 * mode, too large, missing.
 *
 * The planted files must be owned by root to get past the owner check, so
 * the tests that need an acceptable file skip when not run as root (CI runs
 * them as root); symlink, fifo, directory and missing file are refused
 * before the owner is looked at and run as anyone. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* ---- numbers ----------------------------------------------------------- */

/* Refused by both parsers with -EINVAL, output untouched. */
static const char *const bad_numbers[] = {
	"", "01", "00", "007", "+1", "-1", "-0", " 1", "1 ", "\t1", "1\n", "1a", "a1",
	"0x10", "1.0", "1e3", "1,000", "1_000", "\xc2\xb9" /* superscript one */,
};

static void test_parse_u32(void **state)
{
	uint32_t v;

	v = 7;
	assert_int_equal(ns_parse_u32("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ns_parse_u32("1", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(ns_parse_u32("4294967295", &v), 0);
	assert_true(v == UINT32_MAX);

	v = 7;
	assert_int_equal(ns_parse_u32("4294967296", &v), -ERANGE);
	assert_int_equal(ns_parse_u32("18446744073709551615", &v), -ERANGE); /* u64 max */
	assert_int_equal(ns_parse_u32("18446744073709551616", &v), -ERANGE);
	assert_int_equal(v, 7);
	for (size_t i = 0; i < NS_ARRAY_SIZE(bad_numbers); i++) {
		assert_int_equal(ns_parse_u32(bad_numbers[i], &v), -EINVAL);
		assert_int_equal(v, 7);
	}
}

static void test_parse_u64(void **state)
{
	uint64_t v;

	v = 7;
	assert_int_equal(ns_parse_u64("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(ns_parse_u64("4294967296", &v), 0);
	assert_true(v == (uint64_t)UINT32_MAX + 1);
	assert_int_equal(ns_parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);

	v = 7;
	assert_int_equal(ns_parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(ns_parse_u64("18446744073709551620", &v), -ERANGE);
	assert_int_equal(ns_parse_u64("184467440737095516150", &v), -ERANGE);
	assert_true(v == 7);
	for (size_t i = 0; i < NS_ARRAY_SIZE(bad_numbers); i++) {
		assert_int_equal(ns_parse_u64(bad_numbers[i], &v), -EINVAL);
		assert_true(v == 7);
	}
}

/* Far more digits than any value fits: -ERANGE, no wrap-around. */
static void test_parse_long(void **state)
{
	char s[4097];
	uint32_t v32 = 7;
	uint64_t v64 = 7;

	memset(s, '9', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	assert_int_equal(ns_parse_u32(s, &v32), -ERANGE);
	assert_int_equal(ns_parse_u64(s, &v64), -ERANGE);

	/* Leading zeros do not make a long string acceptable. */
	memset(s, '0', sizeof(s) - 1);
	s[sizeof(s) - 2] = '1';
	assert_int_equal(ns_parse_u32(s, &v32), -EINVAL);
	assert_int_equal(ns_parse_u64(s, &v64), -EINVAL);
	assert_int_equal(v32, 7);
	assert_true(v64 == 7);
}

/* ---- user names -------------------------------------------------------- */

static void test_username(void **state)
{
	char n32[33], n33[34], d32[33];

	memset(n32, 'a', 32);
	n32[32] = '\0';
	memset(n33, 'a', 33);
	n33[33] = '\0';
	memcpy(d32, n32, sizeof(d32));
	d32[31] = '$';

	assert_true(ns_valid_username("a"));
	assert_true(ns_valid_username("Z"));
	assert_true(ns_valid_username("0"));
	assert_true(ns_valid_username("_"));
	assert_true(ns_valid_username(n32));
	assert_true(ns_valid_username(d32)); /* the '$' counts in the 32 */
	assert_true(ns_valid_username("john.doe_1-x"));
	assert_true(ns_valid_username("a-"));
	assert_true(ns_valid_username("a."));
	assert_true(ns_valid_username("host$"));
	assert_false(ns_valid_username(n33));

	static const char *const bad[] = {
		"", "-", ".", "-x", ".x", "..", "$", "$a", "a$b", "a$$", "a/b", "/", "a:b",
		"a b", " a", "a ", "a\nb", "a\n", "a\tb", "a\\b", "a=b", "a@b", "a*",
		"caf\xc3\xa9", "\xc3\xa9", "a\x7f",
	};
	for (size_t i = 0; i < NS_ARRAY_SIZE(bad); i++)
		assert_false(ns_valid_username(bad[i]));
}

/* ---- ns_check_trusted on fabricated metadata --------------------------- */

static struct stat fake(mode_t mode, uid_t uid, nlink_t links)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = mode;
	st.st_uid = uid;
	st.st_nlink = links;
	return st;
}

static void expect_ok(struct stat st, mode_t type, bool single)
{
	char why[64] = "untouched";

	assert_int_equal(ns_check_trusted(&st, type, single, why, sizeof(why)), 0);
}

static void expect_refused(struct stat st, mode_t type, bool single, const char *reason)
{
	char why[64] = "";

	assert_int_equal(ns_check_trusted(&st, type, single, why, sizeof(why)), -EPERM);
	assert_string_equal(why, reason);
}

static void test_check_trusted(void **state)
{
	static const char writable[] = "group- or world-writable";
	struct stat st;
	char why[8];

	expect_ok(fake(S_IFREG | 0644, 0, 1), S_IFREG, true);
	expect_ok(fake(S_IFREG | 0400, 0, 1), S_IFREG, true);
	expect_ok(fake(S_IFREG | 04755, 0, 1), S_IFREG, true);
	expect_ok(fake(S_IFDIR | 0755, 0, 2), S_IFDIR, true); /* nlink of dirs ignored */
	expect_ok(fake(S_IFDIR | 01755, 0, 9), S_IFDIR, false);
	/* The group owner does not matter, only its write bit. */
	struct stat g = fake(S_IFREG | 0640, 0, 1);
	g.st_gid = 1000;
	expect_ok(g, S_IFREG, true);

	/* Type first. */
	expect_refused(fake(S_IFDIR | 0755, 0, 2), S_IFREG, true, "not a regular file");
	expect_refused(fake(S_IFIFO | 0644, 0, 1), S_IFREG, true, "not a regular file");
	expect_refused(fake(S_IFLNK | 0777, 0, 1), S_IFREG, true, "not a regular file");
	expect_refused(fake(S_IFCHR | 0644, 0, 1), S_IFREG, true, "not a regular file");
	expect_refused(fake(S_IFSOCK | 0644, 0, 1), S_IFREG, true, "not a regular file");
	expect_refused(fake(S_IFREG | 0755, 0, 1), S_IFDIR, true, "not a directory");
	expect_refused(fake(S_IFLNK | 0777, 0, 1), S_IFDIR, true, "not a directory");
	expect_refused(fake(S_IFIFO | 0666, 1000, 2), S_IFREG, true, "not a regular file");

	/* Owner. */
	expect_refused(fake(S_IFREG | 0644, 1000, 1), S_IFREG, true, "not owned by root");
	expect_refused(fake(S_IFREG | 0644, 65534, 1), S_IFREG, false, "not owned by root");
	expect_refused(fake(S_IFDIR | 0755, 1, 2), S_IFDIR, true, "not owned by root");
	expect_refused(fake(S_IFREG | 0666, 1000, 2), S_IFREG, true, "not owned by root");

	/* Mode: group- or world-writable, whatever else is set. */
	expect_refused(fake(S_IFREG | 0664, 0, 1), S_IFREG, true, writable);
	expect_refused(fake(S_IFREG | 0620, 0, 1), S_IFREG, false, writable);
	expect_refused(fake(S_IFREG | 0646, 0, 1), S_IFREG, true, writable);
	expect_refused(fake(S_IFREG | 0602, 0, 1), S_IFREG, false, writable);
	expect_refused(fake(S_IFDIR | 0775, 0, 2), S_IFDIR, true, writable);
	expect_refused(fake(S_IFDIR | 01777, 0, 2), S_IFDIR, true, writable);
	expect_refused(fake(S_IFREG | 0666, 0, 2), S_IFREG, true, writable);

	/* Hard links: only regular files, only with single_link. */
	expect_refused(fake(S_IFREG | 0644, 0, 2), S_IFREG, true,
		       "has more than one hard link");
	st = fake(S_IFREG | 0644, 0, 0); /* deleted while open: not 1 either */
	assert_int_equal(ns_check_trusted(&st, S_IFREG, true, why, sizeof(why)), -EPERM);
	expect_ok(fake(S_IFREG | 0644, 0, 2), S_IFREG, false);

	/* The reason is cut to the buffer, NUL-terminated. */
	st = fake(S_IFREG | 0644, 1000, 1);
	assert_int_equal(ns_check_trusted(&st, S_IFREG, true, why, sizeof(why)), -EPERM);
	assert_string_equal(why, "not own");
}

/* ---- ns_read_all ------------------------------------------------------- */

/* A pipe holding `n` bytes of `text` (repeated), write end closed. */
static int pipe_with(const char *text, size_t n)
{
	int p[2];
	size_t tl = strlen(text);

	assert_int_equal(pipe(p), 0);
	for (size_t off = 0; off < n; off++)
		assert_int_equal(write(p[1], text + off % tl, 1), 1);
	close(p[1]);
	return p[0];
}

static void test_read_all(void **state)
{
	char *buf;
	size_t len;
	int fd;

	fd = pipe_with("x", 0);
	buf = NULL;
	assert_int_equal(ns_read_all(fd, 10, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_non_null(buf);
	assert_string_equal(buf, "");
	free(buf);
	close(fd);

	fd = pipe_with("", 0); /* empty, max 0 */
	assert_int_equal(ns_read_all(fd, 0, &buf, &len), 0);
	assert_int_equal(len, 0);
	free(buf);
	close(fd);

	fd = pipe_with("0123456789", 10);
	assert_int_equal(ns_read_all(fd, 10, &buf, &len), 0);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "0123456789");
	free(buf);
	close(fd);

	fd = pipe_with("0123456789X", 11);
	assert_int_equal(ns_read_all(fd, 10, &buf, &len), -EFBIG);
	close(fd);

	fd = pipe_with("x", 1);
	assert_int_equal(ns_read_all(fd, 0, &buf, &len), -EFBIG);
	close(fd);

	/* Past the first 4096-byte buffer: exactly max, and max + 1. */
	fd = pipe_with("abc", 10000);
	assert_int_equal(ns_read_all(fd, 10000, &buf, &len), 0);
	assert_int_equal(len, 10000);
	assert_int_equal(strlen(buf), 10000);
	assert_memory_equal(buf + 9996, "abca", 4);
	free(buf);
	close(fd);

	fd = pipe_with("abc", 10001);
	assert_int_equal(ns_read_all(fd, 10000, &buf, &len), -EFBIG);
	close(fd);

	fd = pipe_with("abc", 4096);
	assert_int_equal(ns_read_all(fd, 4096, &buf, &len), 0);
	assert_int_equal(len, 4096);
	free(buf);
	close(fd);

	fd = pipe_with("abc", 4097);
	assert_int_equal(ns_read_all(fd, 4096, &buf, &len), -EFBIG);
	close(fd);

	/* A read error is handed back. */
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ns_read_all(fd, 10, &buf, &len), -EBADF);
	close(fd);
}

/* ---- ns_read_trusted on real files ------------------------------------- */

struct tmp {
	char dir[64];
	int dfd;
};

static int tmp_setup(void **state)
{
	static struct tmp t;

	*state = NULL;
	snprintf(t.dir, sizeof(t.dir), "/tmp/nsutil.XXXXXX");
	if (!mkdtemp(t.dir)) {
		print_error("mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	t.dfd = open(t.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t.dfd < 0) {
		print_error("open %s: %s\n", t.dir, strerror(errno));
		rmdir(t.dir);
		return -1;
	}
	*state = &t;
	return 0;
}

/* Empties and removes the directory whatever the tests left in it (they
 * only create files, symlinks, fifos and empty directories). */
static int tmp_teardown(void **state)
{
	struct tmp *t = *state;
	struct dirent *e;
	DIR *d;
	int r = 0;

	if (!t)
		return 0;
	d = fdopendir(t->dfd); /* takes over the fd */
	if (!d) {
		close(t->dfd);
		r = -1;
	} else {
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (unlinkat(dirfd(d), e->d_name, 0) < 0 &&
			    unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) < 0) {
				print_error("cannot remove %s/%s: %s\n", t->dir, e->d_name,
					    strerror(errno));
				r = -1;
			}
		}
		closedir(d);
	}
	if (rmdir(t->dir) < 0) {
		print_error("cannot remove %s: %s\n", t->dir, strerror(errno));
		r = -1;
	}
	return r;
}

static void make_file(struct tmp *t, const char *name, const char *text, size_t len,
		      mode_t mode)
{
	int fd = openat(t->dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0); /* not subject to the umask */
	close(fd);
}

#define WHY_MAX 128

/* ns_read_trusted leaving the reason in `why`; when it succeeds, checks
 * the content against `expect` (NULL where the caller expects a refusal:
 * the caller's check of the result then reports the unexpected success). */
static int read_trusted(struct tmp *t, const char *name, size_t max, bool single,
			const char *expect, char why[WHY_MAX])
{
	char *buf = NULL;
	size_t len = 12345;
	int r;

	snprintf(why, WHY_MAX, "%s", "unset");
	r = ns_read_trusted(t->dfd, name, max, single, &buf, &len, why, WHY_MAX);
	if (r == 0) {
		assert_non_null(buf);
		if (expect) {
			assert_int_equal(len, strlen(expect));
			assert_string_equal(buf, expect);
		}
		free(buf);
	} else {
		assert_null(buf);
		assert_int_equal(len, 12345);
	}
	return r;
}

static void need_root(void)
{
	if (geteuid() != 0) {
		print_message("skipped: needs root (planted files must be owned by root); "
			      "CI runs this as root\n");
		skip();
	}
}

static void test_trusted_regular(void **state)
{
	struct tmp *t = *state;
	char why[WHY_MAX], big[10001];

	need_root();
	make_file(t, "good", "key=value\n", 10, 0644);
	assert_int_equal(read_trusted(t, "good", 100, true, "key=value\n", why), 0);
	assert_int_equal(read_trusted(t, "good", 10, true, "key=value\n", why), 0);
	assert_int_equal(read_trusted(t, "good", 9, true, NULL, why), -EFBIG);
	assert_string_equal(why, "file too large");

	make_file(t, "ro", "x", 1, 0400);
	assert_int_equal(read_trusted(t, "ro", 1, true, "x", why), 0);
	make_file(t, "empty", "", 0, 0644);
	assert_int_equal(read_trusted(t, "empty", 0, true, "", why), 0);

	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	make_file(t, "big", big, sizeof(big) - 1, 0644);
	assert_int_equal(read_trusted(t, "big", 10000, true, big, why), 0);
	assert_int_equal(read_trusted(t, "big", 9999, true, NULL, why), -EFBIG);
	assert_string_equal(why, "file too large");

	/* By path from the working directory too (AT_FDCWD). */
	char path[128], *buf = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "%s/good", t->dir);
	assert_int_equal(ns_read_trusted(AT_FDCWD, path, 100, true, &buf, &len, why,
					 sizeof(why)), 0);
	assert_string_equal(buf, "key=value\n");
	free(buf);
}

static void test_trusted_missing(void **state)
{
	struct tmp *t = *state;
	char why[WHY_MAX];

	assert_int_equal(read_trusted(t, "missing", 100, true, NULL, why), -ENOENT);
	assert_string_equal(why, strerror(ENOENT));
	assert_int_equal(read_trusted(t, "missing/x", 100, false, NULL, why), -ENOENT);
}

static void test_trusted_symlink(void **state)
{
	struct tmp *t = *state;
	char why[WHY_MAX];

	make_file(t, "target", "x\n", 2, 0644);
	assert_int_equal(symlinkat("target", t->dfd, "link"), 0);
	assert_int_equal(read_trusted(t, "link", 100, true, NULL, why), -ELOOP);
	assert_non_null(strstr(why, "symbolic link"));
	assert_int_equal(read_trusted(t, "link", 100, false, NULL, why), -ELOOP);
	/* A dangling one is refused the same way, not reported missing. */
	assert_int_equal(symlinkat("nowhere", t->dfd, "dangling"), 0);
	assert_int_equal(read_trusted(t, "dangling", 100, true, NULL, why), -ELOOP);
	assert_non_null(strstr(why, "symbolic link"));

	/* ...while the target itself is acceptable (when root owns it). */
	if (geteuid() == 0)
		assert_int_equal(read_trusted(t, "target", 100, true, "x\n", why), 0);
}

/* A regression that drops O_NONBLOCK would block in open(2) on the fifo,
 * which has no writer: the alarm turns that into a failed test (and the
 * group teardown still runs) instead of a hung `make check`. cmocka's own
 * handler for crashes leaves a test the same way. */
static void fifo_alarm(int sig)
{
	fail_msg("ns_read_trusted blocked on a fifo for 10 s (open without O_NONBLOCK?)");
}

static void test_trusted_fifo(void **state)
{
	struct tmp *t = *state;
	struct sigaction sa, old;
	char why[WHY_MAX];
	int r;

	assert_int_equal(mkfifoat(t->dfd, "fifo", 0644), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fifo_alarm;
	sa.sa_flags = SA_NODEFER | SA_RESETHAND; /* leaves no signal blocked */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	alarm(10);
	r = read_trusted(t, "fifo", 100, true, NULL, why);
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	assert_int_equal(r, -EPERM);
	assert_string_equal(why, "not a regular file");
}

static void test_trusted_directory(void **state)
{
	struct tmp *t = *state;
	char why[WHY_MAX];

	assert_int_equal(mkdirat(t->dfd, "dir", 0755), 0);
	assert_int_equal(read_trusted(t, "dir", 100, true, NULL, why), -EPERM);
	assert_string_equal(why, "not a regular file");
	assert_int_equal(read_trusted(t, "dir", 100, false, NULL, why), -EPERM);
}

static void test_trusted_hardlink(void **state)
{
	struct tmp *t = *state;
	char why[WHY_MAX];

	need_root();
	make_file(t, "one", "x\n", 2, 0644);
	assert_int_equal(linkat(t->dfd, "one", t->dfd, "two", 0), 0);
	assert_int_equal(read_trusted(t, "one", 100, true, NULL, why), -EPERM);
	assert_string_equal(why, "has more than one hard link");
	assert_int_equal(read_trusted(t, "two", 100, true, NULL, why), -EPERM);
	assert_string_equal(why, "has more than one hard link");
	assert_int_equal(read_trusted(t, "one", 100, false, "x\n", why), 0);
	assert_int_equal(read_trusted(t, "two", 100, false, "x\n", why), 0);
	/* Once the second name is gone, it is trusted again. */
	assert_int_equal(unlinkat(t->dfd, "two", 0), 0);
	assert_int_equal(read_trusted(t, "one", 100, true, "x\n", why), 0);
}

static void test_trusted_writable(void **state)
{
	static const mode_t modes[] = { 0664, 0620, 0646, 0602, 0666, 0660 };
	struct tmp *t = *state;
	char why[WHY_MAX], name[16];

	need_root();
	for (size_t i = 0; i < NS_ARRAY_SIZE(modes); i++) {
		snprintf(name, sizeof(name), "w%04o", (unsigned)modes[i]);
		make_file(t, name, "x\n", 2, modes[i]);
		assert_int_equal(read_trusted(t, name, 100, true, NULL, why), -EPERM);
		assert_string_equal(why, "group- or world-writable");
		assert_int_equal(read_trusted(t, name, 100, false, NULL, why), -EPERM);
	}
}

static void test_trusted_owner(void **state)
{
	struct tmp *t = *state;
	char why[WHY_MAX];

	need_root();
	make_file(t, "theirs", "x\n", 2, 0644);
	assert_int_equal(fchownat(t->dfd, "theirs", 65534, (gid_t)-1, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(read_trusted(t, "theirs", 100, true, NULL, why), -EPERM);
	assert_string_equal(why, "not owned by root");
	assert_int_equal(read_trusted(t, "theirs", 100, false, NULL, why), -EPERM);
	assert_string_equal(why, "not owned by root");

	/* Only the owner matters, not the group. */
	make_file(t, "rootgrp", "x\n", 2, 0644);
	assert_int_equal(fchownat(t->dfd, "rootgrp", 0, 65534, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(read_trusted(t, "rootgrp", 100, true, "x\n", why), 0);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_parse_u32),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_username),
		cmocka_unit_test(test_check_trusted),
		cmocka_unit_test(test_read_all),
	};
	/* One temporary directory for the group; each test uses its own names. */
	const struct CMUnitTest files[] = {
		cmocka_unit_test(test_trusted_regular),
		cmocka_unit_test(test_trusted_missing),
		cmocka_unit_test(test_trusted_symlink),
		cmocka_unit_test(test_trusted_fifo),
		cmocka_unit_test(test_trusted_directory),
		cmocka_unit_test(test_trusted_hardlink),
		cmocka_unit_test(test_trusted_writable),
		cmocka_unit_test(test_trusted_owner),
	};
	int fails = cmocka_run_group_tests_name("util", pure, NULL, NULL);

	fails += cmocka_run_group_tests_name("util-files", files, tmp_setup, tmp_teardown);
	return fails ? 1 : 0;
}
