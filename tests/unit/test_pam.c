/* test_pam.c — the pure parts of pam_nsession.c: module arguments, the
 * helper's reply (pamwire.h) with its descriptors, and closing state.
 * The module source is included so its static functions can be reached;
 * pam_syslog is replaced by a recorder. */
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
#include "../../pam/pam_nsession.c"
#undef pam_syslog

static char last_log[1024];

void test_pam_syslog(const pam_handle_t *pamh, int prio, const char *fmt, ...)
{
	va_list ap;

	(void)pamh;
	(void)prio;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

static int parse(int argc, const char **argv, struct args *a)
{
	last_log[0] = '\0';
	return parse_args(NULL, argc, argv, a);
}

/* ---- arguments --------------------------------------------------------- */

static void test_args_defaults(void **state)
{
	struct args a;

	(void)state;
	assert_int_equal(parse(0, NULL, &a), 0);
	assert_false(a.debug);
	assert_false(a.onerr_succeed);
	assert_string_equal(a.config, "");
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

static void test_args_last_onerr_wins(void **state)
{
	const char *argv[] = { "onerr=succeed", "onerr=fail" };
	struct args a;

	(void)state;
	assert_int_equal(parse(2, argv, &a), 0);
	assert_false(a.onerr_succeed);
}

static void test_args_bad(void **state)
{
	static char longpath[CONFIG_MAX + 16];
	const char *bad[] = { "config=etc/nsession.conf", "config=", "onerr=maybe", "foo",
			      "Debug", "onerr", "config", longpath };
	struct args a;

	(void)state;
	memcpy(longpath, "config=/", 8);
	memset(longpath + 8, 'a', sizeof(longpath) - 9);
	longpath[sizeof(longpath) - 1] = '\0';
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *argv[] = { "debug", bad[i] };
		assert_int_equal(parse(2, argv, &a), -EINVAL);
		/* The log line names the offending argument. */
		assert_non_null(strstr(last_log, i == 7 ? "config=/aaaa" : bad[i]));
	}
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

static void init_state(struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->ref_fd = -1;
	for (int i = 0; i < NSP_NS_KINDS; i++)
		st->ns[i] = st->host[i] = -1;
}

/* Send `len` bytes of `rep` with `nfds` fresh pipe read ends; their
 * inodes go to `ino`. */
static void send_reply(int sock, const struct nsp_reply *rep, size_t len, int nfds, ino_t *ino)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)rep, len };
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

static void test_reply_good(void **state)
{
	struct nsp_reply rep = { .magic = NSP_MAGIC, .ns_mask = (1u << 0) | (1u << 2) | (1u << 5),
				 .flags = NSP_NO_NEW_PRIVS, .inside_uid = 1000, .inside_gid = 1000,
				 .keeper_pid = 42 };
	struct state st;
	ino_t ino[4];
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	send_reply(sv[1], &rep, sizeof(rep), 4, ino);
	init_state(&st);
	assert_int_equal(recv_reply(sv[0], &st), 0);
	assert_int_equal(st.rep.keeper_pid, 42);
	assert_int_equal(ino_of(st.ref_fd), ino[0]);
	assert_int_equal(ino_of(st.ns[0]), ino[1]);
	assert_int_equal(ino_of(st.ns[2]), ino[2]);
	assert_int_equal(ino_of(st.ns[5]), ino[3]);
	assert_int_equal(st.ns[1], -1);
	assert_int_equal(st.ns[3], -1);
	assert_int_equal(st.ns[4], -1);
	/* Received close-on-exec: nothing reaches a shell. */
	assert_true(fcntl(st.ref_fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(st.ns[5], F_GETFD) & FD_CLOEXEC);
	state_close_all(&st);
	assert_int_equal(st.ref_fd, -1);
	for (int i = 0; i < NSP_NS_KINDS; i++)
		assert_int_equal(st.ns[i], -1);
	close(sv[0]);
	close(sv[1]);
}

/* Each bad reply: -EPROTO (or another error), no fd kept, none leaked. */
static void expect_bad(const struct nsp_reply *rep, size_t len, int nfds)
{
	struct state st;
	int sv[2], before;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	before = count_fds();
	send_reply(sv[1], rep, len, nfds, NULL);
	init_state(&st);
	assert_true(recv_reply(sv[0], &st) < 0);
	assert_int_equal(st.ref_fd, -1);
	for (int i = 0; i < NSP_NS_KINDS; i++)
		assert_int_equal(st.ns[i], -1);
	assert_int_equal(count_fds(), before);
	close(sv[0]);
	close(sv[1]);
}

static void test_reply_bad(void **state)
{
	struct nsp_reply good = { .magic = NSP_MAGIC, .ns_mask = 0x3f };
	struct nsp_reply r;

	(void)state;
	r = good;
	r.magic = 0x6e737031; /* an older layout */
	expect_bad(&r, sizeof(r), 7);
	expect_bad(&good, sizeof(good), 6);          /* fewer fds than kinds */
	r = good;
	r.ns_mask = 0x0f;
	expect_bad(&r, sizeof(r), 6);                /* more fds than kinds */
	r = good;
	r.ns_mask = 0x7f;
	expect_bad(&r, sizeof(r), 8);                /* a kind that does not exist */
	expect_bad(&good, sizeof(good) - 1, 7);      /* truncated */
	expect_bad(&good, sizeof(good), 0);          /* no fds at all */
	expect_bad(&good, sizeof(good), 9);          /* too many for the buffer */
}

static void test_reply_none(void **state)
{
	struct state st;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	init_state(&st);
	/* Nothing sent yet: no blocking, an error. */
	assert_true(recv_reply(sv[0], &st) < 0);
	/* Peer gone without a word (the helper failed). */
	close(sv[1]);
	assert_true(recv_reply(sv[0], &st) < 0);
	assert_int_equal(st.ref_fd, -1);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_defaults),
		cmocka_unit_test(test_args_all),
		cmocka_unit_test(test_args_last_onerr_wins),
		cmocka_unit_test(test_args_bad),
		cmocka_unit_test(test_reply_good),
		cmocka_unit_test(test_reply_bad),
		cmocka_unit_test(test_reply_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
