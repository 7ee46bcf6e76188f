#!/bin/sh
# The GitHub Action on Linux and macOS runners (started by main.js; run.ps1 is its Windows
# twin). Inputs come from the environment, never from text pasted into a script:
#
#   ECR_LOGIN_REGISTRIES        registry hosts, separated by spaces, commas or newlines
#   ECR_LOGIN_VERSION           release to install (empty or "latest": the latest)
#   ECR_LOGIN_FALLBACK_HELPER   optional: written as fallback_helper in the helper's config file
#                               (by the binary: `configure --fallback-helper`)
#   ECR_LOGIN_MASK_PASSWORD     "false" leaves the password outputs unmasked (default: masked)
#   ECR_LOGIN_BASE_URL          optional: where releases are downloaded from (see install.sh)
#   RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT   set by the runner
#
# It installs the verified binary into RUNNER_TEMP (the runner empties it after the job) and
# puts it on the PATH of the later steps, adds credHelpers entries to docker's config, and sets
# the outputs aws-actions/amazon-ecr-login users know: `registry`, and per registry
# docker_username_<host> and docker_password_<host> (every character outside [A-Za-z0-9_] as
# `_`), for `services:` and `container:` images, which the runner pulls before any step runs.
set -u

name=docker-credential-ecr-login
here=$(cd "$(dirname "$0")" && pwd)

die() {
    printf 'ecr-login action: error: %s\n' "$*" >&2
    exit 1
}

# shown TEXT: TEXT with its control characters as '?'. An input echoed in an error must not put
# a line of its own in the log: the runner reads a line starting with :: as a workflow command
# (::stop-commands:: would turn the ::add-mask:: of a later step into plain text).
shown() {
    printf '%s' "$*" | tr '\001-\037\177' '[?*]'
}

[ -n "${GITHUB_OUTPUT:-}" ] || die "GITHUB_OUTPUT is not set: this script runs as a step of the GitHub Action"
[ -n "${GITHUB_PATH:-}" ] || die "GITHUB_PATH is not set: this script runs as a step of the GitHub Action"
[ -n "${RUNNER_TEMP:-}" ] || die "RUNNER_TEMP is not set: this script runs as a step of the GitHub Action"

# --- every input, checked before anything is installed or written ---------------------------
# Split on spaces, tabs, newlines (a CR included) and commas, with no glob expansion of the words.
set -f
# shellcheck disable=SC2046 # splitting is the point
set -- $(printf '%s\n' "${ECR_LOGIN_REGISTRIES:-}" | tr ',\r' '  ')
set +f
[ $# -gt 0 ] || die "the input 'registries' is empty: name at least one registry, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com"
for registry in "$@"; do
    # A word the binary would take as an option (--docker-config=PATH) is not a registry, and a
    # host needs none of the characters that could break a line of GITHUB_OUTPUT or the log.
    case $registry in
    -*)
        die "the input 'registries' holds '$(shown "$registry")', which would be taken as an option: name registry hosts only"
        ;;
    [!A-Za-z0-9]* | *[!A-Za-z0-9._:/-]*)
        die "the input 'registries' holds '$(shown "$registry")', which is not a registry host (letters, digits, '.', '-', '_', ':' and '/' only)"
        ;;
    esac
done

version=${ECR_LOGIN_VERSION:-latest}
# It becomes part of a URL: install.sh's rule, named after the input.
case $version in
latest) ;;
v | -* | *[!0-9A-Za-z.+-]*) die "the input 'version' is '$(shown "$version")': give a release, e.g. 0.2.0, or latest" ;;
esac

case ${ECR_LOGIN_MASK_PASSWORD:-true} in
'' | true | True | TRUE) mask=1 ;;
false | False | FALSE) mask= ;;
*) die "the input 'mask-password' is '$(shown "$ECR_LOGIN_MASK_PASSWORD")': use true or false" ;;
esac

# The fallback helper's name is checked by the binary, by the rule it reads its config with.
helper=${ECR_LOGIN_FALLBACK_HELPER:-}

# --- install --------------------------------------------------------------------------------
bin=$RUNNER_TEMP/$name
# Quiet: its PATH advice is for a shell profile; here GITHUB_PATH does that.
sh "$here/../install.sh" --quiet --version "$version" --to "$bin" || exit 1
echo "ecr-login action: installed $("$bin/$name" version) into $bin"
PATH=$bin:$PATH
export PATH

# --- docker's config, and the fallback helper in the config file the helper reads -------------
# The binary resolves every registry (ECR host or alias) and checks the helper's name before it
# writes a file, so a registry or a name it refuses leaves docker's config, the helper's config
# and GITHUB_PATH as they were. It also reads the config file: a broken one fails here, naming
# the file and line, and it edits only the fallback_helper line of it. `--`: the words are
# operands, whatever they look like; `=`: the name is the option's value, whatever it looks like.
if [ -n "$helper" ]; then
    "$name" configure --fallback-helper="$helper" -- "$@" || exit 1
else
    "$name" configure -- "$@" || exit 1
fi
printf '%s\n' "$bin" >>"$GITHUB_PATH" || die "cannot write GITHUB_PATH ($GITHUB_PATH)"

# --- the outputs ----------------------------------------------------------------------------
# Every password first, each masked as soon as it is known; then all the outputs at once, so a
# registry that fails leaves none half set.
registries=
outputs=
for registry in "$@"; do
    # The host as docker names it (configure's key): no scheme, no path, lower case.
    # Lower case first: the scheme is case-insensitive too.
    host=$(printf '%s' "$registry" | tr '[:upper:]' '[:lower:]')
    host=${host#https://}
    host=${host#http://}
    host=${host%%/*}
    suffix=$(printf '%s' "$host" | sed 's/[^A-Za-z0-9_][^A-Za-z0-9_]*/_/g')
    # The password also proves the job's AWS credentials now, with the cause if they fail, and
    # leaves the token cached for docker's first pull.
    password=$("$name" password -- "$registry") || exit 1
    case $password in
    '' | *[!A-Za-z0-9+/=._-]*) die "the password for $host is not a single token line" ;;
    esac
    [ -z "$mask" ] || printf '::add-mask::%s\n' "$password"
    outputs="${outputs}docker_username_$suffix=AWS
docker_password_$suffix=$password
"
    registries=${registries:+$registries,}$host
done
printf '%sregistry=%s\n' "$outputs" "$registries" >>"$GITHUB_OUTPUT" ||
    die "cannot write GITHUB_OUTPUT ($GITHUB_OUTPUT)"
echo "ecr-login action: docker uses $name for $registries"
