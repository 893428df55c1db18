/* conntrack.c — forget the connection tracking state of a session's
 * address (issue 15), at creation and at teardown, so that the next
 * session that takes the same address never inherits an entry of the last
 * one's (an established NAT mapping, a half-open flow the nat table's
 * "ct state established,related" would let back in).
 *
 * Through libnetfilter_conntrack, in the caller's network namespace (the
 * monitor's: the host's; a session's own table goes with its netns): one
 * dump of every family for all the session's addresses at once (the
 * kernel walks its whole hash table for a dump: 10-12 ms here with the
 * default 262144 buckets, whatever the number of entries), the entries
 * whose original-direction source or destination is one of them are
 * copied (at most CT_BATCH a round), then deleted one by one; again while
 * a round was full. Needs CAP_NET_ADMIN. */
#include "helper.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "cleanup.h"

#define CT_BATCH 1024   /* entries copied per dump */

struct ct_round {
	const struct nsc_addr *const *a;
	size_t na;
	struct nf_conntrack *hit[CT_BATCH];
	size_t n;
	bool full;
	bool nomem;
};

static bool ct_names(const struct nf_conntrack *ct, const struct nsc_addr *a)
{
	const bool v4 = a->family == AF_INET;
	const enum nf_conntrack_attr attrs[2] = {
		v4 ? ATTR_ORIG_IPV4_SRC : ATTR_ORIG_IPV6_SRC,
		v4 ? ATTR_ORIG_IPV4_DST : ATTR_ORIG_IPV6_DST,
	};

	if (nfct_attr_is_set(ct, ATTR_ORIG_L3PROTO) <= 0 ||
	    nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) != a->family)
		return false;
	for (int i = 0; i < 2; i++) {
		const void *v = nfct_attr_is_set(ct, attrs[i]) > 0 ? nfct_get_attr(ct, attrs[i]) : NULL;
		if (v && memcmp(v, a->a, v4 ? 4 : 16) == 0)
			return true;
	}
	return false;
}

static int ct_collect(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct ct_round *r = data;

	(void)type;
	bool hit = false;

	for (size_t i = 0; i < r->na && !hit; i++)
		hit = ct_names(ct, r->a[i]);
	if (!hit)
		return NFCT_CB_CONTINUE;
	if (r->n == CT_BATCH) {
		r->full = true; /* read the dump to its end all the same */
		return NFCT_CB_CONTINUE;
	}
	r->hit[r->n] = nfct_clone(ct);
	if (r->hit[r->n])
		r->n++;
	else
		r->nomem = true;
	return NFCT_CB_CONTINUE;
}

/* No conntrack in this kernel or namespace (module absent): nothing to
 * forget. */
static bool ct_absent(int e)
{
	return e == ENOENT || e == EPROTONOSUPPORT || e == EOPNOTSUPP;
}

int ct_flush_addrs(const struct nsc_addr *const *a, size_t n)
{
	struct nfct_handle *h;
	cleanup_free struct ct_round *r = NULL;
	uint32_t family = AF_UNSPEC; /* every family in one dump */
	long deleted = 0;
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		if (!a[i] || (a[i]->family != AF_INET && a[i]->family != AF_INET6))
			return -EINVAL;
	if (n == 0)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->a = a;
	r->na = n;
	h = nfct_open(CONNTRACK, 0);
	if (!h)
		return ct_absent(errno) ? 0 : -errno;
	nfct_callback_register(h, NFCT_T_ALL, ct_collect, r);
	/* Until a dump finds no more than one batch: a session may hold any
	 * number of entries (nf_conntrack_max), and none may be left for the
	 * next session on its addresses. Each full round deletes CT_BATCH
	 * entries or ends with an error, so this ends. */
	for (;;) {
		r->n = 0;
		r->full = r->nomem = false;
		/* EINVAL for a dump: the kernel has no ctnetlink (nfnetlink
		 * answers so for a subsystem it cannot load). What was
		 * copied before an error is deleted all the same. */
		if (nfct_query(h, NFCT_Q_DUMP, &family) < 0)
			ret = ct_absent(errno) || errno == EINVAL ? 0 : -errno;
		for (size_t i = 0; i < r->n; i++) {
			/* ENOENT: it timed out or was deleted since the dump. */
			if (nfct_query(h, NFCT_Q_DESTROY, r->hit[i]) == 0)
				deleted++;
			else if (errno != ENOENT && ret == 0)
				ret = -errno;
			nfct_destroy(r->hit[i]);
		}
		if (r->nomem && ret == 0)
			ret = -ENOMEM;
		if (ret < 0 || !r->full || r->n == 0)
			break;
	}
	nfct_close(h);
	if (ret < 0)
		return ret;
	return deleted > INT_MAX ? INT_MAX : (int)deleted;
}
