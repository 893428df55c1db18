/* addrpool.h — IPv4 addresses for veth sessions.
 * A pool NET/PREFIX is cut into /30 blocks; block i is NET + 4*i with the
 * host end at +1 and the session end at +2. Leases are the block indices
 * recorded in the live session records; the lowest free index is taken. */
#ifndef NS_ADDRPOOL_H
#define NS_ADDRPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nsconf.h"

#define ADDRPOOL_BLOCK_PREFIX 30

/* Number of /30 blocks in the pool. -EINVAL for a prefix outside 8..30 or
 * host bits set in `net`. */
int addrpool_size(uint32_t net, unsigned prefix, uint32_t *nblocks);

/* Lowest index not in `used` (any order, duplicates and out-of-range
 * entries ignored). -ENOSPC when every block is taken. */
int addrpool_pick(uint32_t net, unsigned prefix, const uint32_t *used,
		  size_t nused, uint32_t *index);

/* Addresses of block `index` (host byte order). -ERANGE if out of pool. */
int addrpool_addrs(uint32_t net, unsigned prefix, uint32_t index,
		   uint32_t *host, uint32_t *peer);

/* IPv6: the same blocks in an IPv6 pool (nsc_addr, prefix 64..124): block
 * `index` is pool + 4*index, host end +1, session +2, prefix
 * ADDRPOOL6_BLOCK_PREFIX. With `bridge`, the host address is the gateway
 * pool + 1 instead. -ERANGE when the block is outside the pool, -EINVAL
 * for a bad pool. */
#define ADDRPOOL6_BLOCK_PREFIX 126
int addrpool6_addrs(const struct nsc_addr *pool, uint32_t index, bool bridge,
		    struct nsc_addr *host, struct nsc_addr *peer);

#endif
