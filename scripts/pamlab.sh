# scripts/pamlab.sh — a private PAM and sshd set-up for the end-to-end tests
# and the demo (sourced after scripts/lib.sh; DIR comes from private_install).
#
# The machine's /etc/pam.d and /etc/ssh are never changed. DIR/pam.d is a
# copy of /etc/pam.d in which sshd, su, su-l, login and two test services
# list DIR/lib/pam_nsession.so; `lab_enter DIR CMD` runs CMD in a private
# mount namespace where that copy is bind-mounted over /etc/pam.d, which is
# how sshd, su, login and pamtester get to use it. sshd gets its own config,
# host key and client key under DIR/ssh and listens on 127.0.0.1 only.

# lab_pam DIR [MODULE-ARGS]: write DIR/pam.d.
lab_pam() {
	local dir=$1 args=${2:-} mod="$1/lib/pam_nsession.so" d="$1/pam.d"
	rm -rf "$d"
	cp -a /etc/pam.d "$d"
	# The auth line is there for pam_setcred: sshd's session child joins
	# the user namespace from it (pam_nsession(8)). It comes first, so no
	# "sufficient" module above it can skip it.
	cat >"$d/sshd" <<-EOF
		# sshd with nsession (test/demo copy)
		auth     required   $mod $args
		@include common-auth
		account  required   pam_nologin.so
		@include common-account
		@include common-session
		session  required   $mod $args
	EOF
	cat >"$d/su" <<-EOF
		# su with nsession (test/demo copy)
		auth     required   $mod $args
		auth     sufficient pam_rootok.so
		@include common-auth
		@include common-account
		@include common-session
		session  required   $mod $args
	EOF
	cp "$d/su" "$d/su-l"
	cat >"$d/login" <<-EOF
		# login with nsession (test/demo copy)
		auth     required   $mod $args
		@include common-auth
		@include common-account
		@include common-session
		session  required   $mod $args
	EOF
	# For pamtester: a session stack with nothing else that could decide.
	cat >"$d/nsession-test" <<-EOF
		auth     required   $mod $args
		auth     required   pam_permit.so
		account  required   pam_permit.so
		session  required   pam_permit.so
		session  required   $mod $args
	EOF
	sed "s|$mod $args|$mod $args onerr=succeed|" "$d/nsession-test" >"$d/nsession-test-open"
	# The service systemd runs for a user's manager (user@UID.service):
	# the module refuses it for isolated users, onerr=succeed or not.
	cp "$d/nsession-test-open" "$d/systemd-user"
	chmod 644 "$d"/*
}

# lab_enter DIR CMD...: CMD in a private mount namespace with DIR/pam.d
# as /etc/pam.d.
# (LAB_ENTER is the command line, for callers that need $! of it.)
LAB_ENTER=(unshare -m --propagation private -- sh -c 'mount --bind "$0" /etc/pam.d && exec "$@"')
lab_enter() {
	local dir=$1
	shift
	"${LAB_ENTER[@]}" "$dir/pam.d" "$@"
}

# lab_sshd DIR: keys and config for an sshd on a free port of 127.0.0.1.
lab_sshd() {
	local dir=$1 s="$1/ssh" port
	mkdir -p "$s/auth"
	chmod 755 "$s" "$s/auth"
	ssh-keygen -q -t ed25519 -N '' -C nsession-test-host -f "$s/hostkey" || return 1
	ssh-keygen -q -t ed25519 -N '' -C nsession-test-user -f "$s/userkey" || return 1
	port=$((20000 + RANDOM % 20000))
	while ss -ltnH 2>/dev/null | awk '{print $4}' | grep -q ":$port\$"; do
		port=$((port + 1))
	done
	echo "$port" >"$s/port"
	cat >"$s/ssh" <<-EOF
		#!/bin/sh
		# ssh USER [-OPTION...] [COMMAND...] to the nsession lab sshd
		u=\$1
		shift
		exec ssh -i $s/userkey -p $port -o BatchMode=yes -o StrictHostKeyChecking=no \\
			-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20 \\
			-l "\$u" 127.0.0.1 "\$@"
	EOF
	chmod 755 "$s/ssh"
	cat >"$s/sshd_config" <<-EOF
		ListenAddress 127.0.0.1
		Port $port
		HostKey $s/hostkey
		PidFile $s/sshd.pid
		UsePAM yes
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		AuthorizedKeysFile $s/auth/%u
		StrictModes no
		PrintMotd no
		PrintLastLog no
		X11Forwarding no
		AcceptEnv LANG
		Subsystem sftp /usr/lib/openssh/sftp-server
		MaxStartups 200
		MaxSessions 50
		LogLevel VERBOSE
	EOF
	# sshd needs its privilege separation directory.
	if [ ! -d /run/sshd ]; then
		mkdir -m 755 /run/sshd && : >"$s/made_run_sshd"
	fi
}

# lab_start_sshd DIR: start it in DIR/pam.d's namespace, in the foreground
# (-D) as our own background child, so stopping it also reaps it (this
# machine's init may not reap a daemonised sshd).
lab_start_sshd() {
	local s="$1/ssh"
	# Not through the lab_enter function: a backgrounded function is a
	# subshell, and $! would be its pid. unshare and sh exec, so $! is sshd.
	"${LAB_ENTER[@]}" "$1/pam.d" /usr/sbin/sshd -D -f "$s/sshd_config" -E "$s/sshd.log" &
	LAB_SSHD_PID=$!
	wait_listen "$(cat "$s/port")"
}

wait_listen() {
	local n=50
	while [ $n -gt 0 ]; do
		ss -ltnH 2>/dev/null | awk '{print $4}' | grep -q "^127.0.0.1:$1\$" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# lab_stop_sshd DIR: stop the listener (sessions' own sshd processes end
# with their connections) and remove /run/sshd if we made it.
lab_stop_sshd() {
	local s="$1/ssh"
	if [ -n "${LAB_SSHD_PID:-}" ]; then
		kill "$LAB_SSHD_PID" 2>/dev/null
		wait "$LAB_SSHD_PID" 2>/dev/null
		LAB_SSHD_PID=""
	fi
	[ -e "$s/made_run_sshd" ] && rmdir /run/sshd 2>/dev/null
	rm -f "$s/made_run_sshd"
}

# lab_user DIR NAME: a user with home under DIR, no password (key only),
# allowed to log in with DIR/ssh/userkey.
lab_user() {
	local dir=$1 u=$2
	remove_user "$u"
	useradd -m -d "$dir/home/$u" -s /bin/bash "$u" || return 1
	usermod -p '*' "$u"
	install -m 644 "$dir/ssh/userkey.pub" "$dir/ssh/auth/$u"
}

# lab_ssh DIR USER [-OPTION...] [COMMAND...]: a key login to the lab sshd
# (through DIR/ssh/ssh, a wrapper that `script` can run too).
lab_ssh() {
	local dir=$1
	shift
	"$dir/ssh/ssh" "$@"
}

# lab_sftp DIR USER: sftp batch from stdin.
lab_sftp() {
	sftp -q -b - -i "$1/ssh/userkey" -P "$(cat "$1/ssh/port")" -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		"$2@127.0.0.1"
}
