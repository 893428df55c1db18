#!/bin/bash
# The demo: build nsession, start a private sshd on 127.0.0.1 whose PAM stack
# includes pam_nsession, and log a demo user in through it, with a key. The
# login's shell is shown next to the host: hostname, id, processes, network,
# namespace ids. Then a second login of the same user (same session) and a
# `su -` login, the host side of the session, and logout leaving nothing.
# Everything (build, config, PAM services, sshd config and keys, user,
# interfaces) is removed afterwards. Needs root; installs its own packages.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/demo.sh: run as root" >&2
	exit 1
fi
scripts/deps.sh || exit 1
. scripts/lib.sh
. scripts/pamlab.sh

D=$(mktemp -d /var/tmp/nsdemo.XXXXXX)
H="$D/bin/nsession-helper"
USERNAME=nsdemo
BG=""
cleanup() {
	[ -n "$BG" ] && kill "$BG" 2>/dev/null
	lab_stop_sshd "$D"
	[ -x "$H" ] && "$H" terminate --user "$USERNAME" >/dev/null 2>&1
	remove_links nsd
	remove_user "$USERNAME"
	rm -rf "$D"
}
trap cleanup EXIT

echo "== building a private install of nsession-helper and pam_nsession.so under $D"
private_install "$D" || exit 1
lab_sshd "$D" || exit 1
lab_user "$D" "$USERNAME" || exit 1
echo "$USERNAME:400000:65536" >"$D/etc/subuid"
echo "$USERNAME:400000:65536" >"$D/etc/subgid"
cat >"$D/etc/nsession.conf" <<CONF
[defaults]
network = veth
address_pool = 10.252.0.0/24
veth_name = nsd%U
hostname = %u-%h
private_tmp = yes
CONF
chmod 644 "$D/etc/nsession.conf"
lab_pam "$D"
lab_start_sshd "$D" || { cat "$D/ssh/sshd.log"; exit 1; }
echo "== sshd on 127.0.0.1:$(cat "$D/ssh/port"), PAM service sshd:"
grep -v '^#' "$D/pam.d/sshd" | sed 's/^/    /'

# What we show inside is a script the demo user can read.
cat >"$D/show" <<'SHOW'
#!/bin/sh
echo "hostname:   $(hostname)"
echo "id:         $(id)"
echo "namespaces: $(for k in user mnt pid ipc uts net; do readlink /proc/self/ns/$k; done | tr '\n' ' ')"
echo "processes:  $(ps -e --no-headers | wc -l) visible"
ps -e -o pid,user,comm | head -6 | sed 's/^/    /'
echo "addresses:"
ip -br addr | sed 's/^/    /'
SHOW
chmod 755 "$D/show"
SESSION_FILE="$D/run/nsession/$(id -u $USERNAME).session"
wait_file() { # wait_file present|absent
	for _ in $(seq 50); do
		if [ "$1" = present ]; then [ -e "$SESSION_FILE" ] && return; else [ -e "$SESSION_FILE" ] || return; fi
		sleep 0.1
	done
}

echo
echo "== the host, as root"
"$D/show"
echo
echo "== $USERNAME logs in: ssh $USERNAME@127.0.0.1 (key login, a pty, pam_nsession in sshd's stack)"
printf '%s/show; echo "ping host end:"; ping -c1 -W2 10.252.0.1 | sed -n 2p | sed "s/^/    /"; exit\n' "$D" |
	script -qec "$D/ssh/ssh $USERNAME -tt" /dev/null | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' |
	grep -v -e '/show; echo' -e '^logout'
wait_file absent # the session ends with its only login
echo
echo "== two logins of $USERNAME share one session (a background 'ssh ... sleep', then another login)"
"$D/ssh/ssh" "$USERNAME" sleep 60 </dev/null >/dev/null 2>&1 &
BG=$!
wait_file present
echo "    first login's keeper:  $("$H" status --user "$USERNAME" | sed -n 's/^keeper_pid=//p') (host pid)"
echo "    second login sees:     $("$D/ssh/ssh" "$USERNAME" 'echo pid ns $(readlink /proc/self/ns/pid), $(ps -e --no-headers | wc -l) processes' </dev/null)"
echo "    su - $USERNAME sees:     $(lab_enter "$D" su - "$USERNAME" -c 'echo pid ns $(readlink /proc/self/ns/pid), hostname $(hostname)' </dev/null)"
echo
echo "== the host while the session lives: its veth end and state record"
ip -br addr show "nsd$(id -u $USERNAME)" | sed 's/^/    /'
"$H" status --user "$USERNAME" | sed 's/^/    /'
echo
echo "== the last login ends, then nothing is left"
kill "$BG"
wait "$BG" 2>/dev/null
BG=""
wait_file absent
echo "    state dir: [$(ls -A "$D/run/nsession")]  veth: [$(ip -br link | grep nsd)]"
