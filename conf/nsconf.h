/* nsconf.h — parser and policy resolver for /etc/nsession.conf.
 *
 * Grammar (documented in nsession.conf(5)):
 *   file     := { line }
 *   line     := blank | comment | header | setting
 *   comment  := '#' anything          (also after a value)
 *   header   := '[defaults]' | '[user NAME]' | '[group NAME]'
 *   setting  := KEY '=' VALUE
 * Settings before the first header belong to [defaults]. A section header may
 * appear once per (kind, name); a key once per section. Unknown keys, bad
 * values, overlong lines (> NSC_LINE_MAX) and files over NSC_FILE_MAX are
 * errors that name the file and line.
 *
 * Resolution for a user: built-in defaults, then [defaults], then every
 * [group G] the user belongs to in file order, then [user U]. Later wins per
 * key. uid 0 is always exempt.
 *
 * Error idiom: functions return 0 or a negative errno; on error `err` holds
 * one line "FILE:LINE: problem" (or "policy for USER: problem"). */
#ifndef NSCONF_H
#define NSCONF_H

#include "nskind.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define NSC_LINE_MAX 1024          /* longest accepted line, without '\n' */
#define NSC_FILE_MAX (1024 * 1024) /* largest accepted config file */
#define NSC_NAME_MAX 32            /* user / group names in headers */
#define NSC_TEMPLATE_MAX 64        /* hostname / veth_name templates */
#define NSC_ERR_MAX 256            /* suggested size of err buffers */
#define NSC_SECTIONS_MAX 10000     /* [defaults] + [user]/[group] sections */

/* The policy's namespace bits are the kinds of lib/nskind.h (their names,
 * /proc paths, clone flags and join order are there, spelled once). */
enum nsc_ns {
	NSC_NS_USER   = 1u << NSK_USER,
	NSC_NS_MNT    = 1u << NSK_MNT,
	NSC_NS_PID    = 1u << NSK_PID,
	NSC_NS_IPC    = 1u << NSK_IPC,
	NSC_NS_UTS    = 1u << NSK_UTS,
	NSC_NS_NET    = 1u << NSK_NET,
	NSC_NS_CGROUP = 1u << NSK_CGROUP,
};
#define NSC_NS_ALL NSK_ALL
#define NSC_NS_COUNT NSK_COUNT

enum nsc_identity { NSC_ID_SELF = 0, NSC_ID_ROOT = 1 };
/* none: loopback only. veth: a veth pair, host end addressed from the pool.
 * bridge: the host end enslaved to an existing bridge (no address on it; the
 * session's gateway is the pool's first address, which the bridge holds).
 * nat: veth plus nftables masquerade and forwarding for the session only. */
enum nsc_netmode { NSC_NET_NONE = 0, NSC_NET_VETH = 1, NSC_NET_BRIDGE = 2, NSC_NET_NAT = 3 };
#define NSC_NET_MODES 4
extern const char *const nsc_netmode_names[NSC_NET_MODES]; /* "none","veth","bridge","nat" */
/* Every mode but none has a veth pair. */
static inline bool nsc_net_has_veth(enum nsc_netmode m) { return m != NSC_NET_NONE; }
/* -EINVAL for anything but one of nsc_netmode_names. */
int nsc_netmode_parse(const char *s, enum nsc_netmode *out);

#define NSC_PIDS_MAX_LIMIT 4194304u              /* the kernel's PID_MAX_LIMIT */
#define NSC_MEMORY_MIN (1024ull * 1024)          /* memory_max below 1 MiB is refused */
#define NSC_CPU_WEIGHT_MAX 10000u
#define NSC_CPU_MAX_PERCENT 100000u              /* cpu_max 100000% = 1000 CPUs */
#define NSC_IO_WEIGHT_MAX 10000u
#define NSC_TMP_SIZE_MAX (1ull << 48)            /* tmp_size in bytes: 256 TiB, 15 digits */
#define NSC_TMP_INODES_MAX (16u << 20)           /* tmp_inodes = 16m */

/* An IPv4 or IPv6 address or network. `a` holds the address in network
 * byte order (IPv4: the first 4 bytes, the rest 0); `prefix` 0..32 or
 * 0..128 (an address alone: 32 or 128). Host bits of a network are 0. */
struct nsc_addr {
	uint8_t family;                  /* AF_INET or AF_INET6 */
	uint8_t prefix;
	uint8_t a[16];
};

/* One egress rule: "DEST[/N] [tcp|udp [PORT]|icmp]". proto 0 = any
 * protocol; port 0 = any port (only with tcp/udp). icmp is ICMP for an
 * IPv4 DEST, ICMPv6 for an IPv6 one. */
#define NSC_EGRESS_MAX 16
struct nsc_egress {
	struct nsc_addr dst;
	uint8_t proto;                   /* 0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	uint16_t port;                   /* 0 or 1..65535 */
};

/* dns = auto: the host's name servers (its /etc/resolv.conf; for a
 * loopback stub such as systemd-resolved's 127.0.0.53, the upstream list
 * in /run/systemd/resolve/resolv.conf); host: the session's host end
 * (the admin runs a resolver there); none: the host's /etc/resolv.conf
 * as it is; list: the servers given. */
enum nsc_dns { NSC_DNS_AUTO, NSC_DNS_HOST, NSC_DNS_NONE, NSC_DNS_LIST };
#define NSC_DNS_MAX 3                    /* glibc's MAXNS */

/* "A.B.C.D", "A.B.C.D/N", IPv6 "X:…" or "X:…/N": the address in a form
 * inet_pton takes (IPv6 when it has a ':'), N decimal without a leading
 * zero, 0..32 / 0..128. A bare address gets the full prefix. -EINVAL (out
 * untouched) for anything else, or when bits past N are set. Pure. */
int nsc_parse_addr(const char *s, struct nsc_addr *out);
/* inet_ntop's form, "/N" added when N is not the full length (32, 128);
 * family 0 (no address, e.g. pool6 without a pool): "none". Pure. */
void nsc_format_addr(const struct nsc_addr *a, char out[48]);

struct nsc_policy {
	bool exempt;                     /* exempt = yes|no            default no */
	unsigned namespaces;             /* namespaces = LIST          default all seven */
	enum nsc_identity identity;      /* identity = self|root       default self */
	char hostname[NSC_TEMPLATE_MAX]; /* hostname = TEMPLATE        default "%u-%h" */
	enum nsc_netmode network;        /* network = none|veth|bridge|nat  default none */
	char bridge[16];                 /* bridge = IFNAME            needed by network = bridge */
	uint32_t pool_net;               /* address_pool = A.B.C.D/N   default 10.250.0.0/16 */
	unsigned pool_prefix;            /*   host byte order, N in 8..30, host bits zero */
	char veth_name[NSC_TEMPLATE_MAX];/* veth_name = TEMPLATE       default "nsv%U" */
	/* IPv6 (issue 15). pool6_prefix 0: no IPv6 pool, the session has no
	 * IPv6 but loopback. Blocks like the IPv4 pool's: session i gets
	 * pool6 + 4i+1 (host end) and + 4i+2 (session), /126; in bridge mode
	 * the session address has the pool's prefix and the gateway is
	 * pool6 + 1, which the bridge holds. */
	struct nsc_addr pool6;           /* address_pool6 = PREFIX/N|none  default none
	                                  *   (family 0); else AF_INET6, N in 64..124, host
	                                  *   bits zero, unicast (not ::/64, fe80::/10, ff00::/8) */
	bool nat6;                       /* ipv6_nat = yes|no          default yes (masquerade
	                                  *   in network = nat; no: the pool is routed to the host) */
	/* What a nat or bridge session may reach beyond its host end / the
	 * bridge's address: egress_any (default, "egress = any"), or only
	 * the n_egress rules ("egress = none" is egress_any false, 0 rules). */
	bool egress_any;                 /* egress = any|none|RULE[, RULE...]  default any */
	unsigned n_egress;               /*   0..NSC_EGRESS_MAX; 0 with any and none */
	struct nsc_egress egress[NSC_EGRESS_MAX]; /* the unused ones all zero */
	/* The session's /etc/resolv.conf (needs the mnt namespace). */
	enum nsc_dns dns;                /* dns = auto|host|none|ADDR[, ADDR...]  default auto */
	unsigned n_dns;                  /*   NSC_DNS_LIST: 1..NSC_DNS_MAX, else 0 */
	struct nsc_addr dns_servers[NSC_DNS_MAX]; /* full prefix, not ::/0.0.0.0, distinct;
	                                  *   the unused ones all zero */
	bool private_tmp;                /* private_tmp = yes|no       default yes */
	/* Each private tmpfs (/tmp, /dev/shm): mounted with "size=" tmp_size
	 * and "nr_inodes=" tmp_inodes. */
	char tmp_size[16];               /* tmp_size = 1%..100%|N[k|m|g]  default "25%";
	                                  *   normalised: suffix in lower case */
	uint32_t tmp_inodes;             /* tmp_inodes = N[k|m], 1..16m default 262144 */
	bool subids;                     /* subids = yes|no            default yes */
	bool no_new_privs;               /* no_new_privs = yes|no      default yes */
	unsigned linger;                 /* linger = SECONDS 0..86400  default 0 */
	/* cgroup limits; 0 means not set (no limit, kernel default weight).
	 * Any of them set gives the session a cgroup of its own (or, on a
	 * systemd host, properties of the user's slice). */
	uint32_t pids_max;               /* pids_max = 1..4194304|max */
	uint64_t memory_max;             /* memory_max = BYTES[K|M|G|T]|max, >= 1M */
	uint32_t cpu_weight;             /* cpu_weight = 1..10000|default */
	uint32_t cpu_max;                /* cpu_max = 1%..100000%|max, of one CPU */
	uint32_t io_weight;              /* io_weight = 1..10000|default */
	/* Filled in by nsc_resolve for a user who is not exempt: the templates
	 * expanded and validated ("" where the uts namespace / veth is off). */
	char host_name[64];              /* valid_hostname(): at most 63 chars */
	char veth_host[16];              /* valid_ifname(): at most 15 chars */
};

struct nsc_config; /* opaque: the parsed sections */

/* The built-in defaults (what an empty file gives). */
void nsc_policy_defaults(struct nsc_policy *p);

/* Parse a whole file held in memory. `fname` is only used in messages. */
int nsc_parse_buffer(const char *buf, size_t len, const char *fname,
		     struct nsc_config **out, char *err, size_t errlen);

/* Checks a config file's metadata: regular file, owned by `owner`, not
 * group- or world-writable. Returns 0 or -EPERM with `err` set. */
int nsc_check_stat(const struct stat *st, uid_t owner, const char *fname,
		   char *err, size_t errlen);

/* Open `path` without following a symlink, check it on the fd with
 * nsc_check_stat(owner 0), read (at most NSC_FILE_MAX) and parse. */
int nsc_load_file(const char *path, struct nsc_config **out, char *err, size_t errlen);

/* Resolve the policy of one user. `groups` are the names of every group the
 * user belongs to (primary first), `ngroups` of them. Also checks the merged
 * result is coherent (identity root needs the user namespace, veth needs the
 * net namespace, private_tmp needs mnt, the veth_name/hostname templates
 * expand to valid names for this user, …). */
int nsc_resolve(const struct nsc_config *cfg, const char *user, uid_t uid,
		const char *const *groups, size_t ngroups,
		struct nsc_policy *out, char *err, size_t errlen);

/* nsc_resolve with the host name given (nsc_resolve passes gethostname()'s;
 * %h uses it up to the first '.'). `host` may be NULL: then a hostname or
 * veth_name template that uses %h and must be checked is an error. When
 * the result is exempt (uid 0, or exempt = yes after merging), 0 is
 * returned without coherence checks; for uid 0 the other fields are the
 * built-in defaults. Unit tests use this to fix the host name. */
int nsc_resolve_host(const struct nsc_config *cfg, const char *user, uid_t uid,
		     const char *const *groups, size_t ngroups, const char *host,
		     struct nsc_policy *out, char *err, size_t errlen);

void nsc_free(struct nsc_config *cfg);

/* The name of the i-th key nsession.conf knows (0, 1, ...), NULL past the
 * last: for tests that every key is documented. */
const char *nsc_key_name(size_t i);

/* Has the config a [group NAME] section (do group names matter)? */
bool nsc_has_group_sections(const struct nsc_config *cfg);

/* Does the policy ask for a session cgroup (any limit set)? */
static inline bool nsc_wants_cgroup(const struct nsc_policy *p)
{
	return p->pids_max || p->memory_max || p->cpu_weight || p->cpu_max || p->io_weight;
}

/* Helpers shared with the helper. */
int nsc_parse_cidr(const char *s, uint32_t *net, unsigned *prefix); /* -EINVAL */
/* Four decimal octets 0..255 without leading zeros; host byte order out. */
int nsc_parse_ipv4(const char *s, uint32_t *addr);                   /* -EINVAL */
void nsc_format_ipv4(uint32_t addr, char out[16]);                   /* host order in */

#endif
