/* seedcheck.c — `make fuzz-seeds`: every seed of a fuzz corpus still gives
 * the result it was written for. Built with the normal compiler against
 * libnscore.a (no libFuzzer); `make fuzz` runs it before fuzzing.
 *
 *   seedcheck TARGET DIR MANIFEST      (fuzz/corpus/TARGET, fuzz/corpus/TARGET.expect)
 *
 * MANIFEST has one line per file in DIR (empty lines and '#' lines aside):
 *   NAME ok [TEXT]     the input is accepted; TEXT, if given, is part of
 *                      the description of the result (below)
 *   NAME error TEXT    it is refused, and TEXT is part of the message
 * Why: a seed refused at its first line explores nothing past it, which is
 * what became of every state seed when the record's format version moved
 * on. A seed meant to reach a field deep in its input names that field's
 * message here, so a format change that cuts it off fails this check.
 *
 * What runs per target (as its fuzz target calls it) and what the result is:
 *   state   state_parse. Accepted: the record as state_format writes it,
 *           its lines separated by spaces.
 *   config  nsc_parse_buffer, with NAME as the file name ("NAME:LINE: …").
 *           Accepted: "alice: …; bob: …", nsc_resolve_host for the fuzz
 *           target's first two users on host box.example.org: "exempt",
 *           "network=MODE host=NAME veth=IFNAME", or "error: MESSAGE".
 *   subid   subid_parse with NAME as the file name, for user alice, uid
 *           1000, at most SUBID_RANGES_MAX ranges. Accepted: "N ranges:
 *           START+COUNT …; by id, at most 2: …" (the target's second call).
 *   args    args_parse of the NUL-separated arguments as root (ruid 0, as
 *           pam_nsession runs the helper): root passes the privilege checks
 *           and reaches every usage check. Accepted: "VERB user=… config=…
 *           cmd=[…]; uid 1000: ok|refused: MESSAGE" (the same as a user).
 *   resolv  rg_parse, which never refuses (bad lines are left out and
 *           counted): always accepted, "servers=A,B search='…' options='…'
 *           ignored=N; auto: N nameservers[, warning: …]; hosts: N left out"
 *           (rg_resolv_text for dns = auto without IPv6, rg_hosts_text).
 * Every problem is one line on stdout: a seed not in the manifest, a
 * manifest line naming no seed, a result that differs. Exit 0, 1 on any
 * problem, 2 on a usage or I/O error. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "args.h"
#include "nsconf.h"
#include "resolvgen.h"
#include "session_state.h"
#include "subid.h"

#define SEED_MAX (2 * 1024 * 1024) /* more than any parser reads */
#define TEXT_MAX 8192

struct result {
	bool ok;
	char text[TEXT_MAX]; /* the message, or the description of what was accepted */
};

static void addf(struct result *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends to res->text, cut at TEXT_MAX. */
static void addf(struct result *res, const char *fmt, ...)
{
	size_t n = strlen(res->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->text + n, sizeof(res->text) - n, fmt, ap);
	va_end(ap);
}

static void fail_with(struct result *res, const char *msg)
{
	res->ok = false;
	snprintf(res->text, sizeof(res->text), "%s", msg);
}

/* ---- the targets ---- */

static void run_state(const char *name, const char *buf, size_t len, struct result *res)
{
	struct session_record r;
	char err[256], text[STATE_FILE_MAX + 1];

	if (state_parse(buf, len, &r, err, sizeof(err)) < 0) {
		fail_with(res, err);
		return;
	}
	if (state_format(&r, text, sizeof(text)) < 0) {
		fail_with(res, "parsed, but state_format refuses the record");
		return;
	}
	for (char *p = text; *p; p++)
		if (*p == '\n')
			*p = ' ';
	addf(res, "%s", text);
}

static void describe_policy(const struct nsc_config *cfg, const char *user, uid_t uid,
			    const char *const *groups, size_t ngroups, struct result *res)
{
	struct nsc_policy p;
	char err[NSC_ERR_MAX];

	if (nsc_resolve_host(cfg, user, uid, groups, ngroups, "box.example.org", &p,
			     err, sizeof(err)) < 0)
		addf(res, "%s: error: %s", user, err);
	else if (p.exempt)
		addf(res, "%s: exempt", user);
	else
		addf(res, "%s: network=%s host=%s veth=%s", user, nsc_netmode_names[p.network],
		     p.host_name, p.veth_host);
}

static void run_config(const char *name, const char *buf, size_t len, struct result *res)
{
	static const char *const alice[] = { "alice", "sudo", "staff" };
	static const char *const bob[] = { "bob", "students", "lab", "staff" };
	struct nsc_config *cfg;
	char err[NSC_ERR_MAX];

	if (nsc_parse_buffer(buf, len, name, &cfg, err, sizeof(err)) < 0) {
		fail_with(res, err);
		return;
	}
	describe_policy(cfg, "alice", 1001, alice, 3, res);
	addf(res, "; ");
	describe_policy(cfg, "bob", 1002, bob, 4, res);
	nsc_free(cfg);
}

/* One subid_parse call; its ranges described in res. 0 or -EINVAL. */
static int subid_call(const char *name, const char *buf, size_t len, const char *user,
		      size_t max, struct result *res)
{
	struct subid_range out[SUBID_RANGES_MAX];
	char err[256];
	size_t n = 0;

	if (subid_parse(buf, len, name, user, 1000, 1000, out, max, &n, err, sizeof(err)) < 0) {
		addf(res, "%s", err);
		return -EINVAL;
	}
	addf(res, "%zu ranges:", n);
	for (size_t i = 0; i < n; i++)
		addf(res, " %u+%u", (unsigned)out[i].start, (unsigned)out[i].count);
	return 0;
}

static void run_subid(const char *name, const char *buf, size_t len, struct result *res)
{
	if (subid_call(name, buf, len, "alice", SUBID_RANGES_MAX, res) < 0) {
		res->ok = false;
		return;
	}
	addf(res, "; by id, at most 2: ");
	subid_call(name, buf, len, NULL, 2, res);
}

/* An argument in the description: printable ASCII, at most 64 bytes. */
static void add_arg(struct result *res, const char *s)
{
	char clean[65];
	size_t i;

	for (i = 0; s[i] && i < sizeof(clean) - 1; i++)
		clean[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ? '?' : s[i];
	clean[i] = '\0';
	addf(res, "%s", clean);
}

static void describe_args(const struct helper_args *a, struct result *res)
{
	static const char *const verbs[] = {
		[VERB_HELP] = "help", [VERB_VERSION] = "version", [VERB_RUN] = "run",
		[VERB_TERMINATE] = "terminate", [VERB_STATUS] = "status",
		[VERB_CHECK_CONFIG] = "check-config", [VERB_PAM_OPEN] = "pam-open",
		[VERB_PAM_MANAGER] = "pam-manager",
	};

	addf(res, "%s user=", verbs[a->verb]);
	add_arg(res, a->user ? a->user : "-");
	addf(res, " config=");
	add_arg(res, a->config ? a->config : "-");
	addf(res, " cmd=[");
	for (char **c = a->cmd; c && *c; c++) {
		addf(res, "%s", c == a->cmd ? "" : " ");
		add_arg(res, *c);
	}
	addf(res, "]");
}

/* argv as fuzz_args.c builds it: NUL bytes separate the arguments. */
static void run_args(const char *name, const char *buf, size_t len, struct result *res)
{
	char *copy = malloc(len + 1), **argv = malloc((len + 3) * sizeof(*argv));
	char prog[] = "nsession-helper", err[256];
	struct helper_args a;
	int argc = 1;

	if (!copy || !argv) {
		fail_with(res, "out of memory");
		goto out;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	argv[0] = prog;
	for (size_t pos = 0; len > 0 && pos <= len; pos += strlen(copy + pos) + 1)
		argv[argc++] = copy + pos;
	argv[argc] = NULL;
	if (args_parse(argc, argv, 0, &a, err, sizeof(err)) < 0) {
		fail_with(res, err);
		goto out;
	}
	describe_args(&a, res);
	if (args_parse(argc, argv, 1000, &a, err, sizeof(err)) < 0)
		addf(res, "; uid 1000: refused: %s", err);
	else
		addf(res, "; uid 1000: ok");
out:
	free(copy);
	free(argv);
}

static void run_resolv(const char *name, const char *buf, size_t len, struct result *res)
{
	struct nsc_addr h4 = { AF_INET, 32, { 10, 250, 0, 1 } };
	struct rg_conf c;
	struct rg_input in = { .mode = NSC_DNS_AUTO, .host_end4 = &h4, .etc = &c };
	char *out = malloc(RG_HOSTS_OUT_MAX), warn[200], addr[48];
	unsigned ignored = rg_parse(buf, len, &c), lines = 0;

	if (!out) {
		fail_with(res, "out of memory");
		return;
	}
	addf(res, "servers=");
	for (unsigned i = 0; i < c.n_servers; i++) {
		nsc_format_addr(&c.servers[i], addr);
		addf(res, "%s%s", i ? "," : "", addr);
	}
	addf(res, " search='%s' options='%s' ignored=%u; auto: ", c.search, c.options, ignored);
	if (rg_resolv_text(&in, out, RG_HOSTS_OUT_MAX, warn, sizeof(warn)) < 0) {
		addf(res, "error");
	} else {
		for (const char *p = out; (p = strstr(p, "\nnameserver ")); p++)
			lines++;
		addf(res, "%u nameservers%s%s", lines, warn[0] ? ", warning: " : "", warn);
	}
	lines = 0;
	if (rg_hosts_text(buf, len, "seed-session", out, RG_HOSTS_OUT_MAX) < 0) {
		addf(res, "; hosts: error");
	} else {
		for (const char *p = out; (p = strstr(p, "# nsession: left out")); p++)
			lines++;
		addf(res, "; hosts: %u left out", lines);
	}
	free(out);
}

static const struct target {
	const char *name;
	void (*run)(const char *name, const char *buf, size_t len, struct result *res);
} targets[] = {
	{ "state", run_state }, { "config", run_config }, { "subid", run_subid },
	{ "args", run_args }, { "resolv", run_resolv },
};

/* ---- manifest and corpus ---- */

struct expect {
	char *name;
	bool ok;
	const char *text; /* "" for a bare ok */
	int line;
	bool seen;
};

struct manifest {
	char *buf;
	struct expect *e;
	size_t n;
};

/* A whole file, NUL-terminated (the length excludes the NUL). */
static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = malloc(SEED_MAX + 1);
	size_t n = 0;
	int ret = 0;

	if (!f || !b) {
		ret = f ? -ENOMEM : -errno;
		goto out;
	}
	n = fread(b, 1, SEED_MAX + 1, f);
	if (ferror(f))
		ret = -EIO;
	else if (n > SEED_MAX)
		ret = -EFBIG;
out:
	if (f)
		fclose(f);
	if (ret < 0) {
		free(b);
		return ret;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

/* Splits the manifest into entries (pointing into m->buf). A malformed
 * line is a problem, counted in *problems. */
static int manifest_load(const char *path, struct manifest *m, int *problems)
{
	size_t len;
	int lineno = 0, ret = read_file(path, &m->buf, &len);

	if (ret < 0)
		return ret;
	m->e = calloc(len / 4 + 1, sizeof(*m->e)); /* a line has at least 4 bytes: "x ok" */
	if (!m->e)
		return -ENOMEM;
	for (char *line = m->buf, *next; line && *line; line = next) {
		char *verdict, *text;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (line[0] == '\0' || line[0] == '#')
			continue;
		verdict = strchr(line, ' ');
		text = verdict ? strchr(verdict + 1, ' ') : NULL;
		if (verdict)
			*verdict++ = '\0';
		if (text)
			*text++ = '\0';
		if (!verdict || strchr(line, '/') || (strcmp(verdict, "ok") && strcmp(verdict, "error")) ||
		    (!strcmp(verdict, "error") && (!text || !*text))) {
			printf("%s:%d: expected \"NAME ok [TEXT]\" or \"NAME error TEXT\"\n", path, lineno);
			(*problems)++;
			continue;
		}
		m->e[m->n++] = (struct expect){ line, !strcmp(verdict, "ok"), text ? text : "", lineno, false };
	}
	return 0;
}

static struct expect *manifest_find(struct manifest *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].name, name) == 0)
			return &m->e[i];
	return NULL;
}

/* Runs one seed and compares. Returns the number of problems (0 or 1). */
static int check_seed(const struct target *t, const char *dir, const char *name,
		      struct expect *want)
{
	static struct result res;
	char path[4096], *buf;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = read_file(path, &buf, &len);
	if (ret < 0) {
		printf("%s: %s\n", path, strerror(-ret));
		return 1;
	}
	res.ok = true;
	res.text[0] = '\0';
	t->run(name, buf, len, &res);
	free(buf);
	if (res.ok != want->ok) {
		printf("%s: expected %s, got %s: %s\n", path, want->ok ? "ok" : "an error",
		       res.ok ? "ok" : "an error", res.text);
		return 1;
	}
	if (!strstr(res.text, want->text)) {
		printf("%s: %s lacks \"%s\": %s\n", path, res.ok ? "result" : "message",
		       want->text, res.text);
		return 1;
	}
	return 0;
}

static int only_files(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Every seed in dir against the manifest, and every manifest line against
 * the seeds. Returns the number of problems, `problems` (those found in the
 * manifest itself) included, or a negative errno. */
static int check_corpus(const struct target *t, const char *dir, const char *mpath,
			struct manifest *m, int problems)
{
	struct dirent **names;
	int n = scandir(dir, &names, only_files, alphasort);

	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		struct expect *want = manifest_find(m, names[i]->d_name);

		if (!want) {
			printf("%s/%s: not in %s\n", dir, names[i]->d_name, mpath);
			problems++;
		} else {
			want->seen = true;
			problems += check_seed(t, dir, names[i]->d_name, want);
		}
		free(names[i]);
	}
	free(names);
	for (size_t i = 0; i < m->n; i++) {
		const struct expect *first = manifest_find(m, m->e[i].name);

		if (first != &m->e[i])
			printf("%s:%d: %s listed again (first at line %d)\n", mpath, m->e[i].line,
			       m->e[i].name, first->line);
		else if (!m->e[i].seen)
			printf("%s:%d: no seed %s in %s\n", mpath, m->e[i].line, m->e[i].name, dir);
		problems += first != &m->e[i] || !m->e[i].seen;
	}
	printf("seedcheck %s: %d seeds, %d problems\n", t->name, n, problems);
	return problems;
}

int main(int argc, char **argv)
{
	struct manifest m = { 0 };
	const struct target *t = NULL;
	int problems = 0, ret;

	for (size_t i = 0; argc == 4 && i < sizeof(targets) / sizeof(targets[0]); i++)
		if (strcmp(argv[1], targets[i].name) == 0)
			t = &targets[i];
	if (!t) {
		fprintf(stderr, "usage: seedcheck state|config|subid|args|resolv DIR MANIFEST\n");
		return 2;
	}
	ret = manifest_load(argv[3], &m, &problems);
	if (ret >= 0)
		ret = check_corpus(t, argv[2], argv[3], &m, problems);
	free(m.e);
	free(m.buf);
	if (ret < 0) {
		fprintf(stderr, "seedcheck %s: %s\n", t->name, strerror(-ret));
		return 2;
	}
	return ret > 0 ? 1 : 0;
}
