#!/bin/bash
# Root tests of nsessionctl, the admin tool, against real sessions: list,
# show (with traffic counters), enter, terminate and check-config, in human
# and --json form, with bad arguments, an unprivileged caller and broken
# configs, and what enter meets in the session of a user who is root
# inside. Everything it makes (a private install, users nsct1..nsct3,
# links "nsc*") lives under a temporary directory and is removed on exit.
. "$(dirname "$0")/../suite.sh"
T=$(mktemp -d /var/tmp/nsct.XXXXXX)
H="$T/bin/nsession-helper"
CTL="$T/bin/nsessionctl"
CONF="$T/etc/nsession.conf"
STATE="$T/run/nsession"
LINK_PREFIX=nsc
CLEAN_WAIT=5
POOL=10.248.0.0/24
USERS="nsct1 nsct2 nsct3 nsct_x"
BGPIDS=""
LOG="$T/syslog"
SINK_PID=""
MADE_DEVLOG=""

cleanup() {
	for p in $BGPIDS; do kill -KILL "$p" 2>/dev/null; done
	for u in $USERS; do
		[ -x "$H" ] && id "$u" >/dev/null 2>&1 && "$H" terminate --user "$u" >/dev/null 2>&1
	done
	pkill -KILL -f "^$H" 2>/dev/null
	remove_links "$LINK_PREFIX"
	for u in $USERS; do remove_user "$u"; done
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
	[ -n "$MADE_DEVLOG" ] && rm -f /dev/log
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# With a syslog daemon, run in a private mount namespace (see syslog_sink).
if [ -z "${NSCT_IN_NS:-}" ] && [ -e /dev/log ]; then
	trap - EXIT
	rm -rf "$T"
	exec unshare -m --propagation private env NSCT_IN_NS=1 "$0" "$@"
fi
echo "# building a test install under $T"
private_install "$T" || exit 1
cc -std=c11 -D_GNU_SOURCE -O1 -Wall -Werror -o "$T/logsink" "$SRC/tests/hostile/logsink.c" || exit 1
syslog_sink "$T/logsink" "$LOG" || exit 1
# logged_once DESC REGEX: exactly one syslog line matches
logged_once() {
	local n
	wait_for 3 grep -Eq -- "$2" "$LOG"
	n=$(grep -Ec -- "$2" "$LOG")
	if [ "$n" = 1 ]; then ok "$1"; else bad "$1" "$n lines match [$2]; last: $(tail -n 3 "$LOG")"; fi
}
for u in nsct1 nsct2 nsct3; do
	remove_user "$u"
	useradd -m -d "$T/home/$u" -s /bin/sh "$u" || exit 1
done
U1=$(id -u nsct1)
test_policy "$T" "$POOL" "$LINK_PREFIX"
printf '\n[user nsct3]\nidentity = root\n' >>"$CONF" # root inside (through run only)
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
has_session() { [ -n "$(status_field "$1" keeper_pid)" ]; }
start() { # start USER: a login holding the session until killed
	bg_as "$1" "$H" run -- sleep 600 </dev/null >/dev/null 2>&1
	BGPIDS="$BGPIDS $BG_PID"
	LAST=$BG_PID
}

# ---- refusals and bad arguments ------------------------------------------
out=$(as nsct1 "$CTL" list 2>&1); rc=$?
expect_eq "an unprivileged user is refused (exit 2)" 2 "$rc"
expect_eq "... with one line saying why" "nsessionctl: must be run as root" "$out"
"$CTL" >/dev/null 2>&1; expect_eq "no verb: exit 2" 2 $?
out=$("$CTL" frobnicate 2>&1); rc=$?
expect_eq "unknown verb: exit 2" 2 "$rc"
expect_match "... names it" "bad arguments for 'frobnicate'" "$out"
"$CTL" --frob list >/dev/null 2>&1; expect_eq "unknown option: exit 2" 2 $?
"$CTL" show >/dev/null 2>&1; expect_eq "show without a user: exit 2" 2 $?
"$CTL" show nsct1 nsct2 >/dev/null 2>&1; expect_eq "show with two users: exit 2" 2 $?
out=$("$CTL" show no-such-user-x 2>&1); rc=$?
expect_eq "show of an unknown user: exit 2" 2 "$rc"
expect_eq "... one line" "nsessionctl: no such user 'no-such-user-x'" "$out"
"$CTL" enter nsct1 hostname >/dev/null 2>&1
expect_eq "enter with a command but no '--': exit 2" 2 $?
"$CTL" --json terminate nsct1 >/dev/null 2>&1; expect_eq "--json terminate: exit 2" 2 $?
"$CTL" list extra >/dev/null 2>&1; expect_eq "list with an argument: exit 2" 2 $?
out=$("$CTL" --version); expect_match "--version" "^nsessionctl [0-9]" "$out"

# ---- no sessions -----------------------------------------------------------
out=$("$CTL" list); rc=$?
expect_eq "list with no sessions: exit 0" 0 "$rc"
expect_match "... header and a count" "^USER +UID +SESSION" "$out"
expect_match "... zero listed" "^0 sessions listed" "$out"
expect_eq "list --json with no sessions is []" "[]" "$("$CTL" --json list)"
out=$("$CTL" show nsct1 2>&1); rc=$?
expect_eq "show for a user without a session: exit 3" 3 "$rc"
expect_eq "... one line" "nsessionctl: no session for nsct1" "$out"
"$CTL" terminate nsct1 >/dev/null 2>&1; expect_eq "terminate without a session: exit 3" 3 $?
"$CTL" enter nsct1 -- true >/dev/null 2>&1; expect_eq "enter without a session: exit 3" 3 $?

# ---- a session with two logins ---------------------------------------------
start nsct1
wait_for 10 has_session nsct1 || bad "session of nsct1 came up"
start nsct1
KP=$(status_field nsct1 keeper_pid)
wait_for 5 sh -c "'$CTL' --json list | grep -q '\"logins\":2'" || true
out=$("$CTL" list)
line=$(printf '%s\n' "$out" | awk '$1 == "nsct1"')
expect_match "list shows nsct1 with its uid" "^nsct1 +$U1 " "$line"
expect_match "... active, 2 logins, the keeper's pid" " active +2 +$KP " "$line"
expect_match "... network, address and namespaces" \
	"veth +10\.248\.0\.[0-9]+/30 +user,mnt,pid,ipc,uts,net,cgroup$" "$line"
expect_match "... one listed" "^1 session listed" "$out"
j=$("$CTL" --json list)
expect_eq "list --json: one object" 1 "$(printf '%s' "$j" | json 'len(d)')"
expect_eq "... user, uid, logins, keeper" "nsct1 $U1 2 $KP" \
	"$(printf '%s' "$j" | json '" ".join(str(d[0][k]) for k in ("user","uid","logins","keeper_pid"))')"
expect_eq "... seven namespaces" 7 "$(printf '%s' "$j" | json 'len(d[0]["namespaces"])')"
SID=$(printf '%s' "$j" | json 'd[0]["session"]')
expect_match "... a 16-hex-digit session id" "^[0-9a-f]{16}$" "$SID"
expect_eq "... the record names the same id" "$SID" "$(sed -n 's/^id=//p' "$STATE/$U1.session")"

# ---- show and its traffic counters ----------------------------------------
HOSTEND=$(status_field nsct1 addr_host)
as nsct1 "$H" run -- ping -c 3 -i 0.2 -W 2 "$HOSTEND" >/dev/null 2>&1
expect_eq "the session pings its host end" 0 $?
out=$("$CTL" show nsct1); rc=$?
expect_eq "show: exit 0" 0 "$rc"
expect_match "... user line" "^User: +nsct1 \(uid $U1, gid [0-9]+\)$" "$out"
expect_match "... session id and state" "^Session: +$SID \(active\)$" "$out"
expect_match "... logins" "^Logins: +2$" "$out"
expect_match "... keeper" "^Keeper: +$KP$" "$out"
expect_match "... namespaces with inodes" "^Namespaces: +user:\[[0-9]+\] mnt:\[[0-9]+\]" "$out"
expect_match "... network" "^Network: +veth: ${LINK_PREFIX}$U1 $HOSTEND, session 10\.248\.0\.[0-9]+/30$" "$out"
expect_match "... traffic counters" "^Traffic: +from session [0-9]+ bytes \([0-9]+ packets\)" "$out"
j=$("$CTL" --json show nsct1)
pk=$(printf '%s' "$j" | json 'd["traffic"]["to_host_packets"]')
if [ "${pk:-0}" -ge 3 ]; then ok "show --json: the ping shows in to_host_packets ($pk)"; else
	bad "show --json: the ping shows in to_host_packets" "$j"; fi
expect_eq "... ns inodes match the keeper's" "$(stat -L -c %i /proc/"$KP"/ns/net)" \
	"$(printf '%s' "$j" | json 'd["ns_inodes"]["net"]')"

# ---- enter ----------------------------------------------------------------
expect_eq "enter: the session's hostname" "$(as nsct1 "$H" run -- hostname)" \
	"$("$CTL" enter nsct1 -- hostname)"
expect_eq "enter: PID 1 is the keeper" nsession-keeper "$("$CTL" enter nsct1 -- cat /proc/1/comm)"
expect_eq "enter: the session's net namespace" "$(readlink /proc/"$KP"/ns/net)" \
	"$("$CTL" enter nsct1 -- readlink /proc/self/ns/net)"
expect_eq "enter: the session's mount namespace" "$(readlink /proc/"$KP"/ns/mnt)" \
	"$("$CTL" enter nsct1 -- readlink /proc/self/ns/mnt)"
expect_eq "enter: still host root (user namespace not joined)" "0 $(readlink /proc/self/ns/user)" \
	"$("$CTL" enter nsct1 -- sh -c 'echo $(id -u) $(readlink /proc/self/ns/user)')"
out=$("$CTL" enter nsct1 -- ip -4 -o addr show dev eth0)
expect_match "enter: sees the session's eth0" "inet 10\.248\.0\." "$out"
sleep 4242 &
MARK=$!
BGPIDS="$BGPIDS $MARK"
out=$("$CTL" enter nsct1 -- ps -e -o pid=,args=)
expect_match "enter: sees the session's processes" "^ *1 nsession-keeper" "$out"
if printf '%s\n' "$out" | grep -q "sleep 4242"; then bad "enter: not the host's" "$out"; else
	ok "enter: not the host's processes"; fi
kill "$MARK"
"$CTL" enter nsct1 -- sh -c 'exit 7'; expect_eq "enter: the command's exit status" 7 $?
"$CTL" enter nsct1 -- /nonexistent >/dev/null 2>&1; expect_eq "enter: missing command: 127" 127 $?
out=$(printf 'echo inside-$(cat /proc/1/comm)\nexit 5\n' | "$CTL" enter nsct1); rc=$?
expect_eq "enter without a command runs root's shell" "inside-nsession-keeper" "$out"
expect_eq "... with its exit status" 5 "$rc"
expect_eq "enter by uid" nsession-keeper "$("$CTL" enter "$U1" -- cat /proc/1/comm)"
expect_eq "after enter, still 2 logins (enter holds none)" 2 \
	"$("$CTL" --json show nsct1 | json 'd["logins"]')"

# ---- a stale record ---------------------------------------------------------
start nsct2
wait_for 10 has_session nsct2 || bad "session of nsct2 came up"
U2=$(id -u nsct2)
MP2=$(status_field nsct2 monitor_pid)
KP2=$(status_field nsct2 keeper_pid)
expect_eq "two sessions listed" 2 "$("$CTL" --json list | json 'len(d)')"
kill -STOP "$MP2"
kill -KILL "$KP2"
wait_for 5 sh -c "'$CTL' list | awk '\$1 == \"nsct2\"' | grep -q ' stale '"
expect_match "a session whose keeper died shows as stale" " stale " \
	"$("$CTL" list | awk '$1 == "nsct2"')"
"$CTL" enter nsct2 -- true >/dev/null 2>&1; expect_eq "enter into a stale session fails (1)" 1 $?
kill -CONT "$MP2"

# ---- terminate ------------------------------------------------------------
"$CTL" terminate nsct1; expect_eq "terminate: exit 0" 0 $?
wait_for 5 test ! -e "$STATE/$U1.session"
expect_eq "... the record is gone" no "$(test -e "$STATE/$U1.session" && echo yes || echo no)"
wait_for 5 sh -c "! ip link show ${LINK_PREFIX}$U1 >/dev/null 2>&1"
expect_eq "... the veth is gone" no "$(ip link show "${LINK_PREFIX}$U1" >/dev/null 2>&1 && echo yes || echo no)"
"$CTL" terminate nsct1 >/dev/null 2>&1; expect_eq "terminate again: exit 3" 3 $?
wait_for 5 test ! -e "$STATE/$U2.session"
expect_eq "the stale session ended by itself" "[]" "$("$CTL" --json list)"
expect_clean "nothing left after terminate"

# ---- what the auth log says ---------------------------------------------------
A="session=$SID user=nsct1 uid=$U1"
logged_once "syslog: the session's creation, once, with id, user and uid" \
	"nsession-helper.*: create $A keeper=$KP network=veth veth=${LINK_PREFIX}$U1 addr=10\.248\."
expect_eq "syslog: each of the 4 logins' join, with id, user and uid" 4 \
	"$(grep -Ec "nsession-helper.*: join $A via=run keeper=$KP" "$LOG")"
logged_once "syslog: the enter by root" "nsessionctl.*: enter $A by=root command=hostname"
logged_once "syslog: the terminate by root" "nsessionctl.*: terminate user=nsct1 uid=$U1 by=root"
logged_once "syslog: the end, with the reason" "nsession-helper.*: end $A reason=\"terminated\""
expect_eq "syslog: the two short logins' leave" 2 \
	"$(grep -Ec "nsession-helper.*: leave $A logins=2" "$LOG")"
as nsct1 "$H" status --user nsct2 >/dev/null 2>&1
logged_once "syslog: a refusal, once, with the caller's uid" \
	"nsession-helper.*refused: uid $U1: --user is for root"

# ---- enter, and a user who is root inside ------------------------------------
# The session's mount table is host root's: root inside cannot mount over
# what enter runs there, and a mount table of their own (unshare -m) is one
# that enter never joins. FAKE stands for a trojan: it leaves a marker.
FAKE="$T/fake-id"
printf '#!/bin/sh\necho pwned >%s\necho 4242\n' "$T/id-marker" >"$FAKE"
chmod 755 "$FAKE"
start nsct3
wait_for 10 has_session nsct3 || bad "session of nsct3 came up"
U3=$(id -u nsct3)
expect_eq "root inside: uid 0 in the session (identity = root)" 0 "$(as nsct3 "$H" run -- id -u 2>&1)"
as nsct3 "$H" run -- mount --bind "$FAKE" /usr/bin/id >/dev/null 2>&1
expect_ne "root inside: mount --bind over /usr/bin/id in the session fails" 0 $?
expect_eq "... /usr/bin/id inside is still the host's" "$(md5sum </usr/bin/id)" \
	"$(as nsct3 "$H" run -- sh -c 'md5sum </usr/bin/id' 2>&1)"
bg_as nsct3 "$H" run -- unshare -m sh -c "mount --bind '$FAKE' /usr/bin/id && echo ready && exec sleep 60" \
	</dev/null >"$T/own-ns.out" 2>&1
BGPIDS="$BGPIDS $BG_PID"
if wait_for 10 grep -qx ready "$T/own-ns.out"; then
	ok "root inside: in a mount namespace of its own, a bind over /usr/bin/id works"
else
	bad "root inside: in a mount namespace of its own, a bind over /usr/bin/id works" "$(cat "$T/own-ns.out")"
fi
expect_eq "enter then runs the host's /usr/bin/id, as host root" 0 "$("$CTL" enter nsct3 -- /usr/bin/id -u 2>&1)"
expect_eq "... and nothing of the user's ran" no "$(test -e "$T/id-marker" && echo yes || echo no)"
"$CTL" terminate nsct3 >/dev/null; expect_eq "terminate of the root-inside session: exit 0" 0 $?
wait_for 5 test ! -e "$STATE/$U3.session"
expect_clean "root inside: nothing left"

# ---- check-config ------------------------------------------------------------
out=$("$CTL" check-config); rc=$?
expect_eq "check-config of the compiled-in config: exit 0" 0 "$rc"
expect_match "... says OK" "^$CONF: OK \([0-9]+ login accounts? resolved\)$" "$out"
cp "$CONF" "$T/bad.conf"
printf '[group users]\nlinger = 5\nnetwrok = veth\n' >>"$T/bad.conf"
L=$(grep -n netwrok "$T/bad.conf" | cut -d: -f1)
out=$("$CTL" check-config "$T/bad.conf" 2>&1); rc=$?
expect_eq "check-config of a file with an unknown key: exit 1" 1 "$rc"
expect_eq "... one line with file:line" "$T/bad.conf:$L: unknown key 'netwrok'" "$out"
printf '[defaults]\nmemory_max = 12Q\n' >"$T/bad2.conf"
out=$("$CTL" check-config "$T/bad2.conf" 2>&1); rc=$?
expect_eq "check-config of a bad value: exit 1" 1 "$rc"
expect_match "... file:line and the key" "^$T/bad2.conf:2: bad value '12Q' for 'memory_max'" "$out"
chmod 664 "$T/bad2.conf"
out=$("$CTL" check-config "$T/bad2.conf" 2>&1)
expect_eq "check-config of a group-writable file" "$T/bad2.conf: is group- or world-writable" "$out"
ln -s "$CONF" "$T/link.conf"
out=$("$CTL" check-config "$T/link.conf" 2>&1); rc=$?
expect_eq "check-config of a symlink: exit 1" 1 "$rc"
expect_eq "... refused" "$T/link.conf: is a symbolic link (refused)" "$out"
out=$("$CTL" check-config "$T/missing.conf" 2>&1)
expect_match "check-config of a missing file" "^$T/missing.conf: cannot open: No such file" "$out"
# A file that parses but gives a user an invalid host name: named per user.
useradd -m -d "$T/home/nsct_x" -s /bin/sh nsct_x || bad "useradd nsct_x"
out=$("$CTL" check-config 2>&1); rc=$?
expect_eq "check-config: a login account the policy cannot serve: exit 1" 1 "$rc"
expect_match "... names the file and the user" \
	"^$CONF: policy for nsct_x: hostname '%u-%h' gives 'nsct_x-.*', not a valid host name$" "$out"
printf '\n[user nsct_x]\nhostname = nsct-x\n' >>"$CONF"
"$CTL" check-config >/dev/null; expect_eq "... fixed by a [user] section" 0 $?

expect_clean "nothing left at the end"
summary
