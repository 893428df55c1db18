/* mounts.c — the session's mount namespace.
 *
 * Two stages, so that root inside a session cannot undo them:
 *
 * mounts_prepare() runs as host root in a short-lived process that has just
 * made its own mount namespace (session.c, spawn_keeper). It cuts
 * propagation first, so nothing it mounts can reach the host, then mounts
 * the private /tmp and /dev/shm. The keeper is cloned from there into the
 * new user namespace; the kernel copies these mounts into the keeper's mount
 * namespace *locked* (they come from a more privileged namespace), so even
 * identity=root users cannot unmount their /tmp or /dev/shm to reach the
 * host's.
 *
 * mounts_setup() runs in the keeper, inside the new namespaces, before any
 * user process exists there: it mounts the proc of the session's PID
 * namespace over /proc.
 *
 * Known limit: that proc mount belongs to the session's user namespace, so
 * an identity=root user can unmount it and see the host's /proc beneath
 * (what their uid may read there, as on the host). It cannot be put on a
 * locked floor: the kernel only allows a new proc while a proc mount is
 * fully visible in the namespace (checked on 6.18: a tmpfs over the host's
 * /proc makes the mount fail with EPERM). The way out is a second, nested
 * user namespace for the login processes; see the project notes. */
#include "helper.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

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

int mounts_prepare(const struct nsc_policy *pol)
{
	const unsigned long nsd = MS_NOSUID | MS_NODEV;
	struct stat st;
	int r;

	/* Host mounts still propagate in; nothing propagates out. */
	r = do_mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
	if (r < 0)
		return r;
	if (pol->private_tmp) {
		r = do_mount("tmpfs", "/tmp", "tmpfs", nsd, "mode=1777");
		if (r < 0)
			return r;
	}
	/* POSIX shared memory lives in /dev/shm, outside the IPC namespace:
	 * give the session its own with its own IPC namespace. */
	if ((pol->namespaces & NSC_NS_IPC) && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) {
		r = do_mount("tmpfs", "/dev/shm", "tmpfs", nsd | MS_NOEXEC, "mode=1777");
		if (r < 0)
			return r;
	}
	return 0;
}

int mounts_setup(const struct nsc_policy *pol)
{
	int r;

	r = do_mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
	if (r < 0)
		return r;
	if (pol->namespaces & NSC_NS_PID)
		return do_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	return 0;
}
