/* jobctl.c — job control across a PID namespace boundary.
 *
 * A process that runs a command inside a session's PID namespace and waits
 * for it from outside (`nsession-helper run`, `nsessionctl enter`): when the
 * caller has the terminal, the command gets its own process group (visible
 * inside the session) and the foreground, and gets it back after a stop.
 * Otherwise a shell inside would try to restore a process group it cannot
 * see. */
#include "jobctl.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

bool jobctl_have_terminal(void)
{
	return isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();
}

static void give_terminal(pid_t pgrp)
{
	void (*old)(int) = signal(SIGTTOU, SIG_IGN);

	(void)tcsetpgrp(STDIN_FILENO, pgrp);
	signal(SIGTTOU, old);
}

void jobctl_child(bool tty)
{
	if (tty && setpgid(0, 0) == 0)
		give_terminal(getpgrp());
}

void jobctl_parent(pid_t child, bool tty)
{
	if (tty)
		(void)setpgid(child, child); /* either side may win */
}

int jobctl_wait(pid_t child, bool tty, int *status)
{
	for (;;) {
		if (waitpid(child, status, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!WIFSTOPPED(*status))
			break;
		/* The command stopped (^Z): stop too, so the caller's shell
		 * sees it, and hand the terminal back and forth. */
		if (tty)
			give_terminal(getpgrp());
		kill(getpid(), SIGSTOP);
		if (tty)
			give_terminal(child);
		kill(tty ? -child : child, SIGCONT);
	}
	if (tty)
		give_terminal(getpgrp());
	return 0;
}
