/* pokeproc PID — everything a user might try to get into process PID:
 * ptrace attach, /proc/PID/mem, environ, exe, root, cwd, fd/ and ns/net.
 * Prints "name=denied" or "name=OPEN" for each; exits 0 if all were
 * denied, 1 otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static int allowed;

static void try_open(int pid, const char *what, int flags)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	fd = open(path, flags | O_CLOEXEC);
	printf(" %s=%s", what, fd >= 0 ? "OPEN" : "denied");
	if (fd >= 0) {
		allowed = 1;
		close(fd);
	}
}

int main(int argc, char **argv)
{
	int pid;

	if (argc != 2 || (pid = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: pokeproc PID\n");
		return 2;
	}
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0) {
		printf("ptrace=OPEN");
		allowed = 1;
		waitpid(pid, NULL, 0);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	} else {
		printf("ptrace=denied");
	}
	try_open(pid, "mem", O_RDWR);
	try_open(pid, "mem", O_RDONLY);
	try_open(pid, "environ", O_RDONLY);
	try_open(pid, "exe", O_RDONLY);
	try_open(pid, "root/.", O_RDONLY | O_DIRECTORY);
	try_open(pid, "cwd/.", O_RDONLY | O_DIRECTORY);
	try_open(pid, "fd/.", O_RDONLY | O_DIRECTORY);
	try_open(pid, "ns/net", O_RDONLY);
	try_open(pid, "ns/mnt", O_RDONLY);
	printf("\n");
	return allowed;
}
