/* nouserns PROGRAM [ARG...] — run PROGRAM where no user namespace can be
 * created, as on a kernel with user namespaces disabled: a seccomp filter
 * (inherited across the setuid exec) fails clone/unshare with CLONE_NEWUSER
 * with EPERM, and clone3, whose flags a filter cannot see, with ENOSYS so
 * that libc falls back to clone. For machines where the test cannot set
 * user.max_user_namespaces=0. Must start as root (no no_new_privs). */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;

	if (argc < 2) {
		fprintf(stderr, "usage: nouserns PROGRAM [ARG...]\n");
		return 2;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx || seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
			     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
			     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) < 0 ||
	    seccomp_load(ctx) < 0) {
		fprintf(stderr, "nouserns: cannot install the filter\n");
		return 1;
	}
	execv(argv[1], argv + 1);
	perror("execv");
	return 127;
}
