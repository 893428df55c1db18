/* cleanup.h — scope-bound release of fds and memory, so an error path is a
 * bare `return r;` (after bubblewrap's utils.h; GCC and clang).
 *
 *     cleanup_fd int fd = open(...);       closed when fd goes out of scope
 *     cleanup_free char *buf = NULL;       free()d likewise
 *     return steal_fd(&fd);                hand it to the caller instead
 *     *out = steal_pointer(&buf);
 *
 * A variable so marked must be initialised where it is declared (-1 or
 * NULL when there is nothing yet). The release keeps errno, so
 * `return -errno;` after a failed call still says why. */
#ifndef NS_CLEANUP_H
#define NS_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void ns_cleanup_fd(int *fd)
{
	if (*fd >= 0) {
		int e = errno;
		close(*fd);
		errno = e;
	}
}

static inline void ns_cleanup_free(void *p)
{
	int e = errno;

	free(*(void **)p);
	errno = e;
}

static inline void ns_cleanup_dir(DIR **d)
{
	if (*d) {
		int e = errno;
		closedir(*d);
		errno = e;
	}
}

static inline void ns_cleanup_file(FILE **f)
{
	if (*f) {
		int e = errno;
		fclose(*f);
		errno = e;
	}
}

#define cleanup_fd   __attribute__((cleanup(ns_cleanup_fd)))
#define cleanup_free __attribute__((cleanup(ns_cleanup_free)))
#define cleanup_dir  __attribute__((cleanup(ns_cleanup_dir)))
#define cleanup_file __attribute__((cleanup(ns_cleanup_file)))

/* Take the fd out of a cleanup_fd variable (which is left -1). */
static inline int steal_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

/* Take the pointer out of a cleanup_free variable (which is left NULL). */
static inline void *ns_steal_pointer(void *pp)
{
	void **p = pp, *r = *p;

	*p = NULL;
	return r;
}
#define steal_pointer(pp) ns_steal_pointer(pp)

#endif
