#!/usr/bin/env bash
# The whole test suite, as CI runs it: the docs' links, formatting, lints, then unit and
# integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
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
cargo test --locked
# The Helm chart with helm 3 and helm 4 (lint, every rendering against the binary's --help, the
# installer run for real on a made-up node) and the manifests rendered from it. Installs helm
# and its Python tools under the target directory; seconds.
tests/chart/run.sh
# A few seconds of fuzzing per parser of untrusted input (installs cargo-fuzz if missing; skip
# with SKIP_FUZZ=1).
if [ "${SKIP_FUZZ:-}" != 1 ]; then
    tests/fuzz/run.sh 5
fi
# The other platforms: Windows built and tested under wine, macOS type-checked and linted, and
# every release archive built and run (aarch64 under qemu, Windows under wine), then the
# install script and the GitHub Action's scripts against the x86_64 archive. Each script
# installs what it needs; skip them all with SKIP_PLATFORMS=1.
if [ "${SKIP_PLATFORMS:-}" != 1 ]; then
    tests/wine/run.sh
    tests/macos/check.sh
    tests/dist/run.sh
    tests/install/run.sh
fi
# The release tooling: zizmor on the workflows and actions, the package-manager manifests, the
# binstall metadata (held to the archives tests/dist built, when it ran), the changelog and the
# install docs. Installs ruby, shellcheck and zizmor.
tests/release/run.sh
# End to end with docker, skopeo, podman, moto and a registry (installs what it needs).
if [ "${SKIP_E2E:-}" != 1 ]; then
    tests/e2e/run.sh
fi
