/* nft.c — a session's nftables tables, through libnftables (never by
 * running nft). The scripts come from nftrules.c, built from the numeric
 * uid, validated interface names and formatted addresses only.
 *
 * The context is kept minimal for a setuid program: no include path (the
 * scripts have no `include`), no variables, no reverse DNS or service names
 * in output, output and errors buffered (never printed), one context per
 * call in a short-lived child with all ids 0 (see run()), output and status
 * passed back over a pipe. libnftables itself reads no environment, but
 * creating a context initialises libxtables, which reads XTABLES_LIBDIR and
 * IPTABLES_LIB_DIR/IP6TABLES_LIB_DIR (where it would load extensions
 * from): safe only because the library is loaded here, in a child, long
 * after main.c emptied the environment. At context creation it reads the root-owned name
 * tables /etc/iproute2/{rt_marks,rt_realms,group} and /etc/connlabel.conf.
 *
 * libnftables is not linked in: it is dlopen()ed by that child only. It
 * pulls in five more libraries (libnftnl, libmnl, libxtables, libjansson,
 * libgmp), and loading them made every run of the helper, for any network
 * mode, 0.35 ms slower (bench/README.md). The helper is setuid, so the
 * dynamic loader runs in secure mode: the soname is looked up in the
 * system's trusted directories only, never through LD_LIBRARY_PATH. */
#include "helper.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "cleanup.h"
#include "spawn.h"
#include "util.h"

#define NFT_SONAME "libnftables.so.1"

/* The libnftables functions used, resolved by nft_load(). */
static struct {
	__typeof__(nft_ctx_new) *ctx_new;
	__typeof__(nft_ctx_free) *ctx_free;
	__typeof__(nft_ctx_clear_include_paths) *clear_include_paths;
	__typeof__(nft_ctx_clear_vars) *clear_vars;
	__typeof__(nft_ctx_output_set_flags) *output_set_flags;
	__typeof__(nft_ctx_buffer_output) *buffer_output;
	__typeof__(nft_ctx_buffer_error) *buffer_error;
	__typeof__(nft_run_cmd_from_buffer) *run_cmd_from_buffer;
	__typeof__(nft_ctx_get_output_buffer) *get_output_buffer;
	__typeof__(nft_ctx_get_error_buffer) *get_error_buffer;
} nft;

/* Load libnftables into this (short-lived) process; NULL or what failed. */
static const char *nft_load(void)
{
	void *h = dlopen(NFT_SONAME, RTLD_NOW | RTLD_LOCAL);
	void **slot = (void **)&nft;
	static const char *const names[] = {
		"nft_ctx_new", "nft_ctx_free", "nft_ctx_clear_include_paths", "nft_ctx_clear_vars",
		"nft_ctx_output_set_flags", "nft_ctx_buffer_output", "nft_ctx_buffer_error",
		"nft_run_cmd_from_buffer", "nft_ctx_get_output_buffer", "nft_ctx_get_error_buffer",
	};

	_Static_assert(sizeof(nft) == sizeof(names) / sizeof(names[0]) * sizeof(void *),
		       "one name per function");
	if (!h)
		return "cannot load " NFT_SONAME " (is libnftables1 installed?)";
	for (size_t i = 0; i < NS_ARRAY_SIZE(names); i++) {
		slot[i] = dlsym(h, names[i]);
		if (!slot[i])
			return "libnftables lacks a function nsession needs";
	}
	return NULL;
}

static struct nft_ctx *ctx_open(void)
{
	struct nft_ctx *c = nft.ctx_new(NFT_CTX_DEFAULT);

	if (!c)
		return NULL;
	nft.clear_include_paths(c);
	nft.clear_vars(c);
	nft.output_set_flags(c, 0);
	if (nft.buffer_output(c) != 0 || nft.buffer_error(c) != 0) {
		nft.ctx_free(c);
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
	const char *text = nft_load();
	struct nft_ctx *c = NULL;
	int r = -ELIBACC;
	size_t len;

	if (!text) {
		c = ctx_open();
		text = "libnftables: cannot make a context";
		r = -ENOMEM;
	}
	if (c) {
		r = nft.run_cmd_from_buffer(c, script);
		if (r != 0) {
			text = nft.get_error_buffer(c);
			r = text && strstr(text, "No such file or directory") ? -ENOENT : -EIO;
		} else {
			text = want_out ? nft.get_output_buffer(c) : "";
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
		nft.ctx_free(c);
}

/* What run()'s child needs: the script, and the parent's output buffer,
 * which the child frees (it sends, never reads). */
struct nft_child {
	const char *script;
	bool want_out;
	char *parent_buf;
};

/* run()'s child: all ids 0, then nft; its status is its exit code. */
static int run_child(void *arg, int fd)
{
	const struct nft_child *c = arg;

	free(c->parent_buf);
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return 1;
	run_here(c->script, c->want_out, fd);
	return 0;
}

/* What the child sent into `buf` (at most `max` bytes): the length. */
static size_t read_reply(int fd, char *buf, size_t max)
{
	size_t got = 0;

	for (;;) {
		ssize_t n = read(fd, buf + got, max - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == max)
			break;
	}
	return got;
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
	cleanup_free char *buf = malloc(NFT_OUTPUT_MAX + 1);
	struct nft_child child = { .script = script, .want_out = out != NULL, .parent_buf = buf };
	size_t got;
	int fd, r, status = -1; /* a failed wait: the child failed */
	pid_t pid;

	if (!buf)
		return -ENOMEM;
	r = ns_spawn(run_child, &child, false, &pid, &fd);
	if (r < 0)
		return r;
	got = read_reply(fd, buf, NFT_OUTPUT_MAX);
	close(fd); /* before the wait: a child still writing gets EPIPE */
	(void)ns_wait(pid, &status);
	buf[got] = '\0';
	r = -EIO;
	if (got >= sizeof(int) && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		memcpy(&r, buf, sizeof(int));
	else
		snprintf(buf + sizeof(int), NFT_OUTPUT_MAX + 1 - sizeof(int), "nft helper process failed");
	if (got < sizeof(int))
		got = sizeof(int);
	if (r < 0) {
		first_line(buf + sizeof(int), err, errlen);
		return r;
	}
	if (out) {
		memmove(buf, buf + sizeof(int), got - sizeof(int) + 1);
		*out = steal_pointer(&buf);
	}
	return 0;
}

int nft_session_create(const struct nft_session *ns, char *err, size_t errlen)
{
	cleanup_free char *script = malloc(NFT_SCRIPT_MAX);
	int r = script ? nft_script_create(ns, script, NFT_SCRIPT_MAX) : -ENOMEM;

	if (r < 0) {
		first_line(r == -ENOMEM ? "out of memory" : "bad interface name, address or egress rule "
			   "for the nftables rules", err, errlen);
		return r;
	}
	return run(script, NULL, err, errlen);
}

int nft_session_delete(uint32_t uid)
{
	char script[512];
	int r = nft_script_delete(uid, script, sizeof(script));

	return r < 0 ? r : run(script, NULL, NULL, 0);
}

/* One table's counters into `out` (merged with what it holds). */
static int table_counters(uint32_t uid, bool bridge, struct nft_counters *out)
{
	cleanup_free char *text = NULL;
	char script[128];
	struct nft_counters one;
	int r = nft_script_list(uid, bridge, script, sizeof(script));

	if (r >= 0)
		r = run(script, &text, NULL, 0);
	if (r == 0) {
		r = nft_counters_parse(text, &one);
		if (r == -ENOENT)
			r = -EPROTO; /* a table of that name, but none of ours */
	}
	for (int i = 0; r == 0 && i < NFT_C_COUNT; i++)
		if (one.found & (1u << i)) {
			out->c[i] = one.c[i];
			out->found |= 1u << i;
		}
	return r;
}

int nft_session_counters(uint32_t uid, bool bridge, struct nft_counters *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	r = table_counters(uid, false, out);
	if (r == 0 && bridge)
		r = table_counters(uid, true, out);
	return r;
}

int net_forwarding_enabled(int family)
{
	const char *path = family == AF_INET6 ? "/proc/sys/net/ipv6/conf/all/forwarding"
					      : "/proc/sys/net/ipv4/ip_forward";
	char c = 0;
	cleanup_fd int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return read(fd, &c, 1) == 1 ? (c != '0') : -EIO;
}
