/* fuzz_config.c — libFuzzer target: the /etc/nsession.conf parser
 * (conf/nsconf.c) and, for every input that parses, the policy resolver and
 * the name templates (conf/template.c) for a few fixed users.
 *
 * The input is the file's bytes, NOT NUL-terminated: it is copied into a
 * malloc'd buffer of exactly `size` bytes, so ASan reports any read past it.
 * Besides memory errors and undefined behaviour, abort() marks a broken
 * contract (see check_err, check_policy, check_net6: every address,
 * egress rule and name server the parser gives is well-formed, formats and
 * parses back to itself; unused array slots are zero; check_words: the
 * first line as a network mode, IPv4 address or prefix). Build and run:
 * `make fuzz`. */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nsconf.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fixed users, chosen to reach the corners of resolution and expansion:
 * group sections that match or not, the longest user name (32), the
 * largest uid (10 digits for %U), a name that is no host name, and root. */
struct who {
	const char *user;
	uid_t uid;
	const char *groups[4];
	size_t ngroups;
};

static const struct who users[] = {
	{ "alice", 1001, { "alice", "sudo", "staff" }, 3 },
	{ "bob", 1002, { "bob", "students", "lab", "staff" }, 4 },
	{ "john_doe", 4294967294u, { "john_doe" }, 1 },
	{ "abcdefghijklmnopqrstuvwxyz012345", 70000, { "g", "lab" }, 2 },
	{ "host$", 1003, { "students" }, 1 },
	{ "root", 0, { "root" }, 1 },
};

/* Host names for %h: ordinary, the longest label (63), and none at all
 * (gethostname failed: a template using %h must then be refused). */
static const char *const hosts[] = {
	"box.example.org",
	"h23456789012345678901234567890123456789012345678901234567890123.lan",
	NULL,
};

/* Every message is one non-empty line of printable ASCII: the parser
 * echoes text from the file and errf() must have cleaned it. */
static void check_err(const char *err, size_t errlen)
{
	size_t n = strnlen(err, errlen);

	if (n == 0 || n == errlen)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)err[i] < 0x20 || (unsigned char)err[i] > 0x7e)
			abort();
}

/* An address the parser gave: a family, a prefix within it, no host bits,
 * and its text parses back to the same. */
static void check_addr(const struct nsc_addr *a)
{
	struct nsc_addr back;
	char text[48];

	if (a->family != AF_INET && a->family != AF_INET6)
		abort();
	if (a->prefix > (a->family == AF_INET6 ? 128 : 32))
		abort();
	if (a->family == AF_INET)
		for (int i = 4; i < 16; i++)
			if (a->a[i])
				abort();
	nsc_format_addr(a, text);
	if (!memchr(text, '\0', sizeof(text)) || nsc_parse_addr(text, &back) != 0 ||
	    memcmp(&back, a, sizeof(back)) != 0)
		abort();
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

/* address_pool6, egress, dns (issue 15). */
static void check_net6(const struct nsc_policy *p)
{
	if (p->pool6.family != 0) {
		check_addr(&p->pool6);
		if (p->pool6.family != AF_INET6 || p->pool6.prefix < 64 || p->pool6.prefix > 124)
			abort();
	} else if (!all_zero(&p->pool6, sizeof(p->pool6))) {
		abort();
	}
	if (p->n_egress > NSC_EGRESS_MAX || (p->egress_any && p->n_egress != 0))
		abort();
	if (!all_zero(&p->egress[p->n_egress],
		      (NSC_EGRESS_MAX - p->n_egress) * sizeof(p->egress[0])))
		abort(); /* unused slots */
	for (unsigned i = 0; i < p->n_egress; i++) {
		const struct nsc_egress *e = &p->egress[i];

		check_addr(&e->dst);
		if (e->proto != 0 && e->proto != IPPROTO_TCP && e->proto != IPPROTO_UDP &&
		    e->proto != IPPROTO_ICMP)
			abort();
		if (e->port != 0 && e->proto != IPPROTO_TCP && e->proto != IPPROTO_UDP)
			abort();
	}
	if ((unsigned)p->dns > NSC_DNS_LIST ||
	    (p->dns == NSC_DNS_LIST) != (p->n_dns >= 1 && p->n_dns <= NSC_DNS_MAX) ||
	    (p->dns != NSC_DNS_LIST && p->n_dns != 0))
		abort();
	if (!all_zero(&p->dns_servers[p->n_dns],
		      (NSC_DNS_MAX - p->n_dns) * sizeof(p->dns_servers[0])))
		abort(); /* unused slots */
	for (unsigned i = 0; i < p->n_dns; i++) {
		const struct nsc_addr *a = &p->dns_servers[i];

		check_addr(a);
		if (a->prefix != (a->family == AF_INET6 ? 128 : 32) || all_zero(a->a, sizeof(a->a)))
			abort();
		for (unsigned j = 0; j < i; j++)
			if (memcmp(&p->dns_servers[j], a, sizeof(*a)) == 0)
				abort();
	}
}

/* What nsc_resolve promises about a policy it returned 0 for. */
static void check_policy(const struct nsc_policy *p, uid_t uid)
{
	unsigned ns = p->namespaces;

	if (uid == 0 && !p->exempt)
		abort();
	if (p->exempt)
		return;
	if (ns == 0 || (ns & ~NSC_NS_ALL))
		abort();
	if (p->identity == NSC_ID_ROOT && !(ns & NSC_NS_USER))
		abort();
	if (p->private_tmp && !(ns & NSC_NS_MNT))
		abort();
	if ((ns & NSC_NS_PID) && !(ns & NSC_NS_MNT))
		abort();
	if ((ns & NSC_NS_UTS) && !valid_hostname(p->host_name))
		abort();
	if (p->network == NSC_NET_VETH &&
	    (!(ns & NSC_NS_NET) || !valid_ifname(p->veth_host)))
		abort();
	if (p->pool_prefix < 8 || p->pool_prefix > 30 ||
	    (p->pool_net & (UINT32_MAX >> p->pool_prefix)))
		abort();
	if (p->linger > 86400)
		abort();
	check_net6(p);
	if (!memchr(p->hostname, '\0', sizeof(p->hostname)) ||
	    !memchr(p->veth_name, '\0', sizeof(p->veth_name)) ||
	    template_check(p->hostname) < 0 || template_check(p->veth_name) < 0)
		abort();
}

static void resolve_all(const struct nsc_config *cfg)
{
	char err[NSC_ERR_MAX];
	struct nsc_policy p;

	for (size_t u = 0; u < sizeof(users) / sizeof(users[0]); u++) {
		const struct who *w = &users[u];

		for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
			err[0] = '\0';
			if (nsc_resolve_host(cfg, w->user, w->uid, w->groups, w->ngroups,
					     hosts[h], &p, err, sizeof(err)) == 0)
				check_policy(&p, w->uid);
			else
				check_err(err, sizeof(err));
		}
	}
	/* Once with this machine's real host name, as the helper does. */
	err[0] = '\0';
	if (nsc_resolve(cfg, users[0].user, users[0].uid, users[0].groups,
			users[0].ngroups, &p, err, sizeof(err)) == 0)
		check_policy(&p, users[0].uid);
	else
		check_err(err, sizeof(err));
}

/* The input's first line as a word the other parsers of nsconf.h take
 * (nsessionctl and the helper use them on their own): a network mode, an
 * IPv4 address or prefix. What parses formats back to itself. */
static void check_words(const uint8_t *data, size_t size)
{
	char word[64], text[16];
	enum nsc_netmode mode;
	uint32_t a, net;
	unsigned prefix;
	size_t n = 0;

	while (n < size && n < sizeof(word) - 1 && data[n] != '\n' && data[n] != '\0')
		n++;
	memcpy(word, data, n);
	word[n] = '\0';
	if (nsc_netmode_parse(word, &mode) == 0 &&
	    ((unsigned)mode >= NSC_NET_MODES || strcmp(nsc_netmode_names[mode], word) != 0))
		abort();
	if (nsc_parse_ipv4(word, &a) == 0) {
		nsc_format_ipv4(a, text);
		if (nsc_parse_ipv4(text, &net) != 0 || net != a)
			abort();
	}
	if (nsc_parse_cidr(word, &net, &prefix) == 0 &&
	    (prefix > 32 || (prefix < 32 && (net & (0xffffffffu >> prefix)))))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsc_config *cfg = (struct nsc_config *)&cfg; /* must be reset */
	char err[NSC_ERR_MAX];
	char *buf = malloc(size ? size : 1);
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	err[0] = '\0';
	r = nsc_parse_buffer(buf, size, "fuzz.conf", &cfg, err, sizeof(err));
	if (r == 0) {
		if (!cfg)
			abort();
		(void)nsc_has_group_sections(cfg);
		resolve_all(cfg);
		nsc_free(cfg);
	} else {
		if (cfg || (r != -EINVAL && r != -EFBIG && r != -ENOMEM))
			abort();
		check_err(err, sizeof(err));
		/* The same failure into a tiny buffer of exactly 8 bytes:
		 * the message is cut, never written past the end. */
		char *small = malloc(8);
		if (small) {
			if (nsc_parse_buffer(buf, size, "fuzz.conf", &cfg, small, 8) != r ||
			    cfg || strnlen(small, 8) != 7)
				abort();
			free(small);
		}
	}
	check_words(data, size);
	free(buf);
	return 0;
}
