#!/bin/bash
# Root integration tests of nsession-helper, for real: namespaces, id maps,
# veth, ping across it, teardown. Everything it makes (a build with its own
# config/state/subuid paths, test users, interfaces) lives under a temporary
# directory or carries the "nsit" prefix, and is removed on exit, failed or not.
# Traffic stays between a session's netns and its own host-side veth.
. "$(dirname "$0")/../suite.sh"
T=$(mktemp -d /var/tmp/nsit.XXXXXX) # not /tmp: sessions get a private /tmp
H="$T/bin/nsession-helper"
STATE="$T/run/nsession"
LINK_PREFIX=nst
CLEAN_WAIT=5
POOL=10.251.0.0/24
USERS="nsit1 nsit2 nsit3"
BGPIDS=""

cleanup() {
	for p in $BGPIDS; do kill -KILL "$p" 2>/dev/null; done
	for u in $USERS; do
		[ -x "$H" ] && id "$u" >/dev/null 2>&1 && "$H" terminate --user "$u" >/dev/null 2>&1
	done
	pkill -KILL -f "^$H" 2>/dev/null
	remove_links nst
	[ -n "${QID:-}" ] && ipcrm -q "$QID" 2>/dev/null
	for u in $USERS; do remove_user "$u"; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- set-up ---------------------------------------------------------------
echo "# building a test install under $T${NSESSION_SAN:+ (ASan+UBSan)}"
private_install "$T" || exit 1

for u in $USERS; do
	remove_user "$u"
	useradd -m -d "$T/home/$u" -s /bin/sh "$u" || exit 1
done
uid() { id -u "$1"; }
gid() { id -g "$1"; }
U1=$(uid nsit1) G1=$(gid nsit1) U2=$(uid nsit2) U3=$(uid nsit3)

# nsit1 gets subordinate ids, nsit2 none; nsit3 is root inside.
printf 'nsit1:300000:65536\n# a comment\nnobody-else:500000:10\n' >"$T/etc/subuid"
printf 'nsit1:300000:65536\n' >"$T/etc/subgid"
test_policy "$T" "$POOL" nst
cat >>"$T/etc/nsession.conf" <<EOF

[user nsit3]
identity = root
EOF
cat >"$T/etc/tiny.conf" <<EOF
network = veth
address_pool = 10.251.1.0/30
veth_name = nst%U
EOF
chmod 644 "$T/etc/"*


# ---- basics -------------------------------------------------------------------
echo "# a command runs in a new session and its exit status comes back"
run_as nsit1 sh -c 'exit 7'
expect_eq "exit status passed through" 7 $?
out=$(run_as nsit1 id -u)
expect_eq "runs as the user's own uid inside (self)" "$U1" "$out"
out=$(run_as nsit3 id -u)
expect_eq "runs as uid 0 inside (identity = root)" 0 "$out"
expect_clean "short sessions leave nothing behind"

echo "# namespaces differ from the host's"
inside=$(run_as nsit1 sh -c 'for k in user mnt pid ipc uts net; do readlink /proc/self/ns/$k; done')
for k in user mnt pid ipc uts net; do
	h=$(readlink /proc/self/ns/$k)
	i=$(printf '%s\n' "$inside" | grep "^$k:")
	if [ -n "$i" ] && [ "$i" != "$h" ]; then ok "$k namespace differs ($i vs $h)"; else bad "$k namespace differs" "inside [$i] host [$h]"; fi
done

echo "# PID view: keeper is PID 1, no host process visible"
out=$(run_as nsit1 sh -c 'echo self=$$; ps -e -o pid=,comm=')
pid1=$(printf '%s\n' "$out" | awk '$1 == 1 {print $2}')
expect_eq "PID 1 in the session is the keeper" "nsession-keeper" "$pid1"
nprocs=$(printf '%s\n' "$out" | grep -vc '^self=')
if [ "$nprocs" -le 3 ]; then ok "ps sees only the session ($nprocs processes)"; else bad "ps sees only the session" "$out"; fi
if printf '%s\n' "$out" | grep -q "^ *$$ "; then bad "host shell invisible"; else ok "host shell invisible"; fi

echo "# UTS: hostname from the template, private"
hshort=$(hostname | cut -d. -f1)
hfull=$(hostname)
out=$(run_as nsit1 hostname)
expect_eq "hostname from template %u-%h" "nsit1-$hshort" "$out"
# The session's uts namespace is owned by the host's user namespace (issue
# 14): root inside has no capability over it, only over namespaces of its own.
out=$(run_as nsit3 sh -c 'hostname nsit-changed 2>/dev/null; hostname')
expect_eq "root inside cannot change the session's host name" "nsit3-$hshort" "$out"
out=$(run_as nsit3 unshare -u sh -c 'hostname nsit-changed && hostname')
expect_eq "root inside can set one in a uts namespace of its own" "nsit-changed" "$out"
expect_eq "host hostname unchanged" "$hfull" "$(hostname)"

echo "# IPC: a host message queue is invisible inside"
QID=$(ipcmk -Q | awk '{print $NF}')
out=$(run_as nsit1 ipcs -q | awk -v q="$QID" '$2 == q')
expect_eq "host queue $QID not visible inside" "" "$out"
ipcrm -q "$QID" && QID=""

echo "# id maps"
# Inside id 0 is never mapped for identity = self (issue 14, case 2).
exp_u1=$(printf '1 300000 %s\n%s %s 1\n%s %s %s' $((U1 - 1)) "$U1" "$U1" $((U1 + 1)) $((300000 + U1 - 1)) $((65536 - U1 + 1)))
out=$(run_as nsit1 cat /proc/self/uid_map | awk '{$1=$1};1')
expect_eq "uid_map: own uid 1:1, rest from subuid from inside 1 (0 unmapped)" "$exp_u1" "$out"
exp_g1=$(printf '1 300000 %s\n%s %s 1\n%s %s %s' $((G1 - 1)) "$G1" "$G1" $((G1 + 1)) $((300000 + G1 - 1)) $((65536 - G1 + 1)))
out=$(run_as nsit1 cat /proc/self/gid_map | awk '{$1=$1};1')
expect_eq "gid_map: own gid 1:1, rest from subgid from inside 1 (0 unmapped)" "$exp_g1" "$out"
out=$(run_as nsit2 cat /proc/self/uid_map | awk '{$1=$1};1')
expect_eq "uid_map without subordinate ids: only the user's uid" "$U2 $U2 1" "$out"
out=$(run_as nsit3 cat /proc/self/uid_map | awk '{$1=$1};1')
expect_eq "uid_map for root inside" "0 $U3 1" "$out"
out=$(run_as nsit1 cat /proc/self/setgroups)
expect_eq "setgroups is deny" "deny" "$out"
out=$(run_as nsit1 sh -c 'grep ^CapEff /proc/self/status' | awk '{print $2}')
expect_eq "no capabilities for a self-identity user" "0000000000000000" "$out"

echo "# mounts stay inside"
# The session's mount namespace is owned by the host's user namespace: root
# inside mounts only in a mount namespace of its own, which no host process
# ever enters (issue 14).
out=$(run_as nsit3 sh -c 'mount -t tmpfs nsit-probe /mnt 2>/dev/null; grep -c nsit-probe /proc/self/mounts')
expect_eq "root inside cannot mount in the session's mount table" 0 "$out"
out=$(run_as nsit3 unshare -m sh -c 'mount -t tmpfs nsit-probe /mnt && grep -c nsit-probe /proc/self/mounts')
expect_eq "root inside can mount in a mount namespace of its own" 1 "$out"
expect_eq "the mount does not appear on the host" 0 "$(grep -c nsit-probe /proc/self/mounts)"
out=$(run_as nsit3 sh -c 'umount /proc 2>/dev/null || umount -l /proc 2>/dev/null; cat /proc/1/comm')
expect_eq "root inside cannot unmount the session's /proc" nsession-keeper "$out"
out=$(run_as nsit3 unshare -m sh -c 'umount /tmp 2>/dev/null && echo TMP-GONE; umount /proc 2>/dev/null && echo PROC-GONE')
expect_eq "nor the private /tmp or /proc in a mount namespace of its own (locked)" "" "$out"
out=$(run_as nsit1 findmnt -no OPTIONS /tmp)
expect_match "the private /tmp is bounded (tmp_size 25% of RAM, tmp_inodes 262144)" \
	"(^|,)size=[0-9]+k(,|$).*nr_inodes=262144(,|$)" "$out"
out=$(run_as nsit1 findmnt -no OPTIONS /dev/shm)
expect_match "... and so is the private /dev/shm" "nr_inodes=262144(,|$)" "$out"
run_as nsit1 sh -c 'echo hi > /tmp/nsit-private-file'
if [ -e /tmp/nsit-private-file ]; then bad "private /tmp"; rm -f /tmp/nsit-private-file; else ok "private /tmp: file made inside not on the host"; fi
out=$(run_as nsit3 sh -c 'umount /tmp 2>&1 && echo TMP-GONE; umount /dev/shm 2>&1 && echo SHM-GONE')
expect_eq "root inside cannot unmount the private /tmp or /dev/shm (locked)" "" "$(printf '%s\n' "$out" | grep GONE)"
out=$(run_as nsit1 cat /proc/1/comm)
expect_eq "a fresh /proc for the PID namespace (/proc/1 is the keeper)" nsession-keeper "$out"

echo "# the host's /run/user is hidden: no way to the user's systemd manager or bus"
# Stand-ins for what a systemd host keeps there (this build's RUNSTATEDIR is
# $T/run): nsit1's user manager and session bus, and nsit2's runtime dir.
RU="$T/run/user"
mkdir -p "$RU/$U1/systemd" "$RU/$U2"
touch "$RU/$U1/bus" "$RU/$U1/systemd/private" "$RU/$U2/bus"
chown -R "$U1:$G1" "$RU/$U1"
chown -R "$U2" "$RU/$U2"
chmod 700 "$RU/$U1" "$RU/$U2"
out=$(run_as nsit1 sh -c "ls -A '$RU'; echo ---; ls -A '$RU/$U1'; echo ---; stat -c '%u %a' '$RU/$U1'")
expect_eq "inside, /run/user holds only the user's own, empty runtime dir (0700, theirs)" \
	"$(printf '%s\n---\n---\n%s 700' "$U1" "$U1")" "$out"
out=$(run_as nsit1 sh -c "test -e '$RU/$U1/bus' || test -e '$RU/$U1/systemd/private' || echo HIDDEN")
expect_eq "the host's bus and systemd/private sockets are not reachable inside" HIDDEN "$out"
run_as nsit1 sh -c "echo x > '$RU/$U1/inside-file'"
expect_eq "the runtime dir is writable inside and private to the session" "bus systemd" \
	"$(ls -A "$RU/$U1" | tr '\n' ' ' | sed 's/ $//')"
out=$(run_as nsit3 sh -c "umount '$RU' 2>&1 || umount -l '$RU' 2>&1; ls -A '$RU'")
expect_eq "root inside cannot unmount the private /run/user (locked)" "$U3" "$(printf '%s\n' "$out" | tail -n 1)"
rm -rf "$RU"
out=$(run_as nsit1 sh -c "test -e '$RU' && echo THERE || echo ABSENT")
expect_eq "no /run/user on the host: none made inside" ABSENT "$out"

echo "# network: veth with addresses, ping to the host end"
out=$(run_as nsit1 sh -c 'ip -br addr; echo ---; ping -c1 -W2 10.251.0.1 >/dev/null && echo PING-OK')
printf '%s\n' "$out" | sed 's/^/       /'
if printf '%s\n' "$out" | grep -Eq '^lo +UNKNOWN +127\.0\.0\.1/8'; then ok "lo is up"; else bad "lo is up"; fi
if printf '%s\n' "$out" | grep -Eq '^eth0@[^ ]+ +UP +10\.251\.0\.2/30'; then ok "eth0 up with 10.251.0.2/30"; else bad "eth0 up with 10.251.0.2/30"; fi
if printf '%s\n' "$out" | grep -q PING-OK; then ok "ping from inside to the host end answers"; else bad "ping from inside to the host end answers"; fi
out=$(run_as nsit1 ip route show default | awk '{$1=$1};1')
expect_eq "default route via the host end" "default via 10.251.0.1 dev eth0 proto static" "$out"
out=$(run_as nsit1 ls /sys/class/net | tr '\n' ' ')
expect_eq "/sys/class/net lists the session's interfaces, not the host's" "eth0 lo " "$out"
out=$(run_as nsit1 sh -c 'ls /sys/fs/cgroup | head -n 1')
if [ -n "$out" ] && [ -n "$(ls /sys/fs/cgroup)" ]; then ok "/sys/fs/cgroup is still there inside"; else bad "/sys/fs/cgroup is still there inside" "[$out]"; fi
expect_clean "network sessions leave nothing behind"

echo "# two users at once, one user twice"
bg_session nsit1 || bad "session of nsit1 starts"
bg_session nsit2 || bad "session of nsit2 starts"
hostlink=$(ip -br addr show "nst$U1" 2>/dev/null | awk '{print $2, $3}')
expect_eq "host end nst$U1 is up with 10.251.0.1/30" "UP 10.251.0.1/30" "$hostlink"
a1=$(status_field nsit1 addr_peer)
a2=$(status_field nsit2 addr_peer)
expect_ne "two users get different addresses" "$a1" "$a2"
n1=$(run_as nsit1 sh -c 'readlink /proc/self/ns/net /proc/self/ns/pid /proc/self/ns/user')
n2=$(run_as nsit2 sh -c 'readlink /proc/self/ns/net /proc/self/ns/pid /proc/self/ns/user')
expect_ne "two users get different namespaces" "$n1" "$n2"
kp1=$(status_field nsit1 keeper_pid)
expect_eq "second login of nsit1 lands in the same net namespace" \
	"$(readlink /proc/"$kp1"/ns/net)" "$(run_as nsit1 readlink /proc/self/ns/net)"
expect_eq "... and the same user namespace" \
	"$(readlink /proc/"$kp1"/ns/user)" "$(run_as nsit1 readlink /proc/self/ns/user)"
expect_eq "session survives a second login leaving" "$kp1" "$(status_field nsit1 keeper_pid)"
out=$(run_as nsit2 ps -e -o comm= | grep -c sleep)
expect_eq "nsit2 sees only its own sleep, not nsit1's" 1 "$out"
out=$(run_as nsit1 ping -c1 -W1 "$a2" >/dev/null 2>&1 && echo reach)
expect_eq "nsit1 cannot reach nsit2's session address (no forwarding)" "" "$out"

echo "# terminate"
as nsit1 "$H" terminate
expect_eq "user can terminate their own session" 0 $?
wait_for 5 sh -c "! kill -0 $LAST_BG 2>/dev/null" || true
if kill -0 "$kp1" 2>/dev/null; then bad "keeper gone after terminate"; else ok "keeper gone after terminate"; fi
expect_eq "no record for nsit1 after terminate" "no" "$(test -e "$STATE/$U1.session" && echo yes || echo no)"
expect_eq "veth of nsit1 gone after terminate" "" "$(ip -o link show "nst$U1" 2>/dev/null)"
"$H" terminate --user nsit2
expect_clean "after every session ended: no veth, record, lock or process"

echo "# stale state is detected and cleaned"
bg_session nsit1
kp=$(status_field nsit1 keeper_pid)
mp=$(status_field nsit1 monitor_pid)
kill -KILL "$mp" "$kp"
wait_for 5 sh -c "! kill -0 $kp 2>/dev/null"
out=$(run_as nsit1 sh -c 'echo alive')
expect_eq "a new login works after the session was killed" alive "$out"
kill -KILL $LAST_BG 2>/dev/null
expect_clean "stale record, veth and lock removed"

echo "# failures undo everything"
ip link add "nst$U1" type bridge
err=$(run_as nsit1 true 2>&1)
rc=$?
expect_eq "name clash with a non-veth interface fails" 1 "$rc"
expect_eq "... with one line" 1 "$(printf '%s\n' "$err" | wc -l)"
if printf '%s' "$err" | grep -q "not a veth"; then ok "... naming the problem ($err)"; else bad "... naming the problem" "$err"; fi
expect_eq "... and the admin's interface is still there" 1 "$(ip -o link show "nst$U1" | wc -l)"
ip link del "nst$U1"
expect_clean "... nothing half-built"

"$H" run --user nsit2 --config "$T/etc/tiny.conf" -- sleep 300 &
BGPIDS="$BGPIDS $!"
wait_for 10 test -e "$STATE/$U2.session"
err=$("$H" run --user nsit1 --config "$T/etc/tiny.conf" -- true 2>&1)
rc=$?
expect_eq "exhausted address pool fails" 1 "$rc"
if printf '%s' "$err" | grep -q "address pool exhausted"; then ok "... saying so ($err)"; else bad "... saying so" "$err"; fi
expect_eq "... no record for nsit1" no "$(test -e "$STATE/$U1.session" && echo yes || echo no)"
expect_eq "... no veth for nsit1" "" "$(ip -o link show "nst$U1" 2>/dev/null)"
"$H" terminate --user nsit2
expect_clean "... and all gone after"

echo "# an interactive login shell on a pty"
printf 'tty\necho shell=$0 pid=$$\nexit 3\n' | script -qec "setpriv --reuid=nsit1 --regid=nsit1 --init-groups $H run" /dev/null >"$T/pty.out" 2>&1
rc=$?
expect_eq "login shell's exit status comes back" 3 "$rc"
if grep -q '$ /dev/pts/[0-9]' "$T/pty.out"; then ok "the shell keeps the terminal"; else bad "the shell keeps the terminal" "$(cat "$T/pty.out")"; fi
if grep -q 'shell=-sh pid=2' "$T/pty.out"; then ok "it is a login shell, PID 2 in the session"; else bad "it is a login shell, PID 2" "$(cat "$T/pty.out")"; fi
expect_clean "pty session ended"

echo "# policies: network none, fewer namespaces, no user namespace, linger"
printf 'network = none\n' >"$T/etc/none.conf"
printf 'namespaces = user mnt pid\nnetwork = none\n' >"$T/etc/some.conf"
printf 'namespaces = mnt pid ipc uts net\nnetwork = veth\naddress_pool = 10.251.2.0/24\nveth_name = nst%%U\n' >"$T/etc/nouser.conf"
printf 'network = none\nlinger = 2\n' >"$T/etc/linger.conf"
chmod 644 "$T/etc/"*.conf
out=$("$H" run --user nsit1 --config "$T/etc/none.conf" -- ip -br link | awk '{print $1}' | tr '\n' ' ')
expect_eq "network = none: only lo inside" "lo " "$out"
out=$("$H" run --user nsit1 --config "$T/etc/none.conf" -- sh -c 'ping -c1 -W1 127.0.0.1 >/dev/null && echo up')
expect_eq "network = none: loopback is up" up "$out"
expect_eq "network = none: no veth on the host" "" "$(ip -o link show | grep ': nst')"
out=$("$H" run --user nsit1 --config "$T/etc/some.conf" -- sh -c 'for k in user mnt pid ipc uts net; do readlink /proc/self/ns/$k; done' | tr '\n' ' ')
exp=""
for k in user mnt pid; do exp="$exp$k:"; done
same=""
for k in ipc uts net; do same="$same$(readlink /proc/self/ns/$k) "; done
case "$out" in
*"$same"*) ok "namespaces = user mnt pid: ipc, uts, net are the host's" ;;
*) bad "namespaces = user mnt pid: ipc, uts, net are the host's" "$out / $same" ;;
esac
case "$out" in
*"$(readlink /proc/self/ns/user)"* | *"$(readlink /proc/self/ns/mnt)"* | *"$(readlink /proc/self/ns/pid)"*)
	bad "namespaces = user mnt pid: those three are new" "$out" ;;
*) ok "namespaces = user mnt pid: those three are new" ;;
esac
out=$("$H" run --user nsit1 --config "$T/etc/nouser.conf" -- sh -c 'id -u; cat /proc/self/uid_map; grep ^CapEff /proc/self/status; readlink /proc/self/ns/user; ping -c1 -W2 10.251.2.1 >/dev/null && echo PING' | awk '{$1=$1};1' | tr '\n' '|')
expect_eq "no user namespace: own uid, host map, no caps, host userns, ping" \
	"$U1|0 0 4294967295|CapEff: 0000000000000000|$(readlink /proc/self/ns/user)|PING|" "$out"
expect_clean "policy variants leave nothing"
"$H" run --user nsit1 --config "$T/etc/linger.conf" -- true
k1=$(status_field nsit1 keeper_pid)
"$H" run --user nsit1 --config "$T/etc/linger.conf" -- true
k2=$(status_field nsit1 keeper_pid)
if [ -n "$k1" ] && [ "$k1" = "$k2" ]; then ok "linger = 2: the session outlives its last login and is reused"; else bad "linger = 2: session reused" "[$k1] [$k2]"; fi
sleep 2.5
expect_clean "linger = 2: gone after the delay"

echo "# ten racing first runs of one user share one session"
for i in 1 2 3 4 5 6 7 8 9 10; do
	run_as nsit1 sh -c 'readlink /proc/self/ns/net; sleep 1' >"$T/race.$i" 2>&1 &
done
wait
out=$(cat "$T"/race.* | sort | uniq -c | awk '{print $1}')
expect_eq "all ten in the same network namespace" 10 "$out"
[ "$out" = 10 ] || cat "$T"/race.* | sort | uniq -c | sed 's/^/       /' # which ones, and why
expect_clean "racing runs leave nothing"

echo "# state files"
bg_session nsit1
out=$(stat -c '%U:%G %a' "$STATE" "$STATE/$U1.session" "$STATE/$U1.lock" | tr '\n' ' ')
expect_eq "state dir, record and lock are root:root, private" "root:root 700 root:root 600 root:root 600 " "$out"
"$H" terminate --user nsit1
expect_clean "terminated"

echo "# planted and forged state is never trusted"
mkdir -p "$STATE"
before=$(md5sum /etc/passwd)
ln -s /etc/passwd "$STATE/$U1.session"
out=$(run_as nsit1 echo alive 2>&1)
expect_eq "a symlink as the record: not followed, new session works" alive "$out"
expect_eq "... its target untouched" "$before" "$(md5sum /etc/passwd)"
expect_clean "... and the symlink removed"
mkfifo "$STATE/$U1.session"
out=$(timeout 20 setpriv --reuid=nsit1 --regid=nsit1 --init-groups "$H" run -- echo alive 2>&1)
expect_eq "a fifo as the record: no hang, new session works" alive "$out"
expect_clean "... and the fifo removed"
printf 'version=1\nuser=nsit1\n' >"$STATE/$U1.session"
chmod 600 "$STATE/$U1.session"
out=$(run_as nsit1 echo alive 2>&1)
expect_eq "a truncated record: not trusted, new session works" alive "$out"
expect_clean "... and removed"
bg_session nsit1
cp "$STATE/$U1.session" "$T/saved.record"
"$H" terminate --user nsit1
wait_for 5 nothing_left
install -o nsit1 -m 600 "$T/saved.record" "$STATE/$U1.session"
out=$(run_as nsit1 echo alive 2>&1)
expect_eq "a record owned by the user: not trusted, new session works" alive "$out"
expect_clean "... and removed"
# firejail CVE-2022-31214: a process of the user's that looks like the keeper
# (the recorded pid and start time) but sits in namespaces the user made.
bg_as nsit1 unshare -Urn sleep 300
fake=$BG_PID
BGPIDS="$BGPIDS $fake"
wait_for 5 sh -c "[ \"\$(readlink /proc/$fake/ns/net)\" != \"$(readlink /proc/self/ns/net)\" ]"
fstart=$(awk '{print $22}' /proc/$fake/stat)
sed -e "s/^keeper_pid=.*/keeper_pid=$fake/" -e "s/^keeper_start=.*/keeper_start=$fstart/" \
	-e "s/^monitor_pid=.*/monitor_pid=$fake/" -e "s/^monitor_start=.*/monitor_start=$fstart/" \
	"$T/saved.record" >"$STATE/$U1.session"
chmod 600 "$STATE/$U1.session"
out=$(run_as nsit1 readlink /proc/self/ns/net /proc/self/ns/user | tr '\n' ' ')
fns="$(readlink /proc/$fake/ns/net 2>/dev/null) $(readlink /proc/$fake/ns/user 2>/dev/null) "
expect_ne "a look-alike keeper in the user's own namespaces is not joined" "$fns" "$out"
if [ -n "$out" ]; then ok "... a new session was made instead"; else bad "... a new session was made instead"; fi
kill -KILL $fake 2>/dev/null
expect_clean "forged record cleaned up"

echo "# refusals"
err=$(as nsit1 "$H" run --user nsit2 -- true 2>&1)
expect_eq "a user cannot name another user" 2 $?
err=$(as nsit1 "$H" run --config "$T/etc/tiny.conf" -- true 2>&1)
expect_eq "a user cannot name a config" 2 $?
err=$("$H" run --user root -- true 2>&1)
expect_eq "root is exempt" 2 $?
chmod 666 "$T/etc/nsession.conf"
err=$(run_as nsit1 true 2>&1)
rc=$?
chmod 644 "$T/etc/nsession.conf"
expect_eq "a world-writable config is refused" 1 "$rc"
if printf '%s' "$err" | grep -q "writable"; then ok "... saying why ($err)"; else bad "... saying why" "$err"; fi

# The program the keeper execs (helper/monitor_setup.c, ns_exe_open): the
# monitor checks it before the keeper exists; anything unsafe fails the
# login, names the file and the reason, and leaves nothing.
K="$T/bin/nsession-keeper"
keeper_refused() { # keeper_refused DESC REASON
	local err rc
	err=$(run_as nsit1 true 2>&1)
	rc=$?
	expect_eq "$1: the login fails" 1 "$rc"
	expect_match "$1: says why" "nsession-keeper: $2" "$err"
	expect_clean "$1: nothing left"
}
chmod 0700 "$K"
keeper_refused "keeper program not executable by others" "not executable by others"
chmod 0713 "$K"
keeper_refused "keeper program writable by others" "group- or world-writable"
chmod 0711 "$K"
chown nsit1 "$K"
keeper_refused "keeper program not root's" "not owned by root"
chown root "$K"
mv "$K" "$K.real"
keeper_refused "keeper program missing" "No such file or directory"
ln -s "$K.real" "$K"
keeper_refused "keeper program a symbolic link" "Too many levels of symbolic links"
rm "$K"
mv "$K.real" "$K"
run_as nsit1 true
expect_eq "keeper program back in place: the login works" 0 "$?"

# The monitor's program (helper/join.c, ns_exe_open): the setuid caller
# checks it before it runs it as root; anything unsafe fails the login,
# names the file and the reason, and leaves nothing. It is root's alone.
M="$T/bin/nsession-monitor"
monitor_refused() { # monitor_refused DESC REASON
	local err rc
	err=$(run_as nsit1 true 2>&1)
	rc=$?
	expect_eq "$1: the login fails" 1 "$rc"
	expect_match "$1: says why" "nsession-monitor: $2" "$err"
	expect_clean "$1: nothing left"
}
chmod 0720 "$M"
monitor_refused "monitor program writable by its group" "group- or world-writable"
chmod 0700 "$M"
chown nsit1 "$M"
monitor_refused "monitor program not root's" "not owned by root"
chown root "$M"
mv "$M" "$M.real"
monitor_refused "monitor program missing" "No such file or directory"
ln -s "$M.real" "$M"
monitor_refused "monitor program a symbolic link" "Too many levels of symbolic links"
rm "$M"
mv "$M.real" "$M"
out=$(setpriv --reuid="$U1" --regid="$G1" --init-groups -- "$M" </dev/null 2>&1)
expect_ne "monitor program run by a user: refused" 0 "$?"
out=$("$M" </dev/null 3</dev/null 2>&1)
expect_eq "monitor program run by root without the helper's socket: exit 1" 1 "$?"
expect_match "... says why" "not the helper's socket" "$out"
# Sent first: either end of the pair may be fd 3 itself (the monitor's
# own bug once), and then dup2 would close it or leave it close-on-exec.
out=$(python3 -c '
import os, socket, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
a.send(b"nsm1" + b"\0" * 60)
os.dup2(b.fileno(), 3)
os.set_inheritable(3, True)
os.execv(sys.argv[1], [sys.argv[1]])' "$M" 2>&1)
expect_eq "monitor program with a forged request: exit 1" 1 "$?"
expect_match "... says why" "bad request: size" "$out"
expect_clean "... nothing made"
run_as nsit1 true
expect_eq "monitor program back in place: the login works" 0 "$?"
expect_clean "nothing left at the end"

if [ -n "${NSESSION_SAN:-}" ]; then
	echo "# ASan/UBSan (NSESSION_SAN): no helper process wrote a report"
	if san_reports "$T"; then ok "no sanitizer report in $T/san"; else bad "sanitizer reports (above)"; fi
fi

summary
