/* session_state.h — the per-session record kept in NSESSION_STATEDIR.
 *
 * One file per session, named "<uid>.session", root-owned 0600, written
 * whole to a temporary name and renamed. Text, one "key=value" per line,
 * every key exactly once (order free), no blank lines or comments:
 *
 *   version=4
 *   user=alice            uid=1001           gid=1001
 *   id=0123456789abcdef   (the session id: 16 lowercase hex digits, random)
 *   keeper_pid=4242       keeper_start=123456   (starttime, /proc/PID/stat field 22)
 *   monitor_pid=4241      monitor_start=123450
 *   namespaces=user,mnt,pid,ipc,uts,net,cgroup
 *   ns_dev=4              (st_dev of the nsfs inodes)
 *   ns_user=4026532001 … ns_cgroup=4026532007 (0 for a kind not in namespaces)
 *   network=none|veth|bridge|nat
 *   veth_host=nsv1001     bridge=br0 (network=bridge only, else empty)
 *   addr_host=10.250.0.1  addr_peer=10.250.0.2  (bridge: addr_host is the
 *                                                gateway, the bridge's address)
 *   prefix=30             pool_index=0          (network=none: veth_host= empty,
 *                                                addresses 0.0.0.0, pool_index=0)
 *   addr6_host=fd00::1    addr6_peer=fd00::2    (IPv6, inet_ntop's canonical text;
 *   prefix6=126                                  bridge: addr6_host is the gateway.
 *                                                prefix6 0..128, 0: no IPv6, then
 *                                                both "::"; else neither is "::".
 *                                                network=none: prefix6=0)
 *   cgroup=1001-0123456789abcdef   (the session's cgroup under "nsession/"
 *                                   in each hierarchy; empty: none)
 *   identity=self|root    no_new_privs=yes|no   (as the session was built)
 *   build=0123456789abcdef  (state_build_hash of everything else the session
 *                            was built from: maps, namespaces, network, the
 *                            policy file; a join must resolve the same)
 *   created=1700000000
 *   logins=2              (login references held, as last counted by the
 *                          monitor; informational, never trusted for a decision)
 *
 * The parser is strict: unknown, missing or duplicate keys, bad numbers,
 * lines over STATE_LINE_MAX, a missing final newline, or a file over
 * STATE_FILE_MAX are errors. A record that does not parse is never trusted. */
#ifndef NS_SESSION_STATE_H
#define NS_SESSION_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nsconf.h"

#define STATE_VERSION 4
#define STATE_LINE_MAX 128
#define STATE_FILE_MAX 4096
#define STATE_USER_MAX 32
#define STATE_ID_LEN 16
#define STATE_CGROUP_MAX 48

struct session_record {
	char user[STATE_USER_MAX + 1];
	uint32_t uid, gid;
	char id[STATE_ID_LEN + 1];
	pid_t keeper_pid;
	uint64_t keeper_start;
	pid_t monitor_pid;
	uint64_t monitor_start;
	unsigned namespaces;                /* NSC_NS_* mask */
	uint64_t ns_dev;
	uint64_t ns_ino[NSC_NS_COUNT];      /* indexed like nskinds[].name */
	enum nsc_netmode network;
	char veth_host[16];
	char bridge[16];
	uint32_t addr_host, addr_peer;      /* host byte order */
	unsigned prefix;
	uint32_t pool_index;
	uint8_t addr6_host[16], addr6_peer[16]; /* network byte order; all 0: none */
	unsigned prefix6;                   /* 0: no IPv6 */
	char cgroup[STATE_CGROUP_MAX + 1];
	enum nsc_identity identity;
	bool no_new_privs;
	char build[STATE_ID_LEN + 1];       /* state_build_hash, hex */
	int64_t created;
	uint32_t logins;
};

/* A record's IPv6 address (addr6_host, addr6_peer) as a full-length
 * nsc_addr, for nsc_format_addr and the network code. */
struct nsc_addr state_addr6(const uint8_t a[16]);

/* A session id is exactly STATE_ID_LEN lowercase hex digits. */
bool state_valid_id(const char *s);
/* A cgroup leaf name: 1..STATE_CGROUP_MAX of [a-z0-9-], not starting with '-'. */
bool state_valid_cgroup(const char *s);

/* Returns the length written (without NUL), or -ENOSPC / -EINVAL (a field
 * that cannot be written safely, e.g. a user name with '\n'). */
int state_format(const struct session_record *r, char *buf, size_t len);

int state_parse(const char *buf, size_t len, struct session_record *out,
		char *err, size_t errlen);

/* From a record that state_parse refuses (one of another version of
 * nsession, say), only its monitor: the monitor_pid= and monitor_start=
 * lines, wherever they are. 0, or -EINVAL if either is missing or bad.
 * Never a reason to trust anything else in it. */
int state_parse_monitor(const char *buf, size_t len, pid_t *pid, uint64_t *start);

/* The build fingerprint of `text` (a canonical description of how a
 * session is built): STATE_ID_LEN lowercase hex digits. */
void state_build_hash(const char *text, char out[STATE_ID_LEN + 1]);

/* The keys of a record in the order state_format writes them: the i-th,
 * or NULL past the last (tests check the fuzz dictionary against them). */
const char *state_key_name(size_t i);

/* Every field equal (what a format/parse round trip must preserve). */
bool state_record_equal(const struct session_record *a, const struct session_record *b);

#endif
