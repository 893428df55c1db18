#!/bin/sh
# setuid-lines.sh — how many lines of this tree's C sources the setuid
# nsession-helper links: the objects the linker takes (archive members only
# when something references them), each counted as its .c file's lines,
# from the linker's map. Run from the top of the tree.
# Usage: scripts/setuid-lines.sh [BUILD_DIR]   (default: build)
set -eu
o=${1:-build}
map=$o/.nsession-helper.map
rm -f "$o/nsession-helper" "$map"
make -s O="$o" LDFLAGS_TRACE="-Wl,-Map=$map" "$o/nsession-helper" >/dev/null
# Plain objects ("$o/helper/main.o") and archive members ("…libnscore.a(util.o)").
sed -n '/^Archive member included/,/^Discarded input sections/p' "$map" |
	grep -oE 'libnscore\.a\([a-z_0-9]+\.o\)' | sed 's/.*(\(.*\)\.o)/\1/' | sort -u >"$map.members"
{
	grep -oE "^LOAD $o/[a-z_/0-9]+\.o" "$map" | sed "s#^LOAD $o/##; s#\.o\$#.c#"
	while read -r m; do ls conf/$m.c lib/$m.c helper/$m.c 2>/dev/null || true; done <"$map.members"
} | sort -u | while read -r f; do
	printf '%6d %s\n' "$(wc -l <"$f")" "$f"
done | sort -n | awk '{ print; t += $1 } END { printf "%6d total\n", t }'
rm -f "$map" "$map.members"
