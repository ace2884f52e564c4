#!/bin/sh
# mkrootfs.sh DIR - the default root filesystem: busybox-static and a few
# files, nothing else. Offline and idempotent. This is all an "image" is.
set -eu
dir=$1
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "mkrootfs: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }
file "$busybox" 2>/dev/null | grep -q dynamic && { echo "mkrootfs: $busybox is not static" >&2; exit 1; }

rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
cd "$dir.tmp"
mkdir -p bin sbin usr/bin usr/sbin usr/local/bin etc root proc sys dev mnt tmp var/tmp
chmod 1777 tmp var/tmp
chmod 700 root
cp "$busybox" bin/busybox
# One link per applet (`busybox --list-full` prints "bin/ls", "usr/bin/env", ...).
for applet in $("$busybox" --list-full); do
	[ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$applet"
done
cat > etc/os-release <<'OS'
NAME="kobako busybox"
ID=kobako-busybox
PRETTY_NAME="kobako busybox image (busybox-static)"
OS
echo 'root:x:0:0:root:/root:/bin/sh' > etc/passwd
echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >> etc/passwd
echo 'root:x:0:' > etc/group
echo 'nogroup:x:65534:' >> etc/group
echo kobako > etc/hostname
: > etc/hosts # the container gets its own (step04 binds them over these)
: > etc/resolv.conf
cd - >/dev/null
rm -rf "$dir"
mv "$dir.tmp" "$dir"
