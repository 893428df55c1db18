#!/bin/bash
# nsession on a real systemd host: a Debian 12 guest (systemd as PID 1,
# logind, pam_systemd, user@.service, dbus-user-session, cgroup v2 only)
# booted under qemu (TCG), with the package installed and enabled the way an
# administrator would: `apt-get install ./nsession_*.deb` (offline: the
# image has every dependency), `pam-auth-update --enable nsession`, a
# policy in /etc/nsession.conf. Then ssh logins of a test user, nsg1, and
# checks of what systemd around them does to the isolation.
#
# Nothing on this host changes but a temporary directory in /var/tmp and
# the qemu process, both removed on exit, even on failure (and the image
# cache, when NSESSION_GUEST_CACHE asks for one). The guest's only
# network is qemu's user network with restrict=on (guest.sh): it reaches
# nothing; the harness reaches its sshd through 127.0.0.1:PORT.
#
# Environment:
#   NSESSION_GUEST_CACHE=DIR  keep the guest image in DIR and reuse it while
#                             image.sh is unchanged (else it is built in the
#                             temporary directory and removed: ~1-2 min)
#   NSESSION_GUEST_DEB=FILE   install FILE instead of building `make deb`
#                             from the work tree
#   NSESSION_GUEST_CHECKS="check_a check_b"   run only these checks
#   NSESSION_GUEST_KEEP=1     leave the guest running and the temporary
#                             directory in place at the end (prints how to
#                             reach it; stop it with guest_poweroff or kill)
#   GUEST_SMP, GUEST_MEM, GUEST_CPU, GUEST_APPEND: see guest.sh
#
# Each check is a function check_NAME; CHECKS below lists them in order.
#
# shellcheck disable=SC2016 # the guest's shell expands what is quoted here
# shellcheck source=tests/suite.sh
. "$(dirname "$0")/../suite.sh"
set -o pipefail
# shellcheck source=tests/systemd-host/guest.sh
. "$SRC/tests/systemd-host/guest.sh"

U=nsg1
BOOT_TIMEOUT=${NSESSION_GUEST_BOOT_TIMEOUT:-900}
CHECKS=${NSESSION_GUEST_CHECKS:-"check_guest_reaches_nothing check_systemd_pid1 check_cgroup2 check_root_not_isolated
	check_login_isolated check_other_logins check_no_user_manager check_runtime_dir check_own_mounts check_own_network check_systemd_run check_systemd_run_xdg
	check_bus_probes check_no_process_outside check_at check_crontab check_cron_job_joins
	check_loginctl check_scopes report_layout check_two_logins check_terminate_session check_teardown
	check_kill_user_processes check_terminate_user check_systemctl_stop check_limits check_purge"}

T=$(mktemp -d /var/tmp/nsguest.XXXXXX)
chmod 755 "$T"
GUEST_RUN=$T/guest
HELD=""
IMG_PID=""
cleanup() {
	local rc=$?
	[ -z "$HELD" ] || kill "$HELD" 2>/dev/null
	# an image build still running: its whole process group (debootstrap,
	# apt in the chroot); image.sh then removes its own build tree
	if [ -n "$IMG_PID" ]; then
		kill -TERM -- "-$IMG_PID" 2>/dev/null
		wait "$IMG_PID" 2>/dev/null
	fi
	if [ -n "${NSESSION_GUEST_KEEP:-}" ] && guest_alive; then
		echo "# NSESSION_GUEST_KEEP: the guest runs on (qemu pid $GUEST_PID), state in $T"
		echo "#   . $SRC/tests/systemd-host/guest.sh; GUEST_RUN=$GUEST_RUN GUEST_PID=$GUEST_PID GUEST_PORT=$GUEST_PORT"
		echo "#   guest_ssh CMD; guest_as $U CMD; guest_poweroff; rm -rf $T"
		exit $rc
	fi
	guest_kill
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- timings ---------------------------------------------------------------------------------------
TIMINGS=""
PHASE_START=$(date +%s)
# phase_done NAME: record how long the phase that ends now took
phase_done() {
	local now
	now=$(date +%s)
	TIMINGS="$TIMINGS$(printf '#   %-34s %4d s' "$1" $((now - PHASE_START)))
"
	echo "# ($1: $((now - PHASE_START)) s)"
	PHASE_START=$now
}
# gsh CMD: root's command in the guest, no stdin (the loop's input stays ours)
gsh() { guest_ssh "$@" </dev/null; }

# ---- the package --------------------------------------------------------------------------------
if [ -n "${NSESSION_GUEST_DEB:-}" ]; then
	DEB=$(readlink -f "$NSESSION_GUEST_DEB")
	[ -f "$DEB" ] || { echo "NSESSION_GUEST_DEB: no file $NSESSION_GUEST_DEB" >&2; exit 1; }
	echo "# the package: $DEB"
else
	echo "# make deb"
	make_deb "$T"
fi
phase_done "package"

# ---- the image ------------------------------------------------------------------------------------
echo "# guest image${NSESSION_GUEST_CACHE:+ (cache $NSESSION_GUEST_CACHE)}"
# in a process group of its own, for the cleanup to end all of it
setsid "$SRC/tests/systemd-host/image.sh" "$T/image" > >(sed 's/^/  /') 2>&1 &
IMG_PID=$!
wait "$IMG_PID"
rc=$?
IMG_PID=""
if [ $rc -eq 0 ]; then
	ok "image.sh makes a Debian 12 guest image"
else
	bad "image.sh makes a Debian 12 guest image"
	exit 1
fi
phase_done "image"

# ---- boot ------------------------------------------------------------------------------------------
echo "# boot (qemu, TCG, smp ${GUEST_SMP:-2}, ${GUEST_MEM:-2048} MiB)"
if ! guest_boot "$T/image"; then
	bad "qemu starts"
	exit 1
fi
if guest_wait_ssh "$BOOT_TIMEOUT"; then
	ok "the guest boots and root logs in over ssh ($(guest_elapsed) s after qemu started)"
else
	bad "the guest boots and root logs in over ssh" "nothing within $BOOT_TIMEOUT s; console: $GUEST_RUN/console.log"
	exit 1
fi
echo "# $(gsh 'systemd-analyze time 2>&1 | head -n 1')"
gsh 'systemd-analyze blame --no-pager 2>/dev/null | head -n 6' | sed 's/^/#   /'
phase_done "boot until ssh"

# ---- install and enable ---------------------------------------------------------------------------
echo "# install $(basename "$DEB") (offline) and enable it"
# /etc/pam.d as the image has it, file by file (check_purge compares)
PAMD_SUMS='cd /etc/pam.d && find . \( -type f -o -type l \) | sort | xargs sha256sum'
PAMD_BEFORE=$(gsh "$PAMD_SUMS")
guest_scp_to "$DEB" /root/
out=$(gsh "cd /root && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ./$(basename "$DEB")" 2>&1)
expect_eq "apt-get installs the package in the guest, offline" 0 $?
expect_eq "... nothing was downloaded" "" "$(echo "$out" | grep -E '^(Get|Err):[0-9]+ http' | head -n 3)"
gsh 'DEBIAN_FRONTEND=noninteractive pam-auth-update --enable nsession' >/dev/null 2>&1
expect_eq "pam-auth-update --enable nsession" 0 $?
expect_eq "common-session ends with pam_nsession" "session required pam_nsession.so" \
	"$(gsh "grep -v '^#' /etc/pam.d/common-session | grep . | tail -n 1" | awk '{$1=$1};1')"
guest_ssh 'cat >/etc/nsession.conf && chmod 644 /etc/nsession.conf' <<'EOF'
# tests/systemd-host: the default policy, a veth link per session
[defaults]
network = veth
address_pool = 10.250.0.0/16
veth_name = nsv%U
hostname = %u-%h
private_tmp = yes
linger = 0
EOF
out=$(gsh '/usr/libexec/nsession/nsession-helper check-config' 2>&1)
expect_eq "the policy passes check-config" 0 $?
if guest_add_user "$U" >/dev/null 2>&1; then ok "test user $U with an ssh key"; else bad "test user $U with an ssh key"; fi
UID_U=$(gsh "id -u $U")
phase_done "install, enable, user"

# ---- what the checks share ------------------------------------------------------------------------
NS_KINDS="user mnt pid ipc uts net"
NS_CMD='for k in user mnt pid ipc uts net; do readlink /proc/self/ns/$k; done | tr "\n" " "'
# PID 1's namespaces, the host's
HOST_NS=$(gsh 'for k in user mnt pid ipc uts net; do readlink /proc/1/ns/$k; done | tr "\n" " "')
HOST_NET=$(echo "$HOST_NS" | tr ' ' '\n' | grep '^net:')
# ns_of KIND LINE: KIND's entry in a line of NS_CMD
ns_of() { echo "$2" | tr ' ' '\n' | grep "^$1:"; }
# has_record: U's session record is in the guest's /run/nsession
has_record() { [ -n "$(gsh "ls /run/nsession/$UID_U.session 2>/dev/null")" ]; }
# hold_login: a login of U that stays (ssh ... sleep), until release_login
hold_login() {
	[ -z "$HELD" ] || return 0
	guest_as_bg "$U" 'sleep 900'
	HELD=$GUEST_BG_PID
	guest_until 60 has_record || echo "#   (no session record 60 s after the held login started)"
}
release_login() {
	[ -n "$HELD" ] || return 0
	kill "$HELD" 2>/dev/null
	wait "$HELD" 2>/dev/null
	HELD=""
}
# session_left: what is left of U's session in the guest (record, processes, veth, tables)
session_left() {
	gsh "ls /run/nsession/*.session 2>/dev/null; ps -e -o pid=,comm= | grep -E ' nsession-(mon|keeper)\$';
		ip -o link show nsv$UID_U 2>/dev/null | cut -d: -f2; nft list tables | grep ' nsession_$UID_U\$'"
}
session_gone() { [ -z "$(session_left)" ]; }

# ---- checks -------------------------------------------------------------------------------------
# The guest's network reaches nothing (qemu's restrict=on): not even the
# forward on this host's 127.0.0.1 that the harness uses, which 10.0.2.2
# would lead to without it. Nothing leaves qemu either way.
check_guest_reaches_nothing() {
	expect_eq "the guest reaches nothing (10.0.2.2:$GUEST_PORT, this host's 127.0.0.1, is closed to it)" closed \
		"$(gsh "timeout 5 bash -c 'exec 3<>/dev/tcp/10.0.2.2/$GUEST_PORT' 2>/dev/null && echo open || echo closed")"
}
check_systemd_pid1() {
	expect_eq "guest: PID 1 is systemd" "systemd" "$(gsh 'cat /proc/1/comm')"
}
check_cgroup2() {
	expect_eq "guest: cgroup v2 only (/sys/fs/cgroup is cgroup2fs)" "cgroup2fs" "$(gsh 'stat -fc %T /sys/fs/cgroup')"
}
check_root_not_isolated() {
	expect_eq "root's ssh login is not isolated (PID 1's namespaces)" "$HOST_NS" "$(gsh "$NS_CMD")"
}
check_login_isolated() {
	local line k
	line=$(guest_as "$U" "$NS_CMD")
	if [ -z "$line" ]; then
		bad "$U's ssh command login runs" "$(tr '\n' ' ' <"$GUEST_RUN/as.err")"
		return
	fi
	for k in $NS_KINDS; do
		expect_ne "$U's ssh login: $k namespace is not the host's" "$(ns_of "$k" "$HOST_NS")" "$(ns_of "$k" "$line")"
	done
}
# user_manager: the state of U's systemd user manager on the host (the
# route out that systemd-run --user takes when it is there)
user_manager() { gsh "systemctl is-active user@$UID_U.service"; }
# sr_probe ENV: systemd-run --user from inside U's login (with ENV before
# it); sets SR_OUT (the unit's net namespace, cgroup), SR_RC, SR_ERR
sr_probe() {
	local r
	r=$(guest_as "$U" "o=\$($1 systemd-run --user --wait --pipe -q sh -c 'readlink /proc/self/ns/net; cat /proc/self/cgroup' 2>/tmp/sr.err); \
		echo \"rc=\$?\"; echo \"out=\$(echo \$o)\"; echo \"err=\$(tr '\n' ' ' </tmp/sr.err)\"")
	SR_RC=$(echo "$r" | sed -n 's/^rc=//p')
	SR_OUT=$(echo "$r" | sed -n 's/^out=//p')
	SR_ERR=$(echo "$r" | sed -n 's/^err=//p')
}
# expect_no_escape DESC: what sr_probe found must not be the host's net
# namespace: either systemd-run was refused, or it ran somewhere else
expect_no_escape() {
	local net=${SR_OUT%% *}
	echo "#   systemd-run --user: exit ${SR_RC:-?}, ran in [${SR_OUT}]${SR_ERR:+, stderr: $SR_ERR}"
	if [ "$net" = "$HOST_NET" ]; then
		bad "$1" "the unit ran in the host's network namespace $net (cgroup ${SR_OUT#* }): it left the session"
	elif [ -n "$net" ]; then
		ok "$1 (it ran in $net, not the host's $HOST_NET)"
	elif [ -n "$SR_RC" ] && [ "$SR_RC" != 0 ]; then
		ok "$1 (refused: ${SR_ERR:-exit $SR_RC}; user@$UID_U.service: $(user_manager))"
	else
		bad "$1" "the probe did not run: $(tr '\n' ' ' <"$GUEST_RUN/as.err")"
	fi
}
check_systemd_run() {
	hold_login
	sr_probe ""
	expect_no_escape "systemd-run --user from inside does not run in the host's net namespace"
}
check_systemd_run_xdg() {
	hold_login
	sr_probe 'XDG_RUNTIME_DIR=/run/user/$(id -u)'
	expect_no_escape "... nor with XDG_RUNTIME_DIR=/run/user/UID set explicitly"
}
# at and crontab from inside: their jobs would run in the host's namespaces
# (atd, cron); refused while no_new_privs keeps them from their setgid
at_ran() { [ -n "$(gsh "cat ~$U/at.out 2>/dev/null")" ]; }
check_at() {
	local r out
	r=$(guest_as "$U" 'rm -f ~/at.out; echo "readlink /proc/self/ns/net >~/at.out" | at now 2>&1; echo "rc=$?"')
	if ! echo "$r" | grep -q '^rc=0$'; then
		ok "at from inside is refused ($(echo "$r" | grep -v '^rc=' | tr '\n' ' '))"
		return
	fi
	guest_until 90 at_ran
	out=$(gsh "cat ~$U/at.out 2>/dev/null")
	if [ -z "$out" ]; then
		bad "an at job submitted from inside does not run in the host's net namespace" "accepted, but no output within 90 s"
	else
		expect_ne "an at job submitted from inside does not run in the host's net namespace" "$HOST_NET" "$out"
	fi
}
check_crontab() {
	local r
	r=$(guest_as "$U" 'echo "* * * * * readlink /proc/self/ns/net >~/cron.out" | crontab - 2>&1; echo "rc=$?"')
	if echo "$r" | grep -q '^rc=0$'; then
		gsh "crontab -u $U -r" >/dev/null 2>&1
		bad "crontab from inside is refused" "it was accepted: cron would run the job in the host's namespaces"
	else
		ok "crontab from inside is refused ($(echo "$r" | grep -v '^rc=' | tr '\n' ' '))"
	fi
}
check_loginctl() {
	hold_login
	expect_match "loginctl list-sessions (root) shows $U's session" "^ *[0-9]+ +$UID_U +$U " \
		"$(gsh 'loginctl list-sessions --no-legend')"
}
# report_layout: not a check; how systemd sees a held login
report_layout() {
	hold_login
	echo "# layout with one held login of $U:"
	gsh "loginctl list-sessions --no-legend; echo; loginctl user-status $U --no-pager 2>&1 | head -n 20; echo
		for p in \$(pgrep -x nsession-mon) \$(pgrep -x nsession-keeper); do
			echo \"\$p \$(cat /proc/\$p/comm): \$(cat /proc/\$p/cgroup)\"; done; echo
		ls -la /run/user/$UID_U; echo; systemd-cgls --no-pager /user.slice 2>&1 | grep -v 'invocation_id\|delegate'" |
		sed 's/^/#   /'
	echo "#   inside the login: XDG_RUNTIME_DIR=... and /run/user/$UID_U:"
	guest_as "$U" 'echo "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS"; ls -la /run/user/$(id -u); cat /proc/self/cgroup' |
		sed 's/^/#     /'
}
# priv_count: how many sshd monitors of U's logins run in the guest
priv_count() { gsh "pgrep -c -f '^sshd: $U \\[priv\\]'"; }
# session_id: U's session id as nsessionctl lists it (namespace inode
# numbers are reused once a namespace is freed, ids are not)
session_id() { gsh "nsessionctl list 2>/dev/null | awk '\$1 == \"$U\" {print \$3}'"; }
# two_logins DESC: login A (held) makes the session, login B joins it, A
# logs out: B must still be logged in and in the same session (A's sshd,
# its logind session and scope end or close; the session's monitor and
# keeper were started from A's). B is left held (HELD) for the next check.
two_logins() {
	local desc=$1 a b s1 s2 alive=yes
	release_login
	guest_until 30 session_gone
	guest_as_bg "$U" 'sleep 901'
	a=$GUEST_BG_PID
	guest_until 60 has_record
	guest_as_bg "$U" 'sleep 902'
	b=$GUEST_BG_PID
	guest_until 60 eval '[ "$(priv_count)" = 2 ]'
	s1="$(session_id) $(guest_as "$U" 'readlink /proc/self/ns/net')"
	echo "#   two logins of $U: $(gsh "for p in \$(pgrep -x nsession-mon) \$(pgrep -x nsession-keeper); do
		echo \"\$(cat /proc/\$p/comm) in \$(cut -d: -f3 /proc/\$p/cgroup)\"; done" | tr '\n' ' ')"
	if [ "${END_FIRST:-}" = terminate ]; then
		# the first login's logind session: the older of U's two
		gsh "loginctl terminate-session \$(loginctl list-sessions --no-legend | awk '\$3 == \"$U\" {print \$1}' | sort -n | head -n 1)"
	fi
	kill "$a" 2>/dev/null
	wait "$a" 2>/dev/null
	guest_until 30 eval '[ "$(priv_count)" -le 1 ]'
	sleep 3 # logind and systemd act on the first login's scope
	kill -0 "$b" 2>/dev/null || alive=no
	s2="$(session_id) $(guest_as "$U" 'readlink /proc/self/ns/net')"
	echo "#   after the first logout: $(gsh "for s in \$(loginctl list-sessions --no-legend | awk '\$3 == \"$U\" {print \$1}'); do
		echo \"session \$s \$(loginctl show-session \$s -p State -p Scope --value | tr '\n' ' ')\"; done;
		pgrep -x nsession-mon >/dev/null && echo 'nsession-mon runs' || echo 'no nsession-mon'" | tr '\n' ';')"
	if [ "$alive" = yes ] && [ "${s1%% *}" != "" ] && [ "$s1" = "$s2" ]; then
		ok "$desc: the session outlives the logout of the login that made it, the other login stays in it"
	else
		bad "$desc: the session outlives the logout of the login that made it, the other login stays in it" \
			"the other login's ssh: $([ $alive = yes ] && echo 'still connected' || echo 'gone'); session id, net namespace before [$s1], after (a new login) [$s2]"
	fi
	HELD=$b
}
check_two_logins() { two_logins "two logins"; }
# The same with logind's KillUserProcesses=yes (Debian's default is no):
# logind then kills the whole scope of a login that ends.
check_kill_user_processes() {
	release_login
	guest_until 30 session_gone
	gsh 'mkdir -p /etc/systemd/logind.conf.d && printf "[Login]\nKillUserProcesses=yes\n" >/etc/systemd/logind.conf.d/nsguest-kill.conf &&
		systemctl restart systemd-logind'
	two_logins "KillUserProcesses=yes"
	release_login
	if guest_until 30 session_gone; then ok "KillUserProcesses=yes: after the last logout the session is gone"; else
		bad "KillUserProcesses=yes: after the last logout the session is gone" "$(session_left | tr '\n' ' ')"
	fi
	gsh 'rm -f /etc/systemd/logind.conf.d/nsguest-kill.conf && systemctl restart systemd-logind'
}
# ssh with a pty, sftp, su - and login land inside too
check_other_logins() {
	local out
	hold_login
	expect_match "a held login's session has a keeper" '^net:\[[0-9]+\]$' "$(session_net)"
	out=$(guest_ssh_user "$U" "$GUEST_RUN/keys/$U" -tt 'readlink /proc/self/ns/net' </dev/null 2>/dev/null | tr -d '\r' | grep '^net:')
	expect_eq "ssh with a pty: in the session's net namespace" "$(session_net)" "$out"
	out=$(gsh "su - $U -c 'readlink /proc/self/ns/net'" 2>/dev/null | grep '^net:')
	expect_eq "su - $U (root's shell): in the session's net namespace" "$(session_net)" "$out"
	out=$(gsh "printf 'readlink /proc/self/ns/net\nexit\n' | script -qec 'login -f $U' /dev/null" 2>/dev/null | tr -d '\r' | grep '^net:')
	expect_eq "login -f $U on a pty: in the session's net namespace" "$(session_net)" "$out"
	echo "put /etc/hostname /tmp/nsg-sftp-probe" >"$GUEST_RUN/sftp.batch"
	sftp -q -F "$GUEST_RUN/ssh_config" -i "$GUEST_RUN/keys/$U" -b "$GUEST_RUN/sftp.batch" "$U@nsguest" >/dev/null 2>&1
	expect_eq "sftp: a file put into /tmp lands in the session's private /tmp, not the host's" "inside|" \
		"$(guest_as "$U" 'test -e /tmp/nsg-sftp-probe && echo inside')|$(gsh 'test -e /tmp/nsg-sftp-probe && echo host')"
}
# the net namespace of the live session (its keeper's)
session_net() { gsh 'readlink /proc/$(pgrep -x nsession-keeper | head -n 1)/ns/net'; }

# ---- the user's systemd manager, bus, cron (pam_nsession(8), SYSTEMD HOSTS) ----------------------
# No manager for an isolated user: its PAM service systemd-user is refused
check_no_user_manager() {
	hold_login
	expect_ne "$U's systemd user manager does not run (user@$UID_U.service)" active "$(user_manager)"
	expect_match "... refused by pam_nsession in the PAM service systemd-user, logged" \
		"refused: user=$U uid=$UID_U: no systemd user manager" \
		"$(gsh "journalctl -q --no-pager -t nsession-helper | grep 'no systemd user manager' | tail -n 1")"
	expect_eq "root's manager (root is never isolated) runs" active "$(gsh 'systemctl is-active user@0.service')"
}
# Inside, /run/user holds only the user's own empty runtime directory
check_runtime_dir() {
	hold_login
	expect_eq "inside: /run/user holds only $UID_U, and it is empty and the user's (0700)" \
		"$UID_U|$U 700" "$(guest_as "$U" 'ls -A /run/user | tr "\n" "|"; stat -c "%U %a" /run/user/$(id -u); ls -A /run/user/$(id -u) | tr "\n" "|"')"
}
# The session's own mounts on a real host (issue 14): /dev/mqueue of its
# IPC namespace (another superblock than the host's), a sysfs of its own
# that lists only its interfaces, with the host's cgroup2 tree on it
check_own_mounts() {
	hold_login
	expect_ne "inside: /dev/mqueue is the session's, not the host's" \
		"$(gsh 'stat -c %d /dev/mqueue')" "$(guest_as "$U" 'stat -c %d /dev/mqueue')"
	expect_eq "inside: /sys/class/net lists only the session's eth0 and lo" "eth0 lo" \
		"$(guest_as "$U" 'ls /sys/class/net | tr "\n" " " | sed "s/ $//"')"
	expect_eq "inside: /sys/fs/cgroup is cgroup2" cgroup2fs "$(guest_as "$U" 'stat -f -c %T /sys/fs/cgroup')"
	guest_as "$U" 'mount -t tmpfs x /mnt 2>/dev/null || umount /proc 2>/dev/null || hostname x 2>/dev/null || echo refused' >"$T/out" 2>&1
	expect_eq "inside: mount, umount /proc, hostname: all refused" refused "$(cat "$T/out")"
}
# The network on a Debian kernel (issue 15): the session's nftables table,
# no IPv6 but loopback without address_pool6, its own resolv.conf and hosts
check_own_network() {
	hold_login
	expect_eq "host: table inet nsession_$UID_U exists while the session lives" 1 \
		"$(gsh "nft list tables | grep -c ' nsession_$UID_U\$'")"
	expect_eq "inside: no IPv6 address but ::1 (no address_pool6)" "lo ::1/128" \
		"$(guest_as "$U" "ip -6 -o addr show | awk '{print \$2, \$4}' | tr '\n' ' ' | sed 's/ \$//'")"
	expect_eq "inside: /etc/resolv.conf and /etc/hosts are mounts of the session's own, read-only" "ro ro" \
		"$(guest_as "$U" 'for f in /etc/resolv.conf /etc/hosts; do findmnt -n -o OPTIONS --target $f | cut -d, -f1; done | tr "\n" " " | sed "s/ $//"')"
	expect_eq "inside: the session's host name resolves to 127.0.1.1" 127.0.1.1 \
		"$(guest_as "$U" 'getent hosts "$(hostname)" | cut -d" " -f1')"
}
# The user bus and the manager's API from inside: nothing answers
check_bus_probes() {
	local out
	hold_login
	out=$(guest_as "$U" 'busctl --user call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager StartUnit ss default.target replace >/dev/null 2>&1 && echo BUSCTL-OK
		dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.StartServiceByName string:org.freedesktop.systemd1 uint32:0 >/dev/null 2>&1 && echo ACTIVATION-OK
		systemctl --user start default.target >/dev/null 2>&1 && echo SYSTEMCTL-OK
		DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$(id -u)/bus dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.ListNames >/dev/null 2>&1 && echo BUS-OK
		echo done')
	expect_eq "from inside: busctl --user to the manager, D-Bus activation, systemctl --user, the session bus: none answers" \
		"done" "$(echo "$out" | tr '\n' ' ' | sed 's/ $//')"
}
# Every process of U in the guest is in the session's namespaces (the
# keeper's); a manager, a bus activation or a systemd-run unit outside
# would show here
check_no_process_outside() {
	local out
	hold_login
	out=$(gsh "k=\$(pgrep -x nsession-keeper | head -n 1)
		[ -n \"\$k\" ] || { echo no keeper; exit; }
		for p in \$(ps -u $U -o pid=); do for n in net mnt pid; do
			[ \"\$(readlink /proc/\$p/ns/\$n)\" = \"\$(readlink /proc/\$k/ns/\$n)\" ] ||
				{ [ -e /proc/\$p ] && echo \"\$p \$(cat /proc/\$p/comm) \$n\"; }
		done; done 2>/dev/null")
	expect_eq "after the probes, no process of $U runs outside the session's net, mnt and pid namespaces" "" "$out"
}
# A job from the user's crontab (put there by root) runs in the session:
# cron opens it through common-session-noninteractive
cron_ran() { [ -n "$(gsh "cat ~$U/cron.out 2>/dev/null")" ]; }
check_cron_job_joins() {
	local out inside
	hold_login
	inside=$(guest_as "$U" 'readlink /proc/self/ns/net')
	gsh "rm -f ~$U/cron.out; echo '* * * * * readlink /proc/self/ns/net >~/cron.out' | crontab -u $U -"
	guest_until 130 cron_ran
	out=$(gsh "cat ~$U/cron.out 2>/dev/null; crontab -u $U -r")
	expect_eq "a cron job of $U runs in $U's (held) session" "$inside" "$out"
}
# logind and the session's scope: monitor and keeper in nsession-UID-ID.scope,
# each login's leader in its own session-N.scope
check_scopes() {
	local out
	hold_login
	out=$(gsh "for p in \$(pgrep -x nsession-mon) \$(pgrep -x nsession-keeper); do cut -d: -f3 /proc/\$p/cgroup; done | sort -u")
	expect_match "monitor and keeper are in nsession-$UID_U-ID.scope in user-$UID_U.slice" \
		"^/user.slice/user-$UID_U.slice/nsession-$UID_U-[0-9a-f]{16}.scope$" "$out"
	out=$(gsh "for s in \$(loginctl list-sessions --no-legend | awk '\$3 == \"$U\" {print \$1}'); do
		l=\$(loginctl show-session \$s -p Leader --value); echo \"\$s \$(cut -d: -f3 /proc/\$l/cgroup)\"; done")
	expect_match "loginctl: $U's login has its leader in its own session-N.scope" \
		"^([0-9]+) /user.slice/user-$UID_U.slice/session-\\1.scope$" "$out"
	expect_match "systemctl status shows the session's scope" "nsession session [0-9a-f]{16} of uid $UID_U" \
		"$(gsh "systemctl status --no-pager 'nsession-$UID_U-*.scope' 2>&1 | head -n 3")"
}
# terminate-session of the login that made the session: the other stays
# in it (end_first= how two_logins ends login A)
check_terminate_session() {
	END_FIRST=terminate two_logins "loginctl terminate-session"
}
# loginctl terminate-user: every login ends, and with them the session;
# nothing is left (record, monitor, keeper, veth, unit, user process)
everything_gone() {
	session_gone && [ -z "$(gsh "systemctl list-units --all --no-legend 'nsession-*'; ps -u $U -o pid=")" ]
}
check_terminate_user() {
	hold_login
	gsh "loginctl terminate-user $U"
	HELD=""
	if guest_until 30 everything_gone; then ok "loginctl terminate-user ends the session and leaves nothing"; else
		bad "loginctl terminate-user ends the session and leaves nothing" \
			"$(session_left | tr '\n' ' ') $(gsh "systemctl list-units --all --no-legend 'nsession-*'; ps -u $U -o pid=,comm=" | tr '\n' ' ')"
	fi
}
# systemctl stop of the session's scope: the monitor ends the session cleanly
check_systemctl_stop() {
	hold_login
	gsh "systemctl stop 'nsession-$UID_U-*.scope'"
	if guest_until 30 everything_gone; then ok "systemctl stop nsession-$UID_U-ID.scope ends the session and leaves nothing"; else
		bad "systemctl stop nsession-$UID_U-ID.scope ends the session and leaves nothing" "$(session_left | tr '\n' ' ')"
	fi
	release_login
}
# Limits on user-UID.slice, seen by systemctl; a fork bomb stops at pids_max
check_limits() {
	local out
	release_login
	guest_until 30 session_gone
	gsh "cp /etc/nsession.conf /root/nsession.conf.saved && printf 'pids_max = 40\nmemory_max = 256M\ncpu_max = 50%%\ncpu_weight = 200\nio_weight = 300\n' >>/etc/nsession.conf"
	hold_login
	out=$(gsh "systemctl show user-$UID_U.slice -p TasksMax -p MemoryMax -p MemorySwapMax -p CPUQuotaPerSecUSec -p CPUWeight -p IOWeight | sort | tr '\n' ' '")
	expect_eq "the policy's limits are properties of user-$UID_U.slice" \
		"CPUQuotaPerSecUSec=500ms CPUWeight=200 IOWeight=300 MemoryMax=268435456 MemorySwapMax=0 TasksMax=40 " "$out"
	expect_match "systemctl status user-$UID_U.slice shows the task limit" "Tasks: [0-9]+ \\(limit: 40\\)" \
		"$(gsh "systemctl status --no-pager user-$UID_U.slice | grep Tasks:")"
	# dash, which does not retry a failed fork; the count is taken by root
	guest_as "$U" 'sh -c "for i in \$(seq 80); do sleep 20 </dev/null >/dev/null 2>&1 & done 2>/dev/null"' >/dev/null
	out=$(gsh "pgrep -c -x -u $U sleep")
	if [ -n "$out" ] && [ "$out" -gt 1 ] && [ "$out" -lt 40 ]; then ok "a fork bomb inside stops below pids_max ($out sleeps of 80)"; else
		bad "a fork bomb inside stops below pids_max" "sleeps running: [$out]"; fi
	if [ "$(gsh 'echo responsive')" = responsive ]; then ok "... and the guest answers root meanwhile"; else bad "... and the guest answers root meanwhile"; fi
	# a cron job (opened in cron.service) gets a scope of its own in the
	# user's slice; its path is relative to the session's cgroup namespace
	gsh "rm -f ~$U/cron.out; echo '* * * * * cat /proc/self/cgroup >~/cron.out' | crontab -u $U -"
	guest_until 130 cron_ran
	expect_match "... and a cron job of $U runs under them, in a scope of its own in user-$UID_U.slice" \
		"^0::/\.\./nsession-$UID_U-[0-9a-f]{16}-[0-9]+\.scope$" "$(gsh "cat ~$U/cron.out; crontab -u $U -r")"
	release_login
	guest_until 60 session_gone
	gsh "mv /root/nsession.conf.saved /etc/nsession.conf"
}
# apt-get purge: /etc/pam.d as before the install, logins unisolated
check_purge() {
	release_login
	guest_until 30 session_gone
	gsh 'DEBIAN_FRONTEND=noninteractive apt-get purge -y nsession' >/dev/null 2>&1
	expect_eq "apt-get purge nsession" 0 $?
	expect_eq "after the purge /etc/pam.d is byte for byte as before the install" "$PAMD_BEFORE" "$(gsh "$PAMD_SUMS")"
	expect_eq "... and $U's ssh login runs in the host's net namespace" "$HOST_NET" "$(guest_as "$U" 'readlink /proc/self/ns/net')"
}

check_teardown() {
	release_login
	if guest_until 30 session_gone; then
		ok "after the last logout the session is gone (no record, process or veth)"
	else
		bad "after the last logout the session is gone (no record, process or veth)" "$(session_left | tr '\n' ' ')"
	fi
	echo "#   loginctl after the logout: $(gsh 'loginctl list-sessions --no-legend' | tr '\n' '|')"
}

echo "# checks"
for c in $CHECKS; do "$c"; done
release_login
phase_done "checks"

# ---- power off ---------------------------------------------------------------------------------
if [ -z "${NSESSION_GUEST_KEEP:-}" ]; then
	if guest_poweroff 120; then ok "the guest powers off cleanly"; else bad "the guest powers off cleanly"; fi
	phase_done "poweroff"
fi
echo "# timings:"
printf '%s' "$TIMINGS"
summary
