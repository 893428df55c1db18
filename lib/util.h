/* util.h — small shared pieces: messages, number parsing, trusted-file
 * checks. Error idiom of the whole project: functions return 0 (or a length)
 * on success and a negative errno on failure; the caller at the boundary
 * reports once, with context, and undoes what it did. */
#ifndef NS_UTIL_H
#define NS_UTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define NS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Messages: ns_err prints "nsession-helper: MSG" on stderr (when open) and
 * logs it to syslog (LOG_AUTHPRIV|LOG_ERR). ns_refuse is the same for a
 * refused request (LOG_WARNING, "refused: MSG"). ns_info logs only. */
void ns_log_init(const char *ident);
/* Before closing fds wholesale: syslog's socket must not be closed behind
 * its back, or its next send goes to whatever reuses that fd number (and
 * closes it on failure). Call ns_log_init again afterwards. */
void ns_log_close(void);
void ns_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ns_refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ns_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Something wrong that the helper recovered from by itself (a bad state
 * record it removed): for the admin's log only, LOG_WARNING. */
void ns_warn_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ns_quiet_stderr(void); /* after stderr was closed/redirected */

/* A directory stream over `dirfd`'s directory, from its start, on an fd
 * of its own (closedir() leaves `dirfd` open). NULL with errno set. */
DIR *ns_dir_stream(int dirfd);

/* Close every fd from 3 up except `keep1` and `keep2` (both >= 3 and
 * different, or -1): close_range() around them. */
void ns_close_fds_except(int keep1, int keep2);

/* Decimal, digits only (no sign, space or leading '+'), no leading zeros
 * except "0" itself, fits. -EINVAL or -ERANGE. */
int ns_parse_u32(const char *s, uint32_t *out);
int ns_parse_u64(const char *s, uint64_t *out);

/* A user name we accept: 1..32 of [A-Za-z0-9._-], not starting with '-' or
 * '.', optionally ending in '$' (Samba machine accounts). */
bool ns_valid_username(const char *s);

/* Metadata check for a file or directory the helper trusts: of type
 * `type` (S_IFREG/S_IFDIR), owned by uid 0, not group/world writable, and
 * for regular files with `single_link`, st_nlink == 1. 0 or -EPERM with a
 * short reason in `why` ("not owned by root", …). */
int ns_check_trusted(const struct stat *st, mode_t type, bool single_link,
		     char *why, size_t whylen);

/* Read all of fd (up to `max` bytes; more is -EFBIG) into a NUL-terminated
 * malloc'd buffer. */
int ns_read_all(int fd, size_t max, char **buf, size_t *len);
/* Write the string `val` to `name` (relative to `dirfd`, never through a
 * final symlink) in one write(2), as kernel files (sysctl, cgroup) want
 * it. 0 or -errno. */
int ns_write_str(int dirfd, const char *name, const char *val);

/* Open `path` (relative to `dirfd`, or AT_FDCWD) read-only without
 * following a symlink in its last component and without blocking on a fifo,
 * check it on the fd with ns_check_trusted(S_IFREG, single_link) and read at
 * most `max` bytes. Errors: -ELOOP (symlink), -EPERM (metadata, reason in
 * `why`), -EFBIG, or the errno of open/read. */
int ns_read_trusted(int dirfd, const char *path, size_t max, bool single_link,
		    char **buf, size_t *len, char *why, size_t whylen);

#endif
