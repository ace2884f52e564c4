#!/bin/sh
# distro-internet.sh - a stand-in for the internet, made of network
# namespaces, for apt-get in the Debian image of `make check-distro`: no
# packet leaves the machine.
#
#   sh tests/distro-internet.sh mirror   build the mirror from the image
#                                        (once, cached; fetches the .deb)
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
# The mirror is real Debian: the InRelease (signed by Debian; apt checks it
# with the image's own debian-archive-keyring) and the Packages index that
# debootstrap left in the image's /var/lib/apt/lists, and one .deb (PKG,
# not in minbase, no new dependencies) fetched from deb.debian.org once and
# checked against that index's SHA256. Only the uncompressed Packages is
# served: apt asks for Packages.xz (by its hash, then by name), gets 404,
# and takes the next compression the Release lists, ending at Packages.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
release=${DISTRO_RELEASE:-trixie}
[ "$release" = "$(. /etc/os-release; echo "${VERSION_CODENAME:-}")" ] && release=bookworm
tarball=build/images/debian-$release.tar
mirror=build/images/debian-$release-mirror # its debian/ is http://deb.debian.org/debian
archive=$mirror/debian
PKG=${DISTRO_PKG:-hello}
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

# The image's lists, laid out as the archive does; PKG's .deb in pool/.
make_mirror() {
	[ -f "$tarball" ] || die "$tarball: no such image (make check-distro builds it)"
	[ -f "$mirror/.done" ] && [ "$mirror/.done" -nt "$tarball" ] && return 0
	rm -rf "$mirror" && mkdir -p "$archive/dists/$release/main/binary-amd64" || exit 1
	lists=$(mktemp -d /tmp/kobako-lists.XXXXXX)
	tar -C "$lists" -xf "$tarball" ./var/lib/apt/lists || die "$tarball: no apt lists in it"
	l=$lists/var/lib/apt/lists/deb.debian.org_debian_dists_${release}
	for f in InRelease Release Release.gpg; do
		[ -f "${l}_$f" ] && cp -p "${l}_$f" "$archive/dists/$release/$f"
	done
	cp -p "${l}_main_binary-amd64_Packages" "$archive/dists/$release/main/binary-amd64/Packages" ||
		die "$tarball: no Packages index of $release main"
	rm -rf "$lists"
	index=$archive/dists/$release/main/binary-amd64/Packages
	file=$(field_of "$PKG" Filename < "$index") sha=$(field_of "$PKG" SHA256 < "$index")
	[ -n "$file" ] && [ -n "$sha" ] || die "$PKG: not in the $release index"
	mkdir -p "$archive/$(dirname "$file")"
	echo "fetching $file from deb.debian.org (once; cached in $mirror)"
	curl -fsS -o "$archive/$file" "http://deb.debian.org/debian/$file" || die "$file: fetch failed"
	echo "$sha  $archive/$file" | sha256sum -c --quiet || die "$file: not the SHA256 of the index"
	touch "$mirror/.done"
}

# Is this the machine's own network namespace (the one of PID 1)?
in_host_netns() { [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ]; }

up() {
	in_host_netns && die "up: this is the machine's own network; use: $0 run CMD"
	[ -f "$mirror/.done" ] || die "$mirror: no mirror ($0 mirror makes it)"
	[ -x "$BUSYBOX" ] || die "$BUSYBOX: missing (make rootfs)"
	ip link set lo up && ip netns add $NS &&
		ip link add uplink0 type veth peer name eth0 netns $NS &&
		ip addr add $UPLINK/24 dev uplink0 && ip link set uplink0 up &&
		ip route add default via $ROUTER &&
		ip -n $NS link set lo up && ip -n $NS addr add $ROUTER/24 dev eth0 &&
		ip -n $NS link set eth0 up &&
		ip -n $NS addr add $WWW/32 dev lo && ip -n $NS addr add $DNS/32 dev lo ||
		die "up: the namespace and its link"
	# Both go to the background only once they listen: no race.
	ip netns exec $NS dnsmasq -C /dev/null --no-resolv --no-hosts --user=root \
		--listen-address=$DNS --bind-interfaces --address=/deb.debian.org/$WWW \
		--log-facility=/dev/null || die "up: dnsmasq"
	ip netns exec $NS "$BUSYBOX" httpd -c /dev/null -p $WWW:80 -h "$top/$mirror" ||
		die "up: httpd"
	mkdir -p $state /run/systemd/resolve &&
		echo "nameserver $DNS" > /run/systemd/resolve/resolv.conf &&
		printf 'nameserver 127.0.0.53\noptions edns0 trust-ad\n' > $state/resolv.conf &&
		mount --bind $state/resolv.conf /etc/resolv.conf || die "up: resolv.conf"
}

# Everything up made, whatever is there; the servers by the namespace's pids.
down() {
	in_host_netns && die "down: this is the machine's own network"
	umount /etc/resolv.conf 2>/dev/null
	rm -rf $state /run/systemd/resolve
	while pids=$(ip netns pids $NS 2>/dev/null) && [ -n "$pids" ]; do
		kill $pids 2>/dev/null # (and once more, for a child it forked meanwhile)
	done
	ip link del uplink0 2>/dev/null
	ip netns del $NS 2>/dev/null
	return 0
}

case ${1:-} in
mirror) make_mirror ;;
up) up ;;
down) down ;;
run)
	shift
	[ $# -gt 0 ] || die "run: which command?"
	make_mirror || exit 1
	exec unshare --net --mount --propagation private sh -c '
		mount -t tmpfs -o mode=0755 tmpfs /run && sh "$0" up || exit 1
		"$@"; rc=$?
		sh "$0" down; exit $rc' "$top/tests/distro-internet.sh" "$@" ;;
*) die "usage: $0 mirror|up|down|run CMD [ARG...]" ;;
esac
