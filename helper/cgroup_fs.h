/* cgroup_fs.h — the cgroup hierarchies as nsession finds and trusts them
 * (cgroup_fs.c), for cgroup.c (the monitor's: making, limiting, removing a
 * session's cgroup) and cg_enter (the caller's: moving a process in). */
#ifndef NS_CGROUP_FS_H
#define NS_CGROUP_FS_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroupfmt.h"
#include "cleanup.h"

/* One hierarchy as found, opened and verified. */
struct hier {
	int fd;
	bool v2;
	unsigned have; /* CG_* available there */
	unsigned use;  /* CG_* this hierarchy serves for nsession */
};

/* The hierarchies hier_find found; their fds are closed when it goes out
 * of scope (declare it `cleanup_hiers struct hiers hs = { .n = 0 };`). */
struct hiers {
	struct hier h[CG_NCTRL + 1];
	size_t n;
};

void cgfs_hiers_close(struct hiers *hs);
#define cleanup_hiers __attribute__((cleanup(cgfs_hiers_close)))

/* The hierarchies nsession may use: the cgroup2 root mount (if any) and
 * the v1 ones bound to pids, memory, cpu or blkio; `use` says which serves
 * what. */
int cgfs_hier_find(struct hiers *hs);
/* openat a directory and check it is on a kernel cgroup fs of the kind. */
int cgfs_open_dir(int dirfd, const char *name, bool v2);
int cgfs_read_file(int dirfd, const char *name, size_t max, char **buf, size_t *len);
unsigned cgfs_read_controllers(int dirfd, const char *name);
/* CG_PARENT below the hierarchy's root (with `create`: made root's 0755 if
 * missing, controllers enabled); an existing one must be root's and not
 * group/world-writable. The fd, or -errno with `err` set. */
int cgfs_open_parent(const struct hier *h, bool create, char *err, size_t errlen);

#endif
