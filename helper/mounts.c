/* mounts.c — the session's mount namespace, set up by the keeper.
 *
 * Ownership (issue 14, SECURITY.md): the session's mount namespace is made
 * by host root in the initial user namespace and is owned by it; the
 * session's user namespace is made afterwards, separately, and owns no
 * other namespace. Nothing in the session, not even a user who is root in
 * the session's user namespace, can mount or unmount anything in this
 * mount table: mount(2) needs CAP_SYS_ADMIN in the user namespace that owns
 * the mount namespace. So the paths that host-root processes use inside
 * the session (sshd's monitor, su's and login's parent, pam_close_session,
 * `nsessionctl enter`) mean what they mean on the host, apart from what is
 * mounted here. A root-inside user who wants mounts of their own makes a
 * mount namespace of their own (`unshare -m`); the kernel copies this table
 * into it with every mount locked, and no host process ever enters it.
 *
 * mounts_setup() runs in the keeper, as host root, in the fresh mount
 * namespace, before the keeper creates the user namespace and before any
 * user process exists in the session. It cuts propagation first, so
 * nothing it mounts can reach the host, then mounts:
 *   /tmp         a private tmpfs (private_tmp), size and inodes bounded by
 *                the policy (tmp_size, tmp_inodes);
 *   /dev/shm     the same, with the IPC namespace (POSIX shared memory
 *                lives there, outside the IPC namespace);
 *   /dev/mqueue  the IPC namespace's own POSIX message queues;
 *   /run/user    hidden (below);
 *   /sys         with the network namespace, a sysfs of the session's own,
 *                read-only, so that /sys/class/net lists the session's
 *                interfaces, not the host's; the host's cgroup tree
 *                (/sys/fs/cgroup) is carried over onto it, the rest below
 *                the host's /sys (debugfs, securityfs, bpf…) is not;
 *   /etc/resolv.conf, /etc/hosts
 *                with s->dns_resolv / s->dns_hosts, the files the monitor
 *                wrote for this session into the state directory
 *                (dnsfiles.c), bind-mounted read-only (below);
 *   /proc        the proc of the session's PID namespace.
 *
 * /run/user (always, where the host has it): the user's runtime directory
 * on a systemd host holds the sockets of their systemd user manager
 * (systemd/private) and session bus (bus), which run in the host's
 * namespaces and start whatever they are asked to: `systemd-run --user`
 * from inside would walk out of every namespace of the session. The session
 * gets a tmpfs over /run/user instead, holding one empty directory
 * /run/user/UID of the user's, 0700, so XDG_RUNTIME_DIR still works inside
 * for what the session itself runs. Other users' runtime directories are
 * hidden with it. The host's is left as it is. */
#include "helper.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

static int do_mount(const char *src, const char *dst, const char *type,
		    unsigned long flags, const char *data)
{
	if (mount(src, dst, type, flags, data) < 0) {
		int e = -errno;
		ns_err("mount %s on %s: %s", type ? type : "(propagation)", dst, strerror(-e));
		return e;
	}
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A tmpfs over the host's /run/user with the user's own, empty runtime
 * directory in it (see the top of this file). Nothing to do where the
 * host has no /run/user. The tmpfs is bounded like logind's runtime
 * directories (10% of RAM). */
static int hide_run_user(const struct session_spec *s)
{
	char dir[sizeof(NSESSION_RUN_USER) + 16];
	int r;

	if (!is_dir(NSESSION_RUN_USER))
		return 0;
	r = do_mount("tmpfs", NSESSION_RUN_USER, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=10%");
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), NSESSION_RUN_USER "/%u", (unsigned)s->uid);
	if (mkdir(dir, 0700) < 0 || chown(dir, s->uid, s->gid) < 0) {
		r = -errno;
		ns_err("private %s: %s", dir, strerror(-r));
		return r;
	}
	return 0;
}

/* A private tmpfs (/tmp, /dev/shm), bounded by the policy. */
static int private_tmpfs(const struct nsc_policy *pol, const char *dst, unsigned long extra)
{
	char opts[64];

	snprintf(opts, sizeof(opts), "mode=1777,size=%s,nr_inodes=%u", pol->tmp_size,
		 (unsigned)pol->tmp_inodes);
	return do_mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV | extra, opts);
}

/* A fresh, read-only sysfs over /sys (it shows the network devices of the
 * mounting process's network namespace, the session's), with a copy of
 * the host's /sys/fs/cgroup tree moved onto it. */
static int private_sys(void)
{
	const unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	cleanup_fd int cg = -1;
	int r;

	if (is_dir("/sys/fs/cgroup")) {
		cg = (int)syscall(SYS_open_tree, AT_FDCWD, "/sys/fs/cgroup",
				  OPEN_TREE_CLONE | AT_RECURSIVE | O_CLOEXEC);
		/* Linux 5.2 has it; ENOSYS only under an emulator (valgrind)
		 * or a filter: then the host's /sys stays, as before. */
		if (cg < 0 && errno == ENOSYS)
			return 0;
		if (cg < 0) {
			r = -errno;
			ns_err("copying /sys/fs/cgroup: %s", strerror(-r));
			return r;
		}
	}
	r = do_mount("sysfs", "/sys", "sysfs", flags, NULL);
	if (r == 0 && cg >= 0 &&
	    syscall(SYS_move_mount, cg, "", AT_FDCWD, "/sys/fs/cgroup", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		r = -errno;
		ns_err("/sys/fs/cgroup on the session's /sys: %s", strerror(-r));
	}
	return r;
}

/* The state directory's `name` (dnsfiles.c), checked on its fd (a
 * regular file of root's, one link, not group/world-writable), bind-mounted
 * over `target` and made read-only. Where `target` is a symlink (systemd-
 * resolved's /etc/resolv.conf -> ../run/systemd/resolve/stub-resolv.conf)
 * the mount goes on the link itself (move_mount without
 * MOVE_MOUNT_T_SYMLINKS): a path walk crosses the mount before it would
 * follow the link, so the session reads this file, and the host's
 * rewriting the link's target (resolved writes a new file and renames it
 * over the old one) leaves the mount in place; a mount on the target file
 * would be detached by that rename, in every namespace (Linux >= 3.18).
 * The host renaming a new file over a plain /etc/resolv.conf (a DHCP
 * client, NetworkManager, resolvconf) still detaches it: the session then
 * sees the host's new file. Without open_tree (ENOSYS: valgrind), or where
 * the kernel refuses a mount on a symlink, mount(2) follows the link:
 * within this mount namespace, which only host root can change, that is
 * fine. A missing target (or one that is not a regular file) is skipped
 * with a warning: the session then has the host's, as without dns =. */
static void keep_host_file(uid_t uid, const char *target, int err)
{
	ns_warn_log("uid=%u: %s %s: the session keeps the host's", (unsigned)uid, target,
		    err == ENOENT ? "does not exist" : err ? strerror(err) : "is not a regular file");
}

/* The state directory's `name` as a detached mount of its own (`clone`,
 * open_tree) or an O_PATH fd, checked as said above: an fd or -errno
 * (-ENOSYS from open_tree unlogged). */
static int state_file_open(int dirfd, const char *name, bool clone)
{
	struct stat st;
	char why[64];
	cleanup_fd int fd = clone ? (int)syscall(SYS_open_tree, dirfd, name,
						 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW)
				  : openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && clone && errno == ENOSYS)
		return -ENOSYS;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = -errno;
		ns_err("%s/%s: %s", NSESSION_STATEDIR, name, strerror(-e));
		return e;
	}
	if (ns_check_trusted(&st, S_IFREG, true, why, sizeof(why)) < 0) {
		ns_err("%s/%s: %s", NSESSION_STATEDIR, name, why);
		return -EPERM;
	}
	return steal_fd(&fd);
}

/* The file as a mount of its own (open_tree) moved onto `target` itself,
 * its fd closed on return: 0; 1 where the caller should try mount(2)
 * instead (no open_tree, or `target` a symlink the kernel would not mount
 * on); or -errno. */
static int bind_tree(int dirfd, const char *name, const char *target, bool link)
{
	cleanup_fd int fd = state_file_open(dirfd, name, true);
	int r;

	if (fd == -ENOSYS)
		return 1;
	if (fd < 0)
		return fd;
	r = syscall(SYS_move_mount, fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0
		    ? -errno : 0;
	if (r == 0)
		return 0;
	if (link)
		return 1;
	ns_err("mount %s/%s on %s: %s", NSESSION_STATEDIR, name, target, strerror(-r));
	return r;
}

/* The file bind-mounted over `target` by mount(2) through /proc/self/fd,
 * its fd closed on return. */
static int bind_path(int dirfd, const char *name, const char *target)
{
	char src[64];
	cleanup_fd int fd = state_file_open(dirfd, name, false);

	if (fd < 0)
		return fd;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
	return do_mount(src, target, "bind", MS_BIND, NULL); /* the type is ignored */
}

static int bind_state_file(int dirfd, const char *name, const char *target, uid_t uid)
{
	const unsigned long ro = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	struct stat tst;
	int r;

	errno = 0;
	if (lstat(target, &tst) < 0 || (!S_ISREG(tst.st_mode) && !S_ISLNK(tst.st_mode))) {
		keep_host_file(uid, target, errno);
		return 0;
	}
	r = bind_tree(dirfd, name, target, S_ISLNK(tst.st_mode));
	if (r <= 0)
		return r < 0 ? r : do_mount(NULL, target, "bind", ro, NULL);
	/* mount(2), following a symlink: onto a regular file only. */
	errno = 0;
	if (stat(target, &tst) < 0 || !S_ISREG(tst.st_mode)) {
		keep_host_file(uid, target, errno);
		return 0;
	}
	r = bind_path(dirfd, name, target);
	return r < 0 ? r : do_mount(NULL, target, "bind", ro, NULL);
}

/* The session's resolv.conf and hosts, as the monitor wrote them. */
static int dns_files_mount(const struct session_spec *s)
{
	char name[32];
	cleanup_fd int dirfd = -1;
	int r = 0;

	if (!s->dns_resolv && !s->dns_hosts)
		return 0;
	dirfd = state_dir_open();
	if (dirfd < 0) {
		ns_err("%s: %s", NSESSION_STATEDIR, strerror(-dirfd));
		return dirfd;
	}
	if (s->dns_resolv) {
		dns_file_name(s->uid, false, name);
		r = bind_state_file(dirfd, name, "/etc/resolv.conf", s->uid);
	}
	if (r == 0 && s->dns_hosts) {
		dns_file_name(s->uid, true, name);
		r = bind_state_file(dirfd, name, "/etc/hosts", s->uid);
	}
	return r;
}

int mounts_setup(const struct session_spec *s)
{
	const struct nsc_policy *pol = &s->pol;
	const unsigned long nse = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	int r;

	/* Host mounts still propagate in; nothing propagates out. */
	r = do_mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
	if (r == 0 && pol->private_tmp)
		r = private_tmpfs(pol, "/tmp", 0);
	if (r == 0 && (pol->namespaces & NSC_NS_IPC) && is_dir("/dev/shm"))
		r = private_tmpfs(pol, "/dev/shm", MS_NOEXEC);
	if (r == 0 && (pol->namespaces & NSC_NS_IPC) && is_dir("/dev/mqueue"))
		r = do_mount("mqueue", "/dev/mqueue", "mqueue", nse, NULL);
	if (r == 0)
		r = hide_run_user(s);
	if (r == 0 && (pol->namespaces & NSC_NS_NET) && is_dir("/sys"))
		r = private_sys();
	if (r == 0)
		r = dns_files_mount(s);
	if (r == 0 && (pol->namespaces & NSC_NS_PID))
		r = do_mount("proc", "/proc", "proc", nse, NULL);
	return r;
}
