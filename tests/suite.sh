# tests/suite.sh — the opening every root suite shares, sourced first by
# tests/NAME/run.sh: strict mode, the C locale, root only, SRC (the source
# tree), scripts/lib.sh and tests/testlib.sh. A suite that runs PAM
# applications sources scripts/pamlab.sh after it.
set -u
export LC_ALL=C

if [ "$(id -u)" -ne 0 ]; then
	echo "tests/$(basename "$(dirname "$0")")/run.sh: must run as root" >&2
	exit 1
fi
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/scripts/lib.sh"
. "$SRC/tests/testlib.sh"
