#!/bin/sh
# reset.sh DIR - hyperfine's --prepare for the import and pull benchmarks: an
# empty DIR (whatever a run mounted beneath it, e.g. podman's overlay
# storage, unmounted first), and the previous run's writes on disk (sync), so
# no run pays for another.
set -eu
awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
	sort -r | while read -r m; do umount -l "$m"; done
rm -rf "$1"
mkdir -p "$1"
sync
