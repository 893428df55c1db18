/* state_io.c — the state directory NSESSION_STATEDIR and what lives in it.
 *
 * The directory is root-owned with no group/other access (created 0700 when
 * missing). Everything in it is reached by openat() on the directory fd with
 * O_NOFOLLOW, and checked on the opened fd: a planted symlink, fifo or extra
 * hard link is refused, never followed. Names are built from numeric uids
 * only ("1001.session", "1001.lock", "1001.sock"; dnsfiles.c: "1001.resolv",
 * "1001.hosts"), never from caller text. */
#include "helper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void rec_name(uint32_t uid, char out[32])
{
	snprintf(out, 32, "%u.session", uid);
}

void state_sock_name(uint32_t uid, char out[32])
{
	snprintf(out, 32, "%u.sock", uid);
}

void state_lock_name(uint32_t uid, char out[32])
{
	snprintf(out, 32, "%u.lock", uid);
}

/* Open the directory `path` (relative to `at`) without following a
 * symlink, and accept it only if it is root's with no group or other
 * access: an fd, or -errno (-EPERM for the wrong owner or mode). */
static int private_dir_open(int at, const char *path)
{
	struct stat st;
	char why[64];
	int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || ns_check_trusted(&st, S_IFDIR, false, why, sizeof(why)) < 0 ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

int state_dir_open(void)
{
	if (mkdir(NSESSION_STATEDIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	return private_dir_open(AT_FDCWD, NSESSION_STATEDIR);
}

/* Lock files may be removed by whoever holds them (state_unlock_remove),
 * so after flock() check that the name still refers to the locked inode;
 * if not, the lock was taken on a removed file: try again. */
/* flock(LOCK_EX) on `fd`, waiting at most `timeout_ms` (-1: for ever;
 * 0: not at all). -ETIMEDOUT when the time is up (-EAGAIN for 0). */
static int flock_deadline(int fd, int timeout_ms)
{
	struct timespec start, now, nap = { 0, 1000000 };
	int r;

	if (timeout_ms < 0) {
		while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
			;
		return r < 0 ? -errno : 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (timeout_ms == 0)
			return -EAGAIN;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 32000000)
			nap.tv_nsec *= 2; /* 1, 2, 4 … 32 ms between tries */
	}
}

int state_lock(int dirfd, const char *name, int timeout_ms)
{
	for (int tries = 0; tries < 100; tries++) {
		struct stat st, cur;
		char why[64];
		int fd, r;

		fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0) {
			close(fd);
			return -EPERM;
		}
		if (st.st_nlink == 0) {
			/* Removed by its holder between our open and fstat
			 * (state_unlock_remove): not a planted file, try
			 * again. Seen with 16 sessions made at once. */
			close(fd);
			continue;
		}
		if (ns_check_trusted(&st, S_IFREG, true, why, sizeof(why)) < 0) {
			close(fd);
			return -EPERM;
		}
		r = flock_deadline(fd, timeout_ms);
		if (r < 0) {
			close(fd);
			return r;
		}
		if (fstatat(dirfd, name, &cur, AT_SYMLINK_NOFOLLOW) == 0 &&
		    cur.st_dev == st.st_dev && cur.st_ino == st.st_ino)
			return fd;
		close(fd);
	}
	return -EDEADLK;
}

void state_unlock_remove(int dirfd, const char *name, int fd)
{
	(void)unlinkat(dirfd, name, 0);
	close(fd);
}

int state_read(int dirfd, uint32_t uid, struct session_record *r, char *err, size_t errlen)
{
	char name[32], why[128], *buf = NULL;
	size_t len;
	int ret;

	rec_name(uid, name);
	ret = ns_read_trusted(dirfd, name, STATE_FILE_MAX, true, &buf, &len, why, sizeof(why));
	if (ret == -ENOENT)
		return ret;
	if (ret < 0) {
		snprintf(err, errlen, "%s/%s: %s", NSESSION_STATEDIR, name, why);
		return ret;
	}
	ret = state_parse(buf, len, r, why, sizeof(why));
	free(buf);
	if (ret < 0) {
		snprintf(err, errlen, "%s/%s: %s", NSESSION_STATEDIR, name, why);
		return ret;
	}
	if (r->uid != uid) {
		snprintf(err, errlen, "%s/%s: record is for uid %u", NSESSION_STATEDIR, name, r->uid);
		return -EINVAL;
	}
	return 0;
}

int state_read_monitor(int dirfd, uint32_t uid, pid_t *pid, uint64_t *start)
{
	char name[32], why[128], *buf = NULL;
	size_t len;
	int ret;

	rec_name(uid, name);
	ret = ns_read_trusted(dirfd, name, STATE_FILE_MAX, true, &buf, &len, why, sizeof(why));
	if (ret < 0)
		return ret;
	ret = state_parse_monitor(buf, len, pid, start);
	free(buf);
	return ret;
}

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
	rec_name(r->uid, name);
	return state_file_write(dirfd, name, buf, (size_t)len, 0600);
}

bool state_record_exists(int dirfd, uint32_t uid)
{
	struct stat st;
	char name[32];

	rec_name(uid, name);
	return !(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
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
	int fd;

	snprintf(name, sizeof(name), "%u.%u", uid, index);
	fd = openat(ldfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (!hold) {
		close(fd);
		return 0;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = -errno;
		close(fd);
		(void)unlinkat(ldfd, name, 0);
		return e;
	}
	return fd;
}


/* Lease indices of the veth sessions recorded in the state directory, as
 * lease files: for sessions made by a helper from before lease files (an
 * upgrade with sessions running). Runs once, when leases/ is created. */
static void leases_migrate(int dirfd, int ldfd)
{
	struct dirent *de;
	DIR *d = ns_dir_stream(dirfd);

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
	closedir(d);
}

/* The lease directory: an fd, or -ENOENT if it does not exist and not
 * `create`. Created 0700 under the pool lock (the callers that create
 * hold it), then checked like the state directory. */
static int leases_dir(int dirfd, bool create)
{
	bool made = false;
	int fd = private_dir_open(dirfd, STATE_LEASE_DIR);

	if (fd == -ENOENT && create) {
		if (mkdirat(dirfd, STATE_LEASE_DIR, 0700) == 0)
			made = true;
		else if (errno != EEXIST)
			return -errno;
		fd = private_dir_open(dirfd, STATE_LEASE_DIR);
	}
	if (fd >= 0 && made)
		leases_migrate(dirfd, fd);
	return fd;
}

int state_lease_take(int dirfd, uint32_t uid, uint32_t index)
{
	int ldfd = leases_dir(dirfd, true), r;

	if (ldfd < 0)
		return ldfd;
	r = lease_make(ldfd, uid, index, true);
	close(ldfd);
	return r;
}

int state_lease_held(int dirfd, uint32_t uid, uint32_t index)
{
	char name[32];
	int ldfd = leases_dir(dirfd, false), fd, r;

	if (ldfd < 0)
		return ldfd;
	snprintf(name, sizeof(name), "%u.%u", uid, index);
	fd = openat(ldfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	close(ldfd);
	if (fd < 0)
		return -errno;
	r = flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : errno == EWOULDBLOCK ? 1 : -errno;
	close(fd);
	return r;
}

/* Remove every lease of `uid` (normally one; a monitor killed between
 * taking a lease and writing its record leaves one without a record). */
static int leases_remove(int dirfd, uint32_t uid)
{
	struct dirent *de;
	int ldfd = leases_dir(dirfd, false), ret = 0;
	DIR *d;

	if (ldfd == -ENOENT)
		return 0;
	if (ldfd < 0)
		return ldfd;
	d = ns_dir_stream(ldfd);
	if (!d) {
		ret = -errno;
		close(ldfd);
		return ret;
	}
	while ((de = readdir(d)) != NULL) {
		uint32_t u, i;
		if (parse_lease_name(de->d_name, &u, &i) == 0 && u == uid &&
		    unlinkat(ldfd, de->d_name, 0) < 0 && errno != ENOENT && ret == 0)
			ret = -errno;
	}
	closedir(d);
	close(ldfd);
	return ret;
}

int state_remove(int dirfd, uint32_t uid)
{
	char name[32], tmp[48];
	int ret = 0;

	rec_name(uid, name);
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
	int ldfd = leases_dir(dirfd, true), ret = 0;
	DIR *d;

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
	closedir(d);
	return ret;
}
