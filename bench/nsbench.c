/* nsbench.c — the timing driver of bench/run (benchmarks only; never
 * installed, never setuid). It runs commands as a given user and measures
 * them with CLOCK_MONOTONIC, so the figures carry no shell or date(1) fork
 * in them; bench/run builds the table from what it prints.
 *
 *   nsbench exec [-n N] [-u UID -g GID] [-r RECORD] [-l LINK] -- CMD...
 *       Runs CMD N times (absolute path, as UID/GID with no supplementary
 *       groups, empty environment but PATH). Prints one line per run:
 *       "RUN_US [GONE_US]", where GONE_US (with -r/-l) is the time from
 *       CMD's exit until RECORD and the interface LINK are both gone,
 *       polled every 100 us. A run that exits non-zero stops the bench.
 *
 *   nsbench veth [-n N] NAME
 *       The floor's veth: N times a veth pair NAME/NAME-p made with libnl
 *       (one rtnetlink request on a fresh socket, as the helper does),
 *       then deleted the same way. Prints "CREATE_US DELETE_US" for each.
 *
 *   nsbench many [-P P] -f USERS -- CMD...
 *       CMD once for each "UID GID" line of USERS, at most P at a time
 *       (P=1: one after another). Prints "INDEX UID RUN_US" in the order
 *       the runs were started. A failed run is reported as RUN_US -1 and
 *       makes the exit status 1.
 *
 *   nsbench stats
 *       Reads numbers, one per line (the first field), from stdin and
 *       prints "median p10 p90 min max n". */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

static char *const child_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what)
{
	fprintf(stderr, "nsbench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "nsbench: bad number: %s\n", s);
		exit(2);
	}
	*out = v;
	return 0;
}

/* Start CMD as uid/gid (uid -1: as we are); returns the pid. */
static pid_t start_as(long uid, long gid, char **cmd)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (uid >= 0) {
			gid_t g = (gid_t)gid;
			if (setgroups(1, &g) < 0 || setresgid(g, g, g) < 0 ||
			    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
				die("dropping to the user");
		}
		execve(cmd[0], cmd, child_env);
		die(cmd[0]);
	}
	return pid;
}

static int wait_ok(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int gone(const char *record, const char *link)
{
	struct stat st;

	if (record && (stat(record, &st) == 0 || errno != ENOENT))
		return 0;
	if (link && if_nametoindex(link) != 0)
		return 0;
	return 1;
}

static int cmd_exec(int argc, char **argv)
{
	long n = 10, uid = -1, gid = -1;
	const char *record = NULL, *link = NULL;
	int c;

	while ((c = getopt(argc, argv, "+n:u:g:r:l:")) != -1) {
		switch (c) {
		case 'n': parse_num(optarg, 1, 100000, &n); break;
		case 'u': parse_num(optarg, 0, 0x7fffffff, &uid); break;
		case 'g': parse_num(optarg, 0, 0x7fffffff, &gid); break;
		case 'r': record = optarg; break;
		case 'l': link = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc || (uid >= 0) != (gid >= 0)) {
		fprintf(stderr, "nsbench exec: need -- CMD, and -u with -g\n");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		int64_t t0 = now_us(), t1;

		if (wait_ok(start_as(uid, gid, argv + optind)) < 0) {
			fprintf(stderr, "nsbench: %s failed (run %ld)\n", argv[optind], i + 1);
			return 1;
		}
		t1 = now_us();
		if (record || link) {
			int64_t t2;
			struct timespec tick = { 0, 100000 };

			while (!gone(record, link)) {
				if (now_us() - t1 > 30000000) {
					fprintf(stderr, "nsbench: not torn down after 30 s\n");
					return 1;
				}
				nanosleep(&tick, NULL);
			}
			t2 = now_us();
			printf("%lld %lld\n", (long long)(t1 - t0), (long long)(t2 - t1));
		} else {
			printf("%lld\n", (long long)(t1 - t0));
		}
		fflush(stdout);
	}
	return 0;
}

static int veth_once(const char *name, const char *peer, int64_t *us, int64_t *del_us)
{
	struct nl_sock *sk;
	struct rtnl_link *link, *plink, *del;
	int64_t t0 = now_us();
	int r;

	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0)
		return -1;
	link = rtnl_link_veth_alloc();
	if (!link)
		return -1;
	rtnl_link_set_name(link, name);
	plink = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(plink, peer);
	r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(plink);
	rtnl_link_veth_release(link);
	nl_socket_free(sk);
	*us = now_us() - t0;
	if (r < 0) {
		fprintf(stderr, "nsbench: veth %s: %s\n", name, nl_geterror(r));
		return -1;
	}
	t0 = now_us();
	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0)
		return -1;
	del = rtnl_link_alloc();
	rtnl_link_set_name(del, name);
	r = rtnl_link_delete(sk, del);
	rtnl_link_put(del);
	nl_socket_free(sk);
	*del_us = now_us() - t0;
	return r < 0 ? -1 : 0;
}

static int cmd_veth(int argc, char **argv)
{
	long n = 10;
	char peer[IFNAMSIZ];
	int c;

	while ((c = getopt(argc, argv, "+n:")) != -1) {
		if (c != 'n')
			return 2;
		parse_num(optarg, 1, 100000, &n);
	}
	if (optind != argc - 1 || strlen(argv[optind]) > IFNAMSIZ - 3) {
		fprintf(stderr, "nsbench veth: need one short interface name\n");
		return 2;
	}
	snprintf(peer, sizeof(peer), "%s-p", argv[optind]);
	for (long i = 0; i < n; i++) {
		int64_t us, del_us;
		if (veth_once(argv[optind], peer, &us, &del_us) < 0)
			return 1;
		printf("%lld %lld\n", (long long)us, (long long)del_us);
	}
	return 0;
}

struct job {
	long uid, gid;
	pid_t pid;
	int64_t start, us;
};

static int cmd_many(int argc, char **argv)
{
	long par = 1, uid, gid;
	size_t n = 0, cap = 0, next = 0, running = 0, done = 0;
	struct job *jobs = NULL;
	const char *users = NULL;
	FILE *f;
	int c, ret = 0;

	while ((c = getopt(argc, argv, "+P:f:")) != -1) {
		switch (c) {
		case 'P': parse_num(optarg, 1, 1024, &par); break;
		case 'f': users = optarg; break;
		default: return 2;
		}
	}
	if (!users || optind >= argc) {
		fprintf(stderr, "nsbench many: need -f USERS -- CMD\n");
		return 2;
	}
	f = fopen(users, "re");
	if (!f)
		die(users);
	while (fscanf(f, "%ld %ld", &uid, &gid) == 2) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			jobs = realloc(jobs, cap * sizeof(*jobs));
			if (!jobs)
				die("realloc");
		}
		jobs[n++] = (struct job){ .uid = uid, .gid = gid, .pid = -1 };
	}
	fclose(f);
	while (done < n) {
		while (running < (size_t)par && next < n) {
			jobs[next].start = now_us();
			jobs[next].pid = start_as(jobs[next].uid, jobs[next].gid, argv + optind);
			next++;
			running++;
		}
		int st;
		pid_t pid = waitpid(-1, &st, 0);
		int64_t t = now_us();
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			die("waitpid");
		}
		for (size_t i = 0; i < next; i++) {
			if (jobs[i].pid != pid)
				continue;
			jobs[i].pid = -1;
			jobs[i].us = WIFEXITED(st) && WEXITSTATUS(st) == 0 ? t - jobs[i].start : -1;
			if (jobs[i].us < 0)
				ret = 1;
			running--;
			done++;
		}
	}
	for (size_t i = 0; i < n; i++)
		printf("%zu %ld %lld\n", i + 1, jobs[i].uid, (long long)jobs[i].us);
	free(jobs);
	return ret;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int cmd_stats(void)
{
	long long *v = NULL, x;
	size_t n = 0, cap = 0;
	char line[256];

	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "%lld", &x) != 1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				die("realloc");
		}
		v[n++] = x;
	}
	if (n == 0) {
		fprintf(stderr, "nsbench stats: no numbers\n");
		return 1;
	}
	qsort(v, n, sizeof(*v), cmp_ll);
	/* The median of an even count is the mean of the middle two. */
	long long med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	printf("%lld %lld %lld %lld %lld %zu\n", med, v[n / 10], v[n - 1 - n / 10], v[0],
	       v[n - 1], n);
	free(v);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: nsbench exec|veth|many|stats ...\n");
		return 2;
	}
	argc--;
	argv++;
	optind = 1;
	if (strcmp(argv[0], "exec") == 0)
		return cmd_exec(argc, argv);
	if (strcmp(argv[0], "veth") == 0)
		return cmd_veth(argc, argv);
	if (strcmp(argv[0], "many") == 0)
		return cmd_many(argc, argv);
	if (strcmp(argv[0], "stats") == 0)
		return cmd_stats();
	fprintf(stderr, "nsbench: unknown command %s\n", argv[0]);
	return 2;
}
