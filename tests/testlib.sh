# tests/testlib.sh — check helpers shared by the root test suites (sourced).
# Each suite counts PASS/FAIL and ends with `summary`.
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok   - $1"; }
bad() {
	FAIL=$((FAIL + 1))
	echo "FAIL - $1"
	[ -n "${2:-}" ] && printf '       %s\n' "$2"
	return 0
}
# expect_eq DESC EXPECTED ACTUAL
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "expected [$2] got [$3]"; fi; }
expect_ne() { if [ "$2" != "$3" ]; then ok "$1"; else bad "$1" "both [$2]"; fi; }
# expect_match DESC REGEX ACTUAL (grep -E)
expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else bad "$1" "no [$2] in [$3]"; fi
}
# wait_for SECONDS CMD...: poll until CMD succeeds
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# make_deb DIR: `make deb` of the work tree into DIR/build, checked; sets
# DEB to the package's path, or ends the suite (exit 1) if it fails
make_deb() {
	local start
	start=$(date +%s)
	if make -s -C "$SRC" deb O="$1/build" >"$1/make-deb.log" 2>&1; then
		ok "make deb builds the package ($(($(date +%s) - start)) s)"
	else
		bad "make deb builds the package" "$(tail -n 20 "$1/make-deb.log" | tr '\n' '|')"
		exit 1
	fi
	DEB=$(ls "$1"/build/deb/nsession_*.deb)
}
summary() {
	echo
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

# ---- sessions: the suite sets H (the helper), STATE (its state directory),
# LINK_PREFIX (its veth names) and CLEAN_WAIT (seconds) ----------------------
# run_as USER CMD...: CMD in USER's session (scripts/lib.sh's `as`)
run_as() { local u=$1; shift; as "$u" "$H" run -- "$@"; }
# bg_session USER: a session held open by a sleeping login; its pid is added
# to BGPIDS (the suite's cleanup kills them) and set as LAST_BG
bg_session() {
	# an earlier session of USER may still be ending: wait for it first
	wait_for 5 test ! -e "$STATE/$(id -u "$1").session"
	bg_as "$1" "$H" run -- sleep 300
	BGPIDS="$BGPIDS $BG_PID"
	LAST_BG=$BG_PID
	wait_for 10 test -e "$STATE/$(id -u "$1").session"
}
status_field() { "$H" status --user "$1" 2>/dev/null | sed -n "s/^$2=//p"; }
session_procs() { ps -e -o pid=,comm= | awk '$2 == "nsession-mon" || $2 == "nsession-keeper"'; }
# state_left: what the state directory holds, but the leases/ directory
# itself, which stays (empty) once made (helper/state_write.c)
state_left() {
	ls -A "$STATE" 2>/dev/null | grep -vx leases
	ls -A "$STATE/leases" 2>/dev/null | sed 's|^|leases/|'
}
# tables_left: nftables tables of nsession for the suite's $USERS
tables_left() {
	local u uid
	command -v nft >/dev/null || return 0
	for u in ${USERS:-}; do
		uid=$(id -u "$u" 2>/dev/null) || continue
		nft list tables 2>/dev/null | grep -E " nsession_$uid\$"
	done
}
nothing_left() {
	[ -z "$(state_left)" ] &&
		! ip -o link show | grep -q ": $LINK_PREFIX" &&
		[ -z "$(session_procs)" ] &&
		[ -z "$(tables_left)" ]
}
describe_leftovers() {
	echo "state: $(state_left | tr '\n' ' ')" \
		"links: $(ip -o link show | grep ": $LINK_PREFIX" | cut -d: -f2 | tr '\n' ' ')" \
		"procs: $(session_procs | tr '\n' ' ')" \
		"tables: $(tables_left | tr '\n' ' ')"
}
# expect_clean DESC: within CLEAN_WAIT s no record, lock, socket, veth or
# session process is left
expect_clean() {
	if wait_for "$CLEAN_WAIT" nothing_left; then ok "$1"; else bad "$1" "$(describe_leftovers)"; fi
}
