/* memhog.c — tests/cgroup: allocate MIB MiB and touch every page, then print
 * "touched MIB". Killed by the OOM killer where a memory limit is lower. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc == 2 ? atol(argv[1]) : 0, page = sysconf(_SC_PAGESIZE);
	char *p;

	if (mib <= 0) {
		fprintf(stderr, "usage: memhog MIB\n");
		return 2;
	}
	p = malloc((size_t)mib << 20);
	if (!p) {
		printf("malloc failed\n");
		return 3;
	}
	for (size_t i = 0; i < ((size_t)mib << 20); i += (size_t)page)
		p[i] = 1;
	printf("touched %ld\n", mib);
	return 0;
}
