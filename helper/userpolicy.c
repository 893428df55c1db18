/* userpolicy.c — a user's policy from a parsed config: the user's groups
 * from the group database (by name, primary first), then nsc_resolve.
 * Shared by nsession-helper and nsessionctl check-config. */
#include "userpolicy.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GROUPS 256

int policy_for_user(const struct nsc_config *cfg, const struct passwd *pw,
		    struct nsc_policy *pol, char *err, size_t errlen)
{
	gid_t gids[MAX_GROUPS];
	const char *names[MAX_GROUPS];
	char *store[MAX_GROUPS];
	int ngids = MAX_GROUPS, r;
	size_t nnames = 0;

	if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &ngids) < 0) {
		snprintf(err, errlen, "user %s is in more than %d groups", pw->pw_name, MAX_GROUPS);
		return -E2BIG;
	}
	for (int i = 0; i < ngids; i++) {
		struct group *gr = getgrgid(gids[i]);
		if (gr && (store[nnames] = strdup(gr->gr_name)) != NULL)
			names[nnames] = store[nnames], nnames++;
	}
	r = nsc_resolve(cfg, pw->pw_name, pw->pw_uid, names, nnames, pol, err, errlen);
	for (size_t i = 0; i < nnames; i++)
		free(store[i]);
	return r;
}
