/* dnsfiles.c — the session's /etc/resolv.conf and /etc/hosts, written by
 * the monitor (host root, host namespaces) into the state directory before
 * the keeper is made; the keeper bind-mounts them read-only over the
 * session's /etc/resolv.conf and /etc/hosts (mounts.c). Their text:
 * conf/resolvgen.c.
 *
 * Why files and not a forwarder on the host end, or a DNAT of the
 * session's DNS to the host's 127.0.0.53: no long-running host process
 * parses the session's packets, and no route_localnet, which would open
 * every loopback service of the host to the session (cf. CVE-2020-8558).
 *
 * Written only through the state directory's fd (root's, 0700, checked by
 * state_dir_open) by state_file_write: a temporary ".UID.resolv.tmp" made
 * with O_CREAT|O_EXCL|O_NOFOLLOW, 0644, renamed over "UID.resolv" (and
 * ".hosts"). Nothing of
 * the session's is on that path, and the session sees the files only
 * through the read-only bind mounts (firejail CVE-2016-10118 wrote
 * through a path the user controlled). Names are built from the numeric
 * uid; they do not collide with the other names of the state directory
 * ("UID.session", "UID.lock", "UID.sock", ".UID.session.tmp", "pool.lock",
 * "leases/"), and whatever reads it (state_io.c, nsessionctl list) looks
 * for those names only.
 *
 * The host's files are read as root, following symlinks: /etc/resolv.conf
 * is often a symlink to ../run/systemd/resolve/stub-resolv.conf, and a
 * root-owned link in root-owned directories is the host's own choice.
 * Accepted only if it ends at a regular file that every user may read (the
 * session's user could read it anyway: nothing is disclosed that a user
 * could not see), at most RG_FILE_MAX bytes. */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "resolvgen.h"
#include "util.h"

#define ETC_RESOLV "/etc/resolv.conf"
#define RESOLVED_RESOLV "/run/systemd/resolve/resolv.conf"
#define ETC_HOSTS "/etc/hosts"

void dns_file_name(uint32_t uid, bool hosts, char out[32])
{
	snprintf(out, 32, "%u.%s", uid, hosts ? "hosts" : "resolv");
}

/* A host file, as said above: 0 with a malloc'd NUL-terminated copy, or
 * -errno (-EFBIG: too large; -EPERM: not a regular file, or not readable
 * by every user). */
static int read_host_file(const char *path, char **buf, size_t *len)
{
	struct stat st;
	cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IROTH))
		return -EPERM;
	return ns_read_all(fd, RG_FILE_MAX, buf, len);
}

static const char *read_why(int r)
{
	return r == -EFBIG ? "larger than 64 KiB"
	       : r == -EPERM ? "not a regular file readable by every user"
			     : strerror(-r);
}

/* Parse a host resolv.conf into `c`: `c`, or NULL when there is none
 * (ENOENT, quietly) or it cannot be used (logged). */
static const struct rg_conf *parse_host_resolv(const char *path, uint32_t uid, struct rg_conf *c)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int r = read_host_file(path, &buf, &len);

	if (r < 0) {
		if (r != -ENOENT)
			ns_warn_log("dns uid=%u: %s: %s, not used", (unsigned)uid, path, read_why(r));
		return NULL;
	}
	(void)rg_parse(buf, len, c);
	return c;
}

static int write_resolv(int dirfd, uint32_t uid, const struct nsc_policy *p,
			const struct nsc_addr *host_end4, const struct nsc_addr *host_end6,
			char *err, size_t errlen)
{
	struct rg_conf etc, resolved;
	char name[32], text[RG_RESOLV_OUT_MAX], warn[512];
	struct rg_input in = {
		.mode = p->dns, .list = p->dns_servers, .n_list = p->n_dns,
		.host_end4 = host_end4, .host_end6 = host_end6,
	};
	int n, r;

	if (p->dns == NSC_DNS_AUTO || p->dns == NSC_DNS_HOST || p->dns == NSC_DNS_LIST)
		in.etc = parse_host_resolv(ETC_RESOLV, uid, &etc);
	if (p->dns == NSC_DNS_AUTO)
		in.resolved = parse_host_resolv(RESOLVED_RESOLV, uid, &resolved);
	n = rg_resolv_text(&in, text, sizeof(text), warn, sizeof(warn));
	if (n < 0) {
		snprintf(err, errlen, "the session's resolv.conf: %s", strerror(-n));
		return n;
	}
	if (warn[0])
		ns_warn_log("dns uid=%u: %s", (unsigned)uid, warn);
	dns_file_name(uid, false, name);
	r = state_file_write(dirfd, name, text, (size_t)n, 0644);
	if (r < 0)
		snprintf(err, errlen, "writing %s/%s: %s", NSESSION_STATEDIR, name, strerror(-r));
	return r;
}

static int write_hosts(int dirfd, uint32_t uid, const char *hostname, char *err, size_t errlen)
{
	cleanup_free char *text = malloc(RG_HOSTS_OUT_MAX);
	cleanup_free char *buf = NULL;
	char name[32];
	size_t len = 0;
	int n, r;

	if (!text) {
		snprintf(err, errlen, "the session's hosts: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	r = read_host_file(ETC_HOSTS, &buf, &len);
	if (r < 0 && r != -ENOENT)
		ns_warn_log("dns uid=%u: " ETC_HOSTS ": %s, only its localhost lines used",
			    (unsigned)uid, read_why(r));
	n = rg_hosts_text(r < 0 ? NULL : buf, len, hostname, text, RG_HOSTS_OUT_MAX);
	if (n < 0) {
		snprintf(err, errlen, "the session's hosts: %s", strerror(-n));
		return n;
	}
	dns_file_name(uid, true, name);
	r = state_file_write(dirfd, name, text, (size_t)n, 0644);
	if (r < 0)
		snprintf(err, errlen, "writing %s/%s: %s", NSESSION_STATEDIR, name, strerror(-r));
	return r;
}

int dns_files_write(int statedir_fd, uint32_t uid, const struct nsc_policy *p,
		    const struct nsc_addr *host_end4, const struct nsc_addr *host_end6,
		    const char *session_hostname, bool *want_resolv, bool *want_hosts,
		    char *err, size_t errlen)
{
	int r = 0;

	*want_resolv = *want_hosts = false;
	if (errlen)
		err[0] = '\0';
	dns_files_remove(statedir_fd, uid); /* a dead session's */
	if (!(p->namespaces & NSC_NS_MNT))
		return 0;
	if (p->dns != NSC_DNS_NONE && p->network != NSC_NET_NONE && (p->namespaces & NSC_NS_NET)) {
		r = write_resolv(statedir_fd, uid, p, host_end4, host_end6, err, errlen);
		*want_resolv = r == 0;
	}
	if (r == 0 && (p->namespaces & NSC_NS_UTS) && session_hostname && session_hostname[0]) {
		r = write_hosts(statedir_fd, uid, session_hostname, err, errlen);
		*want_hosts = r == 0;
	}
	if (r < 0) {
		dns_files_remove(statedir_fd, uid);
		*want_resolv = *want_hosts = false;
	}
	return r;
}

void dns_files_remove(int statedir_fd, uint32_t uid)
{
	for (int hosts = 0; hosts < 2; hosts++) {
		char name[32], tmp[48];

		dns_file_name(uid, hosts, name);
		snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
		(void)unlinkat(statedir_fd, name, 0);
		(void)unlinkat(statedir_fd, tmp, 0);
	}
}
