/* noclosrange PROGRAM [ARG...] — run PROGRAM where close_range(2) fails
 * with ENOSYS, as on a kernel before 5.9 or under a caller's seccomp
 * filter (inherited across the setuid exec). Must start as root (no
 * no_new_privs, so the setuid bit still works under the filter). */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;

	if (argc < 2) {
		fprintf(stderr, "usage: noclosrange PROGRAM [ARG...]\n");
		return 2;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx || seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(close_range), 0) < 0 ||
	    seccomp_load(ctx) < 0) {
		fprintf(stderr, "noclosrange: cannot install the filter\n");
		return 1;
	}
	seccomp_release(ctx);
	execv(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
