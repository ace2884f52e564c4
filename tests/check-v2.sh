#!/bin/sh
# check-v2.sh - run every integration test and the tutorial check on a
# reader's machine: Debian with systemd as PID 1 and the unified cgroup (v2)
# hierarchy, in a throw-away QEMU guest (tests/vm/). Part of `make check`.
#
# This build machine is a v1/v2 hybrid; most readers' machines are not: there
# `make check` runs each test binary through `systemd-run --scope -p
# Delegate=yes` (the Makefile's TEST_SCOPE), the harness hands the
# controllers down from that scope (tests/harness.c), and check-tutorial.sh
# makes a delegated scope of its own. All of it runs here, in the
# guest, exactly as `make check` would run it there: TEST_SCOPE is what the
# Makefile computes inside the guest, run-all.sh runs the tests.
#
#   sh tests/check-v2.sh [v2|v1]   v2 (default); v1 = systemd with
#                                  systemd.unified_cgroup_hierarchy=0
# Needs root, the built steps, tests and rootfs (`make all rootfs` and the
# integration tests), qemu-system-x86 and, to build the guest's image the
# first time (about 1.5 min, then cached in VM_CACHE, default
# /var/cache/kobako-vm), debootstrap and the Debian mirror (`make deps-vm`).
# Output: the tests' own, then "check-v2: ... exit N in N s". Exit: 0 if all
# passed. On a machine that is systemd + cgroup v2 itself the tests ran
# natively: SKIPPED (KOBAKO_VM_FORCE=1 runs the guest anyway).
set -eu
layout=${1:-v2}
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build} # build/sanitize under make SANITIZE=1
if [ "$layout" = v2 ] && [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] &&
	[ -d /run/systemd/system ] && [ -z "${KOBAKO_VM_FORCE:-}" ]; then
	echo "SKIPPED: check-v2: this machine is systemd + cgroup v2: make check ran the tests here natively"
	exit 0
fi
if [ -n "${KOBAKO_SKIP_VM:-}" ]; then # e.g. check-fresh: the outer make check boots it
	echo "SKIPPED: check-v2: KOBAKO_SKIP_VM ($KOBAKO_SKIP_VM)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "SKIPPED: check-v2: needs root (the guest's image is made with debootstrap)"
	exit 0
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "SKIPPED: check-v2: no qemu-system-x86_64 (run: make deps-vm); systemd + cgroup v2 was not tested"
	exit 0
fi
cd "$top"
tests=$(ls tests/integration/test_*.c | sed "s|tests/integration/|$B/tests/|; s|\.c$||")
for f in step01_chroot/container step02_uts_pid/container step03_mount/container \
	step04_net/container step05_cgroups/container step06_rootfs/container $tests \
	build/rootfs/busybox/bin/busybox build/images/busybox.tar; do
	[ -e "$f" ] && continue
	echo "check-v2: no $f (make all rootfs $(echo $tests))" >&2
	exit 2
done

# Inside the guest: TEST_SCOPE from the Makefile, as `make check` gets it;
# the tests then the tutorial through run-all.sh; afterwards no new cgroup
# but systemd's units may be left anywhere. Software emulation is ~10x slower: Check's
# timeouts are stretched.
cmd=$(cat <<EOF
cgroups() { # every cgroup directory but the hierarchies' tops (on v1 each is a mount)
	roots=/sys/fs/cgroup
	[ "\$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || roots=\$(ls -d /sys/fs/cgroup/*/)
	find \$roots -mindepth 1 -type d 2>/dev/null | sed 's|^/sys/fs/cgroup/||' | sort -u
}
cgroups >/run/cgroups.before
scope=\$(make -s --no-print-directory --eval 'kobako-vm-scope: ; @echo \$(TEST_SCOPE)' kobako-vm-scope)
echo "check-v2: in the guest, TEST_SCOPE=\$scope"
if [ "\$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] && [ -z "\$scope" ]; then
	echo "check-v2: FAIL: on systemd + cgroup v2 the Makefile's TEST_SCOPE is empty"
	exit 1
fi
B=$B TEST_SCOPE="\$scope" CK_TIMEOUT_MULTIPLIER=4 BLOCK_TIMEOUT=240 sh tests/run-all.sh $(echo $tests) tests/check-tutorial.sh
rc=\$?
# new cgroups that are not systemd's units (the tests' scopes are collected)
left=\$(cgroups | comm -13 /run/cgroups.before - | grep -Ev '\\.(scope|service|slice)\$')
[ -z "\$left" ] || { echo "check-v2: cgroups left behind:" \$left; rc=1; }
exit \$rc
EOF
)
start=$(date +%s)
status=0
sh tests/vm/run.sh -c "$layout" -t 2400 "$top" "$cmd" || status=$?
echo "check-v2: systemd + cgroup $layout guest, integration tests and tutorial, exit $status in $(($(date +%s) - start)) s"
exit $status
