#!/bin/sh
# Install the Debian 12 packages nsession needs to build, test and demo.
# Idempotent; needs root. Used by scripts/test.sh and scripts/demo.sh.
set -eu
PKGS="build-essential pkg-config libpam0g-dev libcap-dev libnl-3-dev libnl-route-3-dev
      libcmocka-dev iproute2 iputils-ping procps util-linux passwd uidmap man-db"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
