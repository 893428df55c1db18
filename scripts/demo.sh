#!/bin/bash
# The demo: build nsession, create a demo user, and show one of their
# commands running in an isolated session next to the host: hostname, id,
# processes, network, namespace ids. Everything is removed afterwards.
# Needs root; installs its own Debian packages.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/demo.sh: run as root (sudo scripts/demo.sh)" >&2
	exit 1
fi
scripts/deps.sh || exit 1
. scripts/lib.sh

D=$(mktemp -d /var/tmp/nsdemo.XXXXXX)
H="$D/bin/nsession-helper"
USERNAME=nsdemo
cleanup() {
	[ -x "$H" ] && "$H" terminate --user "$USERNAME" >/dev/null 2>&1
	remove_links nsd
	remove_user "$USERNAME"
	rm -rf "$D"
}
trap cleanup EXIT

echo "== building and installing a private copy of nsession-helper under $D"
private_install "$D" || exit 1
remove_user "$USERNAME"
useradd -m -d "$D/home/$USERNAME" -s /bin/bash "$USERNAME" || exit 1
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

# The helper passes no environment into the session, so what we want to
# show inside is a script the demo user can read.
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
echo "== $USERNAME's session (nsession-helper run, as $USERNAME)"
as "$USERNAME" "$H" run -- sh -c "$D/show; echo 'ping host end:'; ping -c1 -W2 10.252.0.1 | sed -n 2p | sed 's/^/    /'"
echo
echo "== the host while the session lives: its veth end and state"
wait_file absent # the first session ends when its command does
bg_as "$USERNAME" "$H" run -- sleep 30
wait_file present
ip -br addr show "nsd$(id -u $USERNAME)" | sed 's/^/    /'
"$H" status --user "$USERNAME" | sed 's/^/    /'
echo
echo "== terminate, then nothing is left"
"$H" terminate --user "$USERNAME"
wait
wait_file absent
echo "    state dir: [$(ls -A "$D/run/nsession")]  veth: [$(ip -br link | grep nsd)]"
