/* cgroup.c — the session's cgroup: resource limits (pids_max, memory_max,
 * cpu_weight, cpu_max, io_weight) and the root of its cgroup namespace.
 *
 * Layout: "nsession/<uid>-<session id>" directly below the root of each
 * hierarchy that serves a controller the policy's limits need. Per
 * controller, the unified (v2) hierarchy is used when the controller is
 * available there (listed in its root's cgroup.controllers): that is the
 * primary path, and on a pure v2 host (systemd's default) the only one.
 * Otherwise the v1 hierarchy the controller is bound to (hybrid or legacy
 * hosts). A hierarchy no limit needs is never touched: on a hybrid host the
 * unified hierarchy and name=systemd are systemd's process tracking, and
 * moving logins out of their scopes there would confuse it.
 *
 *   limit        v2                               v1
 *   pids_max     pids.max                         pids.max
 *   memory_max   memory.max, memory.swap.max = 0  memory.limit_in_bytes,
 *                                                 memory.memsw.limit_in_bytes
 *   cpu_weight   cpu.weight                       cpu.shares (cgfmt_weight_to_shares)
 *   cpu_max      cpu.max "QUOTA 100000"           cpu.cfs_period_us = 100000,
 *                                                 cpu.cfs_quota_us = QUOTA
 *                (QUOTA: cgfmt_cpu_quota_us)
 *   io_weight    io.weight "default N"            blkio.bfq.weight and/or blkio.weight
 *                                                 (cgfmt_io_weight_to_blkio)
 *
 * The v1 io controller is blkio. Its weight files come with the BFQ (or,
 * before Linux 5.0, CFQ) I/O scheduler only, and BFQ's is not in a
 * hierarchy's root: whether it is there is known once the session's leaf
 * is made. A leaf without either is "io controller not available", like a
 * missing hierarchy.
 *
 * Swap: memory_max bounds what the session holds in RAM and swap together
 * (where the kernel accounts swap: memory.swap.max / memsw exist), so a
 * memory hog cannot push the host into swapping either.
 *
 * Trust: hierarchies are found in /proc/self/mountinfo (kernel text), and
 * every directory opened is checked to be a kernel cgroup filesystem by
 * statfs magic (CGROUP2_SUPER_MAGIC / CGROUP_SUPER_MAGIC); everything below
 * a hierarchy's root is reached with openat()/mkdirat()/unlinkat() relative
 * to verified dirfds, O_NOFOLLOW|O_CLOEXEC, with names from validated data
 * only (CG_PARENT, leaves that pass state_valid_cgroup, kernel file names).
 * The directories are root's, 0755; the files in them root's: the user
 * cannot raise a limit or move a process anywhere.
 *
 * Ownership: the monitor holds flock(LOCK_EX) on its leaf directories for
 * its whole life. A leftover leaf whose lock can be taken belongs to a dead
 * monitor and is swept (cg_sweep_user); one still locked belongs to a
 * monitor that is ending its session and removes it itself. */
#include "helper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_fs.h"
#include "cgroupfmt.h"
#include "cleanup.h"
#include "pidfd.h"
#include "util.h"

#define PROCS_MAX (8u << 20)
#define POLL_MS 20
#define KILL_MS 1000      /* removing after SIGKILL: bounded too */
#define SWEEP_LOCK_MS 200 /* a dying monitor's locks go within this */
#define SWEEP_MAX 64

/* The v1 blkio weight files, written where present (BFQ's first). */
static const char *const blkio_weights[] = { "blkio.bfq.weight", "blkio.weight" };

_Static_assert(NS_ARRAY_SIZE(((struct cg_session *)0)->h) >= CG_NCTRL,
	       "cg_session holds a leaf per controller");

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec t = { 0, (long)ms * 1000000 };

	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

static int write_u64(int dirfd, const char *name, uint64_t v)
{
	char buf[24];

	(void)cgfmt_value(v, buf, sizeof(buf)); /* 24 digits always fit */
	return ns_write_str(dirfd, name, buf);
}

/* Does the v1 blkio leaf at `fd` have a weight file? */
static bool blkio_has_weight(int fd)
{
	struct stat st;

	for (size_t i = 0; i < NS_ARRAY_SIZE(blkio_weights); i++)
		if (fstatat(fd, blkio_weights[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
			return true;
	return false;
}

/* cpu_weight and cpu_max, those set. */
static int write_cpu(int fd, bool v2, const struct nsc_policy *p, const char **what)
{
	uint64_t quota = cgfmt_cpu_quota_us(p->cpu_max);
	char val[48];
	int r = 0;

	if (p->cpu_weight &&
	    (r = v2 ? write_u64(fd, *what = "cpu.weight", p->cpu_weight)
		    : write_u64(fd, *what = "cpu.shares", cgfmt_weight_to_shares(p->cpu_weight))) < 0)
		return r;
	if (!p->cpu_max)
		return 0;
	if (v2) {
		snprintf(val, sizeof(val), "%" PRIu64 " %u", quota, CGFMT_CPU_PERIOD_US);
		return ns_write_str(fd, *what = "cpu.max", val);
	}
	if ((r = write_u64(fd, *what = "cpu.cfs_period_us", CGFMT_CPU_PERIOD_US)) < 0)
		return r;
	return write_u64(fd, *what = "cpu.cfs_quota_us", quota);
}

/* io_weight: v2 io.weight; v1 every blkio weight file there is (the
 * caller checked there is one). */
static int write_io(int fd, bool v2, const struct nsc_policy *p, const char **what)
{
	char val[32];
	int r;

	if (v2) {
		snprintf(val, sizeof(val), "default %" PRIu32, p->io_weight);
		return ns_write_str(fd, *what = "io.weight", val);
	}
	for (size_t i = 0; i < NS_ARRAY_SIZE(blkio_weights); i++) {
		r = write_u64(fd, *what = blkio_weights[i], cgfmt_io_weight_to_blkio(p->io_weight));
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

/* The limits of `ctrls` into the leaf at `fd`. */
static int write_limits(int fd, bool v2, unsigned ctrls, const struct nsc_policy *p,
			const char **what)
{
	int r = 0;

	if ((ctrls & CG_PIDS) && (r = write_u64(fd, *what = "pids.max", p->pids_max)) < 0)
		return r;
	if (ctrls & CG_MEMORY) {
		const char *mem = v2 ? "memory.max" : "memory.limit_in_bytes";
		const char *swap = v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
		if ((r = write_u64(fd, *what = mem, p->memory_max)) < 0)
			return r;
		/* Absent without swap accounting: then RAM only. */
		r = write_u64(fd, *what = swap, v2 ? 0 : p->memory_max);
		if (r < 0 && r != -ENOENT)
			return r;
		r = 0;
	}
	if ((ctrls & CG_CPU) && (r = write_cpu(fd, v2, p, what)) < 0)
		return r;
	if ((ctrls & CG_IO) && (r = write_io(fd, v2, p, what)) < 0)
		return r;
	return r;
}

/* "KEY is set but the CTRL controller is not available" for the first
 * controller in `missing` (CG_* bits the policy needs); -EOPNOTSUPP. */
static int no_controller(const struct nsc_policy *p, unsigned missing, char *err, size_t errlen)
{
	for (int k = 0; k < CG_NCTRL; k++) {
		if (missing & (1u << k)) {
			snprintf(err, errlen, "%s is set but the %s controller is not available",
				 cgfmt_limit_key(p, 1u << k), cg_ctrl_names[k]);
			break;
		}
	}
	return -EOPNOTSUPP;
}

/* The session's leaf below hierarchy `h`, made, locked and limited: its
 * directory fds go into `out` as soon as the leaf exists. */
static int make_leaf(const struct hier *h, const struct nsc_policy *pol, const char *leaf,
		     struct cg_session *out, char *err, size_t errlen)
{
	const char *what = "";
	cleanup_fd int pfd = cgfs_open_parent(h, true, err, errlen);
	int lfd, r;

	if (pfd < 0)
		return pfd;
	if (mkdirat(pfd, leaf, 0755) < 0) {
		r = -errno;
		snprintf(err, errlen, "making cgroup %s/%s: %s", CG_PARENT, leaf, strerror(-r));
		return r;
	}
	lfd = cgfs_open_dir(pfd, leaf, h->v2);
	if (lfd < 0) {
		snprintf(err, errlen, "opening cgroup %s/%s: %s", CG_PARENT, leaf, strerror(-lfd));
		(void)unlinkat(pfd, leaf, AT_REMOVEDIR);
		return lfd;
	}
	out->h[out->n++] = (struct cg_dir){ .parent = steal_fd(&pfd), .leaf = lfd, .v2 = h->v2 };
	/* mkdir honours the monitor's umask 077: 0755, so the admin
	 * (and the user, read-only) can look at the counters. */
	if (fchmod(lfd, 0755) < 0 || flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		snprintf(err, errlen, "cgroup %s/%s: %s", CG_PARENT, leaf, strerror(-r));
		return r;
	}
	if (!h->v2 && (h->use & CG_IO) && !blkio_has_weight(lfd))
		return no_controller(pol, CG_IO, err, errlen);
	r = write_limits(lfd, h->v2, h->use, pol, &what);
	if (r < 0)
		snprintf(err, errlen, "setting %s of cgroup %s/%s: %s", what, CG_PARENT, leaf,
			 strerror(-r));
	return r;
}

/* A leaf in every hierarchy that serves a controller `pol` needs; the
 * hierarchies' root fds are closed before the caller undoes a failure. */
static int make_leaves(const struct nsc_policy *pol, const char *leaf, struct cg_session *out,
		       char *err, size_t errlen)
{
	cleanup_hiers struct hiers hs = { .n = 0 };
	unsigned want = cgfmt_wanted(pol), avail = 0;
	int r = cgfs_hier_find(&hs);

	if (r < 0) {
		snprintf(err, errlen, "reading /proc/self/mountinfo: %s", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < hs.n; i++)
		avail |= hs.h[i].use;
	if (want & ~avail)
		return no_controller(pol, want & ~avail, err, errlen);
	for (size_t i = 0; i < hs.n && r == 0; i++) {
		hs.h[i].use &= want;
		if (hs.h[i].use)
			r = make_leaf(&hs.h[i], pol, leaf, out, err, errlen);
	}
	return r;
}

int cg_session_create(const struct nsc_policy *pol, const char *leaf, struct cg_session *out,
		      char *err, size_t errlen)
{
	int r;

	out->n = 0;
	if (!state_valid_cgroup(leaf)) {
		snprintf(err, errlen, "bad cgroup name");
		return -EINVAL;
	}
	r = make_leaves(pol, leaf, out, err, errlen);
	if (r < 0)
		(void)cg_session_remove(out, leaf, 0);
	return r;
}

int cg_session_enter_self(const struct cg_session *c)
{
	for (size_t i = 0; i < c->n; i++) {
		int r = ns_write_str(c->h[i].leaf, "cgroup.procs", "0");
		if (r < 0)
			return r;
	}
	return 0;
}

/* SIGKILL everything in the cgroup at `fd`, and nothing else. v2 has
 * cgroup.kill (5.14+). Else: pidfds for the pids listed, then the list read
 * again; a pidfd is signalled only if its pid is still listed. A pid listed
 * the first time but reused by an outside process before pidfd_open is not
 * in the second list; one reused after pidfd_open is not what the pidfd
 * names (the signal goes nowhere). */
/* The pids listed in cgroup.procs of the cgroup at `fd`: a malloc'd array
 * of *n (0 when they cannot be parsed), or NULL when it cannot be read or
 * there is no memory. */
static pid_t *read_pids(int fd, size_t *n)
{
	cleanup_free char *buf = NULL;
	cleanup_free pid_t *p = NULL;
	size_t len;

	*n = 0;
	if (cgfs_read_file(fd, "cgroup.procs", PROCS_MAX, &buf, &len) < 0)
		return NULL;
	p = calloc(len / 2 + 1, sizeof(*p));
	if (p && cgfmt_parse_pids(buf, len, p, len / 2 + 1, n) < 0)
		*n = 0;
	return steal_pointer(&p);
}

static void kill_all(int fd, bool v2)
{
	cleanup_free pid_t *p1 = NULL, *p2 = NULL;
	cleanup_free int *pfd = NULL;
	size_t n1, n2;

	if (v2 && ns_write_str(fd, "cgroup.kill", "1") == 0)
		return;
	p1 = read_pids(fd, &n1);
	if (!p1 || !(pfd = calloc(n1 + 1, sizeof(*pfd))))
		return;
	for (size_t i = 0; i < n1; i++)
		pfd[i] = ns_pidfd_open(p1[i]);
	if (n1 && (p2 = read_pids(fd, &n2)) != NULL)
		for (size_t i = 0; i < n1; i++)
			for (size_t j = 0; j < n2 && pfd[i] >= 0; j++)
				if (p1[i] == p2[j]) {
					(void)ns_pidfd_signal(pfd[i], SIGKILL);
					break;
				}
	for (size_t i = 0; i < n1; i++)
		if (pfd[i] >= 0)
			close(pfd[i]);
}

static int try_rmdir(int parent, const char *leaf)
{
	if (unlinkat(parent, leaf, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	return -errno;
}

/* Remove one leaf: wait for it to empty until `deadline` (ms, monotonic),
 * then kill what is left and retry for KILL_MS. Logged once on failure. */
static int remove_leaf(int parent, int lfd, bool v2, const char *leaf, uint64_t deadline)
{
	uint64_t stop;
	int r;

	while ((r = try_rmdir(parent, leaf)) == -EBUSY && now_ms() < deadline)
		sleep_ms(POLL_MS);
	for (stop = now_ms() + KILL_MS; r == -EBUSY && now_ms() < stop;) {
		kill_all(lfd, v2);
		sleep_ms(POLL_MS);
		r = try_rmdir(parent, leaf);
	}
	if (r < 0)
		ns_warn_log("cgroup %s/%s (%s) could not be removed: %s", CG_PARENT, leaf,
			    v2 ? "v2" : "v1", strerror(-r));
	return r;
}

int cg_session_remove(struct cg_session *c, const char *leaf, unsigned grace_ms)
{
	uint64_t deadline = now_ms() + grace_ms;
	int r = 0, r1;

	for (size_t i = 0; i < c->n; i++) {
		r1 = state_valid_cgroup(leaf) ? remove_leaf(c->h[i].parent, c->h[i].leaf, c->h[i].v2,
							    leaf, deadline)
					      : -EINVAL;
		if (r1 < 0 && r == 0)
			r = r1;
		close(c->h[i].leaf); /* drops the flock */
		close(c->h[i].parent);
	}
	c->n = 0;
	return r;
}

/* The names of `uid`'s leaves in the directory at `pfd` (at most
 * SWEEP_MAX): 0 or -errno. */
static int uid_leaves(int pfd, uint32_t uid, char names[SWEEP_MAX][STATE_CGROUP_MAX + 1],
		      size_t *nn)
{
	cleanup_dir DIR *dir = ns_dir_stream(pfd);
	struct dirent *d;

	*nn = 0;
	if (!dir)
		return -errno;
	while ((d = readdir(dir)) && *nn < SWEEP_MAX)
		if (d->d_type == DT_DIR && cgfmt_leaf_of_uid(d->d_name, uid) &&
		    strlen(d->d_name) < sizeof(names[0]))
			memcpy(names[(*nn)++], d->d_name, strlen(d->d_name) + 1);
	return 0;
}

/* Remove leaf `name` below `pfd` if its lock can be taken (a dead
 * monitor's). */
static void sweep_leaf(int pfd, bool v2, const char *name)
{
	uint64_t stop = now_ms() + SWEEP_LOCK_MS;
	cleanup_fd int lfd = cgfs_open_dir(pfd, name, v2);
	int l;

	if (lfd < 0)
		return;
	while ((l = flock(lfd, LOCK_EX | LOCK_NB)) < 0 && errno == EWOULDBLOCK && now_ms() < stop)
		sleep_ms(POLL_MS);
	if (l == 0) {
		ns_warn_log("stale cgroup %s/%s removed", CG_PARENT, name);
		(void)remove_leaf(pfd, lfd, v2, name, 0);
	}
}

void cg_sweep_user(uint32_t uid)
{
	cleanup_hiers struct hiers hs = { .n = 0 };

	if (cgfs_hier_find(&hs) < 0)
		return;
	for (size_t i = 0; i < hs.n; i++) {
		char err[128], names[SWEEP_MAX][STATE_CGROUP_MAX + 1];
		size_t nn;
		cleanup_fd int pfd = cgfs_open_parent(&hs.h[i], false, err, sizeof(err));

		if (pfd < 0 || uid_leaves(pfd, uid, names, &nn) < 0)
			continue;
		for (size_t j = 0; j < nn; j++)
			sweep_leaf(pfd, hs.h[i].v2, names[j]);
	}
}
