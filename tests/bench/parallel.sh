#!/bin/sh
# parallel.sh N COMMAND [ARG...] - start N copies of COMMAND at once and wait
# for all of them; "%i" in an argument becomes the copy's number (01..N).
# Exits 1 if any copy failed, so a benchmark of it cannot hide a failure.
set -u
n=$1
shift
i=1 pids=
while [ "$i" -le "$n" ]; do
	num=$i
	[ "$i" -lt 10 ] && num=0$i
	(
		for a; do
			shift
			case $a in *%i*) a=${a%%%i*}$num${a#*%i} ;; esac
			set -- "$@" "$a"
		done
		exec "$@"
	) &
	pids="$pids $!"
	i=$((i + 1))
done
rc=0
for p in $pids; do
	wait "$p" || rc=1
done
exit $rc
