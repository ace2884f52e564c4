#!/bin/sh
# mkimage.sh - build (once) the disk image of the reader's machine: Debian
# (the host's release) with systemd as PID 1, booted by tests/vm/run.sh.
#
#   sh tests/vm/mkimage.sh     prints the image's directory: root.img, vmlinuz,
#                              initrd (made here only when missing)
#
# What goes in: `debootstrap --variant=minbase` plus systemd, udev, dbus (a
# reader's Debian/Ubuntu has them), the programs the integration tests and
# TUTORIAL.md call (iproute2, curl, busybox, nftables, patch, ...) and the
# compiler and -dev libraries (check-tutorial.sh builds the exercises'
# reference answers). Debian's cloud kernel is unpacked into the tree with
# `dpkg-deb -x` (nothing goes into the host's /boot); a tiny busybox initramfs
# loads virtio_blk, whose module the root file system needs.
#
# The image is cached in $VM_CACHE (default /var/cache/kobako-vm), keyed by a
# hash of this recipe (this file but its comments, guest/*): a fresh clone reuses it, a changed
# recipe builds a new one and removes the old. Needs root, debootstrap,
# e2fsprogs (mkfs.ext4 -d), busybox-static (also its cpio) and the Debian
# mirror (VM_MIRROR). First build: about 1.5 min (78 s of it debootstrap,
# 121 MB of packages); the cache then holds 1.5 GB.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
VM_CACHE=${VM_CACHE:-/var/cache/kobako-vm}
MIRROR=${VM_MIRROR:-http://deb.debian.org/debian}
RELEASE=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
case $RELEASE in bookworm | trixie) ;; *) RELEASE=bookworm ;; esac # a Debian host, or not
BUSYBOX=${VM_BUSYBOX:-/bin/busybox}
# What the tests and the tutorial run, and what a reader's machine has.
PACKAGES="systemd systemd-sysv udev dbus kmod procps iproute2 curl busybox nftables patch
	make gcc libc6-dev pkg-config check libbsd-dev libmd-dev libjson-c-dev nettle-dev
	libarchive-dev libacl1-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev zlib1g-dev
	libxml2-dev"
# The later steps' tests, installed by apt-get in the tree after debootstrap
# (debootstrap --include cannot order the configuration of so many).
EXTRA_PACKAGES="libseccomp-dev libcurl4-openssl-dev dnsmasq-base docker-registry skopeo openssl
	python3 golang-github-containers-common uidmap passt ca-certificates libpam-systemd"
# Modules the initramfs loads: the root disk's, and the serial ports' (udev
# would load it only late in the boot; the rest load from the root disk).
INITRD_MODULES="virtio_pci virtio_blk virtio_console"
FREE_MB=1536 # room in the root file system for the tests' temporary files

die() { echo "mkimage: $*" >&2; exit 1; }

# Two caches: the debootstrap'd tree with its kernel (slow to make; keyed by
# the package list), and the image made from it (keyed by the whole recipe).
base_key=$(echo "$RELEASE $MIRROR $PACKAGES $EXTRA_PACKAGES" | md5sum | cut -c1-12)
base=$VM_CACHE/base-$RELEASE-$base_key.tar
key=$({ grep -v '^[[:space:]]*#' "$0"; cat "$here"/guest/*; echo "$RELEASE $MIRROR"; } | md5sum | cut -c1-12)
img=$VM_CACHE/image-$RELEASE-$key
mkdir -p "$VM_CACHE"
exec 9>"$VM_CACHE/.lock"
flock 9 # one build at a time; a second caller waits for it and reuses it
if [ -f "$img/done" ]; then
	echo "$img"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "building the image needs root (debootstrap, chroot)"
[ -x "$BUSYBOX" ] && "$BUSYBOX" --list | grep -qx switch_root ||
	die "no static busybox at $BUSYBOX (apt-get install busybox-static)"

start=$(date +%s)
work=$VM_CACHE/build.$$
trap '[ -n "${VM_KEEP:-}" ] || rm -rf "$work"' EXIT INT TERM
tree=$work/tree
mkdir -p "$tree" "$VM_CACHE/debs"
if [ ! -f "$base" ]; then
	command -v debootstrap >/dev/null || die "no debootstrap (apt-get install debootstrap)"
	echo "mkimage: debootstrap $RELEASE with systemd (once; cached in $base)" >&2
	debootstrap --variant=minbase --cache-dir="$VM_CACHE/debs" \
		--include="$(echo $PACKAGES | tr ' ' ,)" "$RELEASE" "$tree" "$MIRROR" >"$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
	echo "mkimage: debootstrap done after $(($(date +%s) - start)) s" >&2
	# No service may start while we install: a policy-rc.d says no.
	printf '#!/bin/sh\nexit 101\n' >"$tree/usr/sbin/policy-rc.d" && chmod 755 "$tree/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$tree/etc/resolv.conf"
	unshare -m --propagation private sh -c "mount -t proc proc '$tree/proc' &&
		PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive chroot '$tree' \
		apt-get install -y -q --no-install-recommends $(echo $EXTRA_PACKAGES)" \
		>"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log" >&2; die "apt-get install in the tree failed (log above)"; }
	rm -f "$tree/usr/sbin/policy-rc.d"
	# The kernel: Debian's cloud flavour, unpacked, not installed
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || die "cannot resolve linux-image-cloud-amd64 (run apt-get update)"
	(cd "$work" && apt-get download -qq -o APT::Sandbox::User=root "$pkg") || die "apt-get download $pkg failed"
	# (unpacked aside: tar would replace the tree's /lib symlink by a directory)
	dpkg-deb -x "$work/$pkg"_*.deb "$work/kernel"
	cp -a "$work/kernel/lib/modules" "$tree/usr/lib/"
	cp -a "$work/kernel/boot/." "$tree/boot/"
	PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$tree" depmod "${pkg#linux-image-}" # normally the package's postinst does it
	PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$tree" apt-get clean
	tar -C "$tree" -cf "$base.tmp" . && mv "$base.tmp" "$base"
	for old in "$VM_CACHE"/base-*.tar; do [ "$old" = "$base" ] || rm -f "$old"; done
else
	tar -C "$tree" -xf "$base"
fi
kver=$(ls "$tree/lib/modules")

# ---- the guest's own configuration ----
echo kobako-vm >"$tree/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 kobako-vm\n::1 localhost\n' >"$tree/etc/hosts"
: >"$tree/etc/fstab" # the initramfs mounts / read-write; nothing else
install -m 755 "$here/guest/kobako-run" "$tree/usr/local/sbin/kobako-run"
install -m 644 "$here/guest/kobako-run.service" "$here/guest/kobako.target" "$tree/etc/systemd/system/"
ln -sf kobako.target "$tree/etc/systemd/system/default.target"
# Timers that would start apt or fstrim during a test run
for u in apt-daily.timer apt-daily-upgrade.timer fstrim.timer e2scrub_all.timer dpkg-db-backup.timer; do
	ln -sf /dev/null "$tree/etc/systemd/system/$u"
done
rm -f "$tree/etc/machine-id" && : >"$tree/etc/machine-id" # made at each boot

# ---- the initramfs: busybox, virtio_blk, an init that mounts /dev/vda ----
rd=$work/initrd
mkdir -p "$rd/bin" "$rd/proc" "$rd/sys" "$rd/dev" "$rd/newroot"
cp "$BUSYBOX" "$rd/bin/busybox"
install -m 755 "$here/guest/init" "$rd/init"
moddir=lib/modules/$kver
for m in $INITRD_MODULES; do
	line=$(grep -E "(^|/)$m\.ko(\.[a-z]+)?:" "$tree/$moddir/modules.dep") || die "no module $m in $kver"
	for f in $(echo "$line" | tr -d :); do
		mkdir -p "$rd/$moddir/$(dirname "$f")"
		cp "$tree/$moddir/$f" "$rd/$moddir/$f"
	done
done
"$BUSYBOX" depmod -b "$rd" "$kver"
echo "$INITRD_MODULES" >"$rd/modules"

# ---- the disk: an ext4 image made from the tree, sparse ----
rm -rf "$img.tmp"
mkdir -p "$img.tmp"
(cd "$rd" && find . | "$BUSYBOX" cpio -o -H newc >"$img.tmp/initrd" 2>/dev/null)
cp "$tree/boot/vmlinuz-$kver" "$img.tmp/vmlinuz"
size=$(($(du -sm "$tree" | cut -f1) * 12 / 10 + FREE_MB))
truncate -s "${size}M" "$img.tmp/root.img"
mkfs.ext4 -q -F -L kobako-root -d "$tree" "$img.tmp/root.img" || die "mkfs.ext4 -d failed"
echo "$kver" >"$img.tmp/kernel-version"
touch "$img.tmp/done"
mv "$img.tmp" "$img"
for old in "$VM_CACHE"/image-*; do [ "$old" = "$img" ] || rm -rf "$old"; done
echo "mkimage: $img (kernel $kver, ${size} MB sparse) in $(($(date +%s) - start)) s" >&2
echo "$img"
