/* idmap.h — building and writing uid_map / gid_map.
 *
 * Layout (self): inside ids count up from 1, filled from the user's subid
 * ranges in file order, skipping `own`; `own` maps to itself; inside id 0
 * is never mapped (nobody can be root in the session's user namespace,
 * even through a setuid file owned by a subuid). Example: own 1000, range
 * 100000:65536 gives
 *     1 100000 999 / 1000 1000 1 / 1001 100999 64537
 * Layout (root inside): 0 -> own, then 1.. filled from the ranges.
 * No ranges: just the one line for own. Never maps an id not in `own` or the
 * ranges. At most IDMAP_MAX extents (the kernel's limit). */
#ifndef NS_IDMAP_H
#define NS_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "subid.h"

#define IDMAP_MAX 340

struct idmap_extent {
	uint32_t inside, outside, count;
};

struct idmap {
	struct idmap_extent ext[IDMAP_MAX];
	size_t n;
};

/* -EINVAL: a range contains `own` or overlaps another; -E2BIG: too many
 * extents; -ERANGE: inside ids would pass 2^32-2. */
int idmap_build(uint32_t own, bool root_inside,
		const struct subid_range *r, size_t nr, struct idmap *out);

/* The id `own` has inside the map (own, or 0 for root inside). */
uint32_t idmap_inside_id(uint32_t own, bool root_inside);

/* "inside outside count\n" per extent. Returns the length, or -ENOSPC. */
int idmap_format(const struct idmap *m, char *buf, size_t len);

/* Privileged: write /proc/PID/{uid_map,gid_map} ("uid_map" or "gid_map" as
 * `which`) in one write(2), as the kernel requires. */
int idmap_write(pid_t pid, const char *which, const struct idmap *m);

#endif
