/* nskind.c — the namespace-kind table and the one routine that joins
 * namespaces (the helper's `run`, pam_nsession and `nsessionctl enter`). */
#include "nskind.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "nsconf.h"
#include "pamwire.h"

/* The initial namespaces' inodes are include/linux/proc_ns.h's (fixed
 * since Linux 3.8, cgroup since 4.6). The initial mnt and net namespaces
 * have fixed numbers only since 6.x, and a host service may well run in a
 * mount namespace of its own: those two are not compared (procfs.c). */
const struct nskind nskinds[NSK_COUNT] = {
	[NSK_USER]   = { "user",   "/proc/self/ns/user",   CLONE_NEWUSER,   6, 0xEFFFFFFDu },
	[NSK_MNT]    = { "mnt",    "/proc/self/ns/mnt",    CLONE_NEWNS,     5, 0 },
	[NSK_PID]    = { "pid",    "/proc/self/ns/pid_for_children", CLONE_NEWPID, 0, 0xEFFFFFFCu },
	[NSK_IPC]    = { "ipc",    "/proc/self/ns/ipc",    CLONE_NEWIPC,    3, 0xEFFFFFFFu },
	[NSK_UTS]    = { "uts",    "/proc/self/ns/uts",    CLONE_NEWUTS,    2, 0xEFFFFFFEu },
	[NSK_NET]    = { "net",    "/proc/self/ns/net",    CLONE_NEWNET,    1, 0 },
	[NSK_CGROUP] = { "cgroup", "/proc/self/ns/cgroup", CLONE_NEWCGROUP, 4, 0xEFFFFFFBu },
};

/* The wire to pam_nsession carries one fd per kind in this order, and the
 * record one ns_ field per kind (nsconf.h's bits are defined from these). */
_Static_assert(NSP_NS_KINDS == NSK_COUNT, "pamwire.h namespace count");
_Static_assert(NSC_NS_COUNT == NSK_COUNT && NSC_NS_ALL == NSK_ALL, "nsconf.h namespace bits");

int nsk_by_name(const char *name)
{
	for (int k = 0; k < NSK_COUNT; k++)
		if (strcmp(name, nskinds[k].name) == 0)
			return k;
	return -1;
}

static int kind_of_rank(unsigned rank)
{
	for (int k = 0; k < NSK_COUNT; k++)
		if (nskinds[k].join_rank == rank)
			return k;
	return -1;
}

int ns_enter(const int fds[NSK_COUNT], unsigned mask, int *failed)
{
	for (unsigned rank = 0; rank < NSK_COUNT; rank++) {
		int k = kind_of_rank(rank);
		if (k < 0 || !(mask & (1u << k)) || fds[k] < 0)
			continue;
		if (setns(fds[k], nskinds[k].clone_flag) < 0) {
			if (failed)
				*failed = k;
			return -errno;
		}
	}
	return 0;
}

int ns_leave(const int fds[NSK_COUNT], unsigned mask, int *failed)
{
	int r = 0;

	for (unsigned rank = NSK_COUNT; rank-- > 0;) {
		int k = kind_of_rank(rank);
		if (k < 0 || !(mask & (1u << k)) || fds[k] < 0)
			continue;
		if (setns(fds[k], nskinds[k].clone_flag) < 0 && r == 0) {
			r = -errno;
			if (failed)
				*failed = k;
		}
	}
	return r;
}
