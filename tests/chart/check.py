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
  - kinds: ServiceAccount, DaemonSet, Role, RoleBinding, CronJob, Job only, nothing
    cluster-wide, and no placeholder anywhere;
  - every container runs the chart's image with its entrypoint (no `command`, no shell, no
    kubectl); the first argument is one of the binary's commands and every flag is one its
    `--help` lists; an exec hook runs the image's binary the same way;
  - the DaemonSet: Linux nodes only, not Fargate or Auto Mode nodes, not nodes with the skip
    labels; every taint tolerated; root there only, with nothing more; `install-kubelet-plugin`
    run for real with its mounts mapped to a temporary node that holds the node's own plugin
    and config: what it writes is what the kubelet is told to read (the annotations, the
    hostPaths, the config's provider name, the binary's name), the node's files are kept, and
    its preStop hook (or the restore mode) puts them back;
  - the refresher: Roles only, on `secrets` alone, `get`/`patch` only on the Secret it writes,
    `create` alone where no name can apply; a Role and a RoleBinding for its ServiceAccount in
    each namespace it writes and no other; the CronJob Forbid; the restricted pod security
    standard; the AWS identity the values ask for; the first-run Job a post-install and
    post-upgrade hook running the CronJob's command with --exit-zero;
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
ALLOWED_KINDS = {"ServiceAccount", "DaemonSet", "Role", "RoleBinding", "CronJob", "Job"}
PLACEHOLDERS = re.compile(r"example\.invalid|replace-me|\bREPLACE\b|\bCHANGEME\b|\bTODO\b|\bFIXME\b")
# The generated manifests: their release's namespace and the kinds each must hold, in order.
GENERATED = {
    "kubelet-plugin": ("kube-system", ["ServiceAccount", "DaemonSet"]),
    "flux": ("flux-system", ["ServiceAccount", "Role", "RoleBinding", "CronJob", "Job"]),
    "fleet": ("fleet-local", ["ServiceAccount", "Role", "Role", "RoleBinding", "RoleBinding",
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
check({"flux-values.yaml", "fleet-values.yaml", "eks-values.yaml", "k3s-values.yaml"}
      <= {os.path.basename(p) for p in ci_files},
      f"ci/ has the Flux, Fleet, EKS and k3s values ({len(ci_files)} files)")
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
for sets, named in REFUSED:
    for label, helm in HELMS.items():
        out = template(helm, "default", sets=sets)
        check(out.returncode != 0 and named in out.stderr,
              f"{label}: --set {' '.join(sets)} is refused, naming {named}"
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


def check_common(name, text, docs, namespace, values):
    kinds = [d["kind"] for d in docs]
    check(set(kinds) <= ALLOWED_KINDS, f"{name}: kinds {sorted(set(kinds))}, nothing cluster-wide")
    check(all(d["metadata"].get("namespace") for d in docs), f"{name}: every object is namespaced")
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
    registries = [a for a in args[1:args.index("--name")]]
    check(registries == r["registries"], f"{name}: the registries {r['registries']}")
    [secret] = option(args, "--name")
    [secret_type] = option(args, "--type")
    check(secret == r["secret"]["name"] and secret_type == r["secret"]["type"],
          f"{name}: --name {r['secret']['name']} --type {r['secret']['type']}")
    namespaces = option(args, "--namespace")
    check(namespaces == (r["namespaces"] or [namespace]),
          f"{name}: the Secret goes to {r['namespaces'] or [namespace]}")
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

    subject = {"kind": "ServiceAccount", "name": sa["metadata"]["name"], "namespace": namespace}
    roles = {d["metadata"]["namespace"]: d for d in docs if d["kind"] == "Role"}
    bindings = {d["metadata"]["namespace"]: d for d in docs if d["kind"] == "RoleBinding"}
    check(set(roles) == set(namespaces) == set(bindings),
          f"{name}: a Role and a RoleBinding in each namespace written ({sorted(namespaces)}), no more")
    for ns, role in roles.items():
        rules = role["rules"]
        check(all(rule["apiGroups"] == [""] and rule["resources"] == ["secrets"] for rule in rules),
              f"{name}: {ns} Role covers secrets only")
        verbs = {v for rule in rules for v in rule["verbs"]}
        check(verbs == {"get", "create", "patch"}, f"{name}: {ns} Role verbs {sorted(verbs)}")
        check(all(rule.get("resourceNames") == [secret] for rule in rules
                  if set(rule["verbs"]) & {"get", "patch"}),
              f"{name}: {ns} get/patch only on Secret {secret}")
        check(all(rule["verbs"] == ["create"] for rule in rules if "resourceNames" not in rule),
              f"{name}: {ns} create is the only verb not narrowed to the name")
        binding = bindings.get(ns)
        check(binding is not None and binding["subjects"] == [subject]
              and binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io",
                                         "kind": "Role", "name": role["metadata"]["name"]},
              f"{name}: {ns} RoleBinding binds that Role to the job's ServiceAccount only")

    jobs = [d for d in docs if d["kind"] == "Job"]
    check(len(jobs) == (1 if r["firstRun"] else 0), f"{name}: a first-run Job {'' if r['firstRun'] else 'not '}asked for")
    for job in jobs:
        hooks = set(job["metadata"].get("annotations", {}).get("helm.sh/hook", "").split(","))
        check(hooks == {"post-install", "post-upgrade"}, f"{name}: the first run is a post-install, post-upgrade hook")
        job_spec = pod_spec(job)
        check_pod_restricted(f"{name}: first-run Job", job_spec)
        check(job_spec["containers"][0]["args"] == args + ["--exit-zero"],
              f"{name}: the first run is the CronJob's command with --exit-zero")
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
        ns = d["metadata"]["namespace"]
        if d["kind"] == "DaemonSet":
            wanted.append(f"kubectl -n {ns} rollout status daemonset/{d['metadata']['name']}")
        if d["kind"] == "Job":
            wanted.append(f"kubectl -n {ns} logs job/{d['metadata']['name']}")
    if not any(d["kind"] == "Job" for d in docs):
        for d in docs:
            if d["kind"] == "CronJob":
                args = pod_spec(d)["containers"][0]["args"]
                wanted.append(f"kubectl -n {option(args, '--namespace')[0]} get secret "
                              f"{option(args, '--name')[0]}")
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
    check(all(d["metadata"]["namespace"] in (namespace, *(load(manifest_values[n])
                                                           .get("refresher", {}).get("namespaces") or []))
              for d in docs), f"deploy/manifests/{n}.yaml: in {namespace} and the namespaces it writes")

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
