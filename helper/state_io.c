/* state_io.c — the state directory NSESSION_STATEDIR and what lives in it.
 *
 * The directory is root-owned with no group/other access (created 0700 when
 * missing). Everything in it is reached by openat() on the directory fd with
 * O_NOFOLLOW, and checked on the opened fd: a planted symlink, fifo or extra
 * hard link is refused, never followed. Names are built from numeric uids
 * only ("1001.session", "1001.lock", "1001.sock"), never from caller text. */
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

int state_dir_open(void)
{
	struct stat st;
	char why[64];
	int fd;

	if (mkdir(NSESSION_STATEDIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = open(NSESSION_STATEDIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || ns_check_trusted(&st, S_IFDIR, false, why, sizeof(why)) < 0 ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* Lock files may be removed by whoever holds them (state_unlock_remove),
 * so after flock() check that the name still refers to the locked inode;
 * if not, the lock was taken on a removed file: try again. */
int state_lock(int dirfd, const char *name)
{
	for (int tries = 0; tries < 100; tries++) {
		struct stat st, cur;
		char why[64];
		int fd, r;

		fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0 || ns_check_trusted(&st, S_IFREG, true, why, sizeof(why)) < 0) {
			close(fd);
			return -EPERM;
		}
		while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
			;
		if (r < 0) {
			r = -errno;
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

int state_write(int dirfd, const struct session_record *r)
{
	char name[32], tmp[48], buf[STATE_FILE_MAX];
	int fd, len, ret = 0;

	len = state_format(r, buf, sizeof(buf));
	if (len < 0)
		return len;
	rec_name(r->uid, name);
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	(void)unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len)
		ret = errno ? -errno : -EIO;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		ret = -errno;
	if (ret < 0)
		(void)unlinkat(dirfd, tmp, 0);
	return ret;
}

bool state_record_exists(int dirfd, uint32_t uid)
{
	struct stat st;
	char name[32];

	rec_name(uid, name);
	return !(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
}

int state_remove(int dirfd, uint32_t uid)
{
	char name[32], tmp[48];
	int ret = 0;

	rec_name(uid, name);
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		ret = -errno;
	/* A half-written record of a writer that was killed. */
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	(void)unlinkat(dirfd, tmp, 0);
	state_sock_name(uid, name);
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT && ret == 0)
		ret = -errno;
	return ret;
}

/* Pool indices of every veth session recorded. A record that cannot be
 * read still holds its lease (it may belong to a live session we fail to
 * parse): the caller can only be over-cautious. */
int state_leases(int dirfd, uint32_t *used, size_t max, size_t *n)
{
	int dfd = dup(dirfd);
	DIR *d;
	struct dirent *de;

	*n = 0;
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		struct session_record r;
		char err[256], *dot = strchr(de->d_name, '.');
		uint32_t uid;

		if (!dot || strcmp(dot, ".session") != 0)
			continue;
		*dot = '\0';
		if (ns_parse_u32(de->d_name, &uid) < 0)
			continue;
		if (state_read(dirfd, uid, &r, err, sizeof(err)) < 0 || !nsc_net_has_veth(r.network))
			continue;
		if (*n == max) {
			closedir(d);
			return -ENOSPC;
		}
		used[(*n)++] = r.pool_index;
	}
	closedir(d);
	return 0;
}

int proc_starttime(pid_t pid, uint64_t *start)
{
	char path[64], buf[1024], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may hold anything, spaces and ')' included: start after the
	 * last ')'. Then fields 3.. follow; starttime is field 22. */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p++;
	for (int field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (field == 22) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(p, &end, 10);
			if (errno || end == p)
				return -EIO;
			*start = v;
			return 0;
		}
		p = strchr(p, ' ');
		if (!p)
			return -EIO;
	}
	return -EIO;
}

void proc_ns_close(int fds[NSC_NS_COUNT])
{
	for (int i = 0; i < NSC_NS_COUNT; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int proc_ns_open(pid_t pid, unsigned mask, int fds[NSC_NS_COUNT],
		 const struct session_record *expect)
{
	for (int i = 0; i < NSC_NS_COUNT; i++)
		fds[i] = -1;
	for (int i = 0; i < NSC_NS_COUNT; i++) {
		char path[64];
		struct stat st;

		if (!(mask & (1u << i)))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, nsc_ns_names[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0 || fstat(fds[i], &st) < 0) {
			int e = -errno;
			proc_ns_close(fds);
			return e;
		}
		if (expect && (st.st_ino != expect->ns_ino[i] || st.st_dev != expect->ns_dev)) {
			proc_ns_close(fds);
			return -ESTALE;
		}
	}
	return 0;
}
