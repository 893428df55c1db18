/* nsessionctl_show.c — what `nsessionctl list` and `show` print, as text
 * and as JSON: records as nsessionctl.c read them, whether they are active
 * (procfs.c, proc_live), the link's and the tables' counters. Nothing here
 * changes anything. */
#include "nsessionctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nskind.h"
#include "nftrules.h"
#include "util.h"

static void fmt_age(int64_t created, char *out, size_t len)
{
	int64_t s = (int64_t)time(NULL) - created;

	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(out, len, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(out, len, "%lldd%02lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

/* The session's own address, "-" without a network. */
static void fmt_address(const struct session_record *r, char *out, size_t len)
{
	char a[16];

	if (!nsc_net_has_veth(r->network)) {
		snprintf(out, len, "-");
		return;
	}
	nsc_format_ipv4(r->addr_peer, a);
	snprintf(out, len, "%s/%u", a, r->prefix);
}

/* The session's IPv6 address "ADDR/N" and its host end or gateway; both
 * "" without IPv6. */
static void fmt_address6(const struct session_record *r, char *out, size_t len, char host[48])
{
	struct nsc_addr peer = state_addr6(r->addr6_peer), gw = state_addr6(r->addr6_host);
	char text[48];

	out[0] = host[0] = '\0';
	if (!r->prefix6)
		return;
	nsc_format_addr(&peer, text);
	snprintf(out, len, "%s/%u", text, r->prefix6);
	nsc_format_addr(&gw, host);
}

static void fmt_namespaces(unsigned mask, char *out, size_t len)
{
	size_t pos = 0;

	out[0] = '\0';
	for (int i = 0; i < NSK_COUNT && pos < len; i++)
		if (mask & (1u << i))
			pos += (size_t)snprintf(out + pos, len - pos, "%s%s", pos ? "," : "",
						nskinds[i].name);
}

/* A JSON string; record fields are validated already, this escapes anyway. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_key(const char *k, bool *first)
{
	printf("%s", *first ? "" : ",");
	*first = false;
	json_str(k);
	putchar(':');
}

static void json_kstr(const char *k, const char *v, bool *first)
{
	json_key(k, first);
	json_str(v);
}

static void json_knum(const char *k, unsigned long long v, bool *first)
{
	json_key(k, first);
	printf("%llu", v);
}

/* The fields `list` shows, as members of an open JSON object. */
static void json_summary(const struct session_record *r, bool active, bool *first)
{
	char buf[128];

	json_kstr("user", r->user, first);
	json_knum("uid", r->uid, first);
	json_kstr("session", r->id, first);
	json_kstr("state", active ? "active" : "stale", first);
	json_knum("logins", r->logins, first);
	json_knum("keeper_pid", (unsigned long long)r->keeper_pid, first);
	json_knum("created", (unsigned long long)r->created, first);
	json_knum("age_seconds", (unsigned long long)((int64_t)time(NULL) > r->created
						       ? (int64_t)time(NULL) - r->created : 0), first);
	json_kstr("network", nsc_netmode_names[r->network], first);
	fmt_address(r, buf, sizeof(buf));
	json_kstr("address", nsc_net_has_veth(r->network) ? buf : "", first);
	json_key("namespaces", first);
	putchar('[');
	for (int i = 0, n = 0; i < NSK_COUNT; i++)
		if (r->namespaces & (1u << i)) {
			printf("%s", n++ ? "," : "");
			json_str(nskinds[i].name);
		}
	putchar(']');
}

/* ---- list ------------------------------------------------------------ */

int cmd_list(bool json)
{
	struct session_record *v = NULL;
	size_t n;
	bool bad;
	int r = load_records(&v, &n, &bad);

	if (r < 0)
		return EXIT_FAIL;
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			bool first = true;
			printf("%s{", i ? "," : "");
			json_summary(&v[i], record_active(&v[i]), &first);
			printf("}");
		}
		printf("]\n");
	} else {
		printf("%-16s %7s %-16s %-6s %6s %8s %7s %-8s %-18s %s\n", "USER", "UID", "SESSION",
		       "STATE", "LOGINS", "KEEPER", "AGE", "NETWORK", "ADDRESS", "NAMESPACES");
		for (size_t i = 0; i < n; i++) {
			char age[32], addr[32], ns[80];
			fmt_age(v[i].created, age, sizeof(age));
			fmt_address(&v[i], addr, sizeof(addr));
			fmt_namespaces(v[i].namespaces, ns, sizeof(ns));
			printf("%-16s %7u %-16s %-6s %6u %8d %7s %-8s %-18s %s\n", v[i].user, v[i].uid,
			       v[i].id, record_active(&v[i]) ? "active" : "stale", v[i].logins,
			       (int)v[i].keeper_pid, age, nsc_netmode_names[v[i].network], addr, ns);
		}
		printf("\n%zu session%s listed.\n", n, n == 1 ? "" : "s");
	}
	free(v);
	return bad ? EXIT_FAIL : 0;
}

/* ---- show ------------------------------------------------------------ */

struct traffic {
	bool have, have_nft;
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets; /* as the host end counts */
	struct nft_counters nft;                             /* the session's tables */
};

static void read_traffic(const struct session_record *r, bool active, struct traffic *t)
{
	memset(t, 0, sizeof(*t));
	if (!nsc_net_has_veth(r->network) || !active)
		return;
	t->have = net_link_stats(r->veth_host, &t->rx_bytes, &t->rx_packets, &t->tx_bytes,
				 &t->tx_packets) == 0;
	t->have_nft = nft_session_counters(r->uid, r->network == NSC_NET_BRIDGE, &t->nft) == 0;
}

/* What `show` prints, formatted once for both forms. */
struct show {
	struct session_record r;
	struct traffic t;
	bool active;
	char age[32], addr[32], host[16], when[64], addr6[56], host6[48];
};

static void show_json(const struct show *v)
{
	const struct session_record *r = &v->r;
	const struct traffic *t = &v->t;
	bool first = true;

	printf("{");
	json_summary(r, v->active, &first);
	json_knum("gid", r->gid, &first);
	json_knum("monitor_pid", (unsigned long long)r->monitor_pid, &first);
	json_key("ns_inodes", &first);
	printf("{");
	for (int i = 0, n = 0; i < NSK_COUNT; i++)
		if (r->namespaces & (1u << i))
			printf("%s\"%s\":%llu", n++ ? "," : "", nskinds[i].name,
			       (unsigned long long)r->ns_ino[i]);
	printf("}");
	json_kstr("veth_host", r->veth_host, &first);
	json_kstr("bridge", r->bridge, &first);
	json_kstr("host_address", nsc_net_has_veth(r->network) ? v->host : "", &first);
	json_kstr("address6", v->addr6, &first);
	json_kstr("host_address6", v->host6, &first);
	json_kstr("cgroup", r->cgroup, &first);
	if (t->have) {
		json_key("traffic", &first);
		printf("{\"to_host_bytes\":%llu,\"to_host_packets\":%llu,"
		       "\"from_host_bytes\":%llu,\"from_host_packets\":%llu}",
		       (unsigned long long)t->rx_bytes, (unsigned long long)t->rx_packets,
		       (unsigned long long)t->tx_bytes, (unsigned long long)t->tx_packets);
	}
	if (t->have_nft) {
		json_key("nft_counters", &first);
		printf("{");
		for (int i = 0, n = 0; i < NFT_C_COUNT; i++)
			if (t->nft.found & (1u << i))
				printf("%s\"%s\":{\"packets\":%llu,\"bytes\":%llu}", n++ ? "," : "",
				       nft_counter_names[i], (unsigned long long)t->nft.c[i].packets,
				       (unsigned long long)t->nft.c[i].bytes);
		printf("}");
	}
	printf("}\n");
}

static void show_network(const struct show *v)
{
	const struct session_record *r = &v->r;

	switch (r->network) {
	case NSC_NET_NONE:
		printf("Network:     none (loopback only)\n");
		break;
	case NSC_NET_BRIDGE:
		printf("Network:     bridge: %s on %s, session %s via %s\n", r->veth_host, r->bridge,
		       v->addr, v->host);
		break;
	default:
		printf("Network:     %s: %s %s, session %s\n", nsc_netmode_names[r->network],
		       r->veth_host, v->host, v->addr);
		break;
	}
	if (v->addr6[0])
		printf("IPv6:        session %s via %s\n", v->addr6, v->host6);
}

static void show_text(const struct show *v)
{
	const struct session_record *r = &v->r;
	const struct traffic *t = &v->t;

	printf("User:        %s (uid %u, gid %u)\n", r->user, r->uid, r->gid);
	printf("Session:     %s (%s)\n", r->id, v->active ? "active" : "stale");
	printf("Created:     %s (%s ago)\n", v->when, v->age);
	printf("Logins:      %u\n", r->logins);
	printf("Keeper:      %d\nMonitor:     %d\n", (int)r->keeper_pid, (int)r->monitor_pid);
	printf("Namespaces: ");
	for (int i = 0; i < NSK_COUNT; i++)
		if (r->namespaces & (1u << i))
			printf(" %s:[%llu]", nskinds[i].name, (unsigned long long)r->ns_ino[i]);
	printf("\n");
	show_network(v);
	if (t->have)
		printf("Traffic:     from session %llu bytes (%llu packets), to session %llu bytes "
		       "(%llu packets)\n", (unsigned long long)t->rx_bytes,
		       (unsigned long long)t->rx_packets, (unsigned long long)t->tx_bytes,
		       (unsigned long long)t->tx_packets);
	if (t->have_nft) {
		printf("Nftables:    table inet %s%u:", NFT_TABLE_PREFIX, r->uid);
		for (int i = 0; i < NFT_C_COUNT; i++)
			if (t->nft.found & (1u << i))
				printf(" %s %llu/%llu", nft_counter_names[i],
				       (unsigned long long)t->nft.c[i].packets,
				       (unsigned long long)t->nft.c[i].bytes);
		printf(" (packets/bytes)\n");
	}
	if (r->cgroup[0])
		printf("Cgroup:      nsession/%s\n", r->cgroup);
}

int cmd_show(const struct passwd *pw, bool json)
{
	static struct show v;
	struct tm tm;
	time_t created;
	int ret = load_one(pw, &v.r);

	if (ret)
		return ret;
	/* Once: it opens every namespace of the keeper. */
	v.active = record_active(&v.r);
	read_traffic(&v.r, v.active, &v.t);
	created = (time_t)v.r.created;
	strftime(v.when, sizeof(v.when), "%Y-%m-%d %H:%M:%S %Z", localtime_r(&created, &tm));
	fmt_age(v.r.created, v.age, sizeof(v.age));
	fmt_address(&v.r, v.addr, sizeof(v.addr));
	nsc_format_ipv4(v.r.addr_host, v.host);
	fmt_address6(&v.r, v.addr6, sizeof(v.addr6), v.host6);
	if (json)
		show_json(&v);
	else
		show_text(&v);
	return 0;
}

/* ---- enter ----------------------------------------------------------- */
