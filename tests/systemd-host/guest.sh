# shellcheck shell=bash
# tests/systemd-host/guest.sh — boot and drive the Debian 12 guest that
# image.sh builds (sourced by tests/systemd-host/run.sh, or by hand:
#     . tests/systemd-host/guest.sh
#     guest_boot /var/tmp/img && guest_wait_ssh 900 && guest_ssh 'systemctl --failed'
#     guest_poweroff).
#
# The guest runs under qemu-system-x86_64 with TCG only (this host's
# /dev/kvm cannot run it), direct kernel boot, its disk a qcow2 overlay
# over the image (the image itself, possibly the cached one, is never
# written), and one NIC on qemu's user network with restrict=on: the guest
# reaches nothing, not this host, not the outside; the only way in is the
# forward of 127.0.0.1:PORT on this host to the guest's port 22.
#
# State of a boot, in GUEST_RUN (default: DIR/guest for guest_boot DIR):
# the overlay, qemu's pid file, the serial console log console.log, the
# forwarded port, root's key made for this boot (id_root, passed to the
# guest on its kernel command line, see image.sh), the known_hosts file,
# the ssh client config, and the keys of users made by guest_add_user
# (keys/USER).
#
# Tunables: GUEST_SMP (2), GUEST_MEM (2048 MiB), GUEST_CPU (max),
# GUEST_APPEND (more kernel arguments).

GUEST_RUN=${GUEST_RUN:-}
GUEST_PID=""
GUEST_PORT=""
GUEST_BOOT_START=""

# guest_free_port: print a TCP port that nothing listens on at 127.0.0.1
guest_free_port() {
	local p _
	for _ in $(seq 1 50); do
		p=$((20000 + RANDOM % 40000))
		if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# guest_alive: qemu of this boot still runs
guest_alive() {
	[ -n "$GUEST_PID" ] && [ -d "/proc/$GUEST_PID" ] &&
		[ "$(readlink "/proc/$GUEST_PID/exe" 2>/dev/null)" = "$(command -v qemu-system-x86_64)" ]
}

# guest_boot DIR: start the guest from DIR/image.raw, DIR/vmlinuz and
# DIR/initrd.img (image.sh's OUTDIR) in the background; returns once qemu
# runs (not once the guest is up: guest_wait_ssh). Sets GUEST_PID and
# GUEST_PORT.
guest_boot() {
	local dir img pub key _ err
	dir=$(cd "$1" && pwd)
	img=$(readlink -f "$dir/image.raw")
	[ -n "$GUEST_RUN" ] || GUEST_RUN=$dir/guest
	mkdir -p "$GUEST_RUN/keys"
	chmod 700 "$GUEST_RUN"
	rm -f "$GUEST_RUN/overlay.qcow2" "$GUEST_RUN/known_hosts" "$GUEST_RUN/console.log"
	qemu-img create -q -f qcow2 -F raw -b "$img" "$GUEST_RUN/overlay.qcow2" || return 1
	[ -f "$GUEST_RUN/id_root" ] ||
		ssh-keygen -q -t ed25519 -N '' -C nsguest-root -f "$GUEST_RUN/id_root" || return 1
	pub=$(cat "$GUEST_RUN/id_root.pub")
	key=$(echo "$pub" | awk '{print $1 "," $2}')
	for _ in 1 2 3; do
		GUEST_PORT=$(guest_free_port) || return 1
		rm -f "$GUEST_RUN/qemu.pid"
		GUEST_BOOT_START=$(date +%s.%N)
		# shellcheck disable=SC2086 # GUEST_APPEND: several words
		if err=$(qemu-system-x86_64 \
			-name nsguest -nodefaults -no-user-config -display none -vga none \
			-machine pc -accel tcg,thread=multi -cpu "${GUEST_CPU:-max}" \
			-smp "${GUEST_SMP:-2}" -m "${GUEST_MEM:-2048}" \
			-kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
			-append "root=/dev/vda rw console=ttyS0,115200 panic=-1 quiet systemd.show_status=1 nsguest.key=$key ${GUEST_APPEND:-}" \
			-drive "file=$GUEST_RUN/overlay.qcow2,format=qcow2,if=virtio,cache=unsafe" \
			-device virtio-rng-pci \
			-nic "user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:$GUEST_PORT-:22" \
			-serial "file:$GUEST_RUN/console.log" \
			-no-reboot -daemonize -pidfile "$GUEST_RUN/qemu.pid" 2>&1); then
			GUEST_PID=$(cat "$GUEST_RUN/qemu.pid")
			echo "$GUEST_PORT" >"$GUEST_RUN/port"
			guest_ssh_config
			return 0
		fi
		case $err in *"host forwarding"* | *"Could not set up"*) continue ;; esac
		break
	done
	echo "guest_boot: qemu failed: $err" >&2
	return 1
}

# the ssh client config of this boot
guest_ssh_config() {
	cat >"$GUEST_RUN/ssh_config" <<EOF
Host nsguest
	HostName 127.0.0.1
	Port $GUEST_PORT
	BatchMode yes
	StrictHostKeyChecking no
	UserKnownHostsFile $GUEST_RUN/known_hosts
	GlobalKnownHostsFile /dev/null
	IdentitiesOnly yes
	ConnectTimeout 20
	ServerAliveInterval 15
	ServerAliveCountMax 8
	LogLevel ERROR
EOF
}

# guest_elapsed: seconds since guest_boot started qemu
guest_elapsed() { echo "$(date +%s.%N) $GUEST_BOOT_START" | awk '{printf "%.1f", $1 - $2}'; }

# guest_wait_ssh TIMEOUT: wait until root can run a command over ssh;
# fails at once if qemu has exited (the console log's end is printed)
guest_wait_ssh() {
	local end=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$end" ]; do
		if ! guest_alive; then
			echo "guest_wait_ssh: qemu is gone; the end of the console:" >&2
			tail -n 30 "$GUEST_RUN/console.log" >&2 2>/dev/null
			return 1
		fi
		# a short timeout: before the guest has its address, qemu accepts
		# the connection and the banner never comes
		guest_ssh -o ConnectTimeout=5 true </dev/null >/dev/null 2>&1 && return 0
		sleep 1
	done
	echo "guest_wait_ssh: no ssh after $1 s; the end of the console:" >&2
	tail -n 30 "$GUEST_RUN/console.log" >&2 2>/dev/null
	return 1
}

# guest_ssh CMD...: CMD as root in the guest (ssh joins the arguments, the
# guest's shell runs them)
guest_ssh() { ssh -F "$GUEST_RUN/ssh_config" -i "$GUEST_RUN/id_root" -l root nsguest "$@"; }

# guest_ssh_user USER KEYFILE CMD...: CMD as USER, logged in with KEYFILE:
# a real login through the guest's sshd and PAM stack
guest_ssh_user() {
	local u=$1 k=$2
	shift 2
	ssh -F "$GUEST_RUN/ssh_config" -i "$k" -l "$u" nsguest "$@"
}

# guest_as USER CMD...: CMD as USER (made by guest_add_user) over ssh.
# Its output comes after a mark, so what PAM modules (pam_motd) print at
# login is not part of it; stderr goes to $GUEST_RUN/as.err.
guest_as() {
	local u=$1
	shift
	guest_ssh_user "$u" "$GUEST_RUN/keys/$u" "echo @@nsguest@@; $*" </dev/null 2>"$GUEST_RUN/as.err" |
		sed '0,/^@@nsguest@@$/d'
}

# guest_as_bg USER CMD...: like guest_as, in the background (a held login);
# sets GUEST_BG_PID to the local ssh client's own pid (kill it to log out)
guest_as_bg() {
	local u=$1
	shift
	ssh -F "$GUEST_RUN/ssh_config" -i "$GUEST_RUN/keys/$u" -l "$u" nsguest "$*" </dev/null >>"$GUEST_RUN/bg.out" 2>&1 &
	# shellcheck disable=SC2034 # for the caller
	GUEST_BG_PID=$!
}

# guest_add_user USER: a user with a home, a shell and an ssh key of its own
# (the private half in $GUEST_RUN/keys/USER)
guest_add_user() {
	local u=$1 k=$GUEST_RUN/keys/$1
	[ -f "$k" ] || ssh-keygen -q -t ed25519 -N '' -C "nsguest-$u" -f "$k" || return 1
	guest_ssh "id $u >/dev/null 2>&1 || useradd -m -s /bin/bash $u; " \
		"install -d -m 700 -o $u -g $u ~$u/.ssh && " \
		"echo '$(cat "$k.pub")' >~$u/.ssh/authorized_keys && " \
		"chown $u:$u ~$u/.ssh/authorized_keys && chmod 600 ~$u/.ssh/authorized_keys" </dev/null
}

# guest_scp_to SRC... DEST: copy files into the guest (DEST as root's)
guest_scp_to() {
	local n=$# dest
	dest=${!n}
	scp -q -F "$GUEST_RUN/ssh_config" -i "$GUEST_RUN/id_root" "${@:1:$((n - 1))}" "root@nsguest:$dest"
}

# guest_kill: stop qemu now (no shutdown)
guest_kill() {
	local n=50
	guest_alive || return 0
	kill -TERM "$GUEST_PID" 2>/dev/null
	while guest_alive && [ $n -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	guest_alive && kill -KILL "$GUEST_PID" 2>/dev/null
	return 0
}

# guest_poweroff [TIMEOUT]: `systemctl poweroff` in the guest, wait up to
# TIMEOUT s (60) for qemu to exit, then kill it. Fails if it had to kill.
guest_poweroff() {
	local end=$(($(date +%s) + ${1:-60}))
	guest_alive || return 0
	guest_ssh 'systemctl poweroff' </dev/null >/dev/null 2>&1
	while guest_alive && [ "$(date +%s)" -lt "$end" ]; do sleep 0.5; done
	guest_alive || return 0
	echo "guest_poweroff: no poweroff within ${1:-60} s, killing qemu" >&2
	guest_kill
	return 1
}

# guest_until SECONDS CMD...: run CMD until it succeeds, for at most
# SECONDS of wall time (a CMD that talks to the guest is slow under TCG)
guest_until() {
	local end=$(($(date +%s) + $1))
	shift
	while :; do
		"$@" && return 0
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 1
	done
}
