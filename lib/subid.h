/* subid.h — /etc/subuid and /etc/subgid parsing (shadow's format).
 *   line := NAME_OR_ID ':' START ':' COUNT    ('#' comments, blank lines ok)
 * Ranges are collected for lines whose first field equals `user` or the
 * decimal `owner_uid`: as shadow does (lib/subordinateio.c), for both files
 * a numeric owner is a uid, never a gid, so /etc/subgid is also matched by
 * the user's uid (a user whose primary gid equals another user's uid must
 * not get that user's ranges). Malformed lines anywhere are errors ("FILE:LINE: problem"):
 * the file is the admin's and a broken one must be seen, not guessed at.
 * Rejected for the matching user: COUNT 0, START+COUNT past 2^32-1,
 * a range containing id 0 or `own` (the user's own uid or gid, which the
 * map gives the user itself), overlapping ranges, more
 * than `max` ranges. Lines longer than SUBID_LINE_MAX are errors. */
#ifndef NS_SUBID_H
#define NS_SUBID_H

#include <stddef.h>
#include <stdint.h>

#define SUBID_LINE_MAX 512
#define SUBID_RANGES_MAX 32

struct subid_range {
	uint32_t start;
	uint32_t count;
};

int subid_parse(const char *buf, size_t len, const char *fname,
		const char *user, uint32_t owner_uid, uint32_t own,
		struct subid_range *out, size_t max, size_t *n,
		char *err, size_t errlen);

#endif
