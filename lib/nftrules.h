/* nftrules.h — the text of a session's nftables tables, and reading their
 * counters back. Pure (no libnftables, no I/O): nft.c runs what these
 * build; tests/unit/test_nftrules.c checks them with bad inputs.
 *
 * Every session with a veth (network = veth, nat, bridge) has one table
 * `inet nsession_<uid>`, and a bridged one also `bridge nsession_<uid>`,
 * created and deleted with the session as one transaction each; nothing of
 * the admin's ruleset is touched. An accept here does not override a drop
 * of another table; a drop here is final. What each mode gives (V: the
 * host end, BR: the bridge, P: the session's addresses, H: the host end's
 * addresses, in bridge mode the gateway's, M: the session's MAC):
 *
 *   input (filter)
 *     veth, nat: daddr H from any interface but V and lo: guard_drop. From
 *       V: saddr P to daddr H, and ICMPv6 neighbour discovery, accepted
 *       (counter input); anything else from V (other host addresses, other
 *       sessions' host ends): input_drop.
 *     bridge: from BR with ether saddr M: only daddr H (IPv6 also
 *       link-local and multicast) accepted (input), else input_drop.
 *   forward (filter)
 *     veth: nothing to or from V (fwd_drop).
 *     nat: to V only ct established,related (fwd_in), else fwd_drop; from
 *       V with saddr P, to what the egress policy allows (fwd_out); with an
 *       egress list the rest from P is egress_drop; anything else from V
 *       (other sources) fwd_drop.
 *     bridge: routed to P from anything but BR only established,related
 *       (fwd_in), else fwd_drop. (Where br_netfilter passes bridged
 *       frames through these hooks they come in and go out of BR: left to
 *       the bridge table.)
 *   postrouting (nat, nat mode only): saddr P out of anything but V is
 *     masqueraded (counter masq); IPv6 only with ipv6_nat.
 *   bridge table, prerouting: from V a frame with another source MAC, an
 *     ARP sender other than M/P4, an IPv4 source other than P4, an IPv6
 *     source other than P6, fe80::/10 or ::, or another ethertype (VLAN
 *     tags included; IPv6 at all without an IPv6 pool): spoof_drop.
 *     input: frames from V to the host itself (its MAC: what the host
 *     routes for the session) to the bridge's subnet but the gateway (a
 *     hairpin to another session on the bridge), and with an egress list
 *     to anything but the gateway it does not allow: routed_drop.
 *     forward: with an egress list, frames from V to other ports only to
 *     what it allows (ARP and neighbour discovery pass): l2_egress_drop.
 *     (Frames between two sessions' ports never pass: the ports are
 *     isolated, IFLA_BRPORT_ISOLATED, netlink.c.)
 *
 * Every name in a script is fixed text, the numeric uid, an interface name
 * that passed valid_ifname() (quoted), or a formatted address, MAC or
 * number: nothing read from a user reaches nft's parser. */
#ifndef NS_NFTRULES_H
#define NS_NFTRULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nsconf.h"

#define NFT_TABLE_PREFIX "nsession_"
#define NFT_TABLE_NAME_MAX 24   /* "nsession_" + 10 digits + NUL fits */
#define NFT_SCRIPT_MAX 16384    /* the create script fits in this */

/* One list of every counter of both tables: the first NFT_C_INET_COUNT
 * are in the inet table, the rest in the bridge table. */
enum nft_counter_id {
	NFT_C_FWD_OUT, NFT_C_FWD_IN, NFT_C_FWD_DROP, NFT_C_MASQ, NFT_C_INPUT,
	NFT_C_INPUT_DROP, NFT_C_GUARD_DROP, NFT_C_EGRESS_DROP,
	NFT_C_INET_COUNT,
	NFT_C_SPOOF_DROP = NFT_C_INET_COUNT, NFT_C_L2_EGRESS_DROP, NFT_C_ROUTED_DROP,
	NFT_C_COUNT
};
extern const char *const nft_counter_names[NFT_C_COUNT]; /* "fwd_out", …, "routed_drop" */

struct nft_counter { uint64_t packets, bytes; };
struct nft_counters {
	struct nft_counter c[NFT_C_COUNT];    /* indexed by enum nft_counter_id */
	unsigned found;                       /* bit (1u << id) for each one read */
};

/* What a session's tables are built from. */
struct nft_session {
	uint32_t uid;
	enum nsc_netmode mode;                /* veth, nat or bridge */
	const char *ifname;                   /* the host end; valid_ifname() */
	const char *bridge;                   /* network = bridge: the bridge */
	struct nsc_addr peer4, host4;         /* AF_INET, full prefix */
	struct nsc_addr peer6, host6;         /* AF_INET6, full prefix; family 0: no IPv6 */
	struct nsc_addr net4, net6;           /* bridge: the bridge's subnets (the pools) */
	uint8_t mac[6];                       /* the session's eth0 (bridge mode) */
	bool nat6;                            /* masquerade IPv6 too (nat mode) */
	bool egress_any;
	unsigned n_egress;
	const struct nsc_egress *egress;
};

/* "nsession_<uid>" into out (at least NFT_TABLE_NAME_MAX bytes). */
void nft_table_name(uint32_t uid, char out[NFT_TABLE_NAME_MAX]);

/* The script that atomically replaces any tables of this uid by fresh
 * ones (one transaction). -EINVAL for a bad input (a mode without a veth,
 * a bad interface name, an address that is not a usable unicast one of
 * its family, an egress rule of a bad family or port), -ENOSPC when `len`
 * is too small; else the length. */
int nft_script_create(const struct nft_session *s, char *buf, size_t len);

/* The script that deletes this uid's tables (inet, bridge, and the `ip`
 * table of nsession before 0.15) whether or not they exist (add + delete:
 * nft 1.0.6 has no `destroy`). Length or -ENOSPC. */
int nft_script_delete(uint32_t uid, char *buf, size_t len);

/* The command that lists the inet table, or with `bridge` the bridge
 * table (their counters included). One table per command: nft 1.0.6 fails
 * a buffer of two `list table` commands of different families. */
int nft_script_list(uint32_t uid, bool bridge, char *buf, size_t len);

/* Read the named counters out of `nft list table` text output:
 *   counter fwd_out {
 *           packets 12 bytes 1008
 *   }
 * Unknown counters are ignored; a counter named twice or a malformed
 * "packets N bytes M" line is -EINVAL. Returns 0 when at least one was
 * found (out->found says which), -ENOENT when none. */
int nft_counters_parse(const char *text, struct nft_counters *out);

#endif
