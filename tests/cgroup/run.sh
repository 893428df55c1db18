#!/bin/bash
# Root tests of the session cgroups (pids_max, memory_max, cpu_weight,
# cpu_max, io_weight and the cgroup namespace), for real: a fork bomb
# contained by pids.max while the host stays responsive, a memory hog
# OOM-killed at memory_max, the weight written, a busy loop held to
# cpu_max, the io weight written (or the login refused where the host has
# no io controller), the cgroup namespace rooted at the session's cgroup,
# both kinds of login (run, su through PAM) in the same cgroup, teardown
# (logout, terminate, a killed monitor, a monitor killed right after making
# the cgroup), and a policy whose controller is missing.
#
# Everything it makes lives under a temporary directory (a private install,
# as the other suites) or carries the "nscg" prefix (users); the session
# cgroups it makes are nsession/<uid>-<id> of those users and are removed on
# exit, failed or not, as is nsession/ itself if this suite made it (and
# the probe nscg-probe, made and removed at once to see whether the v1
# blkio controller has weights). The
# host's cgroup hierarchies are never mounted or unmounted (the missing
# controller is simulated in a private mount namespace).
. "$(dirname "$0")/../suite.sh"
. "$SRC/scripts/pamlab.sh"
T=$(mktemp -d /var/tmp/nscg.XXXXXX) # not /tmp: sessions get a private /tmp
H="$T/bin/nsession-helper"
FH="$T/fbin/nsession-helper" # with the kill points of helper/fault.h
FAULTS="$T/faults"
STATE="$T/run/nsession"
TOOLS="$T/tools"
LINK_PREFIX=nscg # network = none: no links at all
CLEAN_WAIT=8
USERS="nscg1 nscg2 nscg3 nscg4 nscg5"
BGPIDS=""
CG=/sys/fs/cgroup
MADE_PARENTS=""
IO_PROBE=""

# Every hierarchy root nsession may use: cgroup and cgroup2 mounts of a
# hierarchy's root (like helper/cgroup.c).
# cgmounts: "TYPE MOUNTPOINT SUPEROPTS" of each (fields after the " - ")
cgmounts() {
	awk '$4 == "/" { for (i = 7; i < NF; i++) if ($i == "-") break;
		if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $(i + 1), $5, $(i + 3) }' /proc/self/mountinfo
}
hierarchies() { cgmounts | awk '{print $2}'; }
# the session cgroups of our test users, in every hierarchy
cg_leftovers() {
	local h u
	for h in $(hierarchies); do
		for u in $USERS; do
			id "$u" >/dev/null 2>&1 || continue
			ls -d "$h/nsession/$(id -u "$u")-"* 2>/dev/null
		done
	done
}

cleanup() {
	local d p
	for p in $BGPIDS; do kill -KILL "$p" 2>/dev/null; done
	for u in $USERS; do
		[ -x "$H" ] && id "$u" >/dev/null 2>&1 && "$H" terminate --user "$u" >/dev/null 2>&1
	done
	pkill -KILL -f "^$T/" 2>/dev/null
	for d in $(cg_leftovers); do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		n=20
		while ! rmdir "$d" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	done
	for d in $MADE_PARENTS; do rmdir "$d" 2>/dev/null; done
	[ -z "$IO_PROBE" ] || rmdir "$IO_PROBE" 2>/dev/null
	for u in $USERS; do remove_user "$u"; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- set-up ---------------------------------------------------------------
echo "# building a test install (and a fault build) under $T"
private_install "$T" || exit 1
mkdir -p "$TOOLS"
fault_install "$T" "$FAULTS" || exit 1
for t in forkbomb memhog; do
	cc -std=c11 -D_GNU_SOURCE -O1 -Wall -Werror -o "$TOOLS/$t" "$SRC/tests/cgroup/$t.c" || exit 1
done
chmod 755 "$TOOLS" "$TOOLS"/*
for h in $(hierarchies); do
	[ -d "$h/nsession" ] || MADE_PARENTS="$MADE_PARENTS $h/nsession"
done

for u in $USERS; do
	remove_user "$u"
	useradd -m -d "$T/home/$u" -s /bin/sh "$u" || exit 1
done
U1=$(id -u nscg1) U2=$(id -u nscg2) U3=$(id -u nscg3) U5=$(id -u nscg5)

# nscg1: pids and cpu; nscg2: memory; nscg3: no limits (no cgroup);
# nscg4: a CPU cap; nscg5: an io weight.
cat >"$T/etc/nsession.conf" <<EOF
[defaults]
network = none
linger = 0

[user nscg1]
pids_max = 64
cpu_weight = 50

[user nscg2]
memory_max = 64M

[user nscg4]
cpu_max = 20%

[user nscg5]
io_weight = 50
EOF
chmod 644 "$T/etc/nsession.conf"

# Which hierarchy serves a controller: cgroup2 if its root lists it, else
# the v1 mount bound to it (named V1NAME there, if given: blkio for io).
ctrl_root() {
	local c=$1 v1=${2:-$1} v2
	v2=$(cgmounts | awk '$1 == "cgroup2" {print $2; exit}')
	if [ -n "$v2" ] && grep -qw "$c" "$v2/cgroup.controllers" 2>/dev/null; then
		echo "$v2"
		return
	fi
	cgmounts | awk -v c="$v1" '$1 == "cgroup" {n = split($3, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) {print $2; exit}}'
}
is_v2() { [ "$(stat -f -c %T "$1")" = cgroup2fs ]; }
PIDS_ROOT=$(ctrl_root pids)
MEM_ROOT=$(ctrl_root memory)
CPU_ROOT=$(ctrl_root cpu)
IO_ROOT=$(ctrl_root io blkio)
echo "# hierarchies: pids at $PIDS_ROOT, memory at $MEM_ROOT, cpu at $CPU_ROOT, io at ${IO_ROOT:-(none)}"
if [ -z "$PIDS_ROOT" ] || [ -z "$MEM_ROOT" ] || [ -z "$CPU_ROOT" ]; then
	echo "tests/cgroup/run.sh: this host lacks the pids, memory or cpu controller" >&2
	exit 1
fi
leaf_of() { "$H" status --user "$1" 2>/dev/null | sed -n 's|^cgroup=nsession/||p'; }
# hidden_login USER ROOT: `run --user USER -- true` in a mount namespace of
# its own where a tmpfs covers the hierarchy at ROOT: mountinfo still lists
# the cgroup mount, but the directory there is no cgroup fs any more (the
# statfs check), so its controllers are not found. Prints what it said.
hidden_login() {
	unshare -m --propagation private -- sh -c 'mount -t tmpfs nscg-hide "$1" && exec "$2" run --user "$3" -- true' \
		sh "$2" "$H" "$1" 2>&1
}
# expect_refused KEY CTRL ERR RC: a login refused for a missing controller:
# status 1, one line naming KEY and CTRL, nothing made
expect_refused() {
	expect_eq "the login fails" 1 "$4"
	expect_match "... saying why" "$1 is set but the $2 controller is not available" "$3"
	expect_eq "... with one line" 1 "$(printf '%s\n' "$3" | wc -l)"
	expect_eq "... and no cgroup is made elsewhere" "" "$(cg_leftovers)"
	expect_clean "... nothing half-built"
}
ms() { echo $(($(date +%s%N) / 1000000)); }

# ---- pids_max: a fork bomb is contained ---------------------------------------
echo "# pids_max = 64: a fork bomb inside the session"
bg_session nscg1
L1=$(leaf_of nscg1)
expect_match "the record names the session cgroup nsession/<uid>-<id>" "^$U1-[0-9a-f]{16}\$" "$L1"
D1="$PIDS_ROOT/nsession/$L1"
expect_eq "pids.max is 64" 64 "$(cat "$D1/pids.max" 2>&1)"
expect_eq "the keeper is in the session cgroup" yes \
	"$(grep -qx "$(status_field nscg1 keeper_pid)" "$D1/cgroup.procs" && echo yes || echo no)"
if is_v2 "$CPU_ROOT"; then
	expect_eq "cpu_weight = 50: cpu.weight is 50 (v2)" 50 "$(cat "$CPU_ROOT/nsession/$L1/cpu.weight" 2>&1)"
else
	expect_eq "cpu_weight = 50: cpu.shares is 512 (v1, weight * 1024 / 100)" 512 \
		"$(cat "$CPU_ROOT/nsession/$L1/cpu.shares" 2>&1)"
fi
if is_v2 "$CPU_ROOT"; then
	expect_eq "cpu_weight alone sets no cap: cpu.max is max (v2)" "max 100000" "$(cat "$CPU_ROOT/nsession/$L1/cpu.max" 2>&1)"
else
	expect_eq "cpu_weight alone sets no cap: cpu.cfs_quota_us is -1 (v1)" -1 \
		"$(cat "$CPU_ROOT/nsession/$L1/cpu.cfs_quota_us" 2>&1)"
fi
expect_eq "the session's dir and nsession/ are root's 0755" "0:0 755 0:0 755" \
	"$(stat -c '%u:%g %a' "$D1" "$PIDS_ROOT/nsession" | tr '\n' ' ' | sed 's/ $//')"

as nscg1 "$H" run -- "$TOOLS/forkbomb" "$T/home/nscg1/bomb" >/dev/null 2>&1 &
BOMB=$!
BGPIDS="$BGPIDS $BOMB"
wait_for 10 sh -c "grep -q 'eagain=[1-9]' '$T/home/nscg1/bomb' 2>/dev/null"
peak=0 worst=0 hostforks=0
for i in $(seq 1 20); do
	c=$(cat "$D1/pids.current")
	[ "$c" -gt "$peak" ] && peak=$c
	t0=$(ms)
	true
	ps -e >/dev/null
	sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done' && hostforks=$((hostforks + 10))
	t=$(($(ms) - t0))
	[ "$t" -gt "$worst" ] && worst=$t
	sleep 0.1
done
echo "       bomb: $(cat "$T/home/nscg1/bomb" 2>/dev/null); peak pids.current=$peak; slowest host round ${worst} ms"
if [ "$peak" -le 64 ] && [ "$peak" -ge 60 ]; then ok "pids.current reached the limit and never exceeded 64 (peak $peak)"; else bad "pids.current stays <= 64 and reaches it" "peak $peak"; fi
expect_match "fork() inside failed with EAGAIN" "eagain=[1-9][0-9]*" "$(cat "$T/home/nscg1/bomb" 2>/dev/null)"
if [ -r "$D1/pids.events" ]; then
	expect_match "pids.events counts the refused forks" "^max [1-9]" "$(cat "$D1/pids.events")"
fi
if [ "$worst" -lt 2000 ]; then ok "host stays responsive: true, ps -e and 10 forks under 2 s each round (worst ${worst} ms)"; else bad "host stays responsive" "worst ${worst} ms"; fi
expect_eq "the host can still fork (200 forks during the bomb)" 200 "$hostforks"
out=$(as nscg1 sh -c "echo max > $D1/pids.max" 2>&1; echo rc=$?)
expect_match "the user cannot raise pids.max on the host" "rc=[1-9]" "$out"
out=$(as nscg1 sh -c "echo \$\$ > $PIDS_ROOT/cgroup.procs" 2>&1; echo rc=$?)
expect_match "the user cannot move out of the session cgroup" "rc=[1-9]" "$out"
out=$(run_as nscg1 sh -c "echo max > $D1/pids.max || exit 0; exit 9" 2>&1; echo rc=$?)
expect_match "... nor from inside the session" "rc=0" "$out"
expect_eq "pids.max is still 64" 64 "$(cat "$D1/pids.max")"
t0=$(ms)
"$H" terminate --user nscg1
wait_for 10 sh -c "! kill -0 $BOMB 2>/dev/null"
echo "       terminate with the bomb running: $(($(ms) - t0)) ms"
expect_eq "terminate ends the bomb" gone "$(kill -0 $BOMB 2>/dev/null && echo running || echo gone)"
wait_for "$CLEAN_WAIT" test ! -e "$D1"
expect_eq "... and the session cgroup is gone in every hierarchy" "" "$(cg_leftovers)"
expect_clean "... and nothing else is left"

# ---- the cgroup namespace, two logins, one cgroup --------------------------------
echo "# the cgroup namespace and joining"
bg_session nscg1
L1=$(leaf_of nscg1)
k1=$(status_field nscg1 keeper_pid)
bg_as nscg1 "$H" run -- sleep 300
BGPIDS="$BGPIDS $BG_PID"
second=$BG_PID
wait_for 5 sh -c "pgrep -P $second >/dev/null"
c1=$(pgrep -P "$LAST_BG") c2=$(pgrep -P "$second")
procs=$(cat "$PIDS_ROOT/nsession/$L1/cgroup.procs")
n=0
for p in $k1 $c1 $c2; do printf '%s\n' "$procs" | grep -qx "$p" && n=$((n + 1)); done
expect_eq "keeper and both run logins are in the same session cgroup" 3 "$n"
n=0
for p in $LAST_BG $second; do printf '%s\n' "$procs" | grep -qx "$p" && n=$((n + 1)); done
expect_eq "the run parents (host side, holding the logins) stay outside it" 0 "$n"
out=$(run_as nscg1 cat /proc/self/cgroup)
expect_match "inside, /proc/self/cgroup shows the session cgroup as / (pids)" "^[0-9]+:([^:]*,)?pids(,[^:]*)?:/\$|^0::/\$" "$out"
expect_match "... and for cpu" "^[0-9]+:([^:]*,)?cpu(,[^:]*)?:/\$|^0::/\$" "$out"
expect_eq "... no nsession path visible inside" "" "$(printf '%s\n' "$out" | grep nsession)"
expect_ne "the cgroup namespace differs from the host's" "$(readlink /proc/self/ns/cgroup)" \
	"$(run_as nscg1 readlink /proc/self/ns/cgroup)"
expect_eq "... and is the keeper's" "$(readlink /proc/"$k1"/ns/cgroup)" "$(run_as nscg1 readlink /proc/self/ns/cgroup)"
expect_match "from the host: nsession/$L1" "pids:/nsession/$L1\$|^0::/nsession/$L1\$" "$(cat /proc/"$c1"/cgroup)"

echo "# su through pam_nsession: the opener is moved into the session cgroup"
lab_pam "$T"
(cd / && lab_enter "$T" su - nscg1 -c "cat /proc/self/cgroup; sleep 2" </dev/null >"$T/su.out" 2>&1) &
SU=$!
wait_for 10 sh -c "pgrep -f '^su - nscg1' >/dev/null"
sleep 0.5
supid=$(pgrep -f '^su - nscg1' | head -1)
expect_match "su (the PAM opener, host root) is in nsession/$L1" "pids:/nsession/$L1\$|^0::/nsession/$L1\$" \
	"$(cat /proc/"$supid"/cgroup 2>&1)"
wait "$SU"
expect_match "su's shell sees the session cgroup as /" "^[0-9]+:([^:]*,)?pids(,[^:]*)?:/\$|^0::/\$" "$(cat "$T/su.out")"
expect_eq "the session survives su's logout" "$k1" "$(status_field nscg1 keeper_pid)"

echo "# logout: the last login leaves, the cgroup goes"
kill -TERM "$c1" "$c2"
wait_for "$CLEAN_WAIT" test ! -e "$PIDS_ROOT/nsession/$L1"
expect_eq "after the last logout no session cgroup is left" "" "$(cg_leftovers)"
expect_clean "logout leaves nothing"

# ---- memory_max ---------------------------------------------------------------
echo "# memory_max = 64M"
bg_session nscg2
L2=$(leaf_of nscg2)
D2="$MEM_ROOT/nsession/$L2"
if is_v2 "$MEM_ROOT"; then
	expect_eq "memory.max is 64 MiB (v2)" 67108864 "$(cat "$D2/memory.max" 2>&1)"
	[ -e "$D2/memory.swap.max" ] && expect_eq "memory.swap.max is 0" 0 "$(cat "$D2/memory.swap.max")"
else
	expect_eq "memory.limit_in_bytes is 64 MiB (v1)" 67108864 "$(cat "$D2/memory.limit_in_bytes" 2>&1)"
	[ -e "$D2/memory.memsw.limit_in_bytes" ] &&
		expect_eq "memory.memsw.limit_in_bytes too (RAM + swap)" 67108864 "$(cat "$D2/memory.memsw.limit_in_bytes")"
fi
k2=$(status_field nscg2 keeper_pid)
out=$(run_as nscg2 "$TOOLS/memhog" 16 2>&1)
expect_eq "16 MiB inside the limit: fine" "touched 16" "$out"
t0=$(ms)
out=$(run_as nscg2 "$TOOLS/memhog" 256 2>&1)
rc=$?
echo "       256 MiB hog: rc=$rc after $(($(ms) - t0)) ms"
expect_eq "256 MiB: the hog is killed by SIGKILL (OOM)" 137 "$rc"
if is_v2 "$MEM_ROOT"; then
	expect_match "memory.events counts the OOM kill" "^oom_kill [1-9]" "$(cat "$D2/memory.events")"
else
	expect_match "memory.oom_control counts the OOM kill" "^oom_kill [1-9]" "$(cat "$D2/memory.oom_control")"
	# (memory.failcnt is not a reliable witness: recent kernels do not
	# count it for every charge path)
	peak=$(cat "$D2/memory.max_usage_in_bytes")
	if [ "$peak" -ge $((48 << 20)) ] && [ "$peak" -le $((64 << 20)) ]; then
		ok "the session's peak usage reached the limit and never passed it ($((peak >> 20)) MiB)"
	else
		bad "the session's peak usage reached the limit and never passed it" "$peak"
	fi
fi
expect_eq "the session survives its hog (same keeper)" "$k2" "$(status_field nscg2 keeper_pid)"
out=$(run_as nscg2 sh -c 'echo alive')
expect_eq "... and takes a new login" alive "$out"
t0=$(ms)
sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done'
expect_eq "the host is unaffected (its shell alive, 10 forks in under 2 s)" yes "$([ $(($(ms) - t0)) -lt 2000 ] && echo yes)"
out=$("$TOOLS/memhog" 256 2>&1)
expect_eq "the host itself can still take 256 MiB" "touched 256" "$out"
"$H" terminate --user nscg2
wait_for "$CLEAN_WAIT" test ! -e "$D2"
expect_eq "terminate removes the memory cgroup" "" "$(cg_leftovers)"
expect_clean "... and everything else"

# ---- cpu_max ------------------------------------------------------------------
echo "# cpu_max = 20%: a busy loop for 3 s"
bg_session nscg4
L4=$(leaf_of nscg4)
D4="$CPU_ROOT/nsession/$L4"
if is_v2 "$CPU_ROOT"; then
	expect_eq "cpu.max is \"20000 100000\" (v2)" "20000 100000" "$(cat "$D4/cpu.max" 2>&1)"
else
	expect_eq "cpu.cfs_period_us is 100000 (v1)" 100000 "$(cat "$D4/cpu.cfs_period_us" 2>&1)"
	expect_eq "cpu.cfs_quota_us is 20000 (v1)" 20000 "$(cat "$D4/cpu.cfs_quota_us" 2>&1)"
fi
expect_eq "no cpu.shares / cpu.weight of its own (cpu_weight not set)" \
	"$(if is_v2 "$CPU_ROOT"; then echo 100; else echo 1024; fi)" \
	"$(cat "$D4/cpu.weight" 2>/dev/null || cat "$D4/cpu.shares" 2>&1)"
bg_as nscg4 "$H" run -- sh -c 'while :; do :; done'
BGPIDS="$BGPIDS $BG_PID"
spin_run=$BG_PID
wait_for 5 sh -c "pgrep -P $spin_run >/dev/null"
spin=$(pgrep -P "$spin_run")
# CPU time in microseconds: of the session's cgroup where the kernel counts
# it there (v2 cpu.stat, v1 cpuacct co-mounted with cpu), else of the loop.
cpu_us() {
	if [ -r "$D4/cpu.stat" ] && grep -q '^usage_usec ' "$D4/cpu.stat"; then
		awk '$1 == "usage_usec" {print $2}' "$D4/cpu.stat"
	elif [ -r "$D4/cpuacct.usage" ]; then
		echo $(($(cat "$D4/cpuacct.usage") / 1000))
	else
		sed 's/.*) //' "/proc/$spin/stat" | awk -v hz="$(getconf CLK_TCK)" '{print int(($12 + $13) * 1000000 / hz)}'
	fi
}
sleep 0.5 # past its start
c0=$(cpu_us) t0=$(ms)
sleep 3
c1=$(cpu_us) t1=$(ms)
pct=$(((c1 - c0) / 10 / (t1 - t0)))
echo "       busy loop ($(cat "/proc/$spin/comm" 2>&1)): $(((c1 - c0) / 1000)) ms of CPU in $((t1 - t0)) ms: ${pct}% of one CPU"
if [ "$pct" -ge 10 ] && [ "$pct" -le 35 ]; then ok "the busy loop used about 20% of one CPU (${pct}%)"; else bad "the busy loop used about 20% of one CPU" "${pct}%"; fi
expect_match "cpu.stat counts throttled periods" "^nr_throttled [1-9]" "$(cat "$D4/cpu.stat" 2>&1)"
kill -KILL "$spin" 2>/dev/null
"$H" terminate --user nscg4
wait_for "$CLEAN_WAIT" test ! -e "$D4"
expect_eq "terminate removes the cpu cgroup" "" "$(cg_leftovers)"
expect_clean "... and everything else"

# ---- io_weight ----------------------------------------------------------------
# The io controller is there when cgroup v2 lists io, or v1 has a blkio
# hierarchy whose cgroups have a weight file (BFQ or CFQ; not on its root,
# hence the probe).
echo "# io_weight = 50"
IO_WEIGHTS=""
if [ -n "$IO_ROOT" ] && is_v2 "$IO_ROOT"; then
	IO_WEIGHTS=io.weight
elif [ -n "$IO_ROOT" ]; then
	IO_PROBE="$IO_ROOT/nscg-probe"
	mkdir "$IO_PROBE" &&
		IO_WEIGHTS=$(cd "$IO_PROBE" && ls -d blkio.bfq.weight blkio.weight 2>/dev/null | tr '\n' ' ')
	rmdir "$IO_PROBE" && IO_PROBE=""
fi
if [ -n "$IO_WEIGHTS" ]; then
	echo "       this host has the io controller: $IO_ROOT ($IO_WEIGHTS)"
	bg_session nscg5
	L5=$(leaf_of nscg5)
	D5="$IO_ROOT/nsession/$L5"
	expect_match "the session has a cgroup" "^$U5-[0-9a-f]{16}\$" "$L5"
	for f in $IO_WEIGHTS; do
		if [ "$f" = io.weight ]; then
			expect_eq "io.weight is \"default 50\" (v2)" "default 50" "$(head -1 "$D5/$f" 2>&1)"
		else
			expect_eq "$f is 250 (v1, weight * 500 / 100)" 250 "$(cat "$D5/$f" 2>&1)"
		fi
	done
	expect_eq "the keeper is in it" yes \
		"$(grep -qx "$(status_field nscg5 keeper_pid)" "$D5/cgroup.procs" && echo yes || echo no)"
	out=$(as nscg5 sh -c "echo 1000 > $D5/${IO_WEIGHTS%% *}" 2>&1; echo rc=$?)
	expect_match "the user cannot raise the weight" "rc=[1-9]" "$out"
	"$H" terminate --user nscg5
	wait_for "$CLEAN_WAIT" test ! -e "$D5"
	expect_eq "terminate removes the io cgroup" "" "$(cg_leftovers)"
	expect_clean "... and everything else"
else
	echo "       this host has no io controller (${IO_ROOT:-no io or blkio hierarchy}${IO_ROOT:+: no weight file})"
	err=$("$H" run --user nscg5 -- true 2>&1)
	expect_refused io_weight io "$err" $?
fi

# ---- no limits: no cgroup --------------------------------------------------------
echo "# a policy without limits makes no cgroup"
out=$(run_as nscg3 sh -c 'echo alive')
expect_eq "a login works" alive "$out"
bg_session nscg3
expect_eq "no cgroup in the record" "" "$(leaf_of nscg3)"
expect_eq "none on the host" "" "$(ls -d "$PIDS_ROOT/nsession/$U3-"* "$MEM_ROOT/nsession/$U3-"* 2>/dev/null)"
"$H" terminate --user nscg3
expect_clean "ended"

# ---- a killed monitor ------------------------------------------------------------------
echo "# kill -9 of the monitor: the next login leaves no stale cgroup"
bg_session nscg1
old=$(leaf_of nscg1)
kill -KILL "$(status_field nscg1 monitor_pid)"
wait_for 5 sh -c "! kill -0 $LAST_BG 2>/dev/null"
out=$(run_as nscg1 sh -c 'echo alive')
expect_eq "the next login works" alive "$out"
wait_for "$CLEAN_WAIT" test ! -e "$PIDS_ROOT/nsession/$old"
expect_eq "the dead session's cgroup is gone" "" "$(ls -d "$PIDS_ROOT/nsession/$old" "$CPU_ROOT/nsession/$old" 2>/dev/null)"
expect_eq "no session cgroup left at all" "" "$(cg_leftovers)"
expect_clean "nothing left"

echo "# killed right after making the cgroup (fault build, step cgroup-made)"
: >"$FAULTS"
chmod 644 "$FAULTS"
echo cgroup-made >"$FAULTS"
as nscg1 timeout 30 "$FH" run -- /bin/true >/dev/null 2>&1
expect_ne "killed at 'cgroup-made': the login fails" 0 "$?"
: >"$FAULTS"
out=$(as nscg1 "$FH" run -- sh -c 'echo alive' 2>&1)
expect_eq "the next login works" alive "$out"
wait_for "$CLEAN_WAIT" sh -c "[ -z \"\$(ls -d $PIDS_ROOT/nsession/$U1-* 2>/dev/null)\" ]"
expect_eq "... and no cgroup of the killed setup is left" "" "$(cg_leftovers)"
expect_clean "nothing left"

# ---- a missing controller ---------------------------------------------------------------
echo "# memory_max set, memory controller missing (simulated in a private mount namespace)"
err=$(hidden_login nscg2 "$MEM_ROOT")
expect_refused memory_max memory "$err" $?

if [ -n "$IO_ROOT" ]; then
	echo "# io_weight set, io controller missing (simulated the same way)"
	err=$(hidden_login nscg5 "$IO_ROOT")
	expect_refused io_weight io "$err" $?
fi

summary
