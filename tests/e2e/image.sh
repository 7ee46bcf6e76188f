#!/usr/bin/env bash
# The container image (deploy/Containerfile), built and checked without running a container
# (this sandbox cannot run one):
#   - build the release archive of x86_64-unknown-linux-musl with scripts/dist.sh, or take the
#     archives in $ECR_LOGIN_DISTRIB (the arm64 image is checked too when its archive is there);
#   - deploy/image-context.sh turns them into the build context; podman builds it offline
#     (vfs storage, a throwaway root, --network none: FROM scratch pulls nothing);
#   - the image's config: entrypoint, numeric non-root user, architecture;
#   - its filesystem, through `podman create` + `podman export` (creating a container does not
#     run it): exactly one file, the binary, identical to the archive's; and its one layer,
#     through `podman save --format oci-archive`;
#   - the exported binary runs: `version`, a kubelet-plugin request for a non-ECR image (the
#     plugin's refusal), `install-kubelet-plugin` as the DaemonSet runs it (the copy it makes,
#     run as ecr-credential-provider, is the plugin), and the commands the chart's containers
#     run exist (`--help`);
#   - with the aarch64 archive there too, the arm64 image the same way, its binary under
#     qemu-aarch64 when that is installed.
# Usage: tests/e2e/image.sh   (run by tests/e2e/run.sh; needs podman; dist.sh installs the rest)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
name=docker-credential-ecr-login

say() { printf '\n== image: %s\n' "$*"; }
passes=0
failures=0
fail() { printf 'FAIL: %s\n' "$*" >&2; failures=$((failures + 1)); }
pass() { printf 'ok: %s\n' "$*"; passes=$((passes + 1)); }

command -v podman >/dev/null || { echo "image: podman is needed (apt-get install podman)" >&2; exit 1; }
work=$(mktemp -d)
podman=(podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver vfs
    --cgroup-manager cgroupfs --events-backend file)
cleanup() {
    # vfs layers are plain directories; podman removes what it made, then the rest goes.
    "${podman[@]}" rm -a -f >/dev/null 2>&1 || true
    "${podman[@]}" rmi -a -f >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# --- the release archives -----------------------------------------------------------------------
target_dir=${CARGO_TARGET_DIR:-$root/target}
if [ -n "${ECR_LOGIN_DISTRIB:-}" ]; then
    dist=$ECR_LOGIN_DISTRIB
    say "archives from $dist"
else
    say "building the x86_64 musl archive with scripts/dist.sh"
    scripts/dist.sh x86_64-unknown-linux-musl
    dist=$target_dir/distrib
fi

say "build context"
deploy/image-context.sh "$dist" "$work/context"

# --- one architecture: build, inspect, export, run ------------------------------------------------
check_image() { # arch, runner (empty for native)
    local arch=$1 runner=$2 image=localhost/ecr-login:e2e-$1
    say "$arch image"
    if "${podman[@]}" build --quiet --network none --platform "linux/$arch" \
        -f deploy/Containerfile -t "$image" "$work/context" >"$work/build.log" 2>&1; then
        pass "$arch: podman build (offline, no RUN)"
    else
        fail "$arch: podman build: $(tail -3 "$work/build.log")"
        return
    fi
    local config
    config=$("${podman[@]}" image inspect "$image" \
        --format '{{.Architecture}}|{{.Config.User}}|{{json .Config.Entrypoint}}')
    if [ "$config" = "$arch|65532:65532|[\"/$name\"]" ]; then
        pass "$arch: entrypoint /$name, user 65532:65532"
    else
        fail "$arch: image config is $config"
    fi

    # The filesystem, without running anything: create a container, export it.
    "${podman[@]}" create --pull never --platform "linux/$arch" --name "export-$arch" "$image" >/dev/null
    "${podman[@]}" export -o "$work/fs-$arch.tar" "export-$arch"
    local files
    files=$(tar -tf "$work/fs-$arch.tar" | sort | tr '\n' ' ')
    if [ "$files" = "$name " ]; then
        pass "$arch: the filesystem is the binary alone"
    else
        fail "$arch: the filesystem holds: $files"
    fi
    mkdir -p "$work/fs-$arch"
    tar -xf "$work/fs-$arch.tar" -C "$work/fs-$arch"
    local binary=$work/fs-$arch/$name
    if cmp -s "$binary" "$work/context/$arch/$name" && [ "$(stat -c %a "$binary")" = 755 ]; then
        pass "$arch: the binary is the archive's, mode 0755"
    else
        fail "$arch: the exported binary differs from the archive's (or its mode: $(stat -c %a "$binary"))"
    fi

    # The image as stored: one layer (COPY), nothing podman adds beyond the OCI metadata.
    "${podman[@]}" save --quiet --format oci-archive -o "$work/oci-$arch.tar" "$image"
    mkdir -p "$work/oci-$arch"
    tar -xf "$work/oci-$arch.tar" -C "$work/oci-$arch"
    local layers
    layers=$(python3 - "$work/oci-$arch" <<'PY'
import json, sys
root = sys.argv[1]
index = json.load(open(f"{root}/index.json"))
digest = index["manifests"][0]["digest"].split(":")[1]
manifest = json.load(open(f"{root}/blobs/sha256/{digest}"))
print(len(manifest["layers"]))
PY
)
    if [ "$layers" = 1 ]; then pass "$arch: one layer"; else fail "$arch: $layers layers"; fi

    if [ -n "$runner" ] && ! command -v "$runner" >/dev/null; then
        echo "note: no $runner: the $arch binary is not run"
        return
    fi
    local run=("$binary")
    [ -z "$runner" ] || run=("$runner" "$binary")
    if "${run[@]}" version | grep -q "^$name "; then
        pass "$arch: version"
    else
        fail "$arch: version"
    fi
    local request='{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"docker.io/library/nginx:1"}'
    if echo "$request" | env -i HOME="$work" "${run[@]}" kubelet-plugin >"$work/out" 2>"$work/err"; then
        fail "$arch: kubelet-plugin answered for docker.io"
    elif [ ! -s "$work/out" ] && grep -q "docker.io is not an ECR registry" "$work/err"; then
        pass "$arch: kubelet-plugin refuses a non-ECR image on stderr"
    else
        fail "$arch: kubelet-plugin: $(cat "$work/out" "$work/err")"
    fi
    # What the DaemonSet does with it: install itself as ecr-credential-provider, which is
    # then the plugin.
    local node=$work/node-$arch
    local installed=("$node/bin/ecr-credential-provider")
    [ -z "$runner" ] || installed=("$runner" "$node/bin/ecr-credential-provider")
    if "${run[@]}" install-kubelet-plugin --bin-dir "$node/bin" --config "$node/config.json" >"$work/out" 2>&1 \
        && { echo "$request" | env -i HOME="$work" "${installed[@]}" >"$work/out" 2>&1 || true; } \
        && grep -q "docker.io is not an ECR registry" "$work/out"; then
        pass "$arch: install-kubelet-plugin, and the installed ecr-credential-provider is the plugin"
    else
        fail "$arch: install-kubelet-plugin from the image's binary: $(cat "$work/out")"
    fi
    local command
    for command in install-kubelet-plugin kube-secret kubelet-plugin; do
        if "${run[@]}" "$command" --help >/dev/null 2>&1; then
            pass "$arch: $command --help (the chart runs it)"
        else
            fail "$arch: the image's binary has no $command"
        fi
    done
}

check_image amd64 ""
if [ -d "$work/context/arm64" ]; then
    check_image arm64 qemu-aarch64
fi

printf '\nimage: %s passed, %s failed\n' "$passes" "$failures"
[ "$failures" = 0 ]
