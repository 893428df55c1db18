#!/bin/bash
# Root tests of the network modes beyond veth: `nat` (a veth plus a
# per-session nftables table) and `bridge` (the host end enslaved to an
# existing bridge). Everything it makes lives under a temporary directory or
# carries a name of its own, and is removed on exit, failed or not: users
# nsn1..nsn3, session links nsn*, the bridge nsbrtest0, the network namespace
# nsn-up with the link nsup0 (an "upstream" for the nat session), nftables
# tables nsession_<uid of nsn*>. Pools 10.249.0.0/24 (veth, nat),
# 10.249.1.0/24 (bridge), upstream 10.248.0.0/24. net.ipv4.ip_forward is
# switched on for the upstream test only and restored. No traffic leaves
# the machine.
. "$(dirname "$0")/../suite.sh"
T=$(mktemp -d /var/tmp/nsn.XXXXXX) # not /tmp: sessions get a private /tmp
H="$T/bin/nsession-helper"
STATE="$T/run/nsession"
LINK_PREFIX=nsn
CLEAN_WAIT=5
POOL=10.249.0.0/24
BR=nsbrtest0
UPNS=nsn-up
USERS="nsn1 nsn2 nsn3"
BGPIDS=""
OLD_FWD=$(sysctl -n net.ipv4.ip_forward)

cleanup() {
	for p in $BGPIDS; do kill -KILL "$p" 2>/dev/null; done
	for u in $USERS; do
		[ -x "$H" ] && id "$u" >/dev/null 2>&1 && "$H" terminate --user "$u" >/dev/null 2>&1
	done
	pkill -KILL -f "^$T/" 2>/dev/null
	sysctl -q -w net.ipv4.ip_forward="$OLD_FWD"
	for u in $USERS; do
		id "$u" >/dev/null 2>&1 && nft delete table ip "nsession_$(id -u "$u")" 2>/dev/null
	done
	remove_links "$LINK_PREFIX"
	ip link del nsup0 2>/dev/null
	ip link del "$BR" 2>/dev/null
	ip netns del "$UPNS" 2>/dev/null
	for u in $USERS; do remove_user "$u"; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- set-up ---------------------------------------------------------------
echo "# building a test install under $T"
private_install "$T" || exit 1
CTL="$T/bin/nsessionctl"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

for u in $USERS; do
	remove_user "$u"
	useradd -m -d "$T/home/$u" -s /bin/sh "$u" || exit 1
done
U1=$(id -u nsn1) U2=$(id -u nsn2)
TABLE="nsession_$U1"

test_policy "$T" "$POOL" nsn
cat >>"$T/etc/nsession.conf" <<EOF

[user nsn1]
network = nat

[user nsn2]
network = bridge
bridge = $BR
address_pool = 10.249.1.0/24
EOF
printf 'network = bridge\nbridge = nsbrnone0\naddress_pool = 10.249.1.0/24\nveth_name = nsn%%U\n' >"$T/etc/nobridge.conf"
printf 'network = bridge\nbridge = lo\naddress_pool = 10.249.1.0/24\nveth_name = nsn%%U\n' >"$T/etc/notbridge.conf"
chmod 644 "$T/etc/"*.conf

table_exists() { nft list table ip "$TABLE" >/dev/null 2>&1; }
no_table() { ! table_exists; }
# counter NAME: packets of the session table's named counter NAME
counter() { nft list counter ip "$TABLE" "$1" 2>/dev/null | awk '$1 == "packets" {print $2}'; }
expect_no_table() {
	if wait_for "$CLEAN_WAIT" no_table; then ok "$1"; else bad "$1" "$(nft list table ip "$TABLE" 2>&1 | head -n 3)"; fi
}

# ---- nat --------------------------------------------------------------------
echo "# nat: a veth like veth mode, plus the session's nftables table"
bg_session nsn1 || bad "nat session of nsn1 starts"
expect_eq "status says network=nat" nat "$(status_field nsn1 network)"
hostlink=$(ip -br addr show "nsn$U1" 2>/dev/null | awk '{print $2, $3}')
expect_eq "host end nsn$U1 is up with 10.249.0.1/30" "UP 10.249.0.1/30" "$hostlink"
out=$(nft list table ip "$TABLE" 2>&1)
printf '%s\n' "$out" | sed -n '/chain forward/,/^}/p' | sed 's/^/       /'
expect_match "table ip $TABLE exists while the session lives" "^table ip $TABLE \{" "$out"
expect_match "forward: the session's own address out of its veth is accepted" \
	"iifname \"nsn$U1\" ip saddr 10\.249\.0\.2 counter name \"fwd_out\" accept" "$out"
expect_match "forward: only established/related back in" \
	"oifname \"nsn$U1\" ct state established,related counter name \"fwd_in\" accept" "$out"
expect_match "forward: anything else from the veth is dropped" "iifname \"nsn$U1\" counter name \"fwd_drop\" drop" "$out"
expect_match "forward: anything else to the veth is dropped" "oifname \"nsn$U1\" counter name \"fwd_drop\" drop" "$out"
expect_match "postrouting: only the session's address is masqueraded" \
	"oifname != \"nsn$U1\" ip saddr 10\.249\.0\.2 counter name \"masq\" masquerade" "$out"
expect_match "input: traffic to the host is counted" "iifname \"nsn$U1\" counter name \"input\"" "$out"
expect_eq "five named counters with values" 5 "$(printf '%s\n' "$out" | grep -c 'packets [0-9]* bytes [0-9]*')"
before=$(counter input)
out=$(run_as nsn1 sh -c 'ping -c3 -i0.2 -W2 10.249.0.1 >/dev/null && echo PING-OK')
expect_eq "the nat session pings its host end" PING-OK "$out"
after=$(counter input)
if [ -n "$before" ] && [ -n "$after" ] && [ "$after" -ge $((before + 3)) ]; then
	ok "the input counter grew with the pings ($before -> $after)"
else bad "the input counter grew with the pings" "[$before] -> [$after]"; fi
j=$("$CTL" --json show nsn1)
v=$(printf '%s' "$j" | json 'd["nft_counters"]["input"]["packets"]')
if [ -n "$v" ] && [ "$v" -ge $((before + 3)) ]; then
	ok "nsessionctl show --json: the same input counter ($v)"
else bad "nsessionctl show --json: the same input counter" "$j"; fi
v=$(printf '%s' "$j" | json 'd["traffic"]["to_host_packets"]')
if [ -n "$v" ] && [ "$v" -ge 3 ]; then ok "nsessionctl show --json: the host end counted the pings ($v)"
else bad "nsessionctl show --json: the host end counted the pings" "$j"; fi
expect_match "nsessionctl show: the table's counters" \
	"^Nftables: +table ip $TABLE: fwd_out [0-9]+/[0-9]+ fwd_in .* input [0-9]+/[0-9]+ \(packets/bytes\)$" \
	"$("$CTL" show nsn1)"

echo "# nat: traffic to an upstream is masqueraded (ip_forward on for this test)"
ip netns add "$UPNS"
ip link add nsup0 type veth peer name eth0 netns "$UPNS"
ip addr add 10.248.0.1/24 dev nsup0
ip link set nsup0 up
ip -n "$UPNS" addr add 10.248.0.2/24 dev eth0
ip -n "$UPNS" link set eth0 up
ip -n "$UPNS" link set lo up
# The upstream has no route back to the pool: only a masqueraded ping can
# be answered. Its own nftables counts what source it sees.
ip netns exec "$UPNS" nft -f - <<'EOF'
table ip up {
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr 10.248.0.1 icmp type echo-request counter
	}
}
EOF
sysctl -q -w net.ipv4.ip_forward=1
masq0=$(counter masq)
out0=$(counter fwd_out)
out=$(run_as nsn1 sh -c 'ping -c2 -i0.2 -W2 10.248.0.2 >/dev/null && echo PING-OK')
expect_eq "the session pings the upstream through the host" PING-OK "$out"
seen=$(ip netns exec "$UPNS" nft list chain ip up input | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
if [ "${seen:-0}" -ge 2 ]; then ok "the upstream saw the host's address 10.248.0.1 as source ($seen)"
else bad "the upstream saw the host's address as source" "[$seen]"; fi
masq1=$(counter masq)
if [ "${masq1:-0}" -gt "${masq0:-0}" ]; then ok "the masq counter grew ($masq0 -> $masq1)"; else bad "the masq counter grew" "[$masq0] -> [$masq1]"; fi
out1=$(counter fwd_out)
if [ "${out1:-0}" -ge $((${out0:-0} + 2)) ]; then ok "the fwd_out counter grew ($out0 -> $out1)"; else bad "the fwd_out counter grew" "[$out0] -> [$out1]"; fi
# Connections into the session are not forwarded, even by an upstream
# that routes the pool through the host: the table drops them.
drop0=$(counter fwd_drop)
ip netns exec "$UPNS" ip route add 10.249.0.0/24 via 10.248.0.1
out=$(ip netns exec "$UPNS" ping -c1 -W1 10.249.0.2 >/dev/null 2>&1 && echo REACHED)
expect_eq "a new connection from the upstream into the session is not forwarded" "" "$out"
drop1=$(counter fwd_drop)
if [ "${drop1:-0}" -gt "${drop0:-0}" ]; then ok "... and counted as dropped ($drop0 -> $drop1)"; else bad "... counted as dropped" "[$drop0] -> [$drop1]"; fi
sysctl -q -w net.ipv4.ip_forward="$OLD_FWD"
ip link del nsup0
ip netns del "$UPNS"

echo "# nat: teardown"
"$H" terminate --user nsn1
expect_no_table "the table is gone after terminate"
expect_clean "nat session left nothing"

echo "# nat: a killed monitor's table is removed by the next login"
bg_session nsn1
mp=$(status_field nsn1 monitor_pid)
kp=$(status_field nsn1 keeper_pid)
kill -KILL "$mp"
wait_for 5 sh -c "! kill -0 $mp 2>/dev/null"
if table_exists; then ok "the table outlives a SIGKILLed monitor"; else bad "the table outlives a SIGKILLed monitor"; fi
out=$(run_as nsn1 sh -c 'echo alive' 2>&1)
expect_eq "the next login works" alive "$out"
if kill -0 "$kp" 2>/dev/null; then bad "the old keeper was killed"; else ok "the old keeper was killed"; fi
kill -KILL "$LAST_BG" 2>/dev/null
expect_no_table "... and after it ended, no table"
expect_clean "... nothing left"

echo "# nat: a killed monitor's table is removed by terminate"
bg_session nsn1
mp=$(status_field nsn1 monitor_pid)
kill -KILL "$mp"
wait_for 5 sh -c "! kill -0 $mp 2>/dev/null"
"$H" terminate --user nsn1
expect_no_table "terminate with a dead monitor removes the table"
kill -KILL "$LAST_BG" 2>/dev/null
expect_clean "... nothing left"

echo "# nat: a leftover table of the user is replaced at create"
nft -f - <<EOF
table ip $TABLE {
	chain stale { }
}
EOF
bg_session nsn1
out=$(nft list table ip "$TABLE" 2>&1)
if printf '%s\n' "$out" | grep -q 'chain stale'; then bad "leftover chain replaced" "$out"
else ok "the leftover table was replaced by the session's"; fi
"$H" terminate --user nsn1
expect_no_table "... and removed at the end"
expect_clean "... nothing left"

# ---- bridge -------------------------------------------------------------------
echo "# bridge: the host end is a port of an existing bridge"
ip link add "$BR" type bridge
ip addr add 10.249.1.1/24 dev "$BR"
ip link set "$BR" up
bg_session nsn2 || bad "bridge session of nsn2 starts"
expect_match "host end nsn$U2 has master $BR" "master $BR" "$(ip -o link show "nsn$U2" 2>/dev/null)"
expect_eq "host end has no address" "" "$(ip -o -4 addr show "nsn$U2" 2>/dev/null)"
expect_eq "status: network=bridge" bridge "$(status_field nsn2 network)"
expect_eq "status: bridge=$BR" "$BR" "$(status_field nsn2 bridge)"
expect_eq "status: addr_host is the gateway" 10.249.1.1 "$(status_field nsn2 addr_host)"
expect_eq "status: prefix is the pool's" 24 "$(status_field nsn2 prefix)"
out=$(run_as nsn2 sh -c 'ip -br addr show eth0; ip route show default; ping -c2 -i0.2 -W2 10.249.1.1 >/dev/null && echo PING-OK')
printf '%s\n' "$out" | sed 's/^/       /'
expect_match "eth0 has a pool address with the pool's prefix" "^eth0@[^ ]+ +UP +10\.249\.1\.[0-9]+/24" "$out"
expect_match "default route via the pool's first address" "^default via 10\.249\.1\.1 dev eth0" "$out"
expect_match "the session pings the bridge's address" PING-OK "$out"
expect_eq "no nftables table for a bridge session" "" "$(nft list tables | grep "nsession_$U2")"
"$H" terminate --user nsn2
expect_clean "bridge session left no veth, record or process"
expect_eq "the bridge is still there" 1 "$(ip -o link show "$BR" 2>/dev/null | wc -l)"
expect_eq "... without the session's port" "" "$(ip -o link show master "$BR")"

echo "# bridge: a missing or wrong bridge fails the login and leaves nothing"
for c in "nobridge|a missing bridge|bridge nsbrnone0 does not exist" \
	"notbridge|a link that is not a bridge (lo)|bridge = lo: that interface is not a bridge"; do
	IFS='|' read -r conf what msg <<<"$c"
	err=$("$H" run --user nsn3 --config "$T/etc/$conf.conf" -- true 2>&1)
	expect_eq "$what fails the login" "1 1" "$? $(printf '%s\n' "$err" | wc -l)"
	expect_match "... with one line saying so ($err)" "$msg" "$err"
	expect_clean "... nothing left"
done
expect_match "lo is untouched" "^lo +UNKNOWN" "$(ip -br link show lo)"
ip link del "$BR"

expect_eq "no nsession table left in nftables" "" "$(nft list tables | grep -E "nsession_($U1|$U2|$(id -u nsn3))\$")"
summary
