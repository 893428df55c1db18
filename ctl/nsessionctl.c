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
#include "helper.h"

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

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_NOSESSION 3
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

static bool record_active(const struct session_record *r)
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
static int load_records(struct session_record **out, size_t *n, bool *bad)
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

static int load_one(const struct passwd *pw, struct session_record *r)
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

static void fmt_age(int64_t created, char *out, size_t len)
{
	int64_t s = (int64_t)time(NULL) - created;

	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(out, len, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(out, len, "%lldd%02lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

/* The session's own address, "-" without a network. */
static void fmt_address(const struct session_record *r, char *out, size_t len)
{
	char a[16];

	if (!nsc_net_has_veth(r->network)) {
		snprintf(out, len, "-");
		return;
	}
	nsc_format_ipv4(r->addr_peer, a);
	snprintf(out, len, "%s/%u", a, r->prefix);
}

/* The session's IPv6 address "ADDR/N" and its host end or gateway; both
 * "" without IPv6. */
static void fmt_address6(const struct session_record *r, char *out, size_t len, char host[48])
{
	struct nsc_addr peer = state_addr6(r->addr6_peer), gw = state_addr6(r->addr6_host);
	char text[48];

	out[0] = host[0] = '\0';
	if (!r->prefix6)
		return;
	nsc_format_addr(&peer, text);
	snprintf(out, len, "%s/%u", text, r->prefix6);
	nsc_format_addr(&gw, host);
}

static void fmt_namespaces(unsigned mask, char *out, size_t len)
{
	size_t pos = 0;

	out[0] = '\0';
	for (int i = 0; i < NSK_COUNT && pos < len; i++)
		if (mask & (1u << i))
			pos += (size_t)snprintf(out + pos, len - pos, "%s%s", pos ? "," : "",
						nsc_ns_names[i]);
}

/* A JSON string; record fields are validated already, this escapes anyway. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_key(const char *k, bool *first)
{
	printf("%s", *first ? "" : ",");
	*first = false;
	json_str(k);
	putchar(':');
}

static void json_kstr(const char *k, const char *v, bool *first)
{
	json_key(k, first);
	json_str(v);
}

static void json_knum(const char *k, unsigned long long v, bool *first)
{
	json_key(k, first);
	printf("%llu", v);
}

/* The fields `list` shows, as members of an open JSON object. */
static void json_summary(const struct session_record *r, bool active, bool *first)
{
	char buf[128];

	json_kstr("user", r->user, first);
	json_knum("uid", r->uid, first);
	json_kstr("session", r->id, first);
	json_kstr("state", active ? "active" : "stale", first);
	json_knum("logins", r->logins, first);
	json_knum("keeper_pid", (unsigned long long)r->keeper_pid, first);
	json_knum("created", (unsigned long long)r->created, first);
	json_knum("age_seconds", (unsigned long long)((int64_t)time(NULL) > r->created
						       ? (int64_t)time(NULL) - r->created : 0), first);
	json_kstr("network", nsc_netmode_names[r->network], first);
	fmt_address(r, buf, sizeof(buf));
	json_kstr("address", nsc_net_has_veth(r->network) ? buf : "", first);
	json_key("namespaces", first);
	putchar('[');
	for (int i = 0, n = 0; i < NSK_COUNT; i++)
		if (r->namespaces & (1u << i)) {
			printf("%s", n++ ? "," : "");
			json_str(nsc_ns_names[i]);
		}
	putchar(']');
}

/* ---- list ------------------------------------------------------------ */

static int cmd_list(bool json)
{
	struct session_record *v = NULL;
	size_t n;
	bool bad;
	int r = load_records(&v, &n, &bad);

	if (r < 0)
		return EXIT_FAIL;
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			bool first = true;
			printf("%s{", i ? "," : "");
			json_summary(&v[i], record_active(&v[i]), &first);
			printf("}");
		}
		printf("]\n");
	} else {
		printf("%-16s %7s %-16s %-6s %6s %8s %7s %-8s %-18s %s\n", "USER", "UID", "SESSION",
		       "STATE", "LOGINS", "KEEPER", "AGE", "NETWORK", "ADDRESS", "NAMESPACES");
		for (size_t i = 0; i < n; i++) {
			char age[32], addr[32], ns[80];
			fmt_age(v[i].created, age, sizeof(age));
			fmt_address(&v[i], addr, sizeof(addr));
			fmt_namespaces(v[i].namespaces, ns, sizeof(ns));
			printf("%-16s %7u %-16s %-6s %6u %8d %7s %-8s %-18s %s\n", v[i].user, v[i].uid,
			       v[i].id, record_active(&v[i]) ? "active" : "stale", v[i].logins,
			       (int)v[i].keeper_pid, age, nsc_netmode_names[v[i].network], addr, ns);
		}
		printf("\n%zu session%s listed.\n", n, n == 1 ? "" : "s");
	}
	free(v);
	return bad ? EXIT_FAIL : 0;
}

/* ---- show ------------------------------------------------------------ */

struct traffic {
	bool have, have_nft;
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets; /* as the host end counts */
	struct nft_counters nft;                             /* the session's tables */
};

static void read_traffic(const struct session_record *r, bool active, struct traffic *t)
{
	memset(t, 0, sizeof(*t));
	if (!nsc_net_has_veth(r->network) || !active)
		return;
	t->have = net_link_stats(r->veth_host, &t->rx_bytes, &t->rx_packets, &t->tx_bytes,
				 &t->tx_packets) == 0;
	t->have_nft = nft_session_counters(r->uid, r->network == NSC_NET_BRIDGE, &t->nft) == 0;
}

/* What `show` prints, formatted once for both forms. */
struct show {
	struct session_record r;
	struct traffic t;
	bool active;
	char age[32], addr[32], host[16], when[64], addr6[56], host6[48];
};

static void show_json(const struct show *v)
{
	const struct session_record *r = &v->r;
	const struct traffic *t = &v->t;
	bool first = true;

	printf("{");
	json_summary(r, v->active, &first);
	json_knum("gid", r->gid, &first);
	json_knum("monitor_pid", (unsigned long long)r->monitor_pid, &first);
	json_key("ns_inodes", &first);
	printf("{");
	for (int i = 0, n = 0; i < NSK_COUNT; i++)
		if (r->namespaces & (1u << i))
			printf("%s\"%s\":%llu", n++ ? "," : "", nskinds[i].name,
			       (unsigned long long)r->ns_ino[i]);
	printf("}");
	json_kstr("veth_host", r->veth_host, &first);
	json_kstr("bridge", r->bridge, &first);
	json_kstr("host_address", nsc_net_has_veth(r->network) ? v->host : "", &first);
	json_kstr("address6", v->addr6, &first);
	json_kstr("host_address6", v->host6, &first);
	json_kstr("cgroup", r->cgroup, &first);
	if (t->have) {
		json_key("traffic", &first);
		printf("{\"to_host_bytes\":%llu,\"to_host_packets\":%llu,"
		       "\"from_host_bytes\":%llu,\"from_host_packets\":%llu}",
		       (unsigned long long)t->rx_bytes, (unsigned long long)t->rx_packets,
		       (unsigned long long)t->tx_bytes, (unsigned long long)t->tx_packets);
	}
	if (t->have_nft) {
		json_key("nft_counters", &first);
		printf("{");
		for (int i = 0, n = 0; i < NFT_C_COUNT; i++)
			if (t->nft.found & (1u << i))
				printf("%s\"%s\":{\"packets\":%llu,\"bytes\":%llu}", n++ ? "," : "",
				       nft_counter_names[i], (unsigned long long)t->nft.c[i].packets,
				       (unsigned long long)t->nft.c[i].bytes);
		printf("}");
	}
	printf("}\n");
}

static void show_network(const struct show *v)
{
	const struct session_record *r = &v->r;

	switch (r->network) {
	case NSC_NET_NONE:
		printf("Network:     none (loopback only)\n");
		break;
	case NSC_NET_BRIDGE:
		printf("Network:     bridge: %s on %s, session %s via %s\n", r->veth_host, r->bridge,
		       v->addr, v->host);
		break;
	default:
		printf("Network:     %s: %s %s, session %s\n", nsc_netmode_names[r->network],
		       r->veth_host, v->host, v->addr);
		break;
	}
	if (v->addr6[0])
		printf("IPv6:        session %s via %s\n", v->addr6, v->host6);
}

static void show_text(const struct show *v)
{
	const struct session_record *r = &v->r;
	const struct traffic *t = &v->t;

	printf("User:        %s (uid %u, gid %u)\n", r->user, r->uid, r->gid);
	printf("Session:     %s (%s)\n", r->id, v->active ? "active" : "stale");
	printf("Created:     %s (%s ago)\n", v->when, v->age);
	printf("Logins:      %u\n", r->logins);
	printf("Keeper:      %d\nMonitor:     %d\n", (int)r->keeper_pid, (int)r->monitor_pid);
	printf("Namespaces: ");
	for (int i = 0; i < NSK_COUNT; i++)
		if (r->namespaces & (1u << i))
			printf(" %s:[%llu]", nskinds[i].name, (unsigned long long)r->ns_ino[i]);
	printf("\n");
	show_network(v);
	if (t->have)
		printf("Traffic:     from session %llu bytes (%llu packets), to session %llu bytes "
		       "(%llu packets)\n", (unsigned long long)t->rx_bytes,
		       (unsigned long long)t->rx_packets, (unsigned long long)t->tx_bytes,
		       (unsigned long long)t->tx_packets);
	if (t->have_nft) {
		printf("Nftables:    table inet %s%u:", NFT_TABLE_PREFIX, r->uid);
		for (int i = 0; i < NFT_C_COUNT; i++)
			if (t->nft.found & (1u << i))
				printf(" %s %llu/%llu", nft_counter_names[i],
				       (unsigned long long)t->nft.c[i].packets,
				       (unsigned long long)t->nft.c[i].bytes);
		printf(" (packets/bytes)\n");
	}
	if (r->cgroup[0])
		printf("Cgroup:      nsession/%s\n", r->cgroup);
}

static int cmd_show(const struct passwd *pw, bool json)
{
	static struct show v;
	struct tm tm;
	time_t created;
	int ret = load_one(pw, &v.r);

	if (ret)
		return ret;
	/* Once: it opens every namespace of the keeper. */
	v.active = record_active(&v.r);
	read_traffic(&v.r, v.active, &v.t);
	created = (time_t)v.r.created;
	strftime(v.when, sizeof(v.when), "%Y-%m-%d %H:%M:%S %Z", localtime_r(&created, &tm));
	fmt_age(v.r.created, v.age, sizeof(v.age));
	fmt_address(&v.r, v.addr, sizeof(v.addr));
	nsc_format_ipv4(v.r.addr_host, v.host);
	fmt_address6(&v.r, v.addr6, sizeof(v.addr6), v.host6);
	if (json)
		show_json(&v);
	else
		show_text(&v);
	return 0;
}

/* ---- enter ----------------------------------------------------------- */

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
