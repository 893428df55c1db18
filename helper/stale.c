/* stale.c — what a dead session left, removed by the monitor program:
 * for MW_OP_CLEAN (a caller found a stale record, or none it can read, or
 * a set-up died halfway) and when the address pool is full
 * (reclaim_leases). Only processes whose identity matches the record
 * (pid and start time, through a pidfd) are killed. */
#include "monitor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "pidfd.h"
#include "spawn.h"
#include "util.h"

/* A record that failed the checks: kill whatever of it is still running,
 * remove its network, cgroups and the record. Called with the user's lock
 * held. */
void cleanup_stale(int dirfd, uint32_t uid, const struct session_record *rec,
			  const struct nsc_policy *guess)
{
	if (rec) {
		int fd = proc_pidfd_checked(rec->monitor_pid, rec->monitor_start);
		if (fd >= 0) {
			ns_pidfd_signal(fd, SIGKILL);
			/* Gone, and its cgroup locks with it, before the sweep. */
			(void)ns_wait_readable(fd, 1000);
			close(fd);
		}
		fd = proc_pidfd_checked(rec->keeper_pid, rec->keeper_start);
		if (fd >= 0) {
			ns_pidfd_signal(fd, SIGKILL);
			close(fd);
		}
		network_remove_recorded(rec);
	} else if (guess) {
		/* No record to go by: what the current policy would have made. */
		network_remove(uid, guess->network, guess->veth_host, NULL, NULL, NULL);
	}
	/* The record's cgroup and any other leftover of this user's: with or
	 * without a record, whatever no live monitor holds. */
	cg_sweep_user(uid);
	(void)state_remove(dirfd, uid);
}

/* With the pool exhausted (under pool.lock): a lease that no live monitor
 * holds (state_lease_held), of a user whose session is not being made or
 * ended right now (their lock is free) and who has no record, or a record
 * whose monitor is dead (a monitor killed between lease and record, a
 * crash), is cleaned up with everything else of theirs. A record that does
 * not parse (one of an older nsession's, perhaps live) is left alone.
 * Returns how many users' leases went. */
int reclaim_leases(int dirfd, uint32_t self)
{
	uint32_t used[4096], owners[4096];
	size_t n;
	int freed = 0;

	if (state_leases(dirfd, used, owners, NS_ARRAY_SIZE(used), &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct session_record rec;
		char why[256];
		int lockfd, mfd, r;

		if (owners[i] == self || state_lease_held(dirfd, owners[i], used[i]) != 0)
			continue;
		lockfd = user_lock(dirfd, owners[i], 0); /* never wait here */
		if (lockfd < 0)
			continue;
		r = state_read(dirfd, owners[i], &rec, why, sizeof(why));
		mfd = r == 0 ? proc_pidfd_checked(rec.monitor_pid, rec.monitor_start) : -ESTALE;
		if (mfd >= 0) {
			close(mfd);
		} else if (r == 0 || r == -ENOENT) {
			ns_warn_log("lease of uid %u reclaimed: %s", (unsigned)owners[i],
				    r == -ENOENT ? "no session record" : "its monitor is gone");
			cleanup_stale(dirfd, owners[i], r == 0 ? &rec : NULL, NULL);
			freed++;
		}
		user_unlock(dirfd, owners[i], lockfd);
	}
	return freed;
}

