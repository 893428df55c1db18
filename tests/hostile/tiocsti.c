/* tiocsti [TEXT] — try to push TEXT ("\n" in it is a newline) into the
 * input of the terminal on fd 0 in every way a session could, and print one
 * word per way:
 *   native  ioctl(0, TIOCSTI)
 *   high    the same request with junk in the upper 32 bits (the kernel
 *           takes an unsigned int, so this is still TIOCSTI)
 *   compat  the i386 ioctl through int $0x80 (x86_64 only)
 *   linux   ioctl(0, TIOCLINUX, paste selection)
 * Each word is "ok" (it worked) or the errno name. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *res(long r, int e)
{
	if (r == 0)
		return "ok";
	switch (e) {
	case EPERM: return "EPERM";
	case EIO: return "EIO";
	case ENOTTY: return "ENOTTY";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	default: return "other";
	}
}

int main(int argc, char **argv)
{
	char text[256];
	size_t n = 0;
	long r = 0;
	int e = 0;

	for (const char *p = argc > 1 ? argv[1] : "#"; *p && n < sizeof(text) - 1; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			text[n++] = '\n';
			p++;
		} else {
			text[n++] = *p;
		}
	}
	text[n] = '\0';

	for (const char *p = text; *p && r == 0; p++) {
		r = syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI, p);
		e = errno;
	}
	printf("native=%s", res(r, e));
	r = syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI | (1UL << 32), text);
	printf(" high=%s", res(r, errno));
#if defined(__x86_64__)
	{
		/* i386 ABI: 32-bit pointers, so the byte must live below 4 GiB. */
		char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		long ret;
		if (low == MAP_FAILED) {
			printf(" compat=nomem");
		} else {
			low[0] = text[0];
			__asm__ volatile("int $0x80"
					 : "=a"(ret)
					 : "a"(54L), "b"(0L), "c"((long)TIOCSTI),
					   "d"((long)(uintptr_t)low)
					 : "memory");
			printf(" compat=%s", res(ret < 0 ? -1 : 0, ret < 0 ? (int)-ret : 0));
		}
	}
#else
	printf(" compat=none");
#endif
	{
		char sub = 3; /* TIOCL_PASTESEL */
		r = syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX, &sub);
		printf(" linux=%s\n", res(r, errno));
	}
	return 0;
}
