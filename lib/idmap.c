/* idmap.c — build, format and write uid_map / gid_map. See idmap.h. */
#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Highest valid id: (uint32_t)-1 means "no id" to the kernel. */
#define IDMAP_ID_LAST 4294967294u

/* Longest line: three 10-digit numbers, two spaces and '\n'. */
#define IDMAP_LINE_MAX 33

static int add(struct idmap *m, uint32_t inside, uint32_t outside, uint32_t count)
{
	if (m->n >= IDMAP_MAX)
		return -E2BIG;
	m->ext[m->n].inside = inside;
	m->ext[m->n].outside = outside;
	m->ext[m->n].count = count;
	m->n++;
	return 0;
}

/* Each range: count > 0, within 1..IDMAP_ID_LAST, not containing `own`,
 * not overlapping another range. */
static int check_ranges(uint32_t own, const struct subid_range *r, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		uint64_t last = (uint64_t)r[i].start + r[i].count - 1;

		if (r[i].count == 0 || r[i].start == 0 || last > IDMAP_ID_LAST)
			return -EINVAL;
		if (r[i].start <= own && own <= last)
			return -EINVAL;
		for (size_t j = 0; j < i; j++) {
			uint64_t jlast = (uint64_t)r[j].start + r[j].count - 1;
			if (r[i].start <= jlast && r[j].start <= last)
				return -EINVAL;
		}
	}
	return 0;
}

int idmap_build(uint32_t own, bool root_inside,
		const struct subid_range *r, size_t nr, struct idmap *out)
{
	/* Next free inside id. For self, 0 is never mapped: no process can
	 * become uid 0 of the session's user namespace, whatever setuid file
	 * a subuid of the user's may own (with no_new_privs = no). (A file
	 * capability, like ping's, still grants its capability there with
	 * no_new_privs = no; that namespace owns nothing of the session's.) */
	uint64_t inside = own == 0 ? 0 : 1; /* own 0 (never a session user) */
	bool own_done = false;
	int rc;

	out->n = 0;
	if (own > IDMAP_ID_LAST)
		return -EINVAL;
	/* Every range needs at least one extent, plus one for `own`. */
	if (nr >= IDMAP_MAX)
		return -E2BIG;
	rc = check_ranges(own, r, nr);
	if (rc < 0)
		return rc;

	if (root_inside) {
		rc = add(out, 0, own, 1);
		if (rc < 0)
			return rc;
		inside = 1;
		own_done = true;
	}

	for (size_t i = 0; i < nr; i++) {
		uint32_t outside = r[i].start;
		uint32_t left = r[i].count;

		while (left > 0) {
			uint32_t chunk = left;

			if (!own_done && inside == own) {
				/* Self: `own` keeps its id; ranges go around it. */
				rc = add(out, own, own, 1);
				if (rc < 0)
					goto fail;
				own_done = true;
				inside++;
				continue;
			}
			if (!own_done && inside < own && own - inside < chunk)
				chunk = (uint32_t)(own - inside);
			if (inside + chunk - 1 > IDMAP_ID_LAST) {
				rc = -ERANGE;
				goto fail;
			}
			rc = add(out, (uint32_t)inside, outside, chunk);
			if (rc < 0)
				goto fail;
			inside += chunk;
			outside += chunk;
			left -= chunk;
		}
	}
	if (!own_done) {
		rc = add(out, own, own, 1);
		if (rc < 0)
			goto fail;
	}
	return 0;
fail:
	out->n = 0;
	return rc;
}

uint32_t idmap_inside_id(uint32_t own, bool root_inside)
{
	return root_inside ? 0 : own;
}

int idmap_format(const struct idmap *m, char *buf, size_t len)
{
	size_t pos = 0;

	if (m->n > IDMAP_MAX)
		return -EINVAL;
	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (size_t i = 0; i < m->n; i++) {
		int w = snprintf(buf + pos, len - pos, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
				 m->ext[i].inside, m->ext[i].outside, m->ext[i].count);
		if (w < 0 || (size_t)w >= len - pos) {
			buf[0] = '\0';
			return -ENOSPC;
		}
		pos += (size_t)w;
	}
	return (int)pos;
}

int idmap_write(pid_t pid, const char *which, const struct idmap *m)
{
	char text[IDMAP_MAX * IDMAP_LINE_MAX + 1];
	char path[64];
	long page = sysconf(_SC_PAGESIZE);
	ssize_t w;
	int fd, len, rc = 0;

	if (!which || (strcmp(which, "uid_map") != 0 && strcmp(which, "gid_map") != 0))
		return -EINVAL;
	if (pid <= 0 || m->n == 0)
		return -EINVAL;
	len = idmap_format(m, text, sizeof(text));
	if (len < 0)
		return len;
	/* The kernel takes the map in one write of less than a page. */
	if (page > 0 && len >= page)
		return -E2BIG;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, which);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	w = write(fd, text, (size_t)len);
	if (w < 0)
		rc = -errno;
	else if (w != len)
		rc = -EIO;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}
