#!/usr/bin/env bash
# Builds the static x86_64 musl release binary (the one in the release archive), installs what
# the benchmark needs, and prints the table. With BENCH_GLIBC=1 the dynamically linked
# `cargo build --release` binary is built and measured alongside.
# Needs root: the Go helper reaches a local endpoint only through /etc/hosts and port 443
# (the benchmark restores /etc/hosts when it ends).
# Usage: tests/bench/run.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
missing=()
[ -x /usr/bin/docker-credential-ecr-login ] || missing+=(amazon-ecr-credential-helper)
[ -x /usr/bin/time ] || missing+=(time)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
scripts/dist.sh x86_64-unknown-linux-musl
extra=()
if [ "${BENCH_GLIBC:-}" = 1 ]; then
    cargo build --locked --release --quiet
    extra=(--also "glibc=$target_dir/release/docker-credential-ecr-login")
fi
exec python3 tests/bench/bench.py --ours "$target_dir/x86_64-unknown-linux-musl/release/docker-credential-ecr-login" "${extra[@]}" "$@"
