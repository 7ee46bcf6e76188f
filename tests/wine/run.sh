#!/usr/bin/env bash
# The unit and integration tests, built for x86_64-pc-windows-gnu and run under wine.
#
# Installs what it needs (the rustup target, mingw-w64 and wine from Debian when root), builds
# the test-only bcryptprimitives.dll shim (see bcryptprimitives.c) and puts it beside every
# .exe, and keeps wine's prefix under target/ so nothing outside the checkout is touched.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=x86_64-pc-windows-gnu
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
case $target_dir in /*) ;; *) target_dir=$PWD/$target_dir ;; esac

missing=()
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
command -v wine >/dev/null || missing+=(wine)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "needs ${missing[*]} (apt-get install ${missing[*]})" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
rustup target list --installed | grep -qx "$target" || rustup target add "$target"

shim="$target_dir/wine/bcryptprimitives.dll"
mkdir -p "$target_dir/wine"
if [ ! -f "$shim" ] || [ tests/wine/bcryptprimitives.c -nt "$shim" ]; then
    x86_64-w64-mingw32-gcc -O2 -shared -s -o "$shim" tests/wine/bcryptprimitives.c -ladvapi32
fi

cargo clippy --locked --target "$target" --all-targets -- -D warnings

export WINEPREFIX="$target_dir/wine/prefix" WINEDEBUG=-all
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine
cargo test --locked --target "$target" --no-run
for dir in "$target_dir/$target/debug" "$target_dir/$target/debug/deps"; do
    cp "$shim" "$dir/"
done
# Two at a time: every test starts emulated processes, and more at once on a small machine
# turns timing bounds into scheduling noise.
cargo test --locked --target "$target" -- --test-threads=2
