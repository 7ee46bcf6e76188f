#!/usr/bin/env bash
# Builds the release archives (scripts/dist.sh) and runs each one for real: checksum, contents,
# then the artifact test (tests/it/artifact.rs: version, not-found, a get against the mock, a
# cache hit, erase) against the unpacked binary, natively for x86_64 Linux, under qemu-aarch64
# for aarch64 and under wine for Windows.
#
# Usage: tests/dist/run.sh [TARGET...]   (default: every target scripts/dist.sh builds here)
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
case $target_dir in /*) ;; *) target_dir=$PWD/$target_dir ;; esac
export CARGO_TARGET_DIR=$target_dir
name=docker-credential-ecr-login
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-pc-windows-gnu)

need() {
    command -v "$1" >/dev/null && return
    [ "$(id -u)" = 0 ] || { echo "needs $2 (apt-get install $2)" >&2; exit 1; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}

scripts/dist.sh "${targets[@]}"
cargo test --locked --test it --no-run

check="$target_dir/dist-check"
rm -rf "$check"
mkdir -p "$check"
for target in "${targets[@]}"; do
    archive=$name-$target.tar.xz
    exe=$name
    case $target in *windows*) archive=$name-$target.zip exe=$name.exe ;; esac
    echo "== $archive"
    (cd "$target_dir/distrib" && sha256sum -c "$archive.sha256")
    case $archive in
    *.zip) need unzip unzip && unzip -q "$target_dir/distrib/$archive" -d "$check" ;;
    *) tar -xJf "$target_dir/distrib/$archive" -C "$check" ;;
    esac
    dir=$check/$name-$target
    for file in "$exe" README.md LICENSE; do
        [ -f "$dir/$file" ] || { echo "$archive lacks $file" >&2; exit 1; }
    done
    runner=()
    case $target in
    x86_64-unknown-linux-*) ;;
    aarch64-unknown-linux-*)
        need qemu-aarch64 qemu-user
        runner=(qemu-aarch64)
        ;;
    x86_64-pc-windows-*)
        need wine wine
        # The test-only shim for Debian's wine (tests/wine/bcryptprimitives.c), beside the
        # .exe as Windows looks for DLLs; a real Windows has its own.
        need x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64
        x86_64-w64-mingw32-gcc -O2 -shared -s -o "$dir/bcryptprimitives.dll" tests/wine/bcryptprimitives.c -ladvapi32
        # wine makes a missing prefix, but not its parent directory.
        mkdir -p "$target_dir/wine"
        export WINEPREFIX="$target_dir/wine/prefix" WINEDEBUG=-all
        runner=(wine)
        ;;
    *) echo "no way to run $target here" >&2; exit 1 ;;
    esac
    ECR_LOGIN_BIN="$dir/$exe" ECR_LOGIN_RUNNER="${runner[*]:-}" \
        cargo test --locked --test it artifact -- --exact artifact::version_not_found_get_hit_and_erase
done
