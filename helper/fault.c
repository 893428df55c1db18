/* fault.c — test builds only (see fault.h). Never in an installed helper. */
#include "fault.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NSESSION_FAULT_FILE
#error "fault.c is only built with FAULT_FILE set"
#endif

void fault_point(const char *step)
{
	char want[64];
	struct stat st;
	ssize_t n;
	int fd = open(NSESSION_FAULT_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	/* Root's file, seen from inside the session's user namespace (the
	 * keeper's step) as the overflow uid. */
	if (fstat(fd, &st) < 0 || (st.st_uid != 0 && st.st_uid != 65534) || (st.st_mode & 022) ||
	    (n = read(fd, want, sizeof(want) - 1)) <= 0) {
		close(fd);
		return;
	}
	close(fd);
	want[n] = '\0';
	want[strcspn(want, "\n")] = '\0';
	if (strcmp(want, step) == 0) {
		raise(SIGKILL);
		_exit(137); /* PID 1 of a namespace ignores its own SIGKILL */
	}
}
