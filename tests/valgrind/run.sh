#!/bin/bash
# The helper once under valgrind (memcheck), as root: check-config on good
# and bad files, a session run, status and terminate. It runs the same build
# as the setuid install, not setuid (valgrind cannot run a setuid image with
# its privilege), as root with --user. Every process of a call is checked,
# including the intermediate, nsession-monitor (exec'd by fd: valgrind
# follows it, --trace-children=yes) and the keeper (valgrind follows fork
# and clone), each with its own log; not the command or nsession-keeper
# (--trace-children-skip). Any memcheck error, or a definite leak, fails
# the run.
#
# Valgrind 3.19 (Debian 12) has no pidfd_open or pidfd_send_signal (ENOSYS,
# "unhandled amd64-linux syscall: 434"), and the helper needs them to check
# and hold a session's processes. So under it `run` gets as far as spawning
# the keeper in its new namespaces, then fails and undoes everything: the
# check accepts that one failure, and the valgrinded part is still checked
# (with a valgrind that has them, the run must succeed). status is checked
# on a live session made by the native helper; terminate on that session's
# record once it has ended (pidfd_open fails there as it would for dead
# processes), not on the live one: under 3.19 that would look stale too, and
# the helper would remove its record and veth and leave its processes.
# Joining a live session (run) cannot be checked for the same reason.
#
# Everything it makes (a private install, the user nsvg1, links nsvg*,
# addresses from 10.254.0.0/24) is removed on exit, failed or not.
. "$(dirname "$0")/../suite.sh"
unset NSESSION_SAN # valgrind and ASan do not mix
if ! command -v valgrind >/dev/null; then
	echo "tests/valgrind/run.sh: valgrind is not installed (scripts/deps.sh)" >&2
	exit 1
fi
T=$(mktemp -d /var/tmp/nsvg.XXXXXX) # not /tmp: sessions get a private /tmp
H="$T/bin/nsession-helper"   # the setuid install, run natively
VH="$T/build/nsession-helper" # the same build, what valgrind runs
STATE="$T/run/nsession"
LINK_PREFIX=nsvg
CLEAN_WAIT=10
POOL=10.254.0.0/24
U=nsvg1
USERS=$U # tables_left (testlib.sh)
BGPIDS=""
VGN=0
VGFLAGS=(--error-exitcode=99 --leak-check=full --show-leak-kinds=definite
	--errors-for-leak-kinds=definite --track-fds=no --vgdb=no
	--trace-children=yes --trace-children-skip='/bin/*,/usr/bin/*,/sbin/*,/usr/sbin/*,*/nsession-keeper'
	--track-origins=yes --num-callers=30 --suppressions="$SRC/tests/valgrind/helper.supp")
# What memcheck says when it finds an error; checked as well as the closing
# summary, since a process killed with SIGKILL (the keeper) writes none.
ERR_RE='^==[0-9]+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap|Argument .* of function|Jump to the invalid|Process terminating with default action of signal (4|6|7|8|11))|are definitely lost'

cleanup() {
	for p in $BGPIDS; do kill -KILL "$p" 2>/dev/null; done
	[ -x "$H" ] && id "$U" >/dev/null 2>&1 && "$H" terminate --user "$U" >/dev/null 2>&1
	pkill -KILL -f -- "$T/(bin|build)/nsession-helper" 2>/dev/null
	remove_links "$LINK_PREFIX"
	if uid=$(id -u "$U" 2>/dev/null); then
		for f in inet bridge ip; do nft delete table "$f" "nsession_$uid" 2>/dev/null; done
	fi
	remove_user "$U"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

vg_done() { ! pgrep -f -- "$VH|--log-file=$T/vg/" >/dev/null; }

# vg DESC ARGS...: the helper under valgrind with ARGS; sets VG_RC and VG_OUT
# (stdout and stderr), waits for every process of the call (the detached
# monitor ends after the caller), then checks their logs.
vg() {
	local desc=$1 d f n=0 nosum=0 badlogs=""
	shift
	VGN=$((VGN + 1))
	d="$T/vg/$VGN"
	# 1733: the keeper writes its log as an unmapped id in a new user ns
	install -d -o root -g root -m 1733 "$d"
	VG_OUT=$(TMPDIR="$T/vgtmp" valgrind "${VGFLAGS[@]}" --log-file="$d/%p.log" "$VH" "$@" 2>&1)
	VG_RC=$?
	wait_for 30 vg_done || bad "$desc: valgrinded processes still running"
	for f in "$d"/*.log; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		grep -q 'ERROR SUMMARY:' "$f" || nosum=$((nosum + 1))
		if grep -Eq "ERROR SUMMARY: [1-9]|$ERR_RE" "$f"; then badlogs="$badlogs $f"; fi
	done
	grep -h 'WARNING: unhandled' "$d"/*.log 2>/dev/null | sed 's/^--[0-9]*-- /# valgrind: /' | sort -u
	if [ "$n" -eq 0 ]; then
		bad "valgrind: $desc" "no valgrind log in $d"
	elif [ -z "$badlogs" ]; then
		ok "valgrind: $desc: no errors in $n process(es)$([ "$nosum" -eq 0 ] || echo ", $nosum killed before its summary")"
	else
		bad "valgrind: $desc" "errors in:$badlogs"
		for f in $badlogs; do
			echo "==== $f"
			grep -v -e 'Copyright' -e 'Using Valgrind' -e 'rerun with' "$f"
		done
	fi
}

# ---- set-up ---------------------------------------------------------------
echo "# building a test install under $T; $(valgrind --version)"
private_install "$T" || exit 1
mkdir -p "$T/vg"
install -d -m 1777 "$T/vgtmp"
remove_user "$U"
useradd -m -d "$T/home/$U" -s /bin/sh "$U" || exit 1
UID1=$(id -u "$U")
printf '%s:400000:65536\n' "$U" >"$T/etc/subuid"
printf '%s:400000:65536\n' "$U" >"$T/etc/subgid"
test_policy "$T" "$POOL" nsvg
printf '[defaults]\nnetwork = bogus\n' >"$T/etc/bad-value.conf"
printf '[defaults]\nfrobnicate = 1\n' >"$T/etc/bad-key.conf"
printf '[defaults]\naddress_pool = 10.254.0.0/33\n[user %s\n' "$U" >"$T/etc/bad-syntax.conf"
cp "$T/etc/nsession.conf" "$T/etc/writable.conf"
chmod 644 "$T/etc/"*
chmod 666 "$T/etc/writable.conf"

# ---- check-config and arguments ----------------------------------------------
echo "# check-config"
vg "check-config on a good file" check-config "$T/etc/nsession.conf"
expect_eq "... accepted" 0 "$VG_RC"
for f in bad-value bad-key bad-syntax writable; do
	vg "check-config on $f.conf" check-config "$T/etc/$f.conf"
	expect_eq "... refused" 1 "$VG_RC"
	expect_eq "... with one line" 1 "$(printf '%s\n' "$VG_OUT" | wc -l)"
done
vg "a usage error" run --user
expect_eq "... exit 2" 2 "$VG_RC"
vg "root is exempt" run --user root -- /bin/true
expect_eq "... exit 2" 2 "$VG_RC"

# ---- run: create, join, exit -------------------------------------------------
echo "# run --user $U -- /bin/true"
vg "run --user $U -- /bin/true" run --user "$U" -- /bin/true
if [ "$VG_RC" -eq 0 ]; then
	ok "run: session created, joined, command ran, exit 0"
elif [ "$VG_RC" -eq 1 ] && printf '%s' "$VG_OUT" | grep -q 'pidfd_open: Function not implemented'; then
	echo "# note: this valgrind has no pidfd_open (ENOSYS): the run was checked up to the keeper's"
	echo "#       spawn in new namespaces, and the undo path after it, not the session itself"
	ok "run: fails only where valgrind lacks pidfd_open ($VG_OUT)"
else
	bad "run: exit 0 (or valgrind's missing pidfd_open)" "exit $VG_RC: $VG_OUT"
fi
expect_clean "run: nothing left (no record, lock, veth or process)"

# ---- status and terminate ----------------------------------------------------
echo "# status and terminate (session made by the native helper)"
"$H" run --user "$U" -- sleep 300 &
BGPIDS="$BGPIDS $!"
wait_for 10 test -e "$STATE/$UID1.session" || bad "native session of $U starts"
kp=$(status_field "$U" keeper_pid)
vg "status of a live session" status --user "$U"
expect_eq "... exit 0" 0 "$VG_RC"
expect_eq "... names the keeper" "$kp" "$(printf '%s\n' "$VG_OUT" | sed -n 's/^keeper_pid=//p')"
expect_match "... and the veth" "^veth_host=nsvg$UID1\$" "$VG_OUT"
cp "$STATE/$UID1.session" "$T/saved.record"
"$H" terminate --user "$U"
expect_clean "native terminate"
install -o root -g root -m 600 "$T/saved.record" "$STATE/$UID1.session"
vg "terminate with a stale record" terminate --user "$U"
expect_eq "... exit 0" 0 "$VG_RC"
expect_clean "... record and lock removed"
vg "status without a session" status --user "$U"
expect_eq "... exit 3" 3 "$VG_RC"
vg "terminate without a session" terminate --user "$U"
expect_eq "... exit 3" 3 "$VG_RC"
expect_clean "nothing left at the end"

summary
