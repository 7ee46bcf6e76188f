#!/usr/bin/env bash
# Builds the release binary, installs what the benchmark needs, and prints the table.
# Needs root: the Go helper reaches a local endpoint only through /etc/hosts and port 443
# (the benchmark restores /etc/hosts when it ends).
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
[ -x /usr/bin/docker-credential-ecr-login ] || missing+=(amazon-ecr-credential-helper)
[ -x /usr/bin/time ] || missing+=(time)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cargo build --locked --release --quiet
exec python3 tests/bench/bench.py "$@"
