/* subid.c — strict parser for /etc/subuid and /etc/subgid. See subid.h. */
#include "subid.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* Highest id a range may reach: (uint32_t)-1 is "no id" to the kernel. */
#define SUBID_ID_LAST 4294967294u

/* Where a message points: the file, the line, and the caller's buffer. */
struct loc {
	const char *fname;
	size_t lineno;
	char *err;
	size_t errlen;
};

static int fail(const struct loc *at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(const struct loc *at, const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (at->err && at->errlen > 0)
		snprintf(at->err, at->errlen, "%s:%zu: %s", at->fname ? at->fname : "(subid)",
			 at->lineno, what);
	return -EINVAL;
}

/* Only spaces and tabs: treated like an empty line. */
static bool is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* No NUL byte anywhere; one is reported on the line it is on. */
static int check_nul(const char *buf, size_t len, struct loc *at)
{
	const char *nul = memchr(buf, '\0', len);

	if (!nul)
		return 0;
	for (const char *p = buf; p < nul; p++)
		if (*p == '\n')
			at->lineno++;
	at->lineno++;
	return fail(at, "NUL byte");
}

/* `line` (split in place) as exactly three ':'-separated fields, none
 * empty: NAME and the numbers START and COUNT. */
static int parse_fields(char *line, const char **name, uint32_t *rstart, uint32_t *rcount,
			const struct loc *at)
{
	char *s_start = strchr(line, ':');
	char *s_count = s_start ? strchr(s_start + 1, ':') : NULL;

	if (!s_start || !s_count)
		return fail(at, "expected NAME:START:COUNT");
	*s_start++ = '\0';
	*s_count++ = '\0';
	if (strchr(s_count, ':'))
		return fail(at, "too many fields (expected NAME:START:COUNT)");
	if (!*line || !*s_start || !*s_count)
		return fail(at, "empty field");
	if (ns_parse_u32(s_start, rstart) < 0)
		return fail(at, "START is not a decimal number of 32 bits");
	if (ns_parse_u32(s_count, rcount) < 0)
		return fail(at, "COUNT is not a decimal number of 32 bits");
	*name = line;
	return 0;
}

/* A range of the user's: it must be safe to map, clear of the `found`
 * ranges before it, and one more must fit in `max`. */
static int check_range(uint32_t rstart, uint32_t rcount, uint32_t own,
		       const struct subid_range *out, size_t found, size_t max, const struct loc *at)
{
	uint64_t last;

	if (rcount == 0)
		return fail(at, "COUNT is 0");
	last = (uint64_t)rstart + rcount - 1;
	if (last > SUBID_ID_LAST)
		return fail(at, "range ends past %u", SUBID_ID_LAST);
	if (rstart == 0)
		return fail(at, "range contains id 0");
	if (rstart <= own && own <= last)
		return fail(at, "range contains the user's own id %" PRIu32, own);
	for (size_t i = 0; i < found; i++) {
		uint64_t olast = (uint64_t)out[i].start + out[i].count - 1;
		if (rstart <= olast && out[i].start <= last)
			return fail(at, "range overlaps an earlier range of the same user");
	}
	if (found >= max)
		return fail(at, "more than %zu ranges for the user", max);
	return 0;
}

int subid_parse(const char *buf, size_t len, const char *fname,
		const char *user, uint32_t owner_uid, uint32_t own,
		struct subid_range *out, size_t max, size_t *n,
		char *err, size_t errlen)
{
	struct loc at = { .fname = fname, .lineno = 0, .err = err, .errlen = errlen };
	char idstr[16];
	size_t found = 0, pos = 0;
	int r;

	*n = 0;
	if (err && errlen > 0)
		err[0] = '\0';
	snprintf(idstr, sizeof(idstr), "%" PRIu32, owner_uid);
	if (len == 0)
		return 0;
	r = check_nul(buf, len, &at);
	if (r < 0)
		return r;

	while (pos < len) {
		char line[SUBID_LINE_MAX + 1];
		const char *start = buf + pos, *name;
		const char *nl = memchr(start, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - start) : len - pos;
		uint32_t rstart, rcount;

		at.lineno++;
		pos += linelen + (nl ? 1 : 0);
		if (linelen > SUBID_LINE_MAX)
			return fail(&at, "line longer than %d characters", SUBID_LINE_MAX);
		if (is_blank(start, linelen) || start[0] == '#')
			continue;
		memcpy(line, start, linelen);
		line[linelen] = '\0';
		r = parse_fields(line, &name, &rstart, &rcount, &at);
		if (r < 0)
			return r;
		if (!(user && strcmp(name, user) == 0) && strcmp(name, idstr) != 0)
			continue;
		r = check_range(rstart, rcount, own, out, found, max, &at);
		if (r < 0)
			return r;
		out[found].start = rstart;
		out[found].count = rcount;
		found++;
	}
	*n = found;
	return 0;
}
