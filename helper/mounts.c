/* mounts.c — the session's mount namespace.
 *
 * Two stages, so that root inside a session cannot undo them:
 *
 * mounts_prepare() runs as host root in a short-lived process that has just
 * made its own mount namespace (session.c, spawn_keeper). It cuts
 * propagation first, so nothing it mounts can reach the host, then mounts
 * the private /tmp and /dev/shm, and hides the host's /run/user. The keeper
 * is cloned from there into the new user namespace; the kernel copies these
 * mounts into the keeper's mount namespace *locked* (they come from a more
 * privileged namespace), so even identity=root users cannot unmount them to
 * reach the host's.
 *
 * /run/user (always, where the host has it): the user's runtime directory
 * on a systemd host holds the sockets of their systemd user manager
 * (systemd/private) and session bus (bus), which run in the host's
 * namespaces and start whatever they are asked to: `systemd-run --user`
 * from inside would walk out of every namespace of the session. The session
 * gets a tmpfs over /run/user instead, holding one empty directory
 * /run/user/UID of the user's, 0700, so XDG_RUNTIME_DIR still works inside
 * for what the session itself runs. Other users' runtime directories are
 * hidden with it. The host's is left as it is.
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
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A tmpfs over the host's /run/user with the user's own, empty runtime
 * directory in it (see the top of this file). Nothing to do where the
 * host has no /run/user. The tmpfs is bounded like logind's runtime
 * directories (10% of RAM). */
static int hide_run_user(const struct session_spec *s)
{
	char dir[sizeof(NSESSION_RUN_USER) + 16];
	struct stat st;
	int r;

	if (lstat(NSESSION_RUN_USER, &st) < 0 || !S_ISDIR(st.st_mode))
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

int mounts_prepare(const struct session_spec *s)
{
	const struct nsc_policy *pol = &s->pol;
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
	return hide_run_user(s);
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
