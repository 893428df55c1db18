/* userpolicy.h — see userpolicy.c. */
#ifndef NS_USERPOLICY_H
#define NS_USERPOLICY_H

#include <pwd.h>
#include <stddef.h>

#include "nsconf.h"

/* nsc_resolve for `pw` with the names of every group it is in. 0 or a
 * negative errno with one line in `err`. */
int policy_for_user(const struct nsc_config *cfg, const struct passwd *pw,
		    struct nsc_policy *pol, char *err, size_t errlen);

#endif
