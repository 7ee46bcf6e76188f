#!/usr/bin/env bash
# The whole test suite, as CI runs it: the docs' links, formatting, lints, then unit and
# integration tests, the chart, fuzzing, the other platforms, the release tooling and the
# end-to-end suite. Each section can also run alone; CI runs each in a job of its own
# (.github/workflows/ci.yml), so this file is the one definition of what they run.
#
# Usage: tests/run.sh [SECTION...]   (no SECTION: the full run, every section below but msrv,
#                                     in this order)
#   lint       the docs' links, rustfmt, clippy, rustdoc, the single HTTP/TLS stack, cargo-deny
#   test       cargo test: the unit and integration tests (the only section for macOS/Windows)
#   chart      the Helm chart and the manifests rendered from it
#   fuzz       a few seconds of fuzzing per target          (SKIP_FUZZ=1 leaves it out of the full run)
#   wine       Windows, built and tested under wine         (SKIP_PLATFORMS=1 leaves wine, macos
#   macos      macOS, type-checked and linted                and dist out of the full run)
#   dist       every release artifact built and run, then the installer and the Action's scripts
#   release    the release tooling (zizmor, manifests, binstall, changelog, docs)
#   e2e        end to end with docker, skopeo, podman, moto and a registry (SKIP_E2E=1 leaves it
#              out of the full run)
#   msrv       only when named: the tests built with Cargo.toml's rust-version (installs that
#              toolchain with rustup)
#   platforms  wine, macos and dist
# tests/run.sh --list prints every section, one a line; tests/run.sh --msrv the toolchain msrv
# builds with.
set -euo pipefail
cd "$(dirname "$0")/.."

full_run=(lint test chart fuzz wine macos dist release e2e)
opt_in=(msrv)

section_lint() {
    # Every relative link and anchor of the README, CONTRIBUTING.md, the changelog and docs/.
    python3 tests/docs/check_links.py
    cargo fmt --check
    cargo fmt --check --manifest-path fuzz/Cargo.toml
    cargo clippy --locked --all-targets -- -D warnings
    # The fuzz targets' entry points (src/fuzzing.rs) exist only under --cfg fuzzing.
    cargo clippy --locked --lib -- --cfg fuzzing -D warnings
    # The module docs are a second map of the code: every intra-doc link in them must resolve.
    RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --document-private-items
    # One HTTP/TLS stack: no legacy hyper 0.14 / rustls 0.21, no aws-lc beside ring.
    if cargo tree --locked -e normal --prefix none | grep -E '^(hyper v0\.|rustls v0\.(1|2[01])\.|aws-lc)'; then
        echo "a second HTTP/TLS stack is compiled in (see above)" >&2
        exit 1
    fi
    # Licenses, sources and the same stack bans, when cargo-deny is there (.ci/run installs it).
    if cargo deny --version >/dev/null 2>&1; then
        cargo deny --locked check bans licenses sources
    else
        echo "cargo-deny not installed: skipping 'cargo deny check' (cargo install --locked cargo-deny)"
    fi
}

section_test() {
    cargo test --locked
}

# The Helm chart with helm 3 and helm 4 (lint, every rendering against the binary's --help, the
# installer run for real on a made-up node) and the manifests rendered from it. Installs helm
# and its Python tools under the target directory; seconds.
section_chart() {
    tests/chart/run.sh
}

# A few seconds of fuzzing per parser of untrusted input (installs cargo-fuzz if missing).
section_fuzz() {
    tests/fuzz/run.sh 5
}

# The other platforms: Windows built and tested under wine, macOS type-checked and linted, and
# every release archive built and run (aarch64 under qemu, Windows under wine), then the
# install script and the GitHub Action's scripts against the x86_64 archive. Each script
# installs what it needs.
section_wine() {
    tests/wine/run.sh
}

section_macos() {
    tests/macos/check.sh
}

section_dist() {
    tests/dist/run.sh
    tests/install/run.sh
}

# The release tooling: zizmor on the workflows and actions, the package-manager manifests, the
# binstall metadata (held to the archives tests/dist built, when it ran), the changelog and the
# install docs. Installs ruby, shellcheck and zizmor.
section_release() {
    tests/release/run.sh
}

# End to end with docker, skopeo, podman, moto and a registry (installs what it needs).
section_e2e() {
    tests/e2e/run.sh
}

# Cargo.toml's rust-version as a rustup toolchain: "1.95" is 1.95.0, the oldest it allows.
msrv_toolchain() {
    local v
    v=$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
    case $v in
    '') echo "no rust-version in Cargo.toml" >&2; exit 1 ;;
    *.*.*) echo "$v" ;;
    *) echo "$v.0" ;;
    esac
}

# Every target (lib, binary, tests, benches, examples) built with the oldest toolchain
# Cargo.toml claims to support.
section_msrv() {
    local toolchain
    toolchain=$(msrv_toolchain)
    rustup run "$toolchain" rustc --version >/dev/null 2>&1 ||
        rustup toolchain install "$toolchain" --profile minimal --no-self-update
    cargo "+$toolchain" test --locked --no-run
}

case ${1:-} in
--list)
    printf '%s\n' "${full_run[@]}"
    printf '%s (only when named)\n' "${opt_in[@]}"
    exit 0
    ;;
--msrv)
    msrv_toolchain
    exit 0
    ;;
esac

sections=("$@")
if [ ${#sections[@]} = 0 ]; then
    for s in "${full_run[@]}"; do
        case $s in
        fuzz) [ "${SKIP_FUZZ:-}" = 1 ] && continue ;;
        wine | macos | dist) [ "${SKIP_PLATFORMS:-}" = 1 ] && continue ;;
        e2e) [ "${SKIP_E2E:-}" = 1 ] && continue ;;
        esac
        sections+=("$s")
    done
fi
# Every name checked before anything runs.
run=()
for s in "${sections[@]}"; do
    known=
    for k in "${full_run[@]}" "${opt_in[@]}" platforms; do [ "$s" = "$k" ] && known=1; done
    [ -n "$known" ] || { echo "tests/run.sh: no section '$s' (tests/run.sh --list)" >&2; exit 2; }
    if [ "$s" = platforms ]; then run+=(wine macos dist); else run+=("$s"); fi
done
# Each section's time: a line when it ends, and a table of them all when a run of several ends
# (a failed one included, marked), so a CI log shows where the time goes.
timings=()
current=
started=
minutes() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
time_table() {
    local status=$? line name secs total=0
    if [ -n "$current" ]; then
        secs=$((SECONDS - started))
        echo "tests/run.sh: section $current failed after $(minutes "$secs")" >&2
        timings+=("$current $secs (failed)")
    fi
    if [ ${#run[@]} -gt 1 ]; then
        echo "tests/run.sh: time per section"
        for line in "${timings[@]}"; do
            read -r name secs _ <<<"$line"
            total=$((total + secs))
            printf '  %-8s %7s%s\n' "$name" "$(minutes "$secs")" "${line#"$name $secs"}"
        done
        printf '  %-8s %7s\n' total "$(minutes "$total")"
    fi
    return "$status"
}
trap time_table EXIT
for s in "${run[@]}"; do
    current=$s
    started=$SECONDS
    "section_$s"
    secs=$((SECONDS - started))
    current=
    timings+=("$s $secs")
    echo "tests/run.sh: section $s took $(minutes "$secs")"
done
