/* userpolicy.c — a user's policy from a parsed config: the user's groups
 * from the group database (by name, primary first), then nsc_resolve.
 * Shared by nsession-helper and nsessionctl check-config.
 *
 * The helper asks the group database once per run: the same list decides
 * the policy and becomes the session's supplementary groups (setgroups()
 * in main.c, where initgroups() used to ask twice more). Names are looked
 * up, one getgrgid() each, only when a [group] section could match: with
 * NSS modules beyond "files" each look-up is a round trip (bench/README.md). */
#include "userpolicy.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int user_groups(const struct passwd *pw, gid_t gids[USER_GROUPS_MAX], int *ngids,
		char *err, size_t errlen)
{
	*ngids = USER_GROUPS_MAX;
	if (getgrouplist(pw->pw_name, pw->pw_gid, gids, ngids) < 0) {
		snprintf(err, errlen, "user %s is in more than %d groups", pw->pw_name,
			 USER_GROUPS_MAX);
		return -E2BIG;
	}
	return 0;
}

int policy_for_user(const struct nsc_config *cfg, const struct passwd *pw,
		    const gid_t *gids, int ngids, struct nsc_policy *pol,
		    char *err, size_t errlen)
{
	const char *names[USER_GROUPS_MAX];
	char *store[USER_GROUPS_MAX];
	size_t nnames = 0;
	int r;

	if (!nsc_has_group_sections(cfg))
		ngids = 0; /* no [group] section: names do not matter */
	for (int i = 0; i < ngids && i < USER_GROUPS_MAX; i++) {
		struct group *gr = getgrgid(gids[i]);
		if (gr && (store[nnames] = strdup(gr->gr_name)) != NULL)
			names[nnames] = store[nnames], nnames++;
	}
	r = nsc_resolve(cfg, pw->pw_name, pw->pw_uid, names, nnames, pol, err, errlen);
	for (size_t i = 0; i < nnames; i++)
		free(store[i]);
	return r;
}
