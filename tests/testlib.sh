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
summary() {
	echo
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}
