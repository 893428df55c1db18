/* caller.h — the setuid caller's files (main.c, resolve.c, enter.c). */
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

/* enter.c: join or make the session (join.c), then run the command in it
 * (run) or hand the namespaces to pam_nsession (pam-open). Exit codes. */
int cmd_run(const struct session_spec *s, char **cmd, const struct caller_env *env);
int cmd_pam_open(const struct session_spec *s);

#endif
