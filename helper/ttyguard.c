/* ttyguard.c — no TIOCSTI or TIOCLINUX from inside a session.
 *
 * A session's processes keep the terminal of the login that started them
 * (`nsession-helper run` from a shell, `su -`, `login`). With TIOCSTI a
 * process can push characters into that terminal's input queue, and once
 * the session's command exits they are read by the shell outside it
 * (bubblewrap CVE-2017-5226, and the old su/sudo attack). TIOCLINUX on a
 * virtual console can paste the selection the same way. The kernel refuses
 * TIOCSTI only when dev.tty.legacy_tiocsti=0 (Debian 12 ships 1), so the
 * helper does not rely on it: it installs a seccomp filter that fails both
 * ioctls with EPERM, inherited by every process of the login and impossible
 * to remove.
 *
 * Why a filter and not setsid(): a new session without a controlling
 * terminal would cost interactive shells their job control, and su/login
 * set up the terminal themselves.
 *
 * Details that matter:
 *  - The ioctl request is an unsigned int in the kernel: only its low 32
 *    bits are compared, so a request with junk in the upper half cannot
 *    slip past.
 *  - The compat ABIs (i386 and x32 on x86_64, arm on aarch64) are added to
 *    the filter: otherwise a 32-bit binary, or `int $0x80` from a 64-bit
 *    one, would either be killed on every system call or (with a permissive
 *    bad-arch action) bypass the rule.
 *  - libseccomp sets no_new_privs by default; that is turned off here,
 *    because whether a session gets no_new_privs is the admin's policy. The
 *    filter is installed while the process still has CAP_SYS_ADMIN (host
 *    root, or root of the session's user namespace), which is what the
 *    kernel asks for instead. */
#include "ttyguard.h"

#include <errno.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>

static const uint32_t compat_arches[] = {
#if defined(__x86_64__)
	SCMP_ARCH_X86, SCMP_ARCH_X32,
#elif defined(__aarch64__)
	SCMP_ARCH_ARM,
#endif
	0,
};

int tty_guard_install(void)
{
	static const unsigned long blocked[] = { TIOCSTI, TIOCLINUX };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = 0;

	if (!ctx)
		return -ENOMEM;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; r == 0 && compat_arches[i]; i++) {
		r = seccomp_arch_add(ctx, compat_arches[i]);
		if (r == -EEXIST)
			r = 0;
	}
	for (size_t i = 0; r == 0 && i < sizeof(blocked) / sizeof(blocked[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, blocked[i]));
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r < 0 ? r : 0;
}
