#!/bin/sh
# report.sh OUT - turn the bench's raw results (OUT/raw/*.tsv, written by
# tests/bench.sh) into OUT/results.md (Markdown tables) and OUT/benchmarks.png
# (gnuplot: median and p95 start-up latency per command). sh, awk, gnuplot.
set -eu
out=$1
raw=$out/raw
here=$(cd "$(dirname "$0")" && pwd)
for f in rss.tsv parallel.tsv import.tsv busy.tsv skipped.tsv notes.tsv tarball.txt import-fs.txt \
	pull.tsv repull.tsv pull-image.txt pull-fs.txt; do
	[ -e "$raw/$f" ] || : > "$raw/$f"   # a part that did not run: an empty section
done

awk -F'\t' -v plot="$raw/plot.dat" -f "$here/report.awk" \
	section=stats "$raw/stats.tsv" section=rounds "$raw/rounds.tsv" \
	section=rss "$raw/rss.tsv" section=parallel "$raw/parallel.tsv" \
	section=import "$raw/import.tsv" section=tarball "$raw/tarball.txt" section=importfs "$raw/import-fs.txt" \
	section=pull "$raw/pull.tsv" section=repull "$raw/repull.tsv" section=pullimage "$raw/pull-image.txt" \
	section=pullfs "$raw/pull-fs.txt" \
	section=busy "$raw/busy.tsv" section=skipped "$raw/skipped.tsv" section=notes "$raw/notes.tsv" \
	section=env "$raw/env.tsv" > "$out/results.md"

if command -v gnuplot >/dev/null && [ -s "$raw/plot.dat" ]; then
	gnuplot -e "data='$raw/plot.dat'; out='$out/benchmarks.png'" "$here/plot.gp"
fi
