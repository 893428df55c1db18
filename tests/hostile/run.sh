#!/bin/bash
# Hostile-input tests of the setuid helper (issue 4; the incidents of peer tools in SECURITY.md).
# Each case runs as an unprivileged test user against the helper installed
# setuid root under a temporary directory, and checks the refusal (exit
# code, one-line message, syslog entry) and that nothing changed on the host.
# Everything made here (build, users, group, links, syslog sink) is removed
# on exit, failed or not. Traffic stays between a session and its own veth.
. "$(dirname "$0")/../suite.sh"
T=$(mktemp -d /var/tmp/nsh.XXXXXX) # not /tmp: sessions get a private /tmp
H="$T/bin/nsession-helper"
FH="$T/fbin/nsession-helper" # the same, with the kill points of helper/fault.h
FAULTS="$T/faults"
STATE="$T/run/nsession"
LINK_PREFIX=nsh
CLEAN_WAIT=6
POOL=10.252.0.0/24
# nsh3 (primary gid = nsh2's uid) and nsh1b (nsh1's uid under a second
# name) are made by their own cases; listed first so that they are removed
# before the users whose ids they borrow.
USERS="nsh3 nsh1b nsh1 nsh2"
TOOLS="$T/tools"
LOG="$T/syslog"
BGPIDS=""
SINK_PID=""
MADE_DEVLOG=""
MADE_GROUP="" # a group with gid = nsh2's uid, made where there is none
OLD_MAXNS=$(sysctl -n user.max_user_namespaces)

cleanup() {
	sysctl -q -w user.max_user_namespaces="$OLD_MAXNS" 2>/dev/null
	for p in $BGPIDS; do kill -KILL "$p" 2>/dev/null; done
	for u in $USERS; do
		[ -x "$H" ] && id "$u" >/dev/null 2>&1 && "$H" terminate --user "$u" >/dev/null 2>&1
	done
	pkill -KILL -f "^$T/" 2>/dev/null
	remove_links "$LINK_PREFIX"
	for u in $USERS; do remove_user "$u"; done
	getent group nshdeny >/dev/null && groupdel nshdeny
	[ -n "$MADE_GROUP" ] && getent group "$MADE_GROUP" >/dev/null && groupdel "$MADE_GROUP"
	[ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null
	[ -n "$MADE_DEVLOG" ] && rm -f /dev/log
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- set-up ---------------------------------------------------------------
echo "# building a test install under $T"
private_install "$T" || exit 1
mkdir -p "$TOOLS"
fault_install "$T" "$FAULTS" || exit 1
for t in logsink execargv tiocsti pokeproc fdspray subreaper; do
	cc -std=c11 -D_GNU_SOURCE -O1 -Wall -Werror -o "$TOOLS/$t" "$SRC/tests/hostile/$t.c" || exit 1
done
cc -shared -fPIC -Wall -Werror -o "$TOOLS/evil.so" "$SRC/tests/hostile/evil.c" || exit 1
cc -std=c11 -D_GNU_SOURCE -O1 -Wall -Werror -o "$TOOLS/nouserns" "$SRC/tests/hostile/nouserns.c" \
	$(pkg-config --libs libseccomp) || exit 1
cc -std=c11 -D_GNU_SOURCE -O1 -Wall -Werror -o "$TOOLS/noclosrange" "$SRC/tests/hostile/noclosrange.c" \
	$(pkg-config --libs libseccomp) || exit 1
chmod 755 "$TOOLS" "$TOOLS"/*

# Syslog: the helper logs to /dev/log. This machine may have no syslog
# daemon; then a sink is bound there for the run. With a daemon, the run
# reads the messages from a sink bound over /dev/log in a private mount
# namespace instead, so the real log socket is never touched.
if [ -z "${NSH_IN_NS:-}" ] && [ -e /dev/log ]; then
	trap - EXIT
	rm -rf "$T"
	exec unshare -m --propagation private env NSH_IN_NS=1 "$0" "$@"
fi
syslog_sink "$TOOLS/logsink" "$LOG" || exit 1

getent group nshdeny >/dev/null && groupdel nshdeny
groupadd nshdeny
for u in $USERS; do remove_user "$u"; done
for u in nsh1 nsh2; do
	useradd -m -d "$T/home/$u" -s /bin/sh "$u" || exit 1
done
usermod -a -G nshdeny nsh1
U1=$(id -u nsh1) U2=$(id -u nsh2) G1=$(id -g nsh1)
printf 'nsh1:400000:65536\n' >"$T/etc/subuid"
printf 'nsh1:400000:65536\n' >"$T/etc/subgid"
test_policy "$T" "$POOL" nsh # no_new_privs = yes is the default
chmod 644 "$T/etc/"*
# A file nsh1 may not read because of a group it is in (others may):
# dropping that group must stay impossible in a session (newgidmap CVE-2018-7169).
echo secret >"$T/denied"
chown root:nshdeny "$T/denied"
chmod 0604 "$T/denied"

logged() { grep -F -- "$1" "$LOG" >/dev/null; }
# expect_logged DESC TEXT: TEXT reached syslog (from the helper or monitor)
expect_logged() {
	if wait_for 3 logged "$2"; then ok "$1"; else bad "$1" "not in syslog: [$2]; last: $(tail -n 3 "$LOG")"; fi
}
# refused DESC RC ERRFILE TEXT: exit 2, one stderr line containing TEXT,
# a syslog "refused:" entry containing TEXT, and nothing left behind
refused() {
	refused_here "$@"
	expect_clean "$1: nothing made"
}
# refused_here DESC RC ERRFILE TEXT: the same but for "nothing left", where
# a session is rightly still there
refused_here() {
	local desc=$1 rc=$2 err=$3 text=$4
	expect_eq "$desc: exit 2" 2 "$rc"
	expect_eq "$desc: one line on stderr" 1 "$(wc -l <"$err")"
	expect_match "$desc: says why" "$text" "$(cat "$err")"
	expect_logged "$desc: syslog entry" "refused: $(sed -n 's/^nsession-helper: refused: //p' "$err" | head -c 60)"
}
nothing_left_but_locks() {
	[ -z "$(state_left | grep -v '\.lock$')" ] &&
		! ip -o link show | grep -q ": $LINK_PREFIX" && [ -z "$(session_procs)" ] &&
		[ -z "$(tables_left)" ]
}
hostsum() { md5sum /etc/passwd /etc/shadow /etc/group "$T/etc/nsession.conf" "$T/denied" | md5sum; }
HOSTSUM=$(hostsum)
bg_session() { # bg_session USER: a session held open by a sleeping login
	wait_for 5 test ! -e "$STATE/$(id -u "$1").session"
	bg_as "$1" "$H" run -- sleep 300
	BGPIDS="$BGPIDS $BG_PID"
	wait_for 10 test -S "$STATE/$(id -u "$1").sock"
}
end_bg() { for p in $BGPIDS; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; BGPIDS=""; }

echo "# --- invocation: argv (pkexec CVE-2021-4034, sudo CVE-2021-3156) ---"
as nsh1 "$TOOLS/execargv" empty "$H" >"$T/out" 2>"$T/err"
rc=$?
expect_eq "argc == 0: exit 127" 127 "$rc"
expect_eq "argc == 0: says nothing, reads nothing" "" "$(cat "$T/out" "$T/err")"
as nsh1 "$TOOLS/execargv" emptyname "$H" run -- /bin/true >"$T/out" 2>&1
expect_eq "empty argv[0]: exit 127" 127 "$?"
expect_clean "argc == 0: nothing made"

big=$(head -c 100000 /dev/zero | tr '\0' x)
as nsh1 "$H" run "--$big" >"$T/out" 2>"$T/err"
rc=$?
expect_eq "100 kB option: usage error" 2 "$rc"
expect_match "100 kB option: quoted short" "^nsession-helper: unknown option '--x{62}'$" "$(head -n 1 "$T/err")"
# shellcheck disable=SC2046
as nsh1 "$H" run $(seq 1 20000) >"$T/out" 2>"$T/err"
expect_eq "20000 arguments: usage error" 2 "$?"
as nsh1 "$H" "$big" >"$T/out" 2>"$T/err"
expect_eq "100 kB verb: usage error" 2 "$?"
expect_clean "huge argv: nothing made"

as nsh1 "$H" run --user root -- /bin/true >"$T/out" 2>"$T/err"
refused "--user root from a user" $? "$T/err" "--user is for root"
as nsh1 "$H" run --user nsh2 -- /bin/true >"$T/out" 2>"$T/err"
refused "--user of another user" $? "$T/err" "--user is for root"
printf '[defaults]\nnetwork = none\nidentity = root\n' >"$T/evil.conf"
chown nsh1 "$T/evil.conf"
as nsh1 "$H" run --config "$T/evil.conf" -- /bin/true >"$T/out" 2>"$T/err"
refused "--config from a user" $? "$T/err" "--config is for root"
as nsh1 "$H" check-config /etc/shadow >"$T/out" 2>"$T/err"
refused "check-config FILE from a user" $? "$T/err" "check-config FILE is for root"
expect_eq "check-config FILE: nothing of the file shown" "" "$(cat "$T/out")"
as nsh1 "$H" pam-open --user nsh1 >"$T/out" 2>"$T/err" </dev/null
refused "pam-open from a user" $? "$T/err" "is for root"
as nsh1 "$H" status --user nsh2 >"$T/out" 2>"$T/err"
refused "status --user from a user" $? "$T/err" "--user is for root"
"$H" pam-open --user nsh1 >"$T/out" 2>"$T/err" </dev/null
refused "pam-open as root, stdin not the module's socket" $? "$T/err" "stdin is not"

bg_session nsh2
K2=$(status_field nsh2 keeper_pid)
as nsh1 "$H" terminate --user nsh2 >"$T/out" 2>"$T/err"
expect_eq "terminate --user of another user: refused" 2 "$?"
expect_eq "another user's session survives" "$K2" "$(status_field nsh2 keeper_pid)"
as nsh1 "$H" terminate >"$T/out" 2>"$T/err"
expect_eq "terminate (own, none running) does not touch nsh2's" "$K2" "$(status_field nsh2 keeper_pid)"
end_bg
expect_clean "nsh2's session ended with its login"

# The command is argv, never a shell line (firejail CVE-2020-17367).
out=$(run_as nsh1 /bin/echo '$(touch /tmp/nshpwn)' ';' id '`id`' 2>&1)
expect_eq "command passed as argv only" '$(touch /tmp/nshpwn) ; id `id`' "$out"
out=$(run_as nsh1 --user root 2>&1)
expect_match "after --, options are the command" "^nsession-helper: --user: No such file" "$out"

echo "# --- invocation: environment ---"
mkdir -p "$T/evilbin"
for b in ip mount unshare sh bash id env true nsenter newuidmap; do
	printf '#!/bin/sh\necho pwned >%s/pwned.%s\n' "$T" "$b" >"$T/evilbin/$b"
done
chmod 755 "$T/evilbin" "$T/evilbin/"*
EVIL_MARKER="$T/evil-marker" LD_PRELOAD="$TOOLS/evil.so" /bin/true
expect_eq "control: evil.so works when preloaded into a plain program" x "$(cat "$T/evil-marker" 2>/dev/null)"
rm -f "$T/evil-marker"
chmod 1777 "$T"
out=$(as nsh1 env -i EVIL_MARKER="$T/evil-marker" LD_PRELOAD="$TOOLS/evil.so" \
	LD_LIBRARY_PATH="$T/evilbin" LD_AUDIT="$TOOLS/evil.so" PATH="$T/evilbin" IFS=/ \
	LANG=../../../tmp/x LC_ALL=C.UTF-8 NLSPATH="$T/x/%N" TMPDIR=/nonexistent \
	GCONV_PATH="$T/evilbin" HOSTALIASES="$T/evilbin/ip" MALLOC_PERTURB_=85 \
	NSESSION_CONFIG="$T/evil.conf" NSESSION_STATEDIR="$T" TERM='xterm;rm -rf /' \
	SHELL="$T/evilbin/sh" HOME=/root USER=root \
	"$H" run -- /usr/bin/env 2>&1)
rc=$?
chmod 755 "$T"
expect_eq "hostile environment: the login works" 0 "$rc"
expect_eq "LD_PRELOAD/LD_AUDIT ignored by the setuid helper" "" "$(ls "$T"/evil-marker "$T"/pwned.* 2>/dev/null)"
names=$(printf '%s\n' "$out" | sed -n 's/=.*//p' | sort | tr '\n' ' ')
expect_eq "the session's environment is rebuilt, not inherited" "HOME LOGNAME PATH SHELL USER " "$names"
expect_match "HOME and USER come from passwd" "HOME=$T/home/nsh1" "$out"
expect_match "PATH is the helper's" "^PATH=/usr/local/bin:/usr/bin:/bin$" "$(printf '%s\n' "$out" | grep ^PATH=)"
out=$(as nsh1 env NSESSION_CONFIG="$T/evil.conf" "$H" run -- /usr/bin/id -u 2>&1)
expect_eq "NSESSION_CONFIG is not a way to another config" "$U1" "$out"
out=$(as nsh1 env TERM=xterm-256color LANG=C.UTF-8 "$H" run -- /usr/bin/env 2>&1)
expect_match "a plain TERM is kept" "^TERM=xterm-256color$" "$(printf '%s\n' "$out" | grep ^TERM=)"
expect_clean "environment: nothing left"

# Signal dispositions survive exec: with SIGCHLD ignored the kernel reaps
# the helper's children itself, and a child's pid could be reused by
# another process while nsession-monitor moves it into the session's
# cgroup (and `run` could not wait for its command).
as nsh1 env --ignore-signal=CHLD "$H" run -- sh -c 'exit 7' >"$T/out" 2>&1
expect_eq "SIGCHLD ignored by the caller: the command's status still comes back" 7 "$?"
expect_clean "SIGCHLD ignored: nothing left"

echo "# --- invocation: fds, limits, cwd ---"
as nsh1 "$H" run -- /bin/true <&- >&- 2>&-
expect_eq "stdin/stdout/stderr closed: login works" 0 "$?"
as nsh1 "$H" run --user root -- /bin/true <&- >&- 2>&-
expect_eq "stdin/stdout/stderr closed: refusal still refused" 2 "$?"
expect_logged "closed fds: refusal reaches syslog" "refused: uid $U1: --user is for root"
expect_clean "closed fds: nothing left, no message written into a state file"
out=$(as nsh1 "$TOOLS/fdspray" 3000 "$H" run -- /bin/ls /proc/self/fd 2>&1 | tr '\n' ' ')
expect_eq "3000 inherited fds: only 0 1 2 reach the session (3 is ls's own)" "0 1 2 3 " "$out"
# Where close_range(2) fails (a kernel before 5.9, a caller's seccomp
# filter), the fds are closed one by one instead, never left open.
# (Into a file, not a pipe: a leaked copy of a pipe's end would hang the
# suite, as it did the helper before.)
timeout 30 "$TOOLS/noclosrange" /usr/bin/setpriv --reuid="$U1" --regid="$G1" --init-groups -- \
	"$TOOLS/fdspray" 300 "$H" run -- /bin/ls /proc/self/fd >"$T/out" 2>&1 </dev/null
out=$(tr '\n' ' ' <"$T/out")
expect_eq "close_range failing: still only 0 1 2 reach the session" "0 1 2 3 " "$out"
# run_limited LIMIT: nsh1 runs `true` with the ulimit option LIMIT (soft and
# hard); output in $T/out
run_limited() {
	# shellcheck disable=SC2086
	(ulimit $1 && exec setpriv --reuid="$U1" --regid="$G1" --init-groups -- "$H" run -- /bin/true) \
		>"$T/out" 2>&1
}
for lim in "-n 7" "-n 12" "-f 0" "-v 60000" "-s 16" "-c unlimited" "-l 0" "-q 0" "-i 0" "-u 1" "-t 1"; do
	run_limited "$lim"
	rc=$?
	# The helper raises what it needs (soft limits, and hard ones where it
	# has CAP_SYS_RESOURCE) and hands the caller's back to the command. A
	# stack too small for the dynamic loader kills any program before
	# main: that one may die of SIGSEGV, as long as nothing is left. Past
	# the loader, a stack the helper cannot raise to what it needs stops
	# it with exit 1 before it takes any lock (helper/main.c, stack_ok).
	if [ "$rc" -le 2 ] || [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ] ||
		{ [ "$lim" = "-s 16" ] && [ "$rc" -eq 139 ]; }; then
		ok "ulimit $lim: clean exit ($rc)"
	else
		bad "ulimit $lim: clean exit" "rc $rc: $(head -c 300 "$T/out")"
	fi
	expect_clean "ulimit $lim: nothing left"
done
# A hard stack limit the helper cannot raise (no CAP_SYS_RESOURCE in the
# bounding set, as on some VMs and containers) but large enough for the
# loader: a one-line failure before anything is made. With the capability
# the helper raises it and the login works.
run_limited "-s 96"
rc=$?
if (((16#$(awk '/^CapBnd:/ {print $2}' /proc/self/status) >> 24) & 1)); then # CAP_SYS_RESOURCE
	expect_eq "ulimit -s 96, with CAP_SYS_RESOURCE: raised, the login works" 0 "$rc"
else
	expect_eq "ulimit -s 96, no CAP_SYS_RESOURCE: exit 1" 1 "$rc"
	expect_eq "ulimit -s 96: one line on stderr" 1 "$(wc -l <"$T/out")"
	expect_match "ulimit -s 96: says why" "stack size limit 96 KiB is below the 256 KiB" "$(cat "$T/out")"
	expect_logged "ulimit -s 96: syslog entry" "stack size limit 96 KiB"
fi
expect_clean "ulimit -s 96: nothing left"
run_as nsh1 /bin/true
expect_eq "after odd limits, the next login works" 0 "$?"
mkdir -p "$T/home/nsh1/gone" "$T/home/nsh1/locked"
chown nsh1 "$T/home/nsh1/gone" "$T/home/nsh1/locked"
out=$(cd "$T/home/nsh1/gone" && rmdir "$T/home/nsh1/gone" && run_as nsh1 /bin/pwd 2>&1)
expect_eq "cwd deleted: the login starts in HOME" "$T/home/nsh1" "$out"
chmod 000 "$T/home/nsh1/locked"
out=$(cd "$T/home/nsh1/locked" && run_as nsh1 /bin/pwd 2>&1)
expect_eq "cwd unreadable: the login starts in HOME" "$T/home/nsh1" "$out"
expect_clean "cwd: nothing left"

echo "# --- signals during setup ---"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	bg_as nsh1 "$H" run -- /bin/sleep 2
	sleep "0.0$((i * 7 % 10))$i"
	kill -KILL "$BG_PID" 2>/dev/null
	wait "$BG_PID" 2>/dev/null
done
expect_clean "SIGKILL at 12 moments of setup: nothing left"
bg_as nsh1 "$H" run -- /bin/sleep 1
sleep 0.02
kill -STOP "$BG_PID" 2>/dev/null
sleep 1
kill -KILL "$BG_PID" 2>/dev/null
wait "$BG_PID" 2>/dev/null
expect_clean "SIGSTOP then SIGKILL during setup: nothing left"
for s in TERM HUP INT QUIT; do
	bg_as nsh1 "$H" run -- /bin/sleep 2
	sleep 0.03
	kill -"$s" "$BG_PID" 2>/dev/null
	wait "$BG_PID" 2>/dev/null
done
expect_clean "SIGTERM/HUP/INT/QUIT during setup: nothing left"
run_as nsh1 /bin/true
expect_eq "after the signals, the next login works" 0 "$?"
expect_clean "and ends clean"

echo "# --- killed at each step of setup (helper/fault.h build) ---"
: >"$FAULTS"
chmod 644 "$FAULTS"
as nsh1 "$FH" run -- /bin/true
expect_eq "fault build without a fault: login works" 0 "$?"
expect_clean "fault build: ends clean"
for step in locked monitor-start monitor-detached pool-locked keeper-spawned maps-written \
	dns-written keeper-setup keeper-ready veth-created rules-added host-configured inside-configured listening \
	recorded reported spawned joined; do
	echo "$step" >"$FAULTS"
	as nsh1 timeout 30 "$FH" run -- /bin/true \
		>"$T/out" 2>&1
	rc=$?
	: >"$FAULTS"
	expect_ne "killed at '$step': the login fails" 0 "$rc"
	# An empty lock file of a killed lock holder may stay (flock needs a
	# file; the kernel dropped the lock itself): the next login removes it.
	if wait_for "$CLEAN_WAIT" nothing_left_but_locks; then
		ok "killed at '$step': no veth, record, lease or process"
	else
		bad "killed at '$step': no veth, record, lease or process" "$(describe_leftovers)"
	fi
	as nsh1 "$FH" run -- /bin/true >"$T/out" 2>&1
	expect_eq "killed at '$step': the next login works" 0 "$?"
	expect_clean "killed at '$step': and ends clean"
done
expect_logged "a monitor killed during setup is logged" "died during setup"

echo "# --- trusted files: config, subuid, state (pam_namespace CVE-2025-6020, lxc-user-nic CVE-2018-6556) ---"
CONF="$T/etc/nsession.conf"
# bad_conf DESC EXPECT-TEXT: the config is in a bad state; a login must
# fail with a one-line error naming the file, logged, nothing made
bad_conf() {
	as nsh1 timeout 10 "$H" run -- /bin/true \
		>"$T/out" 2>"$T/err"
	local rc=$?
	expect_eq "$1: login fails (1)" 1 "$rc"
	expect_eq "$1: one line" 1 "$(wc -l <"$T/err")"
	expect_match "$1: names file and problem" "$2" "$(cat "$T/err")"
	expect_logged "$1: syslog entry" "$(head -c 60 "$T/err" | sed 's/^nsession-helper: //')"
	expect_clean "$1: nothing made"
}
# bad_trusted FILE: every way FILE can be untrustworthy, one after another
bad_trusted() {
	local f=$1 name good
	name=$(basename "$f")
	good="$T/good.$name"
	cp -p "$f" "$good"
	rm "$f" && ln -s "$good" "$f"
	bad_conf "$name is a symlink" "$name.*(symbolic link|symlink)"
	rm "$f" && cp -p "$good" "$f" && chmod 664 "$f"
	bad_conf "$name group-writable" "$name.*writable"
	chmod 646 "$f"
	bad_conf "$name world-writable" "$name.*writable"
	chmod 644 "$f" && chown nsh1 "$f"
	bad_conf "$name owned by the user" "$name.*not owned by root"
	chown root "$f"
	rm "$f" && mkfifo -m 644 "$f"
	bad_conf "$name is a fifo (no hang)" "$name"
	rm "$f" && mkdir -m 755 "$f"
	bad_conf "$name is a directory" "$name"
	rmdir "$f" && cp -p "$good" "$f"
}
# (A second hard link to the config is not refused: only root can make one
# in /etc, and protected_hardlinks keeps users from linking root's files.)
bad_trusted "$CONF"
bad_trusted "$T/etc/subuid"
bad_trusted "$T/etc/subgid"
run_as nsh1 /bin/true
expect_eq "files restored: login works" 0 "$?"

chmod 0755 "$STATE"
bad_conf "state dir mode 0755" "state directory.*0700"
chmod 0700 "$STATE" && chown nsh1 "$STATE"
bad_conf "state dir owned by the user" "state directory.*root-owned"
chown root "$STATE"
mv "$STATE" "$T/run/real" && ln -s "$T/run/real" "$STATE"
bad_conf "state dir is a symlink" "state directory"
rm "$STATE" && mv "$T/run/real" "$STATE"

# Planted state (only root can write there; this is what a corrupted or
# attacked directory would hold): never followed, never trusted.
cp -p /etc/shadow "$T/shadow.before"
ln -s /etc/shadow "$STATE/$U1.session"
run_as nsh1 /bin/true
expect_eq "record is a symlink to /etc/shadow: login works (record replaced)" 0 "$?"
expect_eq "/etc/shadow untouched" "" "$(cmp /etc/shadow "$T/shadow.before")"
expect_clean "symlinked record: nothing left"
mkfifo -m 600 "$STATE/$U1.session"
as nsh1 timeout 10 "$H" run -- /bin/true
expect_eq "record is a fifo: no hang, login works" 0 "$?"
expect_clean "fifo record: nothing left"
ln -s /etc/shadow "$STATE/$U1.lock"
as nsh1 timeout 10 "$H" run -- /bin/true >"$T/out" 2>&1
expect_ne "lock is a symlink to /etc/shadow: refused" 0 "$?"
expect_eq "/etc/shadow untouched by the lock" "" "$(cmp /etc/shadow "$T/shadow.before")"
rm -f "$STATE/$U1.lock"
ln /etc/shadow "$STATE/$U1.lock" 2>/dev/null && {
	as nsh1 timeout 10 "$H" run -- /bin/true >"$T/out" 2>&1
	expect_ne "lock hardlinked to /etc/shadow: refused" 0 "$?"
	rm -f "$STATE/$U1.lock"
}
expect_eq "/etc/shadow still untouched" "" "$(cmp /etc/shadow "$T/shadow.before")"
expect_clean "planted locks: nothing left"

# Plants in the user's own home and /tmp: the helper touches neither as root.
for f in .profile .bashrc .nsession .hushlogin .cache; do ln -s /etc/shadow "$T/home/nsh1/$f"; done
mkfifo "$T/home/nsh1/.fifo" && chown -h nsh1 "$T/home/nsh1/".* 2>/dev/null
as nsh1 ln -sf /etc/shadow /tmp/.nsession-nsh1 2>/dev/null
as nsh1 timeout 10 "$H" run -- /bin/true
expect_eq "symlinks and a fifo planted in HOME and /tmp: login works, no hang" 0 "$?"
expect_eq "/etc/shadow untouched by home plants" "" "$(cmp /etc/shadow "$T/shadow.before")"
rm -f /tmp/.nsession-nsh1
expect_clean "home plants: nothing left"

echo "# --- nothing of the helper reaches the session ---"
out=$(run_as nsh1 /bin/cat /proc/self/status)
for f in CapInh CapPrm CapEff CapAmb; do
	expect_eq "$f is empty" 0000000000000000 "$(printf '%s\n' "$out" | sed -n "s/^$f:[[:space:]]*//p")"
done
expect_eq "no_new_privs set (policy)" 1 "$(printf '%s\n' "$out" | sed -n 's/^NoNewPrivs:[[:space:]]*//p')"
expect_eq "a seccomp filter is in place (terminal guard)" 2 "$(printf '%s\n' "$out" | sed -n 's/^Seccomp:[[:space:]]*//p')"
expect_eq "setgroups is denied in the session" deny "$(run_as nsh1 /bin/cat /proc/self/setgroups)"
run_as nsh1 /bin/cat "$T/denied" >/dev/null 2>&1
expect_ne "a file denied to a group the user is in stays denied" 0 "$?"
expect_match "the user keeps that group (unmapped: the overflow gid)" "(^| )65534( |$)" "$(run_as nsh1 /usr/bin/id -G)"
run_as nsh1 /bin/sh -c 'echo x >>/proc/1/exe' 2>/dev/null
expect_ne "the keeper's exe cannot be opened for writing (runc CVE-2019-5736)" 0 "$?"
run_as nsh1 /bin/sh -c 'cat /proc/1/exe >/dev/null' 2>/dev/null
expect_ne "nor read through /proc/1/exe" 0 "$?"
out=$(run_as nsh1 "$TOOLS/pokeproc" 1)
expect_eq "from inside: the keeper cannot be traced or opened" 0 "$?"

# TIOCSTI / TIOCLINUX (bubblewrap CVE-2017-5226), on a real terminal.
out=$(as nsh1 script -qec "$TOOLS/tiocsti '#'" /dev/null </dev/null | tr -d '\r#')
# Controls: outside a session TIOCLINUX on a pty is merely ENOTTY, and with
# dev.tty.legacy_tiocsti=1 (Debian's default) TIOCSTI works; so EPERM below
# comes from the session's filter.
expect_match "control: on the host, TIOCLINUX on a pty is ENOTTY" "linux=(ENOTTY|EINVAL)" "$out"
if [ "$(sysctl -n dev.tty.legacy_tiocsti 2>/dev/null || echo 1)" = 1 ]; then
	expect_match "control: on the host, TIOCSTI works (legacy_tiocsti=1)" "native=ok high=ok" "$out"
fi
out=$(as nsh1 script -qec "$H run -- $TOOLS/tiocsti '#'" /dev/null </dev/null | tr -d '\r#')
expect_match "in a session: TIOCSTI refused" "native=EPERM" "$out"
expect_match "in a session: TIOCSTI with high bits set refused" "high=EPERM" "$out"
expect_match "in a session: TIOCSTI through the i386 ABI refused" "compat=(EPERM|none)" "$out"
expect_match "in a session: TIOCLINUX refused" "linux=EPERM" "$out"
expect_clean "terminal: nothing left"

echo "# --- sessions cannot reach each other or the host (firejail CVE-2022-31214, lxc-user-nic CVE-2017-5985) ---"
bg_session nsh1
bg_session nsh2
K1=$(status_field nsh1 keeper_pid) K2=$(status_field nsh2 keeper_pid)
M1=$(status_field nsh1 monitor_pid)
P2=$(status_field nsh2 addr_peer)
out=$(as nsh1 "$TOOLS/pokeproc" "$K1")
expect_eq "own keeper from the host: nothing opens (not dumpable)" 0 "$?"
as nsh1 "$TOOLS/pokeproc" "$M1" >/dev/null
expect_eq "own monitor from the host: nothing opens" 0 "$?"
for p in $BGPIDS; do
	as nsh1 "$TOOLS/pokeproc" "$p" >/dev/null
	rc=$?
	[ "$(stat -c %u /proc/"$p")" = "$U1" ] && expect_eq "own 'run' parent (user's ids, not dumpable): nothing opens" 0 "$rc"
done
as nsh1 nsenter -t "$K1" -n true 2>/dev/null
expect_ne "nsenter into own session's netns from outside: refused" 0 "$?"
as nsh1 nsenter -t "$K2" -a true 2>/dev/null
expect_ne "nsenter into another user's session: refused" 0 "$?"
out=$(run_as nsh1 /bin/ps -e -o comm= | sort | tr '\n' ' ')
expect_eq "from a session only its own processes are visible" "nsession-keeper ps sleep " "$out"
run_as nsh1 /bin/ls "$STATE" >/dev/null 2>&1
expect_ne "the state directory is closed to sessions" 0 "$?"
if [ "$(sysctl -n net.ipv4.ip_forward)" = 0 ]; then
	run_as nsh1 ping -c1 -W1 "$P2" >/dev/null 2>&1
	expect_ne "no route from nsh1's session to nsh2's" 0 "$?"
fi
cp "$STATE/$U1.session" "$T/rec1"
end_bg
expect_clean "two sessions ended"

# A record naming a process of the user's that merely looks like a keeper:
# right pid and start time, even the namespace inodes of that process.
# (The helper kills what such a record names, by pidfd and start time, when
# it cleans up: a new fake per variant.)
fake_keeper() {
	as nsh1 unshare -Urn bash -c 'exec -a nsession-keeper sleep 300' &
	BGPIDS="$BGPIDS $!"
	wait_for 5 pgrep -u "$U1" -f '^nsession-keeper' >/dev/null
	FAKE=$(pgrep -u "$U1" -f '^nsession-keeper' | head -n 1)
	FSTART=$(awk '{print $22}' "/proc/$FAKE/stat")
}
forge() { # forge INODES: write a record for nsh1 naming the fake keeper
	sed -e "s/^keeper_pid=.*/keeper_pid=$FAKE/" -e "s/^keeper_start=.*/keeper_start=$FSTART/" \
		-e "s/^monitor_pid=.*/monitor_pid=$FAKE/" -e "s/^monitor_start=.*/monitor_start=$FSTART/" \
		"$T/rec1" >"$STATE/$U1.session"
	if [ "$1" = fake ]; then
		for k in user mnt pid ipc uts net; do
			sed -i "s/^ns_$k=.*/ns_$k=$(stat -L -c %i "/proc/$FAKE/ns/$k")/" "$STATE/$U1.session"
		done
		sed -i "s/^ns_dev=.*/ns_dev=$(stat -L -c %d "/proc/$FAKE/ns/net")/" "$STATE/$U1.session"
	fi
	chmod 600 "$STATE/$U1.session"
}
for variant in recorded fake; do
	: >"$LOG"
	fake_keeper
	forge "$variant"
	out=$(run_as nsh1 /bin/readlink /proc/self/ns/net 2>/dev/null)
	expect_ne "forged record ($variant inodes): login not in the fake's netns" "$(readlink "/proc/$FAKE/ns/net")" "$out"
	expect_match "forged record ($variant inodes): a real session instead" "^net:" "$out"
	expect_logged "forged record ($variant inodes): logged as stale" "user=nsh1 uid=$U1 record removed"
done
end_bg
pkill -KILL -u "$U1" 2>/dev/null
expect_clean "forged records: nothing left"

echo "# --- user namespaces disabled (bubblewrap CVE-2020-5291) ---"
# No fallback that quietly skips the user namespace: the login is refused.
nouserns_login() { "$TOOLS/nouserns" /usr/bin/setpriv --reuid="$U1" --regid="$G1" --init-groups -- "$H" run -- /bin/true; }
nouserns_login >"$T/out" 2>&1
expect_eq "no user namespaces (seccomp): login refused, no fallback" 1 "$?"
expect_match "no user namespaces (seccomp): says why" "user namespaces disabled" "$(cat "$T/out")"
expect_clean "no user namespaces (seccomp): nothing left"
if sysctl -q -w user.max_user_namespaces=0 2>/dev/null; then
	run_as nsh1 /bin/true >"$T/out" 2>&1
	rc=$?
	sysctl -q -w user.max_user_namespaces="$OLD_MAXNS"
	expect_eq "max_user_namespaces=0: login refused, no fallback" 1 "$rc"
	expect_match "max_user_namespaces=0: says why" "user namespaces disabled" "$(cat "$T/out")"
	expect_clean "max_user_namespaces=0: nothing left"
else
	echo "# skip: user.max_user_namespaces is read-only here (the seccomp check above stands in)"
fi
run_as nsh1 /bin/true
expect_eq "user namespaces back: login works" 0 "$?"

echo "# --- the boundary against a user who is root inside (issue 14) ---"
# pstate PID: the state letter of PID (empty if gone); alive PID: there and
# not a zombie (a login's `run` parent is the suite's child, not yet reaped)
pstate() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1; }
alive() { [ -n "$(pstate "$1")" ] && [ "$(pstate "$1")" != Z ]; }
# session_intact DESC USER KEEPER LOGIN: USER's session is the one KEEPER
# leads, its record is there and LOGIN (the held login) is alive
session_intact() {
	expect_eq "$1: the same keeper" "$3" "$(status_field "$2" keeper_pid)"
	expect_eq "$1: the record is still there" yes \
		"$(test -e "$STATE/$(id -u "$2").session" && echo yes || echo no)"
	if alive "$4"; then ok "$1: the held login is alive"; else bad "$1: the held login is alive" "pid $4: $(pstate "$4")"; fi
}
# shellcheck disable=SC2016 # expanded by the session's sh
KILLS='for s in TERM HUP INT QUIT USR1 USR2 ALRM KILL STOP; do kill -$s 1; done; sleep 1'
bg_session nsh1
L1=$BG_PID K1=$(status_field nsh1 keeper_pid)
run_as nsh1 sh -c "$KILLS" >/dev/null 2>&1
session_intact "every signal to PID 1 from inside" nsh1 "$K1" "$L1"
expect_match "every signal to PID 1 from inside: the keeper is not stopped" "^[RSD]$" "$(pstate "$K1")"
end_bg
expect_clean "signals from inside: nothing left"
# The same from a user who is root inside (identity = root through root's
# own --config; only `run` reaches it).
RCONF="$T/etc/root-inside.conf"
cp "$CONF" "$RCONF"
printf '\n[user nsh2]\nidentity = root\n' >>"$RCONF"
chown root:root "$RCONF" && chmod 644 "$RCONF"
wait_for 5 test ! -e "$STATE/$U2.session"
"$H" run --user nsh2 --config "$RCONF" -- sleep 300 &
L2=$!
BGPIDS="$BGPIDS $L2"
wait_for 10 test -S "$STATE/$U2.sock"
K2=$(status_field nsh2 keeper_pid)
expect_eq "root inside: control: uid 0 in the session" 0 "$("$H" run --user nsh2 --config "$RCONF" -- id -u)"
"$H" run --user nsh2 --config "$RCONF" -- sh -c "$KILLS" >/dev/null 2>&1
session_intact "root inside, every signal to PID 1" nsh2 "$K2" "$L2"
expect_match "root inside, every signal to PID 1: the keeper is not stopped" "^[RSD]$" "$(pstate "$K2")"
end_bg
expect_clean "root inside, signals: nothing left"

# A su or login shell stays in the host's user namespace; with
# no_new_privs = no the setuid helper works there. Run from inside the
# session's other namespaces (nsenter -p: the child is in its PID
# namespace), it must refuse, not take the live session for a stale one.
bg_session nsh1
L1=$BG_PID K1=$(status_field nsh1 keeper_pid)
nsenter -t "$K1" -m -u -i -n -p -C \
	setpriv --reuid="$U1" --regid="$G1" --init-groups -- "$H" run -- /bin/true >"$T/out" 2>"$T/err"
refused_here "the helper run inside a session" $? "$T/err" "runs only in the host's initial namespaces"
session_intact "the helper run inside a session" nsh1 "$K1" "$L1"
end_bg
expect_clean "the helper run inside a session: nothing left"

# /etc/subgid's numeric owners are uids (as shadow reads them), never gids:
# nsh3, whose primary gid is nsh2's uid, gets none of nsh2's ranges.
if ! getent group "$U2" >/dev/null; then
	MADE_GROUP=nshsubg
	groupadd -g "$U2" "$MADE_GROUP" || bad "groupadd -g $U2"
fi
useradd -m -d "$T/home/nsh3" -g "$U2" -s /bin/sh nsh3 || bad "useradd nsh3 (gid $U2)"
cp -p "$T/etc/subgid" "$T/subgid.saved"
printf '%s:500000:65536\n' "$U2" >>"$T/etc/subgid"
out=$(run_as nsh2 cat /proc/self/gid_map)
expect_match "subgid numeric owner: nsh2, whose uid it names, gets the range" "[[:space:]]500000[[:space:]]" "$out"
out=$(run_as nsh3 cat /proc/self/gid_map)
expect_eq "subgid numeric owner: nsh3's login works" 0 "$?"
expect_match "subgid numeric owner: nsh3 has its own gid" "[[:space:]]${U2}[[:space:]]+1$" "$out"
if printf '%s\n' "$out" | grep -q 500000; then
	bad "subgid numeric owner: a user whose gid is that uid gets none of it" "$(printf '%s' "$out" | tr -s ' \n' ' ')"
else
	ok "subgid numeric owner: a user whose gid is that uid gets none of it"
fi
cp -p "$T/subgid.saved" "$T/etc/subgid"
remove_user nsh3
if [ -n "$MADE_GROUP" ]; then groupdel "$MADE_GROUP" && MADE_GROUP=""; fi
expect_clean "subgid numeric owner: nothing left"

# Two passwd names for one uid: a live session started under one is not
# torn down as stale by a login under the other.
useradd -o -u "$U1" -g "$G1" -m -d "$T/home/nsh1b" -s /bin/sh nsh1b || bad "useradd nsh1b (uid $U1)"
bg_session nsh1
L1=$BG_PID K1=$(status_field nsh1 keeper_pid)
"$H" run --user nsh1b -- /bin/true >"$T/out" 2>"$T/err"
refused_here "a second name for a uid with a live session" $? "$T/err" \
	"started as user nsh1, not nsh1b; end it first: nsessionctl terminate nsh1$"
session_intact "a second name for a uid with a live session" nsh1 "$K1" "$L1"
end_bg
expect_clean "a second name: nothing left"
remove_user nsh1b
expect_eq "a second name: nsh1 and its home stay" "$U1 yes" \
	"$(id -u nsh1) $(test -d "$T/home/nsh1" && echo yes || echo no)"

# The policy changes under a live session: a join is refused, never into
# a session built otherwise.
cp -p "$CONF" "$T/conf.saved"
bg_session nsh1
L1=$BG_PID K1=$(status_field nsh1 keeper_pid)
printf '\n[user nsh1]\nidentity = root\n' >>"$CONF"
run_as nsh1 /bin/true >"$T/out" 2>"$T/err"
refused_here "policy now identity = root, session built self" $? "$T/err" \
	"the live session of nsh1 was built with identity = self, the policy now says identity = root; end it first: nsessionctl terminate nsh1$"
session_intact "policy now identity = root, session built self" nsh1 "$K1" "$L1"
cp -p "$T/conf.saved" "$CONF"
printf '\n[user nsh1]\nno_new_privs = no\n' >>"$CONF"
run_as nsh1 /bin/true >"$T/out" 2>"$T/err"
refused_here "policy now no_new_privs = no, session built yes" $? "$T/err" \
	"the live session of nsh1 was built with no_new_privs = yes.*end it first: nsessionctl terminate nsh1$"
session_intact "policy now no_new_privs = no, session built yes" nsh1 "$K1" "$L1"
cp -p "$T/conf.saved" "$CONF"
run_as nsh1 /bin/true
expect_eq "policy back as the session was built: the join works" 0 "$?"
end_bg
expect_clean "policy changes: nothing left"

# identity = self with subids and no_new_privs = no: a setuid file owned
# by the user's first subuid gives no capability in the session's user
# namespace (inside uid 0 is never mapped for self).
if findmnt -n -o OPTIONS -T "$T" | tr , '\n' | grep -qx nosuid; then
	echo "# skip: $T is on a nosuid mount (no setuid file test)"
else
	install -o 400000 -g 400000 -m 4755 /bin/cat "$T/suidcat"
	NCONF="$T/etc/nnp-no.conf"
	cp "$CONF" "$NCONF"
	printf '\n[user nsh1]\nno_new_privs = no\n' >>"$NCONF"
	chown root:root "$NCONF" && chmod 644 "$NCONF"
	out=$("$H" run --user nsh1 --config "$NCONF" -- "$T/suidcat" /proc/self/status)
	expect_eq "setuid file of a subuid, no_new_privs = no: it runs" 0 "$?"
	uids=$(printf '%s\n' "$out" | sed -n 's/^Uid:[[:space:]]*//p' | tr -s ' \t' ' ')
	eu=$(echo "$uids" | cut -d' ' -f2)
	if [ -n "$eu" ] && [ "$eu" != "$U1" ]; then ok "setuid file of a subuid: control: the setuid bit took effect"; else
		bad "setuid file of a subuid: control: the setuid bit took effect" "Uid: $uids"; fi
	expect_eq "setuid file of a subuid: no effective capability" 0000000000000000 \
		"$(printf '%s\n' "$out" | sed -n 's/^CapEff:[[:space:]]*//p')"
	expect_eq "setuid file of a subuid: no permitted capability" 0000000000000000 \
		"$(printf '%s\n' "$out" | sed -n 's/^CapPrm:[[:space:]]*//p')"
	if printf ' %s \n' "$uids" | grep -q ' 0 '; then
		bad "setuid file of a subuid: uid 0 inside is never reached" "Uid: $uids"
	else
		ok "setuid file of a subuid: uid 0 inside is never reached"
	fi
	rm -f "$T/suidcat"
fi
expect_clean "setuid file of a subuid: nothing left"

echo "# --- libnl's environment: read by its constructors, as root, before main ---"
mkdir -p "$T/nlconf" && mkfifo -m 666 "$T/nlconf/classid"
out=$(as nsh1 env NLSYSCONFDIR="$T/nlconf" NLDBG=4 NLCB=debug timeout 10 "$H" run -- /bin/true 2>&1)
expect_eq "libnl's environment: NLSYSCONFDIR naming a fifo does not hang the helper" 0 "$?"
expect_eq "libnl's environment: NLDBG and NLCB print nothing" "" "$out"
rm -rf "$T/nlconf"
expect_clean "libnl's environment: nothing left"

echo "# --- monitor context: nothing of the caller's scheduling, cgroup or parent ---"
# SCHED_IDLE, nice 19, one CPU, idle I/O and a high oom_score_adj are all
# the caller's to set for itself; a root monitor holding pool.lock must not
# keep them (every other user's login would wait on it).
bg_as nsh1 sh -c "echo 900 >/proc/self/oom_score_adj && exec nice -n 19 taskset -c 0 ionice -c 3 chrt -i 0 '$H' run -- sleep 300"
BGPIDS="$BGPIDS $BG_PID"
wait_for 10 test -S "$STATE/$U1.sock"
M1=$(status_field nsh1 monitor_pid)
expect_eq "monitor context: oom_score_adj back to 0" 0 "$(cat "/proc/$M1/oom_score_adj" 2>/dev/null)"
expect_eq "monitor context: nice 0 and SCHED_OTHER" "0 0" "$(awk '{print $19, $41}' "/proc/$M1/stat" 2>/dev/null)"
expect_eq "monitor context: every CPU" "$(sed -n 's/^Cpus_allowed_list:\t//p' /proc/$$/status)" \
	"$(sed -n 's/^Cpus_allowed_list:\t//p' "/proc/$M1/status" 2>/dev/null)"
expect_match "monitor context: not the idle I/O class" "^none" "$(ionice -p "$M1" 2>&1)"
end_bg
expect_clean "monitor context: nothing left"
as nsh1 "$TOOLS/subreaper" "$H" run -- /bin/true >"$T/out" 2>&1
expect_eq "monitor context: under a user's subreaper the login is refused" 1 "$?"
expect_match "monitor context: ... and says why" "subreaper" "$(cat "$T/out")"
expect_clean "monitor context: nothing left after the subreaper"

echo "# --- locks: a login waits for a held lock only so long, then fails ---"
# held_lock_login DESC LOCK USER WHY SECONDS: with LOCK held by root for
# 40 s (a stopped `run`, a frozen monitor), USER's login fails after the
# helper's deadline of SECONDS, not when the holder lets go, and says WHY.
held_lock_login() {
	local t0 t1 rc holder
	(umask 077; exec flock "$STATE/$2" sleep 40) &
	holder=$!
	wait_for 5 test -e "$STATE/$2"
	t0=$(date +%s)
	run_as "$3" /bin/true >"$T/out" 2>&1
	rc=$? t1=$(date +%s)
	kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
	expect_eq "lock deadline: $1: the login fails" 1 "$rc"
	if [ $((t1 - t0)) -ge "$5" ] && [ $((t1 - t0)) -lt $(($5 + 8)) ]; then
		ok "lock deadline: $1: ... after ${5} s ($((t1 - t0)) s)"
	else
		bad "lock deadline: $1: ... after ${5} s" "$((t1 - t0)) s"
	fi
	expect_match "lock deadline: $1: ... and says why" "$4" "$(cat "$T/out")"
}
held_lock_login "the user's lock held" "$U1.lock" nsh1 "held its session lock" 20
held_lock_login "the address pool locked by a frozen monitor" pool.lock nsh2 "address pool has been locked" 8
rm -f "$STATE/pool.lock" "$STATE/$U1.lock"
run_as nsh1 /bin/true
expect_eq "lock deadline: locks free again: logins work" 0 "$?"
expect_clean "lock deadline: nothing left"

echo "# --- orphaned leases: a monitor killed between lease and record ---"
# Every block of the pool leased by a uid with no record and no login
# going on (its lock is free): what monitors SIGKILLed right after taking
# their lease would leave.
mkdir -p -m 700 "$STATE/leases"
for i in $(seq 0 63); do (umask 077; : >"$STATE/leases/4242424.$i"); done
: >"$LOG"
run_as nsh1 /bin/true >"$T/out" 2>&1
expect_eq "orphaned lease: the pool full of orphans: the login works" 0 "$?"
expect_logged "orphaned lease: the reclaim is logged" "lease of uid 4242424 reclaimed"
expect_eq "orphaned lease: the orphans are gone" "" "$(ls "$STATE/leases" | grep '^4242424\.')"
rm -f "$STATE/leases/4242424."*
expect_clean "orphaned lease: nothing left"

echo "# --- a record of another version of nsession, its monitor alive (an upgrade) ---"
# The monitor named by a record this version cannot parse is asked to end
# its own session (terminate); a login is refused meanwhile, and nothing of
# the running session is touched. A root process stands in for it.
sleep 300 &
OLDMON=$!
OLDSTART=$(awk '{print $22}' "/proc/$OLDMON/stat")
printf 'version=2\nuser=nsh1\nuid=%s\nmonitor_pid=%s\nmonitor_start=%s\n' "$U1" "$OLDMON" "$OLDSTART" \
	>"$STATE/$U1.session"
chmod 600 "$STATE/$U1.session"
run_as nsh1 /bin/true >"$T/out" 2>"$T/err"
refused_here "another version's live session" $? "$T/err" "another version of nsession is still running"
expect_eq "another version's live session: its record stays" yes "$([ -e "$STATE/$U1.session" ] && echo yes)"
expect_eq "another version's live session: its monitor lives" 0 "$(kill -0 "$OLDMON" 2>/dev/null; echo $?)"
"$H" terminate --user nsh1 >"$T/out" 2>&1
expect_eq "another version's live session: terminate asks its monitor to end" 0 "$?"
wait "$OLDMON" 2>/dev/null
expect_eq "... which got SIGTERM" 143 "$?"
run_as nsh1 /bin/true
expect_eq "another version's session gone: the login works" 0 "$?"
expect_clean "another version's session: nothing left"

echo "# --- the host ---"
expect_eq "passwd, shadow, group, config and the denied file unchanged" "$HOSTSUM" "$(hostsum)"
expect_clean "at the end: nothing left"
summary
