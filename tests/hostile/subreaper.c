/* subreaper PROGRAM [ARG...] — run PROGRAM as the child of a process that
 * made itself a child subreaper (PR_SET_CHILD_SUBREAPER), as a user's
 * systemd manager or a container init does: orphans of PROGRAM's (the
 * helper's double-forked monitor) are reparented to this process. Waits for
 * PROGRAM and exits with its status; reaps whatever else it gets. */
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status = 0;
	pid_t child, w;

	if (argc < 2 || prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "usage: subreaper PROGRAM [ARG...]\n");
		return 2;
	}
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	while ((w = wait(&status)) > 0)
		if (w == child)
			break;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
