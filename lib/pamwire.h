/* pamwire.h — what `nsession-helper pam-open` hands to pam_nsession.so.
 *
 * The module makes a SOCK_SEQPACKET socketpair, gives one end to the helper
 * as its stdin and runs it as root. On success the helper sends exactly one
 * message: a struct nsp_reply, with SCM_RIGHTS carrying the login reference
 * (a connection to the session's monitor) followed by one fd per namespace
 * kind set in ns_mask, in the order user mnt pid ipc uts net cgroup. Then it exits
 * 0. Exit NSP_EXIT_EXEMPT means "policy exempts this user" and nothing is
 * sent; any other exit means failure (the reason is on the helper's stderr
 * and in syslog). Exit 1 (and 127, no helper) are failures of the host's
 * or the admin's making only (the policy, the state directory, a set-up
 * step of the monitor's: namespaces, veth, nftables, cgroups), which
 * pam_nsession's onerr=succeed may let through; every other failure is a
 * refusal (2) or one a user might cause (NSP_EXIT_CLOSED: a lock held past
 * its deadline, the session's login limit, a monitor that died or refused
 * its parent, a join that failed; a signal; no answer in time), and the
 * module fails closed whatever onerr says.
 *
 * Both sides are built from the same tree; the magic changes whenever the
 * layout does. Apart from privs.c (dropping capabilities), the module
 * links none of the helper's code. */
#ifndef NS_PAMWIRE_H
#define NS_PAMWIRE_H

#include <stdint.h>

#define NSP_MAGIC 0x6e737033u          /* "nsp3" */
#define NSP_NS_KINDS 7                 /* user mnt pid ipc uts net cgroup */
#define NSP_MAX_FDS (1 + NSP_NS_KINDS)
#define NSP_EXIT_EXEMPT 4
#define NSP_EXIT_CLOSED 5              /* failed: never let through unisolated */

enum {
	NSP_IDENTITY_ROOT = 1u << 0,   /* policy identity = root */
	NSP_NO_NEW_PRIVS  = 1u << 1,   /* policy no_new_privs = yes */
	NSP_CREATED       = 1u << 2,   /* this call created the session */
};

struct nsp_reply {
	uint32_t magic;
	uint32_t ns_mask;              /* bit i: kind i present (NSC_NS_* order) */
	uint32_t flags;
	uint32_t inside_uid, inside_gid;
	int32_t keeper_pid;            /* in the host's PID namespace */
};

#endif
