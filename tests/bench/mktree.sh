#!/bin/sh
# mktree.sh DIR MIB - a deterministic tree of many small files, MIB MiB in all,
# for the image import benchmark: DIR/dNNN/fNNN, 128 files per directory,
# 512 B .. 16 KiB each (8 KiB on average, like /usr of a distribution).
# The same arguments give the same bytes on every machine: the sizes and
# contents come from a Park-Miller generator (exact in awk's doubles), not
# from rand(), which differs between mawk and gawk.
set -eu
dir=$1 mib=$2
mkdir -p "$dir"
awk -v dir="$dir" -v total="$((mib * 1048576))" '
function next_random() { seed = (seed * 16807) % 2147483647; return seed }
BEGIN {
	seed = 20240607
	alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \n"
	for (l = 0; l < 256; l++) {          # 256 random lines of 255 chars + newline
		line = ""
		for (c = 0; c < 255; c++)
			line = line substr(alphabet, next_random() % 64 + 1, 1)
		lines[l] = line "\n"
	}
	pool = ""                             # 64 KiB to cut the files from
	for (l = 0; l < 256; l++)
		pool = pool lines[l]
	written = 0
	for (n = 0; written < total; n++) {
		if (n % 128 == 0) {
			sub_dir = sprintf("%s/d%03d", dir, n / 128)
			system("mkdir -p \"" sub_dir "\"")
		}
		size = 512 + next_random() % 15873
		file = sprintf("%s/f%03d", sub_dir, n % 128)
		printf "%s", substr(pool, 1 + next_random() % (65536 - size), size) > file
		close(file)
		written += size
	}
	printf "%d files, %d bytes\n", n, written
}'
