/* procfs.c — who a process is: start times, pidfds, namespace inodes.
 *
 * A pid alone names nothing (it is reused); a process is identified by its
 * pid and its start time (/proc/PID/stat field 22), and held by a pidfd
 * opened while the start time still matched. proc_live is the one check
 * that a session record names live processes: its monitor and keeper with
 * the recorded start times, and the keeper's namespaces the recorded
 * inodes, checked again after opening. The helper's caller, the monitor
 * and nsessionctl all use it. */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "nskind.h"
#include "pidfd.h"

int proc_starttime(pid_t pid, uint64_t *start)
{
	char path[64], buf[1024], *p;
	cleanup_fd int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
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

void proc_ns_close(int fds[NSK_COUNT])
{
	for (int i = 0; i < NSK_COUNT; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int proc_ns_open(pid_t pid, unsigned mask, int fds[NSK_COUNT],
		 const struct session_record *expect)
{
	for (int i = 0; i < NSK_COUNT; i++)
		fds[i] = -1;
	for (int i = 0; i < NSK_COUNT; i++) {
		char path[64];
		struct stat st;

		if (!(mask & (1u << i)))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, nskinds[i].name);
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

/* The initial namespaces' inode numbers (nskind.c) of the kinds that have
 * fixed ones. What the check is for, a process inside a session, is in the
 * session's PID, IPC, UTS and cgroup namespaces too (a session without any
 * of those leaves the host's /proc and pids in place, and nothing here is
 * mistaken for stale). */
int proc_in_host_ns(char *why, size_t whylen)
{
	for (int i = 0; i < NSK_COUNT; i++) {
		char path[64];
		struct stat self;

		if (nskinds[i].init_ino == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", nskinds[i].name);
		if (stat(path, &self) < 0) {
			snprintf(why, whylen, "%s: %s", path, strerror(errno));
			return -EPERM;
		}
		if ((uint64_t)self.st_ino != nskinds[i].init_ino) {
			snprintf(why, whylen, "its %s namespace is not the host's", nskinds[i].name);
			return -EPERM;
		}
	}
	return 0;
}

int proc_pidfd_checked(pid_t pid, uint64_t start)
{
	uint64_t now;
	cleanup_fd int fd = ns_pidfd_open(pid);

	if (fd < 0)
		return fd;
	if (proc_starttime(pid, &now) < 0 || now != start || ns_pidfd_signal(fd, 0) < 0)
		return -ESTALE;
	return steal_fd(&fd);
}

int proc_live(const struct session_record *rec, unsigned mask, int fds[NSK_COUNT])
{
	cleanup_fd int mfd = -1;
	cleanup_fd int kfd = -1;
	int tmp[NSK_COUNT], *ns = fds ? fds : tmp, r;

	for (int i = 0; i < NSK_COUNT; i++)
		ns[i] = -1;
	mfd = proc_pidfd_checked(rec->monitor_pid, rec->monitor_start);
	if (mfd < 0)
		return -ESTALE;
	kfd = proc_pidfd_checked(rec->keeper_pid, rec->keeper_start);
	if (kfd < 0)
		return -ESTALE;
	/* A dead keeper its stopped monitor has not reaped yet is a zombie
	 * without namespaces; one that died after we opened them is caught
	 * by asking its pidfd again (so the pid was not reused). */
	r = proc_ns_open(rec->keeper_pid, mask & rec->namespaces, ns, rec);
	if (r == 0 && ns_pidfd_signal(kfd, 0) < 0)
		r = -ESTALE;
	if (r < 0 || !fds)
		proc_ns_close(ns);
	return r == -ENOENT || r == -ESRCH ? -ESTALE : r;
}
