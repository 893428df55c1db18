/* mounts.c — the session's mount namespace, set up by the keeper.
 *
 * Runs in the keeper after clone(), inside the new mount namespace, before
 * any user process exists there, so no path here can be raced by the user.
 * Order matters: propagation is cut first, so nothing mounted afterwards can
 * reach the host. (A mount namespace made inside a new user namespace
 * already turns shared mounts into slaves; doing it explicitly also covers a
 * policy without the user namespace.) */
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

int mounts_setup(const struct nsc_policy *pol)
{
	const unsigned long nsd = MS_NOSUID | MS_NODEV;
	int r;

	/* Host mounts still propagate in; nothing propagates out. */
	r = do_mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL);
	if (r < 0)
		return r;
	if (pol->namespaces & NSC_NS_PID) {
		r = do_mount("proc", "/proc", "proc", nsd | MS_NOEXEC, NULL);
		if (r < 0)
			return r;
	}
	if (pol->private_tmp) {
		r = do_mount("tmpfs", "/tmp", "tmpfs", nsd, "mode=1777");
		if (r < 0)
			return r;
	}
	/* POSIX shared memory lives in /dev/shm, outside the IPC namespace:
	 * give the session its own with its own IPC namespace. */
	if (pol->namespaces & NSC_NS_IPC) {
		struct stat st;
		if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) {
			r = do_mount("tmpfs", "/dev/shm", "tmpfs", nsd | MS_NOEXEC, "mode=1777");
			if (r < 0)
				return r;
		}
	}
	return 0;
}
