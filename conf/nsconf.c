/* nsconf.c — parser and policy resolver for /etc/nsession.conf.
 * See nsconf.h for the contract and nsession.conf(5) for the grammar.
 *
 * Layout: the parsed file is an array of sections. Section 0 is always
 * [defaults] (explicit, or implied by settings before the first header).
 * Every section keeps the values it set plus a bit per key it set; the
 * resolver starts from the built-in defaults and copies the set keys of
 * each matching section in order. The keys and their values are the table
 * of nsconf_keys.c (addresses: nsconf_net.c); this file has the lines,
 * sections, files and resolution. */
#include "nsconf_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "template.h"
#include "util.h"

enum sec_kind { SEC_DEFAULTS, SEC_USER, SEC_GROUP };

static const char *const kind_names[] = { "defaults", "user", "group" };

struct section {
	enum sec_kind kind;
	char name[NSC_NAME_MAX + 1]; /* "" for [defaults] */
	unsigned line;               /* where it was opened; 0: [defaults] not yet */
	uint32_t set;                /* bit (1u << i) for every key nsc_keys[i] given */
	struct nsc_policy val;       /* the values of the keys in `set` */
};
_Static_assert(sizeof(((struct section *)0)->set) * 8 >= NSC_KEYS_MAX,
	       "section.set holds one bit per key");

struct nsc_config {
	struct section *sec; /* sec[0] is [defaults] */
	size_t n, cap;
};

/* ---- messages ---------------------------------------------------------- */

/* Format into err and make it one line of printable ASCII: text echoed from
 * the file or from the caller can never forge a second line or a terminal
 * escape. */
static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	err[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	for (char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

/* Copy s into buf (max + 4 bytes), cut with "..." when longer than max. */
static const char *clip_to(char *buf, size_t max, const char *s)
{
	size_t n = strlen(s);

	if (n <= max) {
		memcpy(buf, s, n + 1);
	} else {
		memcpy(buf, s, max);
		memcpy(buf + max, "...", 4);
	}
	return buf;
}

const char *nsc_clip(char buf[SHOW_MAX + 4], const char *s)
{
	return clip_to(buf, SHOW_MAX, s);
}

const char *nsc_clip_addr(char buf[SHOW_ADDR_MAX + 4], const char *s)
{
	return clip_to(buf, SHOW_ADDR_MAX, s);
}

int nsc_fail(struct parser *ps, const char *fmt, ...)
{
	char msg[NSC_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errf(ps->err, ps->errlen, "%s:%u: %s", ps->fname, ps->lineno, msg);
	return -EINVAL;
}

/* ---- small helpers ----------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

char *nsc_trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void section_label(const struct section *sec, char *buf, size_t len)
{
	if (sec->kind == SEC_DEFAULTS)
		snprintf(buf, len, "[defaults]");
	else
		snprintf(buf, len, "[%s %s]", kind_names[sec->kind], sec->name);
}

/* Copy the value of every key the section set: exactly the bytes of
 * struct nsc_policy its table entry names. */
static void apply_section(struct nsc_policy *p, const struct section *sec)
{
	for (size_t i = 0; i < nsc_nkeys; i++) {
		const struct nsc_key *k = &nsc_keys[i];

		if (sec->set & (1u << i))
			memcpy((char *)p + k->off, (const char *)&sec->val + k->off, k->size);
	}
}

/* ---- lines ------------------------------------------------------------- */

static int add_section(struct nsc_config *cfg, enum sec_kind kind,
		       const char *name, unsigned line)
{
	struct section *sec;

	if (cfg->n == cfg->cap) {
		size_t ncap = cfg->cap ? cfg->cap * 2 : 8;
		struct section *ns = realloc(cfg->sec, ncap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		cfg->sec = ns;
		cfg->cap = ncap;
	}
	sec = &cfg->sec[cfg->n];
	memset(sec, 0, sizeof(*sec));
	sec->kind = kind;
	snprintf(sec->name, sizeof(sec->name), "%s", name);
	sec->line = line;
	nsc_policy_defaults(&sec->val);
	cfg->n++;
	return 0;
}

/* s: trimmed, starts with '['. */
static int parse_header(struct parser *ps, char *s)
{
	char q[SHOW_MAX + 4];
	struct nsc_config *cfg = ps->cfg;
	char *close = strchr(s, ']');
	char *kind, *name;
	enum sec_kind k;
	int r;

	if (!close)
		return nsc_fail(ps, "unterminated section header (missing ']')");
	if (close[1] != '\0')
		return nsc_fail(ps, "unexpected text after ']' in section header");
	*close = '\0';
	kind = nsc_trim(s + 1);
	name = kind + strcspn(kind, " \t");
	if (*name != '\0')
		*name++ = '\0';
	name = nsc_trim(name);

	if (strcmp(kind, "defaults") == 0)
		k = SEC_DEFAULTS;
	else if (strcmp(kind, "user") == 0)
		k = SEC_USER;
	else if (strcmp(kind, "group") == 0)
		k = SEC_GROUP;
	else if (*kind == '\0')
		return nsc_fail(ps, "empty section header");
	else
		return nsc_fail(ps, "unknown section [%s] (expected defaults, user or group)",
				nsc_clip(q, kind));

	if (k == SEC_DEFAULTS) {
		if (*name != '\0')
			return nsc_fail(ps, "[defaults] takes no name");
		if (cfg->sec[0].line != 0)
			return nsc_fail(ps, "duplicate section [defaults] (first at line %u)",
					cfg->sec[0].line);
		cfg->sec[0].line = ps->lineno;
		ps->cur = 0;
		return 0;
	}

	if (*name == '\0')
		return nsc_fail(ps, "missing name in [%s]", kind_names[k]);
	if (!ns_valid_username(name))
		return nsc_fail(ps, "bad %s name '%s' in section header", kind_names[k],
				nsc_clip(q, name));
	for (size_t i = 1; i < cfg->n; i++)
		if (cfg->sec[i].kind == k && strcmp(cfg->sec[i].name, name) == 0)
			return nsc_fail(ps, "duplicate section [%s %s] (first at line %u)",
					kind_names[k], name, cfg->sec[i].line);
	if (cfg->n >= NSC_SECTIONS_MAX)
		return nsc_fail(ps, "too many sections (max %d)", NSC_SECTIONS_MAX);
	r = add_section(cfg, k, name, ps->lineno);
	if (r < 0)
		return r; /* -ENOMEM, reported by nsc_parse_buffer */
	ps->cur = cfg->n - 1;
	return 0;
}

/* s: trimmed, not empty, not a header. */
static int parse_setting(struct parser *ps, char *s)
{
	char q[SHOW_MAX + 4];
	char label[NSC_NAME_MAX + 16];
	struct section *sec = &ps->cfg->sec[ps->cur];
	char *eq = strchr(s, '=');
	const struct nsc_key *k;
	char *key, *val;
	int i, r;

	if (!eq)
		return nsc_fail(ps, "expected 'key = value' or a [section] header, got '%s'",
				nsc_clip(q, s));
	*eq = '\0';
	key = nsc_trim(s);
	val = nsc_trim(eq + 1);
	if (*key == '\0')
		return nsc_fail(ps, "missing key before '='");
	i = nsc_key_index(key);
	if (i < 0)
		return nsc_fail(ps, "unknown key '%s'", nsc_clip(q, key));
	k = &nsc_keys[i];
	if (*val == '\0')
		return nsc_fail(ps, "empty value for '%s'", k->name);
	if (sec->set & (1u << i)) {
		section_label(sec, label, sizeof(label));
		return nsc_fail(ps, "duplicate key '%s' in %s", k->name, label);
	}
	r = nsc_parse_value(ps, k, val, &sec->val);
	if (r < 0)
		return r;
	sec->set |= 1u << i;
	if (ps->cur == 0 && sec->line == 0)
		sec->line = ps->lineno; /* [defaults] opened by a setting */
	return 0;
}

/* line: one line without its '\n', n bytes, not NUL-terminated. */
static int check_line(struct parser *ps, const char *line, size_t n)
{
	if (n > NSC_LINE_MAX)
		return nsc_fail(ps, "line too long (max %d)", NSC_LINE_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c == '\0')
			return nsc_fail(ps, "NUL byte in line");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return nsc_fail(ps, "control character 0x%02x in line", c);
	}
	return 0;
}

static int parse_line(struct parser *ps, char *line)
{
	char *s;

	line[strcspn(line, "#")] = '\0';
	s = nsc_trim(line);
	if (*s == '\0')
		return 0;
	if (*s == '[')
		return parse_header(ps, s);
	return parse_setting(ps, s);
}

int nsc_parse_buffer(const char *buf, size_t len, const char *fname,
		     struct nsc_config **out, char *err, size_t errlen)
{
	struct parser ps;
	char line[NSC_LINE_MAX + 1];
	size_t pos = 0;
	int r;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!fname)
		fname = "(config)";
	if (!buf && len != 0)
		return -EINVAL;
	if (len > NSC_FILE_MAX) {
		errf(err, errlen, "%s: file too large (max %d bytes)", fname,
		     NSC_FILE_MAX);
		return -EFBIG;
	}
	memset(&ps, 0, sizeof(ps));
	ps.fname = fname;
	ps.err = err;
	ps.errlen = errlen;
	ps.cfg = calloc(1, sizeof(*ps.cfg));
	if (!ps.cfg)
		return -ENOMEM;
	r = add_section(ps.cfg, SEC_DEFAULTS, "", 0);
	while (r == 0 && pos < len) {
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;

		pos += n + (nl ? 1 : 0);
		ps.lineno++;
		r = check_line(&ps, start, n);
		if (r < 0)
			break;
		memcpy(line, start, n);
		line[n] = '\0';
		r = parse_line(&ps, line);
	}
	if (r < 0) {
		if (r == -ENOMEM)
			errf(err, errlen, "%s: out of memory", fname);
		nsc_free(ps.cfg);
		return r;
	}
	*out = ps.cfg;
	return 0;
}

bool nsc_has_group_sections(const struct nsc_config *cfg)
{
	for (size_t i = 1; cfg && i < cfg->n; i++)
		if (cfg->sec[i].kind == SEC_GROUP)
			return true;
	return false;
}

void nsc_free(struct nsc_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->sec);
	free(cfg);
}

/* ---- files ------------------------------------------------------------- */

int nsc_check_stat(const struct stat *st, uid_t owner, const char *fname,
		   char *err, size_t errlen)
{
	if (!fname)
		fname = "(config)";
	if (S_ISLNK(st->st_mode))
		errf(err, errlen, "%s: is a symbolic link (refused)", fname);
	else if (!S_ISREG(st->st_mode))
		errf(err, errlen, "%s: not a regular file", fname);
	else if (st->st_uid != owner && owner == 0)
		errf(err, errlen, "%s: not owned by root", fname);
	else if (st->st_uid != owner)
		errf(err, errlen, "%s: not owned by uid %u", fname, (unsigned)owner);
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		errf(err, errlen, "%s: is group- or world-writable", fname);
	else
		return 0;
	return -EPERM;
}

int nsc_load_file(const char *path, struct nsc_config **out, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, r;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		if (r == -ELOOP)
			errf(err, errlen, "%s: is a symbolic link (refused)", path);
		else
			errf(err, errlen, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		errf(err, errlen, "%s: cannot stat: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	r = nsc_check_stat(&st, 0, path, err, errlen);
	if (r == 0) {
		r = ns_read_all(fd, NSC_FILE_MAX, &buf, &len);
		if (r == -EFBIG)
			errf(err, errlen, "%s: file too large (max %d bytes)", path,
			     NSC_FILE_MAX);
		else if (r < 0)
			errf(err, errlen, "%s: cannot read: %s", path, strerror(-r));
	}
	close(fd);
	if (r < 0)
		return r;
	r = nsc_parse_buffer(buf, len, path, out, err, errlen);
	free(buf);
	return r;
}

/* ---- resolution -------------------------------------------------------- */

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] && strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* Expand the template `tpl` of key `key` for this user into `out`
 * (sized for the longest valid name, so too long is -ENAMETOOLONG) and
 * check the result with `valid`. */
static int expand_name(const char *tpl, const char *key, const char *what,
		       bool (*valid)(const char *), const char *user, uid_t uid,
		       const char *host, char *out, size_t outlen, char *err, size_t errlen)
{
	int r = template_expand(tpl, user, (uint32_t)uid, host, out, outlen);

	if (r == -ENAMETOOLONG) {
		errf(err, errlen, "policy for %s: %s '%s' gives a name longer than %zu "
		     "characters", user, key, tpl, outlen - 1);
		return -EINVAL;
	}
	if (r < 0) {
		errf(err, errlen, "policy for %s: %s '%s' cannot be expanded (no host "
		     "name?)", user, key, tpl);
		return -EINVAL;
	}
	if (!valid(out)) {
		errf(err, errlen, "policy for %s: %s '%s' gives '%s', not a valid %s", user,
		     key, tpl, out, what);
		return -EINVAL;
	}
	return 0;
}

/* Checks the merged policy and fills in the expanded names. */
static int check_coherent(struct nsc_policy *p, const char *user,
			  uid_t uid, const char *host, char *err, size_t errlen)
{
	unsigned ns = p->namespaces;
	int r;

	if (p->identity == NSC_ID_ROOT && !(ns & NSC_NS_USER)) {
		errf(err, errlen, "policy for %s: identity root needs the user namespace",
		     user);
		return -EINVAL;
	}
	if (nsc_net_has_veth(p->network) && !(ns & NSC_NS_NET)) {
		errf(err, errlen, "policy for %s: network %s needs the net namespace",
		     user, nsc_netmode_names[p->network]);
		return -EINVAL;
	}
	if (p->network == NSC_NET_BRIDGE && p->bridge[0] == '\0') {
		errf(err, errlen, "policy for %s: network bridge needs 'bridge = NAME'", user);
		return -EINVAL;
	}
	if (p->private_tmp && !(ns & NSC_NS_MNT)) {
		errf(err, errlen, "policy for %s: private_tmp needs the mnt namespace",
		     user);
		return -EINVAL;
	}
	if ((ns & NSC_NS_PID) && !(ns & NSC_NS_MNT)) {
		errf(err, errlen, "policy for %s: the pid namespace needs the mnt "
		     "namespace (a fresh /proc is mounted)", user);
		return -EINVAL;
	}
	if ((ns & NSC_NS_UTS) &&
	    (r = expand_name(p->hostname, "hostname", "host name", valid_hostname, user, uid,
			     host, p->host_name, sizeof(p->host_name), err, errlen)) < 0)
		return r;
	if (nsc_net_has_veth(p->network) &&
	    (r = expand_name(p->veth_name, "veth_name", "interface name", valid_ifname, user,
			     uid, host, p->veth_host, sizeof(p->veth_host), err, errlen)) < 0)
		return r;
	return 0;
}

int nsc_resolve_host(const struct nsc_config *cfg, const char *user, uid_t uid,
		     const char *const *groups, size_t ngroups, const char *host,
		     struct nsc_policy *out, char *err, size_t errlen)
{
	char q[SHOW_MAX + 4];

	if (!cfg || !user || !out || (ngroups > 0 && !groups)) {
		errf(err, errlen, "policy: invalid arguments");
		return -EINVAL;
	}
	nsc_policy_defaults(out);
	if (uid == 0) {
		out->exempt = true;
		return 0;
	}
	if (!ns_valid_username(user)) {
		errf(err, errlen, "policy for '%s': bad user name", nsc_clip(q, user));
		return -EINVAL;
	}
	apply_section(out, &cfg->sec[0]);
	for (size_t i = 1; i < cfg->n; i++)
		if (cfg->sec[i].kind == SEC_GROUP &&
		    in_list(cfg->sec[i].name, groups, ngroups))
			apply_section(out, &cfg->sec[i]);
	for (size_t i = 1; i < cfg->n; i++)
		if (cfg->sec[i].kind == SEC_USER && strcmp(cfg->sec[i].name, user) == 0)
			apply_section(out, &cfg->sec[i]);
	if (out->exempt)
		return 0;
	return check_coherent(out, user, uid, host, err, errlen);
}

int nsc_resolve(const struct nsc_config *cfg, const char *user, uid_t uid,
		const char *const *groups, size_t ngroups,
		struct nsc_policy *out, char *err, size_t errlen)
{
	char host[256];
	const char *h = host;

	/* A failure leaves host NULL: only a template using %h fails then. */
	if (gethostname(host, sizeof(host) - 1) < 0)
		h = NULL;
	host[sizeof(host) - 1] = '\0';
	return nsc_resolve_host(cfg, user, uid, groups, ngroups, h, out, err, errlen);
}
