#!/bin/sh
# check-tutorial.sh [--show] - keep TUTORIAL.md and TUTORIAL.ja.md true.
#
#   sh tests/check-tutorial.sh           run every check, print a total line
#   sh tests/check-tutorial.sh --show    print what each command really prints
#                                        (to paste into the tutorial), no checks
#   sh tests/check-tutorial.sh --exercise 1.3
#                                        run one exercise's check against the
#                                        working tree as it is (the learner's
#                                        code): pass or fail, and the hint
#                                        (`make exercise EX=1.3`)
#
# What it checks (from the repository top):
#  1. excerpts: a fenced block preceded by `<!-- from PATH -->` appears
#     verbatim in PATH (a step file, or a hunk of docs/diffs/stepNN.diff).
#     Every ```c and ```diff block must have such a marker: code is quoted,
#     never retyped. (That docs/diffs/ is what `make diffs` writes now is
#     checked by tests/unit/test_steps.c, not here.)
#  2. parity: TUTORIAL.ja.md has the same headings, the same number of
#     Mermaid diagrams, and the same console/c/diff blocks with the same
#     markers, in the same order, as TUTORIAL.md.
#  3. commands (root only): every ```console block is a root session: lines
#     starting with "# " are commands (one line each; so no output line may
#     start with "# "), the lines under a command are its output. Blocks run
#     one by one, each in a fresh /bin/sh in the repository top, inside a
#     private mount, UTS and network namespace with its own /run (like the
#     integration tests); each command's output (stdout and stderr, merged)
#     must match what the tutorial shows. Afterwards the mount table and
#     build/rootfs/busybox must be as they were. A "$ " prompt, or a console
#     block without a command, is an error (use ```text for output only).
#     The blocks see KOBAKO_CGROUP_PARENT=kobako-tutorial (containers' cgroups
#     below the checker's own cgroup; on pure cgroup v2 "/kobako-tutorial",
#     see tutorial_cgroup_parent) and KOBAKO_ROOT=a temporary image store.
#     Afterwards no cgroup, no kb* link, no lease and no container directory
#     may be left: the parent cgroup is removed in every hierarchy, the store
#     with the work directory.
#  4. exercises (root only): a console block preceded by
#     `<!-- exercise NN-M solved-by tests/exercises/NN-M.patch -->` runs in a
#     copy of the repository with the reference answer applied (and must NOT
#     match in the unsolved repository, so the check can fail); one preceded
#     by `<!-- exercise NN-M -->` is an observation: its check runs as is.
#
# Placeholders in shown output (the tutorial explains them to the reader):
#   <id>    12 hex digits: a container id (the default hostname)
#   <pid>   a process id          <n>     any whole number
#   <host>  the machine's hostname <top>  the repository's top directory
#   <any>   any text (on one line) ...    (a line of its own) any lines
#   <digest> 64 hex digits: a sha256 (an image layer, a long container id)
#
# Prints one line per failure and closes with "tutorial: N passed, N failed";
# exits 1 if anything failed. Without root, checks 1-2 run and 3-4 are
# reported as SKIPPED. A block that needs a file another make target makes
# (<!-- needs FILE -->) prints a "skip" line when FILE is missing; the rest
# of the check counts as usual. <!-- needs FILE internet --> also runs the
# block against tests/distro-internet.sh's stand-in for the internet (up
# before the block, down after): apt-get in the Debian image of
# `make check-distro`, whose mirror FILE is.
set -u
LC_ALL=C
export LC_ALL
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
EN=TUTORIAL.md
JA=TUTORIAL.ja.md
BLOCK_TIMEOUT=${BLOCK_TIMEOUT:-60} # seconds for one console block (check-v2's emulated guest: 240)
# The build directory of the flavor under test: build, or build/sanitize
# (the Makefile passes B=$(B)); exercise copies link against its library.
B=${B:-build}
case $B in */sanitize) sanitize=1 ;; *) sanitize= ;; esac

# On cgroup v2 our own cgroup holds processes of others too (make, the
# shell), so it cannot hand controllers down to the containers' parent (the
# no-internal-processes rule). As the integration tests do (the Makefile's
# TEST_SCOPE, tests/harness.c), we run in a scope of our own that systemd
# delegates to us, and move into a leaf of it (below, in the namespaces).
own_v2_cgroup() { sed -n 's/^0:://p' /proc/self/cgroup; }
if [ "$(id -u)" = 0 ] && [ "${KOBAKO_TUTORIAL_SCOPE:-}" != 1 ] &&
	[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] &&
	[ "$(own_v2_cgroup)" != / ] && [ -d /run/systemd/system ] && command -v systemd-run >/dev/null; then
	KOBAKO_TUTORIAL_SCOPE=1 exec systemd-run --scope --quiet --collect -p Delegate=yes \
		sh "$0" "$@"
fi

# Run the command checks in namespaces of our own: whatever a command
# mounts (step02 mounts /proc in the mount table it shares) dies with them.
if [ "$(id -u)" = 0 ] && [ "${KOBAKO_TUTORIAL_NS:-}" != 1 ]; then
	KOBAKO_TUTORIAL_NS=1 exec unshare --mount --uts --net --propagation private \
		sh "$0" "$@"
fi
if [ "${KOBAKO_TUTORIAL_NS:-}" = 1 ]; then
	mount -t tmpfs -o mode=0755 tmpfs /run || exit 1
	ip link set lo up 2>/dev/null
fi

show=0 exercise=
[ "${1:-}" = --show ] && show=1
if [ "${1:-}" = --exercise ]; then
	# 1.3, 01-3 and 01.3 all name exercise 01-3
	exercise=$(printf '%s\n' "${2:-}" | sed -n 's/^0*\([0-9]\)[.-]\([0-9][0-9]*\)$/0\1-\2/p')
	[ -n "$exercise" ] || { echo "usage: $0 --exercise N.M (for example 1.3)" >&2; exit 2; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- cgroups and the image store of the containers the blocks start ----
TUTORIAL_CGROUP=kobako-tutorial
# cgroup_own_dirs: "MOUNT<TAB>ROOT<TAB>OWN" for every cgroup hierarchy (see
# tests/cgroup_own_dirs.awk).
cgroup_own_dirs() {
	awk -f "$top/tests/cgroup_own_dirs.awk" /proc/self/cgroup /proc/self/mountinfo
}
# tutorial_cgroup_parent: the --cgroup-parent for the blocks. Relative (below
# our own cgroup) where the controllers are on v1, or we are in v2's root
# cgroup. On v2 in our scope: below the scope, next to the leaf we moved
# into. On v2 without systemd (a container's cgroup namespace, say): at the
# top of the tree we see.
tutorial_cgroup_parent() {
	if grep -Eq ' - cgroup [^ ]+ ([^ ]*,)?(memory|cpu|cpuacct|pids)(,|$)' /proc/self/mountinfo ||
		[ "$(own_v2_cgroup)" = / ]; then
		echo "$TUTORIAL_CGROUP"
	elif [ "${KOBAKO_TUTORIAL_SCOPE:-}" = 1 ]; then
		echo "$(dirname "$(own_v2_cgroup)")/$TUTORIAL_CGROUP"
	else
		echo "/$TUTORIAL_CGROUP"
	fi
}
# tutorial_cgroup_dirs: the parent's directory in every hierarchy.
tutorial_cgroup_dirs() {
	cgroup_own_dirs | while IFS='	' read -r mnt root own; do
		case $KOBAKO_CGROUP_PARENT in
		/*) path=$KOBAKO_CGROUP_PARENT ;;
		*) path=${own%/}/$KOBAKO_CGROUP_PARENT ;;
		esac
		[ "$root" = / ] || path=${path#"$root"}
		echo "$mnt$path"
	done
}
# In our scope: into a leaf of it, which systemd removes with the scope.
if [ "${KOBAKO_TUTORIAL_SCOPE:-}" = 1 ]; then
	leaf=/sys/fs/cgroup$(own_v2_cgroup)/checker
	mkdir "$leaf" && echo $$ > "$leaf/cgroup.procs" || exit 1
fi
KOBAKO_CGROUP_PARENT=$(tutorial_cgroup_parent)
KOBAKO_ROOT=$work/store
export KOBAKO_CGROUP_PARENT KOBAKO_ROOT
passed=0 failed=0
pass() { passed=$((passed + 1)); }
failure() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*"; }

# ---- split a Markdown file into blocks ----
# split FILE DIR: DIR/NNN holds each fenced block's text; DIR/index has one
# line per block: "NNN<TAB>kind<TAB>line<TAB>marker" (marker: the <!-- -->
# comment just above the fence, blank lines allowed between, or "").
split_blocks() {
	mkdir -p "$2"
	awk -v dir="$2" '
	/^```/ && !inblock {
		inblock = 1; n++; kind = substr($0, 4)
		file = sprintf("%s/%03d", dir, n)
		printf "%03d\t%s\t%d\t%s\n", n, kind, NR, marker > (dir "/index")
		printf "" > file
		next
	}
	/^```/ && inblock { inblock = 0; close(file); marker = ""; next }
	inblock { print > file; next }
	/^<!--.*-->[ \t]*$/ { marker = $0; next }
	/^[ \t]*$/ { next }
	{ marker = "" }' "$1"
	touch "$2/index"
}

# contains NEEDLE_FILE HAYSTACK_FILE: is the first a substring of the second?
contains() {
	awk 'BEGIN { RS = "\001" } NR == FNR { needle = $0; next } { hay = hay $0 }
	     END { exit (needle != "" && index(hay, needle)) ? 0 : 1 }' "$1" "$2"
}

# ---- 1. excerpts ----
check_excerpts() {
	n_excerpts=0
	while IFS='	' read -r n kind line marker; do
		path=$(printf '%s\n' "$marker" | sed -n 's/^<!-- from \([^ ]*\) -->.*/\1/p')
		case $kind in
		c | diff) [ -n "$path" ] || { failure "$EN:$line: \`\`\`$kind block without <!-- from PATH -->"; continue; } ;;
		*) [ -n "$path" ] || continue ;;
		esac
		n_excerpts=$((n_excerpts + 1))
		if [ ! -f "$path" ]; then
			failure "$EN:$line: quotes $path, which does not exist"
		elif contains "$work/en/$n" "$path"; then
			pass
		else
			failure "$EN:$line: this excerpt is not verbatim in $path"
		fi
	done < "$work/en/index"
}

# Every console block is a session with the root prompt "# ": a "$ " prompt
# or a block without a command would silently escape the checks.
check_console_shape() {
	while IFS='	' read -r n kind line marker; do
		[ "$kind" = console ] || continue
		if grep -q '^\$ ' "$work/en/$n"; then
			failure "$EN:$line: console block with a \"\$ \" prompt: use the root prompt \"# \""
		elif ! grep -q '^# ' "$work/en/$n"; then
			failure "$EN:$line: console block without a \"# \" command (use \`\`\`text for output only)"
		else pass; fi
	done < "$work/en/index"
}

# ---- 2. parity of the English and Japanese files ----
# The blocks that must be identical: code, diffs, console sessions.
same_blocks() { # DIR: kind, marker and text of every console/c/diff block
	while IFS='	' read -r n kind line marker; do
		case $kind in console | c | diff) ;; *) continue ;; esac
		printf '@@ %s %s\n' "$kind" "$marker"
		cat "$1/$n"
	done < "$1/index"
}
check_parity() {
	if [ ! -f "$JA" ]; then
		failure "$JA is missing"
		return
	fi
	same_blocks "$work/en" > "$work/en.blocks"
	same_blocks "$work/ja" > "$work/ja.blocks"
	if cmp -s "$work/en.blocks" "$work/ja.blocks"; then pass; else
		failure "$JA: its console/code/diff blocks differ from $EN's:"
		diff "$work/en.blocks" "$work/ja.blocks" | head -20
	fi
	en=$(grep -c '^##' "$EN") ja=$(grep -c '^##' "$JA")
	if [ "$en" = "$ja" ]; then pass; else failure "$JA has $ja headings, $EN has $en"; fi
	en=$(grep -c '^```mermaid' "$EN") ja=$(grep -c '^```mermaid' "$JA")
	if [ "$en" = "$ja" ]; then pass; else failure "$JA has $ja diagrams, $EN has $en"; fi
	# the headings' own structure: the same sequence of ## / ### levels
	if [ "$(grep -o '^##*' "$EN" | tr '\n' ' ')" = "$(grep -o '^##*' "$JA" | tr '\n' ' ')" ]; then pass
	else failure "$JA: its heading levels are not in the same order as $EN's"; fi
}

# ---- 3. console blocks ----
# to_script BLOCK DIR > SCRIPT: the block's commands, one per "# " line, each
# preceded by a separator line (\036) so outputs can be told apart; $? of a
# command survives the separator, so "echo $?" works.
to_script() {
	printf 'cd "%s" || exit 99\nexec 2>&1\n' "$2"
	awk '/^# / { printf "__rc=$?; printf \"\\036\\n\"; (exit $__rc)\n%s\n", substr($0, 3) }' "$1"
}
# expected BLOCK > FILE: the shown output, in the same shape as the actual.
expected() {
	awk '/^# / { print "\036"; next } { print }' "$1"
}
# match EXPECTED ACTUAL: 0 if ACTUAL matches EXPECTED with placeholders.
match() {
	awk -v host="$(hostname)" -v top="$top" '
	function quote(s) { gsub(/[][\\^$.|()*+?{}]/, "\\\\&", s); return s }
	function to_regex(line,   hex, i) {
		line = quote(line)
		hex = ""; for (i = 0; i < 12; i++) hex = hex "[0-9a-f]"
		gsub(/<digest>/, hex hex hex hex hex "[0-9a-f][0-9a-f][0-9a-f][0-9a-f]", line)
		gsub(/<id>/, hex, line)
		gsub(/<pid>|<n>/, "[0-9]+", line)
		gsub(/<any>/, ".*", line)
		gsub(/<host>/, qhost, line)
		gsub(/<top>/, qtop, line)
		return "^" line "$"
	}
	function m(i, j,   k) {
		if (i > ne) return j > na
		if (E[i] == "...") {
			for (k = j; k <= na + 1; k++) if (m(i + 1, k)) return 1
			return 0
		}
		if (j > na) return 0
		return A[j] ~ R[i] ? m(i + 1, j + 1) : 0
	}
	BEGIN { qhost = quote(host); gsub(/\\/, "\\\\", qhost); qtop = quote(top); gsub(/\\/, "\\\\", qtop) }
	NR == FNR { E[++ne] = $0; R[ne] = (E[ne] == "...") ? "" : to_regex($0); next }
	{ A[++na] = $0 }
	END { exit m(1, 1) ? 0 : 1 }' "$1" "$2"
}
# run_block BLOCK DIR OUT: run the block's commands in DIR, output to OUT.
run_block() {
	to_script "$1" "$2" > "$work/script"
	timeout "$BLOCK_TIMEOUT" sh "$work/script" < /dev/null > "$3" 2>&1
}
# check_block N LINE DIR: run block N in DIR; 0 if its output matches.
check_block() {
	expected "$work/en/$1" > "$work/expected"
	run_block "$work/en/$1" "$3" "$work/actual"
	if [ "$show" = 1 ]; then
		printf '\n---- %s:%s (in %s)\n' "$EN" "$2" "$3"
		tr '\036' '#' < "$work/actual"
		return 0
	fi
	match "$work/expected" "$work/actual"
}
report_mismatch() { # WHAT
	failure "$1"
	diff "$work/expected" "$work/actual" | sed 's/\x1e/(next command)/' | head -40
}

# ---- 4. exercises: the reference answer applied to a copy ----
# solved_copy PATCH > DIR: a copy of the steps PATCH touches, patched and
# built against the already-built $B/libkobako.a, with build/rootfs linked.
solved_copy() {
	dir=$(mktemp -d "$work/solved.XXXXXX")
	steps=$(sed -n 's|^+++ [^/]*/\(step0[0-9]_[^/]*\)/.*|\1|p' "$1" | sort -u)
	[ -n "$steps" ] || { echo "$1 touches no step" >&2; return 1; }
	cp -a Makefile common tests $steps "$dir/" || return 1
	mkdir -p "$dir/$B"
	cp -a "$B/libkobako.a" "$B/common" "$dir/$B/" || return 1
	ln -s "$top/build/rootfs" "$dir/build/rootfs"
	ln -s "$top/build/images" "$dir/build/images"
	(cd "$dir" && patch -s -p1 < "$top/$1" >&2 &&
		for s in $steps; do make -s SANITIZE="$sanitize" "$s/container" >&2 || exit 1; done) ||
		return 1
	echo "$dir"
}

check_console() {
	n_commands=0 n_exercises=0
	while IFS='	' read -r n kind line marker; do
		[ "$kind" = console ] && grep -q '^# ' "$work/en/$n" || continue
		cmds=$(grep -c '^# ' "$work/en/$n")
		needs=$(printf '%s\n' "$marker" | sed -n 's/^<!-- needs \([^ ]*\)\( internet\)\{0,1\} -->.*/\1/p')
		if [ -n "$needs" ] && [ ! -e "$needs" ]; then
			n_commands=$((n_commands + cmds))
			echo "skip $EN:$line: needs $needs, which this machine does not have"
			continue
		fi
		case $marker in "<!-- needs "*" internet -->"*)
			n_commands=$((n_commands + cmds))
			if ! sh tests/distro-internet.sh up; then failure "$EN:$line: tests/distro-internet.sh up failed"
			elif check_block "$n" "$line" "$top"; then pass
			else report_mismatch "$EN:$line: the output differs from what the tutorial shows"; fi
			sh tests/distro-internet.sh down
			continue ;;
		esac
		patch=$(printf '%s\n' "$marker" | sed -n 's/^<!-- exercise [^ ]* solved-by \([^ ]*\) -->.*/\1/p')
		case $marker in "<!-- exercise "*) n_exercises=$((n_exercises + 1)) ;; esac
		if [ -z "$patch" ]; then
			n_commands=$((n_commands + cmds))
			if check_block "$n" "$line" "$top"; then pass
			else report_mismatch "$EN:$line: the output differs from what the tutorial shows"; fi
			continue
		fi
		if [ ! -f "$patch" ]; then
			failure "$EN:$line: $patch does not exist"
			continue
		fi
		if ! dir=$(solved_copy "$patch"); then
			failure "$EN:$line: $patch does not apply or build"
			continue
		fi
		if check_block "$n" "$line" "$dir"; then pass
		else report_mismatch "$EN:$line: solved with $patch, the check does not show what the tutorial says"; fi
		[ "$show" = 1 ] && continue
		# The check must tell a solved exercise from an unsolved one.
		if check_block "$n" "$line" "$top"; then
			failure "$EN:$line: the check also passes without $patch: it cannot tell"
		else pass; fi
	done < "$work/en/index"
	# every reference answer is used
	for p in tests/exercises/*.patch; do
		[ -f "$p" ] || continue
		if grep -q "solved-by $p " "$EN"; then pass; else failure "$p is not used by $EN"; fi
	done
}

# ---- one exercise, for the learner: `make exercise EX=1.3` ----
# hint_of N.M: the text of the <details> hint under "#### Exercise N.M".
hint_of() {
	awk -v h="#### Exercise $1:" 'index($0, h) == 1 { on = 1; next }
	on && /^#### / { exit }
	on && /^<details>/ { inhint = 1; next }
	on && /^<\/details>/ { exit }
	inhint && NF { print "  " $0 }' "$EN"
}
# run_exercise NN-M: the chapter's earlier examples first (an exercise may
# need what they set up: step 6's images), quietly; then the exercise's
# check, in the working tree as it is.
run_exercise() {
	id=$1 name=$(printf '%s\n' "$1" | sed 's/^0//; s/-/./')
	target=$(awk -F'\t' -v m="<!-- exercise $id " 'index($4, m) == 1 { print $1 "\t" $3; exit }' "$work/en/index")
	[ -n "$target" ] || { echo "exercise $name: there is no such exercise in $EN"; return 2; }
	tn=${target%%	*} tline=${target#*	}
	chapter=$(awk -v l="$tline" 'NR < l && /^## / { c = NR } END { print c + 0 }' "$EN")
	while IFS='	' read -r n kind line marker; do
		[ "$line" -gt "$chapter" ] && [ "$line" -lt "$tline" ] && [ "$kind" = console ] || continue
		case $marker in "<!-- exercise "* | "<!-- needs "*) continue ;; esac
		run_block "$work/en/$n" "$top" /dev/null
	done < "$work/en/index"
	if check_block "$tn" "$tline" "$top"; then
		echo "exercise $name: PASS ($EN:$tline)"
		rc=0
	else
		echo "exercise $name: not yet ($EN:$tline). Expected (left) and what your tree printed (right):"
		diff "$work/expected" "$work/actual" | sed 's/\x1e/(next command)/' | head -20
		echo "Hint:"
		hint_of "$name"
		rc=1
	fi
	rm -rf "$KOBAKO_ROOT"
	for dir in $(tutorial_cgroup_dirs); do
		find "$dir" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null
		rmdir "$dir" 2>/dev/null
	done
	return $rc
}

mounts() { cut -d' ' -f5- /proc/self/mountinfo | sort; }
# The image must come out as it went in (a -v target would create a mount
# point in it, a write to /dev/null in step02 a file).
image_tree() { find build/rootfs/busybox ! -path '*/tmp/.chroot-escape' | sort; }

# The closing note states how much is verified; it must be right.
# check_counts FILE N=PATTERN... (%d in PATTERN is replaced by N)
check_counts() {
	file=$1; shift
	for pair in "$@"; do
		n=${pair%%=*} pattern=${pair#*=}
		text=$(printf '%s\n' "$pattern" | sed "s/%d/$n/")
		if grep -qF -- "$text" "$file"; then pass; else
			failure "$file does not say \"$text\" (the closing note's numbers are stale)"; fi
	done
}

split_blocks "$EN" "$work/en"
[ -f "$JA" ] && split_blocks "$JA" "$work/ja"
if [ "$show" = 0 ] && [ -z "$exercise" ]; then
	check_excerpts
	check_console_shape
	check_parity
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIPPED: the console blocks and exercise checks need root: they run the real" \
		"step binaries (run: sudo make check-tutorial)"
	echo "tutorial: $passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
fi
[ -d build/rootfs/busybox ] || { echo "check-tutorial: no build/rootfs/busybox (run: make rootfs)"; exit 1; }
if [ -n "$exercise" ]; then
	run_exercise "$exercise"
	exit
fi
escape_scratch=build/rootfs/busybox/tmp/.chroot-escape
[ -e "$escape_scratch" ] && keep_scratch=1 || keep_scratch=0
before=$(mounts)
image_tree > "$work/image.before"
check_console
[ "$keep_scratch" = 1 ] || rmdir "$escape_scratch" 2>/dev/null
if [ "$show" = 1 ]; then
	for dir in $(tutorial_cgroup_dirs); do rmdir "$dir" 2>/dev/null; done
	exit 0
fi
if [ "$(mounts)" = "$before" ]; then pass; else
	failure "the commands left mounts behind:"
	printf '%s\n' "$before" > "$work/mounts.before"
	mounts | diff "$work/mounts.before" - | head
fi
if image_tree | cmp -s "$work/image.before" -; then pass; else
	failure "the commands changed build/rootfs/busybox:"
	image_tree | diff "$work/image.before" - | head
fi
# Every container's cgroup is gone: then the parent can be removed.
for dir in $(tutorial_cgroup_dirs); do
	if rmdir "$dir" 2>/dev/null || [ ! -e "$dir" ]; then pass; else
		failure "cgroups left behind in $dir:"
		find "$dir" -mindepth 1 -type d | head
		find "$dir" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null
		rmdir "$dir" 2>/dev/null
	fi
done
# The kernel removes a container's veth pair when it frees its network
# namespace: soon after the exit, but later (a work queue). Allow it 10 s.
# (The C tests wait on link events; `ip monitor` cannot say when it has
# subscribed, so from a shell that would race. Hence this bounded poll.)
tries=0
while ip -o link show | grep -q '^[0-9]*: kb' && [ "$tries" -lt 100 ]; do
	sleep 0.1
	tries=$((tries + 1))
done
if ip -o link show | grep -q '^[0-9]*: kb'; then
	failure "veth links left behind:"
	ip -o link show | grep '^[0-9]*: kb'
else pass; fi
# No lease (the lease files are empty) and no /run/kobako/<id> directory (the
# lock files and step07's compiled seccomp filters stay, as they do on a host).
left=$(find /run/kobako -mindepth 1 ! -path /run/kobako/net ! -path '/run/kobako/net/*.lock' \
	! -path /run/kobako/reclaim.lock ! -path /run/kobako/seccomp ! -path '/run/kobako/seccomp/*.bpf' \
	! \( -path '/run/kobako/net/*.leases' -empty \) 2>/dev/null)
if [ -z "$left" ]; then pass; else failure "left behind in /run/kobako: $left"; fi
left=$(find "$KOBAKO_ROOT/containers" -mindepth 1 -maxdepth 1 2>/dev/null)
if [ -z "$left" ]; then pass; else failure "container directories left behind: $left"; fi
check_counts "$EN" "$n_commands=**%d** commands" "$n_exercises=**%d** exercise checks" \
	"$n_excerpts=**%d** code excerpts"
check_counts "$JA" "$n_commands=コマンド **%d** 個" "$n_exercises=演習のチェック **%d** 個" \
	"$n_excerpts=コードの抜粋 **%d** 個"
echo "tutorial: ${n_commands} commands, ${n_exercises} exercise checks, ${n_excerpts} excerpts"
echo "tutorial: $passed passed, $failed failed"
[ "$failed" = 0 ]
