#!/usr/bin/env bash
# macOS cannot be linked here (that needs Apple's SDK; the release workflow builds on macOS
# runners), so both macOS targets are type-checked and linted, tests included, with zig as
# the C compiler for ring. Installs the rustup targets, and ziglang and cargo-zigbuild from
# PyPI into a venv under the target directory (the one scripts/dist.sh uses).
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
case $target_dir in /*) ;; *) target_dir=$PWD/$target_dir ;; esac
# The same hashed pins and stamp as scripts/dist.sh, so neither reinstalls for the other.
venv=$target_dir/zig-venv
req=tests/tools/requirements/zig.txt
if ! cmp -s "$req" "$venv/requirements.txt" || [ ! -x "$venv/bin/cargo-zigbuild" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary :all: \
        -r "$req" </dev/null
    cp "$req" "$venv/requirements.txt"
fi
export PATH="$venv/bin:$PATH"
for target in aarch64-apple-darwin x86_64-apple-darwin; do
    rustup target list --installed | grep -qx "$target" || rustup target add "$target"
    cargo-zigbuild clippy --locked --target "$target" --all-targets -- -D warnings
done
