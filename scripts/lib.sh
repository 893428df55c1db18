# scripts/lib.sh — shared by the demo and the integration tests (sourced).
# private_install DIR: build nsession-helper with every trusted path under
# DIR (config DIR/etc/nsession.conf, state DIR/run/nsession, subordinate ids
# DIR/etc/sub{u,g}id) and install it setuid root as DIR/bin/nsession-helper,
# with the PAM module (which runs that helper) as DIR/lib/pam_nsession.so.
# Nothing outside DIR is touched, so a real /etc/nsession.conf or
# /run/nsession on the machine is never read or changed.
private_install() {
	local dir=$1 src
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	chmod 755 "$dir"
	mkdir -p "$dir/bin" "$dir/lib" "$dir/etc" "$dir/run" "$dir/home"
	if ! make -s -C "$src" O="$dir/build" SYSCONFDIR="$dir/etc" RUNSTATEDIR="$dir/run" \
		SUBUID_FILE="$dir/etc/subuid" SUBGID_FILE="$dir/etc/subgid" LIBEXECDIR="$dir/bin" \
		"$dir/build/nsession-helper" "$dir/build/pam_nsession.so" >"$dir/build.log" 2>&1; then
		cat "$dir/build.log" >&2
		echo "build failed" >&2
		return 1
	fi
	install -o root -g root -m 4755 "$dir/build/nsession-helper" "$dir/bin/nsession-helper"
	install -o root -g root -m 0644 "$dir/build/pam_nsession.so" "$dir/lib/pam_nsession.so"
	: >"$dir/etc/subuid"
	: >"$dir/etc/subgid"
	chmod 644 "$dir/etc/subuid" "$dir/etc/subgid"
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
# (userdel refuses a user with processes), then delete NAME and its home.
remove_user() {
	local u=$1 n=50
	id "$u" >/dev/null 2>&1 || return 0
	while pkill -KILL -u "$u" 2>/dev/null && [ $n -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	userdel -r "$u" >/dev/null 2>&1 || userdel -r -f "$u" >/dev/null 2>&1
}

# remove_links PREFIX: delete every interface whose name starts with PREFIX.
remove_links() {
	local l
	for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^$1"); do
		ip link del "$l" 2>/dev/null
	done
}
