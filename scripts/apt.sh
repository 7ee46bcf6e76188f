# shellcheck shell=bash
# apt_install PACKAGE...: Debian packages a script needs, installed once asked for: as root, or
# through a sudo that needs no password; otherwise one line naming them. `apt-get update` runs
# once per script. Sourced by scripts/dist.sh and the test suites; the caller defines `say` and
# `die` (its own prefix on every line).
apt_updated=
apt_install() {
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo -n)
        else
            die "missing packages: $* (install them, or run as root)"
        fi
    fi
    command -v apt-get >/dev/null || die "missing packages: $* (no apt-get here to install them)"
    if [ -z "$apt_updated" ]; then
        "${sudo[@]}" apt-get update -qq
        apt_updated=1
    fi
    say "installing $*"
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null
}
