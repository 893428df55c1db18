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

static int fail(char *err, size_t errlen, const char *fname, size_t lineno,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const char *fname, size_t lineno,
		const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err && errlen > 0)
		snprintf(err, errlen, "%s:%zu: %s", fname ? fname : "(subid)",
			 lineno, what);
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

int subid_parse(const char *buf, size_t len, const char *fname,
		const char *user, uint32_t owner_uid, uint32_t own,
		struct subid_range *out, size_t max, size_t *n,
		char *err, size_t errlen)
{
	char idstr[16];
	const char *nul;
	size_t found = 0, lineno = 0, pos = 0;

	*n = 0;
	if (err && errlen > 0)
		err[0] = '\0';
	snprintf(idstr, sizeof(idstr), "%" PRIu32, owner_uid);
	if (len == 0)
		return 0;
	nul = memchr(buf, '\0', len);
	if (nul) {
		/* Name the line the NUL byte is on. */
		for (const char *p = buf; p < nul; p++)
			if (*p == '\n')
				lineno++;
		return fail(err, errlen, fname, lineno + 1, "NUL byte");
	}

	while (pos < len) {
		char line[SUBID_LINE_MAX + 1];
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t linelen = nl ? (size_t)(nl - start) : len - pos;
		char *name, *s_start, *s_count, *extra;
		uint32_t rstart, rcount;
		uint64_t last;

		lineno++;
		pos += linelen + (nl ? 1 : 0);
		if (linelen > SUBID_LINE_MAX)
			return fail(err, errlen, fname, lineno,
				    "line longer than %d characters", SUBID_LINE_MAX);
		if (is_blank(start, linelen) || start[0] == '#')
			continue;
		memcpy(line, start, linelen);
		line[linelen] = '\0';

		/* Exactly three ':'-separated fields, none empty. */
		name = line;
		s_start = strchr(name, ':');
		s_count = s_start ? strchr(s_start + 1, ':') : NULL;
		if (!s_start || !s_count)
			return fail(err, errlen, fname, lineno,
				    "expected NAME:START:COUNT");
		*s_start++ = '\0';
		*s_count++ = '\0';
		extra = strchr(s_count, ':');
		if (extra)
			return fail(err, errlen, fname, lineno,
				    "too many fields (expected NAME:START:COUNT)");
		if (!*name || !*s_start || !*s_count)
			return fail(err, errlen, fname, lineno, "empty field");
		if (ns_parse_u32(s_start, &rstart) < 0)
			return fail(err, errlen, fname, lineno,
				    "START is not a decimal number of 32 bits");
		if (ns_parse_u32(s_count, &rcount) < 0)
			return fail(err, errlen, fname, lineno,
				    "COUNT is not a decimal number of 32 bits");

		if (!(user && strcmp(name, user) == 0) && strcmp(name, idstr) != 0)
			continue;

		/* A range of the user's: it must be safe to map. */
		if (rcount == 0)
			return fail(err, errlen, fname, lineno, "COUNT is 0");
		last = (uint64_t)rstart + rcount - 1;
		if (last > SUBID_ID_LAST)
			return fail(err, errlen, fname, lineno,
				    "range ends past %u", SUBID_ID_LAST);
		if (rstart == 0)
			return fail(err, errlen, fname, lineno, "range contains id 0");
		if (rstart <= own && own <= last)
			return fail(err, errlen, fname, lineno,
				    "range contains the user's own id %" PRIu32, own);
		for (size_t i = 0; i < found; i++) {
			uint64_t olast = (uint64_t)out[i].start + out[i].count - 1;
			if (rstart <= olast && out[i].start <= last)
				return fail(err, errlen, fname, lineno,
					    "range overlaps an earlier range of the same user");
		}
		if (found >= max)
			return fail(err, errlen, fname, lineno,
				    "more than %zu ranges for the user", max);
		out[found].start = rstart;
		out[found].count = rcount;
		found++;
	}
	*n = found;
	return 0;
}
