/* main.c — nsession-helper: entry point of the setuid-root helper.
 *
 *   nsession-helper run [--user NAME] [--config FILE] [-- COMMAND [ARG...]]
 *   nsession-helper terminate [--user NAME]
 *   nsession-helper status [--user NAME]
 *   nsession-helper check-config [FILE]
 *   nsession-helper pam-open --user NAME [--config FILE]   (root; for pam_nsession.so)
 *
 * Who the session is for comes from the kernel (the real uid), never from
 * argv or the environment; --user and --config are honoured only when the
 * real uid is 0. Before anything else the helper refuses argc == 0, makes
 * sure fds 0-2 are open, closes every other inherited fd and throws the
 * environment away (keeping a validated TERM and LANG for the session).
 *
 * This image holds only what must run in the caller's own process: the
 * prologue, argv (args.c), starting nsession-monitor for the verb
 * (enter.c, monexec.c) and, for run, entering the session it hands back.
 * Policy, records, locks, sessions: call.c and the rest of nsession-monitor,
 * as root, never linked here. */
#include "caller.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "jobctl.h"
#include "nskind.h"
#include "ttyguard.h"
#include "pamwire.h"
#include "subid.h"
#include "userpolicy.h"
#include "util.h"


static struct caller_env caller_env;

/* The caller's environment, emptied before anything else runs: the dynamic
 * loader calls the executable's .preinit_array functions before the
 * constructors of any library, and some read the environment there, as
 * root (libnl-route opens $NLSYSCONFDIR/classid; libnl takes NLCB and
 * NLDBG). Only TERM and LANG stay, for sanitize_process to validate. Plain
 * loops, no libc: libc itself is not initialised yet. Not in sanitizer
 * builds (tests only), whose runtime reads its options in the same place. */
static void scrub_environment(int argc, char **argv, char **envp)
{
	size_t kept = 0;

	(void)argc;
	(void)argv;
	for (size_t i = 0; envp && envp[i]; i++) {
		const char *e = envp[i];
		if ((e[0] == 'T' && e[1] == 'E' && e[2] == 'R' && e[3] == 'M' && e[4] == '=') ||
		    (e[0] == 'L' && e[1] == 'A' && e[2] == 'N' && e[3] == 'G' && e[4] == '='))
			envp[kept++] = envp[i];
	}
	if (envp)
		envp[kept] = NULL;
}
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NS_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define NS_SANITIZED 1
#endif
#ifndef NS_SANITIZED
__attribute__((section(".preinit_array"), used))
static void (*const preinit_scrub)(int, char **, char **) = scrub_environment;
#else
static void (*const preinit_scrub)(int, char **, char **) __attribute__((unused)) = scrub_environment;
#endif

/* Resource limits are the caller's to choose for their own command, not for
 * the setuid helper: an RLIMIT_FSIZE of 0 would kill it with SIGXFSZ halfway
 * through writing a record, a tiny stack would crash it mid-setup. The
 * helper runs with limits of its own and gives the caller's back to the
 * command it starts (restore_limits). */
static const int own_limits[] = { RLIMIT_FSIZE, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_AS,
				  RLIMIT_STACK, RLIMIT_NOFILE, RLIMIT_CORE };
static struct rlimit saved_limits[NS_ARRAY_SIZE(own_limits)];

/* The stack the helper, its monitor and the libraries they call (NSS,
 * libnl, libnftables) need, with room to spare: the deepest of them was
 * measured at 48-64 KiB. A setuid process may raise its stack limit only
 * with CAP_SYS_RESOURCE; where the bounding set lacks it (some containers
 * and VMs), a caller's `ulimit -s 16` stays, and the helper would die of
 * SIGSEGV at a random point of its setup, perhaps holding the user's lock.
 * Below this it stops before doing anything (main). */
#define MIN_STACK_KIB 256

static void reset_limits(void)
{
	for (size_t i = 0; i < NS_ARRAY_SIZE(own_limits); i++) {
		struct rlimit want = { RLIM_INFINITY, RLIM_INFINITY };
		struct rlimit *old = &saved_limits[i];
		int res = own_limits[i];

		if (getrlimit(res, old) < 0)
			*old = want;
		if (res == RLIMIT_STACK)
			want.rlim_cur = 8 << 20;
		else if (res == RLIMIT_NOFILE)
			want.rlim_cur = 4096;
		else if (res == RLIMIT_CORE)
			want.rlim_cur = 0; /* never a core of a setuid image */
		/* Hard limits only ever go up here, so that giving the caller's
		 * back later, without privilege, only lowers them. */
		want.rlim_max = old->rlim_max;
		if (want.rlim_max != RLIM_INFINITY &&
		    (want.rlim_cur == RLIM_INFINITY || want.rlim_cur > want.rlim_max))
			want.rlim_max = want.rlim_cur;
		(void)setrlimit(res, &want);
	}
}

/* The stack size limit in force (after reset_limits), in KiB. */
static rlim_t stack_limit_kib(void)
{
	struct rlimit st;

	if (getrlimit(RLIMIT_STACK, &st) < 0)
		return 0;
	return st.rlim_cur == RLIM_INFINITY ? RLIM_INFINITY : st.rlim_cur / 1024;
}

int restore_limits(void)
{
	for (size_t i = 0; i < NS_ARRAY_SIZE(own_limits); i++)
		if (setrlimit(own_limits[i], &saved_limits[i]) < 0)
			return -errno;
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: nsession-helper run [--user NAME] [--config FILE] [-- COMMAND [ARG...]]\n"
	      "       nsession-helper terminate [--user NAME]\n"
	      "       nsession-helper status [--user NAME]\n"
	      "       nsession-helper check-config [FILE]\n"
	      "       nsession-helper pam-open --user NAME [--config FILE]  (root, for pam_nsession)\n"
	      "       nsession-helper --version | --help\n", f);
}

/* Keep an environment value only if it is short and plainly printable. */
static void save_env(const char *name, char *out, size_t len)
{
	const char *v = getenv(name);

	out[0] = '\0';
	if (!v || strlen(v) >= len)
		return;
	for (const char *p = v; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '/' || *p == '\\')
			return;
	snprintf(out, len, "%s", v);
}

/* Runs first, before any file is opened. */
static void sanitize_process(void)
{
	reset_limits();
	/* Where a hard RLIMIT_FSIZE could not be raised (no CAP_SYS_RESOURCE
	 * in the bounding set), a write past it fails with EFBIG, and the
	 * failure path undoes the setup, instead of SIGXFSZ killing the
	 * helper halfway. */
	signal(SIGXFSZ, SIG_IGN);
	/* Inherited SIG_IGN would have the kernel reap our children: `run`
	 * could not wait for its command, and the child's pid, which
	 * nsession-monitor moves into the session's cgroup, could be reused
	 * by another process meanwhile. A pid we have not reaped is ours. */
	signal(SIGCHLD, SIG_DFL);
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", O_RDWR);
			if (n != fd)
				_exit(EXIT_FAILED); /* cannot even report */
		}
	}
	ns_close_fds_except(-1, -1);
	save_env("TERM", caller_env.term, sizeof(caller_env.term));
	save_env("LANG", caller_env.lang, sizeof(caller_env.lang));
	if (clearenv() != 0)
		_exit(EXIT_FAILED);
	setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
	umask(022);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}





int main(int argc, char **argv)
{
	struct helper_args a;
	char err[512];
	rlim_t stack_kib;
	uid_t ruid;
	int r;

	/* pkexec CVE-2021-4034: never run with argc == 0. Kernels since 5.18
	 * turn an empty argv into { "", NULL }, so an empty argv[0] is the
	 * same attempt. Nothing has been read yet: no message either. */
	if (argc < 1 || !argv || !argv[0] || !argv[0][0])
		_exit(127);
	sanitize_process();
	ns_log_init("nsession-helper");
	stack_kib = stack_limit_kib();
	if (stack_kib < MIN_STACK_KIB) {
		ns_err("stack size limit %llu KiB is below the %d KiB nsession-helper needs, "
		       "and could not be raised",
		       (unsigned long long)stack_kib, MIN_STACK_KIB);
		return EXIT_FAILED;
	}
	ruid = getuid();

	r = args_parse(argc, argv, ruid, &a, err, sizeof(err));
	if (r == -EPERM) {
		ns_refuse("%s", err); /* it names the caller's uid */
		return EXIT_REFUSED;
	}
	if (r < 0) {
		ns_err("%s", err);
		usage(stderr);
		return EXIT_REFUSED;
	}
	switch (a.verb) {
	case VERB_HELP:
		usage(stdout);
		return 0;
	case VERB_VERSION:
		printf("nsession-helper %s\n", NSESSION_VERSION);
		return 0;
	default:
		break;
	}
	if (geteuid() != 0) {
		ns_err("not installed setuid root");
		return EXIT_FAILED;
	}
	/* Everything else is served by nsession-monitor (call.c) as root,
	 * for our real uid; this process keeps only what `run` must do in
	 * the caller's own process (enter.c). */
	if (a.verb == VERB_RUN)
		return cmd_run(&a, ruid, &caller_env);
	return cmd_call(&a, ruid);
}
