/* cgroupfmt.h — the pure part of the session cgroups (cgroup.c does the
 * privileged rest): which controllers a policy needs, the leaf name, the
 * values written, and parsers for what the kernel hands back
 * (/proc/self/mountinfo lines, cgroup.controllers, cgroup.procs). No I/O,
 * no privilege; unit-tested in tests/unit/test_cgroupfmt.c.
 *
 * Functions return 0 or a negative errno unless said otherwise. */
#ifndef NS_CGROUPFMT_H
#define NS_CGROUPFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nsconf.h"
#include "session_state.h"

/* The controllers nsession uses, as a bit mask. */
enum { CG_PIDS = 1u << 0, CG_MEMORY = 1u << 1, CG_CPU = 1u << 2, CG_IO = 1u << 3 };
#define CG_NCTRL 4
#define CG_ALL 0xfu
/* Their names in cgroup v2 files (cgroup.controllers, subtree_control) and
 * in the super options of v1 mounts, where the io controller is blkio. */
extern const char *const cg_ctrl_names[CG_NCTRL];    /* "pids", "memory", "cpu", "io" */
extern const char *const cg_ctrl_v1_names[CG_NCTRL]; /* "pids", "memory", "cpu", "blkio" */

/* The parent of every session cgroup, directly below each hierarchy's root. */
#define CG_PARENT "nsession"

/* The controllers the policy's limits need (0: no session cgroup). */
unsigned cgfmt_wanted(const struct nsc_policy *p);

/* The key of a limit set in `p` that needs the controller `ctrl` (one
 * CG_* bit): "pids_max", "memory_max", "cpu_weight" (before "cpu_max"),
 * "io_weight"; NULL if none is set. For "KEY is set but ...". */
const char *cgfmt_limit_key(const struct nsc_policy *p, unsigned ctrl);

/* cpu_weight (cgroup v2's cpu.weight, 1..10000, default 100) as cgroup
 * v1's cpu.shares (default 1024), the way systemd maps CPUWeight= onto
 * cpu.shares: weight * 1024 / 100, clamped to the kernel's 2..262144.
 * So 100 -> 1024, 1 -> 10, 10000 -> 102400. 0 (unset) -> 1024. */
uint64_t cgfmt_weight_to_shares(uint32_t weight);

/* cpu_max as a CFS bandwidth quota: `percent` of one CPU in every period
 * of CGFMT_CPU_PERIOD_US (systemd's CPUQuota=), percent * 1000 us. v2
 * writes "QUOTA PERIOD" to cpu.max, v1 cpu.cfs_period_us and
 * cpu.cfs_quota_us. */
#define CGFMT_CPU_PERIOD_US 100000u
uint64_t cgfmt_cpu_quota_us(uint32_t percent);

/* io_weight (cgroup v2's io.weight, 1..10000, default 100) as cgroup v1's
 * blkio weight (10..1000, default 500), as systemd maps IOWeight= onto
 * it (cgroup_weight_io_to_blkio): weight * 500 / 100, clamped to 10..1000.
 * So 100 -> 500, 1 -> 10, 200 and above -> 1000. 0 (unset) -> 500. */
uint64_t cgfmt_io_weight_to_blkio(uint32_t weight);

/* The session's leaf "<uid>-<id>" (id: state_valid_id). -EINVAL for a bad
 * id; the result always passes state_valid_cgroup. */
int cgfmt_leaf(uint32_t uid, const char *id, char out[STATE_CGROUP_MAX + 1]);

/* Is `name` exactly a leaf cgfmt_leaf would make for `uid` (any id)? */
bool cgfmt_leaf_of_uid(const char *name, uint32_t uid);

/* /proc/PID/cgroup text (`len` bytes, not NUL-terminated): is the process
 * in systemd's user-<uid>.slice? Read from the unified hierarchy's line
 * ("0::PATH"), else from the name=systemd one (v1 hosts). */
bool cgfmt_in_user_slice(const char *buf, size_t len, uint32_t uid);

/* A decimal value as written to a cgroup file ("64"). -ENOSPC if short. */
int cgfmt_value(uint64_t v, char *buf, size_t len);

/* One line of /proc/PID/mountinfo (without the newline). Returns 1 for a
 * cgroup (v1) or cgroup2 mount of a hierarchy's root (the mount's root
 * field is "/"), filling `out`; 0 for any other mount (including a cgroup
 * bind mount of a subtree); -EINVAL for a malformed line. The mount point
 * is unescaped (\040 and friends) and must be absolute. */
struct cgfmt_mount {
	bool v2;              /* cgroup2 */
	unsigned ctrls;       /* v1: CG_* named in the super options; v2: 0 */
	char path[4096];      /* mount point */
};
int cgfmt_mountinfo_line(const char *line, struct cgfmt_mount *out);

/* The CG_* named in a cgroup.controllers / cgroup.subtree_control text
 * (space-separated names, other names ignored). */
unsigned cgfmt_controllers(const char *buf, size_t len);

/* The pids in a cgroup.procs text (one decimal per line). Pids that are 0
 * (not visible from the reader's PID namespace) are skipped. -EINVAL for a
 * malformed line, -ENOSPC when more than `max`. */
int cgfmt_parse_pids(const char *buf, size_t len, pid_t *out, size_t max, size_t *n);

#endif
