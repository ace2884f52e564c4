#!/bin/sh
# run-all.sh TEST... - run Check test binaries, then print one total line.
# Each binary prints Check's "NN%: Checks: N, Failures: N, Errors: N" line;
# a binary that cannot run here (not root) prints "SKIPPED: why" and exits 0.
passed=0 failed=0 skipped=0 status=0
for t in "$@"; do
	echo "== $t"
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	if printf '%s\n' "$out" | grep -q '^SKIPPED:'; then
		skipped=$((skipped + 1)); continue
	fi
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
	checks=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	bad=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2/' | awk '{print $1 + $2}')
	if [ -z "$line" ]; then checks=0 bad=1; fi
	passed=$((passed + checks - bad)); failed=$((failed + bad))
	[ "$rc" -eq 0 ] && [ "$bad" -eq 0 ] || status=1
done
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
