#!/bin/sh
# Install the Debian 12 packages nsession needs to build, test and demo.
# Idempotent; needs root. Used by scripts/test.sh and scripts/demo.sh.
#
# openssh-server is only needed for the end-to-end tests and the demo, which
# run their own sshd on 127.0.0.1. Installing it must not start the system's
# sshd on port 22 as a side effect: while apt runs, a policy-rc.d (unless the
# machine already has one) tells invoke-rc.d not to start services.
#
# clang and libclang-rt-14-dev are for `make fuzz`: the latter ships libFuzzer
# (libclang_rt.fuzzer-x86_64.a) and is only a Recommends of clang. They also
# build the ASan+UBSan helper of `make integration-asan`. valgrind is for
# tests/valgrind.
#
# qemu-system-x86, qemu-utils, debootstrap and e2fsprogs are for
# tests/systemd-host: a Debian 12 guest with systemd as PID 1, built by
# debootstrap into an ext4 image (mkfs.ext4 -d) and booted under qemu (TCG).
#
# Arguments are further packages for one caller only (bench/run: bubblewrap).
set -eu
PKGS="build-essential pkg-config libpam0g-dev libcap-dev libseccomp-dev libnl-3-dev libnl-route-3-dev
      libcmocka-dev iproute2 iputils-ping procps util-linux passwd uidmap man-db
      libpam-modules openssh-server openssh-client openssh-sftp-server pamtester
      login bsdutils psmisc clang libclang-rt-14-dev valgrind libnftables-dev nftables libnetfilter-conntrack-dev conntrack dnsmasq-base libsystemd-dev
      debhelper dpkg-dev fakeroot git qemu-system-x86 qemu-utils debootstrap e2fsprogs $*"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

echo "installing:$missing"
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	made_policy=yes
fi
cleanup() { [ -z "$made_policy" ] || rm -f "$policy"; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
