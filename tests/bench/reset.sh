#!/bin/sh
# reset.sh DIR - hyperfine's --prepare for the import benchmark: an empty DIR,
# and the previous run's writes on disk (sync), so no run pays for another.
set -eu
rm -rf "$1"
mkdir -p "$1"
sync
