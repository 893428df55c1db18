/* nskind.h — the namespace kinds, spelled once.
 *
 * Index i of this table is bit i of a namespace mask everywhere: the
 * policy's `namespaces` (NSC_NS_*), the state record's ns_* fields, the
 * wire to pam_nsession (pamwire.h ns_mask and its fd order) and the fds
 * arrays of the helper, the module and nsessionctl. nskind.c checks at
 * compile time that those agree with it. */
#ifndef NS_NSKIND_H
#define NS_NSKIND_H

#include <stdint.h>

enum nsk { NSK_USER, NSK_MNT, NSK_PID, NSK_IPC, NSK_UTS, NSK_NET, NSK_CGROUP, NSK_COUNT };
#define NSK_ALL ((1u << NSK_COUNT) - 1)

struct nskind {
	const char *name;       /* config and record word; /proc/PID/ns/NAME */
	const char *self_path;  /* the caller's own: for pid, the one its children get */
	int clone_flag;         /* CLONE_NEW* */
	unsigned join_rank;     /* ns_enter's order, 0 first; user is last */
	uint64_t init_ino;      /* inode of the initial namespace, 0: none fixed */
};
extern const struct nskind nskinds[NSK_COUNT];

/* The kind named `name`, or -1. */
int nsk_by_name(const char *name);

/* setns() into fds[k] for every k in `mask` with fds[k] >= 0, in join_rank
 * order: pid first (it applies to children only), mnt after the others
 * (it changes what paths mean), user last (once in it, the caller no
 * longer owns the others). 0, or -errno with the kind that failed in
 * *failed (may be NULL). Closes nothing. */
int ns_enter(const int fds[NSK_COUNT], unsigned mask, int *failed);

/* The same kinds in the opposite order, for going back: ns_leave(fds,
 * mask) undoes ns_enter(…, mask) given the caller's own fds. Tries every
 * kind; the first error. */
int ns_leave(const int fds[NSK_COUNT], unsigned mask, int *failed);

#endif
