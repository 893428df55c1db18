#!/bin/bash
# End-to-end tests: real logins through pam_nsession.so.
#   - a real sshd (Debian's openssh-server, own config and keys, 127.0.0.1
#     only, UsePAM yes): key login with and without a pty, sftp, logout;
#   - su -, su -c, login on a pty (under script), pamtester;
#   - two users at once, one user twice, 20 racing first logins;
#   - stale sessions (keeper killed, monitor and keeper killed);
#   - failure handling (broken config: login refused; onerr=succeed).
# Everything lives under a temporary directory (build, config, state, PAM
# services, sshd config and keys, homes) or carries the "nse" prefix (users,
# veth links), and is removed on exit, failed or not. The machine's
# /etc/pam.d is never changed: PAM applications run in a private mount
# namespace with the test's copy bind-mounted over it (scripts/pamlab.sh).
. "$(dirname "$0")/../suite.sh"
. "$SRC/scripts/pamlab.sh"
T=$(mktemp -d /var/tmp/nse.XXXXXX) # not /tmp: sessions get a private /tmp
H="$T/bin/nsession-helper"
STATE="$T/run/nsession"
LINK_PREFIX=nse
CLEAN_WAIT=10
USERS="nse1 nse2 nse3 nse4 nse5"
XGROUP=nseexempt
BGPIDS=""
MARK=""

cleanup() {
	for p in $BGPIDS; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$MARK" ] && kill -KILL "$MARK" 2>/dev/null
	lab_stop_sshd "$T"
	for u in $USERS; do
		[ -x "$H" ] && id "$u" >/dev/null 2>&1 && "$H" terminate --user "$u" >/dev/null 2>&1
	done
	pkill -KILL -f "^$H" 2>/dev/null
	remove_links nse
	for u in $USERS; do remove_user "$u"; done
	groupdel "$XGROUP" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

uid() { id -u "$1"; }
has_record() { test -e "$STATE/$(uid "$1").session"; }
no_record() { test ! -e "$STATE/$(uid "$1").session"; }
keeper_of() { status_field "$1" keeper_pid; }
ns_line() { # ns_line PID: "user:[..] mnt:[..] ..." for the seven kinds
	local k out=""
	for k in user mnt pid ipc uts net cgroup; do out="$out $(readlink "/proc/$1/ns/$k")"; done
	echo "${out# }"
}
# Remote snippet printing the same for the shell itself.
NS_CMD='o=""; for k in user mnt pid ipc uts net cgroup; do o="$o $(readlink /proc/self/ns/$k)"; done; echo ${o# }'
# Remote snippet listing open fds that are namespaces or sockets (the
# module's ns fds and login reference must never reach a shell).
FD_CMD='for f in /proc/$$/fd/*; do readlink "$f"; done | grep -E "^(user|mnt|pid|ipc|uts|net|socket):" | tr "\n" " "'
# bg_login USER: a login held open (sleep) in the background. The wrapper
# script is started directly (it execs ssh), so $! is ssh itself.
bg_login() {
	"$T/ssh/ssh" "$1" sleep 300 </dev/null >/dev/null 2>&1 &
	BGPIDS="$BGPIDS $!"
	LAST_BG=$!
}
ssh_ok() { lab_ssh "$T" "$1" true </dev/null >/dev/null 2>&1; }

# ---- set-up ---------------------------------------------------------------
echo "# building a test install under $T"
private_install "$T" || exit 1
groupadd "$XGROUP" 2>/dev/null
lab_sshd "$T" || exit 1
for u in $USERS; do lab_user "$T" "$u" || exit 1; done
usermod -aG "$XGROUP" nse4
U1=$(uid nse1) G1=$(id -g nse1) U2=$(uid nse2)
printf 'nse1:400000:65536\nnse2:500000:65536\nnse3:600000:65536\nnse5:700000:65536\n' >"$T/etc/subuid"
cp "$T/etc/subuid" "$T/etc/subgid"
cat >"$T/etc/nsession.conf" <<EOF
# end-to-end test policy
[defaults]
namespaces = user mnt pid ipc uts net cgroup
identity = self
hostname = %u-box
network = veth
address_pool = 10.253.0.0/24
veth_name = nse%U
private_tmp = yes
subids = yes
linger = 0

[group $XGROUP]
exempt = yes

[user nse3]
linger = 3

[user nse5]
identity = root
EOF
chmod 644 "$T/etc/"*
lab_pam "$T" debug
lab_start_sshd "$T" || { echo "sshd did not start:"; cat "$T/ssh/sshd.log"; exit 1; }
SSHD_PID=$LAB_SSHD_PID
HOST_NS=$(ns_line $$)
# A host process the sessions must not see.
sleep 4242 &
MARK=$!
disown "$MARK"

# ---- sshd, plain command ----------------------------------------------------
echo "# sshd: a key login running a command"
out=$(lab_ssh "$T" nse1 "echo shell-ok; $NS_CMD" </dev/null 2>&1)
expect_eq "key login runs the command" "shell-ok" "$(echo "$out" | head -1)"
sess_ns=$(echo "$out" | sed -n 2p)
for i in 1 2 3 4 5 6 7; do
	h=$(echo "$HOST_NS" | cut -d' ' -f$i) s=$(echo "$sess_ns" | cut -d' ' -f$i)
	expect_ne "ssh command: ${h%%:*} namespace differs from the host's" "$h" "$s"
done
out=$(lab_ssh "$T" nse1 'ps -e -o pid=,comm= | awk "{print \$1, \$2}"' </dev/null 2>&1)
expect_eq "PID 1 of the login is the session's keeper" "1 nsession-keeper" "$(echo "$out" | head -1)"
if echo "$out" | grep -Eqv '^[0-9]+ (nsession-keeper|sshd|bash|ps|awk)$'; then
	bad "only the session's processes are visible" "$out"
else
	ok "only the session's processes are visible ($(echo "$out" | wc -l) processes)"
fi
out=$(lab_ssh "$T" nse1 'ps -e -o args=' </dev/null 2>&1)
if echo "$out" | grep -q "sleep 4242"; then bad "host process not visible" "$out"; else ok "host process not visible"; fi
expect_eq "the keeper's command line says what it is" "nsession-keeper" "$(echo "$out" | head -1)"
# identity = self: inside id 0 is never mapped, the ranges fill from 1.
exp_u=$(printf '1 400000 %s\n%s %s 1\n%s %s %s' $((U1 - 1)) "$U1" "$U1" $((U1 + 1)) $((400000 + U1 - 1)) $((65536 - U1 + 1)))
exp_g=$(printf '1 400000 %s\n%s %s 1\n%s %s %s' $((G1 - 1)) "$G1" "$G1" $((G1 + 1)) $((400000 + G1 - 1)) $((65536 - G1 + 1)))
out=$(lab_ssh "$T" nse1 'cat /proc/self/uid_map' </dev/null | awk '{$1=$1};1')
expect_eq "uid map is the configured one" "$exp_u" "$out"
out=$(lab_ssh "$T" nse1 'cat /proc/self/gid_map' </dev/null | awk '{$1=$1};1')
expect_eq "gid map is the configured one" "$exp_g" "$out"
out=$(lab_ssh "$T" nse1 'id -u; id -g; grep -E "^Cap(Eff|Prm|Amb)" /proc/self/status | awk "{print \$2}" | sort -u; grep NoNewPrivs /proc/self/status | awk "{print \$2}"' </dev/null)
expect_eq "own ids, no capabilities, no_new_privs" "$(printf '%s\n%s\n%s\n1' "$U1" "$G1" 0000000000000000)" "$out"
out=$(lab_ssh "$T" nse1 'grep ^Seccomp: /proc/self/status' </dev/null)
expect_match "ssh: the terminal guard's seccomp filter is in place" "^Seccomp:[[:space:]]+2$" "$out"
out=$(lab_ssh "$T" nse1 'hostname' </dev/null)
expect_eq "hostname from the policy" "nse1-box" "$out"
out=$(lab_ssh "$T" nse1 "$FD_CMD" </dev/null)
expect_eq "ssh: no namespace or socket fd reaches the shell" "" "$out"
out=$(lab_ssh "$T" nse1 'gw=$(ip -4 route show default | awk "{print \$3}"); ip -br -4 addr show eth0 | awk "{print \$2, \$3}"; ping -c1 -W2 "$gw" >/dev/null && echo ping-ok' </dev/null)
expect_match "the veth end is up with an address" '^UP 10\.253\.0\.[0-9]+/30$' "$(echo "$out" | head -1)"
expect_eq "ping from inside to the host end" "ping-ok" "$(echo "$out" | tail -1)"
expect_clean "after logout the session is gone"

# ---- sshd with a pty ----------------------------------------------------------
echo "# sshd: an interactive login on a pty"
printf 'echo "TTY=$(tty)"; echo "NS=$(readlink /proc/self/ns/user) $(readlink /proc/self/ns/pid)"; exit 7\n' |
	timeout 30 script -qec "$T/ssh/ssh nse1 -tt" /dev/null >"$T/pty.out"
rc=$?
out=$(tr -d '\r' <"$T/pty.out" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g')
expect_match "the shell has a pty" '^TTY=/dev/pts/[0-9]+$' "$(echo "$out" | grep '^TTY=')"
pty_ns=$(echo "$out" | sed -n 's/^NS=//p')
expect_ne "pty shell: user namespace differs" "$(readlink /proc/$$/ns/user)" "${pty_ns%% *}"
expect_ne "pty shell: pid namespace differs" "$(readlink /proc/$$/ns/pid)" "${pty_ns##* }"
expect_eq "exit status of the pty session comes back" 7 "$rc"
expect_clean "after a pty logout the session is gone"

# ---- sftp ---------------------------------------------------------------------
echo "# sftp into the session"
bg_login nse1
wait_for 10 has_record nse1
echo "sftp-$$" >"$T/sftp-src"
chmod 644 "$T/sftp-src"
out=$(printf 'put %s /tmp/nse-sftp\nget /proc/1/comm %s/sftp-comm\nbye\n' "$T/sftp-src" "$T" | lab_sftp "$T" nse1 2>&1)
expect_eq "sftp batch succeeds" 0 $?
expect_eq "sftp-server runs in the session's PID namespace" "nsession-keeper" "$(cat "$T/sftp-comm" 2>/dev/null)"
out=$(lab_ssh "$T" nse1 'cat /tmp/nse-sftp' </dev/null 2>&1)
expect_eq "the uploaded file is in the session's private /tmp" "sftp-$$" "$out"
if [ -e /tmp/nse-sftp ]; then bad "... and not in the host's /tmp"; rm -f /tmp/nse-sftp; else ok "... and not in the host's /tmp"; fi
kill "$LAST_BG" 2>/dev/null
wait "$LAST_BG" 2>/dev/null
expect_clean "after the last logout the session is gone"
if kill -0 "$SSHD_PID" 2>/dev/null && ssh_ok nse1; then ok "sshd keeps serving new logins"; else bad "sshd keeps serving new logins"; fi

# ---- su -----------------------------------------------------------------------
echo "# su"
out=$(cd / && lab_enter "$T" su - nse2 -c "echo su-ok; hostname; $NS_CMD; ps -e -o comm= | head -1; id -u" </dev/null 2>&1)
expect_eq "su - runs the command" "su-ok" "$(echo "$out" | sed -n 1p)"
expect_eq "su: hostname from the policy" "nse2-box" "$(echo "$out" | sed -n 2p)"
su_ns=$(echo "$out" | sed -n 3p)
for i in 2 3 4 5 6 7; do
	h=$(echo "$HOST_NS" | cut -d' ' -f$i) s=$(echo "$su_ns" | cut -d' ' -f$i)
	expect_ne "su: ${h%%:*} namespace differs from the host's" "$h" "$s"
done
expect_eq "su: the user namespace stays the host's (documented)" \
	"$(echo "$HOST_NS" | cut -d' ' -f1)" "$(echo "$su_ns" | cut -d' ' -f1)"
expect_eq "su: PID 1 is the keeper" "nsession-keeper" "$(echo "$out" | sed -n 4p)"
expect_eq "su: runs as the user" "$U2" "$(echo "$out" | sed -n 5p)"
out=$(lab_enter "$T" su - nse2 -c "$FD_CMD" </dev/null 2>&1)
expect_eq "su: no namespace or socket fd reaches the shell (close-on-exec)" "" "$out"
out=$(cd "$T" && lab_enter "$T" su nse2 -c 'pwd; readlink /proc/self/ns/net' </dev/null 2>&1)
expect_eq "su -c (no -) keeps the working directory" "$T" "$(echo "$out" | head -1)"
expect_ne "su -c (no -): net namespace differs" "$(readlink /proc/$$/ns/net)" "$(echo "$out" | tail -1)"
# The old su attack: the user's shell shares the terminal root ran su on,
# and TIOCSTI would type into root's shell after su exits. The module's
# terminal guard (helper/ttyguard.c) refuses it; the probe is
# tests/hostile/tiocsti.c.
cc -std=c11 -D_GNU_SOURCE -O1 -o "$T/tiocsti" "$SRC/tests/hostile/tiocsti.c" && chmod 755 "$T/tiocsti"
out=$(lab_enter "$T" timeout 30 script -qec "su - nse2 -c '$T/tiocsti x'" /dev/null </dev/null 2>&1 | tr -d '\r')
# (util-linux su -c also setsid()s the command, so TIOCSTI fails there with
# or without the guard; TIOCLINUX, ENOTTY on a pty without it, and the
# filter's presence show the guard.)
expect_match "su - on root's terminal: TIOCSTI refused" "native=EPERM high=EPERM" "$out"
expect_match "su - on root's terminal: TIOCLINUX refused by the guard" "linux=EPERM" "$out"
out=$(lab_enter "$T" su - nse2 -c 'grep ^Seccomp: /proc/self/status' </dev/null 2>&1)
expect_match "su: the terminal guard's seccomp filter is in place" "^Seccomp:[[:space:]]+2$" "$out"
expect_clean "su sessions end with su"

# ---- login on a pty -----------------------------------------------------------
echo "# login on a pty"
out=$(printf 'echo "TTY=$(tty)"; echo "HN=$(hostname)"; echo "NS=$(readlink /proc/self/ns/pid) $(readlink /proc/self/ns/mnt)"; exit\n' |
	lab_enter "$T" timeout 30 script -qec "login -f nse2" /dev/null | tr -d '\r' |
	sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g')
expect_match "login: the shell has a pty" '^TTY=/dev/pts/[0-9]+$' "$(echo "$out" | grep '^TTY=')"
expect_eq "login: hostname from the policy" "HN=nse2-box" "$(echo "$out" | grep '^HN=')"
l_ns=$(echo "$out" | sed -n 's/^NS=//p')
expect_ne "login: pid namespace differs" "$(readlink /proc/$$/ns/pid)" "${l_ns%% *}"
expect_ne "login: mount namespace differs" "$(readlink /proc/$$/ns/mnt)" "${l_ns##* }"
expect_clean "login sessions end with logout"

# ---- pamtester ----------------------------------------------------------------
echo "# pamtester"
lab_enter "$T" pamtester nsession-test nse1 open_session close_session >/dev/null 2>&1
expect_eq "pamtester opens and closes a session" 0 $?
expect_clean "... and the session is gone after close_session (linger 0)"
lab_enter "$T" pamtester nsession-test nse3 open_session close_session >/dev/null 2>&1
expect_eq "pamtester for a user with linger = 3" 0 $?
if has_record nse3; then ok "the session lingers after close_session"; else bad "the session lingers after close_session"; fi
if wait_for 10 no_record nse3; then ok "... and ends after its linger time"; else bad "... and ends after its linger time"; fi
lab_enter "$T" pamtester nsession-test nse4 open_session close_session >/dev/null 2>&1
expect_eq "a user exempt by group: the login goes through" 0 $?
if no_record nse4; then ok "... without a session (PAM_IGNORE)"; else bad "... without a session (PAM_IGNORE)"; fi
lab_enter "$T" pamtester nsession-test root open_session close_session >/dev/null 2>&1
expect_eq "root: the login goes through without a session" 0 $?
lab_enter "$T" pamtester nsession-test nse5 open_session close_session >/dev/null 2>&1
expect_ne "identity = root: a PAM login is refused" 0 $?
if ssh_ok nse5; then bad "identity = root: an ssh login is refused"; else ok "identity = root: an ssh login is refused"; fi
out=$(lab_enter "$T" su - nse5 -c 'echo inside' </dev/null 2>&1)
expect_ne "identity = root: su - is refused" "inside" "$out"
if no_record nse5; then ok "... and no session was made"; else bad "... and no session was made"; fi
expect_clean "nothing left after pamtester"

echo "# the PAM service of a user's systemd manager (systemd-user)"
out=$(lab_enter "$T" pamtester systemd-user nse1 open_session close_session 2>&1)
expect_ne "an isolated user's manager does not start (even with onerr=succeed)" 0 $?
if no_record nse1; then ok "... and no session was made for it"; else bad "... and no session was made for it"; fi
lab_enter "$T" pamtester systemd-user nse4 open_session close_session >/dev/null 2>&1
expect_eq "an exempt user's manager starts" 0 $?
lab_enter "$T" pamtester systemd-user root open_session close_session >/dev/null 2>&1
expect_eq "root's manager starts" 0 $?
expect_clean "nothing left after the manager checks"

# ---- two users at once ---------------------------------------------------------
echo "# two users at once are isolated from each other"
bg_login nse1
P1=$LAST_BG
bg_login nse2
P2=$LAST_BG
wait_for 10 has_record nse1 && wait_for 10 has_record nse2
k1=$(keeper_of nse1) k2=$(keeper_of nse2)
for i in 2 3 4 5 6 7 1; do
	a=$(ns_line "$k1" | cut -d' ' -f$i) b=$(ns_line "$k2" | cut -d' ' -f$i)
	expect_ne "nse1 and nse2: different ${a%%:*} namespaces" "$a" "$b"
done
out=$(lab_ssh "$T" nse2 'ipcmk -Q >/dev/null; ipcs -q | grep -c "^0x"; echo secret >/tmp/nse2-file; hostname; ip -br -4 addr show eth0 | awk "{print \$3}"' </dev/null 2>&1)
a2=$(echo "$out" | tail -1)
a2=${a2%/*}
expect_eq "nse2 made a message queue in its session" 1 "$(echo "$out" | head -1)"
out=$(lab_ssh "$T" nse1 "ipcs -q | grep -c '^0x'; cat /tmp/nse2-file 2>&1 >/dev/null | grep -c 'No such'; hostname; ps -e -o user= | sort -u | tr '\n' ' '; echo; ip -br -4 addr | grep -c '$a2 '; ping -c1 -W1 '$a2' >/dev/null 2>&1 && echo reach || echo noreach" </dev/null 2>&1)
expect_eq "IPC: nse1 does not see nse2's queue" 0 "$(echo "$out" | sed -n 1p)"
expect_eq "/tmp: nse1 does not see nse2's file" 1 "$(echo "$out" | sed -n 2p)"
expect_eq "hostname: nse1 has its own" "nse1-box" "$(echo "$out" | sed -n 3p)"
expect_eq "processes: nse1 sees only its own" "nse1 " "$(echo "$out" | sed -n 4p)"
expect_eq "network: nse2's address ($a2) is not on nse1's links" 0 "$(echo "$out" | sed -n 5p)"
if [ "$(sysctl -n net.ipv4.ip_forward)" = 0 ]; then
	expect_eq "network: nse1 cannot reach nse2's address" noreach "$(echo "$out" | sed -n 6p)"
fi
kill "$P1" "$P2" 2>/dev/null
wait "$P1" "$P2" 2>/dev/null
expect_clean "both sessions end with their logins"

# ---- one user twice -------------------------------------------------------------
echo "# one user logged in twice shares one session"
bg_login nse1
P1=$LAST_BG
wait_for 10 has_record nse1
k1=$(keeper_of nse1)
bg_login nse1
P2=$LAST_BG
out=$(lab_ssh "$T" nse1 "$NS_CMD" </dev/null)
expect_eq "a further login joins the same session" "$(ns_line "$k1")" "$out"
sleep 0.5
n=$(ps -e -o user=,comm= | awk '$1 == "nse1" && $2 == "nsession-keeper"' | wc -l)
expect_eq "one keeper for two logins" 1 "$n"
kill "$P1" 2>/dev/null
wait "$P1" 2>/dev/null
sleep 0.5
if has_record nse1 && [ "$(keeper_of nse1)" = "$k1" ]; then ok "the session lives while a login does"; else bad "the session lives while a login does"; fi
kill "$P2" 2>/dev/null
wait "$P2" 2>/dev/null
expect_clean "after both logouts the session is gone"

# ---- 20 racing first logins -------------------------------------------------------
echo "# 20 parallel first logins of one user"
pids=""
for i in $(seq 1 20); do
	"$T/ssh/ssh" nse2 "echo shell-$i; readlink /proc/self/ns/pid; sleep 3" </dev/null >"$T/race.$i" 2>&1 &
	pids="$pids $!"
done
# Keepers of nse2 at any moment while they run (most seen at once).
nk=0
running() { local p; for p in $pids; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while running; do
	n=$(ps -e -o user=,comm= | awk '$1 == "nse2" && $2 == "nsession-keeper"' | wc -l)
	[ "$n" -gt "$nk" ] && nk=$n
	sleep 0.2
done
failed=0
for p in $pids; do wait "$p" || failed=$((failed + 1)); done
expect_eq "all 20 logins succeed" 0 "$failed"
good=0
for i in $(seq 1 20); do [ "$(head -1 "$T/race.$i")" = "shell-$i" ] && good=$((good + 1)); done
expect_eq "20 working shells" 20 "$good"
expect_eq "exactly one session (one PID namespace)" 1 "$(for i in $(seq 1 20); do sed -n 2p "$T/race.$i"; done | sort -u | wc -l)"
expect_eq "never more than one keeper while they ran" 1 "$nk"
expect_clean "nothing left after the race"

# ---- stale state -------------------------------------------------------------------
echo "# stale sessions are detected and cleaned on the next login"
bg_login nse1
P1=$LAST_BG
wait_for 10 has_record nse1
k1=$(keeper_of nse1)
old=$(ns_line "$k1")
kill -KILL "$k1"
wait "$P1" 2>/dev/null
out=$(lab_ssh "$T" nse1 "$NS_CMD" </dev/null)
expect_eq "a login after the keeper was killed works" 7 "$(echo "$out" | wc -w)"
expect_ne "... in a new session" "$old" "$out"
expect_clean "... and nothing is left of either"
bg_login nse1
P1=$LAST_BG
wait_for 10 has_record nse1
veth=$(status_field nse1 veth_host)
mon=$(status_field nse1 monitor_pid)
k1=$(keeper_of nse1)
kill -KILL "$mon" # the monitor crashes: nobody tears down
wait "$P1" 2>/dev/null
if wait_for 5 sh -c "! kill -0 $k1 2>/dev/null"; then ok "the keeper dies with its monitor"; else bad "the keeper dies with its monitor"; fi
if has_record nse1; then ok "a dead monitor leaves its record behind"; else bad "a dead monitor leaves its record behind"; fi
if ssh_ok nse1; then ok "the next login works"; else bad "the next login works"; fi
# (the next session reuses the name; once it has ended too, none may be left)
if wait_for 10 sh -c "! ip link show $veth >/dev/null 2>&1"; then ok "no veth $veth is left"; else bad "no veth $veth is left"; fi
expect_clean "... and its record is gone"
bg_login nse1
P1=$LAST_BG
wait_for 10 has_record nse1
mon=$(status_field nse1 monitor_pid)
kill -KILL "$mon" "$(keeper_of nse1)" # host crash mid-login: both gone at once
wait "$P1" 2>/dev/null
if has_record nse1; then ok "a crash leaves the record behind"; else bad "a crash leaves the record behind"; fi
if ssh_ok nse1; then ok "the next login works"; else bad "the next login works"; fi
expect_clean "... and the crashed session's record is gone"

# ---- failures ---------------------------------------------------------------------------
echo "# when no session can be made"
chmod 666 "$T/etc/nsession.conf"
if ssh_ok nse1; then bad "a login is refused when the config is untrusted"; else ok "a login is refused when the config is untrusted"; fi
lab_enter "$T" pamtester nsession-test nse1 open_session >/dev/null 2>&1
expect_ne "pamtester open_session fails too" 0 $?
lab_enter "$T" pamtester nsession-test-open nse1 open_session close_session >/dev/null 2>&1
expect_eq "with onerr=succeed the login goes through" 0 $?
if no_record nse1; then ok "... unisolated (no session)"; else bad "... unisolated (no session)"; fi
chmod 644 "$T/etc/nsession.conf"
if ssh_ok nse1; then ok "logins work again once the config is fixed"; else bad "logins work again once the config is fixed"; fi

# onerr=succeed only for failures no user can cause (issue 14, case 8).
lab_enter "$T" pamtester nsession-test-open nse5 open_session close_session >/dev/null 2>&1
expect_ne "onerr=succeed does not let a refused login (identity = root) through" 0 $?
# A user can SIGSTOP their own `nsession-helper run` while it holds their
# lock; here root holds it (longer than the module's 30 s wait).
(umask 077; exec flock "$STATE/$(id -u nse1).lock" sleep 40) &
HOLDER=$!
wait_for 5 sh -c "[ -e '$STATE/$(id -u nse1).lock' ]"
sleep 0.5
t0=$(date +%s)
lab_enter "$T" pamtester nsession-test-open nse1 open_session close_session >"$T/out" 2>&1
rc=$?
t1=$(date +%s)
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
expect_ne "onerr=succeed does not apply to a held lock: the login fails closed" 0 "$rc"
if [ $((t1 - t0)) -lt 28 ]; then ok "... after the helper's 20 s deadline, before the module's 30 s ($((t1 - t0)) s)"; else bad "... after the helper's 20 s deadline" "took $((t1 - t0)) s"; fi
if no_record nse1; then ok "... and no session was made"; else bad "... and no session was made"; fi
if ssh_ok nse1; then ok "once the lock is free, logins work"; else bad "once the lock is free, logins work"; fi
kill -0 "$SSHD_PID" 2>/dev/null
expect_eq "sshd still runs" 0 $?
expect_clean "nothing left at the end"

summary
