/* nft.c — a nat session's nftables table, through libnftables (never by
 * running nft). The scripts come from nftrules.c, built from the numeric
 * uid, a validated interface name and a formatted address only.
 *
 * The context is kept minimal for a setuid program: no include path (the
 * scripts have no `include`), no variables, no reverse DNS or service names
 * in output, output and errors buffered (never printed), one context per
 * call in a short-lived child with all ids 0 (see run()), output and status
 * passed back over a pipe. libnftables reads no environment (the helper's
 * is cleared anyway); at context creation it reads the root-owned name
 * tables /etc/iproute2/{rt_marks,rt_realms,group} and /etc/connlabel.conf. */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nftables/libnftables.h>

static struct nft_ctx *ctx_open(void)
{
	struct nft_ctx *c = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!c)
		return NULL;
	nft_ctx_clear_include_paths(c);
	nft_ctx_clear_vars(c);
	nft_ctx_output_set_flags(c, 0);
	if (nft_ctx_buffer_output(c) != 0 || nft_ctx_buffer_error(c) != 0) {
		nft_ctx_free(c);
		return NULL;
	}
	return c;
}

/* First line of nft's error output into `err` (may be NULL). */
static void first_line(const char *text, char *err, size_t errlen)
{
	size_t n;

	if (!err || errlen == 0)
		return;
	if (!text)
		text = "";
	n = strcspn(text, "\n");
	if (n >= errlen)
		n = errlen - 1;
	memcpy(err, text, n);
	err[n] = '\0';
}

/* In the process that runs nft: the command's status, then its output (or
 * its first error line), through `fd`. */
static void run_here(const char *script, bool want_out, int fd)
{
	struct nft_ctx *c = ctx_open();
	const char *text = "libnftables: cannot make a context";
	int r = -ENOMEM;
	size_t len;

	if (c) {
		r = nft_run_cmd_from_buffer(c, script);
		if (r != 0) {
			text = nft_ctx_get_error_buffer(c);
			r = text && strstr(text, "No such file or directory") ? -ENOENT : -EIO;
		} else {
			text = want_out ? nft_ctx_get_output_buffer(c) : "";
		}
	}
	if (!text)
		text = "";
	len = r < 0 ? strcspn(text, "\n") : strlen(text);
	if (write(fd, &r, sizeof(r)) == sizeof(r))
		while (len > 0) {
			ssize_t n = write(fd, text, len);
			if (n <= 0)
				break;
			text += n;
			len -= (size_t)n;
		}
	if (c)
		nft_ctx_free(c);
}

/* Run `script` in a short-lived child with all ids 0. libnftables pulls in
 * libxtables, which _exit(111)s a process whose real and effective uids
 * differ (the setuid caller cleaning up a stale session); a child also
 * keeps libnftables' state out of the helper. With `out`, the output
 * (malloc'd, at most NFT_OUTPUT_MAX bytes); on error, nft's first error
 * line in `err` (may be NULL). */
#define NFT_OUTPUT_MAX 65536
static int run(const char *script, char **out, char *err, size_t errlen)
{
	char *buf = malloc(NFT_OUTPUT_MAX + 1);
	size_t got = 0;
	int pp[2], r = -EIO, status;
	pid_t pid;

	if (!buf)
		return -ENOMEM;
	if (pipe2(pp, O_CLOEXEC) < 0) {
		free(buf);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pp[0]);
		close(pp[1]);
		free(buf);
		return r;
	}
	if (pid == 0) {
		close(pp[0]);
		if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			_exit(1);
		run_here(script, out != NULL, pp[1]);
		_exit(0);
	}
	close(pp[1]);
	for (;;) {
		ssize_t n = read(pp[0], buf + got, NFT_OUTPUT_MAX - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == NFT_OUTPUT_MAX)
			break;
	}
	close(pp[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[got] = '\0';
	if (got >= sizeof(int) && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		memcpy(&r, buf, sizeof(int));
	else
		snprintf(buf + sizeof(int), NFT_OUTPUT_MAX + 1 - sizeof(int), "nft helper process failed");
	if (got < sizeof(int))
		got = sizeof(int);
	if (r < 0) {
		first_line(buf + sizeof(int), err, errlen);
		free(buf);
		return r;
	}
	if (out) {
		memmove(buf, buf + sizeof(int), got - sizeof(int) + 1);
		*out = buf;
	} else {
		free(buf);
	}
	return 0;
}

int nft_session_create(uint32_t uid, const char *ifname, uint32_t peer, char *err, size_t errlen)
{
	char script[NFT_SCRIPT_MAX];
	int r = nft_script_create(uid, ifname, peer, script, sizeof(script));

	if (r < 0) {
		first_line("bad interface name or address for the nat rules", err, errlen);
		return r;
	}
	return run(script, NULL, err, errlen);
}

int nft_session_delete(uint32_t uid)
{
	char script[128];
	int r = nft_script_delete(uid, script, sizeof(script));

	return r < 0 ? r : run(script, NULL, NULL, 0);
}

int nft_session_counters(uint32_t uid, struct nft_counters *out)
{
	char script[128], *text = NULL;
	int r = nft_script_list(uid, script, sizeof(script));

	memset(out, 0, sizeof(*out));
	if (r >= 0)
		r = run(script, &text, NULL, 0);
	if (r == 0) {
		r = nft_counters_parse(text, out);
		if (r == -ENOENT)
			r = -EPROTO; /* the table exists but is not ours in full */
	}
	free(text);
	return r;
}

int net_ip_forward_enabled(void)
{
	char c = 0;
	int fd = open("/proc/sys/net/ipv4/ip_forward", O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = read(fd, &c, 1) == 1 ? (c != '0') : -EIO;
	close(fd);
	return r;
}
