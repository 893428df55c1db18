#!/bin/sh
# The test command: install packages, build, run the unit tests, then (as
# root) the integration tests against a temporary install (also with the
# helper under ASan+UBSan, and once under valgrind), and the
# end-to-end tests (real sshd, su, login, pamtester), and the hostile-input
# tests (an unprivileged user against the setuid helper), and the Debian
# package (built, installed, logged in through, purged), and the package on
# a Debian 12 guest with systemd, logind and pam_systemd, booted under qemu
# (tests/systemd-host: ~5 minutes, the image built afresh). Needs root.
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/test.sh: run as root: the integration tests create users, namespaces and veth links" >&2
	exit 1
fi
scripts/deps.sh
make -j2
make check
make check-asan
make fuzz FUZZ_TIME=20
tests/integration/run.sh
tests/cgroup/run.sh
tests/network/run.sh
tests/admin/run.sh
NSESSION_SAN=1 tests/integration/run.sh
tests/valgrind/run.sh
tests/e2e/run.sh
tests/hostile/run.sh
tests/package/run.sh
tests/systemd-host/run.sh
