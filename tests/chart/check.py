"""Checks the Helm chart (deploy/chart) and the manifests rendered from it (deploy/manifests)
against the binary they run, with helm 3 and helm 4.

Usage: check.py BINARY REPO_ROOT HELM3 HELM4

- the chart: its name, `version` and `appVersion` equal to Cargo.toml's version, and its image
  by default the one the release workflow pushes (ghcr.io/<owner>/<repository>) at appVersion;
- `helm lint --strict` with both helms for the defaults and each ci/*-values.yaml, no warning;
- values.schema.json: a valid draft-07 schema that values.yaml and every values file meet, and
  that (with the templates' own checks) refuses bad values with a message naming the value;
- every rendering (the defaults, each ci/ file, each deploy/manifests values file), the same
  from both helms, checked like the old raw manifests were:
  - kinds: ServiceAccount, DaemonSet, Role, RoleBinding, CronJob, Job only, and a
    ClusterRole and ClusterRoleBinding only when the cluster chooses the refresher's
    namespaces; no placeholder anywhere;
  - every container runs the chart's image with its entrypoint (no `command`, no shell, no
    kubectl); the first argument is one of the binary's commands and every flag is one its
    `--help` lists; an exec hook runs the image's binary the same way;
  - the DaemonSet: Linux nodes only, not Fargate or Auto Mode nodes, not nodes with the skip
    labels; every taint tolerated; root there only, with nothing more; `install-kubelet-plugin`
    run for real with its mounts mapped to a temporary node that holds the node's own plugin
    and config: what it writes is what the kubelet is told to read (the annotations, the
    hostPaths, the config's provider name, the binary's name), the node's files are kept, and
    its preStop hook (or the restore mode) puts them back;
  - the refresher: kube-secret's arguments exactly those the values ask for, and accepted by
    the binary (run with them, it gets past its usage checks to the cluster's config); its
    RBAC rules exactly those its mode needs: `get`/`patch` only on the Secret it writes,
    `create` alone where no name can apply and none with passwordOnly, service accounts by
    name (every one: `list` too), listing namespaces in the ClusterRole alone; a Role and a
    RoleBinding for its ServiceAccount in each namespace listed and no other, or a ClusterRole
    and its binding (and no Role) when the cluster chooses the namespaces; the CronJob Forbid;
    the restricted pod security standard; the AWS identity the values ask for; the first-run
    Job a post-install and post-upgrade hook running the CronJob's command with --exit-zero;
- hostile values (newlines, `---` documents, block scalars, flow syntax, `{{ }}`, null) at every
  value and the release's namespace: the schema refuses them wherever a name, path, ARN,
  schedule or image goes, and with the schema skipped each render is refused or holds nothing
  a benign one does not (no object, key or label more, no Role without its Secret's name);
- NOTES.txt names objects the rendering holds, in the one command that checks them;
- deploy/manifests/render.sh, run with each helm, gives the committed files byte for byte,
  and nothing else in deploy/ is a manifest.
Prints one line per check and exits 1 when any fails.
"""

import copy
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

import jsonschema
import yaml

binary, root, helm3, helm4 = sys.argv[1:5]
HELMS = {"helm 3": helm3, "helm 4": helm4}
CHART = os.path.join(root, "deploy", "chart")
MANIFESTS = os.path.join(root, "deploy", "manifests")
PROVIDER = "ecr-credential-provider"
ANNOTATION = "ecr-login.kubelet/image-credential-provider-"
# Each distribution's kubelet paths (docs/kubernetes.md lists them), and whether its nodes
# ship their own plugin and a config naming it.
DISTRIBUTIONS = {
    "eks": ("/etc/eks/image-credential-provider",
            "/etc/eks/image-credential-provider/config.json", True),
    "kops": ("/usr/local/bin", "/var/lib/kubelet/credential-provider.conf", True),
    "k3s": ("/var/lib/rancher/credentialprovider/bin",
            "/var/lib/rancher/credentialprovider/config.yaml", False),
    "custom": (None, None, False),
}
ALLOWED_KINDS = {"ServiceAccount", "DaemonSet", "Role", "RoleBinding", "CronJob", "Job",
                 "ClusterRole", "ClusterRoleBinding"}
CLUSTER_KINDS = {"ClusterRole", "ClusterRoleBinding"}
PLACEHOLDERS = re.compile(r"example\.invalid|replace-me|\bREPLACE\b|\bCHANGEME\b|\bTODO\b|\bFIXME\b")
# The generated manifests: their release's namespace and the kinds each must hold, in order.
GENERATED = {
    "kubelet-plugin": ("kube-system", ["ServiceAccount", "DaemonSet"]),
    "flux": ("flux-system", ["ServiceAccount", "Role", "RoleBinding", "CronJob", "Job"]),
    "fleet": ("fleet-local", ["ServiceAccount", "Role", "Role", "RoleBinding", "RoleBinding",
                              "CronJob", "Job"]),
    "argocd": ("argocd", ["ServiceAccount", "Role", "RoleBinding", "CronJob", "Job"]),
    "all-namespaces": ("kube-system", ["ServiceAccount", "ClusterRole", "ClusterRoleBinding",
                                       "CronJob", "Job"]),
}

failures = 0
passes = 0


def check(ok, what):
    global failures, passes
    print(("ok: " if ok else "FAIL: ") + what)
    if ok:
        passes += 1
    else:
        failures += 1
    return ok


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)


# --- the project's facts ----------------------------------------------------------------------
with open(os.path.join(root, "Cargo.toml"), "rb") as f:
    package = tomllib.load(f)["package"]
version = package["version"]
owner, repository = package["repository"].rstrip("/").split("/")[-2:]
released_image = f"ghcr.io/{owner.lower()}/{repository.lower()}"
with open(os.path.join(CHART, "Chart.yaml")) as f:
    chart = yaml.safe_load(f)
with open(os.path.join(CHART, "values.yaml")) as f:
    defaults = yaml.safe_load(f)
with open(os.path.join(CHART, "values.schema.json")) as f:
    schema = json.load(f)
with open(os.path.join(root, "deploy", "Containerfile")) as f:
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", f.read(), re.M).group(1))

check(chart["name"] == "docker-credential-ecr-login", f"Chart.yaml: name {chart['name']}")
check(chart["version"] == version and str(chart["appVersion"]) == version,
      f"Chart.yaml: version {chart['version']} and appVersion {chart['appVersion']} are "
      f"Cargo.toml's {version}")
check(defaults["image"]["repository"] == released_image and not defaults["image"]["tag"]
      and not defaults["image"]["digest"],
      f"values.yaml: the image is {released_image} at appVersion by default")
with open(os.path.join(root, ".github", "workflows", "release.yml")) as f:
    release = f.read()
check('name=ghcr.io/${GITHUB_REPOSITORY,,}' in release,
      "the release workflow pushes the image to ghcr.io/<owner>/<repository>")
check('name=ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/charts' in release
      and '"oci://$REPO"' in release,
      "the release workflow pushes the chart to oci://ghcr.io/<owner>/charts")
chart_ref = f"oci://ghcr.io/{owner.lower()}/charts/{chart['name']}"
with open(os.path.join(root, "docs", "kubernetes.md")) as f:
    check(chart_ref in f.read(), f"docs/kubernetes.md installs {chart_ref}")
check(len(entrypoint) == 1, f"the image's entrypoint is the binary alone ({entrypoint})")
BINARY_IN_IMAGE = entrypoint[0]

# --- the binary's commands and flags ----------------------------------------------------------
_help = {}


def flags_of(command):
    """The long flags `BINARY <command> --help` lists, or None if there is no such command."""
    if command not in _help:
        out = run([binary, command, "--help"])
        _help[command] = (set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", out.stdout))
                          if out.returncode == 0 else None)
    return _help[command]


def check_command_line(where, args):
    check(not any("kubectl" in a or a in ("sh", "/bin/sh", "bash", "-c") for a in args),
          f"{where}: no shell, no kubectl")
    if not args:
        return check(False, f"{where}: has arguments")
    flags = flags_of(args[0])
    if not check(flags is not None, f"{where}: `{args[0]}` is a command of the binary"):
        return False
    used = {a.split("=", 1)[0] for a in args[1:] if a.startswith("--")}
    unknown = sorted(used - flags - {"--help"})
    return check(not unknown, f"{where}: every flag is one `{args[0]} --help` lists {unknown or ''}")


def option(args, flag):
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == flag]


# --- helm ---------------------------------------------------------------------------------------
def values_file_args(values):
    return [a for v in values for a in ("--values", v)]


def template(helm, namespace, values=(), sets=(), release="ecr-login"):
    args = [helm, "template", release, CHART, "--namespace", namespace]
    args += values_file_args(values)
    args += [a for s in sets for a in ("--set", s)]
    return run(args)


def merged(*layers):
    """Helm's coalescing of values files: maps merge, anything else replaces."""
    out = copy.deepcopy(layers[0])
    for layer in layers[1:]:
        for k, v in (layer or {}).items():
            if isinstance(v, dict) and isinstance(out.get(k), dict):
                out[k] = merged(out[k], v)
            else:
                out[k] = copy.deepcopy(v)
    return out


def load(path):
    with open(path) as f:
        return yaml.safe_load(f) or {}


# --- lint ---------------------------------------------------------------------------------------
ci_files = sorted(os.path.join(CHART, "ci", n) for n in os.listdir(os.path.join(CHART, "ci"))
                  if n.endswith("-values.yaml"))
check({"flux-values.yaml", "fleet-values.yaml", "eks-values.yaml", "k3s-values.yaml",
       "argocd-values.yaml", "argocd-password-only-values.yaml", "all-namespaces-values.yaml",
       "namespace-selector-values.yaml"}
      <= {os.path.basename(p) for p in ci_files},
      f"ci/ has the Flux, Fleet, Argo CD, all-namespaces, selector, EKS and k3s values "
      f"({len(ci_files)} files)")
for label, helm in HELMS.items():
    for values in [None] + ci_files:
        out = run([helm, "lint", "--strict", CHART] + ([] if values is None else ["--values", values]))
        text = out.stdout + out.stderr
        name = "the defaults" if values is None else os.path.relpath(values, CHART)
        check(out.returncode == 0 and "[WARNING]" not in text and "[ERROR]" not in text,
              f"{label}: helm lint --strict, {name}" + ("" if out.returncode == 0 else f": {text.strip()}"))

# --- the schema ---------------------------------------------------------------------------------
validator_class = jsonschema.validators.validator_for(schema)
check(validator_class is jsonschema.Draft7Validator, "values.schema.json is a draft-07 schema")
try:
    validator_class.check_schema(schema)
    check(True, "values.schema.json is a valid schema")
except jsonschema.SchemaError as e:
    check(False, f"values.schema.json: {e.message}")
validator = validator_class(schema)
manifest_values = {name: os.path.join(MANIFESTS, f"{name}.values.yaml") for name in GENERATED}
for path in [os.path.join(CHART, "values.yaml")] + ci_files + list(manifest_values.values()):
    errors = [e.message for e in validator.iter_errors(merged(defaults, load(path)))]
    check(not errors, f"{os.path.relpath(path, root)} meets the schema {errors or ''}")

# Bad values, each refused by helm (the schema or the templates) with a line naming the value.
REFUSED = [
    (["kubeletPlugin.distribution=bottlerocket"], "distribution"),
    (["kubeletPlugin.binDir=relative/dir"], "binDir"),
    (["kubeletPlugin.distribution=custom"], "kubeletPlugin.binDir"),
    (["kubeletPlugin.distribution=custom", "kubeletPlugin.binDir=/opt/bin"], "kubeletPlugin.configPath"),
    (["kubeletPlugin.serviceAccountTokens=true"], "kubeletPlugin.writeConfig"),
    (["kubeletPlugin.mirrors={docker.io}"], "kubeletPlugin.writeConfig"),
    (["kubeletPlugin.answerMirrors=false"], "kubeletPlugin.writeConfig"),
    (["kubeletPlugin.distribution=k3s", "kubeletPlugin.mirrors={docker.io}",
      "kubeletPlugin.answerMirrors=false"], "kubeletPlugin.mirrors"),
    (["kubeletPlugin.tolerate=all"], "tolerate"),
    (["image.digest=sha256:1234"], "digest"),
    (["refresher.enabled=true"], "registries"),
    (["refresher.enabled=true", "refresher.registries={a.example}"], "refresher.aws.roleArn"),
    (["refresher.enabled=true", "refresher.registries={a.example,b.example}",
      "refresher.secret.type=basic-auth", "refresher.aws.identity=none"], "one registry"),
    (["refresher.enabled=true", "refresher.registries={a.example}",
      "refresher.aws.identity=secret"], "refresher.aws.credentialsSecret"),
    (["refresher.enabled=true", "refresher.registries={a.example}",
      "refresher.aws.identity=none", "refresher.secret.type=opaque"], "type"),
    (["refresher.enabled=true", "refresher.registries={a.example}",
      "refresher.aws.identity=none", "refresher.namespaces={Flux_System}"], "namespaces"),
]
# The refresher's settings that do not go together, each refused naming the value to change
# (the templates: a schema says this poorly), and settings the binary would refuse anyway.
REFRESHER = ["refresher.enabled=true", "refresher.registries={a.example}", "refresher.aws.identity=none"]
ARGO = REFRESHER + ["refresher.secret.type=argocd-repository"]
REFUSED += [(REFRESHER + sets, named) for sets, named in [
    (["refresher.allNamespaces=true", "refresher.namespaces={a}"], "refresher.namespaces"),
    (["refresher.namespaceSelector=team", "refresher.namespaces={a}"], "refresher.namespaces"),
    (["refresher.allNamespaces=true", "refresher.namespaceSelector=team"], "refresher.namespaceSelector"),
    (["refresher.excludeNamespaces={kube-*}"], "refresher.excludeNamespaces"),
    (["refresher.secret.passwordOnly=true"], "refresher.secret.passwordOnly"),
    (["refresher.argocd.url=a.example"], "refresher.argocd.url"),
    (["refresher.secret.type=basic-auth", "refresher.argocd.project=p"], "refresher.argocd.project"),
    (["refresher.argocd.type=oci"], "refresher.argocd.type"),
    (["refresher.secret.type=basic-auth", "refresher.serviceAccounts={default}"], "refresher.serviceAccounts"),
    (["refresher.serviceAccounts={*,default}"], "serviceAccounts"),
    (["refresher.allNamespaces=yes"], "allNamespaces"),
    (["refresher.namespaceSelector=a in b"], "namespaceSelector"),
    (["refresher.allNamespaces=true", "refresher.excludeNamespaces={*}"], "excludeNamespaces"),
    # The Secret's own: helm 4 names the key alone.
    (["refresher.secret.labels.app\\.kubernetes\\.io/managed-by=x"], "app.kubernetes.io/managed-by"),
    (["refresher.secret.annotations.ecr-login\\.expires-at=x"], "ecr-login.expires-at"),
]]
REFUSED += [(ARGO + sets, named) for sets, named in [
    (["refresher.registries={a.example,b.example}"], "one registry"),
    (["refresher.secret.type=argocd-repo-creds", "refresher.registries={a.example,b.example}"], "one registry"),
    (["refresher.argocd.url=b.example/charts"], "refresher.argocd.url"),
    (["refresher.argocd.url=https://a.example"], "url"),
    (["refresher.argocd.type=git"], "type"),
    (["refresher.argocd.project=Platform"], "project"),
    (["refresher.secret.type=argocd-repo-creds", "refresher.argocd.project=team-a"], "refresher.argocd.project"),
    (["refresher.argocd.type=oci"], "refresher.argocd.url"),
    (["refresher.argocd.type=oci", "refresher.argocd.url=oci://a.example"], "refresher.argocd.url"),
]]
# Refused by the schema and, with it skipped, by the templates: node paths root writes at, and
# mirrors the installer would refuse on every node.
PATHS_REFUSED = [
    (["kubeletPlugin.binDir=/opt/../etc"], "kubeletPlugin.binDir"),
    (["kubeletPlugin.binDir=/opt/./bin"], "kubeletPlugin.binDir"),
    (["kubeletPlugin.binDir=//"], "kubeletPlugin.binDir"),
    (["kubeletPlugin.distribution=custom", "kubeletPlugin.binDir=/opt/bin",
      "kubeletPlugin.configPath=/provider.json"], "kubeletPlugin.configPath"),
    (["kubeletPlugin.distribution=custom", "kubeletPlugin.binDir=/opt/bin",
      "kubeletPlugin.configPath=/etc/kubernetes/../provider.json"], "kubeletPlugin.configPath"),
    (["kubeletPlugin.distribution=k3s", "kubeletPlugin.cacheDir=/var/lib/../../etc"], "kubeletPlugin.cacheDir"),
] + [(["kubeletPlugin.distribution=k3s", f"kubeletPlugin.mirrors[0]={bad}"], "kubeletPlugin.mirrors")
     for bad in ["*.com", "k8s.*", "docker.io/library", "https://docker.io", "Docker.io",
                 "docker.io:65536", "-x.example", "a" * 64 + ".example", "a." * 126 + "io"]]
REFUSED += [(sets, named.split(".")[-1]) for sets, named in PATHS_REFUSED]
for sets, named in REFUSED:
    for label, helm in HELMS.items():
        out = template(helm, "default", sets=sets)
        check(out.returncode != 0 and named in out.stderr,
              f"{label}: --set {' '.join(sets)} is refused, naming {named}"
              + ("" if out.returncode != 0 else " (it rendered)"))

# The templates' own checks, the schema skipped: the paths above, and the type checks (a string
# is true to `if`, so a quoted "true" or "false" must not turn on what it names), each refused
# with its own line.
TEMPLATES_REFUSED = [([x for s_ in sets for x in ("--set", s_)], named) for sets, named in PATHS_REFUSED]
TEMPLATES_REFUSED += [([x for s_ in REFRESHER for x in ("--set", s_)] + flags, message) for flags, message in [
    (["--set-string", "refresher.allNamespaces=false"], "refresher.allNamespaces: true or false"),
    (["--set-string", "refresher.allNamespaces=true"], "refresher.allNamespaces: true or false"),
    (["--set-string", "refresher.secret.passwordOnly=false"], "refresher.secret.passwordOnly: true or false"),
    (["--set", "refresher.namespaceSelector=true"], "refresher.namespaceSelector: a label selector"),
]]
for flags, named in TEMPLATES_REFUSED:
    for label, helm in HELMS.items():
        out = run([helm, "template", "ecr-login", CHART, "--skip-schema-validation"] + flags)
        check(out.returncode != 0 and named in out.stderr,
              f"{label}: {' '.join(flags)} is refused by the templates too, naming {named!r}"
              + ("" if out.returncode != 0 else " (it rendered)"))

# --- renderings ---------------------------------------------------------------------------------
scenarios = [("defaults", "kube-system", [])]
scenarios += [(os.path.relpath(p, CHART), "ci-namespace", [p]) for p in ci_files]
scenarios += [(f"deploy/manifests/{n}.values.yaml", GENERATED[n][0], [p])
              for n, p in manifest_values.items()]


def render(name, namespace, values):
    outs = {}
    for label, helm in HELMS.items():
        out = template(helm, namespace, values)
        if not check(out.returncode == 0, f"{name}: {label} renders it" +
                     ("" if out.returncode == 0 else f": {out.stderr.strip()}")):
            return None, None
        outs[label] = out.stdout
    docs = {label: [d for d in yaml.safe_load_all(text) if d] for label, text in outs.items()}
    check(docs["helm 3"] == docs["helm 4"], f"{name}: helm 3 and helm 4 render the same objects")
    return outs["helm 3"], docs["helm 3"]


def pod_spec(doc):
    if doc["kind"] == "DaemonSet":
        return doc["spec"]["template"]["spec"]
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    if doc["kind"] == "Job":
        return doc["spec"]["template"]["spec"]
    return None


def expected_image(values):
    image = values["image"]
    tag = image["tag"] or str(chart["appVersion"])
    return f"{image['repository']}:{tag}" + (f"@{image['digest']}" if image["digest"] else "")


def cluster_wide(values):
    """Whether the cluster chooses the refresher's namespaces: then, and only then, its RBAC is
    cluster-wide."""
    r = values["refresher"]
    return r["enabled"] and (r.get("allNamespaces") is True or bool(r.get("namespaceSelector")))


def check_common(name, text, docs, namespace, values):
    kinds = [d["kind"] for d in docs]
    wide = cluster_wide(values)
    check(set(kinds) <= ALLOWED_KINDS and (wide or not set(kinds) & CLUSTER_KINDS),
          f"{name}: kinds {sorted(set(kinds))}, " + ("cluster-wide RBAC for the namespaces the cluster chooses"
                                                     if wide else "nothing cluster-wide"))
    check(all(bool(d["metadata"].get("namespace")) == (d["kind"] not in CLUSTER_KINDS) for d in docs),
          f"{name}: every object is namespaced but the ClusterRole and its binding")
    found = PLACEHOLDERS.search(text)
    check(found is None, f"{name}: no placeholder" + (f" ({found.group(0)!r})" if found else ""))
    check(all(d["metadata"]["labels"].get("app.kubernetes.io/name") == chart["name"]
              and d["metadata"]["labels"].get("app.kubernetes.io/version") == str(chart["appVersion"])
              for d in docs), f"{name}: every object carries the chart's labels")
    for d in docs:
        limit = 52 if d["kind"] == "CronJob" else 63
        check(len(d["metadata"]["name"]) <= limit,
              f"{name}: {d['kind']} {d['metadata']['name']} within {limit} characters")
        spec = pod_spec(d)
        if spec is None:
            continue
        for c in spec.get("initContainers", []) + spec["containers"]:
            where = f"{name}: {d['kind']} {c['name']}"
            check(c["image"] == expected_image(values),
                  f"{where} runs {expected_image(values)} ({c['image']})")
            check("command" not in c and c.get("args"), f"{where}: args only, on the image's entrypoint")
            check_command_line(where, c.get("args", []))
            for hook, spec_ in c.get("lifecycle", {}).items():
                command = spec_.get("exec", {}).get("command", [])
                check(command[:1] == [BINARY_IN_IMAGE],
                      f"{where}: its {hook} hook runs the image's binary {BINARY_IN_IMAGE}")
                check_command_line(f"{where} {hook}", command[1:])


# --- the DaemonSet ------------------------------------------------------------------------------
def check_daemonset(name, docs, values):
    [ds] = [d for d in docs if d["kind"] == "DaemonSet"]
    [sa] = [d for d in docs if d["kind"] == "ServiceAccount"
            and d["metadata"]["name"] == pod_spec(ds)["serviceAccountName"]]
    p = values["kubeletPlugin"]
    spec = pod_spec(ds)
    check(spec.get("automountServiceAccountToken") is False and sa.get("automountServiceAccountToken") is False,
          f"{name}: no API token mounted")
    check(spec.get("tolerations") == p["tolerations"], f"{name}: the tolerations of the values")
    if p["tolerations"] == defaults["kubeletPlugin"]["tolerations"]:
        check({"operator": "Exists"} in spec["tolerations"], f"{name}: tolerates every taint")
    check(spec.get("nodeSelector", {}).get("kubernetes.io/os") == "linux", f"{name}: Linux nodes only")
    terms = (spec.get("affinity", {}).get("nodeAffinity", {})
             .get("requiredDuringSchedulingIgnoredDuringExecution", {}).get("nodeSelectorTerms", []))
    expressions = terms[0]["matchExpressions"] if len(terms) == 1 else []
    check({"key": "eks.amazonaws.com/compute-type", "operator": "NotIn",
           "values": p["skipNodes"]["computeTypes"]} in expressions
          and {"fargate", "auto"} <= set(p["skipNodes"]["computeTypes"]),
          f"{name}: not on Fargate or EKS Auto Mode nodes")
    check(all({"key": k, "operator": "DoesNotExist"} in expressions
              for k in p["skipNodes"]["withLabels"])
          and "ecr-login.kubelet/skip" in p["skipNodes"]["withLabels"],
          f"{name}: not on nodes labelled {p['skipNodes']['withLabels']}")
    [container] = spec["containers"]
    ctx = container["securityContext"]
    check(ctx.get("runAsUser") == 0 and ctx.get("allowPrivilegeEscalation") is False
          and ctx.get("readOnlyRootFilesystem") is True and ctx.get("capabilities") == {"drop": ["ALL"]}
          and ctx.get("privileged") in (None, False)
          and ctx.get("seccompProfile") == {"type": "RuntimeDefault"},
          f"{name}: root without privilege escalation or capabilities (it writes the node's directories)")
    check(not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"),
          f"{name}: no host namespace")
    args = container["args"]
    restore_mode = "--restore" in args
    check(args[0] == "install-kubelet-plugin" and "--wait" in args,
          f"{name}: install-kubelet-plugin ... --wait")
    check(restore_mode == p["restore"], f"{name}: --restore exactly in restore mode")
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    host = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]}
    check(all("hostPath" in v for v in spec["volumes"]) and set(mounts.values()) == set(host),
          f"{name}: every volume is a mounted node directory")

    def on_node(container_path):
        for mount, volume in mounts.items():
            if container_path == mount or container_path.startswith(mount + "/"):
                return host[volume] + container_path[len(mount):]
        return None

    [bin_dir] = option(args, "--bin-dir")
    configs = option(args, "--config")
    annotations = ds["metadata"]["annotations"]
    preset_bin, preset_config, own_plugin = DISTRIBUTIONS[p["distribution"]]
    want_bin = p["binDir"] or preset_bin
    want_config = p["configPath"] or preset_config
    check(annotations[ANNOTATION + "bin-dir"] == want_bin
          and annotations.get(ANNOTATION + "config") == want_config,
          f"{name}: the {p['distribution']} paths {want_bin}, {want_config}")
    write_config = p["writeConfig"] if p["writeConfig"] is not None else not own_plugin
    check(bool(configs) == write_config,
          f"{name}: the config {'written' if write_config else 'left to the node'}")
    restore_on_stop = p["restoreOnStop"] if p["restoreOnStop"] is not None else own_plugin
    check(on_node(bin_dir) == annotations[ANNOTATION + "bin-dir"],
          f"{name}: --bin-dir {bin_dir} is the node's {on_node(bin_dir)}, the annotated bin dir")
    if configs:
        [config] = configs
        check(on_node(config) == annotations[ANNOTATION + "config"],
              f"{name}: --config {config} is the node's {on_node(config)}, the annotated config")
        check(posixpath.dirname(config) in mounts, f"{name}: the config's directory is mounted (a rename needs it)")
    if p["serviceAccountTokens"]:
        check("--service-account-tokens" in args, f"{name}: --service-account-tokens")
    check(option(args, "--role-arn") == ([p["roleArn"]] if p.get("roleArn") else []),
          f"{name}: --role-arn {'of the values' if p.get('roleArn') else 'not given'}")
    check(option(args, "--mirror") == p["mirrors"], f"{name}: --mirror for each of {p['mirrors']}, in order")
    check(("--no-mirrors" in args) == (p["answerMirrors"] is False),
          f"{name}: --no-mirrors {'given' if p['answerMirrors'] is False else 'not given'}")
    hook = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command")
    check(bool(hook) == (restore_on_stop and not restore_mode),
          f"{name}: a preStop hook {'' if restore_on_stop and not restore_mode else 'not '}asked for")
    if hook:
        undo = ["install-kubelet-plugin", "--bin-dir", bin_dir]
        undo += ["--config", configs[0]] if configs else []
        check(hook[1:] == undo + ["--restore"] and not restore_mode,
              f"{name}: the preStop hook restores the files the container installs")
        check(spec["terminationGracePeriodSeconds"] >= 5, f"{name}: time for the preStop hook")
    return args, hook, mounts


def node_run(name, args, hook, mounts, p):
    """install-kubelet-plugin for real on a made-up node holding its own plugin and config,
    every mount a temporary directory; then the preStop hook, or the restore mode."""
    with tempfile.TemporaryDirectory() as tmp:
        def local(path):
            for mount in mounts:
                if path == mount or path.startswith(mount + "/"):
                    return os.path.join(tmp, mounts[mount]) + path[len(mount):]
            return path

        [bin_dir] = option(args, "--bin-dir")
        configs = option(args, "--config")
        for m in mounts.values():
            os.makedirs(os.path.join(tmp, m), exist_ok=True)
        plugin = os.path.join(local(bin_dir), PROVIDER)
        own_config = '{"the node\'s": "own config"}\n'
        with open(plugin, "w") as f:
            f.write("the node's own plugin\n")
        os.chmod(plugin, 0o755)
        if configs:
            with open(local(configs[0]), "w") as f:
                f.write(own_config)
        install = [local(a) if a.startswith("/") else a for a in args if a not in ("--wait", "--restore")]
        out = run([binary] + install)
        if not check(out.returncode == 0, f"{name}: `install-kubelet-plugin ...` runs: {out.stderr.strip()}"):
            return
        with open(plugin, "rb") as f, open(binary, "rb") as g:
            check(f.read() == g.read(), f"{name}: it installs {bin_dir}/{PROVIDER}, itself")
        with open(plugin + ".orig") as f:
            check(f.read() == "the node's own plugin\n", f"{name}: the node's plugin is kept as {PROVIDER}.orig")
        if configs:
            with open(local(configs[0])) as f:
                written = json.load(f)
            names = [p_["name"] for p_ in written["providers"]]
            check(written["kind"] == "CredentialProviderConfig" and names == [PROVIDER],
                  f"{name}: the config it writes names the binary it installs ({names})")
            check(all("args" not in p_ for p_ in written["providers"]),
                  f"{name}: the config passes no args (the name selects the plugin)")
            env = {e["name"]: e["value"] for e in written["providers"][0].get("env", [])}
            check(env.get("AWS_ECR_CACHE_DIR") == p["cacheDir"], f"{name}: the cache directory {p['cacheDir']}")
            tokens = p["serviceAccountTokens"] or bool(p.get("roleArn"))
            check(("tokenAttributes" in written["providers"][0]) == tokens,
                  f"{name}: service-account tokens {'asked for' if tokens else 'not asked for'}")
            check(env.get("AWS_ECR_ROLE_ARN") == (p.get("roleArn") or None),
                  f"{name}: AWS_ECR_ROLE_ARN {p.get('roleArn') or 'not set'}")
            match_images = written["providers"][0]["matchImages"]
            check("*.dkr.ecr.*.amazonaws.com" in match_images
                  and match_images[len(match_images) - len(p["mirrors"]):] == p["mirrors"],
                  f"{name}: matchImages ends with the mirrors {p['mirrors']}")
            check(env.get("AWS_ECR_KUBELET_MIRRORS") == ("false" if p["answerMirrors"] is False else None),
                  f"{name}: AWS_ECR_KUBELET_MIRRORS {'false' if p['answerMirrors'] is False else 'not set'}")
        undo = ([local(a) if a.startswith("/") else a for a in hook[1:]] if hook
                else [local(a) if a.startswith("/") else a for a in args if a != "--wait"]
                if "--restore" in args else None)
        if undo is None:
            return
        out = run([binary] + undo)
        check(out.returncode == 0, f"{name}: the {'preStop hook' if hook else 'restore mode'} runs: "
              f"{out.stderr.strip()}")
        with open(plugin) as f:
            check(f.read() == "the node's own plugin\n",
                  f"{name}: the {'preStop hook' if hook else 'restore mode'} puts the node's plugin back")
        if configs:
            with open(local(configs[0])) as f:
                check(f.read() == own_config, f"{name}: and the node's config")
        check(os.listdir(local(bin_dir)) == [PROVIDER], f"{name}: nothing else left in the bin dir")


# --- the refresher ------------------------------------------------------------------------------
def check_pod_restricted(where, spec):
    pod = spec.get("securityContext", {})
    [c] = spec["containers"]
    ctx = c.get("securityContext", {})
    check(pod.get("runAsNonRoot") is True and pod.get("seccompProfile") == {"type": "RuntimeDefault"}
          and pod.get("runAsUser", 1) != 0 and ctx.get("runAsUser", 1) != 0
          and ctx.get("allowPrivilegeEscalation") is False and ctx.get("readOnlyRootFilesystem") is True
          and ctx.get("capabilities") == {"drop": ["ALL"]} and not ctx.get("privileged")
          and not spec.get("volumes") and not spec.get("hostNetwork"),
          f"{where}: the restricted pod security standard (non-root, no escalation, no "
          "capability, RuntimeDefault seccomp, read-only, no volume)")


def expected_args(r, namespace):
    """kube-secret's arguments for the refresher's values, as the interface reads: one flag
    and one value per item, in the order --help lists them."""
    secret = r["secret"]
    args = ["kube-secret", *r["registries"], "--name", secret["name"], "--type", secret["type"]]
    if r["allNamespaces"] is True:
        args += ["--all-namespaces"]
    elif r["namespaceSelector"]:
        args += ["--namespace-selector", r["namespaceSelector"]]
    else:
        for ns in r["namespaces"] or [namespace]:
            args += ["--namespace", ns]
    for flag, items in (("--exclude-namespace", r["excludeNamespaces"]),
                        ("--service-account", r["serviceAccounts"])):
        for item in items:
            args += [flag, item]
    for flag, pairs in (("--label", secret["labels"]), ("--annotation", secret["annotations"])):
        for k in sorted(pairs):
            args += [flag, f"{k}={pairs[k]}"]
    if secret["type"].startswith("argocd-"):
        argocd = r["argocd"]
        args += ["--argocd-url", argocd["url"]] if argocd["url"] else []
        args += ["--argocd-type", argocd["type"]]
        args += ["--argocd-project", argocd["project"]] if argocd["project"] else []
    if secret["passwordOnly"]:
        args += ["--password-only"]
    return args + ["--apply"]


def check_accepted(where, args):
    """The binary takes these arguments: run with them, where no cluster is configured, it
    gets past its usage checks (exit 2, before any call) and stops at the cluster's config."""
    with tempfile.TemporaryDirectory() as home:
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "KUBECONFIG": os.path.join(home, "none"),
               "AWS_ACCESS_KEY_ID": "AKIDCHARTCHECK", "AWS_SECRET_ACCESS_KEY": "chart-check",
               "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_ECR": "http://127.0.0.1:9",
               "AWS_CONFIG_FILE": os.path.join(home, "none"),
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "none")}
        try:
            out = run([binary] + args, env=env, timeout=60)
        except subprocess.TimeoutExpired:
            return check(False, f"{where}: the binary, run with these arguments, did not return")
    cause = out.stderr.strip().splitlines()
    return check(out.returncode != 2 and len(cause) == 1 and "kubeconfig" in cause[0],
                 f"{where}: the binary takes these arguments (it stops at the cluster's config)"
                 + ("" if out.returncode != 2 else f": exit {out.returncode}: {out.stderr.strip()[:300]}"))


RULE_SECRET = {"apiGroups": [""], "resources": ["secrets"]}
RULE_SA = {"apiGroups": [""], "resources": ["serviceaccounts"]}


def expected_rules(r, wide):
    """The RBAC rules the refresher's run needs, and nothing more."""
    rules = [{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list"]}] if wide else []
    rules.append({**RULE_SECRET, "resourceNames": [r["secret"]["name"]], "verbs": ["get", "patch"]})
    if not r["secret"]["passwordOnly"]:
        rules.append({**RULE_SECRET, "verbs": ["create"]})
    if r["serviceAccounts"] == ["*"]:
        rules.append({**RULE_SA, "verbs": ["list", "get", "patch"]})
    elif r["serviceAccounts"]:
        rules.append({**RULE_SA, "resourceNames": r["serviceAccounts"], "verbs": ["get", "patch"]})
    return rules


def check_rbac(name, docs, namespace, values, account, namespaces):
    r = values["refresher"]
    wide = cluster_wide(values)
    secret = r["secret"]["name"]
    subject = {"kind": "ServiceAccount", "name": account, "namespace": namespace}
    roles = {d["metadata"]["namespace"]: d for d in docs if d["kind"] == "Role"}
    bindings = {d["metadata"]["namespace"]: d for d in docs if d["kind"] == "RoleBinding"}
    cluster_roles = [d for d in docs if d["kind"] == "ClusterRole"]
    cluster_bindings = [d for d in docs if d["kind"] == "ClusterRoleBinding"]
    want = expected_rules(r, wide)
    if wide:
        check(not roles and not bindings and len(cluster_roles) == len(cluster_bindings) == 1,
              f"{name}: one ClusterRole and its binding, no Role (the cluster chooses the namespaces)")
    else:
        check(set(roles) == set(namespaces) == set(bindings) and not cluster_roles and not cluster_bindings,
              f"{name}: a Role and a RoleBinding in each namespace written ({sorted(namespaces)}), "
              "no more, and no ClusterRole")
    granted = [(f"{ns} Role", role, bindings.get(ns), "Role") for ns, role in roles.items()]
    granted += [(f"ClusterRole {role['metadata']['name']}", role, next(iter(cluster_bindings), None),
                 "ClusterRole") for role in cluster_roles]
    for where, role, binding, kind in granted:
        rules = role["rules"]
        check(rules == want, f"{name}: {where} rules are exactly {want}"
              + ("" if rules == want else f" (rendered: {rules})"))
        # What the rules mean, said once more without the expected list: no other resource,
        # nothing but `create` (or listing, where it names nothing) on every object.
        check(all(rule["apiGroups"] == [""] for rule in rules)
              and {x for rule in rules for x in rule["resources"]}
              <= {"secrets", "serviceaccounts"} | ({"namespaces"} if kind == "ClusterRole" else set()),
              f"{name}: {where} covers secrets" + (", service accounts" if r["serviceAccounts"] else "")
              + (" and listing namespaces" if kind == "ClusterRole" else " only"))
        check(all(rule.get("resourceNames") == [secret] for rule in rules
                  if rule["resources"] == ["secrets"] and set(rule["verbs"]) & {"get", "patch"}),
              f"{name}: {where} get/patch only on Secret {secret}")
        check(all(rule["verbs"] == ["create"] and not r["secret"]["passwordOnly"]
                  for rule in rules if rule["resources"] == ["secrets"] and "resourceNames" not in rule),
              f"{name}: {where} create is the only verb on Secrets not narrowed to the name"
              + (", and with passwordOnly there is none" if r["secret"]["passwordOnly"] else ""))
        check(all(r["serviceAccounts"] == ["*"] or rule.get("resourceNames") == r["serviceAccounts"]
                  for rule in rules if rule["resources"] == ["serviceaccounts"]),
              f"{name}: {where} service accounts only by name"
              + (" (every one asked for)" if r["serviceAccounts"] == ["*"] else ""))
        check(binding is not None and binding["subjects"] == [subject]
              and binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io",
                                         "kind": kind, "name": role["metadata"]["name"]},
              f"{name}: {where}'s binding binds it to the job's ServiceAccount only")


def check_refresher(name, docs, namespace, values):
    r = values["refresher"]
    [cron] = [d for d in docs if d["kind"] == "CronJob"]
    spec = pod_spec(cron)
    [sa] = [d for d in docs if d["kind"] == "ServiceAccount"
            and d["metadata"]["name"] == spec["serviceAccountName"]]
    check(cron["spec"]["concurrencyPolicy"] == "Forbid", f"{name}: concurrencyPolicy Forbid")
    check(cron["spec"]["schedule"] == r["schedule"], f"{name}: the schedule {r['schedule']}")
    check(cron["metadata"]["namespace"] == sa["metadata"]["namespace"] == namespace,
          f"{name}: the job runs as its ServiceAccount, in the release's namespace")
    check_pod_restricted(f"{name}: CronJob", spec)
    [container] = spec["containers"]
    args = container["args"]
    check(args[0] == "kube-secret" and "--apply" in args and "--exit-zero" not in args,
          f"{name}: kube-secret ... --apply, failing when it fails")
    want = expected_args(r, namespace)
    check(args == want, f"{name}: kube-secret's arguments are the values' {want}"
          + ("" if args == want else f" (rendered: {args})"))
    check_accepted(f"{name}: CronJob", args)
    secret = r["secret"]["name"]
    namespaces = option(args, "--namespace")
    check(namespaces == ([] if cluster_wide(values) else r["namespaces"] or [namespace]),
          f"{name}: the Secret goes to " + ("the namespaces the cluster lists at each run" if cluster_wide(values)
                                            else f"{r['namespaces'] or [namespace]}"))
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    check(env.get("AWS_ECR_DISABLE_CACHE") == "1", f"{name}: a fresh token every run")
    annotations = sa["metadata"].get("annotations") or {}
    identity = r["aws"]["identity"]
    check((annotations.get("eks.amazonaws.com/role-arn") == r["aws"]["roleArn"]) if identity == "irsa"
          else "eks.amazonaws.com/role-arn" not in annotations,
          f"{name}: the IRSA annotation {'is the role' if identity == 'irsa' else 'is absent'} ({identity})")
    check((container.get("envFrom") == [{"secretRef": {"name": r["aws"]["credentialsSecret"]}}])
          if identity == "secret" else "envFrom" not in container,
          f"{name}: AWS variables from a Secret {'as asked' if identity == 'secret' else 'not asked for'}")
    check_rbac(name, docs, namespace, values, sa["metadata"]["name"], namespaces)

    jobs = [d for d in docs if d["kind"] == "Job"]
    check(len(jobs) == (1 if r["firstRun"] else 0), f"{name}: a first-run Job {'' if r['firstRun'] else 'not '}asked for")
    for job in jobs:
        hooks = set(job["metadata"].get("annotations", {}).get("helm.sh/hook", "").split(","))
        check(hooks == {"post-install", "post-upgrade"}, f"{name}: the first run is a post-install, post-upgrade hook")
        job_spec = pod_spec(job)
        check_pod_restricted(f"{name}: first-run Job", job_spec)
        check(job_spec["containers"][0]["args"] == args + ["--exit-zero"],
              f"{name}: the first run is the CronJob's command with --exit-zero")
        check_accepted(f"{name}: first-run Job", job_spec["containers"][0]["args"])
        same = copy.deepcopy(job_spec)
        same["containers"][0]["args"] = args
        check(same == spec, f"{name}: and otherwise the CronJob's pod")
        check(job["spec"].get("backoffLimit") == 0 and job["spec"].get("ttlSecondsAfterFinished"),
              f"{name}: one attempt, its log kept for a while")


# --- NOTES.txt ----------------------------------------------------------------------------------
def check_notes(name, namespace, values_files, docs):
    out = run([helm4, "install", "--dry-run=client", "ecr-login", CHART, "--namespace", namespace]
              + values_file_args(values_files))
    if not check(out.returncode == 0 and "NOTES:" in out.stdout, f"{name}: NOTES.txt renders"):
        return
    notes = out.stdout.split("NOTES:", 1)[1]
    commands = re.findall(r"^  (kubectl .*)$", notes, re.M)
    wanted = []
    for d in docs:
        ns = d["metadata"].get("namespace")
        if d["kind"] == "DaemonSet":
            wanted.append(f"kubectl -n {ns} rollout status daemonset/{d['metadata']['name']}")
        if d["kind"] == "Job":
            wanted.append(f"kubectl -n {ns} logs job/{d['metadata']['name']}")
    if not any(d["kind"] == "Job" for d in docs):
        for d in docs:
            if d["kind"] == "CronJob":
                args = pod_spec(d)["containers"][0]["args"]
                [secret] = option(args, "--name")
                wanted.append(f"kubectl -n {option(args, '--namespace')[0]} get secret {secret}"
                              if option(args, "--namespace") else
                              f"kubectl get secrets --all-namespaces --field-selector metadata.name={secret}")
    check(commands == wanted, f"{name}: NOTES.txt checks with {wanted} ({commands})")


for name, namespace, values_files in scenarios:
    text, docs = render(name, namespace, values_files)
    if docs is None:
        continue
    values = merged(defaults, *[load(v) for v in values_files])
    check_common(name, text, docs, namespace, values)
    if values["kubeletPlugin"]["enabled"]:
        args, hook, mounts = check_daemonset(name, docs, values)
        node_run(name, args, hook, mounts, values["kubeletPlugin"])
    else:
        check(not any(d["kind"] == "DaemonSet" for d in docs), f"{name}: no DaemonSet when disabled")
    if values["refresher"]["enabled"]:
        check_refresher(name, docs, namespace, values)
    else:
        check(not any(d["kind"] in ("CronJob", "Job", "Role", "RoleBinding") for d in docs),
              f"{name}: no refresher when disabled")
    check_notes(name, namespace, values_files, docs)

# --- hostile values -----------------------------------------------------------------------------
# Values may come from someone with fewer rights than whoever installs (a tenant's GitOps
# repository, a controller with cluster-admin): no value may add an object, a key (hostPID
# beside priorityClassName), a label, or widen what the chart grants. Every string a value can
# hold is tried at every place a value reaches, in values files as a user would write them
# (block scalars, flow syntax). Helm's schema check is skipped for the rendering checks: the
# templates alone must hold (a controller can skip it: Flux's disableSchemaValidation), and a
# render the schema would let through is then the same render. The schema is checked on its own:
# names, paths, ARNs, schedules and image references refuse anything beyond their syntax.
ARN = "arn:aws:iam::123456789012:role/pull"
AFFINITY_TERM = {"key": "k", "operator": "In", "values": ["v"]}
HOSTILE_BASE = {
    "image": {"repository": "registry.example:5000/mirror/ecr-login", "tag": "1.0",
              "digest": "sha256:" + "0" * 64, "pullPolicy": "Always"},
    "imagePullSecrets": ["pull"],
    "fullnameOverride": "fo",
    "commonLabels": {"team": "a"},
    "kubeletPlugin": {
        "enabled": True, "distribution": "custom", "binDir": "/opt/bin",
        "configPath": "/etc/kubelet/provider.json", "writeConfig": True, "cacheDir": "/var/cache/ecr",
        "serviceAccountTokens": True, "roleArn": ARN, "mirrors": ["docker.io", "*.cache.example:5000"],
        "answerMirrors": True, "restoreOnStop": True, "restore": False,
        "nodeSelector": {"pool": "a"},
        "skipNodes": {"computeTypes": ["fargate"], "withLabels": ["skip"]},
        "nodeAffinityExpressions": [dict(AFFINITY_TERM)],
        "tolerations": [{"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule",
                         "tolerationSeconds": 5}],
        "priorityClassName": "pc", "maxUnavailable": "25%",
        "resources": {"requests": {"cpu": "1m"}, "limits": {"memory": "64Mi"}, "claims": [{"name": "c"}]},
        "podAnnotations": {"a": "b"}, "podLabels": {"l": "v"},
    },
    "refresher": {
        "enabled": True, "registries": ["r.example"], "namespaces": ["ns-a"],
        "allNamespaces": False, "namespaceSelector": "", "excludeNamespaces": [],
        "serviceAccounts": ["builder"],
        "secret": {"name": "pull-secret", "type": "dockerconfigjson", "passwordOnly": False,
                   "labels": {"l": "v"}, "annotations": {"a": "b"}},
        "argocd": {"url": "", "type": "helm", "project": ""},
        "schedule": "17 */6 * * *", "firstRun": True,
        "aws": {"identity": "irsa", "roleArn": ARN, "credentialsSecret": ""},
        "env": [{"name": "E", "value": "v"}], "serviceAccount": {"annotations": {"a": "b"}},
        "backoffLimit": 3, "activeDeadlineSeconds": 600, "successfulJobsHistoryLimit": 1,
        "failedJobsHistoryLimit": 3, "nodeSelector": {"pool": "a"},
        "tolerations": [{"key": "k", "operator": "Exists"}],
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [dict(AFFINITY_TERM)]}]}}},
        "priorityClassName": "pc",
        "resources": {"requests": {"cpu": "1m"}, "limits": {"memory": "64Mi"}, "claims": [{"name": "c"}]},
        "podAnnotations": {"a": "b"}, "podLabels": {"l": "v"},
    },
}
# Maps whose keys are the user's: each key is tried too.
# (Not resources': a renamed key brings the default's back, Helm merging maps.)
KEYED = {("commonLabels",), ("kubeletPlugin", "nodeSelector"), ("kubeletPlugin", "podAnnotations"),
         ("kubeletPlugin", "podLabels"), ("refresher", "nodeSelector"), ("refresher", "podAnnotations"),
         ("refresher", "podLabels"), ("refresher", "serviceAccount", "annotations"),
         ("refresher", "secret", "labels"), ("refresher", "secret", "annotations")}
# Values the schema lets hold any text (each written by toYaml, or as one argument, as a string).
FREE_TEXT = {("kubeletPlugin", "podAnnotations", "a"), ("refresher", "podAnnotations", "a"),
             ("refresher", "serviceAccount", "annotations", "a"), ("refresher", "env", 0, "value"),
             ("refresher", "secret", "annotations", "a"), ("--namespace",)}
# Strings a place takes as a value of its own: "*" is every service account, and a glob names
# namespaces.
LEGIT = {("refresher", "serviceAccounts", 0): {"*"}, ("refresher", "excludeNamespaces", 0): {"*a"}}
KEY = "<key>"


def leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, path + (k,))
        if path in KEYED:
            yield path + (KEY,)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaves(v, path + (i,))
    else:
        yield path


FREE_TEXT |= {p for p in leaves(HOSTILE_BASE) if p[:2] == ("refresher", "affinity")}

# (path, context): where a value is read only in some setting, that setting.
SECRET_IDENTITY = {("refresher", "aws", "identity"): "secret",
                   ("refresher", "aws", "credentialsSecret"): "aws-keys"}
IDENTITY = ("refresher", "aws", "identity")
# The refresher's modes: an Argo CD type (with passwordOnly), every namespace (every service
# account), a selector. Each switch and what it alone reads is tried in its mode only: in the
# others the templates refuse it whatever it holds.
ARGO_MODE = {("refresher", "secret", "type"): "argocd-repository", ("refresher", "serviceAccounts"): (),
             ("refresher", "secret", "passwordOnly"): True,
             ("refresher", "argocd", "url"): "r.example/charts", ("refresher", "argocd", "project"): "p"}
CLUSTER_MODE = {("refresher", "namespaces"): (), ("refresher", "allNamespaces"): True,
                ("refresher", "excludeNamespaces"): ("kube-*",), ("refresher", "serviceAccounts"): ("*",)}
SELECTOR_MODE = {("refresher", "namespaces"): (), ("refresher", "namespaceSelector"): "team=a",
                 ("refresher", "excludeNamespaces"): ("x-*",)}
MODES = {
    ("refresher", "argocd", "url"): ARGO_MODE, ("refresher", "argocd", "type"): ARGO_MODE,
    ("refresher", "argocd", "project"): ARGO_MODE, ("refresher", "secret", "passwordOnly"): ARGO_MODE,
    ("refresher", "allNamespaces"): CLUSTER_MODE, ("refresher", "namespaceSelector"): SELECTOR_MODE,
}
HOSTILE_CASES = [(p, MODES.get(p, {})) for p in leaves(HOSTILE_BASE) if p != IDENTITY]
HOSTILE_CASES += [(("refresher", "excludeNamespaces", 0), CLUSTER_MODE),
                  (("refresher", "serviceAccounts", 0), CLUSTER_MODE),
                  (("refresher", "excludeNamespaces", 0), SELECTOR_MODE)]
HOSTILE_CASES.append((("refresher", "aws", "credentialsSecret"), SECRET_IDENTITY))
# Any identity but irsa leaves the IRSA annotation out: compared with none.
HOSTILE_CASES.append((IDENTITY, {IDENTITY: "none"}))
HOSTILE_CASES.append((("--namespace",), {}))


def with_value(values, path, value):
    values = copy.deepcopy(values)
    node = values
    for k in path[:-1]:
        if k == KEY:
            break
        node = node[k]
    if path[-1] == KEY:
        [(k, v)] = node.items()
        node.clear()
        node[value] = v
    else:
        # A mode's lists are tuples, to be told apart by value.
        node[path[-1]] = list(value) if isinstance(value, tuple) else value
    return values


def schema_leaves(node, path=()):
    """The schema's leaf values: every place a user can write something."""
    while "$ref" in node or "allOf" in node:
        node = schema["definitions"][node["$ref"].split("/")[-1]] if "$ref" in node else node["allOf"][0]
    if "properties" not in node:
        yield path
        return
    for k, v in node["properties"].items():
        yield from schema_leaves(v, path + (k,))


for leaf in schema_leaves(schema):
    if leaf == ("global",):
        continue
    check(any(p[:len(leaf)] == leaf for p, _ in HOSTILE_CASES),
          f"hostile values: {'.'.join(leaf)} is tried")

CRB = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: injected\n"
       "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
       "subjects: [{kind: ServiceAccount, name: default, namespace: default}]")
# A document that swallows the rest of the one the value was written into, so that the
# injection above renders without a YAML error.
SINK = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sink\nsink: |1\n"
# Each at the indentation of one place a value is written (the DaemonSet's pod spec is at 6).
# No empty string: one takes out what it would not add to, which within() allows anyway.
HOSTILE = [f"x\n{' ' * n}hostPID: true\n---\n{CRB}\n---\n{SINK}" for n in range(0, 14, 2)]
HOSTILE += [f"x{br}      hostPID: true" for br in ("\r\n", "\r", "\u0085", "\u2028")]
HOSTILE += ["|\n  hostPID: true", ">-\n  x\n---\n" + CRB, "{hostPID: true}", "[hostPID, true]",
            "hostPID: true", "- hostPID", "{{ .Release.Name }}", '{{ fail "template" }}', "&a x",
            "*a", "!!binary aGk=", "'", '"', "x # c", "null", "true", "0x1F", "*", " x",
            "/etc/../root", ".."]
TYPES = {"str": str, "int": int, "float": float, "bool": bool, "NoneType": type(None)}
# Places the templates check themselves, refusing any of these strings: each is tried alone
# (with the first strings only), as its refusal would hide the others.
CHECKED = {("kubeletPlugin", "distribution"), ("kubeletPlugin", "binDir"), ("kubeletPlugin", "configPath"),
           ("kubeletPlugin", "cacheDir"), ("kubeletPlugin", "restore"), ("kubeletPlugin", "mirrors", 0),
           ("kubeletPlugin", "mirrors", 1), ("refresher", "namespaces", 0),
           ("refresher", "secret", "name"), ("refresher", "secret", "type"), ("refresher", "allNamespaces"),
           ("refresher", "secret", "passwordOnly"), ("refresher", "serviceAccounts", 0),
           ("refresher", "argocd", "url")}
# Maps whose keys the values choose: only their number counts.
USER_MAPS = {"labels", "annotations", "nodeSelector", "requests", "limits"}


def shape(node, key=None):
    if isinstance(node, dict):
        if key in USER_MAPS:
            return ("map", len(node))
        return {k: shape(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [shape(v) for v in node]
    return type(node).__name__


def within(got, want):
    """Nothing beyond the benign render's shape: no key it lacks, no longer list or label map,
    a string where it has a scalar. A value may take something out (an empty string, a false
    flag), never put something in."""
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in want and within(v, want[k]) for k, v in got.items())
    if isinstance(want, list):
        return isinstance(got, list) and len(got) <= len(want) and all(
            any(within(g, w) for w in want) for g in got)
    if isinstance(want, tuple):
        return got == "NoneType" or isinstance(got, tuple) and got[0] == want[0] and got[1] <= want[1]
    return got == want or (got == "str" and want in TYPES)


class LiteralDumper(yaml.SafeDumper):
    pass


LiteralDumper.add_representer(str, lambda d, s: d.represent_scalar(
    "tag:yaml.org,2002:str", s, style="|" if "\n" in s else None))


def render_values(helm, values, namespace="hostile", skip_schema=True):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        yaml.dump(values, f, Dumper=LiteralDumper, allow_unicode=True, sort_keys=False)
    try:
        out = run([helm, "template", "hostile", CHART, "--namespace", namespace, "--values", f.name]
                  + (["--skip-schema-validation"] if skip_schema else []))
    finally:
        os.unlink(f.name)
    if out.returncode != 0:
        return None, out.stderr
    try:
        return [d for d in yaml.safe_load_all(out.stdout) if d], None
    except yaml.YAMLError as e:
        return None, f"not YAML: {e}"


def safe_render(docs, benign):
    """Why a render is more than the benign one's objects, or None."""
    kinds = [d.get("kind") for d in docs]
    if any(kinds.count(k) > [b["kind"] for b in benign].count(k) for k in kinds):
        return f"kinds {kinds}"
    for d in docs:
        if not any(within(shape(d), shape(b)) for b in benign if b["kind"] == d["kind"]):
            return f"{d['kind']} {d.get('metadata', {}).get('name')!r} has more than the benign render's"
    return None


def invariants(docs):
    """Why a render grants more than the chart ever does, or None."""
    def named(names, one):
        return (isinstance(names, list) and names and (len(names) == 1 or not one)
                and all(isinstance(n, str) and re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", n) for n in names))

    for d in docs:
        if d.get("kind") not in ALLOWED_KINDS:
            return f"a {d.get('kind')}"
        for rule in d.get("rules", []):
            verbs, names = set(rule.get("verbs", [])), rule.get("resourceNames")
            resources = rule.get("resources")
            if rule.get("apiGroups") != [""] or not (
                    resources == ["secrets"] and (verbs == {"create"} and names is None
                                                  or verbs <= {"get", "patch"} and named(names, True))
                    or resources == ["serviceaccounts"] and (verbs <= {"get", "patch"} and named(names, False)
                                                             or verbs <= {"list", "get", "patch"} and names is None)
                    or resources == ["namespaces"] and verbs == {"list"} and names is None
                    and d["kind"] == "ClusterRole"):
                return f"{d['kind']} rules {rule}"
        if d.get("kind") in ("RoleBinding", "ClusterRoleBinding"):
            if len(d.get("subjects", [])) != 1 or d["subjects"][0].get("kind") != "ServiceAccount" \
                    or d.get("roleRef", {}).get("kind") != d["kind"][:-len("Binding")]:
                return f"{d['kind']} {d.get('subjects')} {d.get('roleRef')}"
        spec = pod_spec(d)
        for v in (spec or {}).get("volumes", []):
            path = v.get("hostPath", {}).get("path")
            if not (isinstance(path, str) and path.startswith("/") and path.rstrip("/")
                    and posixpath.normpath(path) == path.rstrip("/")):
                return f"hostPath {path!r}"
        for c in (spec or {}).get("containers", []):
            if not all(isinstance(a, str) and a for a in c.get("args", [])):
                return f"args {c.get('args')}"
    return None


def hostile_renders():
    """Each payload at every place, with each helm: refused, or the benign render's objects.
    A render tries them all at once, each place holding another payload, rotated from one
    render to the next; a place a template checks (a path, the Secret's name) is tried alone,
    and every place alone when a render is refused."""
    from concurrent.futures import ThreadPoolExecutor
    pool = ThreadPoolExecutor(max_workers=4)
    failed = []
    contexts = {}
    for path, context in HOSTILE_CASES:
        contexts.setdefault(tuple(sorted(context.items())), []).append(path)
    for label, helm in HELMS.items():
        for ctx, paths in contexts.items():
            base = HOSTILE_BASE
            for p_, v in ctx:
                base = with_value(base, p_, v)
            benign, err = render_values(helm, base)
            if not check(benign is not None and not invariants(benign),
                         f"{label}: hostile values: the benign base renders"
                         + (f": {err or invariants(benign)}" if benign is None or invariants(benign) else "")):
                continue

            def one(assigned):
                values, namespace = base, "hostile"
                for p_, payload in assigned:
                    if p_ == ("--namespace",):
                        namespace = payload
                    else:
                        values = with_value(values, p_, payload)
                docs, err = render_values(helm, values, namespace)
                if docs is None:
                    return "refused", err
                why = safe_render(docs, benign) or invariants(docs)
                return ("unsafe", why) if why else ("safe", None)

            def report(assigned, why):
                failed.append(f"{label}: " + ", ".join(
                    f"{'.'.join(map(str, p_))} = " + (f"HOSTILE[{HOSTILE.index(v)}]" if v in HOSTILE else repr(v))
                    for p_, v in assigned) + f": {why}"[:300])

            together = [p_ for p_ in paths if p_ not in CHECKED]
            batches = [[(p_, HOSTILE[(i + k) % len(HOSTILE)]) for i, p_ in enumerate(together)]
                       for k in range(len(HOSTILE))]
            singles = [[(p_, h)] for p_ in paths if p_ in CHECKED for h in HOSTILE[:8]]
            for assigned, (r, why) in zip(batches + singles, pool.map(one, batches + singles)):
                if r == "unsafe" and len(assigned) == 1:
                    report(assigned, why)
                elif r != "safe":
                    # Some place refused this combination, or let something through: each alone.
                    found = False
                    for single, (r1, why1) in zip(assigned, pool.map(lambda a: one([a]), assigned)):
                        if r1 == "unsafe":
                            found = True
                            report([single], why1)
                    if r == "unsafe" and not found:
                        report(assigned, why)
            # The null of a values file removes the default: refused, or nothing widened. The
            # templates are the same to both helms: once is enough.
            nulls = [p_ for p_ in paths if p_ != ("--namespace",) and p_[-1] != KEY and helm == helm4]
            for p_, (docs, err) in zip(nulls, pool.map(
                    lambda p_: render_values(helm, with_value(base, p_, None)), nulls)):
                why = docs is not None and invariants(docs)
                if why:
                    report([(p_, None)], why)
    pool.shutdown()
    check(not failed, f"hostile values: {len(HOSTILE)} strings at {len(HOSTILE_CASES)} places and null, "
          f"each refused or rendering only the chart's objects" + "".join(f"\n    {f}" for f in failed[:40])
          + (f"\n    ... {len(failed) - 40} more" if len(failed) > 40 else ""))


def go_patterns(schema_):
    """A validator whose patterns match like Go's (helm's): `$` at the very end, not before
    a final newline as in Python."""
    def pattern(validator, patrn, instance, _):
        if validator.is_type(instance, "string") and not re.search(re.sub(r"\$$", r"\\Z", patrn), instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")
    return jsonschema.validators.extend(jsonschema.Draft7Validator, {"pattern": pattern})(schema_)


def hostile_schema():
    """The schema refuses a line break or YAML or template syntax in every value but free text."""
    go = go_patterns(schema)
    syntax = re.compile(r"[\n\r\u0085\u2028{}\[\]|>&*!'\"#%`\\\t]|^ | $")
    payloads = [h for h in HOSTILE if syntax.search(h)]
    let_through = []
    for path, context in HOSTILE_CASES:
        if path in FREE_TEXT:
            continue
        base = HOSTILE_BASE
        for p_, v in context.items():
            base = with_value(base, p_, v)
        for payload in payloads:
            if payload in LEGIT.get(path, ()):
                continue
            if go.is_valid(merged(defaults, with_value(base, path, payload))):
                let_through.append(f"{'.'.join(map(str, path))} = {payload!r}")
    check(go.is_valid(merged(defaults, HOSTILE_BASE)), "hostile values: the benign base meets the schema")
    check(not let_through, f"values.schema.json refuses {len(payloads)} strings with line breaks or "
          f"YAML or template syntax in every value but annotations, env values and affinity"
          + "".join(f"\n    {f}" for f in let_through[:40]))
    # And helm's own validators (each helm has its own) say so, naming the value.
    from concurrent.futures import ThreadPoolExecutor
    cases = [(p_, c) for p_, c in HOSTILE_CASES if p_ not in FREE_TEXT]
    payload = HOSTILE[3]  # the indentation of the DaemonSet's pod spec

    def refused(job):
        helm, (path, context) = job
        values = HOSTILE_BASE
        for p_, v in context.items():
            values = with_value(values, p_, v)
        docs, err = render_values(helm, with_value(values, path, payload), skip_schema=False)
        named = [k for k in path if isinstance(k, str) and k != KEY][-1]
        # helm 4 names a map by its key's refusal alone.
        return docs is None and (named in err or path[-1] == KEY and "invalid propertyName" in err)
    jobs = [(helm, case) for helm in HELMS.values() for case in cases]
    with ThreadPoolExecutor(max_workers=4) as pool:
        passed = list(pool.map(refused, jobs))
    missed = [f"{os.path.basename(h)}: {'.'.join(map(str, c[0]))}" for (h, c), ok in zip(jobs, passed) if not ok]
    check(not missed, f"helm 3 and helm 4 refuse a value holding a `---` document at each of "
          f"{len(cases)} places, naming it" + "".join(f"\n    {m}" for m in missed))


hostile_schema()
hostile_renders()

# --- the generated manifests --------------------------------------------------------------------
for label, helm in HELMS.items():
    with tempfile.TemporaryDirectory() as tmp:
        out = run([os.path.join(MANIFESTS, "render.sh"), tmp], env={**os.environ, "HELM": helm})
        if not check(out.returncode == 0, f"{label}: deploy/manifests/render.sh runs: {out.stderr.strip()}"):
            continue
        for n, (namespace, kinds) in GENERATED.items():
            with open(os.path.join(tmp, f"{n}.yaml"), "rb") as f, \
                    open(os.path.join(MANIFESTS, f"{n}.yaml"), "rb") as g:
                check(f.read() == g.read(),
                      f"{label}: deploy/manifests/{n}.yaml is what render.sh makes of {n}.values.yaml")
for n, (namespace, kinds) in GENERATED.items():
    with open(os.path.join(MANIFESTS, f"{n}.yaml")) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    check([d["kind"] for d in docs] == kinds, f"deploy/manifests/{n}.yaml: kinds {kinds}")
    check(all(d["metadata"].get("namespace") in (namespace, *(load(manifest_values[n])
                                                               .get("refresher", {}).get("namespaces") or []))
              or d["kind"] in CLUSTER_KINDS and "namespace" not in d["metadata"]
              for d in docs), f"deploy/manifests/{n}.yaml: in {namespace} and the namespaces it writes"
          + (" (and cluster-wide RBAC)" if {d["kind"] for d in docs} & CLUSTER_KINDS else ""))

# Nothing in deploy/ outside the chart is a manifest left unchecked.
for dirpath, dirs, names in os.walk(os.path.join(root, "deploy")):
    for n in names:
        rel = os.path.relpath(os.path.join(dirpath, n), root)
        if n.endswith((".yaml", ".yml")) and not rel.startswith("deploy/chart/"):
            check(rel in {f"deploy/manifests/{g}.yaml" for g in GENERATED}
                  | {f"deploy/manifests/{g}.values.yaml" for g in GENERATED},
                  f"{rel} is checked here")

print(f"\nchart: {passes} passed, {failures} failed")
sys.exit(1 if failures else 0)
