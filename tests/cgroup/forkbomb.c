/* forkbomb.c — tests/cgroup: a fork bomb. Every process forks without end
 * (children do the same); the first one writes "forks=N eagain=M other=K"
 * (its own fork() results) to FILE twice a second. Runs until killed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long forks = 0, eagain = 0, other = 0;
	pid_t top = getpid();
	time_t last = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: forkbomb FILE\n");
		return 2;
	}
	for (;;) {
		pid_t p = fork();
		if (p == 0)
			continue; /* the child bombs too */
		if (p > 0)
			forks++;
		else if (errno == EAGAIN)
			eagain++;
		else
			other++;
		if (p < 0)
			usleep(2000);
		if (getpid() == top) {
			struct timespec t;
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec * 2 + t.tv_nsec / 500000000 != last) {
				char buf[128], tmp[4096];
				int fd, n;
				last = t.tv_sec * 2 + t.tv_nsec / 500000000;
				n = snprintf(buf, sizeof(buf), "forks=%lu eagain=%lu other=%lu\n", forks, eagain, other);
				snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
				fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
				if (fd >= 0) {
					(void)!write(fd, buf, (size_t)n);
					close(fd);
					rename(tmp, argv[1]);
				}
			}
		}
	}
}
