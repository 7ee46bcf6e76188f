#!/usr/bin/env bash
# Builds every release artifact (scripts/dist.sh) and checks each as a user meets it:
# - SHA256SUMS, and each archive's own .sha256, pass `sha256sum -c`, and list every file;
# - each archive unpacked: its contents, then the artifact test (tests/it/artifact.rs: version,
#   not-found, a get against the mock, a cache hit, erase) against the binary, natively for
#   x86_64 Linux, under qemu-aarch64 for aarch64 and under wine for x86_64 Windows (Windows on
#   arm64 is only checked to be an arm64 executable: nothing here runs it);
# - each binary's `cargo auditable` data (.dep-v0) read back, listing aws-sdk-ecr, and its SBOM
#   (<archive>.cdx.json) valid against the CycloneDX schema and naming the same crates
#   (tests/dist/audit.py);
# - the .deb and .rpm of each Linux target (tests/dist/packages.sh).
#
# Usage: tests/dist/run.sh [TARGET...]   (default: every target scripts/dist.sh builds here)
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
case $target_dir in /*) ;; *) target_dir=$PWD/$target_dir ;; esac
export CARGO_TARGET_DIR=$target_dir
name=docker-credential-ecr-login
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-pc-windows-gnu aarch64-pc-windows-gnullvm)
dist=$target_dir/distrib

apt_updated=
apt_install() {
    [ "$(id -u)" = 0 ] || { echo "needs $* (apt-get install $*)" >&2; exit 1; }
    [ -n "$apt_updated" ] || { apt-get update -qq && apt_updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
# need COMMAND PACKAGE: installs PACKAGE when COMMAND is missing.
need() {
    command -v "$1" >/dev/null || apt_install "$2"
}

# The readers of the SBOMs and of the binaries' sections, pinned with their hashes, in a venv of
# the target dir, made again when the requirement file changes.
venv=$target_dir/dist-check-venv
req=tests/tools/requirements/dist.txt
if ! cmp -s "$req" "$venv/requirements.txt" || ! "$venv/bin/python" -c 'import cyclonedx, elftools, pefile' 2>/dev/null; then
    need python3 python3-venv
    rm -rf "$venv"
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$venv"; }
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary :all: \
        -r "$req" </dev/null
    cp "$req" "$venv/requirements.txt"
fi
audit() { "$venv/bin/python" tests/dist/audit.py "$@"; }

scripts/dist.sh "${targets[@]}"
cargo test --locked --test it --no-run

echo "== SHA256SUMS"
(cd "$dist" && sha256sum -c SHA256SUMS)
for f in "$dist"/*; do
    f=${f##*/}
    if [ "$f" != SHA256SUMS ] && ! grep -qxF "$(cd "$dist" && sha256sum "$f")" "$dist/SHA256SUMS"; then
        echo "SHA256SUMS does not list $f" >&2
        exit 1
    fi
done

check="$target_dir/dist-check"
rm -rf "$check"
mkdir -p "$check"
for target in "${targets[@]}"; do
    archive=$name-$target.tar.xz
    exe=$name
    case $target in *windows*) archive=$name-$target.zip exe=$name.exe ;; esac
    echo "== $archive"
    (cd "$dist" && sha256sum -c "$archive.sha256")
    grep -qF "  $archive" "$dist/SHA256SUMS" || { echo "SHA256SUMS does not list $archive" >&2; exit 1; }
    case $archive in
    *.zip) need unzip unzip && unzip -q "$dist/$archive" -d "$check" ;;
    *) tar -xJf "$dist/$archive" -C "$check" ;;
    esac
    dir=$check/$name-$target
    for file in "$exe" README.md LICENSE CHANGELOG.md; do
        [ -f "$dir/$file" ] || { echo "$archive lacks $file" >&2; exit 1; }
    done
    # The README's links to the manual resolve inside the archive, with no checkout beside it.
    grep -oE '\]\((docs/[^)#]+|LICENSE|CHANGELOG\.md)' "$dir/README.md" | cut -c3- | sort -u >"$check/links"
    [ -s "$check/links" ] || { echo "$archive: no README links to docs/ found" >&2; exit 1; }
    while read -r link; do
        [ -f "$dir/$link" ] || { echo "$archive: README links to $link, which it lacks" >&2; exit 1; }
    done <"$check/links"
    echo "ok: $archive holds the $(wc -l <"$check/links") files its README links to"

    audit deps "$dir/$exe" >"$check/$target.deps"
    echo "ok: $exe's .dep-v0 lists $(wc -l <"$check/$target.deps") crates, aws-sdk-ecr $(awk '$1 == "aws-sdk-ecr" { print $2 }' "$check/$target.deps")"
    audit sbom "$dist/$archive.cdx.json" "$dir/$exe"

    runner=()
    case $target in
    aarch64-pc-windows-*)
        # Nothing runs arm64 Windows programs here (wine runs x86 ones): the binary is checked,
        # not run; the release workflow runs it on a Windows arm64 runner.
        machine=$("$venv/bin/python" -c 'import pefile, sys; print(hex(pefile.PE(sys.argv[1], fast_load=True).FILE_HEADER.Machine))' "$dir/$exe")
        [ "$machine" = 0xaa64 ] || { echo "$exe is not an arm64 PE executable ($machine)" >&2; exit 1; }
        echo "ok: $exe is an arm64 Windows executable (not run: no arm64 Windows here)"
        continue
        ;;
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

    case $target in
    x86_64-unknown-linux-musl) arches=(amd64 x86_64) ;;
    aarch64-unknown-linux-musl) arches=(arm64 aarch64) ;;
    *) continue ;;
    esac
    echo "== the ${arches[0]} .deb and the ${arches[1]} .rpm"
    for pair in lintian:lintian rpm:rpm cpio:cpio zsh:zsh fish:fish man:man-db; do
        need "${pair%%:*}" "${pair#*:}"
    done
    [ -f /usr/share/bash-completion/bash_completion ] || apt_install bash-completion
    tests/dist/packages.sh "$dist" "${arches[@]}" "$check/packages-${arches[0]}" "${runner[@]}"
    # The packages hold the very binary of the archive.
    cmp "$check/packages-${arches[0]}/installed-binary" "$dir/$exe"
done
