#!/usr/bin/env bash
# Builds the release archives into $CARGO_TARGET_DIR/distrib (target/distrib by default):
#   docker-credential-ecr-login-<target>.tar.xz   (.zip holding the .exe for Windows)
#   docker-credential-ecr-login-<target>.tar.xz.sha256   (sha256sum format: `sha256sum -c`)
# Each archive holds one top-level directory, named like the archive, with the binary, README.md
# and LICENSE.
#
# Usage: scripts/dist.sh [TARGET...]
#   default: x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-pc-windows-gnu
#   *-apple-darwin: on a macOS host only (linking needs Apple's SDK).
#
# It installs what it needs: the rustup targets; as root (or with password-less sudo) on Debian
# or Ubuntu, musl-tools, gcc-mingw-w64-x86-64, xz-utils and zip; for aarch64, zig and
# cargo-zigbuild from PyPI in a venv under the target directory. Safe to re-run: cargo rebuilds
# only what changed and the archives are rewritten. Needs no terminal.
set -euo pipefail

name=docker-credential-ecr-login
default_targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-pc-windows-gnu)

# Made absolute before the cd below, so a relative CARGO_TARGET_DIR means what the caller meant.
target_dir=${CARGO_TARGET_DIR:-}
case $target_dir in
'') ;;
/*) ;;
*) target_dir=$PWD/$target_dir ;;
esac
cd "$(dirname "$0")/.."
root=$PWD
target_dir=${target_dir:-$root/target}
mkdir -p "$target_dir"
target_dir=$(cd "$target_dir" && pwd)
export CARGO_TARGET_DIR=$target_dir
dist=$target_dir/distrib
export DEBIAN_FRONTEND=noninteractive

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${default_targets[@]}")

say() { printf 'dist: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

apt_updated=
apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            die "missing packages: $* (install them, or run as root)"
        fi
    fi
    command -v apt-get >/dev/null || die "missing packages: $* (no apt-get here to install them)"
    if [ -z "$apt_updated" ]; then
        "${sudo[@]}" apt-get update -qq
        apt_updated=1
    fi
    say "installing $*"
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null
}

# need COMMAND PACKAGE: installs PACKAGE when COMMAND is missing.
need() {
    command -v "$1" >/dev/null || apt_install "$2"
}

need_rust_target() {
    command -v rustup >/dev/null || die "rustup is needed to add the target $1"
    rustup target list --installed | grep -qx "$1" || rustup target add "$1"
}

# zig links aarch64 without a cross gcc; kept in a venv so nothing outside the target directory
# changes, and pinned so a release is built with the toolchain it was tested with.
zig_venv=$target_dir/zig-venv
zig_pins="ziglang==0.17.1 cargo-zigbuild==0.24.1"
need_zigbuild() {
    if [ "$(cat "$zig_venv/pins" 2>/dev/null)" != "$zig_pins" ] || ! "$zig_venv/bin/python" -m ziglang version >/dev/null 2>&1; then
        command -v python3 >/dev/null || apt_install python3 python3-venv
        python3 -m venv "$zig_venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$zig_venv"; }
        say "installing $zig_pins into $zig_venv"
        # shellcheck disable=SC2086 # one word per pin
        "$zig_venv/bin/pip" install --quiet --disable-pip-version-check $zig_pins </dev/null
        echo "$zig_pins" >"$zig_venv/pins"
    fi
    # cargo-zigbuild finds zig through `python -m ziglang` on the PATH.
    export PATH="$zig_venv/bin:$PATH"
}

sha256() {
    if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

# The archives' timestamps come from the last commit, so a rebuild of the same commit gives
# the same archive bytes.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

# Fails unless the ELF file is a static executable: no program interpreter, no shared library.
check_static() {
    local bin=$1 headers
    command -v readelf >/dev/null || apt_install binutils
    headers=$(readelf -ld "$bin")
    if grep -q INTERP <<<"$headers" || grep -q NEEDED <<<"$headers"; then
        die "$bin is not statically linked"
    fi
}

build() {
    local target=$1 exe=$name cargo=(cargo build) ext=tar.xz
    case $target in
    x86_64-unknown-linux-musl)
        # ring's C and assembly are compiled with musl-gcc.
        need musl-gcc musl-tools
        ;;
    *-unknown-linux-musl)
        need_zigbuild
        cargo=(cargo-zigbuild build)
        ;;
    x86_64-pc-windows-gnu)
        need x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64
        need zip zip
        exe=$name.exe
        ext=zip
        ;;
    *-apple-darwin)
        [ "$(uname -s)" = Darwin ] || die "$target links only on macOS (Apple's SDK)"
        ;;
    *) die "unknown target $target" ;;
    esac
    # GNU tar compresses through the xz program; macOS's bsdtar has liblzma built in.
    [ "$(uname -s)" = Darwin ] || need xz xz-utils
    need_rust_target "$target"

    say "building $target"
    "${cargo[@]}" --locked --release --target "$target"
    local bin=$target_dir/$target/release/$exe
    [ -f "$bin" ] || die "no binary at $bin"
    case $target in *-linux-*) check_static "$bin" ;; esac

    local base=$name-$target archive
    archive=$base.$ext
    local stage=$dist/.stage
    rm -rf "$stage"
    mkdir -p "$stage/$base"
    cp "$bin" "$stage/$base/"
    cp "$root/README.md" "$root/LICENSE" "$stage/$base/"
    chmod 0755 "$stage/$base/$exe"
    chmod 0644 "$stage/$base/README.md" "$stage/$base/LICENSE"
    # GNU touch; BSD touch has no @epoch form, and bsdtar below is not reproducible anyway.
    touch -d "@$epoch" "$stage/$base" "$stage/$base"/* 2>/dev/null || true
    rm -f "$dist/$archive" "$dist/$archive.sha256"
    if [ "$ext" = zip ]; then
        (cd "$stage" && TZ=UTC zip -q -X -r "$dist/$archive" "$base")
    elif tar --version 2>/dev/null | grep -q GNU; then
        tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
            -cJf "$dist/$archive" "$base"
    else
        tar -C "$stage" --uid 0 --gid 0 -cJf "$dist/$archive" "$base"
    fi
    rm -rf "$stage"
    (cd "$dist" && sha256 "$archive" >"$archive.sha256")
    say "$dist/$archive ($(wc -c <"$bin") bytes unpacked binary)"
}

mkdir -p "$dist"
for target in "${targets[@]}"; do
    build "$target"
done
cd "$dist"
for target in "${targets[@]}"; do
    for f in "$name-$target".tar.xz "$name-$target".zip; do
        if [ -f "$f" ]; then
            sha256 -c "$f.sha256" >/dev/null
            ls -l "$f"
        fi
    done
done
