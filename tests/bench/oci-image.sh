#!/bin/sh
# oci-image.sh LAYOUT DIR... - an OCI image layout in LAYOUT whose layers are
# the trees DIR... (in that order), each a gzip'ed tar: the image the pull
# benchmark pushes to its registry (skopeo copy oci:LAYOUT docker://...).
# Deterministic tars (sorted, owner 0, mtime 0) and gzip -n: the same trees
# give the same digests. Prints "LAYERS COMPRESSED-BYTES UNCOMPRESSED-BYTES".
#
# spec: github.com/opencontainers/image-spec (image-layout.md, manifest.md, config.md)
set -eu
layout=$1
shift
blobs=$layout/blobs/sha256
mkdir -p "$blobs"
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c < "$1" | tr -d ' '; }
layers= diff_ids= n=0 packed=0 unpacked=0
for dir; do
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$dir" -cf "$layout/layer.tar" .
	diff_ids="$diff_ids${diff_ids:+, }\"sha256:$(sha "$layout/layer.tar")\""
	unpacked=$((unpacked + $(size "$layout/layer.tar")))
	gzip -n < "$layout/layer.tar" > "$layout/layer.tar.gz"
	rm "$layout/layer.tar"
	digest=$(sha "$layout/layer.tar.gz") bytes=$(size "$layout/layer.tar.gz")
	mv "$layout/layer.tar.gz" "$blobs/$digest"
	layers="$layers${layers:+, }{ \"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\", \"digest\": \"sha256:$digest\", \"size\": $bytes }"
	packed=$((packed + bytes)) n=$((n + 1))
done
# blob FILE MEDIA-TYPE: move FILE into the blobs, print its descriptor.
blob() {
	digest=$(sha "$1") bytes=$(size "$1")
	mv "$1" "$blobs/$digest"
	echo "{ \"mediaType\": \"$2\", \"digest\": \"sha256:$digest\", \"size\": $bytes }"
}
# This machine's architecture, as OCI names it (amd64, arm64: Debian's names).
arch=$(dpkg --print-architecture)
printf '{ "architecture": "%s", "os": "linux", "config": { "Cmd": [ "/bin/sh" ] }, "rootfs": { "type": "layers", "diff_ids": [ %s ] } }\n' \
	"$arch" "$diff_ids" > "$layout/config"
config=$(blob "$layout/config" application/vnd.oci.image.config.v1+json)
printf '{ "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": %s, "layers": [ %s ] }\n' \
	"$config" "$layers" > "$layout/manifest"
manifest=$(blob "$layout/manifest" application/vnd.oci.image.manifest.v1+json)
printf '{ "schemaVersion": 2, "manifests": [ %s ] }\n' "$manifest" > "$layout/index.json"
echo '{ "imageLayoutVersion": "1.0.0" }' > "$layout/oci-layout"
echo "$n $packed $unpacked"
