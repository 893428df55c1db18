/* addrpool.c — /30 blocks of an IPv4 pool. See addrpool.h. */
#include "addrpool.h"

#include <errno.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

int addrpool_size(uint32_t net, unsigned prefix, uint32_t *nblocks)
{
	uint32_t mask;

	if (prefix < 8 || prefix > ADDRPOOL_BLOCK_PREFIX)
		return -EINVAL;
	mask = UINT32_MAX << (32 - prefix);
	if (net & ~mask)
		return -EINVAL;
	*nblocks = UINT32_C(1) << (ADDRPOOL_BLOCK_PREFIX - prefix);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int addrpool_pick(uint32_t net, unsigned prefix, const uint32_t *used,
		  size_t nused, uint32_t *index)
{
	uint32_t nblocks, cand = 0;
	uint32_t *sorted = NULL;
	int rc;

	rc = addrpool_size(net, prefix, &nblocks);
	if (rc < 0)
		return rc;
	if (nused > 0) {
		if (nused > SIZE_MAX / sizeof(*sorted))
			return -ENOMEM;
		sorted = malloc(nused * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		memcpy(sorted, used, nused * sizeof(*sorted));
		qsort(sorted, nused, sizeof(*sorted), cmp_u32);
	}
	/* Walk the sorted leases: the first gap is the lowest free index.
	 * Duplicates fall below `cand`; out-of-range ones sort to the end. */
	for (size_t i = 0; i < nused && cand < nblocks; i++) {
		if (sorted[i] < cand)
			continue;
		if (sorted[i] > cand)
			break;
		cand++;
	}
	free(sorted);
	if (cand >= nblocks)
		return -ENOSPC;
	*index = cand;
	return 0;
}

int addrpool_addrs(uint32_t net, unsigned prefix, uint32_t index,
		   uint32_t *host, uint32_t *peer)
{
	uint32_t nblocks;
	int rc;

	rc = addrpool_size(net, prefix, &nblocks);
	if (rc < 0)
		return rc;
	if (index >= nblocks)
		return -ERANGE;
	*host = net + 4 * index + 1;
	*peer = net + 4 * index + 2;
	return 0;
}

/* a + n, 128-bit big-endian; false on overflow out of the address space. */
static bool add128(uint8_t a[16], uint64_t n)
{
	for (int i = 15; i >= 0 && n; i--) {
		uint64_t sum = a[i] + (n & 0xff);
		a[i] = (uint8_t)sum;
		n = (n >> 8) + (sum >> 8);
	}
	return n == 0;
}

int addrpool6_addrs(const struct nsc_addr *pool, uint32_t index, bool bridge,
		    struct nsc_addr *host, struct nsc_addr *peer)
{
	unsigned bits;

	if (pool->family != AF_INET6 || pool->prefix < 64 || pool->prefix > ADDRPOOL6_BLOCK_PREFIX - 2)
		return -EINVAL;
	bits = ADDRPOOL6_BLOCK_PREFIX - pool->prefix; /* log2 of the number of blocks */
	if (bits < 32 && index >= (UINT32_C(1) << bits))
		return -ERANGE;
	*host = *pool;
	*peer = *pool;
	host->prefix = peer->prefix = 128;
	if (!add128(peer->a, 4 * (uint64_t)index + 2) ||
	    !add128(host->a, bridge ? 1 : 4 * (uint64_t)index + 1))
		return -ERANGE;
	return 0;
}
