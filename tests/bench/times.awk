# times.awk FILE.json... - the single run times in hyperfine's --export-json
# files as "NAME<TAB>ROUND<TAB>MILLISECONDS" lines (ROUND: the N of roundN.json,
# else the file name). hyperfine writes one number per line, which is all
# this relies on: no JSON parser needed on a fresh machine.
FNR == 1 {
	round = FILENAME
	sub(/^.*\//, "", round)
	sub(/\.json$/, "", round)
	sub(/^round/, "", round)
	in_times = 0
}
/"command":/ {
	name = $0
	sub(/^[^:]*: *"/, "", name)
	sub(/",? *$/, "", name)
}
/"times": *\[/ { in_times = 1; next }
in_times && /\]/ { in_times = 0; next }
in_times {
	v = $1
	sub(/,$/, "", v)
	printf "%s\t%s\t%.6f\n", name, round, v * 1000
}
