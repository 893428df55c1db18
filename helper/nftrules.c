/* nftrules.c — builds the nft scripts of a nat session and parses its
 * counters (see nftrules.h). Every name in a script is either fixed text,
 * the numeric uid, an interface name that passed valid_ifname() (quoted),
 * or a formatted IPv4 address: nothing read from a user reaches nft's
 * parser. */
#include "nftrules.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "nsconf.h"
#include "template.h"
#include "util.h"

const char *const nft_counter_names[NFT_C_COUNT] = { "fwd_out", "fwd_in", "fwd_drop", "masq", "input" };

void nft_table_name(uint32_t uid, char out[NFT_TABLE_NAME_MAX])
{
	snprintf(out, NFT_TABLE_NAME_MAX, NFT_TABLE_PREFIX "%" PRIu32, uid);
}

static int fmt(char *buf, size_t len, const char *f, ...) __attribute__((format(printf, 3, 4)));
static int fmt(char *buf, size_t len, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, len, f, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	return (size_t)n >= len ? -ENOSPC : n;
}

static bool usable_peer(uint32_t a)
{
	uint8_t first = (uint8_t)(a >> 24);

	return a != 0 && a != UINT32_MAX && first != 127 && first < 224 && first != 0;
}

int nft_script_delete(uint32_t uid, char *buf, size_t len)
{
	char t[NFT_TABLE_NAME_MAX];

	nft_table_name(uid, t);
	return fmt(buf, len, "add table " NFT_TABLE_FAMILY " %s\ndelete table " NFT_TABLE_FAMILY " %s\n",
		   t, t);
}

int nft_script_list(uint32_t uid, char *buf, size_t len)
{
	char t[NFT_TABLE_NAME_MAX];

	nft_table_name(uid, t);
	return fmt(buf, len, "list table " NFT_TABLE_FAMILY " %s\n", t);
}

int nft_script_create(uint32_t uid, const char *ifname, uint32_t peer, char *buf, size_t len)
{
	char t[NFT_TABLE_NAME_MAX], p[16];
	int del;

	if (!ifname || !valid_ifname(ifname) || !usable_peer(peer))
		return -EINVAL;
	nft_table_name(uid, t);
	nsc_format_ipv4(peer, p);
	del = nft_script_delete(uid, buf, len);
	if (del < 0)
		return del;
	int n = fmt(buf + del, len - (size_t)del,
		"table " NFT_TABLE_FAMILY " %s {\n"
		"\tcounter fwd_out { }\n"
		"\tcounter fwd_in { }\n"
		"\tcounter fwd_drop { }\n"
		"\tcounter masq { }\n"
		"\tcounter input { }\n"
		"\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; policy accept;\n"
		"\t\tiifname \"%s\" ip saddr %s counter name \"fwd_out\" accept\n"
		"\t\toifname \"%s\" ct state established,related counter name \"fwd_in\" accept\n"
		"\t\tiifname \"%s\" counter name \"fwd_drop\" drop\n"
		"\t\toifname \"%s\" counter name \"fwd_drop\" drop\n"
		"\t}\n"
		"\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		"\t\toifname != \"%s\" ip saddr %s counter name \"masq\" masquerade\n"
		"\t}\n"
		"\tchain input {\n"
		"\t\ttype filter hook input priority filter; policy accept;\n"
		"\t\tiifname \"%s\" counter name \"input\"\n"
		"\t}\n"
		"}\n",
		t, ifname, p, ifname, ifname, ifname, ifname, p, ifname);
	return n < 0 ? n : del + n;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A decimal number up to the next space or end of line. */
static int read_u64(const char **s, uint64_t *out)
{
	char num[24];
	size_t n = strcspn(*s, " \t\n");

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, *s, n);
	num[n] = '\0';
	*s += n;
	return ns_parse_u64(num, out);
}

/* "packets N bytes M" at `s` (leading blanks skipped), up to end of line. */
static int parse_values(const char *s, struct nft_counter *c)
{
	static const char *const keys[2] = { "packets ", "bytes " };
	uint64_t *vals[2] = { &c->packets, &c->bytes };

	for (int i = 0; i < 2; i++) {
		size_t n = strlen(keys[i]);
		s = skip_space(s);
		if (strncmp(s, keys[i], n) != 0)
			return -EINVAL;
		s += n;
		if (read_u64(&s, vals[i]) < 0)
			return -EINVAL;
	}
	s = skip_space(s);
	return *s == '\n' || *s == '\0' ? 0 : -EINVAL;
}

int nft_counters_parse(const char *text, struct nft_counters *out)
{
	const char *line = text;

	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	while (*line) {
		const char *next = strchr(line, '\n');
		const char *s = skip_space(line);

		next = next ? next + 1 : line + strlen(line);
		if (strncmp(s, "counter ", 8) == 0) {
			s += 8;
			for (int id = 0; id < NFT_C_COUNT; id++) {
				size_t n = strlen(nft_counter_names[id]);
				if (strncmp(s, nft_counter_names[id], n) != 0 ||
				    strncmp(skip_space(s + n), "{", 1) != 0)
					continue;
				if (out->found & (1u << id) || !*next ||
				    parse_values(next, &out->c[id]) < 0)
					return -EINVAL;
				const char *nl = strchr(next, '\n');
				out->found |= 1u << id;
				next = nl ? nl + 1 : next + strlen(next);
				break;
			}
		}
		line = next;
	}
	return out->found == (1u << NFT_C_COUNT) - 1 ? 0 : -ENOENT;
}
