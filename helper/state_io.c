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

#include "cleanup.h"
#include "util.h"

void state_record_name(uint32_t uid, char out[32])
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
int state_private_dir_open(int at, const char *path)
{
	struct stat st;
	char why[64];
	cleanup_fd int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || ns_check_trusted(&st, S_IFDIR, false, why, sizeof(why)) < 0 ||
	    (st.st_mode & 077) != 0)
		return -EPERM;
	return steal_fd(&fd);
}

int state_dir_open(void)
{
	if (mkdir(NSESSION_STATEDIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	return state_private_dir_open(AT_FDCWD, NSESSION_STATEDIR);
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
		cleanup_fd int fd = openat(dirfd, name,
					   O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		int r;

		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0)
			return -EPERM;
		/* nlink 0: removed by its holder between our open and fstat
		 * (state_unlock_remove): not a planted file, try again. Seen
		 * with 16 sessions made at once. */
		if (st.st_nlink == 0)
			continue;
		if (ns_check_trusted(&st, S_IFREG, true, why, sizeof(why)) < 0)
			return -EPERM;
		r = flock_deadline(fd, timeout_ms);
		if (r < 0)
			return r;
		if (fstatat(dirfd, name, &cur, AT_SYMLINK_NOFOLLOW) == 0 &&
		    cur.st_dev == st.st_dev && cur.st_ino == st.st_ino)
			return steal_fd(&fd);
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
	cleanup_free char *buf = NULL;
	char name[32], why[128];
	size_t len;
	int ret;

	state_record_name(uid, name);
	ret = ns_read_trusted(dirfd, name, STATE_FILE_MAX, true, &buf, &len, why, sizeof(why));
	if (ret == -ENOENT)
		return ret;
	if (ret < 0) {
		snprintf(err, errlen, "%s/%s: %s", NSESSION_STATEDIR, name, why);
		return ret;
	}
	ret = state_parse(buf, len, r, why, sizeof(why));
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
	cleanup_free char *buf = NULL;
	char name[32], why[128];
	size_t len;
	int ret;

	state_record_name(uid, name);
	ret = ns_read_trusted(dirfd, name, STATE_FILE_MAX, true, &buf, &len, why, sizeof(why));
	if (ret < 0)
		return ret;
	return state_parse_monitor(buf, len, pid, start);
}

bool state_record_exists(int dirfd, uint32_t uid)
{
	struct stat st;
	char name[32];

	state_record_name(uid, name);
	return !(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
}
