#!/bin/sh
# Makes the build context of deploy/Containerfile from release archives (scripts/dist.sh):
#   <context>/amd64/docker-credential-ecr-login   from ...-x86_64-unknown-linux-musl.tar.xz
#   <context>/arm64/docker-credential-ecr-login   from ...-aarch64-unknown-linux-musl.tar.xz
# Each archive is checked against its .sha256 first; an architecture whose archive is missing
# is left out (and the image cannot be built for it). Fails when neither is there.
#
# Usage: deploy/image-context.sh DISTRIB_DIR CONTEXT_DIR
set -eu
[ $# -eq 2 ] || { echo "usage: $0 DISTRIB_DIR CONTEXT_DIR" >&2; exit 2; }
dist=$1
context=$2
name=docker-credential-ecr-login
found=
for pair in amd64:x86_64-unknown-linux-musl arm64:aarch64-unknown-linux-musl; do
    arch=${pair%%:*}
    target=${pair#*:}
    archive=$name-$target.tar.xz
    if [ ! -f "$dist/$archive" ]; then
        echo "image-context: no $dist/$archive: no $arch image" >&2
        continue
    fi
    (cd "$dist" && sha256sum --quiet -c "$archive.sha256")
    rm -rf "${context:?}/$arch"
    mkdir -p "$context/$arch"
    tar -xJf "$dist/$archive" -C "$context/$arch" --strip-components=1 "$name-$target/$name"
    chmod 0755 "$context/$arch/$name"
    echo "image-context: $context/$arch/$name from $archive"
    found=1
done
[ -n "$found" ] || { echo "image-context: no Linux archive in $dist (run scripts/dist.sh)" >&2; exit 1; }
