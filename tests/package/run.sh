#!/bin/bash
# The Debian package, on this machine: `make deb`, install it with apt, check
# paths, modes, man pages, the conffile and the pam-auth-update profile (off
# by default), enable the profile and log in through the system's own
# /etc/pam.d (sshd on 127.0.0.1 with its own config and keys, su), check the
# login is isolated and root and group sudo are not, disable, purge, and
# check that nothing is left and /etc/pam.d, /var/lib/pam, the package list,
# the users and the links are as before. Then once more with a session
# still running while the package is purged: the login keeps working, the
# session ends cleanly at logout.
#
# Unlike the other suites this one changes the real /etc/pam.d (through
# pam-auth-update), so it must not run next to another suite (their private
# PAM copies are taken from /etc/pam.d). A copy of /etc/pam.d and /var/lib/pam
# is saved first and put back on exit if anything differs, failed or not. It
# refuses to run where nsession is installed (package or `make install`).
. "$(dirname "$0")/../suite.sh"
. "$SRC/scripts/pamlab.sh"
export DEBIAN_FRONTEND=noninteractive

H=/usr/libexec/nsession/nsession-helper
STATE=/run/nsession
PROFILE=/usr/share/pam-configs/nsession
USERS="nsp1 nspadm"
CLEAN_WAIT=10
BGPIDS=""
UIDS=""

for f in /etc/nsession.conf "$PROFILE" "$STATE" /usr/libexec/nsession; do
	if [ -e "$f" ]; then
		echo "tests/package/run.sh: $f exists: nsession is installed here, not touching it" >&2
		exit 1
	fi
done
if dpkg-query -W -f='${Status}' nsession 2>/dev/null | grep -q ' installed$' ||
	grep -qs pam_nsession /etc/pam.d/*; then
	echo "tests/package/run.sh: nsession is installed or in /etc/pam.d, not touching it" >&2
	exit 1
fi

T=$(mktemp -d /var/tmp/nsp.XXXXXX) # not /tmp: sessions get a private /tmp
chmod 755 "$T"
mkdir -p "$T/home" "$T/save"
cp -a /etc/pam.d "$T/save/pam.d"
cp -a /var/lib/pam "$T/save/varlibpam"

# Processes of the packaged helper only (monitor, keeper), not those of a
# test install elsewhere; the helper may be unlinked (purged) under them.
pkg_procs() {
	local p e
	for p in /proc/[0-9]*; do
		e=$(readlink "$p/exe" 2>/dev/null) || continue
		case $e in "$H" | "$H (deleted)") echo "${p#/proc/} $(cat "$p/comm" 2>/dev/null)" ;; esac
	done
}
our_links() { local u; for u in $UIDS; do ip -o link show "nsv$u" 2>/dev/null | cut -d: -f2; done; }
# (testlib's expect_clean, for the packaged helper's processes and links)
session_gone() { [ -z "$(state_left)" ] && [ -z "$(our_links)" ] && [ -z "$(pkg_procs)" ]; }
expect_gone() {
	if wait_for "$CLEAN_WAIT" session_gone; then ok "$1"; else
		bad "$1" "state: $(state_left | tr '\n' ' ') links: $(our_links | tr '\n' ' ') procs: $(pkg_procs | tr '\n' ' ')"
	fi
}

# restore_dir SAVED LIVE: make LIVE's contents byte-identical to SAVED.
restore_dir() {
	if ! diff -r --no-dereference "$1" "$2" >/dev/null 2>&1 || [ "$(tree_meta "$1")" != "$(tree_meta "$2")" ]; then
		echo "# restoring $2"
		find "$2" -mindepth 1 -delete
		cp -a "$1/." "$2/"
	fi
}
tree_meta() { (cd "$1" && find . -printf '%p %m %u %g %y %l\n' | sort); }
tree_sum() { tree_meta "$1"; (cd "$1" && find . -type f -exec sha256sum {} + | sort -k2); }

# snapshot DIR: the host's state as far as the package may change it.
snapshot() {
	mkdir -p "$1"
	tree_sum /etc/pam.d >"$1/etc-pam.d"
	tree_sum /var/lib/pam >"$1/var-lib-pam"
	tree_sum /usr/share/pam-configs >"$1/pam-configs"
	dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' | grep -v '^un' >"$1/packages"
	{ ls -ld /etc/nsession.conf /run/nsession /usr/libexec/nsession 2>&1 | sed 's/.*: //'; } >"$1/paths"
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$1/links"
	{ cut -d: -f1 /etc/passwd /etc/group; cat /etc/subuid /etc/subgid; } >"$1/users"
	sha256sum /var/lib/apt/extended_states >"$1/apt-states" 2>&1
}
# expect_same_state DESC: everything snapshot records is as before the test.
expect_same_state() {
	local f
	snapshot "$T/after"
	for f in etc-pam.d var-lib-pam pam-configs packages paths links users apt-states; do
		if cmp -s "$T/before/$f" "$T/after/$f"; then ok "$1: $f as before"; else
			bad "$1: $f as before" "$(diff "$T/before/$f" "$T/after/$f" | head -n 12 | tr '\n' '|')"
		fi
	done
}

cleanup() {
	local p u
	for p in $BGPIDS; do kill -KILL "$p" 2>/dev/null; done
	lab_stop_sshd "$T"
	for u in $USERS; do
		[ -x "$H" ] && id "$u" >/dev/null 2>&1 && "$H" terminate --user "$u" >/dev/null 2>&1
	done
	for p in $(pkg_procs | cut -d' ' -f1); do kill -KILL "$p" 2>/dev/null; done
	for u in $USERS; do remove_user "$u"; done
	if dpkg-query -W -f='${Status}' nsession 2>/dev/null | grep -qv '^unknown ok not-installed'; then
		echo "# purging the package"
		dpkg --purge nsession >/dev/null 2>&1
	fi
	for u in $UIDS; do
		ip link del "nsv$u" 2>/dev/null
		for fam in inet bridge ip; do nft delete table "$fam" "nsession_$u" 2>/dev/null; done
	done
	[ -z "$(pkg_procs)" ] && rm -rf "$STATE"
	rm -f /etc/nsession.conf
	restore_dir "$T/save/pam.d" /etc/pam.d
	restore_dir "$T/save/varlibpam" /var/lib/pam
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NS_CMD='o=""; for k in user mnt pid ipc uts net; do o="$o $(readlink /proc/self/ns/$k)"; done; echo ${o# }'
HOST_NS=$(bash -c "$NS_CMD")
NS_RE='^user:\[[0-9]+\] mnt:\[[0-9]+\] pid:\[[0-9]+\] ipc:\[[0-9]+\] uts:\[[0-9]+\] net:\[[0-9]+\]$'
# login USER CMD / su_login USER CMD: CMD's output after a mark (the
# system's pam_motd talks first), stderr in $T/login.err.
login() { lab_ssh "$T" "$1" "echo @@; $2" </dev/null 2>"$T/login.err" | sed '0,/^@@$/d'; }
su_login() { (cd / && su - "$1" -c "echo @@; $2" </dev/null 2>"$T/login.err" | sed '0,/^@@$/d'); }
has_record() { test -e "$STATE/$(id -u "$1").session"; }
bg_login() {
	"$T/ssh/ssh" "$1" sleep 300 </dev/null >/dev/null 2>&1 &
	BGPIDS="$BGPIDS $!"
	LAST_BG=$!
}
# ns_check WHAT NS-LINE KINDS-THAT-DIFFER: each of the six against the host's
ns_check() {
	local desc=$1 line=$2 i h s k
	if ! printf '%s\n' "$line" | grep -Eq "$NS_RE"; then
		bad "$desc: the login ran and read its six namespaces" "[$line] $(tr '\n' ' ' <"$T/login.err")"
		return
	fi
	for i in 1 2 3 4 5 6; do
		h=$(echo "$HOST_NS" | cut -d' ' -f$i) s=$(echo "$line" | cut -d' ' -f$i)
		k=${h%%:*}
		case " $3 " in
		*" $k "*) expect_ne "$desc: $k namespace differs from the host's" "$h" "$s" ;;
		*) expect_eq "$desc: $k namespace is the host's" "$h" "$s" ;;
		esac
	done
}

# ---- build ------------------------------------------------------------------------
echo "# make deb"
git_before=$(cd "$SRC" && git status --porcelain 2>&1)
make_deb "$T"
expect_eq "make deb leaves the work tree as it was" "$git_before" "$(cd "$SRC" && git status --porcelain 2>&1)"
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || cc -print-multiarch)
MOD=/usr/lib/$MA/security/pam_nsession.so

snapshot "$T/before"

# ---- install ------------------------------------------------------------------------
install_pkg() { apt-get install -y -qq --no-install-recommends "$DEB" >"$T/apt.log" 2>&1; }
echo "# install"
if install_pkg; then ok "apt-get installs the package"; else
	bad "apt-get installs the package" "$(tail -n 20 "$T/apt.log" | tr '\n' '|')"
	exit 1
fi
expect_eq "helper: setuid root in /usr/libexec/nsession" "4755 root root" "$(stat -c '%a %U %G' "$H" 2>&1)"
expect_eq "keeper program: 0711 root, not setuid" "711 root root" \
	"$(stat -c '%a %U %G' /usr/libexec/nsession/nsession-keeper 2>&1)"
expect_eq "monitor program: 0700 root, not setuid" "700 root root" \
	"$(stat -c '%a %U %G' /usr/libexec/nsession/nsession-monitor 2>&1)"
expect_match "the package depends on libnftables1 (dlopen'd for nat)" "libnftables1" \
	"$(dpkg-query -W -f='${Depends}' nsession 2>&1)"
expect_eq "module in the multiarch security dir" "644 root root" "$(stat -c '%a %U %G' "$MOD" 2>&1)"
if grep -qa "$H" "$MOD"; then ok "the module runs the packaged helper"; else bad "the module runs the packaged helper"; fi
expect_eq "nsessionctl: root's tool in /usr/sbin, not setuid" "755 root root" \
	"$(stat -c '%a %U %G' /usr/sbin/nsessionctl 2>&1)"
for m in "$SRC"/man/*.[58]; do
	n=$(basename "$m")
	expect_eq "man -w ${n%.*}(${n##*.}) resolves" "/usr/share/man/man${n##*.}/$n.gz" \
		"$(man -w "${n##*.}" "${n%.*}" 2>&1)"
done
expect_eq "/etc/nsession.conf is the example, root's, 0644" "644 root root" "$(stat -c '%a %U %G' /etc/nsession.conf 2>&1)"
if cmp -s /etc/nsession.conf "$SRC/conf/nsession.conf.example"; then ok "... with the example's content"; else bad "... with the example's content"; fi
expect_match "/etc/nsession.conf is a conffile" '^ /etc/nsession.conf [0-9a-f]{32}$' \
	"$(dpkg-query -W -f='${Conffiles}\n' nsession)"
out=$("$H" check-config 2>&1)
expect_eq "the packaged config passes check-config" 0 $?
if cmp -s "$PROFILE" "$SRC/conf/pam-configs/nsession"; then ok "pam-auth-update profile installed"; else bad "pam-auth-update profile installed"; fi
if grep -qs pam_nsession /etc/pam.d/*; then bad "the profile is not enabled by installing"; else ok "the profile is not enabled by installing"; fi
if diff -r "$T/save/pam.d" /etc/pam.d >/dev/null; then ok "/etc/pam.d unchanged by installing"; else bad "/etc/pam.d unchanged by installing"; fi
expect_eq "no state directory until a session is made" "" "$(ls -d "$STATE" 2>/dev/null)"

# ---- enable the profile ----------------------------------------------------------------
echo "# pam-auth-update --enable nsession"
pam-auth-update --enable nsession >"$T/pau.log" 2>&1
expect_eq "pam-auth-update --enable nsession" 0 $?
sess=$(grep -v '^#' /etc/pam.d/common-session | grep . | tail -n 1 | awk '{$1=$1};1')
expect_eq "common-session: the module is the last line, required" "session required pam_nsession.so" "$sess"
prev=$(grep -v '^#' /etc/pam.d/common-session | grep . | tail -n 2 | head -n 1)
expect_match "... after pam_unix/pam_systemd" 'pam_(unix|systemd)\.so' "$prev"
auth=$(grep -v '^#' /etc/pam.d/common-auth | grep . | tail -n 1 | awk '{$1=$1};1')
expect_eq "common-auth: the auth line (for sshd's pam_setcred)" "auth required pam_nsession.so" "$auth"
sess=$(grep -v '^#' /etc/pam.d/common-session-noninteractive | grep . | tail -n 1 | awk '{$1=$1};1')
expect_eq "common-session-noninteractive (cron, atd, sudo, systemd-user): the module is the last line" \
	"session required pam_nsession.so" "$sess"

# ---- logins through the system's stacks -------------------------------------------------
echo "# logins through /etc/pam.d/sshd and /etc/pam.d/su"
lab_sshd "$T" || exit 1
for u in $USERS; do lab_user "$T" "$u" || exit 1; done
usermod -aG sudo nspadm
UIDS="$(id -u nsp1) $(id -u nspadm)"
U1=$(id -u nsp1)
# The real /etc/pam.d: sshd started directly, not through lab_enter.
/usr/sbin/sshd -D -f "$T/ssh/sshd_config" -E "$T/ssh/sshd.log" &
LAB_SSHD_PID=$!
wait_listen "$(cat "$T/ssh/port")" || { echo "sshd did not start:"; cat "$T/ssh/sshd.log"; exit 1; }

out=$(login nsp1 "echo shell-ok; $NS_CMD; ps -e -o comm= | head -n 1; hostname; ip -br -4 addr show eth0 | awk '{print \$3}'")
expect_eq "ssh login of a normal user works" "shell-ok" "$(echo "$out" | sed -n 1p)"
ns_check "ssh" "$(echo "$out" | sed -n 2p)" "user mnt pid ipc uts net"
expect_eq "ssh: PID 1 is the session's keeper" "nsession-keeper" "$(echo "$out" | sed -n 3p)"
expect_eq "ssh: host name from the packaged policy (%u-%h)" "nsp1-$(hostname -s)" "$(echo "$out" | sed -n 4p)"
expect_match "ssh: veth address from the packaged pool" '^10\.250\.[0-9]+\.[0-9]+/30$' "$(echo "$out" | sed -n 5p)"
expect_gone "after the ssh logout the session is gone"

bg_login nsp1
P1=$LAST_BG
if wait_for 10 has_record nsp1; then ok "a held login has its record in $STATE"; else bad "a held login has its record in $STATE"; fi
if ip link show "nsv$U1" >/dev/null 2>&1; then ok "... and its veth nsv$U1 on the host"; else bad "... and its veth nsv$U1 on the host"; fi
expect_match "nsessionctl list shows it, active with one login" "^nsp1 +$U1 +[0-9a-f]{16} +active +1 " \
	"$(/usr/sbin/nsessionctl list 2>&1)"
out=$(su_login nsp1 "$NS_CMD; ps -e -o comm= | head -n 1; id -un")
ns_check "su" "$(echo "$out" | sed -n 1p)" "mnt pid ipc uts net"
expect_eq "su: PID 1 is the keeper" "nsession-keeper" "$(echo "$out" | sed -n 2p)"
expect_eq "su: runs as the user" "nsp1" "$(echo "$out" | sed -n 3p)"
k=$("$H" status --user nsp1 2>/dev/null | sed -n 's/^keeper_pid=//p')
su_pid=$(echo "$out" | sed -n 1p | cut -d' ' -f3)
if [ -n "$k" ] && [ -n "$su_pid" ] && [ "$(readlink "/proc/$k/ns/pid")" = "$su_pid" ]; then
	ok "su joined the ssh login's session (same PID namespace)"
else bad "su joined the ssh login's session (same PID namespace)" "keeper [$k], su [$su_pid]"; fi
kill "$P1" 2>/dev/null
wait "$P1" 2>/dev/null
expect_gone "after the last logout the session is gone"

echo "# exempt: root and group sudo"
out=$(login nspadm "$NS_CMD")
ns_check "ssh, group sudo" "$out" ""
out=$(su_login nspadm "$NS_CMD")
ns_check "su, group sudo" "$out" ""
out=$(su_login root "$NS_CMD")
ns_check "su, root" "$out" ""
pamtester login root open_session close_session >/dev/null 2>&1
expect_eq "pamtester login root: open and close" 0 $?
expect_eq "no session for root or group sudo" "" "$(state_left)"

# ---- disable, purge ---------------------------------------------------------------------
echo "# pam-auth-update --disable nsession, apt-get purge"
pam-auth-update --disable nsession >>"$T/pau.log" 2>&1
expect_eq "pam-auth-update --disable nsession" 0 $?
if diff -r "$T/save/pam.d" /etc/pam.d >/dev/null; then ok "/etc/pam.d is as before after --disable"; else bad "/etc/pam.d is as before after --disable"; fi
FILES=$(dpkg-query -L nsession | while read -r f; do [ -d "$f" ] || echo "$f"; done)
# Any process may call itself nsession-mon: the postrm must not take one of
# a user's for a live session's monitor (issue 14) and keep the state.
setpriv --reuid="$(id -u nsp1)" --regid="$(id -g nsp1)" --init-groups -- \
	sh -c 'printf nsession-mon >/proc/self/comm; while sleep 1; do :; done' &
FAKEMON=$!
wait_for 5 sh -c "[ \"\$(cat /proc/$FAKEMON/comm)\" = nsession-mon ]"
apt-get purge -y -qq nsession >"$T/apt.log" 2>&1
expect_eq "apt-get purge nsession" 0 $?
kill "$FAKEMON" 2>/dev/null
wait "$FAKEMON" 2>/dev/null
expect_eq "a user's process named nsession-mon is not a live session to the postrm" "" \
	"$(grep 'sessions are still running' "$T/apt.log")"
left=$(for f in $FILES /usr/libexec/nsession /usr/share/doc/nsession; do [ -e "$f" ] && echo "$f"; done)
expect_eq "no file of the package is left ($(echo "$FILES" | wc -l) files)" "" "$left"
expect_eq "no /etc/nsession.conf" "" "$(ls /etc/nsession.conf 2>/dev/null)"
expect_eq "no $STATE" "" "$(ls -d "$STATE" 2>/dev/null)"
expect_eq "no session process" "" "$(pkg_procs)"
stop_login_users() {
	lab_stop_sshd "$T"
	rm -rf "$T/ssh"
	for u in $USERS; do remove_user "$u"; done
}
stop_login_users
expect_same_state "purged"

# ---- purged while a session runs ----------------------------------------------------------
echo "# purge while a login is running"
if install_pkg; then ok "installs again"; else bad "installs again" "$(tail -n 20 "$T/apt.log" | tr '\n' '|')"; fi
pam-auth-update --enable nsession >>"$T/pau.log" 2>&1
lab_sshd "$T" && lab_user "$T" nsp1
UIDS="$UIDS $(id -u nsp1)"
U1=$(id -u nsp1)
/usr/sbin/sshd -D -f "$T/ssh/sshd_config" -E "$T/ssh/sshd.log" &
LAB_SSHD_PID=$!
wait_listen "$(cat "$T/ssh/port")"
bg_login nsp1
P1=$LAST_BG
wait_for 10 has_record nsp1
k=$("$H" status --user nsp1 2>/dev/null | sed -n 's/^keeper_pid=//p')
dpkg --purge nsession >"$T/dpkg.log" 2>&1
expect_eq "dpkg --purge with the profile enabled and a login running" 0 $?
if diff -r "$T/save/pam.d" /etc/pam.d >/dev/null; then ok "prerm took the module out of /etc/pam.d"; else bad "prerm took the module out of /etc/pam.d"; fi
if kill -0 "$P1" 2>/dev/null && [ -n "$k" ] && kill -0 "$k" 2>/dev/null; then
	ok "the running login and its session live on"
else bad "the running login and its session live on"; fi
if has_record nsp1; then ok "... and postrm left their $STATE alone"; else bad "... and postrm left their $STATE alone"; fi
expect_match "postrm says why" 'sessions are still running' "$(cat "$T/dpkg.log")"
out=$(login nsp1 "$NS_CMD")
ns_check "a new login after the purge (no module)" "$out" ""
kill "$P1" 2>/dev/null
wait "$P1" 2>/dev/null
expect_gone "at logout the session ends cleanly without the package"
# What is left: /run/nsession (root's, 0700, tmpfs) with nothing in it
# but the empty leases/ directory, which the postrm could not remove while
# the session lived.
expect_eq "only the empty state directory is left" "700 root" "$(stat -c '%a %U' "$STATE" 2>&1)"
expect_eq "... holding only the empty leases/" "leases" "$(ls -A "$STATE" 2>&1; ls -A "$STATE/leases" 2>&1)"
rmdir "$STATE/leases" "$STATE" 2>/dev/null
stop_login_users
expect_same_state "purged during a session"

echo "# make install / make uninstall into a DESTDIR (the same PREFIX): nothing left, an edited policy kept"
D="$T/destdir"
# files_in DIR: the files and links under DIR, relative
files_in() { (cd "$1" 2>/dev/null && find . \( -type f -o -type l \) | sort | tr '\n' ' '); }
make -s -C "$SRC" O="$T/mbuild" install DESTDIR="$D" PREFIX=/usr/local >"$T/mi.out" 2>&1
expect_eq "make install DESTDIR=... PREFIX=/usr/local" 0 "$?"
expect_match "... installs the helper, the module and the policy" \
	"etc/nsession.conf .*security/pam_nsession.so .*libexec/nsession/nsession-helper" "$(files_in "$D")"
make -s -C "$SRC" O="$T/mbuild" uninstall DESTDIR="$D" PREFIX=/usr/local >"$T/mu.out" 2>&1
expect_eq "make uninstall with the same DESTDIR and PREFIX" 0 "$?"
expect_eq "... leaves no file" "" "$(files_in "$D")"
make -s -C "$SRC" O="$T/mbuild" install DESTDIR="$D" PREFIX=/usr/local >"$T/mi.out" 2>&1
echo "# the admin's line" >>"$D/etc/nsession.conf"
mkdir -p "$D/etc/pam.d"
echo "session required pam_nsession.so" >"$D/etc/pam.d/common-session"
make -s -C "$SRC" O="$T/mbuild" uninstall DESTDIR="$D" PREFIX=/usr/local >"$T/mu.out" 2>&1
expect_ne "make uninstall is refused while DESTDIR/etc/pam.d names pam_nsession" 0 "$?"
expect_match "... saying to disable it first" "pam-auth-update --disable nsession" "$(cat "$T/mu.out")"
expect_match "... and removes nothing" "pam_nsession.so" "$(files_in "$D")"
rm "$D/etc/pam.d/common-session"
make -s -C "$SRC" O="$T/mbuild" uninstall DESTDIR="$D" PREFIX=/usr/local >"$T/mu.out" 2>&1
expect_eq "make uninstall once PAM no longer names it" 0 "$?"
expect_eq "... keeps only the edited /etc/nsession.conf" "./etc/nsession.conf " "$(files_in "$D")"

summary
