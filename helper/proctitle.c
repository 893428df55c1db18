/* proctitle.c — what `ps` shows for the monitor and the keeper.
 *
 * Both come from nsession-monitor (the keeper is forked from it) and
 * would otherwise show its command line ("nsession-monitor") for the
 * whole life of the session, which is confusing inside the session (the keeper is its PID 1)
 * and on the host. The argument strings are overwritten in place with the
 * process's role; the comm name is set as well. */
#include "helper.h"

#include <string.h>
#include <sys/prctl.h>

static char *title_start;
static size_t title_len;

void proctitle_init(int argc, char **argv)
{
	char *end;

	if (argc < 1 || !argv[0])
		return;
	end = argv[0] + strlen(argv[0]) + 1;
	/* Only the run of strings that are contiguous, as the kernel laid
	 * them out. */
	for (int i = 1; i < argc && argv[i] == end; i++)
		end = argv[i] + strlen(argv[i]) + 1;
	title_start = argv[0];
	title_len = (size_t)(end - argv[0]);
}

void proctitle_set(const char *name)
{
	(void)prctl(PR_SET_NAME, name, 0, 0, 0);
	if (!title_start || title_len < 2)
		return;
	memset(title_start, 0, title_len);
	strncpy(title_start, name, title_len - 1);
}
