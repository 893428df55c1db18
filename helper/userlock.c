/* userlock.c — what serialises one user's session, for the caller and the
 * monitor alike: the user's lock "<uid>.lock" and the address of the
 * monitor's socket "<uid>.sock" in the state directory (state_io.c). */
#include "helper.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The user's lock: `timeout_ms` as for state_lock (a login waits
 * USER_LOCK_WAIT_MS at most; a monitor ending its session waits for
 * ever). */
int user_lock(int dirfd, uint32_t uid, int timeout_ms)
{
	char name[32];

	state_lock_name(uid, name);
	return state_lock(dirfd, name, timeout_ms);
}

/* Release the user's lock; with no session recorded, remove the lock file
 * too, so a failed or ended session leaves nothing in the directory. */
void user_unlock(int dirfd, uint32_t uid, int lockfd)
{
	char name[32];

	state_lock_name(uid, name);
	if (!state_record_exists(dirfd, uid))
		state_unlock_remove(dirfd, name, lockfd);
	else
		close(lockfd);
}

int session_sock_path(uint32_t uid, struct sockaddr_un *sa)
{
	char name[32];

	state_sock_name(uid, name);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s",
			     NSESSION_STATEDIR, name) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

