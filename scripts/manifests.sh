#!/usr/bin/env bash
# Renders a release's package-manager manifests from the templates under packaging/:
#   OUT_DIR/docker-credential-ecr-login.rb     Homebrew formula, for a tap
#   OUT_DIR/docker-credential-ecr-login.json   Scoop manifest, for a bucket
#   OUT_DIR/<winget id>.yaml, <winget id>.installer.yaml, <winget id>.locale.en-US.yaml
#                                              winget's multi-file manifest, for winget-pkgs
# Each archive's sha256 is read from DISTRIB_DIR (scripts/dist.sh's output): its
# <archive>.sha256 and SHA256SUMS, which must agree with each other and with the archive when it
# is there. A manifest is only as good as its checksums, so any disagreement, or an archive a
# manifest needs without a checksum, fails and writes nothing. Windows on arm64 is optional: its
# entries are left out when its archive has no checksum.
#
# The repository URL comes from Cargo.toml's `repository`, the winget identifier from its owner.
#
# Usage: scripts/manifests.sh VERSION DISTRIB_DIR OUT_DIR
set -euo pipefail

name=docker-credential-ecr-login
say() { printf 'manifests: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ $# -eq 3 ] || { echo "usage: $0 VERSION DISTRIB_DIR OUT_DIR" >&2; exit 2; }
version=$1
dist=$2
out=$3
root=$(cd "$(dirname "$0")/.." && pwd)

# SemVer, as Cargo.toml has it; the tag is v<version>.
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "not a version: $version"
[ -d "$dist" ] || die "no directory $dist"

repo=$(sed -n 's/^repository = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
[[ $repo =~ ^https://github\.com/([A-Za-z0-9-]+)/[A-Za-z0-9._-]+$ ]] ||
    die "Cargo.toml's repository is not https://github.com/OWNER/NAME: '$repo'"
owner=${BASH_REMATCH[1]}
# winget wants Publisher.Package, each part up to 32 characters without dots.
winget_id=$owner.$name
[ ${#owner} -le 32 ] || die "owner '$owner' is too long for a winget identifier"

sha256() {
    if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d ' ' -f 1
}

archive_of() {
    case $1 in
    *-windows-*) echo "$name-$1.zip" ;;
    *) echo "$name-$1.tar.xz" ;;
    esac
}

# The archive's sha256, or nothing when no checksum names it.
hash_of() {
    local archive=$1 from_file='' from_sums='' file_name actual
    if [ -f "$dist/$archive.sha256" ]; then
        read -r from_file file_name <"$dist/$archive.sha256" || true
        [ "${file_name#\*}" = "$archive" ] || die "$archive.sha256 names '$file_name', not $archive"
    fi
    if [ -f "$dist/SHA256SUMS" ]; then
        from_sums=$(awk -v a="$archive" '{ f = $2; sub(/^\*/, "", f); sub(/^\.\//, "", f) } f == a { print $1; exit }' \
            "$dist/SHA256SUMS")
    fi
    if [ -n "$from_file" ] && [ -n "$from_sums" ] && [ "$from_file" != "$from_sums" ]; then
        die "$archive: $archive.sha256 and SHA256SUMS disagree"
    fi
    local hash=${from_file:-$from_sums}
    [ -n "$hash" ] || return 0
    [[ $hash =~ ^[0-9a-f]{64}$ ]] || die "$archive: '$hash' is not a sha256"
    if [ -f "$dist/$archive" ]; then
        actual=$(sha256 "$dist/$archive")
        [ "$actual" = "$hash" ] || die "$archive: its sha256 is $actual, its checksum says $hash"
    fi
    echo "$hash"
}

templates=(
    "homebrew/$name.rb.in:$name.rb"
    "scoop/$name.json.in:$name.json"
    "winget/manifest.yaml.in:$winget_id.yaml"
    "winget/manifest.installer.yaml.in:$winget_id.installer.yaml"
    "winget/manifest.locale.en-US.yaml.in:$winget_id.locale.en-US.yaml"
)

mkdir -p "$out"
work=$(mktemp -d "$out/.manifests.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Every target the templates name, with the checksum of its archive (those without one left out:
# the renderer fails if a template needs them outside an optional block).
for t in $(cd "$root/packaging" && cat "${templates[@]%%:*}" |
    grep -oE '@(URL:|SHA256:|SHA256_UPPER:|BEGIN )[a-z0-9_-]+@' | sed -E 's/^@[A-Z0-9_]+[: ]//; s/@$//' | sort -u); do
    hash=$(hash_of "$(archive_of "$t")")
    [ -z "$hash" ] || echo "$t $hash"
done >"$work/sums"

for pair in "${templates[@]}"; do
    template=${pair%%:*}
    awk -v sums="$work/sums" -v version="$version" -v repo="$repo" -v owner="$owner" \
        -v winget_id="$winget_id" -v name="$name" -v template="$template" '
        function fail(msg) { print "manifests: " template ":" NR ": " msg > "/dev/stderr"; failed = 1; exit 1 }
        function archive(t) { return name "-" t (t ~ /-windows-/ ? ".zip" : ".tar.xz") }
        function hash(t) { if (!(t in h)) fail("no checksum for " archive(t)); return h[t] }
        function value(key,    t) {
            if (key == "VERSION") return version
            if (key == "REPO") return repo
            if (key == "OWNER") return owner
            if (key == "WINGET_ID") return winget_id
            t = key; sub(/^[A-Z0-9_]*:/, "", t)
            if (key ~ /^URL:/) { hash(t); return repo "/releases/download/v" version "/" archive(t) }
            if (key ~ /^SHA256:/) return hash(t)
            if (key ~ /^SHA256_UPPER:/) return toupper(hash(t))
            fail("unknown placeholder @" key "@")
        }
        BEGIN { while ((getline line < sums) > 0) { split(line, f, " "); h[f[1]] = f[2] } }
        /^@BEGIN [a-z0-9_-]+@$/ {
            if (inblock) fail("@BEGIN inside a block")
            t = substr($0, 8, length($0) - 8); inblock = 1; skipping = !(t in h); next
        }
        /^@END@$/ { if (!inblock) fail("@END@ without @BEGIN"); inblock = 0; skipping = 0; next }
        skipping { next }
        {
            out = ""; rest = $0
            while ((i = index(rest, "@")) > 0) {
                out = out substr(rest, 1, i - 1); rest = substr(rest, i + 1)
                j = index(rest, "@")
                if (j == 0) fail("an @ without its closing @")
                out = out value(substr(rest, 1, j - 1)); rest = substr(rest, j + 1)
            }
            print out rest
        }
        END { if (!failed && inblock) fail("@BEGIN without @END@") }
    ' "$root/packaging/$template" >"$work/${pair#*:}"
done

for pair in "${templates[@]}"; do
    mv -f "$work/${pair#*:}" "$out/${pair#*:}"
    say "$out/${pair#*:}"
done
