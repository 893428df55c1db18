/* monwire.h — the messages between the helper's caller, the monitor and
 * the keeper (pamwire.h is the module's side). All of them travel on
 * SOCK_SEQPACKET sockets that only these processes hold, one message each.
 *
 * caller -> nsession-monitor (its fd 3, the first message): struct
 *     mw_request. The program is exec'd by the setuid caller with all ids
 *     0; it believes nothing of the request until mw_request_check (spec.c)
 *     passed: magic, op, sizes, every string terminated, every enum and
 *     count in range, names of the shapes the helper makes.
 *   MW_OP_CALL: the setuid caller's verb (run, status, terminate,
 *     check-config, pam-open, pam-manager) for real uid `ruid`, served by
 *     call.c with the caller's stdin, stdout and stderr; its exit status is
 *     the caller's. For run, on success, one struct mw_run_reply with
 *     SCM_RIGHTS (the login reference, then one fd per namespace kind in
 *     ns_mask, nskind.h order); the caller answers with its child's pid
 *     (int32_t), call.c moves that child into the session's cgroup and
 *     answers with 0 or -errno (int32_t).
 * monitor -> caller (same socket, once): one letter and a message:
 *     MW_READY "K"          session made and recorded
 *     MW_FAILED "E<why>"    a set-up step failed (host's or admin's making)
 *     MW_TIMEOUT "T<why>"   a lock held past its deadline by someone else
 *     MW_REFUSED "F<why>"   a context it refuses to run in
 *   For MW_OP_CLEAN only the exit status says anything (0: done).
 * keeper -> monitor (the keeper's sync socket):
 *     MW_KEEPER_USERNS "U"  its user namespace exists (or it has none)
 *     MW_KEEPER_READY "K"   nsession-keeper runs
 *     MW_FAILED "E<why>"    it failed and exits
 * monitor -> keeper:
 *     MW_MAPS "M"           the id maps are written
 * monitor -> login (each login's reference, once accepted):
 *     MW_ACK "A"            the login is counted */
#ifndef NS_MONWIRE_H
#define NS_MONWIRE_H

#include <stdint.h>

#include "helper.h"

#define MW_MAGIC 0x6e736d31u        /* "nsm1"; changes whenever the layout does */
#define MW_FD 3                     /* the request socket in the monitor */

enum mw_op {
	MW_OP_CREATE = 1,           /* build spec's session, report, run it */
	MW_OP_CLEAN = 2,            /* remove what a dead session of uid left */
	MW_OP_CALL = 3,             /* serve a caller's verb (call.c) */
};

struct mw_request {
	uint32_t magic;
	uint32_t op;                /* enum mw_op */
	uint32_t spec_size;         /* sizeof(struct session_spec) */
	int32_t first_parent;       /* CREATE: the intermediate that forked it */
	uint32_t uid;               /* CLEAN: whose; CREATE: spec.uid */
	uint32_t has_spec;          /* CLEAN: spec.pol is the policy to guess by */
	struct session_spec spec;
	/* CALL: the caller's parsed argv (args.c) and real uid. */
	uint32_t verb;              /* enum helper_verb, never help or version */
	uint32_t ruid;
	char user[STATE_USER_MAX + 1];   /* --user (root only), or "" */
	char config[4096];               /* --config / check-config FILE (root only), or "" */
};

/* CALL, run: what the caller needs to enter the session it is handed. */
struct mw_run_reply {
	uint32_t magic;             /* MW_MAGIC */
	uint32_t ns_mask;           /* which namespace fds follow the reference */
	uint32_t uid, gid;          /* the user's host ids */
	uint32_t inside_uid, inside_gid;
	uint32_t keep_caps;         /* identity = root with a user namespace */
	uint32_t no_new_privs;
	uint32_t has_cgroup;        /* the child's pid is wanted for the cgroup */
	int32_t ngroups;
	gid_t groups[USER_GROUPS_MAX];
	char user[STATE_USER_MAX + 1];
	char home[4096];
	char shell[4096];
};
#define MW_MAX_FDS (1 + NSK_COUNT)

#define MW_READY 'K'
#define MW_FAILED 'E'
#define MW_TIMEOUT 'T'
#define MW_REFUSED 'F'
#define MW_KEEPER_USERNS 'U'
#define MW_KEEPER_READY 'K'
#define MW_MAPS 'M'
#define MW_ACK 'A'

/* spec.c: 0 if `req` (n bytes as received) is a request the monitor may
 * act on, else -EINVAL with what was wrong in `why`. */
int mw_request_check(const struct mw_request *req, size_t n, char *why, size_t whylen);

/* monexec.c: run nsession-monitor (opened and checked by ns_exe_open, all
 * ids 0, an empty environment, the request socket on MW_FD, the caller's
 * stdin, stdout and stderr) and send it `req` (magic, sizes and
 * first_parent filled in). With `detach`, through an intermediate that
 * exits at once (*pid is the intermediate's). Returns the caller's end of
 * the socket, or -errno with the reason in `why` (then nothing is left
 * running: a child already started has been waited for). On success the
 * caller waits for *pid. */
int mw_start(struct mw_request *req, bool detach, pid_t *pid, char *why, size_t whylen);

/* call.c (nsession-monitor): serve MW_OP_CALL; the exit status. */
int call_main(const struct mw_request *req);

#endif
