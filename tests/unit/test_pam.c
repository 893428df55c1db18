/* test_pam.c — the pure parts of pam_nsession.c, no root and no helper:
 *   parse_args       defaults, each option, the config= length limit (exact
 *                    boundary), near-miss spellings, repeats (last wins),
 *                    and that every refused argument is named in the log;
 *   recv_reply       the helper's one message (pamwire.h): fds land in
 *                    ref_fd and ns[] by mask bit, in order, close-on-exec;
 *                    every malformed reply is -EPROTO with no fd kept and
 *                    none leaked; nothing sent is -EAGAIN, EOF is -EPROTO;
 *   state_close_all  closes ref, ns and host fds and marks them -1.
 * The module source is included so its static functions can be reached.
 * pam_syslog is replaced by a recorder (libpam's own would accept a NULL
 * handle, but the recorder lets the tests check what was logged). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define pam_syslog test_pam_syslog
#include "../../pam_module/pam_nsession.c"
#undef pam_syslog

static char last_log[1024];
static int last_prio, log_calls;

/* Declared by pam_ext.h under this name, through the macro above. */
void test_pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	(void)pamh;
	last_prio = prio;
	log_calls++;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

/* ---- arguments --------------------------------------------------------- */

static int parse(int argc, const char **argv, struct args *a)
{
	last_log[0] = '\0';
	last_prio = -1;
	log_calls = 0;
	/* Garbage first: parse_args must set every field itself. */
	memset(a, 0xa5, sizeof(*a));
	return parse_args(NULL, argc, argv, a);
}

/* `arg` (after a valid "debug") is refused, and the log names it. */
static void expect_bad_arg(const char *arg, const char *named)
{
	const char *argv[] = { "debug", arg };
	struct args a;

	if (parse(2, argv, &a) != -EINVAL)
		fail_msg("argument '%.40s' was accepted", arg);
	assert_int_equal(log_calls, 1);
	assert_int_equal(last_prio, LOG_ERR);
	if (!strstr(last_log, named))
		fail_msg("log '%.80s' does not name '%.40s'", last_log, named);
}

static void test_args_defaults(void **state)
{
	struct args a;

	(void)state;
	assert_int_equal(parse(0, NULL, &a), 0);
	assert_false(a.debug);
	assert_false(a.onerr_succeed);
	assert_string_equal(a.config, "");
	assert_int_equal(log_calls, 0);
}

static void test_args_each(void **state)
{
	const char *debug[] = { "debug" }, *conf[] = { "config=/etc/x.conf" },
		   *fail[] = { "onerr=fail" }, *succeed[] = { "onerr=succeed" };
	struct args a;

	(void)state;
	assert_int_equal(parse(1, debug, &a), 0);
	assert_true(a.debug);
	assert_false(a.onerr_succeed);
	assert_string_equal(a.config, "");

	assert_int_equal(parse(1, conf, &a), 0);
	assert_false(a.debug);
	assert_string_equal(a.config, "/etc/x.conf");

	assert_int_equal(parse(1, fail, &a), 0);
	assert_false(a.onerr_succeed);

	assert_int_equal(parse(1, succeed, &a), 0);
	assert_true(a.onerr_succeed);
	assert_false(a.debug);
	assert_int_equal(log_calls, 0);
}

static void test_args_all(void **state)
{
	const char *argv[] = { "debug", "config=/etc/nsession-ssh.conf", "onerr=succeed" };
	struct args a;

	(void)state;
	assert_int_equal(parse(3, argv, &a), 0);
	assert_true(a.debug);
	assert_true(a.onerr_succeed);
	assert_string_equal(a.config, "/etc/nsession-ssh.conf");
}

/* Repeats are allowed; the last onerr= and config= win. */
static void test_args_repeated(void **state)
{
	const char *fail_last[] = { "onerr=succeed", "onerr=fail" };
	const char *succeed_last[] = { "onerr=fail", "onerr=succeed", "debug", "debug" };
	const char *conf[] = { "config=/a.conf", "config=/b.conf" };
	struct args a;

	(void)state;
	assert_int_equal(parse(2, fail_last, &a), 0);
	assert_false(a.onerr_succeed);
	assert_int_equal(parse(4, succeed_last, &a), 0);
	assert_true(a.onerr_succeed);
	assert_true(a.debug);
	assert_int_equal(parse(2, conf, &a), 0);
	assert_string_equal(a.config, "/b.conf");
}

/* config= holds a path of at most CONFIG_MAX - 1 bytes, never truncated. */
static void test_args_config_length(void **state)
{
	static char arg[7 + CONFIG_MAX + 1];
	const char *argv[] = { arg };
	struct args a;

	(void)state;
	memcpy(arg, "config=/", 8);
	memset(arg + 8, 'a', CONFIG_MAX - 2);          /* path: CONFIG_MAX - 1 */
	arg[7 + CONFIG_MAX - 1] = '\0';
	assert_int_equal(parse(1, argv, &a), 0);
	assert_int_equal(strlen(a.config), CONFIG_MAX - 1);
	assert_string_equal(a.config, arg + 7);

	arg[7 + CONFIG_MAX - 1] = 'a';                 /* path: CONFIG_MAX */
	arg[7 + CONFIG_MAX] = '\0';
	expect_bad_arg(arg, "config=/aaaa");
}

static void test_args_bad(void **state)
{
	static const char *const bad[] = {
		"config=etc/nsession.conf", "config=relative", "config=", "config",
		"config=~/x.conf", "onerr=maybe", "onerr=", "onerr", "onerr=succeeded",
		"onerr=failed", "foo", "Debug", "debugx", " debug", "",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad_arg(bad[i], bad[i]);
}

/* A bad argument is an error wherever it stands. */
static void test_args_bad_first(void **state)
{
	const char *argv[] = { "foo", "debug", "onerr=succeed" };
	struct args a;

	(void)state;
	assert_int_equal(parse(3, argv, &a), -EINVAL);
	assert_non_null(strstr(last_log, "foo"));
}

/* ---- the helper's reply ------------------------------------------------ */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the DIR's own */
}

/* As pam_sm_open_session sets it up. */
static void init_state(struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->ref_fd = -1;
	for (int i = 0; i < NSK_COUNT; i++)
		st->ns[i] = st->host[i] = -1;
}

static void make_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

/* Send `len` bytes from `data` with `nfds` fresh pipe read ends (our
 * copies closed once sent); their inodes go to `ino`. */
static void send_raw(int sock, const void *data, size_t len, int nfds, ino_t *ino)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)data, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fds[16], pipes[16][2];

	assert_true(nfds <= 16);
	for (int i = 0; i < nfds; i++) {
		struct stat st;
		assert_int_equal(pipe(pipes[i]), 0);
		fds[i] = pipes[i][0];
		assert_int_equal(fstat(fds[i], &st), 0);
		if (ino)
			ino[i] = st.st_ino;
	}
	if (nfds > 0) {
		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)nfds);
	}
	assert_int_equal(sendmsg(sock, &msg, 0), (ssize_t)len);
	for (int i = 0; i < nfds; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
}

static ino_t ino_of(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return st.st_ino;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* A well-formed reply with `mask`: each fd where its bit says, in order,
 * close-on-exec; all of them gone after state_close_all. */
static void expect_good(uint32_t mask)
{
	struct nsp_reply rep = { .magic = NSP_MAGIC, .ns_mask = mask, .flags = NSP_NO_NEW_PRIVS,
				 .inside_uid = 1000, .inside_gid = 1001, .keeper_pid = 42 };
	struct state st;
	ino_t ino[NSP_MAX_FDS];
	int sv[2], nfds = 1 + __builtin_popcount(mask), k = 1, before;

	make_pair(sv);
	before = count_fds();
	send_raw(sv[1], &rep, sizeof(rep), nfds, ino);
	init_state(&st);
	assert_int_equal(recv_reply(sv[0], &st), 0);
	assert_int_equal(st.rep.magic, NSP_MAGIC);
	assert_int_equal(st.rep.ns_mask, mask);
	assert_int_equal(st.rep.flags, NSP_NO_NEW_PRIVS);
	assert_int_equal(st.rep.inside_uid, 1000);
	assert_int_equal(st.rep.inside_gid, 1001);
	assert_int_equal(st.rep.keeper_pid, 42);

	assert_true(st.ref_fd >= 0);
	assert_int_equal(ino_of(st.ref_fd), ino[0]);
	/* Received close-on-exec: nothing reaches a shell. */
	assert_true(fcntl(st.ref_fd, F_GETFD) & FD_CLOEXEC);
	for (int i = 0; i < NSK_COUNT; i++) {
		assert_int_equal(st.host[i], -1);
		if (!(mask & (1u << i))) {
			assert_int_equal(st.ns[i], -1);
			continue;
		}
		assert_true(st.ns[i] >= 0);
		assert_int_equal(ino_of(st.ns[i]), ino[k++]);
		assert_true(fcntl(st.ns[i], F_GETFD) & FD_CLOEXEC);
	}
	assert_int_equal(k, nfds);
	assert_int_equal(count_fds(), before + nfds);

	state_close_all(&st);
	assert_int_equal(st.ref_fd, -1);
	for (int i = 0; i < NSK_COUNT; i++)
		assert_int_equal(st.ns[i], -1);
	assert_int_equal(count_fds(), before);
	close(sv[0]);
	close(sv[1]);
}

static void test_reply_good(void **state)
{
	(void)state;
	expect_good((1u << NSK_USER) | (1u << NSK_PID) | (1u << NSK_NET)); /* 3 kinds, 4 fds */
}

static void test_reply_all_kinds(void **state)
{
	(void)state;
	expect_good(0x7f);                     /* NSP_MAX_FDS: all seven kinds, the most that fits */
}

static void test_reply_no_kinds(void **state)
{
	(void)state;
	expect_good(0);                        /* the login reference alone */
}

/* Send `len` bytes of `data` with `nfds` fds: refused with -EPROTO, no fd
 * kept in `st`, none leaked. */
static void expect_bad_raw(const void *data, size_t len, int nfds)
{
	struct state st;
	int sv[2], before;

	make_pair(sv);
	before = count_fds();
	send_raw(sv[1], data, len, nfds, NULL);
	init_state(&st);
	assert_int_equal(recv_reply(sv[0], &st), -EPROTO);
	assert_int_equal(st.ref_fd, -1);
	for (int i = 0; i < NSK_COUNT; i++) {
		assert_int_equal(st.ns[i], -1);
		assert_int_equal(st.host[i], -1);
	}
	assert_int_equal(count_fds(), before);
	close(sv[0]);
	close(sv[1]);
}

static void expect_bad(uint32_t magic, uint32_t mask, int nfds)
{
	struct nsp_reply rep = { .magic = magic, .ns_mask = mask };

	expect_bad_raw(&rep, sizeof(rep), nfds);
}

static void test_reply_bad_magic(void **state)
{
	(void)state;
	expect_bad(0x6e737031, 0x3f, 7);       /* "nsp1": an older layout */
	expect_bad(0, 0, 1);
	expect_bad(__builtin_bswap32(NSP_MAGIC), 0x07, 4);
}

static void test_reply_too_few_fds(void **state)
{
	(void)state;
	expect_bad(NSP_MAGIC, 0x3f, 6);
	expect_bad(NSP_MAGIC, 0x25, 3);
	expect_bad(NSP_MAGIC, 0x01, 0);        /* no fds at all */
	expect_bad(NSP_MAGIC, 0x00, 0);
}

static void test_reply_too_many_fds(void **state)
{
	(void)state;
	expect_bad(NSP_MAGIC, 0x0f, 6);        /* one more than the mask says */
	expect_bad(NSP_MAGIC, 0x00, 2);
}

/* Only the mask is wrong: the fd count matches its known bits. */
static void test_reply_unknown_kind(void **state)
{
	(void)state;
	expect_bad(NSP_MAGIC, 0x81, 2);        /* bit 7: the first past cgroup */
	expect_bad(NSP_MAGIC, 0x80, 1);
	expect_bad(NSP_MAGIC, 0x80000001u, 2);
	expect_bad(NSP_MAGIC, 0xff, 8);
}

static void test_reply_short(void **state)
{
	struct nsp_reply rep = { .magic = NSP_MAGIC, .ns_mask = 0x3f };

	(void)state;
	expect_bad_raw(&rep, sizeof(rep) - 1, 7);
	expect_bad_raw(&rep, offsetof(struct nsp_reply, flags), 7);
	expect_bad_raw(&rep, 0, 7);            /* an empty message with fds */
}

/* A longer message (a newer layout) arrives truncated: refused too. */
static void test_reply_long(void **state)
{
	struct {
		struct nsp_reply rep;
		uint32_t extra;
	} big = { { .magic = NSP_MAGIC, .ns_mask = 0x07 }, 0 };

	(void)state;
	expect_bad_raw(&big, sizeof(big), 4);
}

/* More fds than NSP_MAX_FDS: 8 still fit the receive buffer (the module
 * must refuse and close them itself); with 9 the kernel truncates. */
static void test_reply_over_max_fds(void **state)
{
	(void)state;
	expect_bad(NSP_MAGIC, 0x3f, NSP_MAX_FDS + 1);
	expect_bad(NSP_MAGIC, 0x3f, NSP_MAX_FDS + 2);
	expect_bad(NSP_MAGIC, 0x3f, 16);
}

static void test_reply_none(void **state)
{
	struct state st;
	int sv[2];

	(void)state;
	make_pair(sv);
	init_state(&st);
	/* Nothing sent yet: no blocking, an error. */
	assert_int_equal(recv_reply(sv[0], &st), -EAGAIN);
	/* Peer gone without a word (the helper failed): EOF, a 0-byte read. */
	close(sv[1]);
	assert_int_equal(recv_reply(sv[0], &st), -EPROTO);
	assert_int_equal(st.ref_fd, -1);
	for (int i = 0; i < NSK_COUNT; i++)
		assert_int_equal(st.ns[i], -1);
	close(sv[0]);
}

/* ---- closing ----------------------------------------------------------- */

static void test_state_close_all(void **state)
{
	struct state st;
	int fds[1 + 2 * NSK_COUNT], n = 0, before;

	(void)state;
	before = count_fds();
	init_state(&st);
	st.ref_fd = fds[n++] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (int i = 0; i < NSK_COUNT; i++) {
		if (i != NSK_PID)                /* leave one of each unset */
			st.ns[i] = fds[n++] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (i != NSK_USER)
			st.host[i] = fds[n++] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	for (int i = 0; i < n; i++)
		assert_true(fds[i] >= 0);
	assert_int_equal(count_fds(), before + n);

	state_close_all(&st);
	assert_int_equal(st.ref_fd, -1);
	for (int i = 0; i < NSK_COUNT; i++) {
		assert_int_equal(st.ns[i], -1);
		assert_int_equal(st.host[i], -1);
	}
	for (int i = 0; i < n; i++)
		assert_false(fd_open(fds[i]));
	assert_int_equal(count_fds(), before);

	/* Again: nothing left to close, nothing else touched. */
	int keep = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(keep >= 0);
	state_close_all(&st);
	assert_true(fd_open(keep));
	close(keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_defaults),
		cmocka_unit_test(test_args_each),
		cmocka_unit_test(test_args_all),
		cmocka_unit_test(test_args_repeated),
		cmocka_unit_test(test_args_config_length),
		cmocka_unit_test(test_args_bad),
		cmocka_unit_test(test_args_bad_first),
		cmocka_unit_test(test_reply_good),
		cmocka_unit_test(test_reply_all_kinds),
		cmocka_unit_test(test_reply_no_kinds),
		cmocka_unit_test(test_reply_bad_magic),
		cmocka_unit_test(test_reply_too_few_fds),
		cmocka_unit_test(test_reply_too_many_fds),
		cmocka_unit_test(test_reply_unknown_kind),
		cmocka_unit_test(test_reply_short),
		cmocka_unit_test(test_reply_long),
		cmocka_unit_test(test_reply_over_max_fds),
		cmocka_unit_test(test_reply_none),
		cmocka_unit_test(test_state_close_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
