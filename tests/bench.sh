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
# unshare /usr/bin/time ip tar; python3 and containers-common's seccomp.json
# for crun with step07's profile; useradd, setpriv, newuidmap for step08 as a
# user; docker-registry, skopeo, podman, gzip, sha256sum, curl for the pull).
PACKAGES="hyperfine crun runc bubblewrap gnuplot-nox util-linux time iproute2 tar python3
	golang-github-containers-common passwd uidmap docker-registry skopeo podman gzip coreutils curl"
SECCOMP_JSON=/usr/share/containers/seccomp.json   # Docker's profile (containers-common)
PORT_LOCAL=127.0.0.1:18080:80                        # step04 -p: proxy only
PORT_ALL=0.0.0.0:18080:80                            # step04 -p: DNAT rule + proxy
REGISTRY_ADDR=127.0.0.1:5000                         # the pull's registry (our netns)
SUBID_RANGE=300000-365535                            # the bench user's subordinate ids

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

# The throw-away user of step08's row, its subordinate ids and its home.
BENCH_USER=
remove_user() {
	[ -n "$BENCH_USER" ] || return 0
	left=$(ps -o pid= -u "$BENCH_USER" 2>/dev/null | tr -d ' ')
	[ -n "$left" ] && log "warning: processes of $BENCH_USER left: $(echo $left)"
	userdel "$BENCH_USER" 2>/dev/null || log "warning: userdel $BENCH_USER failed"
	sed -i "/^$BENCH_USER:/d" /etc/subuid /etc/subgid
	BENCH_USER=
}

# Unmount everything mounted on or beneath a directory, deepest first.
unmount_beneath() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
}

cleanup() {
	rc=$?
	set +e
	[ -d "$STATE/crun" ] && crun --root "$STATE/crun" delete -f kb-crun >/dev/null 2>&1
	[ -d "$STATE/runc" ] && runc --root "$STATE/runc" delete -f kb-runc >/dev/null 2>&1
	[ -n "${REGISTRY_PID:-}" ] && kill "$REGISTRY_PID" 2>/dev/null && wait "$REGISTRY_PID" 2>/dev/null
	remove_user
	[ -d "$WORK/pull" ] && unmount_beneath "$WORK/pull"
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
for num in 01 02 03 04 05 06 07 08; do
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
BWRAP="bwrap --unshare-all --bind $ROOTFS / --proc /proc --dev /dev /bin/true"
add bwrap "$BWRAP"
add crun "crun --root $STATE/crun --cgroup-manager=cgroupfs run --bundle $WORK/bundle kb-crun"
add runc "runc --root $STATE/runc run --bundle $WORK/bundle kb-runc"

# skip NAME WHY: a row that cannot be measured here, listed with the reason.
skip() {
	log "skipped $1: $2"
	printf '%s\t%s\n' "$1" "$2" >> "$RAW/skipped.tsv"
}
built() { echo " $STEPS " | grep -q " $1 "; }

# step04 -p (issue 14): the proxy alone (127.0.0.1), and the DNAT rule + proxy.
if built 04; then
	add step04-p-local "$(kobako 04 -p "$PORT_LOCAL")"
	add step04-p-all "$(kobako 04 -p "$PORT_ALL")"
fi

# step07's seccomp filter (issue 16): none, the built-in default (step07-none),
# Docker's profile from a file; crun with the same profile, converted to the
# OCI form for the bundle's capabilities (seccomp-oci.py).
if built 07; then
	add step07-unconfined "$(kobako 07 --net none --security-opt seccomp=unconfined)"
	if [ -f "$SECCOMP_JSON" ]; then
		add step07-seccomp "$(kobako 07 --net none --security-opt seccomp="$SECCOMP_JSON")"
	else
		skip step07-seccomp "$SECCOMP_JSON missing (golang-github-containers-common)"
	fi
fi
if [ -f "$SECCOMP_JSON" ] && command -v python3 >/dev/null; then
	python3 "$HERE/seccomp-oci.py" "$SECCOMP_JSON" CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE \
		> "$WORK/seccomp-oci.json"
	sh "$HERE/oci-bundle.sh" "$WORK/bundle-seccomp" "$ROOTFS" "$OCI_CG/oci-seccomp" \
		--seccomp "$WORK/seccomp-oci.json"
	add crun-seccomp "crun --root $STATE/crun --cgroup-manager=cgroupfs run --bundle $WORK/bundle-seccomp kb-crun-seccomp"
else
	skip crun-seccomp "$SECCOMP_JSON or python3 missing"
fi

# step08 as an ordinary user (issue 17), next to bwrap and crun --rootless as
# the same user: a throw-away user with its own subordinate ids (so step08
# uses newuidmap), HOME and XDG_RUNTIME_DIR in our work directory. Every user
# command runs through the same setpriv + env, so the wrapper costs all alike.
if built 08 && command -v useradd >/dev/null && command -v setpriv >/dev/null; then
	BENCH_USER=kobako-bench-$$
	uhome=$WORK/user-home urun=$WORK/user-run
	chmod 711 "$WORK"
	useradd -M -d "$uhome" -s /bin/sh "$BENCH_USER" ||
		{ BENCH_USER=; die "useradd $BENCH_USER failed"; }
	usermod --add-subuids "$SUBID_RANGE" --add-subgids "$SUBID_RANGE" "$BENCH_USER"
	mkdir -m 700 "$uhome" "$urun"
	chown "$BENCH_USER:" "$uhome" "$urun"
	AS_USER="setpriv --reuid=$BENCH_USER --regid=$BENCH_USER --init-groups env -i HOME=$uhome XDG_RUNTIME_DIR=$urun PATH=/usr/bin:/bin"
	step08=$(ls -d "$TOP"/step08_* | head -1)/container
	add step08-user "$AS_USER $step08 run --net none $ROOTFS /bin/true"
	add bwrap-user "$AS_USER $BWRAP"
	sh "$HERE/oci-bundle.sh" "$WORK/bundle-rootless" "$ROOTFS" "" --rootless
	chmod 755 "$WORK/bundle-rootless"
	add crun-rootless "$AS_USER crun --rootless=true --root $urun/crun run --bundle $WORK/bundle-rootless kb-crun-rootless"
elif built 08; then
	skip step08-user "useradd or setpriv missing"
fi

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
		/usr/bin/time -f %M -o "$WORK/rss" $cmd < /dev/null > /dev/null 2>&1 || die "$name failed under /usr/bin/time"
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
# pull (issue 15): a TREE_MIB MiB, 3-layer gzip image from a docker-registry on
# 127.0.0.1 (our network namespace) into an empty store, against podman pull
# of the same image; where the time goes: skopeo copy to an OCI directory
# (download only) and container image import of the same layout (unpack).
# ---------------------------------------------------------------------------
pull_bench() {
	P=$WORK/pull
	mkdir -p "$P"
	tmpfs_mib=$((TREE_MIB * 6 + 128))   # tree, layout, registry, stores, podman
	if [ "$(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)" -gt $((tmpfs_mib * 2)) ]; then
		mount -t tmpfs -o size="$tmpfs_mib"m kobako-bench-pull "$P"
		echo "tmpfs" > "$RAW/pull-fs.txt"
	else
		echo "$(findmnt -n -o FSTYPE -T "$P") (too little memory for a tmpfs)" > "$RAW/pull-fs.txt"
	fi
	log "pull: a registry on $REGISTRY_ADDR, a 3-layer image of $TREE_MIB MiB"
	cat > "$P/registry.yml" <<-YAML
	version: 0.1
	log:
	  level: warn
	storage:
	  filesystem:
	    rootdirectory: $P/registry
	http:
	  addr: $REGISTRY_ADDR
	YAML
	docker-registry serve "$P/registry.yml" > "$RAW/registry.log" 2>&1 &
	REGISTRY_PID=$!
	tries=0
	until curl -fs "http://$REGISTRY_ADDR/v2/" > /dev/null 2>&1; do
		tries=$((tries + 1))
		[ "$tries" -lt 100 ] || die "docker-registry does not answer on $REGISTRY_ADDR (see $RAW/registry.log)"
		sleep 0.1
	done
	# layer 1: the busybox rootfs; layers 2 and 3: half the tree each
	mkdir -p "$P/tree/1" "$P/tree/2/usr/share/bench-a" "$P/tree/3/usr/share/bench-b"
	cp -a "$ROOTFS/." "$P/tree/1/"
	rm -f "$P/tree/1/.done"
	sh "$HERE/mktree.sh" "$P/tree/2/usr/share/bench-a" $((TREE_MIB / 2)) > /dev/null
	sh "$HERE/mktree.sh" "$P/tree/3/usr/share/bench-b" $((TREE_MIB - TREE_MIB / 2)) > /dev/null
	sh "$HERE/oci-image.sh" "$P/layout" "$P/tree/1" "$P/tree/2" "$P/tree/3" > "$RAW/pull-image.txt"
	rm -rf "$P/tree"
	image=$REGISTRY_ADDR/bench/pull:1
	skopeo copy -q --dest-tls-verify=false "oci:$P/layout" "docker://$image" ||
		die "skopeo could not push the image to $REGISTRY_ADDR"
	tar -C "$P/layout" -cf "$P/image-oci.tar" .   # the same layout, for import
	rm -rf "$P/layout"
	step06=$(ls -d "$TOP"/step06_* | head -1)/container
	PULL="$step06 image pull -q --root $P/store $image bench"
	SKOPEO="skopeo copy -q --src-tls-verify=false docker://$image oci:$P/oci:bench"
	IMPORT="$step06 image import $P/image-oci.tar bench --root $P/import-store"
	PODMAN="podman --root $P/podman --runroot $P/podman-run --storage-driver overlay --cgroup-manager cgroupfs --events-backend none pull -q --tls-verify=false $image"
	# smoke runs (each then starts from empty again)
	pullers="pull skopeo import"
	for which in pull skopeo import podman; do
		case $which in
		pull) cmd=$PULL ;; skopeo) cmd=$SKOPEO ;; import) cmd=$IMPORT ;; podman) cmd=$PODMAN ;;
		esac
		if [ "$which" = podman ] && ! command -v podman > /dev/null; then
			skip "podman pull" "podman not installed"
			continue
		fi
		if ! err=$($cmd 2>&1 > /dev/null); then
			skip "pull: $which" "$cmd failed: $(echo "$err" | tail -1)"
			[ "$which" = pull ] && return 0
			pullers=$(echo "$pullers" | sed "s/$which//")
		elif [ "$which" = podman ]; then
			pullers="$pullers podman"
		fi
	done
	"$step06" run --net none --cgroup-parent "$CG_NAME" --root "$P/store" bench \
		/bin/sh -c 'test -s /usr/share/bench-b/d000/f000' ||
		die "the pulled image does not run or lacks its files"
	# Re-pull: everything is already there (the smoke runs filled the stores).
	set -- -n "container image pull (again)" "$PULL"
	echo " $pullers " | grep -q ' podman ' && set -- "$@" -n "podman pull (again)" "$PODMAN"
	log "re-pull: $((MIN_RUNS / 4 + 1)) runs each"
	hyperfine -N --style basic --warmup 1 --runs $((MIN_RUNS / 4 + 1)) --export-json "$RAW/repull.json" "$@" \
		>> "$RAW/hyperfine.log" 2>&1 || { tail -20 "$RAW/hyperfine.log" >&2; die "re-pull failed"; }
	awk -f "$HERE/times.awk" "$RAW/repull.json" | sort -t"$TAB" -k1,1 -k3,3g |
		awk -f "$HERE/stats.awk" > "$RAW/repull.tsv"
	# From an empty store: one run of each per round, in rotated order,
	# after a warm-up round that is not kept (as for the import).
	log "pull into an empty store: $IMPORT_ROUNDS rounds, one run of each ($pullers), taking turns"
	round=0
	while [ "$round" -le "$IMPORT_ROUNDS" ]; do
		set -- $pullers
		k=0
		while [ "$k" -lt $((round % $#)) ]; do first=$1; shift; set -- "$@" "$first"; k=$((k + 1)); done
		for which; do
			case $which in
			pull) name="container image pull" dir=$P/store cmd=$PULL ;;
			skopeo) name="skopeo copy (download only)" dir=$P/oci cmd=$SKOPEO ;;
			import) name="container image import (unpack only)" dir=$P/import-store cmd=$IMPORT ;;
			podman) name="podman pull" dir=$P/podman cmd=$PODMAN ;;
			esac
			hyperfine -N --style basic --runs 1 --prepare "sh $HERE/reset.sh $dir" -n "$name" "$cmd" \
				--export-json "$RAW/pull-$round-$which.json" >> "$RAW/hyperfine.log" 2>&1 ||
				{ tail -20 "$RAW/hyperfine.log" >&2; die "pull benchmark ($which) failed"; }
		done
		round=$((round + 1))
	done
	rm -f "$RAW"/pull-0-*.json
	awk -f "$HERE/times.awk" "$RAW"/pull-[0-9]*.json | sort -t"$TAB" -k1,1 -k3,3g |
		awk -f "$HERE/stats.awk" > "$RAW/pull.tsv"
	kill "$REGISTRY_PID" 2>/dev/null
	wait "$REGISTRY_PID" 2>/dev/null || true   # 143: it ended by our SIGTERM
	REGISTRY_PID=
	unmount_beneath "$P"
	rm -rf "$P"
}
if ! built 06; then
	skip pull "step06 not built"
elif ! command -v docker-registry > /dev/null || ! command -v skopeo > /dev/null; then
	skip pull "docker-registry or skopeo missing"
else
	pull_bench
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
