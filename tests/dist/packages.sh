#!/usr/bin/env bash
# Checks the .deb and the .rpm of one architecture as a user meets them: each installed (dpkg
# and rpm into a scratch root) over a stand-in for the Go helper's package, which it must swap
# out; its binary run; the man page and the shell completions found where man, bash, zsh and
# fish look; the control fields; lintian; and the two packages holding the same files.
#
# Usage: tests/dist/packages.sh DISTRIB_DIR DEB_ARCH RPM_ARCH WORK_DIR [RUNNER...]
#   RUNNER runs the packaged binary (qemu-aarch64 for arm64). Needs dpkg, lintian, rpm (with
#   rpmbuild), man-db, bash-completion, zsh and fish: tests/dist/run.sh installs them.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 DISTRIB_DIR DEB_ARCH RPM_ARCH WORK_DIR [RUNNER...]" >&2; exit 2; }
dist=$1 deb_arch=$2 rpm_arch=$3 work=$4
shift 4
runner=("$@")
cd "$(dirname "$0")/../.."
name=docker-credential-ecr-login
go_helper=amazon-ecr-credential-helper
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
deb=$dist/${name}_${version}_$deb_arch.deb
rpm=$dist/$name-$version-1.$rpm_arch.rpm

fail() { echo "FAIL ($deb_arch): $*" >&2; exit 1; }
ok() { echo "ok ($deb_arch): $*"; }
# field FILE NAME: a control field's value, empty when absent.
field() { sed -n "s/^$2: //p" "$1"; }
# Debian's rpm says "use alien" on every install; nothing else it says is dropped.
quiet_rpm() { rpm "$@" 2> >(grep -v 'should not be used directly\|assuming you know what' >&2); }
# (Output is read whole before grep -q below: with pipefail, its early exit fails the writer.)

[ -f "$deb" ] || fail "no $deb"
[ -f "$rpm" ] || fail "no $rpm"
rm -rf "$work"
mkdir -p "$work"

# The Go helper's package as Debian and Fedora ship it, for what matters here: it owns the path.
mkdir -p "$work/go/DEBIAN" "$work/go/usr/bin"
printf '#!/bin/sh\necho go helper\n' >"$work/go/usr/bin/$name"
chmod 0755 "$work/go/usr/bin/$name"
printf '%s\n' "Package: $go_helper" "Version: 0.6.0-1" "Architecture: $deb_arch" \
    "Maintainer: test <test@example.invalid>" "Description: stand-in for the Go helper" >"$work/go/DEBIAN/control"
dpkg-deb -b --root-owner-group "$work/go" "$work/go.deb" >/dev/null
cat >"$work/go.spec" <<EOF
Name: $go_helper
Version: 0.6.0
Release: 1
Summary: Stand-in for the Go helper
License: Apache-2.0
BuildArch: noarch
%description
Stand-in for the Go helper, owning the same path.
%install
mkdir -p %{buildroot}/usr/bin
cp $work/go/usr/bin/$name %{buildroot}/usr/bin/$name
%files
/usr/bin/$name
EOF
rpmbuild -bb --quiet --nodeps --define "_topdir $work/rpmbuild" "$work/go.spec" >/dev/null
go_rpm=$(echo "$work"/rpmbuild/RPMS/noarch/*.rpm)

# --- the .deb
control=$work/control
dpkg-deb -f "$deb" >"$control"
[ "$(field "$control" Package)" = "$name" ] || fail "Package is not $name"
[ "$(field "$control" Version)" = "$version" ] || fail "Version is not $version: $(field "$control" Version)"
[ "$(field "$control" Architecture)" = "$deb_arch" ] || fail "Architecture is not $deb_arch"
for relation in Conflicts Replaces Provides; do
    [ "$(field "$control" $relation)" = "$go_helper" ] || fail "$relation is not $go_helper: '$(field "$control" $relation)'"
done
[ -z "$(field "$control" Depends)" ] || fail "a static binary depends on nothing: Depends $(field "$control" Depends)"
ok "control: $name $version $deb_arch, Conflicts/Replaces/Provides $go_helper"

# Nothing of ours runs as root when the package is installed, upgraded or removed, and dpkg
# keeps no file of ours as configuration: the control area holds the control file (and the
# md5sums, which dpkg otherwise computes itself at unpacking), nothing else.
extra=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t | sed 's|^\./||; /^$/d' | grep -vxE 'control|md5sums' || true)
[ -z "$extra" ] || fail "the .deb's control area holds more than control and md5sums: $extra"
ok "the .deb: no maintainer script, trigger or conffile"

# Every entry root's, none set-id, sticky or writable by anyone but root: the binary and the
# directories 0755, every other file 0644; nothing but files and directories.
bad=$(dpkg-deb --fsys-tarfile "$deb" | tar -tv --numeric-owner | awk -v bin="./usr/bin/$name" '
    $2 != "0/0" { print; next }
    $1 == "drwxr-xr-x" { next }
    $1 == "-rwxr-xr-x" && $6 == bin { next }
    $1 == "-rw-r--r--" && $6 != bin { next }
    { print }')
[ -z "$bad" ] || fail "entries of the .deb with another owner or mode: $bad"
ok "the .deb: every entry root's; the binary and the directories 0755, other files 0644"

root=$work/deb-root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg_root=(dpkg --root="$root" --log=/dev/null --force-architecture)
# (--force-architecture: the arm64 package goes into the scratch root of an amd64 machine.)
"${dpkg_root[@]}" -i "$work/go.deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i $go_helper failed"; }
"${dpkg_root[@]}" -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -i failed over $go_helper"; }
status=$("${dpkg_root[@]}" -l | awk '$1 ~ /^[a-z][a-z]$/ { sub(/:.*/, "", $2); print $1, $2 }')
[ "$status" = "ii $name" ] || fail "after dpkg -i, the packages are '$status', not '$name' alone"
ok "dpkg -i swaps out $go_helper"

out=$("${runner[@]}" "$root/usr/bin/$name" version) || fail "usr/bin/$name version failed"
[ "$out" = "$name $version" ] || fail "usr/bin/$name version says '$out'"
ok "usr/bin/$name runs: $out"

# dpkg --verify (and debsums) tell an installed file that was altered: the binary, here.
# (cargo-deb writes no md5sums; dpkg computes them when it unpacks the package.)
verify=$("${dpkg_root[@]}" --verify "$name" 2>&1) || true
[ -z "$verify" ] || fail "dpkg --verify finds the fresh install changed: $verify"
cp -p "$root/usr/bin/$name" "$work/binary"
printf 'x' >>"$root/usr/bin/$name"
verify=$("${dpkg_root[@]}" --verify "$name" 2>&1) || true
grep -qE "^..5.* /usr/bin/$name\$" <<<"$verify" || fail "dpkg --verify does not see usr/bin/$name altered: '$verify'"
mv "$work/binary" "$root/usr/bin/$name"
ok "dpkg --verify sees an altered usr/bin/$name"

# Each place is the one the tool itself searches on this system, mapped into the scratch root.
grep -qx /usr/share/man <<<"$(manpath -g | tr : '\n')" || fail "man does not search /usr/share/man here"
page=$(MANPATH=$root/usr/share/man man -w "$name") || fail "man finds no page for $name"
[ "$page" = "$root/usr/share/man/man1/$name.1.gz" ] || fail "man found $page"
text=$(MANPATH=$root/usr/share/man MANWIDTH=80 man "$name" 2>/dev/null) || fail "man $name failed"
grep -q "credential helper for Amazon ECR" <<<"$text" || fail "man $name does not render the page"
ok "man $name"

bash_dir=$(pkg-config --variable=completionsdir bash-completion)
[ -f "$root$bash_dir/$name" ] || fail "no bash completion in $bash_dir"
XDG_DATA_DIRS=$root/usr/share bash -c '
    . /usr/share/bash-completion/bash_completion
    if declare -F _comp_load >/dev/null; then _comp_load "$1"; else __load_completion "$1"; fi
    complete -p "$1"' _ "$name" >/dev/null || fail "bash-completion does not load the completion"
ok "bash completion ($bash_dir)"

# zsh_loads DIR: zsh's compinit, with DIR first on fpath, finds the completion function.
zsh_loads() {
    local got
    got=$(zsh -fc 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -D; print -r -- $_comps[$2]' \
        _ "$1" "$name") || fail "zsh's compinit failed"
    [ "$got" = "_$name" ] || fail "zsh does not complete $name from $1 (got '$got')"
}
zsh_dir=/usr/share/zsh/vendor-completions
grep -qx "$zsh_dir" <<<"$(zsh -fc 'print -l $fpath')" || fail "zsh does not search $zsh_dir here"
zsh_loads "$root$zsh_dir"
ok "zsh completion ($zsh_dir)"

fish_dir=/usr/share/fish/vendor_completions.d
# shellcheck disable=SC2016 # fish expands these
grep -qx "$fish_dir" <<<"$(fish -c 'string join \n $fish_complete_path')" ||
    fail "fish does not search $fish_dir here"
# fish loads a command's completions only when the command is on PATH, as the package's
# binary is once installed: the package's own, not whatever else the machine may have.
# shellcheck disable=SC2016 # fish expands these
text=$(PATH="$root/usr/bin:$PATH" fish --no-config -c 'set fish_complete_path $argv[1]; complete -C "$argv[2] "' "$root$fish_dir" "$name")
grep -q '^get' <<<"$text" || fail "fish does not complete the subcommands of $name"
ok "fish completion ($fish_dir)"

grep -q "Apache-2.0" "$root/usr/share/doc/$name/copyright" || fail "no license in usr/share/doc/$name/copyright"
ok "copyright"

# --fail-on error: warnings are shown, not fatal.
lintian --fail-on error --tag-display-limit 0 "$deb" || fail "lintian reports errors"
ok "lintian: no error"

# --- the .rpm
read -r r_name r_version r_release r_arch < <(rpm -qp --qf '%{NAME} %{VERSION} %{RELEASE} %{ARCH}\n' "$rpm" 2>/dev/null)
[ "$r_name $r_version $r_release $r_arch" = "$name $version 1 $rpm_arch" ] ||
    fail "rpm is $r_name $r_version $r_release $r_arch"
rpm -K --nosignature "$rpm" >/dev/null 2>&1 || fail "rpm digests do not match"
[ "$(rpm -qp --conflicts "$rpm" 2>/dev/null)" = "$go_helper" ] || fail "rpm does not conflict with $go_helper"
[ "$(rpm -qp --obsoletes "$rpm" 2>/dev/null)" = "$go_helper" ] || fail "rpm does not obsolete $go_helper"
requires=$(rpm -qp --requires "$rpm" 2>/dev/null | grep -v '^rpmlib(' || true)
[ -z "$requires" ] || fail "a static binary requires nothing but rpm's own features, not: $requires"
ok "rpm: $r_name-$r_version-$r_release.$r_arch, conflicts with and obsoletes $go_helper, requires nothing"

# As for the .deb: no scriptlet or trigger; every file root's, the binary 0755, others 0644,
# none a config file (FILEFLAGS bit 1) that rpm would keep or save as .rpmsave.
scripts=$(rpm -qp --scripts --triggers "$rpm" 2>/dev/null)
[ -z "$scripts" ] || fail "the .rpm has scriptlets or triggers: $scripts"
bad=$(rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS} %{FILENAMES}\n]' "$rpm" 2>/dev/null |
    awk -v bin="/usr/bin/$name" '
    $2 != "root:root" || $3 % 2 == 1 { print; next }
    $1 == "-rwxr-xr-x" && $4 == bin { next }
    $1 == "-rw-r--r--" && $4 != bin { next }
    { print }')
[ -z "$bad" ] || fail "files of the .rpm with another owner, mode or flag: $bad"
ok "the .rpm: no scriptlet or trigger; every file root's, not config; the binary 0755, others 0644"

rpm_root=$work/rpm-root
mkdir -p "$rpm_root"
quiet_rpm -i --root "$rpm_root" --nodeps "$go_rpm"
quiet_rpm -U --root "$rpm_root" --nodeps --ignorearch "$rpm" || fail "rpm -U failed over $go_helper"
installed=$(rpm --root "$rpm_root" -qa --qf '%{NAME}\n' 2>/dev/null)
[ "$installed" = "$name" ] || fail "after rpm -U, the packages are '$installed', not '$name' alone"
rpm --root "$rpm_root" -V "$name" 2>/dev/null || fail "rpm -V finds the installed files changed"
ok "rpm -U swaps out $go_helper"

# The same files, the same modes, in both packages, but for two: lintian's overrides are
# Debian's alone, and Fedora's zsh looks in site-functions, not Debian's vendor-completions.
dpkg-deb -c "$deb" | awk '$1 ~ /^-/ { sub(/^\./, "", $6); print substr($1, 2), $6 }' |
    grep -v " /usr/share/lintian/overrides/$name\$" |
    sed "s| /usr/share/zsh/vendor-completions/| /usr/share/zsh/site-functions/|" | sort >"$work/deb-files"
rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" 2>/dev/null | awk '$1 ~ /^-/ { print substr($1, 2), $2 }' |
    sort >"$work/rpm-files"
diff "$work/deb-files" "$work/rpm-files" >&2 || fail "the .deb and the .rpm hold different files (< deb, > rpm)"
grep -qx "/usr/bin/$name" <<<"$(rpm -qlp "$rpm" 2>/dev/null)" || fail "rpm -qlp does not list /usr/bin/$name"
ok "rpm -qlp: the .deb's $(wc -l <"$work/deb-files") files"

cmp -s "$rpm_root/usr/bin/$name" "$root/usr/bin/$name" || fail "the .rpm and the .deb hold different binaries"
zsh_loads "$rpm_root/usr/share/zsh/site-functions"
ok "the .rpm's binary is the .deb's; its zsh completion loads from site-functions"

# What the .deb installed as the binary, kept for tests/dist/run.sh to hold to the archive's:
# the removal below takes it away.
cp -p "$root/usr/bin/$name" "$work/installed-binary"

# Removal takes every file away (rpm's database aside, which newer rpm keeps under usr/).
"${dpkg_root[@]}" -r "$name" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg -r failed"; }
left=$(cd "$root" && if [ -d usr ]; then find usr ! -type d; fi)
[ -z "$left" ] || fail "dpkg -r leaves $left"
quiet_rpm -e --root "$rpm_root" --nodeps "$name" || fail "rpm -e failed"
left=$(cd "$rpm_root" && if [ -d usr ]; then find usr -path usr/lib/sysimage -prune -o ! -type d -print; fi)
[ -z "$left" ] || fail "rpm -e leaves $left"
ok "dpkg -r and rpm -e remove every file"
