/* spec.c — a session's spec as both the caller and the monitor see it: its
 * build id (what a join compares with the record) and the check of the
 * request the monitor is started with (monwire.h). */
#include "helper.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "monwire.h"
#include "template.h"
#include "util.h"

/* The network keys of issue 15 as text: the IPv6 pool, nat66, egress, dns. */
static void net_policy_text(const struct nsc_policy *p, char *buf, size_t len)
{
	char a[48];
	size_t pos;

	a[0] = '\0';
	if (p->pool6.family)
		nsc_format_addr(&p->pool6, a);
	pos = (size_t)snprintf(buf, len, "pool6=%s\nnat6=%d\negress=%d:", a,
			       (int)p->nat6, (int)p->egress_any);
	for (unsigned i = 0; i < p->n_egress && i < NSC_EGRESS_MAX && pos < len; i++) {
		nsc_format_addr(&p->egress[i].dst, a);
		pos += (size_t)snprintf(buf + pos, len - pos, "%s,%u,%u;", a,
					(unsigned)p->egress[i].proto, (unsigned)p->egress[i].port);
	}
	if (pos < len)
		pos += (size_t)snprintf(buf + pos, len - pos, "\ndns=%d:", (int)p->dns);
	for (unsigned i = 0; i < p->n_dns && i < NSC_DNS_MAX && pos < len; i++) {
		nsc_format_addr(&p->dns_servers[i], a);
		pos += (size_t)snprintf(buf + pos, len - pos, "%s;", a);
	}
}

/* How a session for `s` is built, as one canonical text, hashed into the
 * record's build= (identity and no_new_privs are recorded as they are,
 * for the message). A join whose freshly resolved policy would build the
 * session differently is refused: the session stays as it was built. */
void spec_build(const struct session_spec *s, char out[STATE_ID_LEN + 1])
{
	const struct nsc_policy *p = &s->pol;
	static char text[2 * IDMAP_MAX * 34 + 8192];
	size_t pos;

	pos = (size_t)snprintf(text, sizeof(text),
			       "config=%s\nidentity=%d\nnnp=%d\nns=%#x\ninside=%u:%u\n"
			       "net=%d\nbridge=%s\npool=%#x/%u\nveth=%s\nhost=%s\n"
			       "tmp=%d:%s:%u\nsubids=%d\nuidmap=\n",
			       s->config, (int)p->identity, (int)p->no_new_privs, p->namespaces,
			       s->inside_uid, s->inside_gid, (int)p->network, p->bridge, p->pool_net,
			       p->pool_prefix, p->veth_host, p->host_name, (int)p->private_tmp,
			       p->tmp_size, (unsigned)p->tmp_inodes, (int)p->subids);
	if (pos < sizeof(text)) {
		int n = idmap_format(&s->uidmap, text + pos, sizeof(text) - pos);
		pos += n > 0 ? (size_t)n : 0;
	}
	if (pos < sizeof(text))
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "gidmap=\n");
	if (pos < sizeof(text)) {
		int n = idmap_format(&s->gidmap, text + pos, sizeof(text) - pos);
		pos += n > 0 ? (size_t)n : 0;
	}
	if (pos < sizeof(text))
		net_policy_text(p, text + pos, sizeof(text) - pos);
	state_build_hash(text, out);
}


/* NUL within the array (a C string that fits). */
#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

static const char *policy_problem(const struct nsc_policy *p)
{
	if (!TERMINATED(p->hostname) || !TERMINATED(p->bridge) || !TERMINATED(p->veth_name) ||
	    !TERMINATED(p->tmp_size) || !TERMINATED(p->host_name) || !TERMINATED(p->veth_host))
		return "an unterminated name";
	if (p->exempt)
		return "an exempt policy";
	if (p->namespaces == 0 || (p->namespaces & ~NSK_ALL))
		return "namespaces";
	if (p->identity != NSC_ID_SELF && p->identity != NSC_ID_ROOT)
		return "identity";
	if ((unsigned)p->network >= NSC_NET_MODES || (unsigned)p->dns > NSC_DNS_LIST)
		return "network or dns";
	if (p->n_egress > NSC_EGRESS_MAX || p->n_dns > NSC_DNS_MAX)
		return "a count";
	if (p->host_name[0] && !valid_hostname(p->host_name))
		return "host name";
	if (nsc_net_has_veth(p->network) && !valid_ifname(p->veth_host))
		return "veth name";
	if (p->network == NSC_NET_BRIDGE && !valid_ifname(p->bridge))
		return "bridge";
	return NULL;
}

static const char *spec_problem(const struct session_spec *s)
{
	if (!TERMINATED(s->user) || !TERMINATED(s->home) || !TERMINATED(s->shell) ||
	    !TERMINATED(s->config))
		return "an unterminated string";
	if (!ns_valid_username(s->user))
		return "user name";
	if (s->uid == (uid_t)-1 || s->gid == (gid_t)-1)
		return "ids";
	if (s->uidmap.n > IDMAP_MAX || s->gidmap.n > IDMAP_MAX)
		return "id maps";
	if (s->ngroups < 0 || s->ngroups > USER_GROUPS_MAX)
		return "groups";
	if (s->dns_resolv || s->dns_hosts)
		return "dns files";
	return policy_problem(&s->pol);
}

/* MW_OP_CALL: a verb call.c serves, for a real uid, with --user and
 * --config only as args.c lets root give them (the names themselves are
 * looked up and checked where they are used, as before). */
static const char *call_problem(const struct mw_request *req)
{
	if (req->verb != VERB_RUN && req->verb != VERB_TERMINATE && req->verb != VERB_STATUS &&
	    req->verb != VERB_CHECK_CONFIG && req->verb != VERB_PAM_OPEN &&
	    req->verb != VERB_PAM_MANAGER)
		return "verb";
	if (!TERMINATED(req->user) || !TERMINATED(req->config))
		return "an unterminated string";
	if (req->ruid != 0 && (req->user[0] || req->config[0]))
		return "--user or --config for a caller that is not root";
	return NULL;
}

int mw_request_check(const struct mw_request *req, size_t n, char *why, size_t whylen)
{
	const char *bad = NULL;

	if (n != sizeof(*req))
		bad = "size";
	else if (req->magic != MW_MAGIC || req->spec_size != sizeof(req->spec))
		bad = "magic or layout (another version's helper?)";
	else if (req->op == MW_OP_CALL)
		bad = call_problem(req);
	else if (req->op != MW_OP_CREATE && req->op != MW_OP_CLEAN)
		bad = "op";
	else if (req->op == MW_OP_CREATE && (req->first_parent <= 1 || req->uid != req->spec.uid))
		bad = "parent or uid";
	else if (req->op == MW_OP_CLEAN && req->has_spec > 1)
		bad = "has_spec";
	else if ((req->op == MW_OP_CREATE || req->has_spec) && req->spec.uid != req->uid)
		bad = "uid";
	else if (req->op == MW_OP_CREATE || req->has_spec)
		bad = spec_problem(&req->spec);
	if (!bad)
		return 0;
	snprintf(why, whylen, "bad request: %s", bad);
	return -EINVAL;
}
