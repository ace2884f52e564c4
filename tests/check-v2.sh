#!/bin/sh
# check-v2.sh - run the step05 and step06 integration tests on a pure cgroup
# v2 machine.
#
# This machine is a v1/v2 hybrid with the controllers on v1; the v2 code
# paths (memory.max, cpu.max, cgroup.subtree_control, the no-internal-
# processes rule) need a kernel booted with cgroup v2 only. We boot one
# throw-away QEMU VM (../shared/vm/run-in-vm.sh, software emulation: slow)
# and run both test binaries in it: step05 for the limits, step06 for a whole
# container (cgroups, overlay, bridge network, images) on v2.
#
#   sh tests/check-v2.sh [v2|v1|hybrid]   (default v2; v1 = systemd's legacy
#                            layout with cpu,cpuacct co-mounted) needs: step05_cgroups/container,
#                            step06_rootfs/container, build/tests/test_step05 and test_step06,
#                            build/rootfs/busybox and build/images (make ... rootfs);
#                            qemu-system-x86, busybox-static. KOBAKO_VM=path overrides run-in-vm.sh.
# Output: the test binaries' own, then "check-v2: ... in N s". Exit: 0 if all passed.
set -eu
layout=${1:-v2}
top=$(cd "$(dirname "$0")/.." && pwd)
vm=${KOBAKO_VM:-$top/../shared/vm/run-in-vm.sh}
B=${B:-build} # build/sanitize under make SANITIZE=1
if [ "$layout" = v2 ] && [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && [ -z "${KOBAKO_VM:-}" ]; then
	echo "SKIPPED: check-v2: this machine is cgroup v2 already; test_step05 ran here natively"
	exit 0
fi
if [ ! -x "$vm" ]; then
	echo "SKIPPED: check-v2: no VM runner at $vm (set KOBAKO_VM); cgroup v2 was not tested"
	exit 0
fi
TESTS="test_step05 test_step06"
for f in step05_cgroups/container step06_rootfs/container $B/tests/test_step05 \
	$B/tests/test_step06 build/rootfs/busybox/bin/busybox build/images/busybox.tar; do
	[ -e "$top/$f" ] && continue
	echo "check-v2: no $f (make step05_cgroups/container step06_rootfs/container" \
		"$B/tests/test_step05 $B/tests/test_step06 rootfs)" >&2
	exit 2
done

# The VM gets a copy of one directory, at the same absolute path: stage only
# what the tests use (the harness finds the top by its Makefile).
stage=$(mktemp -d /tmp/kobako-v2.XXXXXX)
trap 'rm -rf "$stage"' EXIT INT TERM
mkdir -p "$stage/build/tests" "$stage/step05_cgroups" "$stage/step06_rootfs"
cp "$top/Makefile" "$stage/"
cp -a "$top/build/rootfs" "$top/build/images" "$stage/build/"
for t in $TESTS; do cp "$top/$B/tests/$t" "$stage/build/tests/"; done
cp "$top/step05_cgroups/container" "$stage/step05_cgroups/"
cp "$top/step06_rootfs/container" "$stage/step06_rootfs/"

# The harness mounts a tmpfs on /run, which the VM's initramfs lacks. On v2
# each test binary runs alone in a cgroup of its own, as `systemd-run
# --scope` puts it on a real machine (the VM has no systemd): the harness
# must then hand the controllers down from there, not from the exempt root
# cgroup. Afterwards the scope must hold no cgroup of ours.
printf 'TESTS="%s"\n' "$TESTS" > "$stage/in-vm.sh"
cat >> "$stage/in-vm.sh" <<'EOF'
mkdir -p /run /sys/fs/cgroup/test.scope
rc=0
for t in $TESTS; do
	sh -c '[ -f /sys/fs/cgroup/cgroup.subtree_control ] &&
		echo $$ > /sys/fs/cgroup/test.scope/cgroup.procs; exec ./build/tests/'"$t" || rc=1
	left=$(find /sys/fs/cgroup/test.scope -mindepth 1 -type d)
	[ -z "$left" ] || { echo "check-v2: $t left behind: $left"; rc=1; }
done
exit $rc
EOF
start=$(date +%s)
status=0
# -m: the 512 MiB test needs room; -t: TCG runs the tests ~10x slower.
"$vm" -c "$layout" -m 2048 -t 900 "$stage" "sh ./in-vm.sh" || status=$?
echo "check-v2: cgroup $layout VM, step05 and step06 tests, exit $status in $(( $(date +%s) - start )) s"
exit $status
