#!/usr/bin/env bash
# The installer (scripts/install.sh) and the GitHub Action's scripts (scripts/action/), run as a
# user and as the runner run them, against a loopback HTTP server laid out like the GitHub
# release downloads and holding the real x86_64 Linux archive:
#   - shellcheck (POSIX sh for the scripts users run);
#   - under dash and bash, with curl and with wget: install, the binary runs, the PATH hints;
#     a tampered and a truncated archive are refused with one line and leave nothing behind;
#     an unknown version, a dead server, an unsupported OS or CPU, missing tools: one line each;
#     an endless or a trickling download is cut off at its size or time limit;
#   - what a hostile mirror or a careless --to could do: escape sequences, a mirror's password
#     in a message, a directory others can write to, tar's real error;
#   - the action's Linux script, and main.js as the runner starts it (INPUT_* variables), with
#     a stand-in ECR API: outputs, masking, docker's credHelpers, the fallback helper's config;
#     inputs an attacker would write (option-like words, control characters, forged workflow
#     commands) are refused before anything is installed or written.
# run.ps1 is not run here (no PowerShell): it mirrors run.sh step for step.
#
# Usage: tests/install/run.sh   (installs dash, shellcheck, wget, xz-utils, nodejs, openssl as root when
# missing; builds target/distrib's x86_64 musl archive with scripts/dist.sh when absent)
# pass never fails, so `test && pass ... || fail ...` is an if-then-else here.
# shellcheck disable=SC2015
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
target_dir=${CARGO_TARGET_DIR:-$root/target}
case $target_dir in /*) ;; *) target_dir=$root/$target_dir ;; esac
export CARGO_TARGET_DIR=$target_dir
name=docker-credential-ecr-login
target=x86_64-unknown-linux-musl
archive=$name-$target.tar.xz

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
pass() { printf 'ok: %s\n' "$*"; passes=$((passes + 1)); }
passes=0
failures=0

# --- what the tests need --------------------------------------------------------------------
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "runs on x86_64 Linux only" >&2; exit 1; }
missing=()
for pair in dash:dash shellcheck:shellcheck wget:wget curl:curl xz:xz-utils node:nodejs python3:python3 openssl:openssl; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { echo "missing: ${missing[*]}; run as root or install them" >&2; exit 1; }
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
dist=$target_dir/distrib
if [ ! -f "$dist/$archive" ] || [ ! -f "$dist/$archive.sha256" ]; then
    say "building $archive"
    scripts/dist.sh "$target"
fi
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)

# --- processes: stopped by PID when the tests end, also on failure --------------------------
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for_port() {
    for _ in $(seq 1 100); do
        python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $1)))" && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    exit 1
}

# --- static checks --------------------------------------------------------------------------
say "shellcheck"
if shellcheck -s sh scripts/install.sh scripts/action/run.sh && shellcheck tests/install/run.sh; then
    pass "shellcheck: install.sh and the action's run.sh as POSIX sh"
else
    fail "shellcheck"
fi
slug=$(sed -n 's|^repository = "https://github.com/\(.*\)"$|\1|p' Cargo.toml)
for file in scripts/install.sh scripts/action/run.ps1; do
    if [ -n "$slug" ] && grep -Eq "^[\$]?repo *= *'?$slug'?\$" "$file"; then
        pass "$file downloads from Cargo.toml's repository ($slug)"
    else
        fail "$file does not name Cargo.toml's repository '$slug'"
    fi
done

# --- the release server: good, tampered and truncated copies of the real archive ------------
say "release server"
www=$work/www
publish() { # dir: the archive in DIR/releases/{download/v<version>,latest/download}/
    for sub in "download/v$version" latest/download; do
        mkdir -p "$www/$1/releases/$sub"
        cp "$dist/$archive" "$dist/$archive.sha256" "$www/$1/releases/$sub/"
    done
}
publish good
publish tampered
publish truncated
publish misnamed
publish hostile
# A release directory whose archive holds another version than its name says.
mkdir -p "$www/good/releases/download/v0.0.1"
cp "$dist/$archive" "$dist/$archive.sha256" "$www/good/releases/download/v0.0.1/"
for file in "$www"/misnamed/releases/*/*/"$archive.sha256"; do
    sed -i "s/ $archive\$/ other.tar.xz/" "$file"
done
# A .sha256 naming a file with escape sequences in its name, for the terminal that shows it.
for file in "$www"/hostile/releases/*/*/"$archive.sha256"; do
    printf '%s  other\033]0;owned\007.tar.xz\n' "$(cut -d' ' -f1 "$file")" >"$file"
done
for file in "$www"/tampered/releases/*/*/"$archive"; do
    python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=1; open(p,"wb").write(b)' "$file"
done
for file in "$www"/truncated/releases/*/*/"$archive"; do
    head -c "$(($(stat -c %s "$file") / 2))" "$file" >"$file.part" && mv "$file.part" "$file"
done
cp scripts/install.sh "$www/install.sh"
port=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$www" "$port" >"$work/http.log" 2>&1 &
pids+=($!)
wait_for_port "$port"
server=http://127.0.0.1:$port
dead=http://127.0.0.1:$(free_port)
hostile_port=$(free_port)
python3 tests/install/hostile_http.py "$hostile_port" >"$work/hostile.log" 2>&1 &
pids+=($!)
wait_for_port "$hostile_port"
hostile=http://127.0.0.1:$hostile_port
# An https server whose every answer redirects to the plain http one, with a certificate curl
# trusts through CURL_CA_BUNDLE.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/tls.key" -out "$work/tls.crt" >/dev/null 2>&1
tls_port=$(free_port)
python3 tests/install/hostile_http.py "$tls_port" "$work/tls.crt" "$work/tls.key" "$port" >"$work/tls.log" 2>&1 &
pids+=($!)
wait_for_port "$tls_port"
echo "serving $www on $server (version $version)"

# Tool directories: the PATH a machine with only some tools would have.
tools() { # dir tool...: symlinks to the named tools
    local dir=$1
    shift
    mkdir -p "$dir"
    for tool in "$@"; do ln -sf "$(command -v "$tool")" "$dir/$tool"; done
}
common=(uname sha256sum tar xz mktemp id sed awk tail grep basename dirname rm mkdir cp chmod mv readlink cat head
    wc tr ls timeout)
tools "$work/with-curl" curl "${common[@]}"
tools "$work/with-wget" wget "${common[@]}"
tools "$work/no-downloader" "${common[@]}"
no_hasher=()
for tool in "${common[@]}"; do [ "$tool" = sha256sum ] || no_hasher+=("$tool"); done
tools "$work/no-hasher" curl "${no_hasher[@]}"
no_xz=()
for tool in "${common[@]}"; do [ "$tool" = xz ] || no_xz+=("$tool"); done
tools "$work/no-xz" curl "${no_xz[@]}"
# A tar that fails for a reason of its own, with xz there.
mkdir -p "$work/badtar"
printf '#!/bin/sh\necho "tar: unpack: Cannot write: No space left on device" >&2\nexit 2\n' >"$work/badtar/tar"
chmod +x "$work/badtar/tar"
# A machine this archive is not for.
mkdir -p "$work/freebsd" "$work/riscv"
# shellcheck disable=SC2016 # the fake's own $1
printf '#!/bin/sh\n[ "$1" = -s ] && echo FreeBSD || echo amd64\n' >"$work/freebsd/uname"
# shellcheck disable=SC2016
printf '#!/bin/sh\n[ "$1" = -s ] && echo Linux || echo riscv64\n' >"$work/riscv/uname"
chmod +x "$work/freebsd/uname" "$work/riscv/uname"

# install SHELL TOOLS BASE DIR [ARGS...]: runs the installer; stderr in $work/err, exit in $rc;
# its temporary directory in $work/tmp; ECR_LOGIN_DOWNLOAD_TIMEOUT from $download_timeout.
mkdir -p "$work/tmp"
download_timeout=
install() {
    local shell=$1 tooldir=$2 base=$3 to=$4
    shift 4
    rc=0
    ECR_LOGIN_BASE_URL=$base ECR_LOGIN_DOWNLOAD_TIMEOUT=$download_timeout PATH=$tooldir HOME=$work/home \
        TMPDIR=$work/tmp "$(command -v "$shell")" scripts/install.sh --to "$to" "$@" >"$work/out" 2>"$work/err" || rc=$?
}
# no_temp NAME: the last run left nothing in its temporary directory.
no_temp() {
    local left
    left=$(ls -A "$work/tmp")
    [ -z "$left" ] && pass "$1: nothing left in TMPDIR" || fail "$1: left in TMPDIR: $left"
}
# refused NAME PATTERN DIR: the last run failed with exactly one error line matching PATTERN
# and left DIR as it was ($work/before lists it).
refused() {
    local errors
    errors=$(grep -c 'error:' "$work/err" || true)
    if [ "$rc" = 0 ]; then
        fail "$1: exit 0"
    elif [ "$errors" != 1 ] || ! grep 'error:' "$work/err" | grep -q -- "$2"; then
        fail "$1: expected one error line with '$2', got: $(cat "$work/err")"
    elif [ "$(ls -A "$3" 2>/dev/null; cat "$3"/* 2>/dev/null)" != "$(cat "$work/before")" ]; then
        fail "$1: $3 changed: $(ls -A "$3")"
    else
        pass "$1: $(grep 'error:' "$work/err" | sed 's/.*error: //' | cut -c1-110)"
    fi
}
snapshot() { (ls -A "$1" 2>/dev/null; cat "$1"/* 2>/dev/null) >"$work/before" || true; }

for shell in dash bash; do
    for downloader in curl wget; do
        tooldir=$work/with-$downloader
        say "$shell, $downloader"
        to=$work/$shell-$downloader/bin
        install "$shell" "$tooldir" "$server/good/releases" "$to"
        if [ "$rc" = 0 ] && [ "$("$to/$name" version)" = "$name $version" ]; then
            pass "latest release installed into a new --to dir and runs"
        else
            fail "latest release: exit $rc: $(cat "$work/err")"
        fi
        leftovers=$(find "$to" -mindepth 1 ! -name "$name")
        [ -z "$leftovers" ] && pass "nothing else in the --to dir" || fail "left in $to: $leftovers"
        grep -q "is not on the PATH" "$work/err" && pass "says the --to dir is not on the PATH" ||
            fail "no PATH note: $(cat "$work/err")"

        install "$shell" "$tooldir" "$server/good/releases" "$to" --version "v$version"
        [ "$rc" = 0 ] && pass "--version v$version replaces the installed binary" || fail "--version: $(cat "$work/err")"

        # Protected: an earlier binary in the --to dir must survive every refusal untouched.
        to=$work/$shell-$downloader/kept
        mkdir -p "$to"
        echo "the previous binary" >"$to/$name"
        snapshot "$to"
        install "$shell" "$tooldir" "$server/tampered/releases" "$to"
        refused "tampered archive (one bit flipped)" "refusing $archive: .*tampered or truncated" "$to"
        install "$shell" "$tooldir" "$server/truncated/releases" "$to" --version "$version"
        refused "truncated archive" "refusing $archive: .*tampered or truncated" "$to"
        install "$shell" "$tooldir" "$server/good/releases" "$to" --version 9.9.9
        refused "unknown version" "version 9.9.9: HTTP 404 for $server/good/releases/download/v9.9.9/$archive" "$to"
        install "$shell" "$tooldir" "$server/misnamed/releases" "$to"
        refused "a .sha256 of another file" "is the checksum of 'other.tar.xz', not of $archive" "$to"
        install "$shell" "$tooldir" "$server/good/releases" "$to" --version 0.0.1
        refused "an archive of another version" "it holds '$name $version', not version 0.0.1" "$to"
        install "$shell" "$tooldir" "$dead/releases" "$to"
        refused "no server" "cannot download $dead/releases/latest/download/$archive: " "$to"
        fresh=$work/$shell-$downloader/never
        snapshot "$fresh"
        install "$shell" "$tooldir" "$server/tampered/releases" "$fresh"
        [ ! -e "$fresh" ] && pass "a refused install creates no --to dir" || fail "$fresh was created"

        # Answers that never end: cut off at the size or the time limit.
        snapshot "$to"
        install "$shell" "$tooldir" "$hostile/endless/releases" "$to"
        refused "an endless download" "cannot download $hostile/endless/releases/latest/download/$archive: larger than 104857600 bytes" "$to"
        no_temp "an endless download"
        download_timeout=3
        install "$shell" "$tooldir" "$hostile/trickle/releases" "$to"
        download_timeout=
        refused "a trickling download" "cannot download $hostile/trickle/releases/latest/download/$archive: no complete answer within 3 seconds" "$to"
        no_temp "a trickling download"
    done

    say "$shell: piped, as docs/installation.md says"
    to=$work/$shell-piped/bin
    if curl -fsSL "$server/install.sh" | ECR_LOGIN_BASE_URL=$server/good/releases HOME=$work/home \
        "$shell" -s -- --to "$to" 2>"$work/err" && [ "$("$to/$name" version)" = "$name $version" ]; then
        pass "curl -fsSL .../install.sh | $shell -s -- --to DIR"
    else
        fail "piped: $(cat "$work/err")"
    fi
    # A connection dropped mid-script: whatever arrived must not run.
    size=$(stat -c %s scripts/install.sh)
    cut_short=0
    for eighth in 1 2 3 4 5 6 7; do
        to=$work/$shell-cut-$eighth/bin
        head -c $((size * eighth / 8)) scripts/install.sh |
            ECR_LOGIN_BASE_URL=$server/good/releases HOME=$work/home "$shell" -s -- --to "$to" >/dev/null 2>"$work/err" || true
        if [ -e "$to" ] || grep -q downloading "$work/err"; then
            fail "the script cut at $eighth/8 ran: $(cat "$work/err")"
            cut_short=1
        fi
    done
    [ "$cut_short" = 0 ] && pass "cut short at any eighth, the script does nothing"

    say "$shell: this machine and its tools"
    to=$work/$shell-other/bin
    snapshot "$to"
    install "$shell" "$work/freebsd:$work/with-curl" "$server/good/releases" "$to"
    refused "unsupported OS" "no release for the OS 'FreeBSD'" "$to"
    install "$shell" "$work/riscv:$work/with-curl" "$server/good/releases" "$to"
    refused "unsupported CPU" "no release for the architecture 'riscv64' on Linux" "$to"
    install "$shell" "$work/no-downloader" "$server/good/releases" "$to"
    refused "no curl or wget" "needs curl or wget" "$to"
    install "$shell" "$work/no-hasher" "$server/good/releases" "$to"
    refused "no sha256sum or shasum" "needs sha256sum or shasum" "$to"
    install "$shell" "$work/with-curl" "$server/good/releases" "$to" --frobnicate
    refused "unknown option" "unknown argument '--frobnicate'" "$to"
    if PATH=$work/with-curl "$(command -v "$shell")" scripts/install.sh --help | grep -q -- '--version V'; then
        pass "--help"
    else
        fail "--help"
    fi

    say "$shell: what a hostile mirror or a careless --to could do"
    to=$work/$shell-hostile/bin
    mkdir -p "$to"
    echo "the previous binary" >"$to/$name"
    snapshot "$to"
    install "$shell" "$work/with-curl" "$server/good/releases" "$to" --version v
    refused "--version v is no version (not the latest)" "'v' is not a version" "$to"
    install "$shell" "$work/with-curl" "$server/hostile/releases" "$to"
    if grep -q "$(printf '\033')" "$work/err"; then
        fail "a server's escape sequence reached the terminal: $(cat -v "$work/err")"
    else
        refused "a server's escape sequences are shown as '?'" "checksum of 'other?]0;owned?.tar.xz'" "$to"
    fi
    install "$shell" "$work/with-curl" "http://mirror-user:hunter2@127.0.0.1:$port/good/releases" "$to" --version 9.9.9
    if grep -q hunter2 "$work/err"; then
        fail "the mirror's password is in a message: $(cat "$work/err")"
    else
        refused "a mirror's user and password are left out of messages" "HTTP 404 for http://\*\*\*@127.0.0.1:$port/" "$to"
    fi
    for scheme in https HTTPS; do
        rc=0
        CURL_CA_BUNDLE=$work/tls.crt ECR_LOGIN_BASE_URL=$scheme://127.0.0.1:$tls_port/good/releases PATH=$work/with-curl \
            HOME=$work/home TMPDIR=$work/tmp "$(command -v "$shell")" scripts/install.sh --to "$to" >"$work/out" 2>"$work/err" || rc=$?
        refused "$scheme:// redirected to http: not followed" "cannot download $scheme://127.0.0.1:$tls_port/good/releases/latest/download/$archive: " "$to"
    done
    install "$shell" "$work/badtar:$work/with-curl" "$server/good/releases" "$to"
    if grep -q "xz support" "$work/err"; then
        fail "tar's own failure blamed on xz: $(cat "$work/err")"
    else
        refused "tar's own failure, named" "cannot unpack $archive: tar: unpack: Cannot write: No space left on device" "$to"
    fi
    install "$shell" "$work/no-xz" "$server/good/releases" "$to"
    refused "no xz for GNU tar" "cannot unpack $archive: tar (child): xz: Cannot exec.*(there is no xz on the PATH" "$to"
    shared=$work/$shell-shared
    mkdir -p "$shared"
    chmod 0777 "$shared"
    snapshot "$shared"
    install "$shell" "$work/with-curl" "$server/good/releases" "$shared"
    refused "a --to dir others can write to" "refusing to install into $shared: other users can write to it" "$shared"
    if [ "$(id -u)" = 0 ]; then
        theirs=$work/$shell-theirs
        mkdir -p "$theirs"
        chown 65534 "$theirs"
        snapshot "$theirs"
        install "$shell" "$work/with-curl" "$server/good/releases" "$theirs"
        refused "a --to dir of another user" "refusing to install into $theirs: it belongs to another user (uid 65534)" "$theirs"
    fi
    to=$work/$shell-umask/bin
    saved_umask=$(umask)
    umask 000
    install "$shell" "$work/with-curl" "$server/good/releases" "$to"
    umask "$saved_umask"
    if [ "$rc" = 0 ] && [ "$(stat -c %A "$to" | cut -c9)" != w ]; then
        pass "under umask 000, the --to dir it creates is not writable by others"
    else
        fail "umask 000: exit $rc, $(stat -c %A "$to" 2>&1): $(cat "$work/err")"
    fi

    say "$shell: where docker finds it"
    to=$work/$shell-path/bin
    install "$shell" "$to:$work/with-curl" "$server/good/releases" "$to"
    grep -q "docker finds it on the PATH" "$work/err" && pass "first on the PATH" || fail "first on the PATH: $(cat "$work/err")"
    # Docker Desktop's helper of the same name, ahead of ours on the PATH.
    desktop=$work/Applications/Docker.app/Contents/Resources/bin
    mkdir -p "$desktop"
    printf '#!/bin/sh\necho the Go helper\n' >"$desktop/$name"
    chmod +x "$desktop/$name"
    install "$shell" "$desktop:$to:$work/with-curl" "$server/good/releases" "$to"
    if grep -q "warning: docker runs $desktop/$name (Docker Desktop's), which comes first on the PATH; put $to before $desktop" "$work/err"; then
        pass "another helper first on the PATH is named, with what to do"
    else
        fail "shadowing helper: $(cat "$work/err")"
    fi
    install "$shell" "$desktop:$work/with-curl" "$server/good/releases" "$to"
    grep -q "until then docker runs $desktop/$name (Docker Desktop's)" "$work/err" &&
        pass "not on the PATH, and which helper docker runs meanwhile" || fail "not on the PATH: $(cat "$work/err")"
done

# --- the GitHub Action ----------------------------------------------------------------------
say "the action's run.sh"
ecr_port=$(free_port)
python3 tests/install/mock_ecr.py "$ecr_port" >"$work/ecr.log" 2>&1 &
pids+=($!)
wait_for_port "$ecr_port"
east=111111111111.dkr.ecr.us-east-1.amazonaws.com
west=222222222222.dkr.ecr.eu-west-1.amazonaws.com
denied=333333333333.dkr.ecr.eu-north-1.amazonaws.com

# action ENV...: runs the action as the runner would (ECR_LOGIN_* or INPUT_* in ENV) in a fresh
# runner: stdout in $work/out, stderr in $work/err, exit in $rc; $runner holds its files.
runs=0
action() {
    runs=$((runs + 1))
    runner=$work/runner-$runs
    mkdir -p "$runner/temp" "$runner/home"
    : >"$runner/output"
    : >"$runner/path"
    rc=0
    env -i PATH=/usr/bin:/bin HOME="$runner/home" DOCKER_CONFIG="$runner/docker" \
        RUNNER_TEMP="$runner/temp" GITHUB_OUTPUT="$runner/output" GITHUB_PATH="$runner/path" \
        ECR_LOGIN_BASE_URL="$server/good/releases" \
        AWS_ACCESS_KEY_ID=AKIDACTIONTEST000000 AWS_SECRET_ACCESS_KEY=action-test \
        AWS_ENDPOINT_URL_ECR="http://127.0.0.1:$ecr_port" AWS_EC2_METADATA_DISABLED=true \
        AWS_ECR_TIMEOUT=20s "$@" >"$work/out" 2>"$work/err" || rc=$?
}
output() { sed -n "s/^$1=//p" "$runner/output"; }
suffix() { echo "$1" | tr '.-' '__'; }

action ECR_LOGIN_REGISTRIES=" $east,
    $west " sh scripts/action/run.sh
if [ "$rc" = 0 ]; then pass "run.sh with two registries, comma and newline separated"; else fail "run.sh: $(cat "$work/err")"; fi
[ ! -s "$work/err" ] && pass "nothing on stderr (no installer advice about shell profiles)" || fail "stderr: $(cat "$work/err")"
[ "$(output registry)" = "$east,$west" ] && pass "registry=$east,$west" || fail "registry output: $(cat "$runner/output")"
for pair in "$east:us-east-1" "$west:eu-west-1"; do
    host=${pair%%:*}
    password=pw-${pair#*:}-token
    if [ "$(output "docker_username_$(suffix "$host")")" = AWS ] &&
        [ "$(output "docker_password_$(suffix "$host")")" = "$password" ]; then
        pass "docker_username_/docker_password_$(suffix "$host") hold that registry's credentials"
    else
        fail "outputs for $host: $(cat "$runner/output")"
    fi
    grep -qx "::add-mask::$password" "$work/out" && pass "its password is masked" || fail "no mask for $host: $(cat "$work/out")"
    grep -q "\"$host\": \"ecr-login\"" "$runner/docker/config.json" && pass "credHelpers names ecr-login for $host" ||
        fail "credHelpers for $host: $(cat "$runner/docker/config.json" 2>/dev/null)"
done
if [ "$(cat "$runner/path")" = "$runner/temp/$name" ] && [ "$("$runner/temp/$name/$name" version)" = "$name $version" ]; then
    pass "the verified binary is in RUNNER_TEMP and on GITHUB_PATH"
else
    fail "GITHUB_PATH: $(cat "$runner/path")"
fi

action ECR_LOGIN_REGISTRIES="$east" ECR_LOGIN_MASK_PASSWORD=false ECR_LOGIN_VERSION="$version" sh scripts/action/run.sh
if [ "$rc" = 0 ] && ! grep -q add-mask "$work/out" && [ "$(output "docker_password_$(suffix "$east")")" = pw-us-east-1-token ]; then
    pass "mask-password false: the outputs, unmasked, for another job"
else
    fail "mask-password false: exit $rc: $(cat "$work/out" "$work/err")"
fi

action ECR_LOGIN_REGISTRIES="$east $denied" sh scripts/action/run.sh
if [ "$rc" != 0 ] && grep -q "AccessDeniedException" "$work/err" && ! grep -q docker_password "$runner/output"; then
    pass "an ECR refusal fails the step with its cause and sets no password"
else
    fail "denied: exit $rc: $(cat "$work/err"; cat "$runner/output")"
fi
action ECR_LOGIN_REGISTRIES=" , " sh scripts/action/run.sh
[ "$rc" != 0 ] && grep -q "input 'registries' is empty" "$work/err" && pass "empty registries: one line" || fail "empty registries: $(cat "$work/err")"
action ECR_LOGIN_REGISTRIES="$east" ECR_LOGIN_VERSION=9.9.9 sh scripts/action/run.sh
[ "$rc" != 0 ] && grep -q "HTTP 404" "$work/err" && [ ! -s "$runner/output" ] && pass "unknown version: the installer's line, no outputs" ||
    fail "unknown version: $(cat "$work/err")"
action ECR_LOGIN_REGISTRIES="$east" ECR_LOGIN_BASE_URL="$server/tampered/releases" sh scripts/action/run.sh
[ "$rc" != 0 ] && grep -q "refusing $archive" "$work/err" && [ ! -e "$runner/temp/$name/$name" ] && [ ! -s "$runner/path" ] &&
    pass "tampered archive: refused, nothing installed or put on the PATH" || fail "tampered, action: $(cat "$work/err")"

say "the action's inputs, as an attacker would write them"
# nothing_done NAME PATTERN: the last run failed with PATTERN before it installed, configured or
# wrote anything.
nothing_done() {
    if [ "$rc" != 0 ] && grep -q -- "$2" "$work/err" && [ ! -e "$runner/temp/$name" ] && [ ! -e "$runner/docker" ] &&
        [ ! -s "$runner/path" ] && [ ! -s "$runner/output" ] && [ ! -e "$runner/home/.config" ]; then
        pass "$1: refused, nothing installed or written"
    else
        fail "$1: exit $rc: $(cat "$work/err"); $(find "$runner" -mindepth 1 -not -empty | head -5)"
    fi
}
evil=$work/evil-docker-config
action ECR_LOGIN_REGISTRIES="$east --docker-config=$evil" ECR_LOGIN_FALLBACK_HELPER=pass sh scripts/action/run.sh
nothing_done "a registry word that is an option" "input 'registries' holds '--docker-config=$evil', which would be taken as an option"
[ ! -e "$evil" ] && pass "no docker config where the option pointed" || fail "a docker config was written at $evil"
# shellcheck disable=SC2016 # inputs, which must never be expanded
for word in '$(touch pwned)' '`id`' '*' 'a;b' '"x"' '::stop-commands::x'; do
    action ECR_LOGIN_REGISTRIES="$east $word" sh scripts/action/run.sh
    nothing_done "registry word $word" "input 'registries' holds '.*', which is not a registry host"
done
action ECR_LOGIN_REGISTRIES="$east$(printf '\r')" sh scripts/action/run.sh
if [ "$rc" = 0 ] && [ "$(output registry)" = "$east" ] && ! grep -q "$(printf '\r')" "$runner/output" "$work/out"; then
    pass "a CR after a registry (a CRLF input) separates, and reaches no output or log line"
else
    fail "CR: exit $rc: $(cat -v "$runner/output" "$work/out" "$work/err")"
fi
action ECR_LOGIN_REGISTRIES="HTTPS://$east" sh scripts/action/run.sh
if [ "$rc" = 0 ] && [ "$(output registry)" = "$east" ] && [ -n "$(output "docker_password_$(suffix "$east")")" ]; then
    pass "a scheme in capitals: the outputs are named after the host"
else
    fail "HTTPS://: exit $rc: $(cat "$runner/output" "$work/err")"
fi
for pair in "ECR_LOGIN_MASK_PASSWORD=maybe" "ECR_LOGIN_FALLBACK_HELPER=pass!" "ECR_LOGIN_VERSION=0.1"; do
    action ECR_LOGIN_REGISTRIES="$east" "$pair
::stop-commands::forged" sh scripts/action/run.sh
    if [ "$rc" != 0 ] && ! grep -Eq '^[[:space:]]*::' "$work/err" "$work/out"; then
        pass "${pair%%=*} with a newline: no forged workflow command in the log"
    else
        fail "${pair%%=*}: exit $rc: $(cat "$work/out" "$work/err")"
    fi
done
for bad in v 1.0/../../x '-1' '0.1?x=1'; do
    action ECR_LOGIN_REGISTRIES="$east" ECR_LOGIN_VERSION="$bad" sh scripts/action/run.sh
    nothing_done "version '$bad'" "input 'version' is '$bad'"
done
config=$work/runner-$((runs + 1))/home/.config/$name/config.toml
mkdir -p "$(dirname "$config")"
printf 'fallback_helper = "desktop"\n' >"$config"
action ECR_LOGIN_REGISTRIES="$east example.com" ECR_LOGIN_FALLBACK_HELPER=pass sh scripts/action/run.sh
if [ "$rc" != 0 ] && grep -q '"example.com" is not an ECR registry host' "$work/err" &&
    [ "$(cat "$config")" = 'fallback_helper = "desktop"' ] && [ ! -e "$runner/docker" ] && [ ! -s "$runner/path" ]; then
    pass "a registry the binary refuses: the helper's config, docker's and GITHUB_PATH as they were"
else
    fail "refused by the binary: exit $rc: $(cat "$work/err"); config: $(cat "$config")"
fi

say "fallback helper"
config=$work/runner-$((runs + 1))/home/.config/$name/config.toml
mkdir -p "$(dirname "$config")"
printf 'refresh_window = "1h"\nfallback_helper = "desktop"\n\n[accounts."999999999999"]\nprofile = "default"\n' >"$config"
action ECR_LOGIN_REGISTRIES="$east" ECR_LOGIN_FALLBACK_HELPER=pass sh scripts/action/run.sh
expected=$(printf 'refresh_window = "1h"\nfallback_helper = "pass"\n\n[accounts."999999999999"]\nprofile = "default"')
if [ "$rc" = 0 ] && [ "$(cat "$config")" = "$expected" ]; then
    pass "fallback_helper set in place in the existing config file, the rest kept"
else
    fail "fallback: exit $rc: $(cat "$work/err"); config: $(cat "$config")"
fi
# The binary's own rule, refused before it writes anything.
for bad in ../pass ecr-login 'pass"x' -pass; do
    config=$work/runner-$((runs + 1))/home/.config/$name/config.toml
    action ECR_LOGIN_REGISTRIES="$east" ECR_LOGIN_FALLBACK_HELPER="$bad" sh scripts/action/run.sh
    if [ "$rc" != 0 ] && grep -q '^ecr-login: fallback_helper ".*" is' "$work/err" && [ ! -e "$config" ] &&
        [ ! -e "$runner/docker" ] && [ ! -s "$runner/path" ] && [ ! -s "$runner/output" ]; then
        pass "fallback-helper '$bad' refused before any config is written"
    else
        fail "fallback-helper '$bad': exit $rc: $(cat "$work/err")"
    fi
done

say "main.js, as the runner starts the action"
action INPUT_REGISTRIES="$west" INPUT_VERSION=latest INPUT_FALLBACK-HELPER=pass INPUT_MASK-PASSWORD=true \
    node scripts/action/main.js
if [ "$rc" = 0 ] && [ "$(output registry)" = "$west" ] && grep -qx "::add-mask::pw-eu-west-1-token" "$work/out" &&
    grep -qx 'fallback_helper = "pass"' "$runner/home/.config/$name/config.toml"; then
    pass "main.js hands every input, fallback-helper included, to run.sh"
else
    fail "main.js: exit $rc: $(cat "$work/err")"
fi
action INPUT_REGISTRIES="$west" INPUT_MASK-PASSWORD=maybe node scripts/action/main.js
[ "$rc" != 0 ] && grep -q "input 'mask-password' is 'maybe'" "$work/err" && pass "main.js passes run.sh's failure on" ||
    fail "main.js failure: exit $rc: $(cat "$work/err")"

printf '\n%s passed, %s failed\n' "$passes" "$failures"
[ "$failures" = 0 ]
