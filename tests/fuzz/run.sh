#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input (fuzz/, cargo-fuzz and libFuzzer): builds every target
# once, then runs each for SECONDS (default 5) from a scratch copy of its seed corpus
# (fuzz/corpus/<target>), so the checkout is never written. Any crash fails the run; its input
# is kept and printed.
#
#   tests/fuzz/run.sh                      # the smoke run tests/run.sh makes
#   tests/fuzz/run.sh 600 kubeconfig       # ten minutes on one target
#
# Short runs build unoptimised (the build is most of their time), longer ones optimised (more
# inputs a second); FUZZ_BUILD=dev or FUZZ_BUILD=release picks. Both keep debug assertions and
# overflow checks on. No sanitizer: the crate forbids unsafe code.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-5}
shift || true
case $seconds in '' | *[!0-9]*)
    echo "usage: $0 [SECONDS] [TARGET...]" >&2
    exit 2
    ;;
esac
# cargo-fuzz passes nightly-only flags (sanitizer coverage); the stable compiler takes them
# with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
cargo fuzz --version >/dev/null 2>&1 || cargo install --locked cargo-fuzz
build=${FUZZ_BUILD:-$([ "$seconds" -le 60 ] && echo dev || echo release)}
case $build in
dev) flags=(--dev --sanitizer none) ;;
release) flags=(--debug-assertions --sanitizer none) ;;
*)
    echo "FUZZ_BUILD must be dev or release, not $build" >&2
    exit 2
    ;;
esac
# fuzz/ is a workspace of its own with its own lock file; cargo-fuzz has no --locked, so check
# here that the lock needs no change and that it holds the main lock's version of every crate
# both use.
refresh="cp Cargo.lock fuzz/Cargo.lock && cargo metadata --manifest-path fuzz/Cargo.toml >/dev/null"
if ! cargo metadata --locked --manifest-path fuzz/Cargo.toml --format-version 1 >/dev/null; then
    echo "fuzz/Cargo.lock is out of date; refresh it: $refresh" >&2
    exit 1
fi
stale=$(awk '
    /^name = / { name = $3 }
    /^version = / && name != "" {
        if (FILENAME == ARGV[1]) { main[name " " $3] = 1; known[name] = 1 }
        else if ((name in known) && !((name " " $3) in main)) printf " %s@%s", name, $3
        name = ""
    }' Cargo.lock fuzz/Cargo.lock | tr -d '"')
if [ -n "$stale" ]; then
    echo "fuzz/Cargo.lock has versions the main Cargo.lock has not:$stale; refresh it: $refresh" >&2
    exit 1
fi
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi
if [ ${#targets[@]} -eq 1 ]; then
    cargo fuzz build "${flags[@]}" "${targets[0]}"
else
    cargo fuzz build "${flags[@]}"
fi
# The binaries are run directly: `cargo fuzz run` would also create fuzz/artifacts/.
target_dir=$(cargo metadata --manifest-path fuzz/Cargo.toml --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
host=$(rustc -vV | sed -n 's/^host: //p')
bin_dir=$target_dir/$host/$([ "$build" = dev ] && echo debug || echo release)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/ecr-login-fuzz.XXXXXX")
failed=()
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target/corpus" "$scratch/$target/crashes"
    cp fuzz/corpus/"$target"/* "$scratch/$target/corpus/"
    # -timeout: an input that takes seconds is a hang, which a credential helper must not have.
    if ! "$bin_dir/$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$scratch/$target/crashes/" "$scratch/$target/corpus" \
        >"$scratch/$target/log" 2>&1; then
        tail -n 40 "$scratch/$target/log" >&2
        failed+=("$target")
        continue
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$target/log")
    echo "fuzzed $target for ${seconds}s: ${runs:-?} inputs, no crash"
done
if [ ${#failed[@]} -gt 0 ]; then
    for target in "${failed[@]}"; do
        echo "fuzz target $target failed; its input: $(ls -d "$scratch/$target"/crashes/* 2>/dev/null || echo none)" >&2
        echo "  reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run ${flags[*]} $target <input>" >&2
    done
    exit 1
fi
rm -rf "$scratch"
