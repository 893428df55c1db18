/* resolve.c — who the caller's session is for, before anything
 * privileged: the passwd entry (main.c), the policy for that user from the
 * root-owned config, subordinate ids (/etc/subuid, /etc/subgid, read as
 * trusted files), the id maps they give and the user's groups, as one
 * struct session_spec. */
#include "caller.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "subid.h"
#include "userpolicy.h"
#include "util.h"

#ifndef NSESSION_SUBUID
#define NSESSION_SUBUID "/etc/subuid"
#endif
#ifndef NSESSION_SUBGID
#define NSESSION_SUBGID "/etc/subgid"
#endif

static int load_policy(const char *config, const struct passwd *pw, struct session_spec *s,
		       char *err, size_t errlen)
{
	struct nsc_config *cfg;
	int r = nsc_load_file(config, &cfg, err, errlen);

	if (r < 0)
		return r;
	r = user_groups(pw, s->groups, &s->ngroups, err, errlen);
	if (r == 0)
		r = policy_for_user(cfg, pw, s->groups, s->ngroups, &s->pol, err, errlen);
	nsc_free(cfg);
	return r;
}

static int load_subids(const char *path, const char *user, uint32_t uid, uint32_t own,
		       struct subid_range *r, size_t *n, char *err, size_t errlen)
{
	char why[128], *buf;
	size_t len;
	int ret;

	*n = 0;
	ret = ns_read_trusted(AT_FDCWD, path, 1 << 22, false, &buf, &len, why, sizeof(why));
	if (ret == -ENOENT)
		return 0;
	if (ret < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return ret;
	}
	ret = subid_parse(buf, len, path, user, uid, own, r, SUBID_RANGES_MAX, n, err, errlen);
	free(buf);
	return ret;
}

/* Everything about the user and their policy, resolved before any
 * privileged step. */
int build_spec(const struct passwd *pw, const char *config, struct session_spec *s,
		      char *err, size_t errlen)
{
	struct subid_range ranges[SUBID_RANGES_MAX];
	size_t nr;
	bool root_inside;
	int r;

	memset(s, 0, sizeof(*s));
	if (!ns_valid_username(pw->pw_name)) {
		snprintf(err, errlen, "user name of uid %u is not acceptable", pw->pw_uid);
		return -EINVAL;
	}
	snprintf(s->user, sizeof(s->user), "%s", pw->pw_name);
	snprintf(s->config, sizeof(s->config), "%s", config);
	s->uid = pw->pw_uid;
	s->gid = pw->pw_gid;
	snprintf(s->home, sizeof(s->home), "%s", pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : "/");
	snprintf(s->shell, sizeof(s->shell), "%s",
		 pw->pw_shell && pw->pw_shell[0] == '/' ? pw->pw_shell : "/bin/sh");

	r = load_policy(config, pw, s, err, errlen);
	if (r < 0)
		return r;
	if (s->pol.exempt)
		return 0;

	root_inside = s->pol.identity == NSC_ID_ROOT;
	if (!(s->pol.namespaces & NSC_NS_USER)) {
		s->inside_uid = s->uid;
		s->inside_gid = s->gid;
		return 0;
	}
	nr = 0;
	if (s->pol.subids && (r = load_subids(NSESSION_SUBUID, s->user, s->uid, s->uid, ranges, &nr, err, errlen)) < 0)
		return r;
	if ((r = idmap_build(s->uid, root_inside, ranges, nr, &s->uidmap)) < 0) {
		snprintf(err, errlen, "building the uid map of %s: %s", s->user, strerror(-r));
		return r;
	}
	nr = 0;
	if (s->pol.subids && (r = load_subids(NSESSION_SUBGID, s->user, s->uid, s->gid, ranges, &nr, err, errlen)) < 0)
		return r;
	if ((r = idmap_build(s->gid, root_inside, ranges, nr, &s->gidmap)) < 0) {
		snprintf(err, errlen, "building the gid map of %s: %s", s->user, strerror(-r));
		return r;
	}
	s->inside_uid = idmap_inside_id(s->uid, root_inside);
	s->inside_gid = idmap_inside_id(s->gid, root_inside);
	return 0;
}
