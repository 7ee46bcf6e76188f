# shellcheck shell=bash
# Variables and functions come from run.sh and daemon.sh, which run before this file.
# shellcheck disable=SC2154
# End-to-end section, sourced by tests/e2e/run.sh after daemon.sh while its docker daemon, moto
# and the HTTPS front of moto (ecr_front.py) run: the project's image as containers.
#
#   - built as docs/kubernetes.md builds it: scripts/dist.sh's x86_64 musl archive (or the
#     archives in $ECR_LOGIN_DISTRIB), deploy/image-context.sh, deploy/Containerfile; by the
#     daemon, with BuildKit when the buildx plugin is there, else the classic builder, which
#     does not set TARGETARCH and is given it. The archives are then handed on to image.sh
#     (ECR_LOGIN_DISTRIB), which checks the image's files and makes no second build.
#   - `version`, with no network at all;
#   - the kubelet plugin answering a request from inside the container, which has no NSS and
#     no CA bundle of its own: the ECR API's name resolves only through the /etc/hosts entry
#     docker writes (--add-host), and its certificate verifies only against the CA mounted and
#     named by SSL_CERT_FILE; without either the request fails, so both are what made it work;
#   - an image of the user's built `COPY --from` ours (docs/usage.md's multi-stage recipe), the
#     copied binary answering `get` in it against the ECR API;
#   - `kube-secret --apply` with deploy/manifests/flux.yaml's arguments, environment and
#     security settings, a service-account directory mounted where Kubernetes mounts it, and
#     KUBERNETES_SERVICE_HOST/PORT pointing at tests/e2e/kube_api.py: the Secret it sent is
#     checked field by field, and a namespace the account may not write gets the API's refusal
#     as one line;
#   - `kube-secret --apply --all-namespaces` with deploy/manifests/all-namespaces.yaml's
#     arguments against the stand-in's cluster (one namespace terminating, kube-* excluded, a
#     default service account with a pull Secret of its own): the Secret lands in every
#     namespace that is neither excluded nor terminating and in no other, and each default
#     service account lists it once beside its own entries; run again after a namespace is
#     made, the new one gets both and no service account is patched again;
#   - `kube-secret --apply --password-only` with the arguments the chart renders from
#     ci/argocd-password-only-values.yaml: an Argo CD repository Secret declared elsewhere,
#     with fields of its own, gets the new password and keeps every other field;
#   - `install-kubelet-plugin` as deploy/manifests/kubelet-plugin.yaml runs it (its arguments,
#     root with every capability dropped, no privilege escalation, a read-only root file system,
#     its hostPath directories bind-mounted from a throwaway node directory), left running as
#     the DaemonSet leaves it and stopped with its one-second grace period; the copy it wrote
#     on the "node" answers a kubelet request as ecr-credential-provider.
#
# Uses run.sh's say/check/pass/fail, $work, $root, $real_home, $venv, $ecr_host, $password,
# $image, $moto_port, wait_for_port, free_port; daemon.sh's $docker_up, $docker_build, $front_name
# and $front_port.

say "our image as containers"
container_image=ecr-login:e2e
containers_started=$(date +%s)

# One container argument list from a manifest: `args` (or `env` as NAME=VALUE) of the first
# container of the first object of `kind`.
manifest_field() { # file, kind, args|env
    "$venv/bin/python" - "$@" <<'PY'
import sys, yaml
path, kind, field = sys.argv[1:4]
for doc in yaml.safe_load_all(open(path)):
    if doc and doc.get("kind") == kind:
        spec = doc["spec"]
        if kind == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        container = spec["template"]["spec"]["containers"][0]
        if field == "args":
            print("\n".join(container["args"]))
        elif field == "env":
            print("\n".join(f'{e["name"]}={e["value"]}' for e in container.get("env", [])))
        elif field == "mounts":
            volumes = {v["name"]: v["hostPath"]["path"] for v in spec["template"]["spec"]["volumes"]}
            print("\n".join(f'{volumes[m["name"]]}:{m["mountPath"]}' for m in container["volumeMounts"]))
        break
PY
}

run_containers() {
    if [ -z "$docker_up" ]; then
        fail "our image as containers: the docker daemon is not running"
        return
    fi

    # --- the image, built the documented way ---------------------------------------------------
    local dist
    if [ -n "${ECR_LOGIN_DISTRIB:-}" ]; then
        dist=$ECR_LOGIN_DISTRIB
    else
        dist=${CARGO_TARGET_DIR:-$root/target}/distrib
        echo "building the x86_64 musl archive with scripts/dist.sh (minutes the first time)"
        if ! HOME=$real_home scripts/dist.sh x86_64-unknown-linux-musl >"$work/dist.log" 2>&1; then
            fail "scripts/dist.sh x86_64-unknown-linux-musl: $(tail -3 "$work/dist.log")"
            return
        fi
        # image.sh checks the image built from these same archives.
        export ECR_LOGIN_DISTRIB=$dist
    fi
    if ! deploy/image-context.sh "$dist" "$work/image-context" >"$work/out" 2>&1; then
        fail "deploy/image-context.sh: $(tail -3 "$work/out")"
        return
    fi
    local build
    if docker buildx version >/dev/null 2>&1; then
        build=(docker build --platform linux/amd64)
    else
        build=(env DOCKER_BUILDKIT=0 docker build --build-arg TARGETARCH=amd64)
    fi
    check "docker build of deploy/Containerfile from the release archive" \
        "${build[@]}" -f deploy/Containerfile -t "$container_image" "$work/image-context"
    docker image inspect "$container_image" >/dev/null 2>&1 || return

    local version
    version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
    check "docker run IMAGE version (no network)" sh -c \
        "docker run --rm --network none --read-only $container_image version | grep -qx 'docker-credential-ecr-login $version'"

    # --- the kubelet plugin inside a container: /etc/hosts and SSL_CERT_FILE ------------------
    local aws=(-e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_EC2_METADATA_DISABLED=true
        -e "AWS_ENDPOINT_URL_ECR=https://$front_name:$front_port")
    local hosts=(--add-host "$front_name:127.0.0.1")
    local ca=(-v "$work/ca.pem:/etc/e2e/ca.pem:ro" -e SSL_CERT_FILE=/etc/e2e/ca.pem)
    local plugin=(docker run --rm -i --network host --read-only --cap-drop ALL
        --security-opt no-new-privileges "${aws[@]}")
    local request
    request=$(printf '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"%s/e2e/hello:1"}' "$ecr_host")
    answers_with_password() {
        python3 -c 'import json,sys; a=json.load(sys.stdin)["auth"][sys.argv[1]]; sys.exit(0 if (a["username"], a["password"]) == ("AWS", sys.argv[2]) else 1)' \
            "$ecr_host" "$password"
    }
    if printf '%s' "$request" | "${plugin[@]}" "${hosts[@]}" "${ca[@]}" "$container_image" kubelet-plugin \
        >"$work/plugin.json" 2>"$work/plugin.err" && answers_with_password <"$work/plugin.json"; then
        pass "the kubelet plugin in a container answers (the API's name from /etc/hosts, its CA from SSL_CERT_FILE)"
    else
        fail "the kubelet plugin in a container: $(cat "$work/plugin.json" "$work/plugin.err" | tail -3)"
    fi
    # Neither half is optional: without the /etc/hosts entry the name does not resolve, without
    # the mounted CA the certificate is refused (the compiled-in public roots do not hold it).
    if printf '%s' "$request" | "${plugin[@]}" "${ca[@]}" "$container_image" kubelet-plugin >/dev/null 2>"$work/plugin.err"; then
        fail "the kubelet plugin answered without the /etc/hosts entry"
    elif grep -q "ecr-login: cannot reach the ECR API" "$work/plugin.err"; then
        pass "without the /etc/hosts entry: the helper's cause (the name does not resolve)"
    else
        fail "the kubelet plugin without the /etc/hosts entry: $(tail -3 "$work/plugin.err")"
    fi
    if printf '%s' "$request" | "${plugin[@]}" "${hosts[@]}" "$container_image" kubelet-plugin >/dev/null 2>"$work/plugin.err"; then
        fail "the kubelet plugin answered without the mounted CA"
    elif grep -q "ecr-login: cannot reach the ECR API.*[Cc]ertificate" "$work/plugin.err"; then
        pass "without SSL_CERT_FILE: the helper's cause (the certificate is not trusted)"
    else
        fail "the kubelet plugin without the mounted CA: $(tail -3 "$work/plugin.err")"
    fi

    # --- the helper copied into another image: docs/usage.md's multi-stage recipe ---------------
    # `COPY --from=<our image>` takes the binary by image reference into an image of the user's
    # (here the ECR-hosted test image, which has no shell either); the copy answers `get` from
    # its new path, inside that image, against the ECR API.
    local copied=localhost/e2e/copied-helper:1
    mkdir -p "$work/copy-from"
    printf 'FROM %s\nCOPY --from=%s /docker-credential-ecr-login /usr/local/bin/docker-credential-ecr-login\n' \
        "$image" "$container_image" >"$work/copy-from/Dockerfile"
    check "docker build of an image FROM the ECR-hosted one, COPY --from=$container_image" \
        "${docker_build[@]}" -t "$copied" "$work/copy-from"
    if printf '%s\n' "$ecr_host" | docker run --rm -i --network host --read-only --cap-drop ALL \
        --security-opt no-new-privileges "${aws[@]}" "${hosts[@]}" "${ca[@]}" \
        --entrypoint /usr/local/bin/docker-credential-ecr-login "$copied" get \
        >"$work/copied.json" 2>"$work/copied.err" &&
        python3 -c 'import json,sys; a=json.load(sys.stdin); sys.exit(0 if (a["ServerURL"], a["Username"], a["Secret"]) == (sys.argv[1], "AWS", sys.argv[2]) else 1)' \
            "$ecr_host" "$password" <"$work/copied.json"; then
        pass "the copied helper answers get in that image, from /usr/local/bin"
    else
        fail "get from the copied helper: $(cat "$work/copied.json" "$work/copied.err" 2>/dev/null | tail -3)"
    fi
    docker rmi "$copied" >/dev/null 2>&1 || true

    # --- kube-secret --apply as the refresher CronJob runs it -----------------------------------
    local kube_port kube_token sa=$work/serviceaccount
    kube_port=$(free_port)
    kube_token=e2e-sa-token-$RANDOM$RANDOM
    : >"$work/kube-requests.log"
    # The cluster the stand-in plays (tests/e2e/kube_api.py says the format): namespaces to
    # write, to leave (excluded, terminating), a service account with a pull Secret of its own,
    # and an Argo CD repository declared by someone else, with fields of its own.
    cat >"$work/cluster.json" <<'EOF'
{"namespaces": {"flux-system": {}, "default": {}, "apps": {"labels": {"team": "a"}},
                "kube-system": {}, "kube-public": {}, "retired": {"phase": "Terminating"},
                "argocd": {}},
 "serviceAccounts": {"apps": {"default": {"imagePullSecrets": [{"name": "apps-mirror"}]}}},
 "secrets": {"argocd": {"ecr-oci-repository": {
   "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
   "metadata": {"labels": {"argocd.argoproj.io/secret-type": "repository", "team": "platform"},
                "annotations": {"managed-by": "git"}},
   "data": {"url": "b2NpOi8vMTIzNDU2Nzg5MDEyLmRrci5lY3IudXMtZWFzdC0xLmFtYXpvbmF3cy5jb20vY2hhcnRz",
            "type": "b2Np", "name": "Y2hhcnRz", "username": "QVdT", "password": "ZXhwaXJlZA==",
            "project": "cGxhdGZvcm0="}}}}}
EOF
    python3 tests/e2e/kube_api.py "$kube_port" "$work/leaf.pem" "$work/leaf.key" "$kube_token" \
        "$work/kube-requests.log" "$work/cluster.json" >"$work/kube-api.log" 2>&1 &
    pids+=($!)
    wait_for_port "$kube_port"
    # As the kubelet mounts it: world-readable, for the image's non-root user.
    mkdir -p "$sa"
    printf '%s' "$kube_token" >"$sa/token"
    cp "$work/ca.pem" "$sa/ca.crt"
    printf flux-system >"$sa/namespace"
    chmod 0755 "$sa"
    chmod 0644 "$sa/token" "$sa/ca.crt" "$sa/namespace"
    local refresher_args=() refresher_env=() line
    while IFS= read -r line; do refresher_args+=("$line"); done < <(manifest_field deploy/manifests/flux.yaml CronJob args)
    while IFS= read -r line; do refresher_env+=(-e "$line"); done < <(manifest_field deploy/manifests/flux.yaml CronJob env)
    local refresher=(docker run --rm --network host --read-only --cap-drop ALL
        --security-opt no-new-privileges "${aws[@]}" "${hosts[@]}" "${ca[@]}" "${refresher_env[@]}"
        -v "$sa:/var/run/secrets/kubernetes.io/serviceaccount:ro"
        -e KUBERNETES_SERVICE_HOST=127.0.0.1 -e "KUBERNETES_SERVICE_PORT=$kube_port" "$container_image")
    if "${refresher[@]}" "${refresher_args[@]}" >"$work/out" 2>&1 &&
        grep -qx "secret/ecr-pull created in namespace flux-system" "$work/out"; then
        pass "kube-secret --apply in a container, as the CronJob runs it (${refresher_args[*]})"
    else
        fail "kube-secret --apply in a container: $(tail -3 "$work/out")"
    fi
    local registry_arg=${refresher_args[1]:-}
    if "$venv/bin/python" - "$work/kube-requests.log" "$registry_arg" "$password" >"$work/out" 2>&1 <<'PY'; then
import base64, json, sys
log, registry, password = sys.argv[1:4]
requests = [json.loads(line) for line in open(log)]
assert len(requests) == 1, f"{len(requests)} requests"
r = requests[0]
assert r["method"] == "PATCH", r["method"]
assert r["path"] == "/api/v1/namespaces/flux-system/secrets/ecr-pull?fieldManager=docker-credential-ecr-login&force=true", r["path"]
assert r["content_type"] == "application/apply-patch+yaml", r["content_type"]
assert r["bearer_ok"], "not the service account's token"
secret = json.loads(r["body"])
assert (secret["apiVersion"], secret["kind"], secret["type"]) == ("v1", "Secret", "kubernetes.io/dockerconfigjson"), secret
assert (secret["metadata"]["name"], secret["metadata"]["namespace"]) == ("ecr-pull", "flux-system"), secret["metadata"]
auths = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))["auths"]
entry = auths[registry]
assert (entry["username"], entry["password"]) == ("AWS", password), "wrong credentials"
assert base64.b64decode(entry["auth"]).decode() == f"AWS:{password}", "wrong auth"
PY
        pass "the API received one server-side apply of the dockerconfigjson Secret, with the service account's token"
    else
        fail "the apply request: $(tail -1 "$work/out")"
    fi
    local locked_args=("${refresher_args[@]}") i
    for i in "${!locked_args[@]}"; do
        [ "${locked_args[$i]}" != flux-system ] || locked_args[i]=locked
    done
    if "${refresher[@]}" "${locked_args[@]}" >"$work/out" 2>&1; then
        fail "kube-secret --apply succeeded in a namespace the account may not write"
    elif [ "$(wc -l <"$work/out")" = 1 ] && grep -q "namespace locked.*HTTP 403.*lacks RBAC permission to patch secrets" "$work/out"; then
        pass "a namespace the account may not write: the API's refusal as one line"
    else
        fail "kube-secret --apply in a refused namespace: $(tail -3 "$work/out")"
    fi

    # --- kube-secret --apply --all-namespaces, as deploy/manifests/all-namespaces.yaml runs it ---
    local every_args=() every_env=()
    while IFS= read -r line; do every_args+=("$line"); done < <(manifest_field deploy/manifests/all-namespaces.yaml CronJob args)
    while IFS= read -r line; do every_env+=(-e "$line"); done < <(manifest_field deploy/manifests/all-namespaces.yaml CronJob env)
    local every=(docker run --rm --network host --read-only --cap-drop ALL
        --security-opt no-new-privileges "${aws[@]}" "${hosts[@]}" "${ca[@]}" "${every_env[@]}"
        -v "$sa:/var/run/secrets/kubernetes.io/serviceaccount:ro"
        -e KUBERNETES_SERVICE_HOST=127.0.0.1 -e "KUBERNETES_SERVICE_PORT=$kube_port" "$container_image")
    # One run held to what is expected: its output lines, its requests, and every default
    # service account after it. Arguments: the run's stdout, the Secret lines expected
    # (NAMESPACE:created|applied), "--", the service-account lines expected
    # (NAMESPACE:patched|unchanged).
    check_every_run() {
        "$venv/bin/python" - "$work/kube-requests.log" "${every_args[1]:-}" "$password" "$kube_port" \
            "$kube_token" "$work/ca.pem" "$@" <<'PY'
import base64, json, ssl, sys, urllib.request
log, registry, password, port, token, ca, output = sys.argv[1:8]
rest = sys.argv[8:]
split = rest.index("--")
secrets = dict(a.split(":") for a in rest[:split])
accounts = dict(a.split(":") for a in rest[split + 1:])
lines = sorted(open(output).read().splitlines())
want = sorted([f"secret/ecr-pull {v} in namespace {ns}" for ns, v in secrets.items()]
              + [f"serviceaccount/default {v} in namespace {ns}" for ns, v in accounts.items()])
assert lines == want, f"output {lines}, not {want}"
requests = [json.loads(line) for line in open(log)]
assert all(r["bearer_ok"] for r in requests), "a request without the service account's token"
assert any(r["method"] == "GET" and r["path"].split("?")[0] == "/api/v1/namespaces" for r in requests), \
    "the namespaces were not listed"
applied = {}
for r in requests:
    parts = r["path"].split("?")[0].split("/")
    if r["method"] == "PATCH" and parts[5:6] == ["secrets"]:
        assert parts[4] not in applied, f"two writes in {parts[4]}"
        applied[parts[4]] = json.loads(r["body"])
assert sorted(applied) == sorted(secrets), f"Secrets written in {sorted(applied)}, not {sorted(secrets)}"
for ns, secret in applied.items():
    assert (secret["metadata"]["name"], secret["metadata"]["namespace"], secret["type"]) == \
        ("ecr-pull", ns, "kubernetes.io/dockerconfigjson"), secret
    entry = json.loads(base64.b64decode(secret["data"][".dockerconfigjson"]))["auths"][registry]
    assert (entry["username"], entry["password"]) == ("AWS", password), "wrong credentials"
patched = sorted(r["path"].split("/")[4] for r in requests
                 if r["method"] == "PATCH" and "/serviceaccounts/" in r["path"])
assert patched == sorted(ns for ns, v in accounts.items() if v == "patched"), f"service accounts patched in {patched}"
context = ssl.create_default_context(cafile=ca)
for ns in accounts:
    request = urllib.request.Request(f"https://127.0.0.1:{port}/api/v1/namespaces/{ns}/serviceaccounts/default",
                                     headers={"Authorization": f"Bearer {token}"})
    pulls = json.load(urllib.request.urlopen(request, context=context)).get("imagePullSecrets")
    own = [{"name": "apps-mirror"}] if ns == "apps" else []
    assert pulls == own + [{"name": "ecr-pull"}], f"{ns}/default imagePullSecrets {pulls}"
PY
    }
    : >"$work/kube-requests.log"
    if "${every[@]}" "${every_args[@]}" >"$work/every.out" 2>"$work/every.err" && [ ! -s "$work/every.err" ] &&
        check_every_run "$work/every.out" flux-system:applied default:created apps:created argocd:created \
            -- flux-system:patched default:patched apps:patched argocd:patched >"$work/out" 2>&1; then
        pass "kube-secret --apply --all-namespaces in a container (${every_args[*]}): the Secret in every namespace but kube-* and the terminating one, each default service account given it once, its own entries kept"
    else
        fail "kube-secret --apply --all-namespaces: $(cat "$work/every.err" "$work/every.out" "$work/out" 2>/dev/null | tail -n 5)"
    fi
    # A namespace made since: the next run finds it; no other service account is patched again.
    "$venv/bin/python" -c 'import json, sys; c = json.load(open(sys.argv[1])); c["namespaces"]["late"] = {}; json.dump(c, open(sys.argv[1], "w"))' \
        "$work/cluster.json"
    : >"$work/kube-requests.log"
    if "${every[@]}" "${every_args[@]}" >"$work/every.out" 2>"$work/every.err" && [ ! -s "$work/every.err" ] &&
        check_every_run "$work/every.out" flux-system:applied default:applied apps:applied argocd:applied \
            late:created -- flux-system:unchanged default:unchanged apps:unchanged argocd:unchanged \
            late:patched >"$work/out" 2>&1; then
        pass "run again after a namespace is made: it gets the Secret and its service account is patched, the others' unchanged"
    else
        fail "kube-secret --apply --all-namespaces, the second run: $(cat "$work/every.err" "$work/every.out" "$work/out" 2>/dev/null | tail -n 5)"
    fi

    # --- kube-secret --apply --password-only, as the chart renders it for Argo CD ---------------
    local only_args=() only_env=()
    if "$root/target/e2e/helm/helm4" template ecr-login deploy/chart --namespace argocd \
        --values deploy/chart/ci/argocd-password-only-values.yaml >"$work/password-only.yaml" 2>"$work/out"; then
        while IFS= read -r line; do only_args+=("$line"); done < <(manifest_field "$work/password-only.yaml" CronJob args)
        while IFS= read -r line; do only_env+=(-e "$line"); done < <(manifest_field "$work/password-only.yaml" CronJob env)
    else
        fail "helm template of ci/argocd-password-only-values.yaml: $(tail -3 "$work/out")"
    fi
    : >"$work/kube-requests.log"
    if [ ${#only_args[@]} -gt 0 ] &&
        docker run --rm --network host --read-only --cap-drop ALL --security-opt no-new-privileges \
            "${aws[@]}" "${hosts[@]}" "${ca[@]}" "${only_env[@]}" \
            -v "$sa:/var/run/secrets/kubernetes.io/serviceaccount:ro" \
            -e KUBERNETES_SERVICE_HOST=127.0.0.1 -e "KUBERNETES_SERVICE_PORT=$kube_port" "$container_image" \
            "${only_args[@]}" >"$work/only.out" 2>&1 &&
        grep -qx "secret/ecr-oci-repository password applied in namespace argocd" "$work/only.out" &&
        "$venv/bin/python" - "$work/kube-requests.log" "$password" "$kube_port" "$kube_token" "$work/ca.pem" \
            "$work/cluster.json" >"$work/out" 2>&1 <<'PY'; then
import base64, json, ssl, sys, urllib.request
log, password, port, token, ca, cluster = sys.argv[1:7]
requests = [json.loads(line) for line in open(log)]
assert all(r["method"] in ("GET", "PATCH") for r in requests), "a Secret created, replaced or deleted"
[apply] = [r for r in requests if r["method"] == "PATCH"]
assert apply["content_type"] == "application/apply-patch+yaml", apply["content_type"]
assert "fieldManager=docker-credential-ecr-login" in apply["path"], apply["path"]
sent = json.loads(apply["body"])
assert set(sent["data"]) == {"password"}, f"the apply sent {sorted(sent['data'])}, not the password alone"
context = ssl.create_default_context(cafile=ca)
request = urllib.request.Request(f"https://127.0.0.1:{port}/api/v1/namespaces/argocd/secrets/ecr-oci-repository",
                                 headers={"Authorization": f"Bearer {token}"})
now = json.load(urllib.request.urlopen(request, context=context))
before = json.load(open(cluster))["secrets"]["argocd"]["ecr-oci-repository"]
assert base64.b64decode(now["data"]["password"]).decode() == password, "not the new password"
assert {k: v for k, v in now["data"].items() if k != "password"} == \
    {k: v for k, v in before["data"].items() if k != "password"}, "another field changed"
for field in ("labels", "annotations"):
    assert now["metadata"].get(field) == before["metadata"][field], f"its {field} changed"
assert now["type"] == before["type"], "its type changed"
PY
        pass "kube-secret --apply --password-only in a container (${only_args[*]}): the Argo CD Secret's password alone, every other field kept"
    else
        fail "kube-secret --apply --password-only: $(cat "$work/only.out" "$work/out" 2>/dev/null | tail -n 5)"
    fi

    # --- install-kubelet-plugin as the DaemonSet runs it ----------------------------------------
    local node=$work/node installer_args=() mounts=() mount host_dir=$work/node
    while IFS= read -r line; do installer_args+=("$line"); done < <(manifest_field deploy/manifests/kubelet-plugin.yaml DaemonSet args)
    while IFS= read -r mount; do
        host_dir=$node${mount%%:*}
        mkdir -p "$host_dir"
        mounts+=(-v "$host_dir:${mount#*:}")
        # Both of the DaemonSet's mounts name one hostPath; that is where the files go.
    done < <(manifest_field deploy/manifests/kubelet-plugin.yaml DaemonSet mounts)
    check "install-kubelet-plugin starts as the DaemonSet runs it (${installer_args[*]})" \
        docker run -d --name e2e-install-kubelet-plugin --network none --read-only --user 0:0 \
        --cap-drop ALL --security-opt no-new-privileges "${mounts[@]}" "$container_image" "${installer_args[@]}"
    # The generated manifests are for EKS nodes: the binary alone, the node's config names it.
    # With --config (other distributions) the config must name it too.
    local installed=$host_dir/ecr-credential-provider config=
    for i in "${!installer_args[@]}"; do
        [ "${installer_args[$i]}" != --config ] || config=$host_dir/$(basename "${installer_args[$((i + 1))]}")
    done
    for _ in $(seq 1 100); do
        [ -x "$installed" ] && { [ -z "$config" ] || [ -s "$config" ]; } && break
        sleep 0.1
    done
    if cmp -s "$installed" "$work/image-context/amd64/docker-credential-ecr-login" &&
        { [ -z "$config" ] || grep -q '"name": *"ecr-credential-provider"' "$config"; }; then
        pass "it wrote the image's binary as ecr-credential-provider${config:+ and a config naming it}"
    else
        fail "install-kubelet-plugin wrote: $(find "$host_dir" -mindepth 1 -printf '%f (%m) ' 2>&1) $(docker logs e2e-install-kubelet-plugin 2>&1 | tail -2)"
    fi
    if [ "$(docker inspect -f '{{.State.Running}}' e2e-install-kubelet-plugin 2>/dev/null)" = true ]; then
        pass "it keeps running (--wait), as the DaemonSet's container does"
    else
        fail "install-kubelet-plugin --wait exited: $(docker logs e2e-install-kubelet-plugin 2>&1 | tail -2)"
    fi
    check "it stops within the DaemonSet's grace period of one second" \
        timeout 15 docker stop -t 1 e2e-install-kubelet-plugin
    docker rm -f e2e-install-kubelet-plugin >/dev/null 2>&1 || true
    # The kubelet runs the installed copy on the node, with the node's environment.
    if printf '%s' "$request" | env -i PATH=/usr/bin:/bin HOME="$HOME" AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
        AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" AWS_EC2_METADATA_DISABLED=true \
        AWS_ENDPOINT_URL_ECR="https://localhost:$front_port" SSL_CERT_FILE="$work/ca.pem" \
        "$installed" >"$work/plugin.json" 2>"$work/plugin.err" && answers_with_password <"$work/plugin.json"; then
        pass "the installed copy, run as ecr-credential-provider on the node, is the plugin"
    else
        fail "the installed ecr-credential-provider: $(cat "$work/plugin.json" "$work/plugin.err" | tail -3)"
    fi
}
run_containers
echo "our image as containers: $(($(date +%s) - containers_started)) s"
