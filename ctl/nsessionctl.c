/* nsessionctl.c — the administrator's view of nsession sessions.
 *
 *   nsessionctl [--json] list
 *   nsessionctl [--json] show USER
 *   nsessionctl enter USER [-- COMMAND [ARG...]]
 *   nsessionctl terminate USER
 *   nsessionctl check-config [FILE]
 *
 * Root only, not setuid: it refuses to run unless the real and effective
 * uid are 0. It reads the records in NSESSION_STATEDIR with the helper's own
 * code (state_io.c: no symlinks, root-owned, strict parser) and never
 * trusts a record further than the helper does: a session is "active" only
 * while its monitor and keeper are alive with the recorded start times, and
 * `enter` joins only namespaces whose inodes match the record, opened
 * through a keeper pidfd that is still alive afterwards.
 *
 * Exit status: 0 success, 1 failure, 2 usage error or refused, 3 no
 * session for that user. Admin actions (enter, terminate) are logged to the
 * auth facility like the helper's events. */
#include "nsessionctl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jobctl.h"
#include "nskind.h"
#include "nftrules.h"
#include "ttyguard.h"
#include "userpolicy.h"
#include "util.h"

#define MAX_SESSIONS 65536
#define LOGIN_DEFS "/etc/login.defs"

static void usage(FILE *f)
{
	fputs("usage: nsessionctl [--json] list\n"
	      "       nsessionctl [--json] show USER\n"
	      "       nsessionctl enter USER [-- COMMAND [ARG...]]\n"
	      "       nsessionctl terminate USER\n"
	      "       nsessionctl check-config [FILE]\n"
	      "       nsessionctl --help | --version\n", f);
}

/* ---- reading the sessions ------------------------------------------- */

bool record_active(const struct session_record *r)
{
	return proc_live(r, NSK_ALL, NULL) == 0;
}

static int cmp_uid(const void *a, const void *b)
{
	const struct session_record *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* Every record in the state directory, sorted by uid. A record that does
 * not parse is reported on stderr (and makes `bad` true), never shown. */
int load_records(struct session_record **out, size_t *n, bool *bad)
{
	struct session_record *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	int dirfd = state_dir_open();

	*n = 0;
	*bad = false;
	if (dirfd < 0) {
		fprintf(stderr, "nsessionctl: state directory %s: %s\n", NSESSION_STATEDIR,
			dirfd == -EPERM ? "not root-owned with mode 0700" : strerror(-dirfd));
		return dirfd;
	}
	d = ns_dir_stream(dirfd);
	if (!d) {
		int e = -errno;
		close(dirfd);
		return e;
	}
	while ((de = readdir(d)) != NULL) {
		char num[16], err[256];
		const char *dot = strchr(de->d_name, '.');
		uint32_t uid;
		size_t len;
		int r;

		if (!dot || strcmp(dot, ".session") != 0)
			continue;
		len = (size_t)(dot - de->d_name);
		if (len == 0 || len >= sizeof(num))
			continue;
		memcpy(num, de->d_name, len);
		num[len] = '\0';
		if (ns_parse_u32(num, &uid) < 0)
			continue;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct session_record *nv;
			if (ncap > MAX_SESSIONS || !(nv = realloc(v, ncap * sizeof(*v)))) {
				r = -ENOMEM;
				free(v);
				closedir(d);
				close(dirfd);
				return r;
			}
			v = nv;
			cap = ncap;
		}
		r = state_read(dirfd, uid, &v[*n], err, sizeof(err));
		if (r == -ENOENT)
			continue; /* ended meanwhile */
		if (r < 0) {
			fprintf(stderr, "nsessionctl: %s/%s: %s\n", NSESSION_STATEDIR, de->d_name, err);
			*bad = true;
			continue;
		}
		(*n)++;
	}
	closedir(d);
	close(dirfd);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_uid);
	*out = v;
	return 0;
}

int load_one(const struct passwd *pw, struct session_record *r)
{
	char err[256];
	int dirfd = state_dir_open(), ret;

	if (dirfd < 0) {
		fprintf(stderr, "nsessionctl: state directory %s: %s\n", NSESSION_STATEDIR,
			strerror(-dirfd));
		return EXIT_FAIL;
	}
	ret = state_read(dirfd, pw->pw_uid, r, err, sizeof(err));
	close(dirfd);
	if (ret == -ENOENT) {
		fprintf(stderr, "nsessionctl: no session for %s\n", pw->pw_name);
		return EXIT_NOSESSION;
	}
	if (ret < 0) {
		fprintf(stderr, "nsessionctl: %s/%u.session: %s\n", NSESSION_STATEDIR, pw->pw_uid, err);
		return EXIT_FAIL;
	}
	return 0;
}

/* ---- formatting ------------------------------------------------------ */

/* The session's namespaces but the user namespace: the administrator stays
 * host root (like `nsenter -t KEEPER -m -u -i -n -p -C`). Opened through
 * /proc/KEEPER with the record's inodes checked, and the keeper checked
 * again afterwards, so a recycled pid is never entered. */
static int open_session_ns(const struct session_record *r, int fds[NSK_COUNT])
{
	return proc_live(r, NSK_ALL & ~(1u << NSK_USER), fds);
}

static int cmd_enter(const struct passwd *pw, char **cmd)
{
	struct session_record r;
	int fds[NSK_COUNT], status, ret = load_one(pw, &r);
	bool tty = jobctl_have_terminal();
	struct passwd *root;
	char shell[4096];
	pid_t child;

	if (ret)
		return ret;
	ret = open_session_ns(&r, fds);
	if (ret < 0) {
		fprintf(stderr, "nsessionctl: session of %s: %s\n", pw->pw_name,
			ret == -ESTALE ? "not active (stale record)" : strerror(-ret));
		return EXIT_FAIL;
	}
	root = getpwuid(0);
	snprintf(shell, sizeof(shell), "%s",
		 root && root->pw_shell && root->pw_shell[0] == '/' ? root->pw_shell : "/bin/sh");
	/* As root, never the user namespace (open_session_ns leaves it out). */
	int k = 0;
	ret = ns_enter(fds, NSK_ALL & ~(1u << NSK_USER), &k);
	if (ret < 0) {
		fprintf(stderr, "nsessionctl: joining the %s namespace of %s: %s\n",
			nskinds[k].name, pw->pw_name, strerror(-ret));
		proc_ns_close(fds);
		return EXIT_FAIL;
	}
	proc_ns_close(fds);
	ns_info("enter " SESSION_LOG_FMT " by=root command=%.64s", SESSION_LOG_ARGS(&r),
		cmd && cmd[0] ? cmd[0] : shell);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "nsessionctl: fork: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	if (child == 0) {
		/* Nothing in the session may push input into this terminal. */
		ret = tty_guard_install();
		if (ret < 0) {
			fprintf(stderr, "nsessionctl: terminal guard: %s\n", strerror(-ret));
			_exit(127);
		}
		if (chdir("/") < 0)
			_exit(127);
		jobctl_child(tty);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if (cmd && cmd[0]) {
			execvp(cmd[0], cmd);
			fprintf(stderr, "nsessionctl: %s: %s\n", cmd[0], strerror(errno));
			_exit(errno == ENOENT ? 127 : 126);
		}
		execl(shell, shell, (char *)NULL);
		fprintf(stderr, "nsessionctl: %s: %s\n", shell, strerror(errno));
		_exit(127);
	}
	jobctl_parent(child, tty);
	ret = jobctl_wait(child, tty, &status);
	if (ret < 0) {
		fprintf(stderr, "nsessionctl: waitpid: %s\n", strerror(-ret));
		return EXIT_FAIL;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- terminate ------------------------------------------------------- */

static int cmd_terminate(const struct passwd *pw)
{
	char err[512];
	int r;

	r = session_terminate(pw->pw_uid, err, sizeof(err));
	if (r == -ENOENT) {
		fprintf(stderr, "nsessionctl: no session for %s\n", pw->pw_name);
		return EXIT_NOSESSION;
	}
	if (r < 0) {
		fprintf(stderr, "nsessionctl: terminate %s: %s\n", pw->pw_name, err);
		return EXIT_FAIL;
	}
	/* The session's own "end ... reason=terminated" line has its id. */
	ns_info("terminate user=%s uid=%u by=root", pw->pw_name, pw->pw_uid);
	return 0;
}

/* ---- check-config ---------------------------------------------------- */

/* UID_MIN from login.defs (default 1000): accounts below it are system
 * accounts that do not log in. */
static uid_t uid_min(void)
{
	char line[256];
	uint32_t v = 1000;
	FILE *f = fopen(LOGIN_DEFS, "re");

	if (!f)
		return 1000;
	while (fgets(line, sizeof(line), f)) {
		char key[32], val[32];
		uint32_t n;
		if (sscanf(line, " %31s %31s", key, val) == 2 && strcmp(key, "UID_MIN") == 0 &&
		    ns_parse_u32(val, &n) == 0)
			v = n;
	}
	fclose(f);
	return (uid_t)v;
}

static bool can_log_in(const struct passwd *pw)
{
	const char *sh = pw->pw_shell ? pw->pw_shell : "";
	const char *base = strrchr(sh, '/');

	base = base ? base + 1 : sh;
	return sh[0] == '/' && strcmp(base, "nologin") != 0 && strcmp(base, "false") != 0;
}

/* Like `sshd -t`: the file parses (errors name FILE:LINE), and the policy
 * of every account that can log in resolves (an expanded template must
 * make a valid host or interface name for that user). */
static int cmd_check_config(const char *path)
{
	struct nsc_config *cfg;
	struct passwd *pw;
	char err[512];
	uid_t min = uid_min();
	int bad = 0, users = 0;

	if (nsc_load_file(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_FAIL;
	}
	setpwent();
	while ((pw = getpwent()) != NULL) {
		struct nsc_policy pol;
		if (pw->pw_uid < min || pw->pw_uid == 65534 || !can_log_in(pw))
			continue;
		users++;
		gid_t gids[USER_GROUPS_MAX];
		int ngids;
		if (user_groups(pw, gids, &ngids, err, sizeof(err)) < 0 ||
		    policy_for_user(cfg, pw, gids, ngids, &pol, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", path, err);
			bad++;
		}
	}
	endpwent();
	nsc_free(cfg);
	if (bad)
		return EXIT_FAIL;
	printf("%s: OK (%d login account%s resolved)\n", path, users, users == 1 ? "" : "s");
	return 0;
}

/* ---- main ------------------------------------------------------------ */

static struct passwd *lookup_user(const char *name)
{
	struct passwd *pw = NULL;
	uint32_t uid;

	if (ns_valid_username(name))
		pw = getpwnam(name);
	if (!pw && ns_parse_u32(name, &uid) == 0)
		pw = getpwuid((uid_t)uid);
	if (!pw)
		fprintf(stderr, "nsessionctl: no such user '%.64s'\n", name);
	return pw;
}

int main(int argc, char **argv)
{
	bool json = false;
	const char *verb;
	struct passwd *pw;
	int i = 1;

	if (argc < 1 || !argv[0] || !argv[0][0])
		return EXIT_USAGE;
	ns_log_init("nsessionctl");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("nsessionctl %s\n", NSESSION_VERSION);
			return 0;
		} else {
			fprintf(stderr, "nsessionctl: unknown option '%.64s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (getuid() != 0 || geteuid() != 0) {
		fprintf(stderr, "nsessionctl: must be run as root\n");
		return EXIT_USAGE;
	}
	verb = argv[i++];
	if (strcmp(verb, "list") == 0 && i == argc)
		return cmd_list(json);
	if (strcmp(verb, "check-config") == 0 && argc - i <= 1 && !json)
		return cmd_check_config(i < argc ? argv[i] : NSESSION_CONFIG);
	if ((strcmp(verb, "show") == 0 || strcmp(verb, "terminate") == 0) && argc - i == 1 &&
	    !(json && verb[0] == 't')) {
		if (!(pw = lookup_user(argv[i])))
			return EXIT_USAGE;
		return verb[0] == 's' ? cmd_show(pw, json) : cmd_terminate(pw);
	}
	if (strcmp(verb, "enter") == 0 && !json && argc - i >= 1 &&
	    (argc - i == 1 || strcmp(argv[i + 1], "--") == 0)) {
		if (!(pw = lookup_user(argv[i])))
			return EXIT_USAGE;
		return cmd_enter(pw, argc - i > 2 ? argv + i + 2 : NULL);
	}
	fprintf(stderr, "nsessionctl: bad arguments for '%.64s'\n", verb);
	usage(stderr);
	return EXIT_USAGE;
}
