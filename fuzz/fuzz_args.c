/* fuzz_args.c — libFuzzer target: the setuid helper's argv parser
 * (lib/args.c). Any local user controls every byte of the helper's
 * argv, so this is the first code an attacker reaches (compare sudo's
 * CVE-2021-3156, an overflow in its argument unescaping).
 *
 * The input is split on NUL bytes into argv[1..] (empty input: no
 * arguments); argv[0] is "nsession-helper" and argv[argc] is NULL, as
 * execve guarantees. Every argument, the argv array and the message buffer
 * are malloc'd at exactly their size, so ASan sees any read past a string's
 * NUL, past argv[argc] or a write past errlen.
 *
 * Each argv is parsed with ruid 1000 (a user) and ruid 0 (root, also how
 * pam_nsession runs the helper); abort() marks a broken invariant:
 *   - the return is 0, -EINVAL or -EPERM, with a short message on error,
 *     one line of printable ASCII (it quotes at most 64 bytes of an
 *     argument);
 *   - for a user, a success never sets `user` or `config` (only root may
 *     name another user or config file) and is never pam-open;
 *   - `user`, `config` and `cmd` point into argv (no copies), `cmd` only for
 *     `run`, at argv[i] with i >= 3 after a "--", and cmd[] ends at argv[argc];
 *   - root is never refused what a user is allowed, with the same result. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ERRLEN 256
/* Longest message: fixed text (< 64) plus an argument clipped to 64. */
#define MSG_MAX 128

/* argv[i] for some i in [from, argc), or -1. */
static int index_in(char **argv, int argc, int from, const void *p)
{
	for (int i = from; i < argc; i++)
		if (argv[i] == p)
			return i;
	return -1;
}

static void check(int argc, char **argv, uid_t ruid, int r,
		  const struct helper_args *a, const char *err)
{
	size_t n = strnlen(err, ERRLEN);

	if (n >= MSG_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)err[i] < 0x20 || (unsigned char)err[i] > 0x7e)
			abort(); /* one line, no terminal escapes */
	if (r != 0) {
		if ((r != -EINVAL && r != -EPERM) || n == 0)
			abort();
		if (r == -EPERM && ruid == 0)
			abort(); /* root is never refused for privilege */
		return;
	}
	if (n != 0 || argc < 2)
		abort();
	if (ruid != 0 && (a->user || a->config || a->verb == VERB_PAM_OPEN))
		abort();
	if (a->verb == VERB_PAM_OPEN && !a->user)
		abort();
	if (a->user) {
		int i = index_in(argv, argc, 3, a->user);

		if (i < 0 || !a->user[0] || strcmp(argv[i - 1], "--user"))
			abort();
	}
	if (a->config) {
		int i = index_in(argv, argc, 2, a->config);

		if (a->verb == VERB_CHECK_CONFIG ? i != 2 || argc != 3
		    : i < 3 || !a->config[0] || strcmp(argv[i - 1], "--config"))
			abort();
	}
	if (a->cmd) {
		long i = a->cmd - argv;

		if (a->verb != VERB_RUN || i < 3 || i >= argc || !a->cmd[0] ||
		    a->cmd[argc - i] != NULL)
			abort();
		/* The command starts right after a "--". */
		if (strcmp(argv[i - 1], "--") != 0)
			abort();
	}
}

static bool same_args(const struct helper_args *x, const struct helper_args *y)
{
	return x->verb == y->verb && x->user == y->user && x->config == y->config &&
	       x->cmd == y->cmd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char name[] = "nsession-helper";
	struct helper_args as_user, as_root;
	char **argv;
	char *err;
	int argc = 1, ru, rr;
	size_t pos = 0;

	if (size > 65536)
		return 0; /* the kernel's limit on one argument is 128 KiB anyway */
	/* k NUL bytes separate k + 1 arguments; no input, no arguments. */
	if (size > 0) {
		argc++;
		for (size_t i = 0; i < size; i++)
			argc += data[i] == '\0';
	}
	argv = malloc(((size_t)argc + 1) * sizeof(*argv));
	err = malloc(ERRLEN);
	if (!argv || !err)
		abort();
	argv[0] = malloc(sizeof(name));
	if (!argv[0])
		abort();
	memcpy(argv[0], name, sizeof(name));
	for (int i = 1; i < argc; i++) {
		const uint8_t *nul = memchr(data + pos, '\0', size - pos);
		size_t len = nul ? (size_t)(nul - (data + pos)) : size - pos;

		argv[i] = malloc(len + 1);
		if (!argv[i])
			abort();
		memcpy(argv[i], data + pos, len);
		argv[i][len] = '\0';
		pos += len + 1;
	}
	argv[argc] = NULL;

	ru = args_parse(argc, argv, 1000, &as_user, err, ERRLEN);
	check(argc, argv, 1000, ru, &as_user, err);
	rr = args_parse(argc, argv, 0, &as_root, err, ERRLEN);
	check(argc, argv, 0, rr, &as_root, err);
	if (ru == 0 && (rr != 0 || !same_args(&as_user, &as_root)))
		abort();
	if (ru == -EINVAL && rr != -EINVAL)
		abort(); /* a usage error is one for root too */

	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	free(err);
	return 0;
}
