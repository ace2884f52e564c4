#!/bin/sh
# run.sh - run a command on a reader's machine: a QEMU guest that boots
# Debian with systemd as PID 1 (tests/vm/mkimage.sh builds its image once).
#
#   sh tests/vm/run.sh [-c v2|v1] [-t SECONDS] [-m MiB] [-s CPUS] TOP CMD
#
# TOP (a directory) is copied into the guest at the same absolute path, and
# CMD runs there by /bin/sh as root, in a unit of its own
# (tests/vm/guest/kobako-run.service), with KOBAKO_VM=1 and VM_ENV's
# NAME=VALUE words in its environment. The guest's / is a throw-away snapshot
# of the image; nothing comes back but CMD's output (stdout and stderr, merged,
# on our stdout) and its exit status (ours). 124: the -t limit was hit; 125:
# the guest never reported (its console log is then shown).
#
# -c v2 (default): the unified cgroup hierarchy, as on Debian 11+ and Ubuntu
# 21.10+; -c v1: systemd.unified_cgroup_hierarchy=0 (systemd's hybrid layout,
# like this host). Needs qemu-system-x86 and, the first time, what mkimage.sh
# needs. KVM is used when it can run a guest (VM_ACCEL=kvm|tcg forces one);
# under TCG (software emulation) a boot takes ~20 s and code runs ~10x slower.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
layout=v2 timeout=1800 mem=2048 cpus=2
while getopts c:t:m:s: opt; do
	case $opt in
	c) layout=$OPTARG ;;
	t) timeout=$OPTARG ;;
	m) mem=$OPTARG ;;
	s) cpus=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { echo "usage: run.sh [-c v2|v1] [-t SECONDS] [-m MiB] [-s CPUS] TOP CMD" >&2; exit 2; }
top=$(cd "$1" && pwd)
case $layout in
v2) cgroup_args="systemd.unified_cgroup_hierarchy=1" ;;
v1) cgroup_args="systemd.unified_cgroup_hierarchy=0" ;;
*) echo "run.sh: -c wants v2 or v1, not $layout" >&2; exit 2 ;;
esac

img=$(sh "$here/mkimage.sh") || exit 125
run=$(mktemp -d /tmp/kobako-vm.XXXXXX)
qpid=
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the second disk: top/ (TOP without .git) and ctl/ (what to run) ----
mkdir -p "$run/disk/top" "$run/disk/ctl"
(cd "$top" && find . -mindepth 1 -maxdepth 1 ! -name .git -exec cp -a {} "$run/disk/top/" \;)
# Not the Debian image and mirror of `make check-distro` (300 MB, a check of
# this machine's own): the guest's tutorial check skips the blocks that need them.
rm -rf "$run/disk/top/build/images/debian-"*
printf '%s\n' "$top" >"$run/disk/ctl/top"
printf '%s\n' "$2" >"$run/disk/ctl/cmd"
{
	echo "KOBAKO_VM=1"
	for e in ${VM_ENV:-}; do echo "$e"; done
} >"$run/disk/ctl/env"
size=$(($(du -sm "$run/disk" | cut -f1) * 2 + 512))
truncate -s "${size}M" "$run/data.img"
mkfs.ext4 -q -F -L kobako-run -d "$run/disk" "$run/data.img"
rm -rf "$run/disk"

# ---- the accelerator: KVM only if it really runs a guest ----
# (On this project's build machines /dev/kvm exists but is PVM, which cannot
# run Debian's kernel: qemu dies on "failed to set MSR".)
accel=${VM_ACCEL:-tcg}
case $accel in
kvm) accel_args="-accel kvm -cpu host" ;;
tcg) accel_args="-accel tcg,thread=multi -cpu max" ;;
*) echo "run.sh: VM_ACCEL wants kvm or tcg" >&2; exit 2 ;;
esac

# ---- boot; CMD's output streams back through a FIFO ----
mkfifo "$run/out"
cat "$run/out" &
relay=$!
t0=$(date +%s.%N)
set +e
# shellcheck disable=SC2086 # accel_args are words
timeout -k 5 "$timeout" qemu-system-x86_64 -no-user-config -nodefaults -M pc $accel_args \
	-m "$mem" -smp "$cpus" -display none -monitor none -no-reboot -nic none \
	-kernel "$img/vmlinuz" -initrd "$img/initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off random.trust_cpu=on $cgroup_args" \
	-drive file="$img/root.img",format=raw,if=virtio,snapshot=on,cache=unsafe \
	-drive file="$run/data.img",format=raw,if=virtio,cache=unsafe \
	-serial file:"$run/console" \
	-device virtio-serial-pci,id=vs \
	-chardev file,id=out,path="$run/out" -device virtserialport,bus=vs.0,chardev=out,name=kobako.out \
	-chardev file,id=ctl,path="$run/ctl" -device virtserialport,bus=vs.0,chardev=ctl,name=kobako.ctl \
	</dev/null >"$run/qemu.log" 2>&1 &
qpid=$!
wait $qpid
qrc=$?
qpid=
t1=$(date +%s.%N)
set -e
exec 8<>"$run/out" 8>&- # unblock the relay if qemu never opened the FIFO
wait $relay || true

show_console() {
	echo "run.sh: ---- qemu ----" >&2
	cat "$run/qemu.log" >&2
	echo "run.sh: ---- guest console (last 60 lines) ----" >&2
	tail -n 60 "$run/console" 2>/dev/null | tr -d '\r' >&2
}
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "run.sh: timed out after ${timeout}s" >&2
	show_console
	exit 124
fi
status=$(tr -d '\0' <"$run/ctl" 2>/dev/null | sed -n 's/.*RC=\([0-9]*\).*/\1/p' | tail -n 1)
if [ -z "$status" ]; then
	echo "run.sh: the guest did not report an exit status (qemu exit $qrc)" >&2
	show_console
	exit 125
fi
# START/END: guest uptime when CMD started and ended
awk -v t0="$t0" -v t1="$t1" -v ctl="$(cat "$run/ctl")" 'BEGIN {
	split(ctl, w, /[ =]/); s = w[2]; e = w[4]
	printf "run.sh: booted to the command in %.1f s, command %.1f s, total %.1f s\n",
	       (t1 - t0) - (e - s), e - s, t1 - t0 }' >&2
exit "$status"
