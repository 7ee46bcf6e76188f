#!/usr/bin/env bash
# Checks the release tooling, as far as it can be checked without GitHub:
#   - zizmor (offline) reports nothing at medium severity or above on every workflow and action,
#     and each pins every action by commit, states every job's permissions, keeps expressions
#     out of run: scripts and checks out without persisted credentials;
#   - scripts/manifests.sh, against a made-up distrib directory: the Homebrew formula passes
#     `ruby -c` and, loaded against a stand-in of Homebrew's DSL, declares each archive's url and
#     sha256 in its own platform's block; the Scoop and winget manifests are valid JSON/YAML with
#     every hash in its place; Windows arm64 comes and goes with its archive; a tampered archive,
#     a missing checksum or two disagreeing checksums render nothing;
#   - the binstall templates of Cargo.toml, rendered for every released target, give the archive
#     names and layout of scripts/dist.sh (and match the real archives when they were built);
#   - scripts/changelog.sh extracts exactly a version's section; CHANGELOG.md is well-formed;
#   - the install docs name the repository of Cargo.toml and give every channel's command, and
#     every version the README and docs/ pin is Cargo.toml's;
#   - shellcheck on the release scripts.
# Installs what it needs: ruby and shellcheck from Debian (as root, or with password-less sudo),
# zizmor and PyYAML, pinned with their hashes (tests/tools/requirements/release.txt), in a venv
# under the target directory. Takes seconds once installed.
#
# Usage: tests/release/run.sh    (DISTRIB_DIR: real archives to hold binstall to; default
#                                  $CARGO_TARGET_DIR/distrib, skipped when empty)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target_dir=${CARGO_TARGET_DIR:-$root/target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
distrib=${DISTRIB_DIR:-$target_dir/distrib}
export DEBIAN_FRONTEND=noninteractive
# Nothing written into the tree.
export PYTHONDONTWRITEBYTECODE=1

say() { printf 'release: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# shellcheck source=scripts/apt.sh
. "$root/scripts/apt.sh"
need() { command -v "$1" >/dev/null || apt_install "$2"; }

need ruby ruby
need shellcheck shellcheck
need python3 python3
venv=$target_dir/release-venv
req=tests/tools/requirements/release.txt
if ! cmp -s "$req" "$venv/requirements.txt" || ! "$venv/bin/zizmor" --version >/dev/null 2>&1; then
    rm -rf "$venv"
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$venv"; }
    say "installing $req into $venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary :all: \
        -r "$req" </dev/null
    cp "$req" "$venv/requirements.txt"
fi
python=$venv/bin/python

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say "shellcheck"
shellcheck -x scripts/manifests.sh scripts/changelog.sh tests/release/run.sh scripts/apt.sh

# Every workflow and every action definition in the tree (action.yml at the root, and any
# other), so one added later is checked without a change here.
say "zizmor"
mapfile -t audited < <(find . -path ./target -prune -o -path ./.git -prune -o -type f \
    \( -path './.github/workflows/*.yml' -o -path './.github/workflows/*.yaml' \
    -o -name action.yml -o -name action.yaml \) -print | sort)
[ ${#audited[@]} -gt 0 ] || die "no workflow found"
printf '  %s\n' "${audited[@]}" >&2
"$venv/bin/zizmor" --offline --min-severity medium --strict-collection --no-progress "${audited[@]}" ||
    die "zizmor found problems (above)"
"$python" tests/release/workflows.py "${audited[@]}"

# A distrib directory as scripts/dist.sh leaves it, with made-up archives: each target's archive,
# its .sha256, and SHA256SUMS over them.
name=docker-credential-ecr-login
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
mapfile -t targets < <("$python" -c 'import sys; sys.path.insert(0, "tests/release"); import project
print("\n".join(project.released_targets()))')
fake=$work/distrib
make_distrib() {
    rm -rf "$fake"
    mkdir -p "$fake"
    local t archive
    for t in "$@"; do
        case $t in *-windows-*) archive=$name-$t.zip ;; *) archive=$name-$t.tar.xz ;; esac
        printf 'not really the archive of %s\n' "$t" >"$fake/$archive"
        (cd "$fake" && sha256sum "$archive" >"$archive.sha256")
    done
    (cd "$fake" && cat ./*.sha256 | sort -k 2 >SHA256SUMS)
}
render_and_check() {
    local out=$1
    scripts/manifests.sh "$version" "$fake" "$out"
    ruby -c "$out/$name.rb" >/dev/null
    ruby tests/release/formula.rb "$out/$name.rb" >"$work/formula.json"
    "$python" tests/release/manifests.py "$out" "$fake" "$version" "$work/formula.json"
}
# refuse MESSAGE: manifests.sh must fail, leaving nothing in its output directory.
refuse() {
    local out=$work/refused
    rm -rf "$out"
    if scripts/manifests.sh "$version" "$fake" "$out" 2>"$work/refused.err"; then
        die "manifests.sh rendered manifests although $1"
    fi
    [ -z "$(ls -A "$out" 2>/dev/null)" ] || die "manifests.sh left files behind although $1"
    say "refused ($1): $(cat "$work/refused.err")"
}

say "manifests, every released target"
make_distrib "${targets[@]}"
render_and_check "$work/out"
grep -q arm64 "$work/out/$name.json" || die "the Scoop manifest lacks Windows arm64"

say "manifests, without Windows arm64"
without=()
for t in "${targets[@]}"; do [ "$t" = aarch64-pc-windows-gnullvm ] || without+=("$t"); done
make_distrib "${without[@]}"
render_and_check "$work/out-x64"
! grep -q arm64 "$work/out-x64/$name.json" || die "the Scoop manifest names arm64 without its archive"

make_distrib "${targets[@]}"
echo tampered >>"$fake/$name-x86_64-apple-darwin.tar.xz"
refuse "an archive does not match its checksum"
make_distrib "${targets[@]}"
rm "$fake/$name-aarch64-unknown-linux-musl.tar.xz.sha256"
sed -i "/aarch64-unknown-linux-musl/d" "$fake/SHA256SUMS"
refuse "an archive the formula needs has no checksum"
make_distrib "${targets[@]}"
rm "$fake/$name-x86_64-pc-windows-gnu.zip"
sed -i "s/^[0-9a-f]*\(  $name-x86_64-pc-windows-gnu.zip\)$/$(printf '0%.0s' {1..64})\1/" "$fake/SHA256SUMS"
refuse "SHA256SUMS and the .sha256 file disagree"

say "binstall"
"$python" tests/release/binstall.py "$distrib"

say "changelog"
cat >"$work/CHANGELOG.md" <<'EOF'
# Changelog

## [Unreleased]

## [1.2.10] - 2026-03-01

### Fixed

- ten

## [1.2.1] - 2026-02-01

### Added

- one

- and more

## [1.2.1-rc.1] - 2026-01-01

- candidate

[Unreleased]: https://example.invalid/compare/v1.2.10...HEAD
[1.2.1]: https://example.invalid/releases/tag/v1.2.1
EOF
got=$(scripts/changelog.sh 1.2.1 "$work/CHANGELOG.md")
want=$'### Added\n\n- one\n\n- and more'
[ "$got" = "$want" ] || die "changelog.sh 1.2.1 printed '$got', not '$want'"
got=$(scripts/changelog.sh 1.2.1-rc.1 "$work/CHANGELOG.md")
[ "$got" = "- candidate" ] || die "changelog.sh 1.2.1-rc.1 printed '$got' (the links are no section)"
for missing in 1.2 1.2.2 Unreleased; do
    if scripts/changelog.sh "$missing" "$work/CHANGELOG.md" >/dev/null 2>&1; then
        die "changelog.sh $missing succeeded: there is no such section, or it is empty"
    fi
done
# Read whole, not piped into `grep -q`: grep would stop reading at the first line, and a longer
# section then fails the pipeline with SIGPIPE.
unreleased=$(scripts/changelog.sh Unreleased) || die "CHANGELOG.md's [Unreleased] section is empty"
[ -n "$unreleased" ] || die "CHANGELOG.md's [Unreleased] section is empty"

say "docs"
"$python" tests/release/docs.py
say "ok"
