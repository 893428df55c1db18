/* userpolicy.h — see userpolicy.c. */
#ifndef NS_USERPOLICY_H
#define NS_USERPOLICY_H

#include <pwd.h>
#include <stddef.h>
#include <sys/types.h>

#include "nsconf.h"

#define USER_GROUPS_MAX 256

/* The groups `pw` is in, primary first (getgrouplist), into gids[]
 * (USER_GROUPS_MAX of them at most; more is -E2BIG). 0 or a negative
 * errno with one line in `err`. */
int user_groups(const struct passwd *pw, gid_t gids[USER_GROUPS_MAX], int *ngids,
		char *err, size_t errlen);

/* nsc_resolve for `pw`, whose groups user_groups() gave. The group names
 * are looked up only if the config has a [group] section. */
int policy_for_user(const struct nsc_config *cfg, const struct passwd *pw,
		    const gid_t *gids, int ngids, struct nsc_policy *pol,
		    char *err, size_t errlen);

#endif
