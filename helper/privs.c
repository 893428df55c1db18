/* privs.c — giving up capabilities.
 *
 * Inside a user namespace a change from host root to another uid does not
 * clear capabilities by itself (the kernel only does that for a change away
 * from the namespace's own root), so whoever drops to a user's identity
 * clears them explicitly here. */
#include "privs.h"

#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

int caps_clear_ambient(void)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

int caps_drop_all(void)
{
	cap_t none = cap_init();
	int r = 0;

	if (!none)
		return -ENOMEM;
	if (cap_set_proc(none) < 0)
		r = -errno;
	cap_free(none);
	return r < 0 ? r : caps_clear_ambient();
}
