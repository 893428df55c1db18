/* cgroupfmt.c — pure helpers of the session cgroups (see cgroupfmt.h). */
#include "cgroupfmt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

const char *const cg_ctrl_names[CG_NCTRL] = { "pids", "memory", "cpu", "io" };
const char *const cg_ctrl_v1_names[CG_NCTRL] = { "pids", "memory", "cpu", "blkio" };

/* systemd's constants (src/basic/cgroup-util.h). */
#define WEIGHT_DEFAULT 100u
#define SHARES_DEFAULT 1024u
#define SHARES_MIN 2u
#define SHARES_MAX 262144u
#define BLKIO_WEIGHT_DEFAULT 500u
#define BLKIO_WEIGHT_MIN 10u
#define BLKIO_WEIGHT_MAX 1000u

unsigned cgfmt_wanted(const struct nsc_policy *p)
{
	unsigned m = 0;

	for (int k = 0; k < CG_NCTRL; k++)
		if (cgfmt_limit_key(p, 1u << k))
			m |= 1u << k;
	return m;
}

const char *cgfmt_limit_key(const struct nsc_policy *p, unsigned ctrl)
{
	switch (ctrl) {
	case CG_PIDS:
		return p->pids_max ? "pids_max" : NULL;
	case CG_MEMORY:
		return p->memory_max ? "memory_max" : NULL;
	case CG_CPU:
		return p->cpu_weight ? "cpu_weight" : p->cpu_max ? "cpu_max" : NULL;
	case CG_IO:
		return p->io_weight ? "io_weight" : NULL;
	default:
		return NULL;
	}
}

/* weight * to / WEIGHT_DEFAULT in min..max; 0 (unset) -> to. */
static uint64_t scale_weight(uint32_t weight, uint64_t to, uint64_t min, uint64_t max)
{
	uint64_t s;

	if (weight == 0)
		return to;
	s = (uint64_t)weight * to / WEIGHT_DEFAULT;
	if (s < min)
		s = min;
	if (s > max)
		s = max;
	return s;
}

uint64_t cgfmt_weight_to_shares(uint32_t weight)
{
	return scale_weight(weight, SHARES_DEFAULT, SHARES_MIN, SHARES_MAX);
}

uint64_t cgfmt_io_weight_to_blkio(uint32_t weight)
{
	return scale_weight(weight, BLKIO_WEIGHT_DEFAULT, BLKIO_WEIGHT_MIN, BLKIO_WEIGHT_MAX);
}

uint64_t cgfmt_cpu_quota_us(uint32_t percent)
{
	return (uint64_t)percent * CGFMT_CPU_PERIOD_US / 100;
}

int cgfmt_leaf(uint32_t uid, const char *id, char out[STATE_CGROUP_MAX + 1])
{
	int n;

	out[0] = '\0';
	if (!id || !state_valid_id(id))
		return -EINVAL;
	n = snprintf(out, STATE_CGROUP_MAX + 1, "%" PRIu32 "-%s", uid, id);
	if (n < 0 || n > STATE_CGROUP_MAX || !state_valid_cgroup(out)) {
		out[0] = '\0';
		return -EINVAL;
	}
	return 0;
}

bool cgfmt_leaf_of_uid(const char *name, uint32_t uid)
{
	char prefix[16];
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix), "%" PRIu32 "-", uid);
	return name && strncmp(name, prefix, n) == 0 && state_valid_id(name + n);
}

int cgfmt_value(uint64_t v, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%" PRIu64, v);

	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* Next space-separated field of a mountinfo line, or NULL. */
static const char *field(const char **p, size_t *len)
{
	const char *s = *p, *e;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return NULL;
	e = strchr(s, ' ');
	if (!e)
		e = s + strlen(s);
	*len = (size_t)(e - s);
	*p = e;
	return s;
}

/* The kernel escapes ' ', '\t', '\n' and '\\' in mountinfo paths as \ooo. */
static int unescape(const char *s, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\') {
			if (i + 3 >= len)
				return -EINVAL;
			if (s[i + 1] < '0' || s[i + 1] > '3' || s[i + 2] < '0' || s[i + 2] > '7' ||
			    s[i + 3] < '0' || s[i + 3] > '7')
				return -EINVAL;
			c = (unsigned char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			if (c == '\0')
				return -EINVAL;
			i += 3;
		}
		if (o + 1 >= outlen)
			return -EINVAL;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

static bool field_is(const char *f, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(f, want, len) == 0;
}

int cgfmt_mountinfo_line(const char *line, struct cgfmt_mount *out)
{
	const char *p = line, *f, *root = NULL, *mnt = NULL, *type, *opts;
	size_t len, rootlen = 0, mntlen = 0, typelen, optslen;
	bool sep = false;

	memset(out, 0, sizeof(*out));
	/* id parent major:minor root mount-point options [optional...] - type source super-options */
	for (int i = 0; i < 6; i++) {
		f = field(&p, &len);
		if (!f)
			return -EINVAL;
		if (i == 3)
			root = f, rootlen = len;
		if (i == 4)
			mnt = f, mntlen = len;
	}
	while ((f = field(&p, &len))) {
		if (field_is(f, len, "-")) {
			sep = true;
			break;
		}
	}
	if (!sep || !(type = field(&p, &typelen)) || !field(&p, &len) ||
	    !(opts = field(&p, &optslen)) || field(&p, &len))
		return -EINVAL;
	if (field_is(type, typelen, "cgroup2"))
		out->v2 = true;
	else if (!field_is(type, typelen, "cgroup"))
		return 0;
	if (!field_is(root, rootlen, "/"))
		return 0; /* a bind mount of a subtree, or outside our cgroup namespace */
	if (unescape(mnt, mntlen, out->path, sizeof(out->path)) < 0 || out->path[0] != '/')
		return -EINVAL;
	if (!out->v2) {
		const char *o = opts, *end = opts + optslen;
		while (o < end) {
			const char *c = memchr(o, ',', (size_t)(end - o));
			size_t n = c ? (size_t)(c - o) : (size_t)(end - o);
			for (int k = 0; k < CG_NCTRL; k++)
				if (field_is(o, n, cg_ctrl_v1_names[k]))
					out->ctrls |= 1u << k;
			o += n + 1;
		}
	}
	return 1;
}

bool cgfmt_in_user_slice(const char *buf, size_t len, uint32_t uid)
{
	const char *v2 = NULL, *v1 = NULL, *path;
	size_t v2len = 0, v1len = 0, plen, wl;
	char want[48];

	/* Lines "HIERARCHY-ID:CONTROLLERS:PATH". */
	for (size_t i = 0; i < len;) {
		const char *line = buf + i, *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;
		const char *c1 = memchr(line, ':', n), *c2;

		if (c1 && (c2 = memchr(c1 + 1, ':', (size_t)(line + n - c1 - 1)))) {
			size_t rest = (size_t)(line + n - c2 - 1);
			if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) {
				v2 = c2 + 1;
				v2len = rest;
			} else if (field_is(c1 + 1, (size_t)(c2 - c1 - 1), "name=systemd")) {
				v1 = c2 + 1;
				v1len = rest;
			}
		}
		i += n + 1;
	}
	path = v2 ? v2 : v1;
	plen = v2 ? v2len : v1len;
	wl = (size_t)snprintf(want, sizeof(want), "/user.slice/user-%u.slice/", (unsigned)uid);
	return path && plen >= wl && !memcmp(path, want, wl);
}

unsigned cgfmt_controllers(const char *buf, size_t len)
{
	unsigned mask = 0;
	size_t i = 0;

	while (i < len) {
		size_t s;
		while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t'))
			i++;
		s = i;
		while (i < len && buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\t')
			i++;
		for (int k = 0; k < CG_NCTRL; k++)
			if (i > s && field_is(buf + s, i - s, cg_ctrl_names[k]))
				mask |= 1u << k;
	}
	return mask;
}

int cgfmt_parse_pids(const char *buf, size_t len, pid_t *out, size_t max, size_t *n)
{
	size_t i = 0;

	*n = 0;
	while (i < len) {
		char num[16];
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (buf + i)) : len - i;
		uint32_t v;

		if (!nl || l == 0 || l >= sizeof(num))
			return -EINVAL;
		memcpy(num, buf + i, l);
		num[l] = '\0';
		if (ns_parse_u32(num, &v) < 0 || v > INT32_MAX)
			return -EINVAL;
		i += l + 1;
		if (v == 0)
			continue;
		if (*n == max)
			return -ENOSPC;
		out[(*n)++] = (pid_t)v;
	}
	return 0;
}
