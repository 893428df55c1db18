#!/bin/bash
# Root tests of the network modes (issue 15): isolation between the sessions
# of different users in veth, nat and bridge mode (IPv4 and IPv6, TCP, UDP,
# ICMP) with the host forwarding, anti-spoofing on a bridge, egress policy
# with its counters, IPv6 pools and nat66, IPv6 off without a pool, DNS
# inside a session (plain resolv.conf, systemd-resolved's stub), /etc/hosts,
# and teardown (tables, links, conntrack, neighbours).
#
# Everything it makes lives under a temporary directory $T or carries a name
# of its own, and is removed on exit, failed or not: users nsn1..nsn10,
# session links nsn<uid>, the bridge nsbrtest0 (10.249.1.1/24,
# fd15:15:0:2::1/64) with a port nsbrup0 (veth, peer nsbrup1), the network
# namespace nsn-up with the link nsup0 (an "upstream": host 10.248.0.1
# fd15:15:ff::1, upstream 10.248.0.2 fd15:15:ff::2, with a TCP/UDP listener
# on 8080, 8081, 5301 and dnsmasq on 10.248.0.2:53), the network namespace
# nsn-seg (a host 10.249.1.200 on the bridge's segment, port nsbrseg0, with
# a listener on 8080 and 8081), nftables tables nsession_<uid> (inet,
# bridge, ip) of those users and inet nsntest, conntrack entries of the test addresses, listeners
# (probe.py) and dnsmasq (pid file in $T), /run/systemd/resolve when the host
# has none. net.ipv4.ip_forward and net.ipv6.conf.*.forwarding are switched
# on and restored, as is net.bridge.bridge-nf-call-iptables where it exists. Pools: 10.249.0.0/24 + fd15:15:0:1::/64 (veth, nat),
# 10.249.1.0/24 + fd15:15:0:2::/64 (bridge). No traffic leaves the machine.
#
# Users: nsn1 nsn2 veth, nsn3 nsn4 nat, nsn5 nsn6 bridge (the matrix),
# nsn7 nat with egress = 10.248.0.2 tcp 8080, nsn8 veth without an IPv6
# pool (and bad configs), nsn9 veth with identity = root, nsn10 bridge
# with egress = 10.249.1.200 tcp 8080.
#
# NSN_OLD=1: for a tree before issue 15 (which refuses the keys
# address_pool6 and egress): the policy leaves those keys out, the counters
# are read from the `inet` table and, failing that, the legacy `ip` one, and
# everything else runs unchanged, so the checks show what the old code lets
# through. Run there: flock /var/tmp/nsession-suite.lock env NSN_OLD=1 bash
# tests/network/run.sh
. "$(dirname "$0")/../suite.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
OLD=${NSN_OLD:-}
T=$(mktemp -d /var/tmp/nsn.XXXXXX) # not /tmp: sessions get a private /tmp
H="$T/bin/nsession-helper"
STATE="$T/run/nsession"
LINK_PREFIX=nsn
CLEAN_WAIT=5
PY=/usr/bin/python3
PROBE="$T/lib/probe.py"
POOL=10.249.0.0/24
POOL6=fd15:15:0:1::/64
BRPOOL=10.249.1.0/24
BRPOOL6=fd15:15:0:2::/64
BRGW=10.249.1.1
BRGW6=fd15:15:0:2::1
UPH4=10.248.0.1 UPH6=fd15:15:ff::1 # the host's end of the upstream link
UP4=10.248.0.2 UP6=fd15:15:ff::2   # the upstream
BR=nsbrtest0
BRUP=nsbrup0
UPNS=nsn-up
SEGNS=nsn-seg SEG4=10.249.1.200 # a host on the bridge's segment (port nsbrseg0)
USERS="nsn1 nsn2 nsn3 nsn4 nsn5 nsn6 nsn7 nsn8 nsn9 nsn10"
MATRIX="nsn1 nsn2 nsn3 nsn4 nsn5 nsn6"
BGPIDS=""
LPIDS="" # listeners of the suite's own (host, upstream)
ADDRS="$UP4 $UP6 $UPH4 $UPH6"  # conntrack entries of these are removed at the end
OLD_FWD=$(sysctl -n net.ipv4.ip_forward)
OLD_FWD6=$(for f in /proc/sys/net/ipv6/conf/*/forwarding; do echo "$f $(cat "$f")"; done)
FWD_SET=""
MADE_RESOLVE=""
BNF=/proc/sys/net/bridge/bridge-nf-call-iptables
BNF_OLD=$(cat "$BNF" 2>/dev/null)
START=$(date +%s)

cleanup() {
	local u uid a
	disown -a 2>/dev/null # no "Killed" lines for the suite's own background jobs
	for p in $BGPIDS; do kill -KILL "$p" 2>/dev/null; done
	for u in $USERS; do
		[ -x "$H" ] && id "$u" >/dev/null 2>&1 && "$H" terminate --user "$u" >/dev/null 2>&1
	done
	for p in $LPIDS; do kill -KILL "$p" 2>/dev/null; done
	[ -s "$T/dnsmasq.pid" ] && kill -KILL "$(cat "$T/dnsmasq.pid")" 2>/dev/null
	pkill -KILL -f "^$T/" 2>/dev/null
	if [ -n "$FWD_SET" ]; then
		sysctl -q -w net.ipv4.ip_forward="$OLD_FWD"
		# "all" first (it sets every interface), then each as it was
		printf '%s\n' "$OLD_FWD6" | grep '/all/' | while read -r f v; do echo "$v" >"$f"; done
		printf '%s\n' "$OLD_FWD6" | grep -v '/all/' | while read -r f v; do
			[ -e "$f" ] && echo "$v" >"$f" 2>/dev/null
		done
	fi
	for u in $USERS; do
		uid=$(id -u "$u" 2>/dev/null) || continue
		for f in inet bridge ip; do nft delete table $f "nsession_$uid" 2>/dev/null; done
	done
	nft delete table inet nsntest 2>/dev/null
	remove_links "$LINK_PREFIX"
	ip link del nsup0 2>/dev/null
	ip link del "$BRUP" 2>/dev/null
	ip link del "$BR" 2>/dev/null
	ip netns del "$UPNS" 2>/dev/null
	ip link del nsbrseg0 2>/dev/null
	ip netns del "$SEGNS" 2>/dev/null
	for a in $ADDRS; do
		conntrack -D -s "$a" >/dev/null 2>&1
		conntrack -D -d "$a" >/dev/null 2>&1
	done
	[ -n "$MADE_RESOLVE" ] && rmdir /run/systemd/resolve 2>/dev/null
	[ -n "$BNF_OLD" ] && echo "$BNF_OLD" >"$BNF" 2>/dev/null
	for u in $USERS; do remove_user "$u"; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers ------------------------------------------------------------------
json() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>/dev/null; }
uid_of() { id -u "$1"; }
# ctr FAMILY USER NAME: packets of the named counter NAME in table FAMILY
# nsession_<uid> (NSN_OLD: an inet counter falls back to the ip table's)
ctr() {
	local v
	v=$(nft list counter "$1" "nsession_$(uid_of "$2")" "$3" 2>/dev/null | awk '$1 == "packets" {print $2; exit}')
	if [ -z "$v" ] && [ -n "$OLD" ] && [ "$1" = inet ]; then
		v=$(nft list counter ip "nsession_$(uid_of "$2")" "$3" 2>/dev/null | awk '$1 == "packets" {print $2; exit}')
	fi
	echo "$v"
}
# grew DESC BEFORE AFTER [MIN]: AFTER >= BEFORE + MIN (default 1)
grew() {
	if [ -n "$2" ] && [ -n "$3" ] && [ "$3" -ge $(($2 + ${4:-1})) ]; then ok "$1 ($2 -> $3)"
	else bad "$1" "[$2] -> [$3]"; fi
}
has_table() { nft list table "$1" "nsession_$(uid_of "$2")" >/dev/null 2>&1; }
# no_tables USER: no inet, bridge or ip table nsession_<uid>
no_tables() { ! has_table inet "$1" && ! has_table bridge "$1" && ! has_table ip "$1"; }
# in_net USER CMD...: CMD as root in USER's session's network namespace
in_net() { local u=$1; shift; nsenter --net="/proc/${KP[$u]}/ns/net" "$@"; }
# ct_of ADDR: conntrack entries (IPv4 and IPv6) with ADDR as a source or destination
ct_of() {
	[ -n "$1" ] || return 0
	{ conntrack -L -f ipv4 2>/dev/null; conntrack -L -f ipv6 2>/dev/null; } | grep -E "(src|dst)=$1( |$)"
}
# user_clean USER DESC: no record, lock, link or table of USER (while other
# users' sessions live, where expect_clean cannot be used)
user_left() {
	local uid f
	uid=$(uid_of "$1")
	for f in "$STATE/$uid".*; do [ -e "$f" ] && echo "$f"; done
	ip -o link show "nsn$uid" 2>/dev/null
	nft list tables | grep -E " nsession_$uid\$"
}
user_gone() { [ -z "$(user_left "$1")" ]; }
user_clean() {
	if wait_for "$CLEAN_WAIT" user_gone "$1"; then ok "$2"
	else bad "$2" "$(user_left "$1" | tr '\n' ' ')"; fi
}
no_ct() { [ -z "$(ct_of "$1")$(ct_of "${2:-}")" ]; }
# ct_brief ADDR [ADDR6]: how many entries, and the first two
ct_brief() {
	local e
	e=$(ct_of "$1"; ct_of "${2:-}")
	echo "$(printf '%s\n' "$e" | grep -c .) entries, e.g. $(printf '%s\n' "$e" | head -n 2 | tr '\n' '|')"
}
# start_listening USER PORT: a session of USER whose first command is the
# probe listener on PORT (TCP and UDP, dual stack), output in $T/log/USER.recv
start_listening() {
	local u=$1
	wait_for 5 test ! -e "$STATE/$(uid_of "$u").session"
	: >"$T/log/$u.recv"
	bg_as "$u" "$H" run -- "$PY" "$PROBE" listen "$2" >>"$T/log/$u.recv" 2>&1
	BGPIDS="$BGPIDS $BG_PID"
	LAST_BG=$BG_PID
	if wait_for 10 grep -q '^listening' "$T/log/$u.recv"; then return 0; fi
	bad "the session of $u starts with its listener" "$(head -c 600 "$T/log/$u.recv")"
	return 1
}
declare -A MODE A4 A6 H4 H6 P6 LL6 KP
# read_session USER: its addresses from `status` (IPv6 "::" counts as none)
read_session() {
	local u=$1 v
	MODE[$u]=$(status_field "$u" network)
	A4[$u]=$(status_field "$u" addr_peer)
	H4[$u]=$(status_field "$u" addr_host)
	v=$(status_field "$u" addr6_peer); [ "$v" = "::" ] && v=""; A6[$u]=$v
	v=$(status_field "$u" addr6_host); [ "$v" = "::" ] && v=""; H6[$u]=$v
	P6[$u]=$(status_field "$u" prefix6)
	KP[$u]=$(status_field "$u" keeper_pid)
	LL6[$u]=$(in_net "$u" ip -6 -o addr show dev eth0 scope link 2>/dev/null | awk '{print $4; exit}' | cut -d/ -f1)
	ADDRS="$ADDRS ${A4[$u]} ${A6[$u]} ${H4[$u]} ${H6[$u]}"
}
# each_bnf FUNC: FUNC V with net.bridge.bridge-nf-call-iptables set to V,
# for V 0 and 1 (restored after): where br_netfilter is loaded, bridged
# frames pass the inet hooks when it is 1 (Docker and Kubernetes hosts).
# Without br_netfilter, FUNC "" once.
each_bnf() {
	local v
	if [ ! -w "$BNF" ]; then
		echo "#   (no br_netfilter here: bridge-nf-call-iptables not tried)"
		"$1" ""
		return
	fi
	for v in 0 1; do
		echo "$v" >"$BNF"
		"$1" "$v"
	done
	echo "$BNF_OLD" >"$BNF"
}
# settled USER: no tentative IPv6 address inside the session or on its host end
settled() {
	[ -z "$(in_net "$1" ip -6 addr show tentative 2>/dev/null)" ] &&
		[ -z "$(ip -6 addr show dev "nsn$(uid_of "$1")" tentative 2>/dev/null)" ]
}

# ---- set-up ---------------------------------------------------------------------
echo "# building a test install under $T${OLD:+ (NSN_OLD: no issue-15 keys)}"
private_install "$T" || exit 1
CTL="$T/bin/nsessionctl"
install -m 644 "$HERE/probe.py" "$PROBE"
mkdir -p "$T/log"

for u in $USERS; do
	remove_user "$u"
	useradd -m -d "$T/home/$u" -s /bin/sh "$u" || exit 1
done
U3=$(uid_of nsn3) U5=$(uid_of nsn5) U7=$(uid_of nsn7) U8=$(uid_of nsn8)

new() { [ -z "$OLD" ] && printf '%s\n' "$@"; return 0; } # issue-15 keys
test_policy "$T" "$POOL" nsn
{
	new "address_pool6 = $POOL6"
	printf '\n[user nsn3]\nnetwork = nat\n\n[user nsn4]\nnetwork = nat\n'
	for u in nsn5 nsn6; do
		printf '\n[user %s]\nnetwork = bridge\nbridge = %s\naddress_pool = %s\n' "$u" "$BR" "$BRPOOL"
		new "address_pool6 = $BRPOOL6"
	done
	printf '\n[user nsn7]\nnetwork = nat\n'
	new "egress = $UP4 tcp 8080"
	printf '\n[user nsn10]\nnetwork = bridge\nbridge = %s\naddress_pool = %s\n' "$BR" "$BRPOOL"
	new "egress = $SEG4 tcp 8080"
	printf '\n[user nsn8]\n'
	new "address_pool6 = none"
	printf '\n[user nsn9]\nidentity = root\n'
} >>"$T/etc/nsession.conf"
printf 'network = bridge\nbridge = nsbrnone0\naddress_pool = %s\nveth_name = nsn%%U\n' "$BRPOOL" >"$T/etc/nobridge.conf"
printf 'network = bridge\nbridge = lo\naddress_pool = %s\nveth_name = nsn%%U\n' "$BRPOOL" >"$T/etc/notbridge.conf"
chmod 644 "$T/etc/"*.conf

FWD_SET=1
sysctl -q -w net.ipv4.ip_forward=1
sysctl -q -w net.ipv6.conf.all.forwarding=1

# The upstream: no route back to the pools (only masqueraded packets get
# an answer), a listener on 8080, 8081 and 5301, dnsmasq on 10.248.0.2.
ip netns add "$UPNS"
ip link add nsup0 type veth peer name eth0 netns "$UPNS"
ip addr add "$UPH4/24" dev nsup0
ip addr add "$UPH6/64" dev nsup0 nodad
ip link set nsup0 up
ip -n "$UPNS" addr add "$UP4/24" dev eth0
ip -n "$UPNS" addr add "$UP6/64" dev eth0 nodad
ip -n "$UPNS" link set eth0 up
ip -n "$UPNS" link set lo up
ip netns exec "$UPNS" "$PY" "$PROBE" listen 8080,8081,5301 >"$T/log/up.recv" 2>&1 &
LPIDS="$LPIDS $!"
ip netns exec "$UPNS" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --address=/ns15.test/192.0.2.15 \
	--listen-address="$UP4" --bind-interfaces --pid-file="$T/dnsmasq.pid" --user=root --group=root \
	--log-queries --log-facility="$T/dnsmasq.log" || bad "dnsmasq starts in $UPNS"
wait_for 10 grep -q '^listening' "$T/log/up.recv" || bad "the upstream's listener starts" "$(cat "$T/log/up.recv")"

# The bridge keeps a port of its own (a veth nsbrup0, its peer nsbrup1
# idle, no address), so its carrier (and its neighbour table) does not
# depend on the sessions' ports.
ip link add "$BR" type bridge
ip addr add "$BRGW/24" dev "$BR"
ip addr add "$BRGW6/64" dev "$BR" nodad
ip link add "$BRUP" type veth peer name nsbrup1
sysctl -q -w net.ipv6.conf.nsbrup1.disable_ipv6=1 net.ipv6.conf.$BRUP.disable_ipv6=1
ip link set "$BRUP" master "$BR"
ip link set "$BRUP" up
ip link set nsbrup1 up
ip link set "$BR" up

# ---- 1. the matrix: two users in each of veth, nat and bridge mode ------------
echo "# matrix: sessions of nsn1 nsn2 (veth), nsn3 nsn4 (nat), nsn5 nsn6 (bridge), ip_forward=1, IPv6 forwarding on"
for u in $MATRIX; do start_listening "$u" 7000; done
for u in $MATRIX; do
	read_session "$u"
	wait_for 5 settled "$u" || bad "IPv6 addresses of $u's session settle (DAD)" "$(in_net "$u" ip -6 addr show tentative)"
	printf '       %s %-6s %-13s %-20s host %-11s %-20s ll %s\n' "$u" "${MODE[$u]}" "${A4[$u]}" "${A6[$u]:--}" \
		"${H4[$u]}" "${H6[$u]:--}" "${LL6[$u]:--}"
done
for u in $MATRIX; do
	want=veth
	case $u in nsn3 | nsn4) want=nat ;; nsn5 | nsn6) want=bridge ;; esac
	expect_eq "status of $u: network=$want" "$want" "${MODE[$u]}"
	if has_table inet "$u"; then ok "$u's table inet nsession_$(uid_of "$u") exists"
	else bad "$u's table inet nsession_$(uid_of "$u") exists" "$(nft list tables | grep nsession_ | tr '\n' ' ')"; fi
	if [ "$want" = bridge ]; then
		if has_table bridge "$u"; then ok "$u's table bridge nsession_$(uid_of "$u") exists"
		else bad "$u's table bridge nsession_$(uid_of "$u") exists"; fi
		expect_eq "$u's bridge port is isolated" "isolated on" "$(ip -d link show "nsn$(uid_of "$u")" 2>&1 | grep -o 'isolated o[nf]*')"
		p6=64
	else
		if has_table bridge "$u"; then bad "no bridge table for $u ($want)"; else ok "no bridge table for $u ($want)"; fi
		p6=126
	fi
	# IPv6 from the pool: the record, eth0 inside, the route, the host end
	expect_eq "status of $u: prefix6=$p6" "$p6" "${P6[$u]}"
	inside=$(in_net "$u" sh -c 'ip -6 -o addr show dev eth0 scope global; ip -6 route show default; echo "accept_ra=$(cat /proc/sys/net/ipv6/conf/eth0/accept_ra)"' 2>&1)
	if [ -n "${A6[$u]}" ]; then
		expect_match "$u's eth0 has addr6_peer ${A6[$u]}/$p6" "inet6 ${A6[$u]}/$p6 " "$inside"
		expect_match "$u's IPv6 default route is via addr6_host ${H6[$u]}" "^default via ${H6[$u]} dev eth0" "$inside"
	else
		bad "status of $u: an IPv6 address from the pool (addr6_peer)" "[$(status_field "$u" addr6_peer)]"
	fi
	expect_match "$u: accept_ra is 0 on eth0 inside" "^accept_ra=0$" "$inside"
	if [ "$want" = bridge ]; then
		expect_eq "status of $u: addr6_host is the bridge's $BRGW6" "$BRGW6" "${H6[$u]}"
	elif [ -n "${H6[$u]}" ]; then
		expect_match "$u's host end holds addr6_host ${H6[$u]}/126" "inet6 ${H6[$u]}/126 " \
			"$(ip -6 -o addr show dev "nsn$(uid_of "$u")")"
	fi
done

# The host's own listener (port 7001) on every host end, the bridge's
# addresses and the host's end of the upstream link.
hostaddrs=""
for u in $MATRIX; do hostaddrs="$hostaddrs ${H4[$u]} ${H6[$u]}"; done
hostaddrs=$(printf '%s\n' $hostaddrs $UPH4 $UPH6 | sort -u | tr '\n' ' ')
"$PY" "$PROBE" listen 7001 $hostaddrs >"$T/log/host.recv" 2>&1 &
LPIDS="$LPIDS $!"
wait_for 10 grep -q '^listening' "$T/log/host.recv" || bad "the host's listener starts" "$(cat "$T/log/host.recv")"

# Probe groups: PGROUPS (in order), DESC[g], WANT[g] (yes: every probe must
# be answered; no: none may arrive), LOGF[g] (the listener's log where an
# arrival would show even when the answer is lost).
declare -A DESC WANT LOGF
PGROUPS=()
SPECS=()
# group G WANT LOG DESC
group() { PGROUPS+=("$1"); WANT[$1]=$2; LOGF[$1]=$3; DESC[$1]=$4; }
# add G KIND ADDR PORT [SPORT] (nothing for an empty ADDR)
add() {
	local fam=4
	[ -n "$3" ] || return 0
	case $3 in fe80:*) fam=ll ;; *:*) fam=6 ;; esac
	SPECS+=("$2,$3,$4,$1.$2$fam${5:+,$5}")
}
# add3 G ADDR PORT: tcp, udp and icmp to ADDR
add3() { add "$1" tcp "$2" "$3"; add "$1" udp "$2" "$3"; add "$1" icmp "$2" "$3"; }
# judge FILE: the verdict of every group whose results are in FILE
judge() {
	local g tok res reached missed all
	for g in "${PGROUPS[@]}"; do
		reached="" missed="" all=""
		while read -r tok res; do
			all="$all ${tok##*.}"
			if [ "$res" = yes ] || { [ "${WANT[$g]}" = no ] &&
				{ [ "$res" = refused ] || grep -qF -- " $tok " "${LOGF[$g]}"; }; }; then
				reached="$reached ${tok##*.}"
			else
				missed="$missed ${tok##*.}"
			fi
		done < <(grep -F -- "$g." "$1" | awk -v g="$g" 'index($1, g ".") == 1 && split(substr($1, length(g) + 2), x, ".") == 1')
		if [ -z "$all" ]; then
			bad "${DESC[$g]}" "no probe ran"
		elif [ "${WANT[$g]}" = yes ]; then
			if [ -z "$missed" ]; then ok "${DESC[$g]}: reached ($all )"
			else bad "${DESC[$g]}: reached ($all )" "not answered:$missed"; fi
		else
			if [ -z "$reached" ]; then ok "${DESC[$g]}: nothing reaches ($all )"
			else bad "${DESC[$g]}: nothing reaches ($all )" "reached:$reached"; fi
		fi
	done
}

for s in $MATRIX; do
	# the control: each session's own listener answers on its addresses
	g="m.$s.self"
	group "$g" yes "$T/log/$s.recv" "${MODE[$s]} $s -> its own session's listener ${A4[$s]} ${A6[$s]} (control)"
	add3 "$g" "${A4[$s]}" 7000
	add3 "$g" "${A6[$s]}" 7000
	g="m.$s.own"
	group "$g" yes "$T/log/host.recv" "${MODE[$s]} $s -> its own host end ${H4[$s]} ${H6[$s]}"
	add3 "$g" "${H4[$s]}" 7001
	add3 "$g" "${H6[$s]}" 7001
	for t in $MATRIX; do
		[ "$t" = "$s" ] && continue
		g="m.$s.$t"
		group "$g" no "$T/log/$t.recv" "${MODE[$s]} $s -> ${MODE[$t]} $t's session ${A4[$t]} ${A6[$t]}"
		add3 "$g" "${A4[$t]}" 7000
		add3 "$g" "${A6[$t]}" 7000
		if [ "${MODE[$s]}" = bridge ] && [ "${MODE[$t]}" = bridge ] && [ -n "${LL6[$t]}" ]; then
			add3 "$g" "${LL6[$t]}%eth0" 7000
			DESC[$g]="${DESC[$g]} ${LL6[$t]}"
		fi
		[ "${MODE[$t]}" = bridge ] && continue # its host end has no address
		g="m.$s.$t.hostend"
		group "$g" no "$T/log/host.recv" "${MODE[$s]} $s -> ${MODE[$t]} $t's host end ${H4[$t]} ${H6[$t]}"
		add3 "$g" "${H4[$t]}" 7001
		add3 "$g" "${H6[$t]}" 7001
	done
	g="m.$s.hostaddr"
	group "$g" no "$T/log/host.recv" "${MODE[$s]} $s -> the host's other addresses $UPH4 $UPH6"
	add3 "$g" "$UPH4" 7001
	add3 "$g" "$UPH6" 7001
	g="m.$s.up"
	case ${MODE[$s]} in
	nat)
		group "$g" yes "$T/log/up.recv" "nat $s -> the upstream $UP4 $UP6 through the host (masquerade, nat66)"
		for a in "$UP4" "$UP6"; do add "$g" tcp "$a" 8080; add "$g" udp "$a" 5301; add "$g" icmp "$a" 0; done
		;;
	veth)
		group "$g" no "$T/log/up.recv" "veth $s -> the upstream $UP4 $UP6 (veth forwards nothing)"
		for a in "$UP4" "$UP6"; do add "$g" tcp "$a" 8080; add "$g" udp "$a" 5301; add "$g" icmp "$a" 0; done
		;;
	esac
done

declare -A C0
for c in "nsn1 fwd_drop" "nsn1 input_drop" "nsn3 fwd_out" "nsn3 fwd_in" "nsn3 masq" "nsn3 input" \
	"nsn3 input_drop" "nsn5 input_drop"; do
	C0[$c]=$(ctr inet $c)
done
# every source at once, each with all its probes at once
: >"$T/probe.m"
ppids=""
for s in $MATRIX; do
	mine=()
	for sp in "${SPECS[@]}"; do
		case $sp in *",m.$s."*) mine+=("$sp") ;; esac
	done
	run_as "$s" "$PY" "$PROBE" probe "${mine[@]}" >"$T/probe.m.$s" 2>&1 &
	ppids="$ppids $!"
done
for p in $ppids; do wait "$p"; done
cat "$T/probe.m".* >"$T/probe.m"
judge "$T/probe.m"

# the upstream saw the host's address, not the session's
for s in nsn3 nsn4; do
	for f in tcp4:$UPH4 udp4:$UPH4 tcp6:$UPH6 udp6:$UPH6; do
		src=$(grep -F " m.$s.up.${f%%:*} " "$T/log/up.recv" | awk '{print $3; exit}')
		expect_eq "nat $s: the upstream saw ${f%%:*} from the host's ${f#*:} (masquerade)" "${f#*:}" "$src"
	done
done
grew "veth nsn1: fwd_drop counted the probes it sent to be forwarded" "${C0[nsn1 fwd_drop]}" "$(ctr inet nsn1 fwd_drop)"
grew "veth nsn1: input_drop counted the probes to the host's other addresses" "${C0[nsn1 input_drop]}" "$(ctr inet nsn1 input_drop)"
grew "nat nsn3: fwd_out counted its traffic to the upstream" "${C0[nsn3 fwd_out]}" "$(ctr inet nsn3 fwd_out)"
grew "nat nsn3: fwd_in counted the answers" "${C0[nsn3 fwd_in]}" "$(ctr inet nsn3 fwd_in)"
grew "nat nsn3: masq counted its masqueraded connections" "${C0[nsn3 masq]}" "$(ctr inet nsn3 masq)"
grew "nat nsn3: input counted the traffic to its host end" "${C0[nsn3 input]}" "$(ctr inet nsn3 input)"
grew "nat nsn3: input_drop counted the probes to the host's other addresses" "${C0[nsn3 input_drop]}" "$(ctr inet nsn3 input_drop)"
grew "bridge nsn5: input_drop counted the probes to the host's other addresses" "${C0[nsn5 input_drop]}" "$(ctr inet nsn5 input_drop)"

echo "# matrix: from the upstream (a neighbour on another link of the host)"
ip -n "$UPNS" route add "${H4[nsn1]}/32" via "$UPH4"
[ -n "${H6[nsn1]}" ] && ip -n "$UPNS" route add "${H6[nsn1]}/128" via "$UPH6"
ip -n "$UPNS" route add "$POOL" via "$UPH4"
[ -z "$OLD" ] && ip -n "$UPNS" route add "$POOL6" via "$UPH6"
g0=$(ctr inet nsn1 guard_drop)
d0=$(ctr inet nsn3 fwd_drop)
PGROUPS=() SPECS=()
g=u.nsn1.hostend
group "$g" no "$T/log/host.recv" "the upstream -> veth nsn1's host end ${H4[nsn1]} ${H6[nsn1]} (routed there)"
add3 "$g" "${H4[nsn1]}" 7001
add3 "$g" "${H6[nsn1]}" 7001
g=u.nsn3.sess
group "$g" no "$T/log/nsn3.recv" "the upstream -> nat nsn3's session ${A4[nsn3]} ${A6[nsn3]} (a new connection, routed there)"
add3 "$g" "${A4[nsn3]}" 7000
add3 "$g" "${A6[nsn3]}" 7000
ip netns exec "$UPNS" "$PY" "$PROBE" probe "${SPECS[@]}" >"$T/probe.u" 2>&1
judge "$T/probe.u"
grew "veth nsn1: guard_drop counted them" "$g0" "$(ctr inet nsn1 guard_drop)"
grew "nat nsn3: fwd_drop counted them" "$d0" "$(ctr inet nsn3 fwd_drop)"
ip -n "$UPNS" route flush proto boot 2>/dev/null
ip -n "$UPNS" route del "${H4[nsn1]}/32" 2>/dev/null
ip -n "$UPNS" route del "$POOL" 2>/dev/null
ip -n "$UPNS" -6 route del "${H6[nsn1]}/128" 2>/dev/null
ip -n "$UPNS" -6 route del "$POOL6" 2>/dev/null

echo "# nsessionctl show: the counters of nat nsn3"
j=$("$CTL" --json show nsn3)
names="fwd_out fwd_in fwd_drop masq input input_drop guard_drop egress_drop"
missing=""
for c in $names; do
	v=$(printf '%s' "$j" | json "d['nft_counters']['$c']['packets'], d['nft_counters']['$c']['bytes']")
	[[ $v =~ ^[0-9]+\ [0-9]+$ ]] || missing="$missing $c"
done
if [ -z "$missing" ]; then ok "nsessionctl show --json nsn3: nft_counters $names, each {packets, bytes}"
else bad "nsessionctl show --json nsn3: nft_counters $names, each {packets, bytes}" "missing:$missing in $(printf '%s' "$j" | head -c 600)"; fi
v=$(printf '%s' "$j" | json "d['nft_counters']['fwd_out']['packets']")
n=$(ctr inet nsn3 fwd_out)
if [ -n "$v" ] && [ -n "$n" ] && [ "$v" -ge 1 ] && [ "$v" -le "$n" ]; then ok "... fwd_out as nft counts it ($v, nft $n)"
else bad "... fwd_out as nft counts it" "json [$v] nft [$n]"; fi
out=$("$CTL" show nsn3)
expect_match "nsessionctl show nsn3: one Nftables line for table inet nsession_$U3" \
	"^Nftables: +table inet nsession_$U3: .*fwd_out [0-9]+/[0-9]+ .*egress_drop [0-9]+/[0-9]+.* \(packets/bytes\)$" "$out"

# ---- 2. anti-spoofing on the bridge -------------------------------------------------
echo "# bridge: bridged nsn5 cannot send with a forged source address or MAC"
BRMAC=$(ip -br link show "$BR" | awk '{print $3}')
MAC0=$(in_net nsn5 ip -br link show eth0 | awk '{print $3}')
FAKEMAC=02:15:15:15:15:15
nft -f - <<EOF
table inet nsntest {
	counter spoof4 { }
	counter spoof6 { }
	counter spoofmac { }
	counter legit { }
	chain pre {
		type filter hook prerouting priority -400; policy accept;
		iifname "$BR" ip saddr 10.249.1.200 counter name spoof4
		iifname "$BR" ip6 saddr fd15:15:0:2::200 counter name spoof6
		iifname "$BR" ether saddr $FAKEMAC counter name spoofmac
		iifname "$BR" ip saddr ${A4[nsn5]} counter name legit
	}
}
EOF
tctr() { nft list counter inet nsntest "$1" 2>/dev/null | awk '$1 == "packets" {print $2; exit}'; }
txp() { in_net nsn5 ip -s -j link show dev eth0 | json "d[0]['stats64']['tx']['packets']"; }
# the gateway's MAC is known inside, so the forged packets leave without ARP/ND
in_net nsn5 ip neigh replace "$BRGW" lladdr "$BRMAC" dev eth0 nud permanent
in_net nsn5 ip -6 neigh replace "$BRGW6" lladdr "$BRMAC" dev eth0 nud permanent
sd0=$(ctr bridge nsn5 spoof_drop)
tx0=$(txp)
in_net nsn5 ip addr add 10.249.1.200/24 dev eth0
in_net nsn5 ip -6 addr add fd15:15:0:2::200/64 dev eth0 nodad
out=$(in_net nsn5 ping -n -c3 -i0.2 -W1 -I 10.249.1.200 "$BRGW" 2>&1 | grep -c 'bytes from')
expect_eq "(a) a ping from a second IPv4 address 10.249.1.200 gets no answer" 0 "$out"
out=$(in_net nsn5 ping -6 -n -c3 -i0.2 -W1 -I fd15:15:0:2::200 "$BRGW6" 2>&1 | grep -c 'bytes from')
expect_eq "(a) a ping from a second IPv6 address fd15:15:0:2::200 gets no answer" 0 "$out"
grew "(a) the forged packets left the session's eth0" "$tx0" "$(txp)" 6
expect_eq "(a) the host saw no IPv4 packet from 10.249.1.200 on $BR" 0 "$(tctr spoof4)"
expect_eq "(a) the host saw no IPv6 packet from fd15:15:0:2::200 on $BR" 0 "$(tctr spoof6)"
grew "(a) spoof_drop of table bridge nsession_$U5 counted them" "$sd0" "$(ctr bridge nsn5 spoof_drop)" 6
in_net nsn5 ip addr del 10.249.1.200/24 dev eth0
in_net nsn5 ip -6 addr del fd15:15:0:2::200/64 dev eth0
sd0=$(ctr bridge nsn5 spoof_drop)
if in_net nsn5 ip link set dev eth0 address "$FAKEMAC"; then
	out=$(in_net nsn5 ping -n -c3 -i0.2 -W1 "$BRGW" 2>&1 | grep -c 'bytes from')
	expect_eq "(b) with eth0's MAC changed to $FAKEMAC a ping of the bridge gets no answer" 0 "$out"
	expect_eq "(b) the host saw no packet from $FAKEMAC on $BR" 0 "$(tctr spoofmac)"
	grew "(b) spoof_drop counted them" "$sd0" "$(ctr bridge nsn5 spoof_drop)" 3
	in_net nsn5 ip link set dev eth0 address "$MAC0"
else
	bad "(b) changing eth0's MAC inside the session (as root)"
fi
expect_eq "eth0's MAC is restored" "$MAC0" "$(in_net nsn5 ip -br link show eth0 | awk '{print $3}')"
in_net nsn5 ip neigh del "$BRGW" dev eth0 2>/dev/null # (a new MAC flushed them)
in_net nsn5 ip -6 neigh del "$BRGW6" dev eth0 2>/dev/null
out=$(in_net nsn5 ping -n -c2 -i0.2 -W2 "$BRGW" 2>&1 | grep -c 'bytes from')
if [ "$out" -ge 1 ]; then ok "restored: nsn5 pings the bridge again"; else bad "restored: nsn5 pings the bridge again"; fi
v=$(tctr legit)
if [ "${v:-0}" -ge 1 ]; then ok "... and the host's test counter saw those ($v)"; else bad "... and the host's test counter saw those" "[$v]"; fi
j=$("$CTL" --json show nsn5)
v=$(printf '%s' "$j" | json "d['nft_counters']['spoof_drop']['packets']")
if [ -n "$v" ] && [ "$v" -ge 9 ]; then ok "nsessionctl show --json nsn5: spoof_drop ($v)"
else bad "nsessionctl show --json nsn5: spoof_drop" "[$v] in $j"; fi
nft delete table inet nsntest

echo "# bridge: nsn5 -> nsn6 through the gateway (a hairpin route, as root inside) is not routed back into the bridge"
in_net nsn5 ip route add "${A4[nsn6]}/32" via "$BRGW" dev eth0
[ -n "${A6[nsn6]}" ] && in_net nsn5 ip -6 route add "${A6[nsn6]}/128" via "$BRGW6" dev eth0
rd0=$(ctr bridge nsn5 routed_drop)
PGROUPS=() SPECS=()
g=h.no
group "$g" no "$T/log/nsn6.recv" "bridged nsn5 -> bridged nsn6 ${A4[nsn6]} ${A6[nsn6]} via the gateway"
add3 "$g" "${A4[nsn6]}" 7000
add3 "$g" "${A6[nsn6]}" 7000
run_as nsn5 "$PY" "$PROBE" probe "${SPECS[@]}" >"$T/probe.h" 2>&1
judge "$T/probe.h"
grew "routed_drop of table bridge nsession_$U5 counted them" "$rd0" "$(ctr bridge nsn5 routed_drop)" 3
in_net nsn5 ip route del "${A4[nsn6]}/32" 2>/dev/null
[ -n "${A6[nsn6]}" ] && in_net nsn5 ip -6 route del "${A6[nsn6]}/128" 2>/dev/null

# ---- 3. egress ----------------------------------------------------------------------
echo "# egress: nat nsn7 with egress = $UP4 tcp 8080"
bg_session nsn7 || bad "the session of nsn7 starts"
read_session nsn7
e0=$(ctr inet nsn7 egress_drop)
f0=$(ctr inet nsn7 fwd_out)
PGROUPS=() SPECS=()
g=e.ok
group "$g" yes "$T/log/up.recv" "nsn7 -> $UP4:8080 (tcp, allowed)"
add "$g" tcp "$UP4" 8080
g=e.own
group "$g" yes /dev/null "nsn7 -> its host end ${H4[nsn7]} (not an egress)"
add "$g" icmp "${H4[nsn7]}" 0
g=e.no
group "$g" no "$T/log/up.recv" "nsn7 -> $UP4:8081 tcp, $UP4:5301 udp, $UP4 icmp, [$UP6]:8080"
add "$g" tcp "$UP4" 8081
add "$g" udp "$UP4" 5301
add "$g" icmp "$UP4" 0
add "$g" tcp "$UP6" 8080
run_as nsn7 "$PY" "$PROBE" probe "${SPECS[@]}" >"$T/probe.e" 2>&1
# the control: nat nsn3 (egress = any, the default) reaches all of them
PG7=("${PGROUPS[@]}")
PGROUPS=() SPECS=()
g=e.ctl
group "$g" yes "$T/log/up.recv" "nat nsn3 (egress = any) -> $UP4:8081 tcp, $UP4:5301 udp, $UP4 icmp, [$UP6]:8080 (control)"
add "$g" tcp "$UP4" 8081
add "$g" udp "$UP4" 5301
add "$g" icmp "$UP4" 0
add "$g" tcp "$UP6" 8080
run_as nsn3 "$PY" "$PROBE" probe "${SPECS[@]}" >>"$T/probe.e" 2>&1
PGROUPS=("${PG7[@]}" "${PGROUPS[@]}")
judge "$T/probe.e"
e1=$(ctr inet nsn7 egress_drop)
f1=$(ctr inet nsn7 fwd_out)
grew "egress_drop counted the refused packets" "$e0" "$e1" 3
grew "fwd_out counted the allowed connection" "$f0" "$f1"
j=$("$CTL" --json show nsn7)
v=$(printf '%s' "$j" | json "d['nft_counters']['egress_drop']['packets'], d['nft_counters']['fwd_out']['packets']")
if [ -n "$v" ] && [ "${v% *}" -ge "${e1:-1}" ] && [ "${v#* }" -ge "${f1:-1}" ]; then
	ok "nsessionctl show --json nsn7: egress_drop and fwd_out ($v)"
else bad "nsessionctl show --json nsn7: egress_drop and fwd_out" "[$v] nft [$e1 $f1]"; fi
expect_match "nsessionctl show nsn7: egress_drop in the Nftables line" \
	"^Nftables: +table inet nsession_$U7: .*egress_drop [1-9][0-9]*/[0-9]+.*\(packets/bytes\)$" "$("$CTL" show nsn7)"
"$H" terminate --user nsn7

echo "# egress: bridged nsn10 with egress = $SEG4 tcp 8080 (a host on the bridge's segment)"
ip netns add "$SEGNS"
ip link add nsbrseg0 type veth peer name eth0 netns "$SEGNS"
sysctl -q -w net.ipv6.conf.nsbrseg0.disable_ipv6=1
ip link set nsbrseg0 master "$BR"
ip link set nsbrseg0 up
ip -n "$SEGNS" addr add "$SEG4/24" dev eth0
ip -n "$SEGNS" link set eth0 up
ip -n "$SEGNS" link set lo up
ip netns exec "$SEGNS" "$PY" "$PROBE" listen 8080,8081 >"$T/log/seg.recv" 2>&1 &
LPIDS="$LPIDS $!"
wait_for 10 grep -q '^listening' "$T/log/seg.recv" || bad "the segment's listener starts" "$(cat "$T/log/seg.recv")"
bg_session nsn10 || bad "the session of nsn10 starts"
read_session nsn10
l0=$(ctr bridge nsn10 l2_egress_drop)
PGROUPS=() SPECS=()
g=b.ok
group "$g" yes "$T/log/seg.recv" "bridged nsn10 -> $SEG4:8080 on its segment (tcp, allowed)"
add "$g" tcp "$SEG4" 8080
g=b.gw
group "$g" yes /dev/null "bridged nsn10 -> its gateway $BRGW (not an egress)"
add "$g" icmp "$BRGW" 0
g=b.no
group "$g" no "$T/log/seg.recv" "bridged nsn10 -> $SEG4:8081 tcp, $SEG4 icmp"
add "$g" tcp "$SEG4" 8081
add "$g" icmp "$SEG4" 0
run_as nsn10 "$PY" "$PROBE" probe "${SPECS[@]}" >"$T/probe.b" 2>&1
judge "$T/probe.b"
# The segment must work with bridge-nf-call-iptables 0 and 1.
seg_allowed() {
	PGROUPS=() SPECS=()
	g=b.bnf$1
	group "$g" yes "$T/log/seg.recv" "bridged nsn10 -> $SEG4:8080${1:+ with bridge-nf-call-iptables = $1}"
	add "$g" tcp "$SEG4" 8080
	run_as nsn10 "$PY" "$PROBE" probe "${SPECS[@]}" >"$T/probe.b$1" 2>&1
	judge "$T/probe.b$1"
}
each_bnf seg_allowed
grew "l2_egress_drop of table bridge nsession_$(uid_of nsn10) counted the refused frames" "$l0" \
	"$(ctr bridge nsn10 l2_egress_drop)" 2
"$H" terminate --user nsn10

echo "# bridge: a host on the segment reaches bridged nsn5 directly, but not routed through the gateway"
ip netns exec "$SEGNS" sysctl -q -w net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.eth0.accept_redirects=0
seg_to_nsn5() {
	PGROUPS=() SPECS=()
	g=s.l2$1
	group "$g" yes "$T/log/nsn5.recv" "$SEG4 -> bridged nsn5 ${A4[nsn5]} on the segment${1:+ (bridge-nf-call-iptables = $1)}"
	add3 "$g" "${A4[nsn5]}" 7000
	ip netns exec "$SEGNS" "$PY" "$PROBE" probe "${SPECS[@]}" >"$T/probe.s$1" 2>&1
	judge "$T/probe.s$1"
}
each_bnf seg_to_nsn5
ip netns exec "$SEGNS" ip route add "${A4[nsn5]}/32" via "$BRGW" dev eth0
fd0=$(ctr inet nsn5 fwd_drop)
PGROUPS=() SPECS=()
g=s.rt
group "$g" no "$T/log/nsn5.recv" "$SEG4 -> bridged nsn5 ${A4[nsn5]} routed through the gateway $BRGW (a hairpin)"
add3 "$g" "${A4[nsn5]}" 7000
ip netns exec "$SEGNS" "$PY" "$PROBE" probe "${SPECS[@]}" >"$T/probe.srt" 2>&1
judge "$T/probe.srt"
grew "... fwd_drop of nsn5 counted them" "$fd0" "$(ctr inet nsn5 fwd_drop)" 2
ip link del nsbrseg0
ip netns del "$SEGNS"

echo "# egress: bad values are FILE:LINE errors and fail the login"
i=0
many=$(for n in $(seq 1 17); do printf '10.9.%d.0/24, ' "$n"; done)
for val in "$UP4 tcp 99999" "10.248.0.300" "$UP4 sctp" "10.248.0.0/33" "10.248.0.1/24" "$UP4 icmp 7" \
	"fd15::1/129" "${many%, }"; do
	i=$((i + 1))
	f="$T/etc/badegress$i.conf"
	printf '# bad egress\nnetwork = nat\nveth_name = nsn%%U\negress = %s\n' "$val" >"$f"
	chmod 644 "$f"
	err=$("$H" run --user nsn8 --config "$f" -- true 2>&1)
	rc=$?
	expect_eq "egress = ${val:0:40}: the login fails with one line" "1 1" "$rc $(printf '%s\n' "$err" | wc -l)"
	expect_match "... $f:4: about egress ($err)" "$f:4: .*egress" "$err"
	user_clean nsn8 "... nothing of nsn8 left"
done

# ---- 4. IPv6 without a pool ---------------------------------------------------------
echo "# IPv6: without address_pool6 a (veth) session has no IPv6 but ::1"
bg_session nsn8 || bad "the session of nsn8 starts"
out=$(run_as nsn8 sh -c 'ip -6 -o addr show; echo "accept_ra=$(cat /proc/sys/net/ipv6/conf/eth0/accept_ra)"; ip -6 route show' 2>&1)
printf '%s\n' "$out" | sed 's/^/       /'
expect_eq "only ::1 on lo" "lo inet6 ::1/128" "$(printf '%s\n' "$out" | grep inet6 | awk '{print $2, $3, $4}' | tr '\n' ' ' | sed 's/ $//')"
if printf '%s\n' "$out" | grep -q 'eth0.*fe80'; then bad "no fe80:: on eth0" "$out"; else ok "no fe80:: on eth0"; fi
expect_match "accept_ra is 0 on eth0 inside" "^accept_ra=0$" "$out"
expect_eq "the host end nsn$U8 has no IPv6 address" "" "$(ip -6 -o addr show dev "nsn$U8" 2>&1)"
st=$("$H" status --user nsn8 2>&1)
expect_match "status: prefix6=0" "^prefix6=0$" "$st"
expect_match "status: addr6_peer=::" "^addr6_peer=::$" "$st"
"$H" terminate --user nsn8

# ---- 6. teardown ------------------------------------------------------------------
echo "# teardown: tables, links, conntrack and neighbour entries go with the session"
# a fresh flow of each session first (UDP: to the upstream through nat,
# else to its host end / the bridge), seen by conntrack
for s in $MATRIX; do
	PGROUPS=() SPECS=()
	case ${MODE[$s]} in
	nat) add t udp "$UP4" 5301; add t udp "$UP6" 5301 ;;
	*) add t udp "${H4[$s]}" 7001; add t udp "${H6[$s]}" 7001; add t icmp "${H4[$s]}" 0 ;;
	esac
	run_as "$s" "$PY" "$PROBE" probe "${SPECS[@]}" >/dev/null 2>&1
	if [ -n "$(ct_of "${A4[$s]}")" ]; then ok "$s: conntrack has entries of ${A4[$s]} before terminate"
	else bad "$s: conntrack has entries of ${A4[$s]} before terminate"; fi
	if [ -n "${A6[$s]}" ]; then
		if [ -n "$(ct_of "${A6[$s]}")" ]; then ok "$s: conntrack has entries of ${A6[$s]} before terminate"
		else bad "$s: conntrack has entries of ${A6[$s]} before terminate"; fi
	fi
	if [ "${MODE[$s]}" = bridge ]; then
		ping -n -q -c1 -W1 "${A4[$s]}" >/dev/null 2>&1
		[ -n "${A6[$s]}" ] && ping -n -q -c1 -W1 "${A6[$s]}" >/dev/null 2>&1
		expect_match "$s: $BR has a neighbour entry for ${A4[$s]} before terminate" "${A4[$s]} " \
			"$(ip neigh show dev "$BR" to "${A4[$s]}")"
		if [ -n "${A6[$s]}" ]; then
			expect_match "$s: $BR has a neighbour entry for ${A6[$s]} before terminate" "${A6[$s]} " \
				"$(ip -6 neigh show dev "$BR" to "${A6[$s]}")"
		fi
	fi
	"$H" terminate --user "$s"
	if wait_for "$CLEAN_WAIT" no_tables "$s"; then ok "$s: no inet, bridge or ip table nsession_$(uid_of "$s") after terminate"
	else bad "$s: no table after terminate" "$(nft list tables | grep "nsession_$(uid_of "$s")")"; fi
	expect_eq "$s: no link nsn$(uid_of "$s")" "" "$(ip -o link show "nsn$(uid_of "$s")" 2>/dev/null)"
	if [ "${MODE[$s]}" = bridge ]; then
		left=$(ip neigh show dev "$BR" to "${A4[$s]}"; [ -n "${A6[$s]}" ] && ip -6 neigh show dev "$BR" to "${A6[$s]}")
		expect_eq "$s: no neighbour entry for ${A4[$s]} ${A6[$s]} on $BR" "" "$left"
	fi
	if wait_for 2 no_ct "${A4[$s]}" "${A6[$s]}"; then ok "$s: no conntrack entry of ${A4[$s]} ${A6[$s]}"
	else bad "$s: no conntrack entry of ${A4[$s]} ${A6[$s]}" "$(ct_brief "${A4[$s]}" "${A6[$s]}")"; fi
done
expect_eq "the bridge is still there" 1 "$(ip -o link show "$BR" 2>/dev/null | wc -l)"
expect_eq "... with no port but its own $BRUP" "$BRUP" "$(ip -o link show master "$BR" | awk -F': ' '{print $2}' | sed 's/@.*//' | tr '\n' ' ' | sed 's/ $//')"
expect_clean "the matrix left nothing"

echo "# teardown: the next session with the same address sees no conntrack state of the last"
bg_session nsn3 || bad "the session of nsn3 starts"
read_session nsn3
X4=${A4[nsn3]} X6=${A6[nsn3]}
sp=("udp,$UP4,5301,r.old4,40000")
[ -n "$X6" ] && sp+=("udp,$UP6,5301,r.old6,40000")
out=$(run_as nsn3 "$PY" "$PROBE" probe "${sp[@]}" 2>&1)
expect_match "nsn3 ($X4 $X6) has a UDP flow from port 40000 to the upstream" "r.old4 yes" "$out"
if [ -n "$(ct_of "$X4")" ]; then ok "... in conntrack"; else bad "... in conntrack"; fi
"$H" terminate --user nsn3
wait_for 5 test ! -e "$STATE/$U3.session"
# as if a teardown had missed it: an entry of the address that the next
# session's creation must remove
conntrack -I -p udp -s "$X4" -d "$UPH4" --sport 40001 --dport 7001 -t 120 >/dev/null 2>&1 ||
	bad "conntrack -I of a stale entry of $X4"
start_listening nsn4 40000
read_session nsn4
expect_eq "nsn4's session got the same address $X4" "$X4" "${A4[nsn4]}"
expect_match "nsn4's listener on UDP 40000 answers (control)" "r\.self yes" \
	"$(run_as nsn4 "$PY" "$PROBE" probe "udp,$X4,40000,r.self" 2>&1)"
if no_ct "$X4" "$X6"; then ok "no conntrack entry of $X4 $X6 when nsn4's session starts"
else bad "no conntrack entry of $X4 $X6 when nsn4's session starts" "$(ct_brief "$X4" "$X6")"; fi
sp=("udp,$UPH4,40000,r.new4,5301")
[ -n "$X6" ] && sp+=("udp,$UPH6,40000,r.new6,5301")
ip netns exec "$UPNS" "$PY" "$PROBE" probe "${sp[@]}" >/dev/null 2>&1
expect_eq "the upstream's answer to nsn3's old flow does not reach nsn4's session" "" \
	"$(grep -E ' r\.new[46] ' "$T/log/nsn4.recv")"
"$H" terminate --user nsn4

# ---- 5. DNS and /etc/hosts ------------------------------------------------------------
echo "# DNS: nat nsn3 resolves through dnsmasq in $UPNS ($UP4), session made in a private mount namespace"
if [ ! -d /run/systemd/resolve ]; then mkdir /run/systemd/resolve && MADE_RESOLVE=1; fi
printf 'nameserver %s\nsearch ns15.test\n' "$UP4" >"$T/resolv-plain"
printf '# stub\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch stub.invalid\n' >"$T/resolv-stub"
printf '# upstream list\nnameserver 127.0.0.1\nnameserver %s\nsearch ns15.test\n' "$UP4" >"$T/resolv-upstream"
chmod 644 "$T"/resolv-*
# dns_session SETUP: nsn3's fresh session, made by a helper run in a
# private mount namespace after SETUP; prints what the session sees
dns_session() {
	"$H" terminate --user nsn3 >/dev/null 2>&1
	wait_for 5 test ! -e "$STATE/$U3.session"
	unshare -m --propagation private /bin/bash -c '
		eval "$1" || exit 1
		shift
		exec setpriv --reuid="$1" --regid="$2" --init-groups -- "${@:3}"' _ "$1" "$U3" "$(id -g nsn3)" \
		"$H" run -- sh -c 'cat /etc/resolv.conf
			echo "hosts: $(getent hosts www.ns15.test)"
			echo "short: $(getent hosts www)"
			echo "me: $(getent hosts "$(hostname)")"
			(echo "# x" >>/etc/resolv.conf) 2>/dev/null && echo WRITABLE' 2>&1
}
q0=$(grep -c 'query.*www.ns15.test' "$T/dnsmasq.log" 2>/dev/null)
out=$(dns_session "mount --bind $T/resolv-plain /etc/resolv.conf")
printf '%s\n' "$out" | sed 's/^/       /'
expect_match "(a) plain: the session's resolv.conf names $UP4" "^nameserver $UP4\$" "$out"
expect_match "(a) plain: getent hosts www.ns15.test gives 192.0.2.15" "^hosts: 192\.0\.2\.15 +www\.ns15\.test" "$out"
q1=$(grep -c 'query.*www.ns15.test' "$T/dnsmasq.log" 2>/dev/null)
grew "(a) dnsmasq in the upstream answered" "${q0:-0}" "${q1:-0}"
expect_match "getent hosts \$(hostname) gives 127.0.1.1" "^me: 127\.0\.1\.1 +nsn3-" "$out"
expect_eq "/etc/resolv.conf is not writable in the session" "" "$(printf '%s\n' "$out" | grep WRITABLE)"
out=$(dns_session "mount -t tmpfs -o mode=755,size=64k nsn-resolve /run/systemd/resolve &&
	cp $T/resolv-upstream /run/systemd/resolve/resolv.conf &&
	mount --bind $T/resolv-stub /etc/resolv.conf")
printf '%s\n' "$out" | sed 's/^/       /'
expect_match "(b) stub: the session's resolv.conf names $UP4 (from /run/systemd/resolve/resolv.conf)" "^nameserver $UP4\$" "$out"
if printf '%s\n' "$out" | grep -qE '^nameserver 127\.'; then bad "(b) stub: no loopback server in the session's resolv.conf" "$out"
else ok "(b) stub: no loopback server in the session's resolv.conf"; fi
expect_match "(b) stub: getent hosts www.ns15.test gives 192.0.2.15" "^hosts: 192\.0\.2\.15 +www\.ns15\.test" "$out"
expect_match "(b) stub: the search line of the upstream list (getent hosts www)" "^short: 192\.0\.2\.15 " "$out"
"$H" terminate --user nsn3 >/dev/null 2>&1
out=$(run_as nsn9 sh -c 'id -u
	(echo "# x" >>/etc/resolv.conf) 2>/dev/null && echo WRITABLE
	mount -o remount,bind,rw /etc/resolv.conf 2>/dev/null
	(echo "# x" >>/etc/resolv.conf) 2>/dev/null && echo WRITABLE-AFTER-REMOUNT
	cat /etc/resolv.conf' 2>&1)
expect_eq "identity = root: uid 0 inside" 0 "$(printf '%s\n' "$out" | head -n1)"
expect_eq "identity = root: /etc/resolv.conf is not writable, not even after a remount" "" \
	"$(printf '%s\n' "$out" | grep WRITABLE)"

echo "# DNS: the other values of dns = (host, a list, none); IPv6 routed with ipv6_nat = no"
# alt_conf NAME LINES...: a policy file of its own for nsn8 (network = nat)
alt_conf() {
	local f="$T/etc/$1.conf"
	shift
	{ printf 'network = nat\naddress_pool = %s\nveth_name = nsn%%U\n' "$POOL"; printf '%s\n' "$@"; } >"$f"
	chmod 644 "$f"
	echo "$f"
}
if [ -z "$OLD" ]; then
	f=$(alt_conf dnshost "dns = host")
	out=$("$H" run --user nsn8 --config "$f" -- sh -c 'grep ^nameserver /etc/resolv.conf; ip -4 route show default' 2>&1)
	gw=$(printf '%s\n' "$out" | sed -n 's/^default via \([0-9.]*\) .*/\1/p')
	expect_eq "dns = host: the session's only name server is its host end (${gw:-?})" "nameserver ${gw:-?}" \
		"$(printf '%s\n' "$out" | grep ^nameserver)"
	user_clean nsn8 "... nothing of nsn8 left"
	f=$(alt_conf dnslist "dns = 192.0.2.53, 192.0.2.54")
	out=$("$H" run --user nsn8 --config "$f" -- grep ^nameserver /etc/resolv.conf 2>&1)
	expect_eq "dns = 192.0.2.53, 192.0.2.54: those two, in order" "nameserver 192.0.2.53|nameserver 192.0.2.54|" \
		"$(printf '%s\n' "$out" | tr '\n' '|')"
	user_clean nsn8 "... nothing of nsn8 left"
	f=$(alt_conf dnsnone "dns = none")
	out=$("$H" run --user nsn8 --config "$f" -- cat /etc/resolv.conf 2>&1)
	expect_eq "dns = none: the host's /etc/resolv.conf as it is" "$(cat /etc/resolv.conf 2>&1)" "$out"
	user_clean nsn8 "... nothing of nsn8 left"
	f=$(alt_conf routed6 "address_pool6 = $POOL6" "ipv6_nat = no")
	"$H" run --user nsn8 --config "$f" -- sh -c "ip -6 -o addr show dev eth0 scope global; \
		$PY $PROBE probe udp,$UP6,5301,routed6.tok" >"$T/probe.r6" 2>&1
	a6=$(awk '{print $4; exit}' "$T/probe.r6" | cut -d/ -f1)
	src=$(awk '$1 == "udp" && $2 == "routed6.tok" {print $3; exit}' "$T/log/up.recv")
	if [ -n "$a6" ] && [ "$src" = "$a6" ]; then
		ok "ipv6_nat = no: the upstream sees the session's own address $a6, not the host's"
	else bad "ipv6_nat = no: the upstream sees the session's own address" "session [$a6] upstream saw [$src]"; fi
	user_clean nsn8 "... nothing of nsn8 left"
fi

# ---- nat: the session table's life (kept from before issue 15) ------------------------
echo "# nat: a killed monitor's table is removed by the next login"
wait_for 5 test ! -e "$STATE/$U3.session"
bg_session nsn3
mp=$(status_field nsn3 monitor_pid)
kp=$(status_field nsn3 keeper_pid)
kill -KILL "$mp"
wait_for 5 sh -c "! kill -0 $mp 2>/dev/null"
if has_table inet nsn3 || { [ -n "$OLD" ] && has_table ip nsn3; }; then ok "the table outlives a SIGKILLed monitor"; else bad "the table outlives a SIGKILLed monitor"; fi
out=$(run_as nsn3 sh -c 'echo alive' 2>&1)
expect_eq "the next login works" alive "$out"
if kill -0 "$kp" 2>/dev/null; then bad "the old keeper was killed"; else ok "the old keeper was killed"; fi
kill -KILL "$LAST_BG" 2>/dev/null
if wait_for "$CLEAN_WAIT" no_tables nsn3; then ok "... and after it ended, no table"; else bad "... and after it ended, no table"; fi
expect_clean "... nothing left"

echo "# nat: leftover tables of the user (inet, legacy ip) are replaced at create"
nft -f - <<EOF
table inet nsession_$U3 {
	chain stale { }
}
table ip nsession_$U3 {
	chain stale { }
}
EOF
bg_session nsn3
out=$(nft list table inet "nsession_$U3" 2>&1)
if printf '%s\n' "$out" | grep -q 'chain stale'; then bad "the leftover inet table was replaced" "$out"
elif printf '%s\n' "$out" | grep -q 'chain forward'; then ok "the leftover inet table was replaced by the session's"
else bad "the leftover inet table was replaced by the session's" "$out"; fi
if has_table ip nsn3; then bad "the legacy ip table is gone" "$(nft list table ip "nsession_$U3" 2>&1)"
else ok "the legacy ip table is gone"; fi
"$H" terminate --user nsn3
if wait_for "$CLEAN_WAIT" no_tables nsn3; then ok "... and removed at the end"; else bad "... and removed at the end"; fi
for f in inet ip; do nft delete table $f "nsession_$U3" 2>/dev/null; done # no failure cascades into the next checks
expect_clean "... nothing left"

echo "# bridge: a missing or wrong bridge fails the login and leaves nothing"
for c in "nobridge|a missing bridge|bridge nsbrnone0 does not exist" \
	"notbridge|a link that is not a bridge (lo)|bridge = lo: that interface is not a bridge"; do
	IFS='|' read -r conf what msg <<<"$c"
	err=$("$H" run --user nsn8 --config "$T/etc/$conf.conf" -- true 2>&1)
	expect_eq "$what fails the login" "1 1" "$? $(printf '%s\n' "$err" | wc -l)"
	expect_match "... with one line saying so ($err)" "$msg" "$err"
	expect_clean "... nothing left"
done
expect_match "lo is untouched" "^lo +UNKNOWN" "$(ip -br link show lo)"

expect_eq "no nsession table left in nftables" "" "$(tables_left)"
echo "# $(($(date +%s) - START)) s"
summary
