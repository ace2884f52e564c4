#!/bin/sh
# mkdiffs.sh OUTDIR STEP... - write OUTDIR/stepNN.diff: what each step adds
# to the one before (step01 against nothing). Sources only, no binaries.
set -eu
out=$1; shift
mkdir -p "$out"
empty=$(mktemp -d)
trap 'rmdir "$empty"' EXIT
prev=$empty
for step in "$@"; do
	n=${step%%_*}
	# diff exits 1 when the trees differ; that is the point
	diff -ruN -x container -x '*.o' "$prev" "$step" |
		sed -E -e "s|^--- $empty[^\t]*|--- /dev/null|" -e "s|$empty|/dev/null|g" -e 's/^(---|\+\+\+) ([^\t]+)\t.*/\1 \2/' \
		> "$out/$n.diff" || true
	prev=$step
done
