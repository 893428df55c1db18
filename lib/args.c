/* args.c — see args.h. */
#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	enum helper_verb verb;
} verbs[] = {
	{ "--help", VERB_HELP },		{ "--version", VERB_VERSION },
	{ "run", VERB_RUN },			{ "terminate", VERB_TERMINATE },
	{ "status", VERB_STATUS },		{ "check-config", VERB_CHECK_CONFIG },
	{ "pam-open", VERB_PAM_OPEN },		{ "pam-manager", VERB_PAM_MANAGER },
};

static int parse(int argc, char **argv, uid_t ruid, struct helper_args *a,
		 char *err, size_t errlen)
{
	size_t v;
	int i;

	memset(a, 0, sizeof(*a));
	err[0] = '\0';
	if (argc < 2 || !argv[1]) {
		snprintf(err, errlen, "no command given");
		return -EINVAL;
	}
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (!strcmp(argv[1], verbs[v].name))
			break;
	if (v == sizeof(verbs) / sizeof(verbs[0])) {
		snprintf(err, errlen, "unknown command '%.64s'", argv[1]);
		return -EINVAL;
	}
	a->verb = verbs[v].verb;

	switch (a->verb) {
	case VERB_HELP:
	case VERB_VERSION:
		if (argc > 2) {
			snprintf(err, errlen, "%s takes no arguments", argv[1]);
			return -EINVAL;
		}
		return 0;
	case VERB_CHECK_CONFIG:
		if (argc > 3) {
			snprintf(err, errlen, "check-config takes at most one FILE");
			return -EINVAL;
		}
		if (argc == 3) {
			if (ruid != 0) {
				snprintf(err, errlen, "uid %u: check-config FILE is for root",
					 (unsigned)ruid);
				return -EPERM;
			}
			a->config = argv[2];
		}
		return 0;
	default:
		break;
	}

	for (i = 2; i < argc; i++) {
		const char **slot;

		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "--user"))
			slot = &a->user;
		else if (!strcmp(argv[i], "--config"))
			slot = &a->config;
		else {
			snprintf(err, errlen, "unknown option '%.64s'", argv[i]);
			return -EINVAL;
		}
		if (i + 1 >= argc) {
			snprintf(err, errlen, "%s needs a value", argv[i]);
			return -EINVAL;
		}
		if (ruid != 0) {
			snprintf(err, errlen, "uid %u: %s is for root", (unsigned)ruid, argv[i]);
			return -EPERM;
		}
		if (*slot) {
			snprintf(err, errlen, "%s given twice", argv[i]);
			return -EINVAL;
		}
		if (!argv[i + 1][0]) {
			snprintf(err, errlen, "%s needs a non-empty value", argv[i]);
			return -EINVAL;
		}
		*slot = argv[++i];
	}
	if (i < argc) {
		if (a->verb != VERB_RUN) {
			snprintf(err, errlen, "%s takes no command", argv[1]);
			return -EINVAL;
		}
		a->cmd = argv + i;
	}
	if (a->verb == VERB_PAM_OPEN || a->verb == VERB_PAM_MANAGER) {
		if (ruid != 0) {
			snprintf(err, errlen, "uid %u: %s is for pam_nsession.so (root)",
				 (unsigned)ruid, argv[1]);
			return -EPERM;
		}
		if (!a->user) {
			snprintf(err, errlen, "%s needs --user", argv[1]);
			return -EINVAL;
		}
	}
	return 0;
}

int args_parse(int argc, char **argv, uid_t ruid, struct helper_args *a,
	       char *err, size_t errlen)
{
	int r = parse(argc, argv, ruid, a, err, errlen);

	/* The message quotes arguments: make it one line of printable ASCII,
	 * so no argument can forge a second log line or a terminal escape. */
	for (char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return r;
}
