/* fdspray N PROGRAM [ARG...] — exec PROGRAM with N extra inherited fds
 * (no close-on-exec): directories (/, the cwd), a file and sockets, as a
 * careless or hostile caller would leave them. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct rlimit rl;
	int n, sv[2];

	if (argc < 3 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: fdspray N PROGRAM [ARG...]\n");
		return 2;
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	for (int i = 0; i < n; i++) {
		int fd;
		switch (i % 4) {
		case 0: fd = open("/", O_RDONLY | O_DIRECTORY); break;
		case 1: fd = open(".", O_RDONLY | O_DIRECTORY); break;
		case 2: fd = open("/etc/passwd", O_RDONLY); break;
		default:
			fd = socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 ? sv[0] : -1;
			break;
		}
		if (fd < 0) {
			perror("fdspray");
			return 1;
		}
	}
	execv(argv[2], argv + 2);
	perror("execv");
	return 127;
}
