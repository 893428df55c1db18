/* monwire.h — the messages between the helper's caller, the monitor and
 * the keeper (pamwire.h is the module's side). All of them travel on
 * SOCK_SEQPACKET sockets that only these processes hold, one message each.
 *
 * caller -> monitor (nsession-monitor's fd 3, the first and only message):
 *     struct mw_request. The monitor is exec'd by the setuid caller with
 *     all ids 0; it believes nothing of the request until mw_request_check
 *     (spec.c) passed: magic, op, sizes, every string terminated, every
 *     enum and count in range, names of the shapes the helper makes.
 * monitor -> caller (same socket, once): one letter and a message:
 *     MW_READY "K"          session made and recorded
 *     MW_FAILED "E<why>"    a set-up step failed (host's or admin's making)
 *     MW_TIMEOUT "T<why>"   a lock held past its deadline by someone else
 *     MW_REFUSED "F<why>"   a context it refuses to run in
 *   For MW_OP_CLEAN only the exit status says anything (0: done).
 * keeper -> monitor (the keeper's sync socket):
 *     MW_KEEPER_USERNS "U"  its user namespace exists (or it has none)
 *     MW_KEEPER_READY "K"   nsession-keeper runs
 *     MW_FAILED "E<why>"    it failed and exits
 * monitor -> keeper:
 *     MW_MAPS "M"           the id maps are written
 * monitor -> login (each login's reference, once accepted):
 *     MW_ACK "A"            the login is counted */
#ifndef NS_MONWIRE_H
#define NS_MONWIRE_H

#include <stdint.h>

#include "helper.h"

#define MW_MAGIC 0x6e736d31u        /* "nsm1"; changes whenever the layout does */
#define MW_FD 3                     /* the request socket in the monitor */

enum mw_op {
	MW_OP_CREATE = 1,           /* build spec's session, report, run it */
	MW_OP_CLEAN = 2,            /* remove what a dead session of uid left */
};

struct mw_request {
	uint32_t magic;
	uint32_t op;                /* enum mw_op */
	uint32_t spec_size;         /* sizeof(struct session_spec) */
	int32_t first_parent;       /* CREATE: the intermediate that forked it */
	uint32_t uid;               /* CLEAN: whose; CREATE: spec.uid */
	uint32_t has_spec;          /* CLEAN: spec.pol is the policy to guess by */
	struct session_spec spec;
};

#define MW_READY 'K'
#define MW_FAILED 'E'
#define MW_TIMEOUT 'T'
#define MW_REFUSED 'F'
#define MW_KEEPER_USERNS 'U'
#define MW_KEEPER_READY 'K'
#define MW_MAPS 'M'
#define MW_ACK 'A'

/* spec.c: 0 if `req` (n bytes as received) is a request the monitor may
 * act on, else -EINVAL with what was wrong in `why`. */
int mw_request_check(const struct mw_request *req, size_t n, char *why, size_t whylen);

#endif
