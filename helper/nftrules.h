/* nftrules.h — the text of a `network = nat` session's nftables table, and
 * reading its counters back. Pure (no libnftables, no I/O): nft.c runs what
 * these build; tests/unit/test_nftrules.c checks them with bad inputs.
 *
 * One table per session user, `table ip nsession_<uid>` (an nft identifier:
 * a letter, then letters, digits and '_'), so a session's rules are created,
 * listed and deleted as one object and never touch anything of the admin's.
 * It holds five named counters and three base chains:
 *
 *   forward     (filter, priority filter, policy accept)
 *     iifname VETH ip saddr PEER                  counter name fwd_out  accept
 *     oifname VETH ct state established,related  counter name fwd_in   accept
 *     iifname VETH                                counter name fwd_drop drop
 *     oifname VETH                                counter name fwd_drop drop
 *   postrouting (nat, priority srcnat)
 *     oifname != VETH ip saddr PEER               counter name masq     masquerade
 *   input       (filter, priority filter, policy accept; counts only)
 *     iifname VETH                                counter name input
 *
 * So the session may open connections out (with its own address only: a
 * root-inside session cannot spoof another), only replies come back in, and
 * nothing else is forwarded to or from its veth. Chains of other tables
 * still see the packets (an accept here does not override their drop). */
#ifndef NS_NFTRULES_H
#define NS_NFTRULES_H

#include <stddef.h>
#include <stdint.h>

#define NFT_TABLE_FAMILY "ip"
#define NFT_TABLE_PREFIX "nsession_"
#define NFT_TABLE_NAME_MAX 24   /* "nsession_" + 10 digits + NUL fits */
#define NFT_SCRIPT_MAX 2048     /* the create script fits in this */

enum nft_counter_id { NFT_C_FWD_OUT, NFT_C_FWD_IN, NFT_C_FWD_DROP, NFT_C_MASQ, NFT_C_INPUT, NFT_C_COUNT };
extern const char *const nft_counter_names[NFT_C_COUNT]; /* "fwd_out", …, "input" */

struct nft_counter { uint64_t packets, bytes; };
struct nft_counters {
	struct nft_counter c[NFT_C_COUNT];    /* indexed by enum nft_counter_id */
	unsigned found;                       /* bit (1u << id) for each one read */
};

/* "nsession_<uid>" into out (at least NFT_TABLE_NAME_MAX bytes). */
void nft_table_name(uint32_t uid, char out[NFT_TABLE_NAME_MAX]);

/* The script that atomically replaces any table of this uid by a fresh one
 * (add + delete + define, one transaction). `ifname` must pass
 * valid_ifname(); `peer` (host byte order) must not be 0, 255.255.255.255,
 * loopback or multicast. Returns the length, or -EINVAL (bad input) or
 * -ENOSPC (`len` too small). */
int nft_script_create(uint32_t uid, const char *ifname, uint32_t peer, char *buf, size_t len);

/* The script that deletes this uid's table whether or not it exists
 * (add + delete: nft 1.0.6 has no `destroy`). Length or -ENOSPC. */
int nft_script_delete(uint32_t uid, char *buf, size_t len);

/* The command that lists the table (its counters included). */
int nft_script_list(uint32_t uid, char *buf, size_t len);

/* Read the named counters out of `nft list table` text output:
 *   counter fwd_out {
 *           packets 12 bytes 1008
 *   }
 * Unknown counters are ignored; a counter named twice or a malformed
 * "packets N bytes M" line is -EINVAL. Returns 0 when all NFT_C_COUNT were
 * found, -ENOENT when some are missing (out->found says which). */
int nft_counters_parse(const char *text, struct nft_counters *out);

#endif
