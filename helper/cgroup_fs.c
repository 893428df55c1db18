/* cgroup_fs.c — finding and trusting the cgroup hierarchies, and moving a
 * process into a session's cgroup (cg_enter: the caller, for `run`'s child
 * and a PAM login's opener). Hierarchies are found in /proc/self/mountinfo
 * (kernel text, parsed by the pure cgroupfmt.c; only mounts of a
 * hierarchy's root) and every directory opened is checked by fstatfs to be
 * a kernel cgroup fs: a tmpfs or bind mount over one is not used. Below the
 * root only openat relative to verified dirfds, O_NOFOLLOW, fixed names.
 * The rest of a session's cgroup is the monitor's (cgroup.c). */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup_fs.h"
#include "util.h"

#define MOUNTINFO_MAX (4u << 20)

void cgfs_hiers_close(struct hiers *hs)
{
	for (size_t i = 0; i < hs->n; i++)
		close(hs->h[i].fd);
	hs->n = 0;
}

int cgfs_open_dir(int dirfd, const char *name, bool v2)
{
	struct statfs sf;
	cleanup_fd int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sf) < 0 ||
	    (unsigned long)sf.f_type != (v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC))
		return -EMEDIUMTYPE;
	return steal_fd(&fd);
}

int cgfs_read_file(int dirfd, const char *name, size_t max, char **buf, size_t *len)
{
	cleanup_fd int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return ns_read_all(fd, max, buf, len);
}

unsigned cgfs_read_controllers(int dirfd, const char *name)
{
	cleanup_free char *buf = NULL;
	size_t len;

	if (cgfs_read_file(dirfd, name, 4096, &buf, &len) < 0)
		return 0;
	return cgfmt_controllers(buf, len);
}

static int read_mountinfo(char **buf, size_t *len)
{
	cleanup_fd int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return ns_read_all(fd, MOUNTINFO_MAX, buf, len);
}

/* The hierarchies nsession may use: the cgroup2 root mount (if any) and
 * the v1 ones bound to pids, memory, cpu or blkio; `use` says which serves
 * what. */
int cgfs_hier_find(struct hiers *hs)
{
	struct hier *h = hs->h;
	size_t *n = &hs->n, len;
	unsigned v1_seen = 0;
	bool v2_seen = false;
	cleanup_free char *buf = NULL;
	char *line, *save = NULL;
	int fd, r;

	*n = 0;
	r = read_mountinfo(&buf, &len);
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line && *n < CG_NCTRL + 1;
	     line = strtok_r(NULL, "\n", &save)) {
		struct cgfmt_mount m;
		if (cgfmt_mountinfo_line(line, &m) != 1)
			continue;
		if (m.v2 ? v2_seen : !(m.ctrls & CG_ALL & ~v1_seen))
			continue; /* a second mount of a hierarchy we have */
		fd = cgfs_open_dir(AT_FDCWD, m.path, m.v2);
		if (fd < 0)
			continue;
		h[*n] = (struct hier){ .fd = fd, .v2 = m.v2, .have = m.ctrls & CG_ALL };
		if (m.v2) {
			v2_seen = true;
			h[*n].have = cgfs_read_controllers(fd, "cgroup.controllers");
		} else {
			v1_seen |= m.ctrls;
		}
		(*n)++;
	}
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
	unsigned on = cgfs_read_controllers(dirfd, "cgroup.subtree_control");

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
int cgfs_open_parent(const struct hier *h, bool create, char *err, size_t errlen)
{
	struct stat st;
	bool made = false;
	cleanup_fd int fd = -1;
	int r;

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
	fd = cgfs_open_dir(h->fd, CG_PARENT, h->v2);
	if (fd < 0) {
		snprintf(err, errlen, "opening cgroup %s: %s", CG_PARENT, strerror(-fd));
		return fd;
	}
	if (made)
		(void)fchmod(fd, 0755); /* past the monitor's umask 077 */
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(err, errlen, "cgroup %s is not root's 0755", CG_PARENT);
		return -EPERM;
	}
	if (create && h->v2 && (r = enable_controllers(fd, h->use)) < 0) {
		snprintf(err, errlen, "enabling controllers in cgroup %s: %s", CG_PARENT, strerror(-r));
		return r;
	}
	return steal_fd(&fd);
}

/* `val` (a pid) into cgroup.procs of `leaf` below hierarchy `h`: 1, 0
 * when the hierarchy has no such leaf, or -errno. */
static int enter_leaf(const struct hier *h, const char *leaf, const char *val)
{
	char err[128];
	cleanup_fd int lfd = -1;
	int pfd = cgfs_open_parent(h, false, err, sizeof(err)), r;

	if (pfd < 0)
		return pfd == -ENOENT ? 0 : pfd;
	lfd = cgfs_open_dir(pfd, leaf, h->v2);
	close(pfd);
	if (lfd < 0)
		return lfd == -ENOENT ? 0 : lfd;
	r = ns_write_str(lfd, "cgroup.procs", val);
	return r < 0 ? r : 1;
}

int cg_enter(const char *leaf, pid_t pid)
{
	cleanup_hiers struct hiers hs = { .n = 0 };
	char val[24];
	size_t entered = 0;
	int r;

	if (!state_valid_cgroup(leaf) || pid < 0)
		return -EINVAL;
	snprintf(val, sizeof(val), "%d", (int)pid);
	r = cgfs_hier_find(&hs);
	for (size_t i = 0; i < hs.n && r == 0; i++) {
		r = enter_leaf(&hs.h[i], leaf, val);
		if (r > 0) {
			entered++;
			r = 0;
		}
	}
	if (r == 0 && entered == 0)
		r = -ENOENT;
	return r;
}
