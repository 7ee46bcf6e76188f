# shellcheck shell=bash
# Variables and functions come from run.sh, which sources this file.
# shellcheck disable=SC2154
# End-to-end section, sourced by tests/e2e/run.sh while moto and the ECR-aliased registry run:
# a Docker daemon of the suite's own, and the clients that pull and build through it.
#
#   - dockerd (Debian's docker.io, or the machine's own dockerd) with its data, exec root,
#     socket, pid file and config file under the suite's directory, no bridge and no iptables
#     rules; DOCKER_HOST points at it for the rest of the suite. It trusts the registry's CA as
#     a user would, in /etc/docker/certs.d/<registry>/ca.crt.
#   - tests/e2e/ecr_front.py in front of moto: HTTPS, tokens with a real 12-hour expiry (moto
#     dates its tokens 2015, so none would be cached), one access key refused as IAM refuses it,
#     and a line per GetAuthorizationToken that reached the API.
#   - through the `credHelpers` entry that `configure` wrote, with no login: `docker pull`,
#     `docker build` of a Dockerfile FROM the ECR-hosted image (BuildKit when the buildx plugin
#     is there, as on CI's runner, else the classic builder), `docker push` of the result,
#     compose's `pull` (v2 when the plugin is there, else Debian's docker-compose 1.29), and
#     `buildah bud` FROM the same image; all of them together make one GetAuthorizationToken
#     call, the helper's cache serving every other get;
#   - the classic builder (`DOCKER_BUILDKIT=0 docker build`) FROM the same image with
#     `"credsStore": "ecr-login"` as docker's only setting and an empty cache: it gets only the
#     registries the helper's `list` names, so `list` must name the registry before any token
#     is cached;
#   - a denied access key: `docker pull` prints the helper's one-line cause (the docker CLI
#     drops a credential helper's error and pulls anonymously, but shows its stderr).
# run.sh later checks `docker pull` with the ECR API stopped, then stops the daemon and checks
# that its containerd and every mount under the suite's directory are gone
# (docker_daemon_stop, also run by run.sh's cleanup on any exit).
#
# Uses run.sh's say/check/pass/fail, $work, $registry, $ecr_host, $image, $authfile, $moto_port,
# wait_for_port, free_port; sets $docker_up, $front_name and $front_port for containers.sh.

say "docker daemon"
docker_dir=$work/dockerd
docker_up=
dockerd_pid=
docker_certs=/etc/docker/certs.d/$registry
# Left as found: removed at the end only when the suite made them. dockerd before 23.0 writes
# its identity key to /etc/docker/key.json when there is none.
[ -d /etc/docker/certs.d ] && made_certs_d= || made_certs_d=1
[ -e /etc/docker/key.json ] && made_key_json= || made_key_json=1

# Every process whose command line names the daemon's directory: dockerd, the containerd it
# started and the containers' shims. Its own PID is left out (its argv holds the path too).
docker_processes() {
    python3 - "$docker_dir" <<'PY'
import os, sys
needle = sys.argv[1].encode()
for pid in filter(str.isdigit, os.listdir("/proc")):
    if int(pid) == os.getpid():
        continue
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if needle in f.read():
                print(pid)
    except OSError:
        pass
PY
}
process_alive() { # a zombie (exited, not yet reaped) is not alive
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${state#Z}" = "$state" ]
}
# Stops dockerd by its PID (it stops its containers and its containerd), then anything of the
# daemon's still running, and unmounts what is left under the suite's directory, so that the
# final `rm -rf` removes only plain files. dockerd leaves one mount by design, the host's
# network namespace bound at <exec-root>/netns/default once a container has run; that is
# unmounted here and named. Fails, naming them, when a process had to be killed or a mount
# cannot be undone.
docker_daemon_stop() {
    local leftovers=() pid mount
    rm -rf "$docker_certs"
    if [ -n "$dockerd_pid" ]; then
        kill "$dockerd_pid" 2>/dev/null || true
        for _ in $(seq 1 150); do
            process_alive "$dockerd_pid" || break
            sleep 0.1
        done
        if process_alive "$dockerd_pid"; then
            leftovers+=("dockerd did not stop within 15 s")
            kill -KILL "$dockerd_pid" 2>/dev/null || true
        fi
        wait "$dockerd_pid" 2>/dev/null || true
        dockerd_pid=
        [ -z "$made_key_json" ] || rm -f /etc/docker/key.json
    fi
    [ -z "$made_certs_d" ] || rmdir /etc/docker/certs.d 2>/dev/null || true
    for pid in $(docker_processes); do
        leftovers+=("process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)")
        kill -KILL "$pid" 2>/dev/null || true
    done
    while IFS= read -r mount; do
        if umount "$mount" 2>/dev/null; then
            echo "unmounted $mount"
        else
            leftovers+=("mount $mount (umount failed; detached)")
            umount -l "$mount" 2>/dev/null || true
        fi
    done < <(awk -v dir="$work/" 'index($2, dir) == 1 { print $2 }' /proc/self/mounts | sort -r)
    if [ ${#leftovers[@]} -gt 0 ]; then
        printf 'left behind by the docker daemon: %s\n' "${leftovers[@]}" >&2
        return 1
    fi
}
cleanup_hooks+=(docker_daemon_stop)

start_docker() {
    if [ "$(id -u)" != 0 ]; then
        fail "the docker daemon needs root (run the suite as root)"
        return
    fi
    if ! command -v dockerd >/dev/null; then
        fail "no dockerd (apt-get install docker.io)"
        return
    fi
    mkdir -p "$docker_dir"
    # Its own config file: not the machine's /etc/docker/daemon.json. Its own containerd
    # namespaces: a machine's own dockerd may share a system containerd with it (CI's runner).
    echo '{}' >"$docker_dir/daemon.json"
    dockerd --config-file "$docker_dir/daemon.json" --data-root "$docker_dir/data" \
        --exec-root "$docker_dir/exec" --host "unix://$docker_dir/docker.sock" \
        --pidfile "$docker_dir/docker.pid" --bridge=none --iptables=false --ip6tables=false \
        --ip-forward=false --ip-masq=false --containerd-namespace e2e-ecr-login \
        --containerd-plugins-namespace e2e-ecr-login-plugins >"$work/dockerd.log" 2>&1 &
    dockerd_pid=$!
    export DOCKER_HOST=unix://$docker_dir/docker.sock
    for _ in $(seq 1 300); do
        if ! process_alive "$dockerd_pid"; then
            fail "dockerd exited: $(tail -3 "$work/dockerd.log")"
            return
        fi
        docker version >/dev/null 2>&1 && break
        sleep 0.1
    done
    if ! docker version >/dev/null 2>&1; then
        fail "dockerd did not answer within 30 s: $(tail -3 "$work/dockerd.log")"
        return
    fi
    # The daemon's trust for this registry, as a user sets it. (The daemon would also reach a
    # loopback registry without it: it counts 127.0.0.0/8 as insecure, skipping verification.)
    mkdir -p "$docker_certs"
    cp "$work/ca.pem" "$docker_certs/ca.crt"
    docker_up=1
    pass "dockerd $(docker version --format '{{.Server.Version}}') answers the docker CLI $(docker version --format '{{.Client.Version}}') (API $(docker version --format '{{.Client.APIVersion}}'))"
}
daemon_started=$(date +%s)
start_docker

# --- the ECR API behind HTTPS, with real expiries and a count of its calls ----------------
# A certificate for the names the API is reached by: localhost from this machine, a name known
# only to a container's /etc/hosts (containers.sh) from inside one.
front_name=ecr.e2e.test
openssl req -newkey rsa:2048 -nodes -subj "/CN=$front_name" \
    -keyout "$work/front.key" -out "$work/front.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,DNS:%s,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    "$front_name" >"$work/front.ext"
openssl x509 -req -in "$work/front.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -days 2 -extfile "$work/front.ext" -out "$work/front.pem" 2>/dev/null
front_port=$(free_port)
front_calls=$work/front-calls.log
denied_key=AKIDE2EDENIEDDENIED0
: >"$front_calls"
python3 tests/e2e/ecr_front.py "$front_port" "$moto_port" "$work/front.pem" "$work/front.key" \
    "$denied_key" "$front_calls" >"$work/front.log" 2>&1 &
pids+=($!)
wait_for_port "$front_port"
echo "ECR API (moto behind HTTPS) on localhost:$front_port"
calls_for() { grep -c "^GetAuthorizationToken $1 " "$front_calls" || true; }

if [ -n "$docker_up" ]; then
    saved_endpoint=$AWS_ENDPOINT_URL_ECR
    export AWS_ENDPOINT_URL_ECR=https://localhost:$front_port

    if docker buildx version >/dev/null 2>&1; then
        builder=BuildKit
        docker_build=(docker build)
    else
        builder="the classic builder: no buildx plugin here"
        docker_build=(env DOCKER_BUILDKIT=0 docker build)
    fi
    if docker compose version >/dev/null 2>&1; then
        compose=(docker compose)
    else
        compose=(docker-compose)
    fi

    say "docker daemon: pull, build, push, compose, buildah through credHelpers"
    check "docker pull" docker pull "$image"
    check "the pulled image is in the daemon" docker image inspect "$image"

    built=$registry/e2e/built:1
    mkdir -p "$work/docker-build"
    printf 'FROM %s\nCOPY added.txt /added.txt\n' "$image" >"$work/docker-build/Dockerfile"
    echo "added by docker build" >"$work/docker-build/added.txt"
    docker rmi "$image" >/dev/null 2>&1 || true
    check "docker build FROM the ECR-hosted image ($builder)" \
        "${docker_build[@]}" --pull -t "$built" "$work/docker-build"
    check "docker push of the built image" docker push "$built"
    pushed_layers() {
        skopeo inspect --authfile "$authfile" --raw "docker://$built" |
            python3 -c 'import json,sys; sys.exit(0 if len(json.load(sys.stdin)["layers"]) == 2 else 1)'
    }
    check "the registry holds the built image: the base layer and the COPY" pushed_layers

    mkdir -p "$work/compose"
    printf 'services:\n  hello:\n    image: %s\n' "$image" >"$work/compose/compose.yaml"
    docker rmi "$image" >/dev/null 2>&1 || true
    check "${compose[*]} pull" "${compose[@]}" -f "$work/compose/compose.yaml" -p e2e pull
    check "the image ${compose[*]} pulled is in the daemon" docker image inspect "$image"

    mkdir -p "$work/buildah-build" "$work/buildah/xdg"
    printf 'FROM %s\nCOPY added.txt /added.txt\n' "$image" >"$work/buildah-build/Containerfile"
    echo "added by buildah" >"$work/buildah-build/added.txt"
    buildah_flags=(--root "$work/buildah/root" --runroot "$work/buildah/run" --storage-driver vfs)
    # No --authfile: buildah finds the entry in $DOCKER_CONFIG/config.json, after its own
    # auth.json (under XDG_RUNTIME_DIR, here an empty directory: not the machine's).
    check "buildah bud FROM the ECR-hosted image" env XDG_RUNTIME_DIR="$work/buildah/xdg" \
        buildah "${buildah_flags[@]}" bud -f "$work/buildah-build/Containerfile" \
        -t localhost/e2e/buildah:1 "$work/buildah-build"
    check "buildah holds the built image" buildah "${buildah_flags[@]}" inspect localhost/e2e/buildah:1

    calls=$(calls_for "$AWS_ACCESS_KEY_ID")
    if [ "$calls" = 1 ]; then
        pass "one GetAuthorizationToken for all of these together (the helper's cache)"
    else
        fail "the flows above made $calls GetAuthorizationToken calls, not 1"
    fi

    say "docker daemon: the classic builder through \"credsStore\": \"ecr-login\", cold cache"
    # The classic builder asks the store to `list` its registries and `get`s those alone, before
    # the build: with an empty cache, `list` must name the registry (here from the config
    # file's alias) or the FROM is pulled without credentials and refused.
    store_config=$work/docker-store
    mkdir -p "$store_config"
    echo '{"credsStore": "ecr-login"}' >"$store_config/config.json"
    before=$(calls_for "$AWS_ACCESS_KEY_ID")
    docker rmi "$image" >/dev/null 2>&1 || true
    check "DOCKER_BUILDKIT=0 docker build FROM the ECR-hosted image, credsStore only, cold cache" \
        env DOCKER_CONFIG="$store_config" AWS_ECR_CACHE_DIR="$work/cold-cache" DOCKER_BUILDKIT=0 \
        docker build --pull -t "$registry/e2e/classic:1" "$work/docker-build"
    if [ "$(calls_for "$AWS_ACCESS_KEY_ID")" = $((before + 1)) ]; then
        pass "that build's credentials came from one GetAuthorizationToken (the cache was cold)"
    else
        fail "the classic build made $(($(calls_for "$AWS_ACCESS_KEY_ID") - before)) GetAuthorizationToken calls, not 1"
    fi

    say "docker daemon: a denied access key"
    if AWS_ACCESS_KEY_ID=$denied_key docker pull "$image" >"$work/out" 2>&1; then
        fail "docker pull succeeded with a denied access key"
    elif grep -q "^ecr-login: AWS denied the token request for $ecr_host: .*(AccessDeniedException)" "$work/out"; then
        pass "docker pull shows the helper's one-line cause for a denied token"
    else
        fail "docker pull with a denied access key: no helper cause in: $(tail -3 "$work/out")"
    fi
    if [ "$(calls_for "$denied_key")" = 1 ]; then
        pass "the denied token request reached the ECR API once"
    else
        fail "the denied access key made $(calls_for "$denied_key") GetAuthorizationToken calls, not 1"
    fi
    export AWS_ENDPOINT_URL_ECR=$saved_endpoint
    echo "docker daemon flows: $(($(date +%s) - daemon_started)) s, the daemon's start included"
fi
