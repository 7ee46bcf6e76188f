# shellcheck shell=bash
# Variables and functions come from run.sh, which sources this file.
# shellcheck disable=SC2154
# End-to-end section, sourced by tests/e2e/run.sh after fallback.sh, while the ECR API (moto)
# and both registries run: ORAS's Python SDK (`oras` on PyPI, tests/e2e/oras_flow.py) pushes
# and pulls a one-file artifact with the credentials a docker config names:
# - `credHelpers` for the ECR-aliased registry;
# - `"credsStore": "ecr-login"` with `fallback_helper = "pass"`: the plain registry's login,
#   stored through the helper into pass, and the ECR alias beside it.
# The helper's log file shows it ran (the SDK runs `docker-credential-<name> get` itself), and
# the same pull with the helper's entry gone is refused.
#
# Uses run.sh's say/check/pass/fail, $work, $venv, $registry, $ecr_host, $authfile, and
# fallback.sh's $plain, $plain_password and its pass store.

say "ORAS (Python SDK)"
oras_flow=("$venv/bin/python" tests/e2e/oras_flow.py)
oras_log=$work/oras-helper.log
helper_ran() { # pattern: the helper logged it since the log was emptied
    grep -q "$1" "$oras_log"
}

: >"$oras_log"
check "oras push and pull through credHelpers" \
    env AWS_ECR_LOG_FILE="$oras_log" "${oras_flow[@]}" roundtrip "$authfile" "$work/ca.pem" "$registry/e2e/artifact:1"
check "the SDK ran the helper for the alias" helper_ran "for $ecr_host"
echo '{"auths": {}}' >"$work/oras-nothing.json"
check "oras pull without the credHelpers entry is refused" \
    "${oras_flow[@]}" refused "$work/oras-nothing.json" "$work/ca.pem" "$registry/e2e/artifact:1"

# fallback.sh's set-up again: its gpg key and pass store, the config naming the fallback.
saved_config=$AWS_ECR_CONFIG
export GNUPGHOME=$work/gnupg PASSWORD_STORE_DIR=$work/password-store
export AWS_ECR_CONFIG=$work/ecr-login-fallback.toml
oras_store=$work/oras-credsstore.json
echo '{"credsStore": "ecr-login"}' >"$oras_store"
# What a login does with credsStore: `store` through the helper, which hands it to pass.
check "store the plain registry's login (into pass)" sh -c \
    "printf '%s' '{\"ServerURL\":\"$plain\",\"Username\":\"e2e\",\"Secret\":\"$plain_password\"}' | docker-credential-ecr-login store"
: >"$oras_log"
check "oras push and pull of the plain registry through credsStore" \
    env AWS_ECR_LOG_FILE="$oras_log" "${oras_flow[@]}" roundtrip "$oras_store" "$work/ca.pem" "$plain/e2e/artifact:1"
check "the SDK ran the helper, which asked pass" helper_ran "get: not ECR, asking .*docker-credential-pass"
: >"$oras_log"
check "oras push and pull of the ECR alias through the same credsStore" \
    env AWS_ECR_LOG_FILE="$oras_log" "${oras_flow[@]}" roundtrip "$oras_store" "$work/ca.pem" "$registry/e2e/artifact:2"
check "the SDK ran the helper for the alias" helper_ran "for $ecr_host"
check "erase the plain registry's login (from pass)" sh -c "printf '%s' '$plain' | docker-credential-ecr-login erase"
check "oras pull of the plain registry without pass's entry is refused" \
    "${oras_flow[@]}" refused "$oras_store" "$work/ca.pem" "$plain/e2e/artifact:1"
export AWS_ECR_CONFIG=$saved_config
unset GNUPGHOME PASSWORD_STORE_DIR
