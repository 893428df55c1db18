/* state_write.c — what the monitor writes in the state directory (the
 * caller only reads it, state_io.c): records and other files through a
 * temporary name and rename, the address leases, and removal. Same rules
 * as state_io.c: openat on the directory's fd, O_NOFOLLOW, names from
 * numeric uids only. */
#include "helper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

int state_file_write(int dirfd, const char *name, const char *buf, size_t len, mode_t mode)
{
	char tmp[48];
	size_t done = 0;
	int fd, ret = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	(void)unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0) /* whatever the umask (the monitor's is 077) */
		ret = -errno;
	while (ret == 0 && done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ret = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		ret = -errno;
	if (ret < 0)
		(void)unlinkat(dirfd, tmp, 0);
	return ret;
}

int state_write(int dirfd, const struct session_record *r)
{
	char name[32], buf[STATE_FILE_MAX];
	int len = state_format(r, buf, sizeof(buf));

	if (len < 0)
		return len;
	state_record_name(r->uid, name);
	return state_file_write(dirfd, name, buf, (size_t)len, 0600);
}

/* "UID.INDEX" (a name in leases/) -> uid, index; -EINVAL for any other. */
static int parse_lease_name(const char *name, uint32_t *uid, uint32_t *index)
{
	char buf[32], *dot;

	if (strlen(name) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, name);
	dot = strchr(buf, '.');
	if (!dot)
		return -EINVAL;
	*dot = '\0';
	if (ns_parse_u32(buf, uid) < 0 || ns_parse_u32(dot + 1, index) < 0)
		return -EINVAL;
	return 0;
}

/* Make leases/UID.INDEX; with `hold`, return it open and flock()ed (the
 * mark of a live monitor, see state_lease_held), else 0. */
static int lease_make(int ldfd, uint32_t uid, uint32_t index, bool hold)
{
	char name[32];
	cleanup_fd int fd = -1;

	snprintf(name, sizeof(name), "%u.%u", uid, index);
	fd = openat(ldfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (!hold)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = -errno;
		close(steal_fd(&fd)); /* before the name goes */
		(void)unlinkat(ldfd, name, 0);
		return e;
	}
	return steal_fd(&fd);
}


/* Lease indices of the veth sessions recorded in the state directory, as
 * lease files: for sessions made by a helper from before lease files (an
 * upgrade with sessions running). Runs once, when leases/ is created. */
static void leases_migrate(int dirfd, int ldfd)
{
	struct dirent *de;
	cleanup_dir DIR *d = ns_dir_stream(dirfd);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		struct session_record r;
		char err[256], *dot = strchr(de->d_name, '.');
		uint32_t uid;

		if (!dot || strcmp(dot, ".session") != 0)
			continue;
		*dot = '\0';
		if (ns_parse_u32(de->d_name, &uid) == 0 &&
		    state_read(dirfd, uid, &r, err, sizeof(err)) == 0 && nsc_net_has_veth(r.network))
			(void)lease_make(ldfd, uid, r.pool_index, false);
	}
}

/* The lease directory: an fd, or -ENOENT if it does not exist and not
 * `create`. Created 0700 under the pool lock (the callers that create
 * hold it), then checked like the state directory. */
static int leases_dir(int dirfd, bool create)
{
	bool made = false;
	int fd = state_private_dir_open(dirfd, STATE_LEASE_DIR);

	if (fd == -ENOENT && create) {
		if (mkdirat(dirfd, STATE_LEASE_DIR, 0700) == 0)
			made = true;
		else if (errno != EEXIST)
			return -errno;
		fd = state_private_dir_open(dirfd, STATE_LEASE_DIR);
	}
	if (fd >= 0 && made)
		leases_migrate(dirfd, fd);
	return fd;
}

int state_lease_take(int dirfd, uint32_t uid, uint32_t index)
{
	cleanup_fd int ldfd = leases_dir(dirfd, true);

	if (ldfd < 0)
		return ldfd;
	return lease_make(ldfd, uid, index, true);
}

int state_lease_held(int dirfd, uint32_t uid, uint32_t index)
{
	char name[32];
	cleanup_fd int fd = -1;
	int ldfd = leases_dir(dirfd, false);

	if (ldfd < 0)
		return ldfd;
	snprintf(name, sizeof(name), "%u.%u", uid, index);
	fd = openat(ldfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(ldfd);
	if (fd < 0)
		return -errno;
	return flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno == EWOULDBLOCK ? 1 : -errno;
}

/* Remove every lease of `uid` (normally one; a monitor killed between
 * taking a lease and writing its record leaves one without a record). */
static int leases_remove(int dirfd, uint32_t uid)
{
	struct dirent *de;
	cleanup_fd int ldfd = leases_dir(dirfd, false);
	cleanup_dir DIR *d = NULL;
	int ret = 0;

	if (ldfd == -ENOENT)
		return 0;
	if (ldfd < 0)
		return ldfd;
	d = ns_dir_stream(ldfd);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		uint32_t u, i;
		if (parse_lease_name(de->d_name, &u, &i) == 0 && u == uid &&
		    unlinkat(ldfd, de->d_name, 0) < 0 && errno != ENOENT && ret == 0)
			ret = -errno;
	}
	return ret;
}

int state_remove(int dirfd, uint32_t uid)
{
	char name[32], tmp[48];
	int ret = 0;

	state_record_name(uid, name);
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		ret = -errno;
	if (leases_remove(dirfd, uid) < 0 && ret == 0)
		ret = -EIO;
	/* A half-written record of a writer that was killed. */
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	(void)unlinkat(dirfd, tmp, 0);
	state_sock_name(uid, name);
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT && ret == 0)
		ret = -errno;
	/* The session's resolv.conf and hosts (dnsfiles.c). */
	dns_files_remove(dirfd, uid);
	return ret;
}

/* Pool indices in use: the names in leases/, one readdir of that
 * directory alone. */
int state_leases(int dirfd, uint32_t *used, uint32_t *owners, size_t max, size_t *n)
{
	struct dirent *de;
	cleanup_dir DIR *d = NULL;
	int ldfd = leases_dir(dirfd, true), ret = 0;

	*n = 0;
	if (ldfd < 0)
		return ldfd;
	d = ns_dir_stream(ldfd);
	ret = d ? 0 : -errno;
	close(ldfd);
	if (!d)
		return ret;
	while ((de = readdir(d)) != NULL) {
		uint32_t uid, index;
		if (parse_lease_name(de->d_name, &uid, &index) < 0)
			continue;
		if (*n == max) {
			ret = -ENOSPC;
			break;
		}
		if (owners)
			owners[*n] = uid;
		used[(*n)++] = index;
	}
	return ret;
}
