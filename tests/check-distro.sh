#!/bin/sh
# check-distro.sh - another distribution's userland on this kernel: import a
# Debian root filesystem made with debootstrap (a release other than the
# host's) into step06 and run its programs; then apt-get update and
# apt-get install through kobako's bridge, NAT and DNS, against a stand-in
# for the internet made of network namespaces (tests/distro-internet.sh: a
# router, dnsmasq, and a mirror of real, signed Debian indexes). No packet
# leaves the machine, and the bridge, the NAT table, the leases, /run/kobako
# and ip_forward go with the check's own namespaces.
#
# `make check-distro`; needs root and the Debian mirror once: about 65 s the
# first time (debootstrap, the mirror's indexes and one .deb, cached in
# build/images/), then 15-30 s.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
release=${DISTRO_RELEASE:-trixie}
[ "$release" = "$(. /etc/os-release; echo "${VERSION_CODENAME:-}")" ] && release=bookworm
export DISTRO_RELEASE=$release
tarball=build/images/debian-$release.tar
PKG=hello # in the mirror (distro-internet.sh), not in minbase
C6=step06_rootfs/container C7=step07_security/container C8=step08_rootless/container
passed=0 failed=0

# The image and the mirror need Debian's real mirror: made here, once.
if [ "${KOBAKO_DISTRO_NS:-}" != 1 ]; then
	if [ ! -f "$tarball" ]; then
		tree=$(mktemp -d /tmp/kobako-debootstrap.XXXXXX)
		echo "debootstrap --variant=minbase $release (once; cached in $tarball)"
		debootstrap --variant=minbase "$release" "$tree" http://deb.debian.org/debian >/dev/null &&
			mkdir -p build/images && tar -C "$tree" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
		rm -rf "$tree"
		[ -f "$tarball" ] || { echo "check-distro: debootstrap $release failed"; exit 1; }
	fi
	sh tests/distro-internet.sh mirror || exit 1
	KOBAKO_DISTRO_NS=1 exec sh tests/distro-internet.sh run sh "$0" "$@"
fi

check() { # check NAME COMMAND...: one line, counted
	if out=$("$@" 2>&1); then passed=$((passed + 1)); echo "ok   $name: $out"
	else failed=$((failed + 1)); echo "FAIL $name: $out"; fi
}
# apt_clean FILE: apt's output in FILE fetched from the mirror and warned of
# nothing; prints what it fetched on one line (or its first W: or E: line)
apt_clean() {
	grep -m1 -E '^(W|E):' "$1" && return 1
	grep -E '^(Get|Hit):[0-9]+ http://deb.debian.org/' "$1" |
		sed 's|http://deb.debian.org/debian ||' | paste -sd ';' | sed 's/;/; /g' | grep .
}
# apt_run NAME STEP [OPTIONS...] -- SCRIPT: SCRIPT run by sh in the image
# with STEP's container (bridge network); its output in $work/NAME. If it
# fails, prints its first W: or E: line (or its last line)
apt_run() {
	n=$1 step=$2 && shift 2
	opts= && while [ "$1" != -- ]; do opts="$opts $1" && shift; done && shift
	$step run $opts -e DEBIAN_FRONTEND=noninteractive debian sh -c "$1" > "$work/$n" 2>&1 ||
		{ rc=$? && { grep -m1 -E '^(W|E):' "$work/$n" || tail -1 "$work/$n"; } && return $rc; }
}

store=$(mktemp -d /tmp/kobako-distro.XXXXXX) work=$(mktemp -d /tmp/kobako-distro-out.XXXXXX)
export KOBAKO_ROOT=$store KOBAKO_CGROUP_PARENT=kobako-distro
cleanup() { # the store, the outputs, the containers' parent cgroups
	rm -rf "$store" "$work"
	for d in $(find /sys/fs/cgroup -maxdepth 6 -type d -name kobako-distro 2>/dev/null); do rmdir "$d"; done
}
trap 'cleanup; exit 130' INT TERM
name="import $tarball"; check $C6 image import "$tarball" debian
name="os-release inside"; check sh -c "$C6 run --net none debian /bin/cat /etc/os-release | grep -x 'VERSION_CODENAME=$release'"
name="apt-get runs"; check sh -c "$C6 run --net none debian /usr/bin/apt-get --version | head -1"
name="the host's kernel"; check sh -c "test \"\$($C6 run --net none debian /bin/uname -r)\" = \"$(uname -r)\" && uname -r"

# The bridge (the default): DNS from the host's resolver, out through NAT.
resolves() { $C6 run debian getent hosts deb.debian.org | grep '^203\.0\.113\.10 '; }
updates() { apt_run update $C6 -- 'apt-get update' && apt_clean "$work/update"; }
refuses_forged() {
	! apt_run forged $C6 -- "echo 'deb http://deb.debian.org/forged $release main' \
		> /etc/apt/sources.list && apt-get update" >/dev/null &&
		why=$(grep -o 'Message has been manipulated' "$work/forged" | head -1) && [ -n "$why" ] &&
		e=$(grep '^E: .* is not signed\.$' "$work/forged") && echo "sqv: $why; $e"
}
name="step06: deb.debian.org resolves"; check resolves
name="step06: apt-get update"; check updates
name="step06: apt refuses an index whose signature does not match"; check refuses_forged

# step07's defaults: Docker's 14 capabilities, seccomp, masked paths. apt
# downloads as _apt (setresuid, setgroups: SETUID, SETGID; its partial
# directory is chowned and chmodded to _apt: CHOWN, FOWNER; root opens
# _apt's files: DAC_OVERRIDE); dpkg unpacks and runs the package's scripts.
install="apt-get update && apt-get install -y $PKG && $PKG"
installs() {
	apt_run install $C7 -- "$install" || return 1
	fetched=$(apt_clean "$work/install") || { echo "$fetched"; return 1; }
	grep -qx 'Hello, world!' "$work/install" && echo "$fetched; $PKG: Hello, world!"
}
no_setuid() {
	! apt_run nosetuid $C7 --cap-drop SETUID -- 'apt-get update' >/dev/null &&
		grep -m1 '^E: seteuid 42 failed' "$work/nosetuid"
}
no_chown() {
	apt_run nochown $C7 --cap-drop CHOWN -- 'apt-get update' &&
		grep -m1 '^W: chown to _apt:root of directory /var/lib/apt/lists/partial failed' "$work/nochown"
}
name="step07: apt-get install -y $PKG"; check installs
name="step07 --cap-drop SETUID: apt cannot become _apt"; check no_setuid
name="step07 --cap-drop CHOWN: apt cannot give its download directory to _apt"; check no_chown

# step08, started by root with --userns remap: root inside is uid 1000000
# outside (a range in /etc/subuid and /etc/subgid, in our mount table only:
# it goes with it).
for f in subuid subgid; do
	{ cat /etc/$f 2>/dev/null; echo kobako:1000000:65536; } > "$work/$f" && mount --bind "$work/$f" /etc/$f
done
remapped() {
	apt_run remap $C8 --userns remap -- "$install && cat /proc/self/uid_map" &&
		grep -qx 'Hello, world!' "$work/remap" && apt_clean "$work/remap" >/dev/null &&
		grep -qE '^ +0 +1000000 +65536$' "$work/remap" && echo "$PKG: Hello, world!; uid_map: 0 1000000 65536"
}
name="step08 --userns remap: apt-get install -y $PKG"; check remapped

cleanup
left() {
	! find /sys/fs/cgroup -maxdepth 6 -type d -name kobako-distro | grep . &&
		! ls -d "$store" "$work" 2>/dev/null && echo "no kobako-distro cgroup, no store"
}
name="nothing left"; check left
echo "check-distro: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
