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

#include "cgroupfmt.h"
#include "pidfd.h"
#include "util.h"

#define MOUNTINFO_MAX (4u << 20)
#define PROCS_MAX (8u << 20)
#define POLL_MS 20
#define KILL_MS 1000      /* removing after SIGKILL: bounded too */
#define SWEEP_LOCK_MS 200 /* a dying monitor's locks go within this */
#define SWEEP_MAX 64

/* One hierarchy as found, opened and verified. */
struct hier {
	int fd;
	bool v2;
	unsigned have; /* CG_* available there */
	unsigned use;  /* CG_* this hierarchy serves for nsession */
};

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

/* openat a directory and check it is on a kernel cgroup fs of the kind. */
static int open_dir(int dirfd, const char *name, bool v2)
{
	struct statfs sf;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sf) < 0 ||
	    (unsigned long)sf.f_type != (v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC)) {
		close(fd);
		return -EMEDIUMTYPE;
	}
	return fd;
}


static int write_u64(int dirfd, const char *name, uint64_t v)
{
	char buf[24];

	(void)cgfmt_value(v, buf, sizeof(buf)); /* 24 digits always fit */
	return ns_write_str(dirfd, name, buf);
}

static int read_file(int dirfd, const char *name, size_t max, char **buf, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = ns_read_all(fd, max, buf, len);
	close(fd);
	return r;
}

static unsigned read_controllers(int dirfd, const char *name)
{
	char *buf;
	size_t len;
	unsigned m;

	if (read_file(dirfd, name, 4096, &buf, &len) < 0)
		return 0;
	m = cgfmt_controllers(buf, len);
	free(buf);
	return m;
}

static void hier_close(struct hier *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(h[i].fd);
}

/* The hierarchies nsession may use: the cgroup2 root mount (if any) and
 * the v1 ones bound to pids, memory, cpu or blkio; `use` says which serves
 * what. */
static int hier_find(struct hier h[CG_NCTRL + 1], size_t *n)
{
	unsigned v1_seen = 0;
	bool v2_seen = false;
	char *buf, *line, *save = NULL;
	size_t len;
	int fd, r;

	*n = 0;
	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = ns_read_all(fd, MOUNTINFO_MAX, &buf, &len);
	close(fd);
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line && *n < CG_NCTRL + 1;
	     line = strtok_r(NULL, "\n", &save)) {
		struct cgfmt_mount m;
		if (cgfmt_mountinfo_line(line, &m) != 1)
			continue;
		if (m.v2 ? v2_seen : !(m.ctrls & CG_ALL & ~v1_seen))
			continue; /* a second mount of a hierarchy we have */
		fd = open_dir(AT_FDCWD, m.path, m.v2);
		if (fd < 0)
			continue;
		h[*n] = (struct hier){ .fd = fd, .v2 = m.v2, .have = m.ctrls & CG_ALL };
		if (m.v2) {
			v2_seen = true;
			h[*n].have = read_controllers(fd, "cgroup.controllers");
		} else {
			v1_seen |= m.ctrls;
		}
		(*n)++;
	}
	free(buf);
	for (int k = 0; k < CG_NCTRL; k++) {
		unsigned bit = 1u << k;
		size_t pick = *n;
		for (size_t i = 0; i < *n; i++)
			if ((h[i].have & bit) && (pick == *n || h[i].v2))
				pick = i;
		if (pick < *n)
			h[pick].use |= bit;
	}
	return 0;
}

/* v2: turn on `ctrls` for the children of `dirfd` where they are not yet. */
static int enable_controllers(int dirfd, unsigned ctrls)
{
	unsigned on = read_controllers(dirfd, "cgroup.subtree_control");

	for (int k = 0; k < CG_NCTRL; k++) {
		char val[16];
		int r;
		if (!(ctrls & (1u << k)) || (on & (1u << k)))
			continue;
		snprintf(val, sizeof(val), "+%s", cg_ctrl_names[k]);
		r = ns_write_str(dirfd, "cgroup.subtree_control", val);
		if (r < 0)
			return r;
	}
	return 0;
}

/* CG_PARENT below the hierarchy's root: made root's 0755 if missing; an
 * existing one must be root's and not group/world-writable. */
static int open_parent(const struct hier *h, bool create, char *err, size_t errlen)
{
	struct stat st;
	bool made = false;
	int fd, r;

	if (create && h->v2 && (r = enable_controllers(h->fd, h->use)) < 0) {
		snprintf(err, errlen, "enabling controllers in the cgroup root: %s", strerror(-r));
		return r;
	}
	if (create) {
		made = mkdirat(h->fd, CG_PARENT, 0755) == 0;
		if (!made && errno != EEXIST) {
			r = -errno;
			snprintf(err, errlen, "making cgroup %s: %s", CG_PARENT, strerror(-r));
			return r;
		}
	}
	fd = open_dir(h->fd, CG_PARENT, h->v2);
	if (fd < 0) {
		snprintf(err, errlen, "opening cgroup %s: %s", CG_PARENT, strerror(-fd));
		return fd;
	}
	if (made)
		(void)fchmod(fd, 0755); /* past the monitor's umask 077 */
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)) {
		close(fd);
		snprintf(err, errlen, "cgroup %s is not root's 0755", CG_PARENT);
		return -EPERM;
	}
	if (create && h->v2 && (r = enable_controllers(fd, h->use)) < 0) {
		close(fd);
		snprintf(err, errlen, "enabling controllers in cgroup %s: %s", CG_PARENT, strerror(-r));
		return r;
	}
	return fd;
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

int cg_session_create(const struct nsc_policy *pol, const char *leaf, struct cg_session *out,
		      char *err, size_t errlen)
{
	struct hier h[CG_NCTRL + 1];
	unsigned want = cgfmt_wanted(pol), avail = 0;
	size_t n;
	int r;

	out->n = 0;
	if (!state_valid_cgroup(leaf)) {
		snprintf(err, errlen, "bad cgroup name");
		return -EINVAL;
	}
	r = hier_find(h, &n);
	if (r < 0) {
		snprintf(err, errlen, "reading /proc/self/mountinfo: %s", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n; i++)
		avail |= h[i].use;
	if (want & ~avail) {
		hier_close(h, n);
		return no_controller(pol, want & ~avail, err, errlen);
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *what = "";
		int pfd, lfd;

		h[i].use &= want;
		if (!h[i].use)
			continue;
		pfd = open_parent(&h[i], true, err, errlen);
		if (pfd < 0) {
			r = pfd;
			break;
		}
		if (mkdirat(pfd, leaf, 0755) < 0) {
			r = -errno;
			snprintf(err, errlen, "making cgroup %s/%s: %s", CG_PARENT, leaf, strerror(-r));
			close(pfd);
			break;
		}
		lfd = open_dir(pfd, leaf, h[i].v2);
		if (lfd < 0) {
			r = lfd;
			snprintf(err, errlen, "opening cgroup %s/%s: %s", CG_PARENT, leaf, strerror(-r));
			(void)unlinkat(pfd, leaf, AT_REMOVEDIR);
			close(pfd);
			break;
		}
		out->h[out->n++] = (struct cg_dir){ .parent = pfd, .leaf = lfd, .v2 = h[i].v2 };
		/* mkdir honours the monitor's umask 077: 0755, so the admin
		 * (and the user, read-only) can look at the counters. */
		if (fchmod(lfd, 0755) < 0 || flock(lfd, LOCK_EX | LOCK_NB) < 0) {
			r = -errno;
			snprintf(err, errlen, "cgroup %s/%s: %s", CG_PARENT, leaf, strerror(-r));
			break;
		}
		if (!h[i].v2 && (h[i].use & CG_IO) && !blkio_has_weight(lfd)) {
			r = no_controller(pol, CG_IO, err, errlen);
			break;
		}
		r = write_limits(lfd, h[i].v2, h[i].use, pol, &what);
		if (r < 0)
			snprintf(err, errlen, "setting %s of cgroup %s/%s: %s", what, CG_PARENT, leaf,
				 strerror(-r));
	}
	hier_close(h, n);
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

int cg_enter(const char *leaf, pid_t pid)
{
	struct hier h[CG_NCTRL + 1];
	char val[24];
	size_t n, entered = 0;
	int r;

	if (!state_valid_cgroup(leaf) || pid < 0)
		return -EINVAL;
	snprintf(val, sizeof(val), "%d", (int)pid);
	r = hier_find(h, &n);
	for (size_t i = 0; i < n && r == 0; i++) {
		char err[128];
		int pfd = open_parent(&h[i], false, err, sizeof(err)), lfd;
		if (pfd == -ENOENT)
			continue;
		if (pfd < 0) {
			r = pfd;
			break;
		}
		lfd = open_dir(pfd, leaf, h[i].v2);
		close(pfd);
		if (lfd == -ENOENT)
			continue;
		if (lfd < 0) {
			r = lfd;
			break;
		}
		r = ns_write_str(lfd, "cgroup.procs", val);
		close(lfd);
		entered++;
	}
	hier_close(h, n);
	if (r == 0 && entered == 0)
		r = -ENOENT;
	return r;
}

/* SIGKILL everything in the cgroup at `fd`, and nothing else. v2 has
 * cgroup.kill (5.14+). Else: pidfds for the pids listed, then the list read
 * again; a pidfd is signalled only if its pid is still listed. A pid listed
 * the first time but reused by an outside process before pidfd_open is not
 * in the second list; one reused after pidfd_open is not what the pidfd
 * names (the signal goes nowhere). */
static void kill_all(int fd, bool v2)
{
	char *buf;
	size_t len, n1, n2;
	pid_t *p1 = NULL, *p2 = NULL;
	int *pfd = NULL;

	if (v2 && ns_write_str(fd, "cgroup.kill", "1") == 0)
		return;
	if (read_file(fd, "cgroup.procs", PROCS_MAX, &buf, &len) < 0)
		return;
	p1 = calloc(len / 2 + 1, sizeof(*p1));
	pfd = calloc(len / 2 + 1, sizeof(*pfd));
	if (!p1 || !pfd || cgfmt_parse_pids(buf, len, p1, len / 2 + 1, &n1) < 0)
		n1 = 0;
	free(buf);
	for (size_t i = 0; i < n1; i++)
		pfd[i] = ns_pidfd_open(p1[i]);
	if (n1 && read_file(fd, "cgroup.procs", PROCS_MAX, &buf, &len) == 0) {
		p2 = calloc(len / 2 + 1, sizeof(*p2));
		if (!p2 || cgfmt_parse_pids(buf, len, p2, len / 2 + 1, &n2) < 0)
			n2 = 0;
		free(buf);
		for (size_t i = 0; i < n1; i++)
			for (size_t j = 0; j < n2 && pfd[i] >= 0; j++)
				if (p1[i] == p2[j]) {
					(void)ns_pidfd_signal(pfd[i], SIGKILL);
					break;
				}
	}
	for (size_t i = 0; i < n1; i++)
		if (pfd[i] >= 0)
			close(pfd[i]);
	free(p1);
	free(p2);
	free(pfd);
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

void cg_sweep_user(uint32_t uid)
{
	struct hier h[CG_NCTRL + 1];
	size_t n;

	if (hier_find(h, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char err[128], names[SWEEP_MAX][STATE_CGROUP_MAX + 1];
		size_t nn = 0;
		struct dirent *d;
		DIR *dir;
		int pfd = open_parent(&h[i], false, err, sizeof(err));

		if (pfd < 0)
			continue;
		dir = ns_dir_stream(pfd);
		if (!dir) {
			close(pfd);
			continue;
		}
		while ((d = readdir(dir)) && nn < SWEEP_MAX)
			if (d->d_type == DT_DIR && cgfmt_leaf_of_uid(d->d_name, uid) &&
			    strlen(d->d_name) < sizeof(names[0]))
				memcpy(names[nn++], d->d_name, strlen(d->d_name) + 1);
		closedir(dir);
		for (size_t j = 0; j < nn; j++) {
			uint64_t stop = now_ms() + SWEEP_LOCK_MS;
			int lfd = open_dir(pfd, names[j], h[i].v2), l;
			if (lfd < 0)
				continue;
			while ((l = flock(lfd, LOCK_EX | LOCK_NB)) < 0 && errno == EWOULDBLOCK &&
			       now_ms() < stop)
				sleep_ms(POLL_MS);
			if (l == 0) {
				ns_warn_log("stale cgroup %s/%s removed", CG_PARENT, names[j]);
				(void)remove_leaf(pfd, lfd, h[i].v2, names[j], 0);
			}
			close(lfd);
		}
		close(pfd);
	}
	hier_close(h, n);
}
