/* util.c — messages, strict number parsing, trusted-file checks, reading. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cleanup.h"

static const char *log_ident = "nsession";
static bool use_stderr = true;

void ns_log_init(const char *ident)
{
	log_ident = ident;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void ns_log_close(void)
{
	closelog();
}

void ns_quiet_stderr(void)
{
	use_stderr = false;
}

DIR *ns_dir_stream(int dirfd)
{
	cleanup_fd int dfd = dup(dirfd);
	DIR *d;

	if (dfd < 0)
		return NULL;
	d = fdopendir(dfd);
	if (!d)
		return NULL; /* errno kept across the close */
	(void)steal_fd(&dfd); /* the stream's now */
	rewinddir(d); /* the dup shares the offset of `dirfd` */
	return d;
}

/* close_range(from, to), or where the kernel refuses it (before 5.9, or a
 * seccomp filter of the caller's), every open fd in that range as listed
 * in /proc/self/fd: a failure must never leave an inherited fd open. */
static void close_fds(unsigned from, unsigned to)
{
	cleanup_dir DIR *d = NULL;
	struct dirent *e;

	if (close_range(from, to, 0) == 0)
		return;
	d = opendir("/proc/self/fd");
	if (!d) {
		for (unsigned fd = from; fd <= to && fd < 65536; fd++)
			(void)close((int)fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		uint32_t fd;
		if (ns_parse_u32(e->d_name, &fd) == 0 && fd >= from && fd <= to &&
		    (int)fd != dirfd(d))
			(void)close((int)fd);
	}
}

void ns_close_fds_except(int keep1, int keep2)
{
	unsigned from = 3;
	int keep[2] = { keep1 < keep2 ? keep1 : keep2, keep1 < keep2 ? keep2 : keep1 };

	for (int i = 0; i < 2; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from)
			close_fds(from, (unsigned)keep[i] - 1);
		from = (unsigned)keep[i] + 1;
	}
	close_fds(from, ~0U);
}

static void vreport(int prio, const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void vreport(int prio, const char *prefix, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One line, always: a message built from a file's text must not be
	 * able to forge a second log line. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (use_stderr && (prio == LOG_ERR || prefix[0]))
		fprintf(stderr, "%s: %s%s\n", log_ident, prefix, msg);
	syslog(prio, "%s%s", prefix, msg);
}

void ns_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(LOG_ERR, "", fmt, ap);
	va_end(ap);
}

void ns_refuse(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(LOG_WARNING, "refused: ", fmt, ap);
	va_end(ap);
}

void ns_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(LOG_INFO, "", fmt, ap);
	va_end(ap);
}

void ns_warn_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(LOG_WARNING, "", fmt, ap);
	va_end(ap);
}

int ns_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && s[1] != '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int ns_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int r = ns_parse_u64(s, &v);

	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

bool ns_valid_username(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32 || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
			  (c == '$' && i == n - 1 && n > 1);
		if (!ok)
			return false;
	}
	return true;
}

int ns_check_trusted(const struct stat *st, mode_t type, bool single_link,
		     char *why, size_t whylen)
{
	const char *bad = NULL;

	if ((st->st_mode & S_IFMT) != type)
		bad = type == S_IFDIR ? "not a directory" : "not a regular file";
	else if (st->st_uid != 0)
		bad = "not owned by root";
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		bad = "group- or world-writable";
	else if (type == S_IFREG && single_link && st->st_nlink != 1)
		bad = "has more than one hard link";
	if (!bad)
		return 0;
	snprintf(why, whylen, "%s", bad);
	return -EPERM;
}

int ns_read_all(int fd, size_t max, char **bufp, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	cleanup_free char *buf = malloc(cap + 1);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > max)
				return -EFBIG;
			size_t ncap = cap * 2;
			char *nb = realloc(buf, ncap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	*bufp = steal_pointer(&buf);
	*lenp = len;
	return 0;
}

int ns_read_trusted(int dirfd, const char *path, size_t max, bool single_link,
		    char **buf, size_t *len, char *why, size_t whylen)
{
	struct stat st;
	cleanup_fd int fd = -1;
	int r;

	fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		snprintf(why, whylen, "%s", r == -ELOOP ? "is a symbolic link" : strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(why, whylen, "%s", strerror(-r));
	} else if ((r = ns_check_trusted(&st, S_IFREG, single_link, why, whylen)) == 0) {
		r = ns_read_all(fd, max, buf, len);
		if (r < 0)
			snprintf(why, whylen, "%s", r == -EFBIG ? "file too large" : strerror(-r));
	}
	return r;
}

int ns_write_str(int dirfd, const char *name, const char *val)
{
	size_t len = strlen(val);
	cleanup_fd int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != (ssize_t)len)
		return -errno;
	return 0;
}
