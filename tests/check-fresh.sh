#!/bin/sh
# check-fresh.sh - the README's two commands on a fresh machine: `make demo`,
# then `make check`, as root in a minimal Debian of the host's release that has
# never seen kobako (nothing installed beyond debootstrap's minbase).
#
# The machine is a debootstrap --variant=minbase tree, unpacked from a cached
# tarball into a temp dir and made the root of a private mount namespace with
# pivot_root(8) (unshare(1) -m --propagation private): proc, sysfs, the
# host's cgroup filesystems, /dev and a /run tmpfs are mounted in it; it
# shares the host's network, so apt reaches the Debian mirror. The repository
# is cloned into it at the current HEAD: only committed files count.
#
#   sh tests/check-fresh.sh     (`make check-fresh`; root, the Debian mirror;
#                               about 3.5 min, 1 min more the first time)
# The tarball is cached in $KOBAKO_FRESH_CACHE (default /var/cache/kobako,
# outside the clone, so fresh CI clones on one machine share it), and so are
# the .deb files apt downloads (the packages are still installed every run).
# Output: the inside's make output, then "check-fresh: N passed, N failed".
# Nothing is left on the host: the mounts die with the namespace, the tree is
# removed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
release=$(. /etc/os-release; echo "${VERSION_CODENAME:-bookworm}")
mirror=http://deb.debian.org/debian
cache=${KOBAKO_FRESH_CACHE:-/var/cache/kobako}
tarball=$cache/fresh-$release.tar
debs=$cache/fresh-$release-debs # apt's /var/cache/apt/archives inside

# ---- inside the private mount namespace (run by unshare below) ----
# inside ROOT CGROUPS: move into the cgroups listed in the file CGROUPS, make
# ROOT the root, run the two commands, say each result (also in /fresh.log)
inside() {
	root=$1 log=/fresh.log
	while read -r d; do echo $$ > "$d/cgroup.procs" || exit 1; done < "$2"
	mount --bind "$root" "$root" # pivot_root needs the new root to be a mount point
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount --rbind /sys/fs/cgroup "$root/sys/fs/cgroup" # the host's v1/v2 layout, as systemd made it
	mount --rbind /dev "$root/dev"
	mount -t tmpfs -o mode=755 tmpfs "$root/run"
	mount --bind "$debs" "$root/var/cache/apt/archives"
	cd "$root" && mkdir -p .oldroot && pivot_root . .oldroot || exit 1
	umount -l /.oldroot && rmdir /.oldroot # the host's tree is out of reach from here on
	chown _apt /var/cache/apt/archives/partial # apt downloads as _apt
	cd /root/kobako || exit 1
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
	# The cgroup v2 guest is booted by the outer make check, not again in here.
	export KOBAKO_SKIP_VM="check-fresh: the outer make check runs it"
	# What the reader has before typing the README's commands: the clone and make.
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make >/dev/null ||
		{ echo "check-fresh: apt-get install make failed" | tee -a "$log"; return; }
	result "make demo" make demo
	result "make check" make check
}
# result NAME COMMAND...: run it, its output to the log and the terminal, one result line
result() {
	name=$1; shift
	start=$(date +%s)
	{ "$@" 2>&1; echo "rc=$?" > /tmp/rc; } | tee -a "$log"
	rc=$(cut -d= -f2 /tmp/rc)
	echo "check-fresh: $name: exit $rc in $(( $(date +%s) - start )) s" | tee -a "$log"
}
[ "${1:-}" = --inside ] && { shift; inside "$@"; exit 0; }

# ---- on the host ----
if [ "$(id -u)" != 0 ]; then echo "SKIPPED: check-fresh: needs root"; exit 0; fi
for p in debootstrap unshare pivot_root git; do
	command -v $p >/dev/null || { echo "check-fresh: no $p (apt-get install debootstrap util-linux git)"; exit 1; }
done
mkdir -p "$debs/partial"
if [ ! -f "$tarball" ]; then
	tree=$(mktemp -d /tmp/kobako-debootstrap.XXXXXX)
	echo "debootstrap --variant=minbase $release (once; cached in $tarball)"
	debootstrap --variant=minbase "$release" "$tree" "$mirror" >/dev/null &&
		tar -C "$tree" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rm -rf "$tree"
	[ -f "$tarball" ] || { echo "check-fresh: debootstrap $release failed"; exit 1; }
fi

# cgroup_own_dirs: "MOUNT<TAB>ROOT<TAB>OWN" for every cgroup hierarchy (see
# tests/cgroup_own_dirs.awk).
cgroup_own_dirs() {
	awk -f "$top/tests/cgroup_own_dirs.awk" /proc/self/cgroup /proc/self/mountinfo
}

mounts_before=$(wc -l < /proc/self/mountinfo)
tmp=$(mktemp -d /tmp/kobako-fresh.XXXXXX)
# cleanup: take back the cgroups (and what the tests left in them), remove the tree
cleanup() {
	[ ! -f "$tmp/cgroups" ] || while read -r d; do
		[ ! -d "$d" ] || find "$d" -depth -type d -exec rmdir {} + || return 1
	done < "$tmp/cgroups"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
root=$tmp/root
mkdir "$root" && tar -C "$root" -xf "$tarball" && chmod 755 "$root" || exit 1
# A cgroup of its own in every hierarchy, as a machine of its own has: the
# tests' cgroups (beneath their own) cannot meet another test run's on this host.
cgroup_own_dirs | while IFS='	' read -r mnt croot own; do
	path=${own%/}; [ "$croot" = / ] || path=${path#"$croot"}
	echo "$mnt$path/kobako-fresh.$$"
done > "$tmp/cgroups"
while read -r d; do
	mkdir "$d" || exit 1
	[ ! -f "$d/cpuset.cpus" ] || { cat "${d%/*}/cpuset.cpus" > "$d/cpuset.cpus" &&
		cat "${d%/*}/cpuset.mems" > "$d/cpuset.mems"; } || exit 1
done < "$tmp/cgroups"
# What a fresh Debian install has and a minbase tree lacks: the usual suites
# and a resolver.
cat > "$root/etc/apt/sources.list" <<EOF
deb $mirror $release main
deb $mirror $release-updates main
deb http://deb.debian.org/debian-security $release-security main
EOF
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
git clone -q "$top" "$root/root/kobako" &&
	git -C "$root/root/kobako" checkout -q --detach "$(git -C "$top" rev-parse HEAD)" || exit 1
echo "check-fresh: $release minbase, kobako $(git -C "$top" log -1 --format='%h %s' | cut -c1-60)"

unshare -m --propagation private sh "$top/tests/check-fresh.sh" --inside "$root" "$tmp/cgroups"
passed=$(grep -c '^check-fresh: make [a-z]*: exit 0 ' "$root/fresh.log")
failed=$((2 - passed))
cleanup || failed=$((failed + 1))
mounts_after=$(wc -l < /proc/self/mountinfo)
[ "$mounts_after" -eq "$mounts_before" ] || { echo "check-fresh: the host has $((mounts_after - mounts_before)) more mounts"; failed=$((failed + 1)); }
[ ! -e "$tmp" ] || { echo "check-fresh: $tmp is left"; failed=$((failed + 1)); }
left=$(find /sys/fs/cgroup -maxdepth 8 -type d -name "kobako-fresh.$$" 2>/dev/null)
[ -z "$left" ] || { echo "check-fresh: cgroups left: $left"; failed=$((failed + 1)); }
echo "check-fresh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
