/* execargv MODE PROGRAM [ARG...] — exec PROGRAM with a hostile argv:
 *   empty      argv = { NULL } (argc 0; kernels since 5.18 make it { "" })
 *   emptyname  argv = { "", ARG..., NULL }
 * The environment carries pkexec-style bait (CVE-2021-4034): a GCONV_PATH
 * and names that would alias argv[1] if the program read past argv. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *env[] = { "run", "PATH=GCONV_PATH=.", "GCONV_PATH=/nonexistent", "CHARSET=EVIL",
			"SHELL=/nonexistent", "NSESSION_CONFIG=/tmp/evil.conf", NULL };

	if (argc < 3) {
		fprintf(stderr, "usage: execargv empty|emptyname PROGRAM [ARG...]\n");
		return 2;
	}
	const char *prog = argv[2];

	if (!strcmp(argv[1], "empty")) {
		char *none[] = { NULL };
		execve(prog, none, env);
	} else {
		argv[2] = "";
		execve(prog, argv + 2, env);
	}
	perror("execve");
	return 127;
}
