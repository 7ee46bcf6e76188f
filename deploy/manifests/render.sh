#!/usr/bin/env bash
# Renders the chart into the plain manifests beside this script, for kubectl users: each
# NAME.yaml is `helm template` of deploy/chart with NAME.values.yaml, under a header saying so.
# Change a manifest by changing its values file and running this again; tests/chart checks the
# committed files are what this renders.
#
# Usage: deploy/manifests/render.sh [OUTDIR]    (HELM: the helm binary, default helm)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
helm=${HELM:-helm}
mkdir -p "$out"

# name namespace what-to-set
render() {
    local name=$1 namespace=$2 set=$3
    {
        printf '# Generated from deploy/chart by deploy/manifests/render.sh with\n'
        printf '# deploy/manifests/%s.values.yaml (release ecr-login, namespace %s): to change\n' "$name" "$namespace"
        printf '# it, change that file and run the script again (helm 3 or 4).\n'
        printf '#\n# %s\n' "$set"
        printf '#   kubectl apply -f deploy/manifests/%s.yaml\n' "$name"
        "$helm" template ecr-login "$here/../chart" --namespace "$namespace" \
            --values "$here/$name.values.yaml"
    } >"$out/$name.yaml.partial"
    mv "$out/$name.yaml.partial" "$out/$name.yaml"
}

render kubelet-plugin kube-system \
    "Nothing to set for EKS nodes (other nodes: kubeletPlugin.distribution in the values file). Then:"
render flux flux-system \
    "Set first, here or in the values file: your registries in the args of the CronJob and the
#   Job, your IAM role in the ServiceAccount's eks.amazonaws.com/role-arn. Then:"
render fleet fleet-local \
    "Set first, here or in the values file: your registry in the args of the CronJob and the
#   Job, your IAM role in the ServiceAccount's eks.amazonaws.com/role-arn. Then:"
render argocd argocd \
    "Set first, here or in the values file: your registry in the args of the CronJob and the
#   Job, your IAM role in the ServiceAccount's eks.amazonaws.com/role-arn. Then:"
render all-namespaces kube-system \
    "Set first, here or in the values file: your registries in the args of the CronJob and the
#   Job, your IAM role in the ServiceAccount's eks.amazonaws.com/role-arn. Then:"
