#!/bin/bash
# soak.sh - `make soak`: does step06 leave anything behind when it is run
# many times, many at once, or killed? Not part of `make check` (a few
# minutes on a 2-core machine).
#
#   sudo bash tests/soak.sh          (after `make all rootfs`)
#
# Bash, not POSIX sh: `read -t` (a container that never comes up must not
# hang the soak), arrays of PIDs and $EPOCHREALTIME for the times.
#
# What it runs, all with step06_rootfs/container and the busybox image
# (build/images/busybox.tar) imported into a scratch store:
#  1. SOAK_RUNS (1000) sequential runs of /bin/true on the bridge, then as
#     many with --net none. Around each loop, one container that waits
#     (the first and the last run) shows the supervisor's open fds.
#  2. SOAK_ALIVE (200) containers alive at once on the bridge; each pings
#     the gateway and reports its address, then waits until released.
#  3. SOAK_KILLS (20) supervisors SIGKILLed at a random moment of start-up
#     or run, then one more normal run.
# After each part, the counts of mounts, cgroup directories, links, leases,
# run files and store directories must equal those before part 1 (taken after
# one warm-up run of each kind, so that what stays by design, the bridge
# kobako0 and the lease files, is in both). Each difference is one failed
# check, named; the closing line is `soak: N passed, N failed`.
#
# Where: a network namespace and a private mount namespace of its own with a
# tmpfs on /run (as tests/harness.c does for the integration tests), so the
# machine's links, routes, mounts and /run/kobako are untouched; cgroups go
# beneath a parent named kobako-soak-PID beneath the script's own cgroup.
# Every exit path (trap) kills the supervisors it started and still holds,
# removes its cgroups and its scratch directory.
#
# Results: printed, and written to docs/benchmarks.md as the section
# "## Soak (make soak)" (replaced if it is there; the rest is left as is).
#
# Knobs (environment): SOAK_RUNS (1000), SOAK_ALIVE (200), SOAK_KILLS (20,
# 0 skips part 3), SOAK_SETTLE (10 s: how long to wait for the kernel's
# asynchronous clean-up before a difference counts), SOAK_UP_TIMEOUT (60 s).
set -u
LC_ALL=C
export LC_ALL

TOP=$(cd "$(dirname "$0")/.." && pwd)
C=$TOP/step06_rootfs/container
TARBALL=$TOP/build/images/busybox.tar
DOCS=$TOP/docs/benchmarks.md
RUNS=${SOAK_RUNS:-1000}
ALIVE=${SOAK_ALIVE:-200}
KILLS=${SOAK_KILLS:-20}
SETTLE=${SOAK_SETTLE:-10}
UP_TIMEOUT=${SOAK_UP_TIMEOUT:-60}
HEADING="## Soak (make soak)"

log() { printf '[soak %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# ---------------------------------------------------------------------------
# outside: check, then start again in fresh network + mount namespaces
# ---------------------------------------------------------------------------
if [ "${1:-}" != __inside ]; then
	[ "$(id -u)" = 0 ] || die "must run as root (namespaces, mounts, cgroups)"
	[ -x "$C" ] || die "$C missing: make all"
	[ -f "$TARBALL" ] || die "$TARBALL missing: make rootfs"
	command -v ip >/dev/null || die "ip(8) missing: apt-get install iproute2"
	for n in "$RUNS" "$ALIVE" "$KILLS" "$SETTLE" "$UP_TIMEOUT"; do
		case $n in '' | *[!0-9]*) die "SOAK_*: $n is not a number" ;; esac
	done
	[ "$RUNS" -ge 1 ] || die "SOAK_RUNS must be at least 1"
	# The default subnet is a /24: 253 addresses besides the gateway.
	[ "$ALIVE" -le 250 ] || die "SOAK_ALIVE $ALIVE: more than the /24 subnet holds"
	exec unshare --net --mount --propagation private -- bash "$0" __inside
fi

# ---------------------------------------------------------------------------
# inside our own network and mount namespaces
# ---------------------------------------------------------------------------
mount -t tmpfs -o mode=755,size=16m kobako-soak-run /run || die "tmpfs on /run"
ip link set lo up || die "ip link set lo up"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kobako-soak.XXXXXX") || die "mktemp"
STORE=$WORK/store
SYNC=$WORK/sync # bind-mounted as /sync: the FIFOs up and go
ERR=$WORK/stderr # the supervisors' stderr, shown when one fails
CG_NAME=kobako-soak-$$
export KOBAKO_ROOT=$STORE KOBAKO_CGROUP_PARENT=$CG_NAME # relative: beneath our cgroup
CG_PARENTS=() # $CG_NAME in every hierarchy, found after the warm-up
LIVE=() # supervisors started and not yet waited for (their PIDs cannot be reused)
PASSED=0
FAILED=0

# Our cgroup parents, in every hierarchy where kobako made one.
find_cg_parents() {
	mapfile -t CG_PARENTS < <(find /sys/fs/cgroup -type d -name "$CG_NAME" 2>/dev/null)
}

# Kill the supervisors we still hold (each one's container follows: PDEATHSIG),
# then remove our cgroups, deepest first, once their last process is gone.
cleanup() {
	local rc=$? p d i
	set +u
	exec 3>&- 4>&- # no writer left on go: waiting containers read EOF and exit
	for p in "${LIVE[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for p in "${LIVE[@]}"; do wait "$p" 2>/dev/null; done
	find_cg_parents
	for d in "${CG_PARENTS[@]}"; do
		# a dying container leaves its cgroup a moment after its supervisor
		for i in $(seq 50); do
			[ -z "$(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)" ] && break
			sleep 0.1
		done
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null ||
			log "warning: could not remove all of $d"
	done
	rm -rf "$WORK"
	[ "$rc" = 0 ] || log "exit $rc; cleaned up"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

{ mkdir -p "$SYNC" && mkfifo "$SYNC/up" "$SYNC/go"; } || die "mkfifo in $SYNC"
# We hold both FIFOs open read-write: the containers' opens never block, our
# reads of up never see EOF between two writers, and closing fd 4 (the only
# writer of go) releases every container waiting on go at once. Every
# supervisor is started with 3>&- 4>&- so it does not hold them too.
exec 3<>"$SYNC/up" 4<>"$SYNC/go"
open_go() { exec 4<>"$SYNC/go"; }
release_all() { exec 4>&-; }

now() { echo "$EPOCHREALTIME"; }
ms_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

check() { # check OK NAME [WHY]
	if [ "$1" = 1 ]; then
		PASSED=$((PASSED + 1))
		echo "ok   $2"
	else
		FAILED=$((FAILED + 1))
		echo "FAIL $2${3:+: $3}"
	fi
}

# run OPTIONS...: one container of /bin/true, in the foreground.
run_true() { "$C" run "$@" busybox /bin/true </dev/null >/dev/null 2>>"$ERR" 3>&- 4>&-; }

# start OPTIONS... -- SCRIPT: a container that opens go, runs SCRIPT (which
# writes one line to /sync/up), then waits on go; in the background. Its
# read ends with EOF when we release it: that is its normal end, exit 0.
start_waiting() {
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1") && shift; done
	shift
	"$C" run "${opts[@]}" -v "$SYNC:/sync" busybox /bin/sh -c \
		"exec 5</sync/go; $1; read x <&5; exit 0" </dev/null >/dev/null 2>>"$ERR" 3>&- 4>&- &
	LIVE+=($!)
}

# wait_up N: read N lines from up (each within UP_TIMEOUT) into UP_LINES.
wait_up() {
	local line
	UP_LINES=()
	while [ "${#UP_LINES[@]}" -lt "$1" ]; do
		read -r -t "$UP_TIMEOUT" line <&3 || return 1
		UP_LINES+=("$line")
	done
}

# wait_all: wait for every supervisor in LIVE; ALL_OK=1 if all exited 0.
wait_all() {
	local p
	ALL_OK=1
	for p in "${LIVE[@]}"; do wait "$p" || ALL_OK=0; done
	LIVE=()
}

# A process and all its descendants, from /proc/PID/task/*/children.
tree() {
	local p c
	for p in "$@"; do
		echo "$p"
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree "$c"; done
	done
}
# "RSS PSS" in kB, summed over the given processes.
memory() {
	local p rss=0 pss=0 v
	for p in "$@"; do
		v=$(awk '/^VmRSS:/ { print $2 }' /proc/"$p"/status 2>/dev/null) && rss=$((rss + ${v:-0}))
		v=$(awk '/^Pss:/ { print $2 }' /proc/"$p"/smaps_rollup 2>/dev/null) && pss=$((pss + ${v:-0}))
	done
	echo "$rss $pss"
}

# ---------------------------------------------------------------------------
# the counts: NAME VALUE lines; everything a container makes and must undo
# ---------------------------------------------------------------------------
entries() { find "$1" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
counts() {
	local d
	echo "mounts $(wc -l </proc/self/mountinfo)"
	for d in "${CG_PARENTS[@]}"; do # one line per hierarchy: cgroups:memory ...
		d=${d#/sys/fs/cgroup/}
		echo "cgroups:${d%%/*} $(find "/sys/fs/cgroup/$d" -mindepth 1 -type d 2>/dev/null | wc -l)"
	done
	echo "links $(ip -o link | wc -l)"
	echo "leases $(cat /run/kobako/net/*.leases 2>/dev/null | wc -l)"
	# (step07's compiled seccomp filters stay, as a cache: not counted)
	echo "run-files $(find /run/kobako -mindepth 1 ! -path '/run/kobako/seccomp*' 2>/dev/null | wc -l)"
	echo "store/containers $(entries "$STORE/containers")"
	echo "store/tmp $(entries "$STORE/tmp")"
}

# compare LABEL: the counts again, as columns of the table; one check per
# count. The kernel frees a dead container's network namespace, and with it
# its veth, in a work queue after the supervisor has gone (step06 net.c): a
# count that differs gets SETTLE seconds to come back before it is a failure.
COLUMNS_DONE=(before)
compare() {
	local label=$1 i now_counts name before after
	now_counts=$(counts)
	for i in $(seq $((SETTLE * 10))); do
		[ "$now_counts" = "$BASELINE" ] && break
		sleep 0.1 # there is no event for "the kernel has freed a netns"
		now_counts=$(counts)
	done
	COLUMNS_DONE+=("$label")
	echo "$now_counts" >"$WORK/counts.$label"
	# which mounts came or went: "+ /x type" or "- /x type"
	cut -d' ' -f5,9 /proc/self/mountinfo | sort | diff "$WORK/mounts.before" - |
		sed -n 's/^> /+ /p; s/^< /- /p' >"$WORK/mounts.$label"
	while read -r name before; do
		after=$(awk -v n="$name" '$1 == n { print $2 }' "$WORK/counts.$label")
		[ "$after" = "$before" ]
		check $(($? == 0)) "$label: $name $before before, ${after:-?} after" \
			"differs by $((${after:-0} - before))$([ "$name" = mounts ] &&
				tr '\n' ' ' <"$WORK/mounts.$label" | sed 's/^/: /')"
	done <<<"$BASELINE"
}

# probe OPTIONS...: start a waiting container and, once it is up, count its
# supervisor's open fds into PROBE_FDS ("?" if it never came up); the first
# call also keeps the memory figures (PROBE_MEMORY) and the fd list. Not in
# $(...): a subshell's release_all would not close our own fd 4.
PROBE_MEMORY=
probe() {
	local sup
	start_waiting "$@" -- "echo up > /sync/up"
	sup=${LIVE[-1]}
	PROBE_FDS="?"
	if wait_up 1; then
		PROBE_FDS=$(ls /proc/"$sup"/fd | wc -l)
		if [ -z "$PROBE_MEMORY" ]; then
			PROBE_MEMORY="$(memory "$sup") $(memory $(tree $(cat /proc/"$sup"/task/*/children)))"
			ls -l /proc/"$sup"/fd >"$WORK/probe-fds"
		fi
	fi
	release_all
	wait_all
	open_go
}

# ---------------------------------------------------------------------------
# 0. the store, one warm-up run of each kind, the baseline
# ---------------------------------------------------------------------------
log "work directory $WORK, cgroup parent $CG_NAME (beneath our own cgroup)"
"$C" image import "$TARBALL" busybox >/dev/null 2>>"$ERR" 3>&- 4>&- ||
	die "image import $TARBALL: $(tail -1 "$ERR")"
# The parent in every hierarchy is ours, made before any container: a
# container removes only the parents it made itself, and the counts below
# need the parents to stay.
while IFS=$(printf '\t') read -r mnt root own; do
	rel=${own#"$root"}
	mkdir -p "$mnt/${rel#/}/$CG_NAME"
done < <(awk -f "$TOP/tests/cgroup_own_dirs.awk" /proc/self/cgroup /proc/self/mountinfo)
run_true || die "warm-up run on the bridge failed: $(tail -1 "$ERR")"
run_true --net none || die "warm-up run with --net none failed: $(tail -1 "$ERR")"
find_cg_parents
[ "${#CG_PARENTS[@]}" -gt 0 ] || die "no cgroup directory $CG_NAME after a run"
GATEWAY=$(ip -o -4 addr show dev kobako0 | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
[ -n "$GATEWAY" ] || die "the bridge kobako0 has no address after a run"
BASELINE=$(counts)
cut -d' ' -f5,9 /proc/self/mountinfo | sort >"$WORK/mounts.before" # MOUNTPOINT FSTYPE

T_START=$(now)
declare -A TOTAL_MS FDS_FIRST FDS_LAST # per loop: bridge, none

# ---------------------------------------------------------------------------
# 1. RUNS sequential runs, on the bridge and with --net none
# ---------------------------------------------------------------------------
loop() { # loop NAME OPTIONS...
	local name=$1 i fails=0 t0
	shift
	log "$RUNS runs of /bin/true ($name)"
	probe "$@"
	FDS_FIRST[$name]=$PROBE_FDS
	t0=$(now)
	for i in $(seq "$RUNS"); do
		run_true "$@" || fails=$((fails + 1))
	done
	TOTAL_MS[$name]=$(ms_since "$t0")
	probe "$@"
	FDS_LAST[$name]=$PROBE_FDS
	check $((fails == 0)) "$name: $RUNS runs of /bin/true exit 0" \
		"$fails failed; last error: $(tail -1 "$ERR")"
	[ "${FDS_FIRST[$name]}" = "${FDS_LAST[$name]}" ] && [ "${FDS_FIRST[$name]}" != "?" ]
	check $(($? == 0)) "$name: a running supervisor's open fds: ${FDS_FIRST[$name]} at the first run, ${FDS_LAST[$name]} at the last"
	compare "$name"
}
loop bridge
loop none --net none

# ---------------------------------------------------------------------------
# 2. ALIVE containers at once on the bridge
# ---------------------------------------------------------------------------
log "$ALIVE containers at once on the bridge"
t0=$(now)
for i in $(seq "$ALIVE"); do
	# each reports "ADDRESS ok|late|unreachable" once it has pinged the
	# gateway (late: no answer within 1 s, one within 3 s more)
	start_waiting -- "a=\$(ip -o -4 addr show dev eth0 | awk '{ print \$4 }'); \
if ping -c1 -W1 $GATEWAY >/dev/null 2>&1; then r=ok; \
elif ping -c1 -W3 $GATEWAY >/dev/null 2>&1; then r=late; else r=unreachable; fi; echo \"\$a \$r\" > /sync/up"
done
wait_up "$ALIVE"
up_ok=$?
TOTAL_MS[alive]=$(ms_since "$t0")
# memory of all of them at once: supervisors plus their containers' processes
ALIVE_MEMORY=$(memory $(tree "${LIVE[@]}"))
printf '%s\n' "${UP_LINES[@]}" >"$WORK/alive"
n_up=${#UP_LINES[@]}
n_distinct=$(awk '{ print $1 }' "$WORK/alive" | sort -u | grep -c .)
# 200 containers that ARP for the gateway at the same moment: the bridge
# floods each request to all 200 ports, 40,000 packets at once, more than a
# CPU's backlog holds (net.core.netdev_max_backlog, 1000), so some requests
# are dropped and ARP asks again a second later. Late is not lost: what
# counts is that every container reaches the gateway.
n_reach=$(grep -c -e ' ok$' -e ' late$' "$WORK/alive")
check $((up_ok == 0)) "alive: $n_up of $ALIVE containers up at once" \
	"the others did not report within ${UP_TIMEOUT}s; last error: $(tail -1 "$ERR")"
check $((n_distinct == ALIVE)) "alive: $n_distinct distinct addresses for $ALIVE containers"
check $((n_reach == ALIVE)) "alive: $n_reach of $ALIVE reach the gateway $GATEWAY ($(grep -c ' late$' "$WORK/alive") of them at the second ping)" \
	"$(grep -c ' unreachable$' "$WORK/alive") never"
t1=$(now)
release_all
wait_all
alive_exit=$ALL_OK
RELEASE_MS=$(ms_since "$t1")
open_go
check "$alive_exit" "alive: all $ALIVE supervisors exit 0 once released"
compare alive

# ---------------------------------------------------------------------------
# 3. KILLS supervisors SIGKILLed at random moments, then one normal run
# ---------------------------------------------------------------------------
KILL_NOTE="skipped (SOAK_KILLS=0)"
if [ "$KILLS" -gt 0 ]; then
	# A random delay up to twice the mean bridge run: some supervisors die
	# while they set the container up, others while it runs (it waits on go).
	max_ms=$((2 * TOTAL_MS[bridge] / RUNS + 1))
	log "$KILLS supervisors SIGKILLed 0..${max_ms} ms after their start"
	killed=0
	delays=()
	for _ in $(seq "$KILLS"); do
		d=$((RANDOM % (max_ms + 1)))
		delays+=("$d")
		start_waiting -- "echo up > /sync/up"
		sleep "$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 1000 }')"
		kill -KILL "${LIVE[-1]}"
		wait "${LIVE[-1]}" 2>/dev/null # not bash's "Killed" line
		[ $? = 137 ] && killed=$((killed + 1))
		LIVE=()
	done
	# The containers that came up before their supervisor died said so on
	# up; the others were killed during start-up.
	n_up=0
	while read -r -t 1 line <&3; do n_up=$((n_up + 1)); done
	release_all # a container that outlived its supervisor would wait on go
	open_go
	check $((killed == KILLS)) "kills: $killed of $KILLS supervisors died of SIGKILL" \
		"the others had exited before the signal"
	run_true
	check $(($? == 0)) "kills: the next normal run exits 0" "$(tail -1 "$ERR")"
	KILL_NOTE="$KILLS supervisors SIGKILLed after 0..$max_ms ms (delays: ${delays[*]}); $n_up had their container up, $((KILLS - n_up)) were still starting it; then one normal run"
	compare kills
fi
TOTAL_S=$(ms_since "$T_START")

# ---------------------------------------------------------------------------
# the results: printed, and into docs/benchmarks.md
# ---------------------------------------------------------------------------
mean() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.1f", t / n }'; }
secs() { awk -v t="$1" 'BEGIN { printf "%.1f", t / 1000 }'; }
read -r sup_rss sup_pss ctr_rss ctr_pss <<<"$PROBE_MEMORY"
read -r _ all_pss <<<"$ALIVE_MEMORY"

# The counts table, one row per count, one column per checkpoint.
table() { # table SEPARATOR: plain columns or a markdown table (|)
	local name
	{
		echo "count ${COLUMNS_DONE[*]}"
		while read -r name _; do
			printf '%s' "$name"
			printf ' %s' "$(echo "$BASELINE" | awk -v n="$name" '$1 == n { print $2 }')"
			for label in "${COLUMNS_DONE[@]:1}"; do
				printf ' %s' "$(awk -v n="$name" '$1 == n { print $2 }' "$WORK/counts.$label")"
			done
			echo
		done <<<"$BASELINE"
	} | if [ "$1" = "|" ]; then
		awk 'NR == 1 { s = "|"; for (i = 1; i <= NF; i++) s = s " " $i " |"; print s
			s = "|---|"; for (i = 2; i <= NF; i++) s = s "---:|"; print s; next }
			{ s = "|"; for (i = 1; i <= NF; i++) s = s " " $i " |"; print s }'
	else
		awk '{ for (i = 1; i <= NF; i++) printf (i == 1 ? "%-18s" : " %8s"), $i; print "" }'
	fi
}

{
	echo
	echo "times:"
	echo "  bridge: $RUNS runs in $(secs "${TOTAL_MS[bridge]}") s, $(mean "${TOTAL_MS[bridge]}" "$RUNS") ms per run"
	echo "  none:   $RUNS runs in $(secs "${TOTAL_MS[none]}") s, $(mean "${TOTAL_MS[none]}" "$RUNS") ms per run"
	echo "  alive:  $ALIVE up at once in $(secs "${TOTAL_MS[alive]}") s ($(mean "${TOTAL_MS[alive]}" "$ALIVE") ms per container), all released in $(secs "$RELEASE_MS") s"
	echo "  kills:  $KILL_NOTE"
	echo "  total:  $(secs "$TOTAL_S") s"
	echo
	echo "counts (before = after one warm-up run of each kind):"
	table " " | sed 's/^/  /'
	echo
	echo "memory of one running container (bridge, sh waiting on a FIFO):"
	echo "  supervisor:           VmRSS $sup_rss kB, Pss $sup_pss kB"
	echo "  container processes:  VmRSS $ctr_rss kB, Pss $ctr_pss kB"
	echo "  $ALIVE at once: Pss $all_pss kB in all, $((all_pss / ALIVE)) kB per container (supervisor + its processes)"
	echo "  a supervisor's open fds:"
	sed 's/^/    /' "$WORK/probe-fds"
} >&2

# The section for docs/benchmarks.md.
SECTION=$WORK/section.md
{
	echo "$HEADING"
	echo
	echo "\`sudo make soak\` (\`tests/soak.sh\`, not part of \`make check\`) runs step06 with the"
	echo "busybox image in a network and mount namespace of its own and checks that nothing is left"
	echo "behind: after each part the counts below must equal those before (taken after one warm-up"
	echo "run of each kind, so the bridge \`kobako0\` and the lease files are in both)."
	echo "Last run: $(date -u '+%Y-%m-%d'), commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?'),"
	echo "$(nproc) cores, Linux $(uname -r); result \`soak: $PASSED passed, $FAILED failed\`."
	echo
	echo "| part | total | per run |"
	echo "|---|---:|---:|"
	echo "| $RUNS × \`run busybox /bin/true\` (bridge) | $(secs "${TOTAL_MS[bridge]}") s | $(mean "${TOTAL_MS[bridge]}" "$RUNS") ms |"
	echo "| $RUNS × \`run --net none busybox /bin/true\` | $(secs "${TOTAL_MS[none]}") s | $(mean "${TOTAL_MS[none]}" "$RUNS") ms |"
	echo "| $ALIVE containers up at once on the bridge (each pinged the gateway) | $(secs "${TOTAL_MS[alive]}") s | $(mean "${TOTAL_MS[alive]}" "$ALIVE") ms |"
	echo
	echo "SIGKILL part: $KILL_NOTE."
	echo
	table "|"
	echo
	echo "Memory of one running container (bridge; \`sh\` waiting on a FIFO), from \`/proc\`:"
	echo "the supervisor VmRSS $sup_rss kB, Pss $sup_pss kB; the container's processes VmRSS $ctr_rss kB,"
	echo "Pss $ctr_pss kB. With $ALIVE at once: $((all_pss / ALIVE)) kB Pss per container (supervisor and its processes)."
	echo "A running supervisor's open fds: ${FDS_FIRST[bridge]} at the first run, ${FDS_LAST[bridge]} at the last (bridge);"
	echo "${FDS_FIRST[none]} and ${FDS_LAST[none]} with \`--net none\`."
} >"$SECTION"
# Replace the section (from its heading to the next "## " heading) or append
# it; every other line of the file is copied as it is.
if [ -f "$DOCS" ]; then
	awk -v heading="$HEADING" -v section="$SECTION" '
	function put() { while ((getline l < section) > 0) print l; done = 1 }
	$0 == heading { put(); skip = 1; next }
	skip && /^## / { skip = 0; print "" }
	!skip { print }
	END { if (!done) { print ""; put() } }' "$DOCS" >"$WORK/benchmarks.md" &&
		cat "$WORK/benchmarks.md" >"$DOCS" && log "updated $DOCS ($HEADING)"
fi

echo "soak: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
