# scripts/lib.sh — shared by the demo and the integration tests (sourced).
# private_install DIR: build nsession-helper with every trusted path under
# DIR (config DIR/etc/nsession.conf, state DIR/run/nsession, subordinate ids
# DIR/etc/sub{u,g}id) and install it setuid root as DIR/bin/nsession-helper,
# nsession-monitor (root only) and nsession-keeper next to it, with the PAM
# module (which runs that helper) as DIR/lib/pam_nsession.so
# and the admin tool as DIR/bin/nsessionctl.
# Nothing outside DIR is touched, so a real /etc/nsession.conf or
# /run/nsession on the machine is never read or changed.
# With NSESSION_SAN=1 in the environment, only the helper is built, with
# ASan+UBSan (OPT=-O1, in DIR/build like any private install), and the
# sanitizer options are exported (san_env): for suites that run the helper
# directly; no module (a sanitized one cannot be loaded into sshd, su or
# login). clang, not gcc: gcc 12 links separate libasan and libubsan, and
# then UBSan ignores log_path and reports to stderr only.
private_install() {
	local dir=$1 src san=() what=(nsession-helper nsession-monitor nsession-keeper pam_nsession.so nsessionctl)
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	chmod 755 "$dir"
	mkdir -p "$dir/bin" "$dir/lib" "$dir/etc" "$dir/run" "$dir/home"
	if [ -n "${NSESSION_SAN:-}" ]; then
		san=(CC=clang OPT=-O1 SAN="-fsanitize=address,undefined -fno-sanitize-recover=all")
		what=(nsession-helper nsession-monitor nsession-keeper)
		san_env "$dir"
	fi
	if ! make -s -C "$src" O="$dir/build" SYSCONFDIR="$dir/etc" RUNSTATEDIR="$dir/run" \
		SUBUID_FILE="$dir/etc/subuid" SUBGID_FILE="$dir/etc/subgid" LIBEXECDIR="$dir/bin" \
		"${san[@]}" "${what[@]/#/$dir/build/}" >"$dir/build.log" 2>&1; then
		cat "$dir/build.log" >&2
		echo "build failed" >&2
		return 1
	fi
	install -o root -g root -m 4755 "$dir/build/nsession-helper" "$dir/bin/nsession-helper"
	install -o root -g root -m 0700 "$dir/build/nsession-monitor" "$dir/bin/nsession-monitor"
	install -o root -g root -m 0711 "$dir/build/nsession-keeper" "$dir/bin/nsession-keeper"
	if [ -z "${NSESSION_SAN:-}" ]; then
		install -o root -g root -m 0644 "$dir/build/pam_nsession.so" "$dir/lib/pam_nsession.so"
		install -o root -g root -m 0755 "$dir/build/nsessionctl" "$dir/bin/nsessionctl"
	fi
	: >"$dir/etc/subuid"
	: >"$dir/etc/subgid"
	chmod 644 "$dir/etc/subuid" "$dir/etc/subgid"
}

# fault_install DIR FAULTS: like private_install DIR (same trusted paths),
# a helper and monitor with the kill points of helper/fault.h compiled in
# (FAULT_FILE=FAULTS), built in DIR/fbuild and installed as
# DIR/fbin/nsession-helper (setuid root), which runs DIR/fbin/nsession-monitor
# and that DIR/fbin/nsession-keeper. For tests only (`make install` refuses it).
fault_install() {
	local dir=$1 src
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	mkdir -p "$dir/fbin"
	if ! make -s -C "$src" O="$dir/fbuild" SYSCONFDIR="$dir/etc" RUNSTATEDIR="$dir/run" \
		SUBUID_FILE="$dir/etc/subuid" SUBGID_FILE="$dir/etc/subgid" FAULT_FILE="$2" \
		LIBEXECDIR="$dir/fbin" \
		"$dir/fbuild/nsession-helper" "$dir/fbuild/nsession-monitor" "$dir/fbuild/nsession-keeper" \
		>"$dir/fbuild.log" 2>&1; then
		cat "$dir/fbuild.log" >&2
		return 1
	fi
	install -o root -g root -m 4755 "$dir/fbuild/nsession-helper" "$dir/fbin/nsession-helper"
	install -o root -g root -m 0700 "$dir/fbuild/nsession-monitor" "$dir/fbin/nsession-monitor"
	install -o root -g root -m 0711 "$dir/fbuild/nsession-keeper" "$dir/fbin/nsession-keeper"
}

# san_env DIR: export the options a sanitized helper (NSESSION_SAN=1) reads
# before main (its clearenv() comes later; `as`, `bg_as` and setpriv keep
# the environment): every report goes to a file DIR/san/report.PID, which
# san_reports checks at the end, since most of the helper's stderr is
# captured by the checks or goes nowhere (the detached monitor). No leak
# checks: LeakSanitizer cannot ptrace a non-dumpable setuid process. A
# report ends the process with exit code 86 (not 1 or 2, the helper's own).
# Stacks are symbolized by llvm-symbolizer if there, else by addr2line.
# DIR/san is root's, mode 1733 (anyone may add a file, only root may list):
# some reports come from helper processes that already run as the test user
# (the run's parent after dropping privilege, the keeper). Such runtime
# options are why a sanitized setuid helper belongs only in a test tree.
san_env() {
	local o="log_path=$1/san/report:exitcode=86:abort_on_error=0:halt_on_error=1:allow_addr2line=1"
	install -d -o root -g root -m 1733 "$1/san"
	export ASAN_OPTIONS="$o:detect_leaks=0:detect_stack_use_after_return=1"
	export UBSAN_OPTIONS="$o:print_stacktrace=1"
}

# san_reports DIR: print the sanitizer reports under DIR/san (the first three
# in full, then one summary line each); fails if there is any.
san_reports() {
	local f n=0
	for f in "$1"/san/*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		n=$((n + 1))
		if [ "$n" -le 3 ]; then
			echo "==== sanitizer report $f"
			cat "$f"
		else
			echo "==== $f: $(grep -m1 '^SUMMARY' "$f" || head -n1 "$f")"
		fi
	done
	[ "$n" -eq 0 ] || echo "==== $n sanitizer report(s) in $1/san"
	[ "$n" -eq 0 ]
}

# test_policy DIR POOL PREFIX: the [defaults] every root suite starts from
# (veth links named PREFIX<uid> with addresses from POOL, private /tmp, no
# linger) as DIR/etc/nsession.conf; a suite appends its own sections.
test_policy() {
	cat >"$1/etc/nsession.conf" <<EOF
# test policy
[defaults]
network = veth
address_pool = $2
veth_name = $3%U
hostname = %u-%h
private_tmp = yes
linger = 0
EOF
	chmod 644 "$1/etc/nsession.conf"
}

# as USER CMD...: run CMD with USER's real uid/gid and groups (setpriv execs
# directly, so $! of a background call is CMD itself).
as() {
	local u=$1
	shift
	setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --init-groups -- "$@"
}

# bg_as USER CMD...: like `as`, in the background; sets BG_PID to CMD's own
# pid (a backgrounded shell function would give a subshell's pid instead).
bg_as() {
	local u=$1
	shift
	setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --init-groups -- "$@" &
	BG_PID=$!
}

# remove_user NAME: kill every process of NAME, wait for them to be gone
# (userdel refuses a user with processes), delete the nftables tables a
# session of NAME may have left (nsession_UID: inet, bridge, the legacy ip),
# then delete NAME and its home.
remove_user() {
	local u=$1 n=50 uid f
	uid=$(id -u "$u" 2>/dev/null) || return 0
	while pkill -KILL -u "$u" 2>/dev/null && [ $n -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	if command -v nft >/dev/null; then
		for f in inet bridge ip; do nft delete table "$f" "nsession_$uid" 2>/dev/null; done
	fi
	userdel -r "$u" >/dev/null 2>&1 || userdel -r -f "$u" >/dev/null 2>&1
}

# remove_links PREFIX: delete every interface whose name starts with PREFIX.
remove_links() {
	local l
	for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$1"); do
		ip link del "$l" 2>/dev/null
	done
}

# syslog_sink SINK LOG: collect what is logged to /dev/log into the file LOG,
# with SINK a built tests/hostile/logsink. Without a /dev/log (no syslog
# daemon, as in CI) the sink is bound there (MADE_DEVLOG=1: remove it at
# the end); with one, the caller must already be in a private mount
# namespace (unshare -m --propagation private), where the sink is bound
# over /dev/log, so the real log socket is never touched. Sets SINK_PID.
syslog_sink() {
	local sink=$1 log=$2
	: >"$log"
	if [ -e /dev/log ]; then
		"$sink" "$log.sock" "$log" &
		SINK_PID=$!
		disown
		wait_for 5 test -S "$log.sock" && mount --bind "$log.sock" /dev/log
	else
		"$sink" /dev/log "$log" &
		SINK_PID=$!
		disown
		MADE_DEVLOG=1
		wait_for 5 test -S /dev/log
	fi
	[ -S /dev/log ] || { echo "no syslog sink" >&2; return 1; }
}
