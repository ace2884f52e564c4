#!/bin/sh
# check-distro.sh - another distribution's userland on this kernel: import a
# Debian root filesystem made with debootstrap (a release other than the
# host's) into step06 and run its programs. `make check-distro`; needs root
# and the Debian mirror; about 35 s (29 s of it debootstrap), then cached.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
release=${DISTRO_RELEASE:-trixie}
[ "$release" = "$(. /etc/os-release; echo "${VERSION_CODENAME:-}")" ] && release=bookworm
tarball=build/images/debian-$release.tar
C=step06_rootfs/container
passed=0 failed=0

check() { # check NAME COMMAND...: one line, counted
	if out=$("$@" 2>&1); then passed=$((passed + 1)); echo "ok   $name: $out"
	else failed=$((failed + 1)); echo "FAIL $name: $out"; fi
}

if [ ! -f "$tarball" ]; then
	tree=$(mktemp -d /tmp/kobako-debootstrap.XXXXXX)
	echo "debootstrap --variant=minbase $release (once; cached in $tarball)"
	debootstrap --variant=minbase "$release" "$tree" http://deb.debian.org/debian >/dev/null &&
		mkdir -p build/images && tar -C "$tree" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	rm -rf "$tree"
	[ -f "$tarball" ] || { echo "check-distro: debootstrap $release failed"; exit 1; }
fi

store=$(mktemp -d /tmp/kobako-distro.XXXXXX)
export KOBAKO_ROOT=$store KOBAKO_CGROUP_PARENT=kobako-distro
name="import $tarball"; check $C image import "$tarball" debian
name="os-release inside"; check sh -c "$C run --net none debian /bin/cat /etc/os-release | grep -x 'VERSION_CODENAME=$release'"
name="apt-get runs"; check sh -c "$C run --net none debian /usr/bin/apt-get --version | head -1"
name="the host's kernel"; check sh -c "test \"\$($C run --net none debian /bin/uname -r)\" = \"$(uname -r)\" && uname -r"
rm -rf "$store"
for d in $(find /sys/fs/cgroup -maxdepth 6 -type d -name kobako-distro 2>/dev/null); do rmdir "$d"; done
echo "check-distro: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
