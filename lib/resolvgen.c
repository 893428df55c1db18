/* resolvgen.c — the text of a session's resolv.conf and hosts (resolvgen.h). */
#include "resolvgen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "template.h"
#include "util.h"

/* ---- parsing ------------------------------------------------------- */

static bool in_set(char c, const char *extra)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr(extra, c) != NULL);
}

static bool token_ok(const char *t, size_t max, const char *extra)
{
	size_t n = strlen(t);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!in_set(t[i], extra))
			return false;
	return true;
}

/* A search domain (also "." and a trailing dot) / an option ("ndots:2"). */
static bool domain_ok(const char *t) { return token_ok(t, 253, "._-"); }
static bool option_ok(const char *t) { return token_ok(t, 64, ":._-"); }

/* Append " tok" (or "tok" to an empty `dst`) if it fits in `cap`. */
static bool append_token(char *dst, size_t cap, const char *tok)
{
	size_t n = strlen(dst), t = strlen(tok);

	if (n + (n ? 1 : 0) + t + 1 > cap)
		return false;
	if (n)
		dst[n++] = ' ';
	memcpy(dst + n, tok, t + 1);
	return true;
}

static int parse_server(const char *tok, struct nsc_addr *a)
{
	memset(a, 0, sizeof(*a));
	/* A scope ("fe80::1%eth0") names a link of the host's: not the session's. */
	if (strchr(tok, '%'))
		return -EINVAL;
	if (inet_pton(AF_INET, tok, a->a) == 1) {
		a->family = AF_INET;
		a->prefix = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, tok, a->a) == 1) {
		a->family = AF_INET6;
		a->prefix = 128;
		return 0;
	}
	return -EINVAL;
}

/* One line (without its '\n'), `n` bytes. 0, or -EINVAL: ignored. */
static int parse_line(const char *s, size_t n, struct rg_conf *c)
{
	char line[RG_LINE_MAX + 1], *tok[64], *save = NULL, *t;
	size_t ntok = 0;
	bool ok = true;

	if (n == 0 || s[0] == '#' || s[0] == ';')
		return 0;
	if (n > RG_LINE_MAX)
		return -EINVAL;
	memcpy(line, s, n);
	line[n] = '\0';
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)line[i];
		if ((b < 0x20 && b != '\t' && b != '\r') || b == 0x7f)
			return -EINVAL; /* NUL and other control bytes */
	}
	line[strcspn(line, "#;")] = '\0';
	if (line[0] == ' ' || line[0] == '\t' || line[0] == '\r')
		return line[strspn(line, " \t\r")] == '\0' ? 0 : -EINVAL; /* glibc: column 0 */
	for (t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (ntok == NS_ARRAY_SIZE(tok))
			return -EINVAL;
		tok[ntok++] = t;
	}
	if (ntok == 0)
		return 0;
	if (strcmp(tok[0], "nameserver") == 0) {
		struct nsc_addr a;
		if (ntok < 2 || c->n_servers == RG_SERVERS_MAX || parse_server(tok[1], &a) < 0)
			return -EINVAL;
		c->servers[c->n_servers++] = a;
		return 0;
	}
	if (strcmp(tok[0], "domain") == 0) {
		if (ntok < 2 || !domain_ok(tok[1]))
			return -EINVAL;
		snprintf(c->search, sizeof(c->search), "domain %s", tok[1]);
		return 0;
	}
	if (strcmp(tok[0], "search") == 0) {
		char s2[RG_SEARCH_MAX] = "search";
		size_t kept = 0;
		for (size_t i = 1; i < ntok; i++) {
			if (domain_ok(tok[i]) && append_token(s2, sizeof(s2), tok[i]))
				kept++;
			else
				ok = false;
		}
		if (kept == 0)
			return -EINVAL;
		memcpy(c->search, s2, sizeof(s2));
		return ok ? 0 : -EINVAL;
	}
	if (strcmp(tok[0], "options") == 0) {
		for (size_t i = 1; i < ntok; i++)
			if (!option_ok(tok[i]) || !append_token(c->options, sizeof(c->options), tok[i]))
				ok = false;
		return ok && ntok > 1 ? 0 : -EINVAL;
	}
	/* Known to glibc, not carried over (sortlist names the host's networks). */
	if (strcmp(tok[0], "sortlist") == 0)
		return 0;
	return -EINVAL;
}

unsigned rg_parse(const char *buf, size_t len, struct rg_conf *out)
{
	unsigned ignored = 0;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	while (buf && pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		if (parse_line(line, n, out) < 0)
			ignored++;
	}
	return ignored;
}

bool rg_addr_is_local(const struct nsc_addr *a)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (a->family == AF_INET)
		return a->a[0] == 127 || memcmp(a->a, zero, 4) == 0;
	if (memcmp(a->a, zero, 15) == 0 && (a->a[15] == 0 || a->a[15] == 1))
		return true; /* :: and ::1 */
	if (memcmp(a->a, mapped, 12) == 0)
		return a->a[12] == 127 || memcmp(a->a + 12, zero, 4) == 0;
	return false;
}

/* ---- output --------------------------------------------------------- */

struct outbuf {
	char *p;
	size_t cap, len;
	bool full;
};

static void out_raw(struct outbuf *o, const char *s, size_t n)
{
	if (o->full || o->len + n >= o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void out_fmt(struct outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_fmt(struct outbuf *o, const char *fmt, ...)
{
	char line[RG_LINE_MAX + 64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		o->full = true;
	else
		out_raw(o, line, (size_t)n);
}

static int out_end(struct outbuf *o)
{
	return o->full ? -ENOSPC : (int)o->len;
}

static const char *addr_text(const struct nsc_addr *a, char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(a->family == AF_INET ? AF_INET : AF_INET6, a->a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

static bool addr_valid(const struct nsc_addr *a)
{
	return a && (a->family == AF_INET || a->family == AF_INET6);
}

/* A server of the host's that the session can use (resolvgen.h, auto). */
static bool usable(const struct nsc_addr *a, bool have6)
{
	if (rg_addr_is_local(a))
		return false;
	if (a->family == AF_INET6 && (!have6 || (a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80)))
		return false;
	return true;
}

static bool has_local(const struct rg_conf *c)
{
	for (unsigned i = 0; i < c->n_servers; i++)
		if (rg_addr_is_local(&c->servers[i]))
			return true;
	return false;
}

static unsigned pick_usable(const struct rg_conf *c, bool have6, struct nsc_addr out[NSC_DNS_MAX])
{
	unsigned n = 0;

	for (unsigned i = 0; c && i < c->n_servers && n < NSC_DNS_MAX; i++)
		if (usable(&c->servers[i], have6))
			out[n++] = c->servers[i];
	return n;
}

/* auto: the servers, the file they came from (its search/options), and
 * for none a reason. */
static unsigned decide_auto(const struct rg_input *in, struct nsc_addr sv[NSC_DNS_MAX],
			    const struct rg_conf **from, const char **comment, const char **why)
{
	bool have6 = in->host_end6 != NULL;
	unsigned n;

	*from = in->etc;
	*why = NULL;
	if (!in->etc) {
		*why = "the host's /etc/resolv.conf is missing or unreadable";
		return 0;
	}
	n = pick_usable(in->etc, have6, sv);
	if (n > 0) {
		*comment = "the host's /etc/resolv.conf";
		return n;
	}
	if (!has_local(in->etc)) {
		*why = in->etc->n_servers == 0
			       ? "the host's /etc/resolv.conf names no name server"
			       : "no name server of the host's /etc/resolv.conf is reachable from the "
				 "session (IPv6 without an IPv6 pool, or link-local)";
		return 0;
	}
	if (!in->resolved) {
		*why = "the host's /etc/resolv.conf names a local stub and "
		       "/run/systemd/resolve/resolv.conf is missing or unreadable";
		return 0;
	}
	n = pick_usable(in->resolved, have6, sv);
	if (n == 0) {
		*why = "the host's /etc/resolv.conf names a local stub and "
		       "/run/systemd/resolve/resolv.conf no name server usable in the session";
		return 0;
	}
	*from = in->resolved;
	*comment = "systemd-resolved's upstream servers (/run/systemd/resolve/resolv.conf): "
		   "the host's /etc/resolv.conf names a local stub";
	return n;
}

int rg_resolv_text(const struct rg_input *in, char *out, size_t outlen, char *warn, size_t warnlen)
{
	struct outbuf o = { out, outlen, 0, false };
	struct nsc_addr sv[NSC_DNS_MAX];
	const struct rg_conf *from = NULL;
	const char *comment = NULL, *why = NULL;
	char a[INET6_ADDRSTRLEN];
	unsigned n = 0;

	if (warn && warnlen)
		warn[0] = '\0';
	if (!in || !out || outlen == 0)
		return -EINVAL;
	out[0] = '\0';
	switch (in->mode) {
	case NSC_DNS_AUTO:
		n = decide_auto(in, sv, &from, &comment, &why);
		out_fmt(&o, "# generated by nsession for this session (dns = auto)\n");
		break;
	case NSC_DNS_HOST:
		if (addr_valid(in->host_end4))
			sv[n++] = *in->host_end4;
		if (addr_valid(in->host_end6))
			sv[n++] = *in->host_end6;
		if (n == 0)
			return -EINVAL;
		from = in->etc;
		comment = "this session's host end (a resolver the administrator runs there)";
		out_fmt(&o, "# generated by nsession for this session (dns = host)\n");
		break;
	case NSC_DNS_LIST:
		if (!in->list || in->n_list == 0 || in->n_list > NSC_DNS_MAX)
			return -EINVAL;
		out_fmt(&o, "# generated by nsession for this session (dns = ");
		for (unsigned i = 0; i < in->n_list; i++) {
			if (!addr_valid(&in->list[i]))
				return -EINVAL;
			sv[n++] = in->list[i];
			out_fmt(&o, "%s%s", i ? ", " : "", addr_text(&in->list[i], a));
		}
		out_fmt(&o, ")\n");
		from = in->etc;
		comment = "as the policy lists them";
		break;
	default:
		return -EINVAL;
	}
	if (n == 0) {
		out_fmt(&o, "# no name server: %s\n", why);
		if (warn && warnlen)
			snprintf(warn, warnlen, "dns = auto: no name server for the session: %s", why);
	} else {
		out_fmt(&o, "# name server%s: %s\n", n > 1 ? "s" : "", comment);
	}
	for (unsigned i = 0; i < n; i++)
		out_fmt(&o, "nameserver %s\n", addr_text(&sv[i], a));
	if (from && from->search[0])
		out_fmt(&o, "%s\n", from->search);
	if (in->mode == NSC_DNS_AUTO && from && from->options[0])
		out_fmt(&o, "options %s\n", from->options);
	return out_end(&o);
}

/* ---- hosts ---------------------------------------------------------- */

/* "127.0.1.1" as the first field of a hosts line. */
static bool names_127011(const char *s, size_t n)
{
	static const char a[] = "127.0.1.1";
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i < sizeof(a) - 1 || memcmp(s + i, a, sizeof(a) - 1) != 0)
		return false;
	i += sizeof(a) - 1;
	return i == n || s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '#';
}

int rg_hosts_text(const char *hosts, size_t len, const char *hostname, char *out, size_t outlen)
{
	struct outbuf o = { out, outlen, 0, false };
	bool noted = false;
	size_t pos = 0;

	if (!out || outlen == 0 || !valid_hostname(hostname))
		return -EINVAL;
	out[0] = '\0';
	if (hosts && (len > RG_FILE_MAX || memchr(hosts, '\0', len)))
		hosts = NULL;
	out_fmt(&o, "# generated by nsession for this session: the host's /etc/hosts, "
		    "and this session's host name at the end\n");
	if (!hosts)
		out_fmt(&o, "# (the host's /etc/hosts is missing, unreadable, binary or larger than "
			    "%u KiB: its localhost lines only)\n"
			    "127.0.0.1\tlocalhost\n"
			    "::1\tlocalhost ip6-localhost ip6-loopback\n",
			(unsigned)(RG_FILE_MAX / 1024));
	while (hosts && pos < len) {
		const char *line = hosts + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		if (names_127011(line, n)) {
			if (!noted)
				out_fmt(&o, "# nsession: left out, 127.0.1.1 is this session's host name:\n");
			noted = true;
			out_raw(&o, "#", 1);
		}
		out_raw(&o, line, n);
		out_raw(&o, "\n", 1);
	}
	out_fmt(&o, "# nsession: this session's host name\n127.0.1.1\t%s\n", hostname);
	return out_end(&o);
}
