/* evil.so — an LD_PRELOAD library that leaves a marker file (named by
 * EVIL_MARKER) in whatever process loads it. The setuid helper must never
 * load it. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void evil(void)
{
	const char *m = getenv("EVIL_MARKER");
	if (m) {
		int fd = open(m, O_WRONLY | O_CREAT | O_APPEND, 0666);
		if (fd >= 0) {
			(void)!write(fd, "x", 1);
			close(fd);
		}
	}
}
