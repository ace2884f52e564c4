#!/bin/sh
# update-docs.sh OUT DOCS - put one bench run into the docs: OUT/results.md
# replaces what is between the "bench:begin" and "bench:end" comments in
# DOCS/benchmarks.md (the hand-written text around them stays), and
# OUT/benchmarks.png becomes DOCS/benchmarks.png.
set -eu
out=$1 docs=$2
md=$docs/benchmarks.md
grep -q '<!-- bench:begin' "$md" && grep -q '<!-- bench:end' "$md" ||
	{ echo "update-docs: $md has no <!-- bench:begin --> ... <!-- bench:end --> block" >&2; exit 1; }
awk -v results="$out/results.md" '
/<!-- bench:begin/ { print; while ((getline line < results) > 0) print line; skip = 1; next }
/<!-- bench:end/ { skip = 0 }
!skip' "$md" > "$md.tmp"
mv "$md.tmp" "$md"
[ -f "$out/benchmarks.png" ] && cp "$out/benchmarks.png" "$docs/benchmarks.png"
exit 0
