#!/bin/sh
# Installs docker-credential-ecr-login from the project's GitHub releases, verified:
#
#   curl -fsSL https://raw.githubusercontent.com/docker-credential-ecr-login/docker-credential-ecr-login/main/scripts/install.sh | sh
#   ... | sh -s -- --version 0.2.0 --to /usr/local/bin --sudo
#
# It downloads the release archive for this OS and architecture and its .sha256 into a private
# temporary directory, refuses the archive unless its SHA-256 matches, runs the binary once, and
# only then moves it into place with a rename, so a failed or refused download installs nothing
# and a running docker never sees a half-written helper.
#
# POSIX sh on purpose (dash, busybox, macOS's /bin/sh): it runs before anything else is there.
set -u

name=docker-credential-ecr-login
# Cargo.toml's `repository` (tests/install/run.sh checks that the two agree).
repo=docker-credential-ecr-login/docker-credential-ecr-login

usage() {
    cat <<EOF
Usage: install.sh [--version V] [--to DIR] [--sudo] [--quiet]

Installs $name, the Amazon ECR credential helper, for this machine
(Linux x86_64/aarch64, static; macOS Intel/Apple silicon).

  --version V   the release to install, e.g. 0.2.0 (default: the latest release)
  --to DIR      where to put the binary (default: ~/.local/bin)
  --sudo        write DIR through sudo (for /usr/local/bin and the like)
  --quiet       print errors only
  -h, --help    this text

Environment:
  ECR_LOGIN_BASE_URL   where releases are downloaded from, laid out like GitHub's
                       (default https://github.com/$repo/releases:
                       <base>/download/v<V>/<file> and <base>/latest/download/<file>)
  ECR_LOGIN_DOWNLOAD_TIMEOUT   seconds each download may take (default 600)

The archive is checked against its published .sha256 before anything is installed.
EOF
}

quiet=
say() { [ -n "$quiet" ] || printf 'ecr-login install: %s\n' "$*" >&2; }
die() {
    printf 'ecr-login install: error: %s\n' "$*" >&2
    exit 1
}

# as_owner COMMAND...: runs COMMAND as whoever writes to DIR.
as_owner() {
    if [ -n "$sudo" ]; then sudo "$@"; else "$@"; fi
}

# Removes what the script made, however it ends.
cleanup() {
    if [ -n "$part" ]; then as_owner rm -f "$part"; fi
    if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}

# shown TEXT: TEXT with its control characters as '?', for what a server or a URL put into a
# message: an escape sequence from a hostile mirror must not reach the terminal, nor a newline
# forge a line of a CI log.
shown() {
    printf '%s' "$*" | tr '\001-\037\177' '[?*]'
}

# redacted URL: URL for a message, without the user name and password a mirror's may hold.
redacted() {
    shown "$(printf '%s' "$1" | sed 's|^\([A-Za-z][A-Za-z0-9+.-]*://\)[^/@]*@|\1***@|')"
}

# fetch URL FILE MAX: downloads URL into FILE, or exits with one line saying why not. At most MAX
# bytes and $max_time seconds: an endless or trickling answer is cut off, not written until the
# disk is full or waited for for ever.
fetch() {
    err=$tmp/fetch.err
    status=$tmp/fetch.status
    : >"$status"
    # The downloader writes to a pipe that head closes one byte past MAX: older curls honour
    # --max-filesize only when the size is announced, and wget has no such option.
    if [ "$downloader" = curl ]; then
        # Over https, a redirect may not downgrade to http (the scheme is case-insensitive).
        case $1 in [Hh][Tt][Tt][Pp][Ss]:*) redirect='=https' ;; *) redirect='=http,https' ;; esac
        {
            curl --silent --show-error --location --proto-redir "$redirect" --retry 2 --connect-timeout 20 \
                --max-time "$max_time" --retry-max-time "$max_time" --max-filesize "$3" \
                --speed-limit 1 --speed-time 60 --dump-header "$tmp/fetch.headers" --output - "$1" 2>"$err"
            echo $? >"$status"
        } | head -c $(($3 + 1)) >"$2"
    else
        # -S puts the status lines in $err, for GNU wget and busybox alike; wget has no total
        # time limit of its own.
        {
            if [ -n "$timeout" ]; then
                timeout "$max_time" wget -S -T 60 -O - "$1" 2>"$err"
            else
                wget -S -T 60 -O - "$1" 2>"$err"
            fi
            echo $? >"$status"
        } | head -c $(($3 + 1)) >"$2"
    fi
    rc=$(cat "$status")
    size=$(wc -c <"$2" | tr -d ' \t')
    if [ "$size" -gt "$3" ] || [ "$rc" = 63 ]; then
        die "cannot download $(redacted "$1"): larger than $3 bytes, more than a release file can be"
    fi
    # 28: curl's time limit; 124: timeout's; 143: wget stopped by a TERM that timeout sent.
    case $rc in 28 | 124 | 143)
        die "cannot download $(redacted "$1"): no complete answer within $max_time seconds"
        ;;
    esac
    if [ "$downloader" = curl ]; then
        [ "$rc" = 0 ] || die "cannot download $(redacted "$1"): $(shown "$(tail -n 1 "$err")")"
        code=$(sed -n 's/^HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$tmp/fetch.headers" | tail -n 1)
    else
        code=200
        if [ "$rc" != 0 ]; then
            code=$(sed -n 's/.*HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$err" | tail -n 1)
            case $code in
            [45]??) ;;
            *) die "cannot download $(redacted "$1"): $(shown "$(grep . "$err" | tail -n 1)")" ;;
            esac
        fi
    fi
    case $code in
    200) ;;
    404) die "$release: HTTP 404 for $(redacted "$1") (no such release, or no $target build in it)" ;;
    *) die "cannot download $(redacted "$1"): HTTP $code" ;;
    esac
}

# Everything runs from here, the last line: piped from curl, a script cut short by a dropped
# connection is a syntax error for sh, never half a run.
main() {
    version=
    to=
    sudo=
    while [ $# -gt 0 ]; do
        case $1 in
        -h | --help)
            usage
            exit 0
            ;;
        --version | --to)
            [ $# -ge 2 ] || die "$1 needs a value (see --help)"
            case $1 in --version) version=$2 ;; *) to=$2 ;; esac
            shift 2
            ;;
        --version=*)
            version=${1#*=}
            shift
            ;;
        --to=*)
            to=${1#*=}
            shift
            ;;
        --sudo)
            sudo=1
            shift
            ;;
        --quiet)
            quiet=1
            shift
            ;;
        *) die "unknown argument '$1' (see --help)" ;;
        esac
    done

    # It becomes part of a URL: release versions only, and a lone "v" is not the latest.
    case $version in
    '' | latest) version= ;;
    v | *[!0-9A-Za-z.+-]*) die "'$(shown "$version")' is not a version (try --version 0.2.0)" ;;
    v*) version=${version#v} ;;
    esac

    if [ -z "$to" ]; then
        [ -n "${HOME:-}" ] || die "HOME is not set: name the directory with --to DIR"
        to=$HOME/.local/bin
    fi
    # Relative to where the user stands, even after the cd-free steps below.
    case $to in
    /*) ;;
    *) to=$(pwd)/$to ;;
    esac

    # --- this machine -----------------------------------------------------------------------------
    os=$(uname -s 2>/dev/null) || os=unknown
    arch=$(uname -m 2>/dev/null) || arch=unknown
    case $arch in
    x86_64 | amd64) cpu=x86_64 ;;
    aarch64 | arm64) cpu=aarch64 ;;
    *) cpu= ;;
    esac
    case $os in
    Linux) platform=unknown-linux-musl ;;
    Darwin)
        platform=apple-darwin
        # A shell under Rosetta reports x86_64 on Apple silicon; the native binary is the one to
        # want there.
        if [ "$cpu" = x86_64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null)" = 1 ]; then
            cpu=aarch64
        fi
        ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT)
        die "on Windows, install the .zip with the PowerShell steps of docs/installation.md, or with Scoop, winget or the GitHub Action"
        ;;
    *) die "no release for the OS '$os' (Linux and macOS only; build it with cargo install)" ;;
    esac
    [ -n "$cpu" ] || die "no release for the architecture '$arch' on $os (x86_64 and aarch64 only; build it with cargo install)"
    target=$cpu-$platform

    # --- tools ------------------------------------------------------------------------------------
    if command -v curl >/dev/null 2>&1; then
        downloader=curl
    elif command -v wget >/dev/null 2>&1; then
        downloader=wget
    else
        die "needs curl or wget to download, and neither is on the PATH"
    fi
    if command -v sha256sum >/dev/null 2>&1; then
        hasher=sha256sum
    elif command -v shasum >/dev/null 2>&1; then
        hasher=shasum
    else
        die "needs sha256sum or shasum to verify the download, and neither is on the PATH"
    fi
    for tool in tar mktemp head; do
        command -v "$tool" >/dev/null 2>&1 || die "needs $tool, which is not on the PATH"
    done
    if [ -n "$sudo" ] && [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "--sudo was given but there is no sudo on the PATH"
    else
        sudo=
    fi

    # wget bounded by timeout where there is one that takes `timeout SECONDS COMMAND`.
    timeout=
    if [ "$downloader" = wget ] && timeout 5 wget --version >/dev/null 2>&1; then
        timeout=1
    fi
    # Each download's time limit, in seconds: long enough for a slow link, never for ever.
    max_time=${ECR_LOGIN_DOWNLOAD_TIMEOUT:-600}
    case $max_time in
    '' | *[!0-9]* | 0*) die "ECR_LOGIN_DOWNLOAD_TIMEOUT is '$(shown "$max_time")': give the seconds, e.g. 600" ;;
    esac

    base=${ECR_LOGIN_BASE_URL:-https://github.com/$repo/releases}
    base=${base%/}
    if [ -n "$version" ]; then
        url=$base/download/v$version
        release="version $version"
    else
        url=$base/latest/download
        release="the latest release"
    fi
    archive=$name-$target.tar.xz

    # --- a private directory, removed however the script ends -------------------------------------
    tmp=
    part=
    trap cleanup EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # What it creates (a new --to directory) is not writable by other users, whatever the umask.
    umask o-w
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecr-login-install.XXXXXX") || die "cannot create a temporary directory"

    shown_url=$(redacted "$url")
    say "downloading $archive ($release) from $shown_url"
    # Release archives are a few MiB, their .sha256 one line.
    fetch "$url/$archive" "$tmp/$archive" 104857600
    fetch "$url/$archive.sha256" "$tmp/$archive.sha256" 65536

    # --- verify -----------------------------------------------------------------------------------
    # The .sha256 is sha256sum's format: "<hex>  <file name>".
    line=$(sed -n '1p' "$tmp/$archive.sha256")
    expected=$(printf '%s\n' "$line" | awk '{ print tolower($1) }')
    named=$(printf '%s\n' "$line" | awk '{ sub(/^\*/, "", $2); print $2 }')
    case $expected in
    *[!0-9a-f]* | '') die "$shown_url/$archive.sha256 is not a SHA-256 checksum line" ;;
    esac
    [ ${#expected} = 64 ] || die "$shown_url/$archive.sha256 is not a SHA-256 checksum line"
    [ "$named" = "$archive" ] || die "$shown_url/$archive.sha256 is the checksum of '$(shown "$named")', not of $archive"
    if [ "$hasher" = sha256sum ]; then
        actual=$(sha256sum "$tmp/$archive" | awk '{ print $1 }')
    else
        actual=$(shasum -a 256 "$tmp/$archive" | awk '{ print $1 }')
    fi
    if [ "$actual" != "$expected" ]; then
        die "refusing $archive: its SHA-256 is $actual but the release publishes $expected (a tampered or truncated download); nothing installed"
    fi

    mkdir "$tmp/unpack" || die "cannot create a directory in $tmp"
    member=$name-$target/$name
    if command -v xz >/dev/null 2>&1; then
        # Decompressed apart from tar, so that each failure names its own cause.
        xz -dc "$tmp/$archive" >"$tmp/$name.tar" 2>"$tmp/xz.err" ||
            die "cannot decompress $archive: $(shown "$(sed -n 1p "$tmp/xz.err")")"
        tar -xf "$tmp/$name.tar" -C "$tmp/unpack" "$member" 2>"$tmp/tar.err" ||
            die "cannot unpack $archive: $(shown "$(sed -n 1p "$tmp/tar.err")")"
    elif ! tar -xJf "$tmp/$archive" -C "$tmp/unpack" "$member" 2>"$tmp/tar.err"; then
        # Without xz on the PATH only a tar with xz built in (bsdtar, busybox's) can unpack it.
        die "cannot unpack $archive: $(shown "$(sed -n 1p "$tmp/tar.err")") (there is no xz on the PATH, which this tar may need: install xz)"
    fi
    new=$tmp/unpack/$name-$target/$name
    if [ -L "$new" ] || [ ! -f "$new" ]; then
        die "$archive holds no regular file $name-$target/$name"
    fi
    # Run it once before it replaces anything: a binary this machine cannot run stays out.
    built=$("$new" version 2>&1 </dev/null) || die "the downloaded $name does not run here: $(shown "$built")"
    if [ -n "$version" ] && [ "$built" != "$name $version" ]; then
        die "refusing $archive: it holds '$(shown "$built")', not version $version; nothing installed"
    fi

    # --- install: a temporary name in DIR, then a rename ------------------------------------------
    if [ ! -d "$to" ]; then
        as_owner mkdir -p "$to" 2>/dev/null || die "cannot create $to (pick another --to, or add --sudo)"
    fi
    if [ -z "$sudo" ] && [ ! -w "$to" ]; then
        die "cannot write to $to (pick another --to, or add --sudo)"
    fi
    # docker hands registry credentials to whatever binary is there: a directory that another
    # user can write to, or owns, lets them swap it, now or later.
    # shellcheck disable=SC2012 # one directory, and find has no portable way to print a mode
    perms=$(ls -ldnL "$to" 2>/dev/null | awk '{ print $1, $3 }')
    case ${perms%% *} in
    ????????w*) die "refusing to install into $to: other users can write to it and could replace the helper (pick another --to)" ;;
    esac
    owner=${perms#* }
    if [ "$owner" != 0 ] && [ "$owner" != "$(id -u)" ]; then
        die "refusing to install into $to: it belongs to another user (uid $owner), who could replace the helper (pick another --to)"
    fi
    part=$(as_owner mktemp "$to/.$name.XXXXXX") || die "cannot write to $to"
    as_owner cp "$new" "$part" || die "cannot write $part"
    as_owner chmod 0755 "$part" || die "cannot make $part executable"
    as_owner mv -f "$part" "$to/$name" || die "cannot move $name into $to"
    part=
    say "installed $to/$name ($built)"

    # --- where docker will find it ----------------------------------------------------------------
    # docker runs `docker-credential-ecr-login` from the PATH: say which one that is.
    installed=$(cd "$to" && pwd -P)/$name
    on_path=
    first=
    first_real=
    saved_ifs=$IFS
    IFS=:
    set -f
    for dir in $PATH; do
        [ -n "$dir" ] || dir=.
        real=$(cd "$dir" 2>/dev/null && pwd -P) || continue
        if [ -z "$first" ] && [ -f "$real/$name" ] && [ -x "$real/$name" ]; then
            # Compared through the real path, shown as the PATH names it.
            first=$dir/$name
            first_real=$real/$name
        fi
        [ "$real/$name" = "$installed" ] && on_path=1
    done
    set +f
    IFS=$saved_ifs

    whose=
    if [ -n "$first" ]; then
        case "$first $(readlink "$first" 2>/dev/null)" in
        *Docker.app* | *docker-desktop* | *DockerDesktop*) whose=" (Docker Desktop's)" ;;
        esac
    fi
    if [ -z "$on_path" ]; then
        say "note: $to is not on the PATH, where docker looks for credential helpers; add it, e.g. export PATH=\"$to:\$PATH\" in your shell's profile"
        [ -z "$first" ] || say "note: until then docker runs $first$whose"
    elif [ "$first_real" != "$installed" ]; then
        say "warning: docker runs $first$whose, which comes first on the PATH; put $to before $(dirname "$first") in the PATH, or remove that one"
    else
        say "docker finds it on the PATH"
    fi
    say "next: $name configure <registry>   (adds credHelpers entries to docker's config.json)"
}

main "$@"
