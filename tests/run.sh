#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, then unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked
