#!/bin/sh
# demo.sh - the guided tour: for each step that is built, the host's view
# and the container's view side by side. Run by `sudo make demo`.
set -u
# The tour runs in a network and a mount namespace of its own: the bridge,
# the NAT table, the address leases and ip_forward it sets go with it, and
# the machine's own network is left as it was.
if [ -z "${KOBAKO_DEMO_NS:-}" ]; then
	exec env KOBAKO_DEMO_NS=1 unshare --net --mount --propagation private \
		sh -c 'ip link set lo up && mount -t tmpfs tmpfs /run && exec sh "$0"' "$0"
fi
R=build/rootfs/busybox
WIDTH=${COLUMNS:-110}

title() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say()   { printf '%s\n' "$*"; }
# side_by_side "HOST CMD" "CONTAINER CMD": both outputs in two columns
# (LEFT=... RIGHT=... name the columns otherwise)
side_by_side() {
	h=$(mktemp); c=$(mktemp)
	{ echo "--- ${RIGHT:-container}: $2"; sh -c "$2" 2>&1; } > "$c" # first: it may create things
	{ echo "--- ${LEFT:-host}: $1"; sh -c "$1" 2>&1; } > "$h"
	pr -m -t -w "$WIDTH" "$h" "$c"
	rm -f "$h" "$c"
}
have() { [ -x "$1/container" ]; }

step01() {
	title "step01_chroot: the container sees another root directory"
	side_by_side "cat /etc/os-release | head -3" \
		"step01_chroot/container run $R /bin/sh -c 'cat /etc/os-release | head -3'"
	side_by_side "ls /" "step01_chroot/container run $R /bin/ls /"
	say "...but nothing else is isolated: the hostname is the host's:"
	side_by_side "hostname" "step01_chroot/container run $R /bin/hostname"
	say "and root climbs out of a chroot (tests/chroot_escape.c):"
	side_by_side "head -1 /etc/os-release" \
		"step01_chroot/container run $R /usr/local/bin/chroot-escape /bin/sh -c 'head -1 /etc/os-release'"
}

step02() {
	title "step02_uts_pid: its own hostname and its own process tree"
	side_by_side "hostname" "step02_uts_pid/container run --hostname box $R /bin/hostname"
	side_by_side "ps -e | head -5" "step02_uts_pid/container run $R /bin/ps"
	say "no mount namespace yet: while it runs, the container's /proc is in the host's table:"
	step02_uts_pid/container run $R /bin/sleep 1 & pid=$!
	sleep 0.5; grep " $PWD/$R/proc " /proc/self/mountinfo | cut -d' ' -f5,9; wait $pid
	say "after exit the supervisor unmounted it: $(grep -c " $PWD/$R/proc " /proc/self/mountinfo) left"
	say "--init: SIGTERM to the supervisor stops 'sleep' (exit 143); without it PID 1 ignores it"
	step02_uts_pid/container run --init $R /bin/sleep 30 & pid=$!
	sleep 0.3; kill -TERM $pid; wait $pid; say "with --init: exit $?"
}

step03() {
	title "step03_mount: its own mount table and a root it cannot leave"
	side_by_side "wc -l < /proc/self/mountinfo" \
		"step03_mount/container run $R /bin/sh -c 'cut -d\" \" -f5 /proc/self/mountinfo'"
	side_by_side "ls /dev | wc -l" "step03_mount/container run $R /bin/ls /dev"
	say "the chroot escape that worked in step01 now stays inside:"
	side_by_side "head -1 /etc/os-release" \
		"step03_mount/container run $R /usr/local/bin/chroot-escape /bin/sh -c 'head -1 /etc/os-release'"
}

step04() {
	title "step04_net: a network of its own: lo and eth0, wired to the bridge kobako0"
	side_by_side "ip -4 -o addr | cut -c1-40" \
		"step04_net/container run $R sh -c 'ip -4 -o addr | cut -c1-40'"
	say "a web server in the container, asked from the host through -p 18080:80:"
	mkdir -p $R/tmp/demo-www && echo "hello from the container" > $R/tmp/demo-www/index.html
	fifo=$(mktemp -u) && mkfifo "$fifo" # the container waits on it for its stdin to close
	step04_net/container run -p 18080:80 $R sh -c 'httpd -p 80 -h /tmp/demo-www && echo ready && read x' \
		< "$fifo" | { exec 3> "$fifo"; read ready; busybox wget -q -O - http://127.0.0.1:18080/; exec 3>&-; cat; }
	rm -rf "$fifo" $R/tmp/demo-www
	say "after exit: $(ip -o link show master kobako0 | wc -l) veth on the bridge (the kernel removes the pair with the namespace)"
	# (the bridge normally stays for the next container; this one goes with
	# the tour's network namespace)
}

step05() {
	title "step05_cgroups: limits on memory and processes"
	say "a memory hog (dd with a 200 MiB buffer) under --memory 32m:"
	step05_cgroups/container run --net none --memory 32m $R dd if=/dev/zero of=/dev/null bs=200M count=1
	say "exit $? (128 + SIGKILL); the same hog under --memory 512m:"
	step05_cgroups/container run --net none --memory 512m --stats $R dd if=/dev/zero of=/dev/null bs=200M count=1 2>&1 | tail -1
	say "a fork bomb under --pids-limit 20: the host is not affected"
	step05_cgroups/container run --net none --pids-limit 20 --stats $R /bin/sh -c \
		'for i in $(seq 40); do sleep 1 & done 2>&1 | tail -1; wait' 2>&1 | tail -2
	say "its own cgroup is its \"/\" (cgroup namespace):"
	side_by_side "grep -E '^0::|memory' /proc/self/cgroup" \
		"step05_cgroups/container run --net none $R grep -E '^0::|memory' /proc/self/cgroup"
}

step06() {
	title "step06_rootfs: an image is just a filesystem"
	store=$(mktemp -d)
	say "import the busybox tarball (made by make rootfs) as an image:"
	step06_rootfs/container image import --root "$store" build/images/busybox.tar busybox
	step06_rootfs/container image ls --root "$store"
	say "run it, write a file inside, keep the container's upper layer:"
	step06_rootfs/container run --net none --root "$store" --keep busybox /bin/sh -c 'echo hi > /hello; cat /etc/os-release | head -1'
	say "the image's layer is unchanged; the write is in the upper layer only:"
	say "  /hello in the image's layer: $(ls "$store"/layers/sha256/*/hello >/dev/null 2>&1 && echo yes || echo no)"
	say "  /hello in the upper layer:   $(ls "$store"/containers/*/upper/hello >/dev/null 2>&1 && echo yes || echo no)"
	side_by_side "uname -r" "step06_rootfs/container run --net none --root $store busybox /bin/uname -r"
	say "(the same kernel: an image brings a filesystem, not an operating system)"
	rm -rf "$store"
}

step07() {
	title "step07_security: root in the container stops being the host's root"
	say "the capabilities of the container's root (capsh --decode names them):"
	LEFT=step06 RIGHT=step07 side_by_side "step06_rootfs/container run --net none $R grep CapEff /proc/self/status" \
		"step07_security/container run --net none $R grep CapEff /proc/self/status"
	say "a network namespace of its own from inside (seccomp and the capability set refuse it):"
	LEFT=step06 RIGHT=step07 side_by_side "step06_rootfs/container run --net none $R unshare -n echo step06: it worked" \
		"step07_security/container run --net none $R unshare -n echo step07: it worked"
	say "lifting its own memory limit by remounting the cgroup filesystem read-write:"
	LEFT=step06 RIGHT=step07 side_by_side "step06_rootfs/container run --net none --memory 32m $R sh -c 'mount -o remount,bind,rw /sys/fs/cgroup && echo step06: remounted'" \
		"step07_security/container run --net none --memory 32m $R sh -c 'mount -o remount,bind,rw /sys/fs/cgroup && echo step07: remounted'"
}

step08() {
	title "step08_rootless: a user namespace: root inside, nobody outside"
	say "the container's uid 0 is which uid of the host? (uid_map: inside, outside, count)"
	side_by_side "cat /proc/self/uid_map" "step08_rootless/container run --net none $R cat /proc/self/uid_map"
	say "started by root it is still root; an ordinary user runs it without sudo (TUTORIAL.md, step 8),"
	say "and root can give it unprivileged ids with --userns remap (/etc/subuid)."
}

for s in step01 step02 step03 step04 step05 step06 step07 step08; do
	dir=$(ls -d ${s}_* 2>/dev/null | head -1)
	[ -n "$dir" ] && have "$dir" && command -v "$s" >/dev/null 2>&1 && "$s"
done
printf '\nDone. Each step is one folder: try `diff -ru step02_uts_pid step03_mount`.\n'
