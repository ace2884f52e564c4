#!/bin/sh
# bench.sh - `make bench`: how long each step takes to run /bin/true from the
# busybox rootfs, next to chroot, unshare, bwrap, crun and runc, measured in
# one run on this machine; plus peak RSS, 20 containers at once, and image
# import against tar -x. Results: build/bench/results.md and benchmarks.png
# (with --update-docs also docs/benchmarks.md and docs/benchmarks.png).
#
#   sudo sh tests/bench.sh [--update-docs]
#
# How (docs/benchmarks.md says more):
#  * hyperfine -N (no shell) runs every command in one invocation per round;
#    BENCH_ROUNDS rounds, each in a rotated order, pooled: hyperfine cannot
#    interleave single runs, rounds spread the machine's drift over all.
#    Before each round it waits (at most BENCH_QUIET_WAIT s) for the machine
#    to be idle, and it records how busy the machine was during the round.
#  * Every step that is built (stepNN_*/container) is measured, the others are
#    listed as skipped; a command that fails its smoke run is skipped with
#    its error, never timed.
#  * Everything runs in a fresh network namespace (lo up) and a private mount
#    namespace with a tmpfs on /run: bridges, veths, leases, netns names are
#    private and die with the bench. The hybrid cgroup layout's empty cgroup2
#    mount (/sys/fs/cgroup/unified) is unmounted in that mount namespace only,
#    because crun refuses hybrid mode; every runtime then sees plain v1.
#  * cgroups: kobako gets --cgroup-parent kobako-bench (relative: beneath our
#    own cgroup); crun/runc get OWN/kobako-bench/oci... (absolute, since crun
#    reads every cgroupsPath as absolute; OWN is our deepest own cgroup). Every
#    cgroup directory that did not exist before is removed at the end.
#
# Knobs (environment): BENCH_ROUNDS (5), BENCH_WARMUP (10), BENCH_MIN_RUNS (40),
# BENCH_MAX_RUNS (150) per command and round; BENCH_RSS_RUNS (5);
# BENCH_PARALLEL (20); BENCH_TREE_MIB (200); BENCH_IMPORT_ROUNDS (7);
# BENCH_QUIET_WAIT (20 s), BENCH_QUIET_PCT (25: idle = less busy than that).
set -eu
LC_ALL=C
export LC_ALL

TOP=$(cd "$(dirname "$0")/.." && pwd)
HERE=$TOP/tests/bench
OUT=$TOP/build/bench
ROOTFS=$TOP/build/rootfs/busybox
ROUNDS=${BENCH_ROUNDS:-5}
WARMUP=${BENCH_WARMUP:-10}
MIN_RUNS=${BENCH_MIN_RUNS:-40}
MAX_RUNS=${BENCH_MAX_RUNS:-150}
RSS_RUNS=${BENCH_RSS_RUNS:-5}
PARALLEL=${BENCH_PARALLEL:-20}
TREE_MIB=${BENCH_TREE_MIB:-200}
IMPORT_ROUNDS=${BENCH_IMPORT_ROUNDS:-7}
QUIET_WAIT=${BENCH_QUIET_WAIT:-20}
QUIET_PCT=${BENCH_QUIET_PCT:-25}
CG_NAME=kobako-bench                 # our cgroups, beneath our own
TAB=$(printf '\t')
# Debian packages the bench needs (commands: hyperfine crun runc bwrap gnuplot
# unshare /usr/bin/time ip tar).
PACKAGES="hyperfine crun runc bubblewrap gnuplot-nox util-linux time iproute2 tar"

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# apt-get update once, then install only what is missing.
install_missing() {
	missing=
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	command -v apt-get >/dev/null || die "missing packages:$missing (no apt-get here)"
	log "installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
}

# ---------------------------------------------------------------------------
# outside: install, check, then start again in fresh network + mount namespaces
# ---------------------------------------------------------------------------
if [ "${1:-}" != __inside ]; then
	[ "$(id -u)" = 0 ] || die "must run as root (namespaces, cgroups, crun, runc)"
	case "$TOP" in *[[:space:]]*) die "$TOP: hyperfine -N cannot take paths with spaces" ;; esac
	install_missing
	[ -x "$ROOTFS/bin/busybox" ] || die "$ROOTFS missing: make rootfs"
	BENCH_T0=$(date +%s)
	export BENCH_T0
	exec unshare --net --mount --propagation private -- sh "$0" __inside "$@"
fi
shift
UPDATE_DOCS=0
[ "${1:-}" = --update-docs ] && UPDATE_DOCS=1

# ---------------------------------------------------------------------------
# inside our own network and mount namespaces
# ---------------------------------------------------------------------------
mount -t tmpfs -o mode=755,size=16m kobako-bench-run /run   # leases, /run/netns: ours
CGROUP2_NOTE="no cgroup2 mount at /sys/fs/cgroup/unified"
if mountpoint -q /sys/fs/cgroup/unified && [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ]; then
	# Hybrid layout: crun 1.8 says "cgroups in hybrid mode not supported".
	umount /sys/fs/cgroup/unified ||
		mount -t tmpfs -o size=64k,mode=755 kobako-bench-hide /sys/fs/cgroup/unified
	CGROUP2_NOTE="the hybrid layout's cgroup2 mount /sys/fs/cgroup/unified was unmounted in the bench's private mount namespace (crun refuses hybrid mode); every command, kobako included, ran with plain cgroup v1"
fi
ip link set lo up

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kobako-bench.XXXXXX")
RAW=$OUT/raw
STATE=$WORK/state
STORE=$WORK/store
LEDGER=$WORK/cgroup-ledger

# "MOUNTPOINT<TAB>OWN-PATH" for every cgroup hierarchy we are in.
cgroup_hierarchies() {
	awk -v tab="$TAB" '
	FILENAME == "/proc/self/cgroup" {
		i = index($0, ":"); rest = substr($0, i + 1); j = index(rest, ":")
		own[substr(rest, 1, j - 1)] = substr(rest, j + 1); next
	}
	{
		for (f = 1; $f != "-"; f++) ; type = $(f + 1)
		if (type == "cgroup2") { if ("" in own) print $5 tab own[""]; next }
		if (type != "cgroup") next
		n = split($(f + 3), opt, ",")
		for (key in own) {
			if (key == "") continue
			m = split(key, want, ","); ok = 1
			for (k = 1; k <= m; k++) {
				found = 0
				for (o = 1; o <= n; o++) if (opt[o] == want[k]) found = 1
				if (!found) ok = 0
			}
			if (ok) { print $5 tab own[key]; break }
		}
	}' FS=' ' /proc/self/cgroup /proc/self/mountinfo
}

# Our deepest own cgroup path: the OCI runtimes' cgroups go beneath it.
OWN=$(cgroup_hierarchies | awk -F"$TAB" 'length($2) > length(best) { best = $2 } END { print best }')
OWN=${OWN%/}
OCI_CG=$OWN/$CG_NAME

# Record (once) every cgroup directory that kobako or the OCI runtimes may
# create and that does not exist yet; cleanup removes them, deepest first.
make_ledger() {
	: > "$LEDGER"
	cgroup_hierarchies | while IFS="$TAB" read -r mnt own; do
		own=${own%/}
		for path in "$own/$CG_NAME" "$OCI_CG"; do
			acc=$mnt
			for part in $(echo "${path#/}" | tr / ' '); do
				acc=$acc/$part
				[ -d "$acc" ] || echo "$acc" >> "$LEDGER"
			done
		done
	done
	sort -u -o "$LEDGER" "$LEDGER"
}

# Remove a cgroup directory and whatever is left beneath it; say what was left.
remove_cgroup_tree() {
	left=$(find "$1" -mindepth 1 -type d 2>/dev/null | wc -l)
	[ "$left" -gt 0 ] && log "warning: $left cgroup(s) left behind beneath $1: removing them"
	find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null || log "warning: could not remove $1"
}

cleanup() {
	rc=$?
	set +e
	[ -d "$STATE/crun" ] && crun --root "$STATE/crun" delete -f kb-crun >/dev/null 2>&1
	[ -d "$STATE/runc" ] && runc --root "$STATE/runc" delete -f kb-runc >/dev/null 2>&1
	if [ -s "$LEDGER" ]; then
		# deepest first; beneath a kobako-bench directory everything is ours
		awk -F/ '{ print NF "\t" $0 }' "$LEDGER" | sort -rn | cut -f2- | while read -r d; do
			[ -d "$d" ] || continue
			case $d in
			*/"$CG_NAME") remove_cgroup_tree "$d" ;;
			*) rmdir "$d" || log "warning: could not remove $d" ;;
			esac
		done
	fi
	if [ -d "$STORE/containers" ] && [ -n "$(ls -A "$STORE/containers")" ]; then
		log "warning: step06 left container directories behind in its store"
	fi
	umount "$WORK/import" 2>/dev/null
	rm -rf "$WORK"
	[ "$rc" = 0 ] || log "failed (exit $rc); cleaned up"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

make_ledger
rm -rf "$OUT"
mkdir -p "$RAW" "$STATE/crun" "$STATE/runc" "$STORE"
: > "$RAW/skipped.tsv"
: > "$RAW/notes.tsv"
: > "$RAW/hyperfine.log"

# ---------------------------------------------------------------------------
# the machine
# ---------------------------------------------------------------------------
{
	echo "date	$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "kobako	$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$TOP" status --porcelain 2>/dev/null | grep -q . && echo ' + uncommitted changes')"
	echo "kernel	$(uname -r) ($(uname -m))"
	echo "os	$(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "cpu	$(nproc) x $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "memory	$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "disk	$(findmnt -n -o FSTYPE -T "$WORK") on $(findmnt -n -o SOURCE -T "$WORK") (for $WORK)"
	echo "cgroups	$(cgroup_hierarchies | awk -F"$TAB" '{ sub(/^\/sys\/fs\/cgroup\//, "", $1); printf "%s%s", s, $1; s = " " }') (own: $OWN)"
	echo "cgroup2	$CGROUP2_NOTE"
	echo "hyperfine	$(hyperfine --version)"
	echo "crun	$(crun --version | head -1)"
	echo "runc	$(runc --version | head -1)"
	echo "bwrap	$(bwrap --version)"
	echo "unshare	$(unshare --version)"
	echo "busybox	$("$ROOTFS/bin/busybox" | head -1)"
	echo "loadavg	$(cut -d' ' -f1-3 /proc/loadavg) at start"
} > "$RAW/env.tsv"
sed "s/$TAB/: /" "$RAW/env.tsv" >&2

# ---------------------------------------------------------------------------
# the commands: NAME<TAB>COMMAND in $RAW/commands.tsv, each smoke-tested once
# ---------------------------------------------------------------------------
sh "$HERE/oci-bundle.sh" "$WORK/bundle" "$ROOTFS" "$OCI_CG/oci"
i=1
while [ "$i" -le "$PARALLEL" ]; do   # one bundle per container for crun x20
	n=$i
	[ "$i" -lt 10 ] && n=0$i
	sh "$HERE/oci-bundle.sh" "$WORK/bundle$n" "$ROOTFS" "$OCI_CG/oci$n"
	i=$((i + 1))
done

: > "$RAW/commands.tsv"
# add NAME COMMAND: keep it if it runs /bin/true with exit 0, else say why not.
add() {
	if err=$($2 2>&1 >/dev/null); then
		printf '%s\t%s\n' "$1" "$2" >> "$RAW/commands.tsv"
	else
		log "skipped $1: $2 failed: $(echo "$err" | tail -1)"
		printf '%s\t%s\n' "$1" "failed: $(echo "$err" | tail -1)" >> "$RAW/skipped.tsv"
	fi
}
# kobako NUM [OPTIONS]: the command for step NUM, with our cgroup parent and store.
kobako() {
	num=$1
	shift
	set -- "$(ls -d "$TOP/step$num"_* | head -1)/container" run "$@"
	[ "$num" -ge 5 ] && set -- "$@" --cgroup-parent "$CG_NAME"
	[ "$num" -ge 6 ] && set -- "$@" --root "$STORE"
	echo "$*" "$ROOTFS" /bin/true
}
# unshare_namespaces NUM: unshare(1)'s options for the namespaces of step NUM.
unshare_namespaces() {
	case $1 in
	01) echo --fork ;;
	02) echo --fork --uts --pid ;;
	03) echo --fork --uts --pid --mount --ipc --mount-proc ;;
	04) echo --fork --uts --pid --mount --ipc --mount-proc --net ;;
	*) echo --fork --uts --pid --mount --ipc --mount-proc --net --cgroup ;;
	esac
}
STEPS=
LAST_NET_STEP=
add exec /bin/true
add chroot "chroot $ROOTFS /bin/true"
for num in 01 02 03 04 05 06; do
	dir=$(ls -d "$TOP/step$num"_* 2>/dev/null | head -1)
	if [ -z "$dir" ] || [ ! -x "$dir/container" ]; then
		log "skipped step$num: not built"
		printf 'step%s\tnot built (no step%s_*/container)\n' "$num" "$num" >> "$RAW/skipped.tsv"
		continue
	fi
	STEPS="$STEPS $num"
	add "step$num" "$(kobako "$num")"
	if [ "$num" -ge 4 ]; then
		add "step$num-none" "$(kobako "$num" --net none)"
		# The bridge run of a step without net.c has no network at all.
		if [ ! -f "$dir/net.c" ]; then
			printf 'step%s\thas no net.c: --net is parsed but not used, its default run has no network\n' \
				"$num" >> "$RAW/notes.tsv"
		elif grep -q "^step$num$TAB" "$RAW/commands.tsv"; then
			LAST_NET_STEP=$num
		fi
	fi
	[ "$num" -le 5 ] && add "unshare-$num" "unshare $(unshare_namespaces "$num") --root=$ROOTFS /bin/true"
done
add bwrap "bwrap --unshare-all --bind $ROOTFS / --proc /proc --dev /dev /bin/true"
add crun "crun --root $STATE/crun --cgroup-manager=cgroupfs run --bundle $WORK/bundle kb-crun"
add runc "runc --root $STATE/runc run --bundle $WORK/bundle kb-runc"

# ---------------------------------------------------------------------------
# start-up latency: ROUNDS hyperfine runs of every command, rotated order
# ---------------------------------------------------------------------------
cpu_jiffies() { awk '/^cpu / { t = 0; for (i = 2; i <= 9; i++) t += $i; print t, $5 + $6 }' /proc/stat; }
# busy_pct "T0 IDLE0" "T1 IDLE1": how busy all CPUs were in between, in %.
busy_pct() { echo "$1 $2" | awk '{ dt = $3 - $1; printf "%.0f\n", (dt > 0 ? 100 * (dt - ($4 - $2)) / dt : 0) }'; }
# Wait until the machine was idle for a second, at most QUIET_WAIT seconds.
wait_quiet() {
	waited=0
	while [ "$waited" -lt "$QUIET_WAIT" ]; do
		j=$(cpu_jiffies)
		sleep 1
		[ "$(busy_pct "$j" "$(cpu_jiffies)")" -lt "$QUIET_PCT" ] && return 0
		waited=$((waited + 1))
	done
	log "the machine is still busy after ${QUIET_WAIT}s: going on"
}
n_commands=$(wc -l < "$RAW/commands.tsv")
: > "$RAW/busy.tsv"
round=1
while [ "$round" -le "$ROUNDS" ]; do
	# rotate: round r starts at command 1 + (r-1) * n / ROUNDS
	start=$(( (round - 1) * n_commands / ROUNDS ))
	{ tail -n +"$((start + 1))" "$RAW/commands.tsv"; head -n "$start" "$RAW/commands.tsv"; } > "$WORK/order"
	set --
	while IFS="$TAB" read -r name cmd; do
		set -- "$@" -n "$name" "$cmd"
	done < "$WORK/order"
	wait_quiet
	log "round $round/$ROUNDS: $n_commands commands, $MIN_RUNS..$MAX_RUNS runs each"
	j0=$(cpu_jiffies)
	hyperfine -N --style basic --warmup "$WARMUP" --min-runs "$MIN_RUNS" --max-runs "$MAX_RUNS" \
		--export-json "$RAW/round$round.json" "$@" >> "$RAW/hyperfine.log" 2>&1 ||
		{ tail -20 "$RAW/hyperfine.log" >&2; die "hyperfine round $round failed"; }
	printf '%s\t%s\n' "$round" "$(busy_pct "$j0" "$(cpu_jiffies)")" >> "$RAW/busy.tsv"
	round=$((round + 1))
done
awk -f "$HERE/times.awk" "$RAW"/round*.json > "$RAW/times.tsv"
sort -t"$TAB" -k1,1 -k3,3g "$RAW/times.tsv" | awk -f "$HERE/stats.awk" > "$RAW/stats.tsv"
sort -t"$TAB" -k1,1 -k2,2n -k3,3g "$RAW/times.tsv" | awk -v by_round=1 -f "$HERE/stats.awk" > "$RAW/rounds.tsv"

# ---------------------------------------------------------------------------
# peak RSS: /usr/bin/time's maximum resident set size (getrusage of children:
# the largest process of the tree, for kobako the supervisor)
# ---------------------------------------------------------------------------
log "peak RSS, $RSS_RUNS runs each"
: > "$RAW/rss.tsv"
while IFS="$TAB" read -r name cmd; do
	case $name in exec | chroot | unshare-0[1-4]) continue ;; esac
	i=1
	while [ "$i" -le "$RSS_RUNS" ]; do
		/usr/bin/time -f %M -o "$WORK/rss" $cmd > /dev/null 2>&1 || die "$name failed under /usr/bin/time"
		printf '%s\t%s\n' "$name" "$(tail -1 "$WORK/rss")" >> "$RAW/rss.tsv"
		i=$((i + 1))
	done
done < "$RAW/commands.tsv"

# ---------------------------------------------------------------------------
# PARALLEL containers at once (with step04+: bridge networking)
# ---------------------------------------------------------------------------
set --
if [ -n "$LAST_NET_STEP" ]; then
	set -- "$@" -n "step$LAST_NET_STEP x$PARALLEL" "sh $HERE/parallel.sh $PARALLEL $(kobako "$LAST_NET_STEP")"
	set -- "$@" -n "step$LAST_NET_STEP-none x$PARALLEL" "sh $HERE/parallel.sh $PARALLEL $(kobako "$LAST_NET_STEP" --net none)"
else
	printf 'parallel\tno step with networking (step04+) built\n' >> "$RAW/skipped.tsv"
fi
if grep -q "^crun$TAB" "$RAW/commands.tsv"; then
	set -- "$@" -n "crun x$PARALLEL" "sh $HERE/parallel.sh $PARALLEL crun --root $STATE/crun --cgroup-manager=cgroupfs run --bundle $WORK/bundle%i kb-crun%i"
fi
if [ $# -gt 0 ]; then
	log "$PARALLEL containers at once"
	hyperfine -N --style basic --warmup 1 --runs 10 --export-json "$RAW/parallel.json" "$@" \
		>> "$RAW/hyperfine.log" 2>&1 || { tail -20 "$RAW/hyperfine.log" >&2; die "parallel start failed"; }
	awk -f "$HERE/times.awk" "$RAW/parallel.json" | sort -t"$TAB" -k1,1 -k3,3g |
		awk -f "$HERE/stats.awk" > "$RAW/parallel.tsv"
fi

# ---------------------------------------------------------------------------
# image import of a TREE_MIB MiB rootfs tarball against tar -x (step06)
# ---------------------------------------------------------------------------
if echo " $STEPS " | grep -q ' 06 '; then
	# On a tmpfs: the unpacking is measured, not the disk. (This VM's ext4,
	# after many deletions, spends most of a create in its recently_deleted()
	# inode scan, and the numbers drift with every run.)
	IMG=$WORK/import
	mkdir -p "$IMG"
	tmpfs_mib=$((TREE_MIB * 4 + 64))
	if [ "$(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)" -gt $((tmpfs_mib * 2)) ]; then
		mount -t tmpfs -o size="$tmpfs_mib"m kobako-bench-import "$IMG"
		echo "tmpfs" > "$RAW/import-fs.txt"
	else
		echo "$(findmnt -n -o FSTYPE -T "$IMG") (too little memory for a tmpfs)" > "$RAW/import-fs.txt"
	fi
	log "image import: generating a $TREE_MIB MiB tree of small files"
	mkdir -p "$IMG/image"
	cp -a "$ROOTFS/." "$IMG/image/"
	rm -f "$IMG/image/.done"
	sh "$HERE/mktree.sh" "$IMG/image/usr/share/bench" "$TREE_MIB" > "$RAW/tree.txt"
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$IMG/image" -cf "$IMG/image.tar" .
	rm -rf "$IMG/image"
	echo "$(wc -c < "$IMG/image.tar") bytes, $(cat "$RAW/tree.txt") of data plus the busybox rootfs" > "$RAW/tarball.txt"
	step06=$(ls -d "$TOP"/step06_* | head -1)/container
	# One run of each per round, in turns (import first in odd rounds):
	# this VM's tmpfs writes drift by 2x from one second to the next, and
	# hyperfine would run all of one command's runs before the other's.
	# Round 0 warms up and is not kept.
	log "image import vs tar -x: $IMPORT_ROUNDS rounds, one run of each, taking turns"
	import_once() { # NAME PREPARE-DIR COMMAND JSON
		hyperfine -N --style basic --runs 1 --prepare "sh $HERE/reset.sh $2" -n "$1" "$3" \
			--export-json "$4" >> "$RAW/hyperfine.log" 2>&1 ||
			{ tail -20 "$RAW/hyperfine.log" >&2; die "import benchmark failed"; }
	}
	round=0
	while [ "$round" -le "$IMPORT_ROUNDS" ]; do
		for which in $([ $((round % 2)) = 1 ] && echo "import tar" || echo "tar import"); do
			case $which in
			import) import_once "container image import" "$IMG/store" \
				"$step06 image import $IMG/image.tar bench --root $IMG/store" \
				"$RAW/import-$round-import.json" ;;
			tar) import_once "tar -x" "$IMG/tar-x" "tar -xf $IMG/image.tar -C $IMG/tar-x" \
				"$RAW/import-$round-tar.json" ;;
			esac
		done
		round=$((round + 1))
	done
	rm -f "$RAW"/import-0-*.json
	awk -f "$HERE/times.awk" "$RAW"/import-*.json | sort -t"$TAB" -k1,1 -k3,3g |
		awk -f "$HERE/stats.awk" > "$RAW/import.tsv"
	# The imported image must run, and hold what the tarball held.
	"$step06" run --net none --cgroup-parent "$CG_NAME" --root "$IMG/store" bench \
		/bin/sh -c 'test -s /usr/share/bench/d000/f000' ||
		die "the imported image does not run or lacks its files"
	rm -rf "$IMG/store" "$IMG/tar-x" "$IMG/image.tar"
	umount "$IMG" 2>/dev/null || true
else
	printf 'image import\tstep06 not built\n' >> "$RAW/skipped.tsv"
fi

# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------
echo "loadavg	$(cut -d' ' -f1-3 /proc/loadavg) at end" >> "$RAW/env.tsv"
echo "duration	$(( $(date +%s) - ${BENCH_T0:-$(date +%s)} )) s" >> "$RAW/env.tsv"
sh "$HERE/report.sh" "$OUT"
if [ "$UPDATE_DOCS" = 1 ]; then
	sh "$HERE/update-docs.sh" "$OUT" "$TOP/docs"
	log "updated docs/benchmarks.md and docs/benchmarks.png"
fi
log "done in $(( $(date +%s) - ${BENCH_T0:-$(date +%s)} )) s: $OUT/results.md, $OUT/benchmarks.png"
