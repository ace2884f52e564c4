#!/bin/sh
# distro-internet.sh - a stand-in for the internet, made of network
# namespaces, for apt-get in the Debian image of `make check-distro`: no
# packet leaves the machine.
#
#   sh tests/distro-internet.sh mirror   build the mirror for the image
#                                        (once, cached; fetches 16 MB)
#   sh tests/distro-internet.sh up       the internet, in this network
#                                        namespace (never the machine's own)
#   sh tests/distro-internet.sh down     and away again
#   sh tests/distro-internet.sh run CMD [ARG...]
#                                        CMD in a network and mount namespace
#                                        of its own, with the internet up
#
# The internet is one namespace, "internet", the router upstream of ours
# (like test_step04's make_internet): veth uplink0 (192.0.2.2) here, eth0
# (192.0.2.1) there, our default route through it. In it, dnsmasq answers
# deb.debian.org with 203.0.113.10 (a documentation address) at
# 203.0.113.53, and busybox httpd serves the mirror at 203.0.113.10:80.
# Our /etc/resolv.conf says 127.0.0.53 and systemd-resolved's file names
# the real server, as on an Ubuntu host: kobako's DNS code must find it.
#
# The mirror is real Debian, of the moment the image was made: the
# InRelease that debootstrap left in the image's /var/lib/apt/lists (signed
# by Debian; apt checks it with the image's own debian-archive-keyring), the
# Packages.xz and Translation-en.xz it names, and one .deb (PKG, not in
# minbase, no new dependencies), fetched from deb.debian.org once and each
# checked against its SHA256 there. http://deb.debian.org/forged/ is the
# same with one line of the signed text changed, for apt to refuse.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
release=${DISTRO_RELEASE:-trixie}
[ "$release" = "$(. /etc/os-release; echo "${VERSION_CODENAME:-}")" ] && release=bookworm
tarball=build/images/debian-$release.tar
mirror=build/images/debian-$release-mirror # its debian/ is http://deb.debian.org/debian
archive=$mirror/debian
PKG=hello # the .deb in the mirror (check-distro.sh installs it)
ROUTER=192.0.2.1 UPLINK=192.0.2.2 WWW=203.0.113.10 DNS=203.0.113.53
NS=internet
state=/run/distro-internet # the resolv.conf files; /run is our namespace's own
BUSYBOX=build/rootfs/busybox/bin/busybox

die() { echo "distro-internet: $*" >&2; exit 1; }

# field_of PKG FIELD < Packages: FIELD of PKG's stanza
field_of() {
	awk -v p="$1" -v f="$2:" '$0 == "Package: " p { on = 1 } on && $1 == f { print $2; exit }
		on && $0 == "" { on = 0 }'
}

# sha_of PATH < Release: the SHA256 the Release gives for PATH (main/...)
sha_of() { awk -v p="$1" '/^SHA256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && $3 == p { print $1 }'; }

# fetch PATH SHA256: a file of dists/$release/ from deb.debian.org into the
# mirror, by its hash (Debian keeps a replaced index there for a while),
# else by name; kept only if it is the one the image's InRelease signs.
fetch() {
	dir=$archive/dists/$release/$(dirname "$1")
	mkdir -p "$dir/by-hash/SHA256" || exit 1
	url=http://deb.debian.org/debian/dists/$release
	curl -fsS -o "$dir/by-hash/SHA256/$2" "$url/$(dirname "$1")/by-hash/SHA256/$2" 2>/dev/null ||
		curl -fsS -o "$dir/by-hash/SHA256/$2" "$url/$1" || die "$url/$1: fetch failed"
	echo "$2  $dir/by-hash/SHA256/$2" | sha256sum -c --quiet 2>/dev/null ||
		die "$1: Debian has a newer index than the image; rm $tarball and run make check-distro again"
	ln -f "$dir/by-hash/SHA256/$2" "$dir/$(basename "$1")"
}

# The archive as deb.debian.org lays it out, for the image as debootstrap
# left it: its signed InRelease; the compressed indexes that it names and
# apt asks for first (fetched); PKG's .deb in pool/, checked against the
# index. And forged/: the same InRelease with one signed line changed.
make_mirror() {
	[ -f "$tarball" ] || die "$tarball: no such image (make check-distro builds it)"
	[ -f "$mirror/.done" ] && [ -z "$(find "$tarball" -newer "$mirror/.done")" ] && return 0
	echo "the mirror of the image's apt lists (once; cached in $mirror)"
	rm -rf "$mirror" && mkdir -p "$archive/dists/$release" "$mirror/forged/dists/$release" || exit 1
	lists=$(mktemp -d /tmp/kobako-lists.XXXXXX) && trap 'rm -rf "$lists"' EXIT
	tar -C "$lists" -xf "$tarball" ./var/lib/apt/lists || die "$tarball: no apt lists in it"
	l=$lists/var/lib/apt/lists/deb.debian.org_debian_dists_${release}
	cp -p "${l}_InRelease" "$archive/dists/$release/InRelease" || die "$tarball: no InRelease of $release"
	sed 's/^Suite: .*/&-forged/' "${l}_InRelease" > "$mirror/forged/dists/$release/InRelease"
	for f in main/binary-amd64/Packages.xz main/i18n/Translation-en.xz; do
		fetch $f "$(sha_of $f < "${l}_InRelease")"
	done
	file=$(field_of "$PKG" Filename < "${l}_main_binary-amd64_Packages")
	sha=$(field_of "$PKG" SHA256 < "${l}_main_binary-amd64_Packages")
	rm -rf "$lists" && trap - EXIT
	[ -n "$file" ] && [ -n "$sha" ] || die "$PKG: not in the $release index"
	mkdir -p "$archive/$(dirname "$file")"
	curl -fsS -o "$archive/$file" "http://deb.debian.org/debian/$file" || die "$file: fetch failed"
	echo "$sha  $archive/$file" | sha256sum -c --quiet || die "$file: not the SHA256 of the index"
	touch "$mirror/.done"
}

# up and down change routes, /etc/resolv.conf and /run: only in a network
# and mount namespace of our own. Refused where PID 1's namespace is ours
# (when we may read it) or where a default route exists already (the
# machine's own network has one; a new namespace has none).
check_own_ns() {
	for ns in net mnt; do
		[ "$(readlink /proc/1/ns/$ns 2>/dev/null)" = "$(readlink /proc/self/ns/$ns)" ] &&
			die "$1: this is the machine's own $ns namespace; use: $0 run CMD"
	done
	[ -z "$(ip route show default)" ] ||
		die "$1: this network has a default route (the machine's own?); use: $0 run CMD"
	[ ! -e /run/systemd/resolve ] && [ ! -e $state ] ||
		die "$1: /run/systemd/resolve or $state exists (a real resolver's, or up twice)"
}

up() {
	check_own_ns up
	[ -f "$mirror/.done" ] || die "$mirror: no mirror ($0 mirror makes it)"
	[ -x "$BUSYBOX" ] || die "$BUSYBOX: missing (make rootfs)"
	# trixie's InRelease has no Valid-Until; testing's and security's have
	# one, a week on: past it apt would refuse the image's own index.
	until=$(sed -n 's/^Valid-Until: //p' "$archive/dists/$release/InRelease")
	[ -z "$until" ] || [ "$(date -d "$until" +%s)" -gt "$(date +%s)" ] ||
		die "up: the image's index was valid until $until; rm $tarball and run make check-distro"
	mkdir -p $state || exit 1 # (down undoes only what up made: it looks for this)
	ip link set lo up && ip netns add $NS &&
		ip link add uplink0 type veth peer name eth0 netns $NS &&
		ip addr add $UPLINK/24 dev uplink0 && ip link set uplink0 up &&
		ip route add default via $ROUTER &&
		ip -n $NS link set lo up && ip -n $NS addr add $ROUTER/24 dev eth0 &&
		ip -n $NS link set eth0 up &&
		ip -n $NS addr add $WWW/32 dev lo && ip -n $NS addr add $DNS/32 dev lo ||
		die "up: the namespace $NS and its link"
	# Both go to the background only once they listen: no race.
	ip netns exec $NS dnsmasq -C /dev/null --no-resolv --no-hosts --user=root \
		--listen-address=$DNS --bind-interfaces --address=/deb.debian.org/$WWW \
		--log-facility=/dev/null || die "up: dnsmasq"
	ip netns exec $NS "$BUSYBOX" httpd -c /dev/null -p $WWW:80 -h "$top/$mirror" ||
		die "up: httpd"
	mkdir -p /run/systemd/resolve &&
		echo "nameserver $DNS" > /run/systemd/resolve/resolv.conf &&
		printf 'nameserver 127.0.0.53\noptions edns0 trust-ad\n' > $state/resolv.conf &&
		mount --bind $state/resolv.conf /etc/resolv.conf || die "up: resolv.conf"
}

# What up made, as far as it got; the servers by the namespace's pids.
down() {
	[ -d $state ] || die "down: $state: not up here"
	grep -q " /etc/resolv.conf " /proc/self/mountinfo && umount /etc/resolv.conf
	rm -rf /run/systemd/resolve
	while pids=$(ip netns pids $NS 2>/dev/null) && [ -n "$pids" ]; do
		kill -KILL $pids 2>/dev/null # (again if httpd forked a child meanwhile)
	done
	ip link del uplink0 2>/dev/null # (with its default route)
	ip netns del $NS 2>/dev/null
	rm -rf $state
}

case ${1:-} in
mirror) make_mirror ;;
up) up ;;
down) down ;;
run)
	shift
	[ $# -gt 0 ] || die "run: which command?"
	make_mirror || exit 1
	# (down also on Ctrl-C: the servers would keep the namespace alive)
	exec unshare --net --mount --propagation private sh -c '
		trap "sh \"\$0\" down; exit 130" INT TERM
		mount -t tmpfs -o mode=0755 tmpfs /run || exit 1
		sh "$0" up || { sh "$0" down 2>/dev/null; exit 1; }
		"$@"; rc=$?
		sh "$0" down; exit $rc' "$top/tests/distro-internet.sh" "$@" ;;
*) die "usage: $0 mirror|up|down|run CMD [ARG...]" ;;
esac
