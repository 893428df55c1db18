/* jobctl.h — see jobctl.c. */
#ifndef NS_JOBCTL_H
#define NS_JOBCTL_H

#include <stdbool.h>
#include <sys/types.h>

/* stdin is a terminal and we are in its foreground process group. */
bool jobctl_have_terminal(void);
/* In the forked child, before exec: own process group, in the foreground. */
void jobctl_child(bool tty);
/* In the parent right after fork. */
void jobctl_parent(pid_t child, bool tty);
/* Wait for `child` to end, following its stops; the terminal is ours again
 * afterwards. 0 with the wait status in *status, or -errno. */
int jobctl_wait(pid_t child, bool tty, int *status);

#endif
