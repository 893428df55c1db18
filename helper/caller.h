/* caller.h — the setuid caller (main.c, enter.c) and the verbs nsession-monitor
 * serves for it (call.c, resolve.c). */
#ifndef NS_CALLER_H
#define NS_CALLER_H

#include <pwd.h>

#include "helper.h"

#define EXIT_REFUSED 2
#define EXIT_FAILED 1

/* What the caller keeps of its environment for the session: TERM and LANG,
 * validated by main.c before the rest was thrown away. */
struct caller_env {
	char term[64];
	char lang[64];
};

/* main.c: the caller's own resource limits back, for the command. */
int restore_limits(void);

/* resolve.c: everything about the user and their policy, resolved before
 * any privileged step: passwd entry, policy, subordinate ids, id maps,
 * groups. */
int build_spec(const struct passwd *pw, const char *config, struct session_spec *s,
	       char *err, size_t errlen);

/* enter.c (the setuid caller): have call.c serve the verb (cmd_call), or
 * for run take the session it hands over and run the command in it.
 * Exit codes. */
struct helper_args;
int cmd_call(const struct helper_args *a, uid_t ruid);
int cmd_run(const struct helper_args *a, uid_t ruid, const struct caller_env *env);

#endif
