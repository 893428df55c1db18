/* args.h — the setuid helper's command line, parsed without side effects.
 *
 * Pure code (no syscalls, no globals): it is unit-tested and fuzzed
 * (tests/unit/test_args.c, fuzz/fuzz_args.c). Which options a caller may use
 * depends on the real uid passed in: --user and --config, and check-config
 * with a FILE, are for root only. */
#ifndef NS_ARGS_H
#define NS_ARGS_H

#include <stddef.h>
#include <sys/types.h>

enum helper_verb {
	VERB_HELP,
	VERB_VERSION,
	VERB_RUN,
	VERB_TERMINATE,
	VERB_STATUS,
	VERB_CHECK_CONFIG,
	VERB_PAM_OPEN,
	VERB_PAM_MANAGER,
};

struct helper_args {
	enum helper_verb verb;
	const char *user;   /* --user, or NULL: the caller's own real uid */
	const char *config; /* --config / check-config FILE, or NULL: compiled-in */
	char **cmd;         /* run: the command after "--" (NULL-terminated), or NULL */
};

/* Parse argv (argc >= 1 and argv[argc] == NULL, as execve guarantees).
 * Returns 0, -EINVAL for a usage error, or -EPERM when a non-root caller
 * (`ruid` != 0) names a user or a config file; `err` then holds a one-line
 * reason that quotes at most 64 bytes of any argument, in printable ASCII
 * (other bytes shown as '?'). */
int args_parse(int argc, char **argv, uid_t ruid, struct helper_args *a,
	       char *err, size_t errlen);

#endif
