#!/bin/sh
# run-all.sh TEST... - run Check test binaries (and *.sh checks), then print
# one total line. Each binary prints Check's "NN%: Checks: N, Failures: N,
# Errors: N" line, a script its own "NAME: N passed, N failed" line; one that
# cannot run here (not root) prints "SKIPPED: why" and exits 0.
passed=0 failed=0 skipped=0 status=0
for t in "$@"; do
	echo "== $t"
	case $t in
	*.sh) out=$(sh "$t" 2>&1); rc=$? ;;
	*) out=$(${TEST_SCOPE:-} "$t" 2>&1); rc=$? ;; # TEST_SCOPE: see the Makefile
	esac
	printf '%s\n' "$out"
	if printf '%s\n' "$out" | grep -q '^SKIPPED:'; then
		skipped=$((skipped + 1)); continue
	fi
	# One Check line per test binary (a script may run several): add them up.
	lines=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ')
	total=$(printf '%s\n' "$out" | grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -n "$lines" ]; then
		checks=$(echo "$lines" | sed -E 's/.*Checks: ([0-9]+).*/\1/' | awk '{ s += $1 } END { print s }')
		bad=$(echo "$lines" | sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2/' |
			awk '{ s += $1 + $2 } END { print s }')
	elif [ -n "$total" ]; then
		ok=$(echo "$total" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
		bad=$(echo "$total" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		checks=$((ok + bad))
	else
		checks=1 bad=1 # no summary at all: it crashed
	fi
	[ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1 # it failed after its last summary
	passed=$((passed + checks - bad)); failed=$((failed + bad))
	[ "$rc" -eq 0 ] && [ "$bad" -eq 0 ] || status=1
done
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
