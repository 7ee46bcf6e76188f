# shellcheck shell=bash
# Variables and functions come from run.sh, which sources this file.
# shellcheck disable=SC2154
# End-to-end section, sourced by tests/e2e/run.sh while the ECR API (moto) and the registry
# run: helm 3 and helm 4 push and pull a chart through the helper.
#
# helm 3 talks plain HTTP to `localhost` and to every loopback address, whatever the registry
# serves (containerd's resolver); an ECR host is neither. So helm reaches the registry by the
# ECR host's own name, the one a user types: HTTPS_PROXY names a CONNECT proxy on loopback
# (tests/e2e/connect_proxy.py) that tunnels that name, and nothing else, to the registry, whose
# certificate carries the name. TLS runs end to end; helm trusts the CA through SSL_CERT_FILE.
#
# For each helm, on homes of its own (helm's registry config lives there), the chart pulled
# must be the chart pushed, byte for byte:
# - push and pull with no login, through docker's credHelpers (what `configure` writes);
# - with docker's config empty: a pull is refused; it works again through helm's own registry
#   config alone (`configure --helm`), and after `password | helm registry login
#   --password-stdin`, whose login lands in helm's registry config.
#
# Uses run.sh's say/check/pass/fail/free_port/port_is_free/wait_for_port, $work, $pids,
# $helm_dir, $registry_port, $ecr_host, $password.

say "helm 3 and helm 4"
proxy_port=$(free_port)
port_is_free "$proxy_port" || { echo "port $proxy_port is taken" >&2; exit 1; }
python3 tests/e2e/connect_proxy.py "$proxy_port" "$ecr_host:443=$registry_port" 2>"$work/proxy.log" &
pids+=($!)
wait_for_port "$proxy_port"
check "configure $ecr_host" docker-credential-ecr-login configure "$ecr_host"

helm_as() { # helm binary, HOME, DOCKER_CONFIG, helm arguments...
    local bin=$1 home=$2 docker_dir=$3
    shift 3
    # Only the proxy reaches the ECR host's name: a NO_PROXY from outside must not bypass it.
    # Only the helper on PATH: docker-credential-pass, there for the fallback section, would
    # become helm's default store for a login.
    env -u HELM_REGISTRY_CONFIG -u HELM_CONFIG_HOME -u XDG_CONFIG_HOME PATH="$work/bin" \
        HOME="$home" DOCKER_CONFIG="$docker_dir" HTTPS_PROXY="http://127.0.0.1:$proxy_port" \
        https_proxy= NO_PROXY= no_proxy= "$bin" "$@"
}
pulled_is_pushed() { # directory, HOME, DOCKER_CONFIG: the chart pulled there is the one pushed
    mkdir -p "$1" &&
        helm_as "$bin" "$2" "$3" pull "$ref" --version 0.1.0 -d "$1" &&
        cmp "$tgz" "$1/$chart-0.1.0.tgz"
}
login_with_password() { # HOME, DOCKER_CONFIG
    docker-credential-ecr-login password "$ecr_host" |
        helm_as "$bin" "$1" "$2" registry login --username AWS --password-stdin "$ecr_host"
}
expect_refused() { # name, command...
    expect_failure "$1" 'no basic auth credentials|basic credential not found' "${@:2}"
}

for helm in helm3 helm4; do
    bin=$helm_dir/$helm
    hw=$work/$helm
    chart=e2e-$helm
    mkdir -p "$hw/chart/templates" "$hw/home" "$hw/no-docker" "$hw/login-home" "$hw/refused"
    printf 'apiVersion: v2\nname: %s\nversion: 0.1.0\n' "$chart" >"$hw/chart/Chart.yaml"
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  pushed-by: %s\n' \
        "$helm" >"$hw/chart/templates/configmap.yaml"
    check "$helm package" "$bin" package "$hw/chart" -d "$hw"
    tgz=$hw/$chart-0.1.0.tgz
    ref=oci://$ecr_host/charts/$chart
    helm_config=$hw/home/.config/helm/registry/config.json

    check "$helm push, no login (docker's credHelpers)" helm_as "$bin" "$hw/home" "$DOCKER_CONFIG" push "$tgz" "oci://$ecr_host/charts"
    check "$helm pull, no login: the chart pushed" pulled_is_pushed "$hw/pulled" "$hw/home" "$DOCKER_CONFIG"
    check "$helm kept no registry config of its own" test ! -e "$helm_config"

    expect_refused "$helm pull without docker's credHelpers is refused" \
        helm_as "$bin" "$hw/home" "$hw/no-docker" pull "$ref" --version 0.1.0 -d "$hw/refused"
    check "configure --helm writes helm's registry config" \
        env -u HELM_REGISTRY_CONFIG -u HELM_CONFIG_HOME -u XDG_CONFIG_HOME HOME="$hw/home" \
        docker-credential-ecr-login configure --helm "$ecr_host"
    check "helm's registry config names the helper" grep -q "\"$ecr_host\": \"ecr-login\"" "$helm_config"
    check "$helm pull through helm's registry config alone" \
        pulled_is_pushed "$hw/pulled-helm-config" "$hw/home" "$hw/no-docker"

    check "password | $helm registry login --password-stdin" login_with_password "$hw/login-home" "$hw/no-docker"
    login_auth=$(printf 'AWS:%s' "$password" | base64 -w0)
    check "the login is in helm's registry config" grep -q "\"auth\": \"$login_auth\"" "$hw/login-home/.config/helm/registry/config.json"
    check "the login left docker's config alone" test ! -e "$hw/no-docker/config.json"
    check "$helm pull after the login alone" pulled_is_pushed "$hw/pulled-login" "$hw/login-home" "$hw/no-docker"
done
