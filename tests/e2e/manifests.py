"""Checks the deploy/ manifests against the binary they run.

Usage: manifests.py BINARY REPO_ROOT

- kinds: each file holds exactly the kinds it should, and nothing cluster-wide;
- images: every container runs the one project image (the placeholder the README says to
  replace), with its entrypoint (no `command`, no shell, no kubectl);
- args: the first is one of the binary's subcommands and every flag is one its `--help` lists;
  the DaemonSet's `install-kubelet-plugin` is run for real, with its mount paths mapped to a
  temporary directory, and what it writes must be what the kubelet is told to read (the
  DaemonSet's annotations, its hostPaths, the config's provider name and the binary's name);
- RBAC: Roles only, on `secrets` alone, `get`/`patch` only for the Secret the job writes,
  `create` alone where no name can apply; each namespace the job writes has its Role and
  RoleBinding for the job's ServiceAccount, and no namespace more;
- the CronJob: Forbid, runs as non-root; the DaemonSet: tolerates every taint, root only there.
Prints one line per check and exits 1 when any fails.
"""

import json
import os
import posixpath
import re
import subprocess
import sys
import tempfile

import yaml

IMAGE = "image.example.invalid/replace-me/docker-credential-ecr-login:0.1.0"
PROVIDER = "ecr-credential-provider"
ANNOTATION = "ecr-login.kubelet/image-credential-provider-"
FILES = {
    "deploy/kubelet-plugin/daemonset.yaml": ["ServiceAccount", "DaemonSet"],
    "deploy/refresher/flux.yaml": ["ServiceAccount", "Role", "RoleBinding", "CronJob"],
    "deploy/refresher/fleet.yaml": [
        "ServiceAccount", "Role", "RoleBinding", "Role", "RoleBinding", "CronJob",
    ],
}
# The Secret type each refresher must write.
SECRET_TYPES = {"deploy/refresher/flux.yaml": "dockerconfigjson",
                "deploy/refresher/fleet.yaml": "basic-auth"}

binary, root = sys.argv[1], sys.argv[2]
failures = 0


def check(ok, what):
    global failures
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures += 1


_help = {}


def flags_of(command):
    """The long flags `BINARY <command> --help` lists, or None if there is no such command."""
    if command not in _help:
        run = subprocess.run([binary, command, "--help"], capture_output=True, text=True)
        _help[command] = (set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", run.stdout))
                          if run.returncode == 0 else None)
    return _help[command]


def pod_spec(doc):
    if doc["kind"] == "DaemonSet":
        return doc["spec"]["template"]["spec"]
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return None


def check_args(name, container):
    args = container.get("args", [])
    check("command" not in container and args, f"{name}: args only, on the image's entrypoint")
    check(not any("kubectl" in a or a in ("sh", "/bin/sh", "-c") for a in args),
          f"{name}: no shell, no kubectl")
    if not args:
        return
    flags = flags_of(args[0])
    check(flags is not None, f"{name}: `{args[0]}` is a command of the binary")
    if flags is None:
        return
    used = {a.split("=", 1)[0] for a in args[1:] if a.startswith("--")}
    unknown = sorted(used - flags - {"--help"})
    check(not unknown, f"{name}: every flag is one `{args[0]} --help` lists {unknown or ''}")


def option(args, flag):
    values = [args[i + 1] for i, a in enumerate(args[:-1]) if a == flag]
    return values


def check_daemonset(path, ds):
    spec = pod_spec(ds)
    check({"operator": "Exists"} in spec.get("tolerations", []),
          f"{path}: tolerates every taint")
    check(spec.get("automountServiceAccountToken") is False, f"{path}: no API token mounted")
    [container] = spec["containers"]
    args = container["args"]
    check(args[0] == "install-kubelet-plugin" and "--wait" in args,
          f"{path}: install-kubelet-plugin --wait")
    check(container["securityContext"].get("runAsUser") == 0
          and container["securityContext"].get("allowPrivilegeEscalation") is False,
          f"{path}: root without privilege escalation (it writes the node's directories)")
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    host = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]}

    def on_node(container_path):
        """The node's path for a path inside the container, through its mounts."""
        for mount, volume in mounts.items():
            if container_path == mount or container_path.startswith(mount + "/"):
                return host[volume] + container_path[len(mount):]
        return None

    [bin_dir] = option(args, "--bin-dir")
    [config] = option(args, "--config")
    annotations = ds["metadata"]["annotations"]
    check(on_node(bin_dir) == annotations[ANNOTATION + "bin-dir"],
          f"{path}: --bin-dir {bin_dir} is the node's {on_node(bin_dir)}, the annotated bin dir")
    check(on_node(config) == annotations[ANNOTATION + "config"],
          f"{path}: --config {config} is the node's {on_node(config)}, the annotated config")
    check(posixpath.dirname(config) in mounts,
          f"{path}: the config's directory is mounted (a rename needs it)")

    # Run it for real, every mount a temporary directory.
    with tempfile.TemporaryDirectory() as tmp:
        def local(p):
            for mount in mounts:
                if p == mount or p.startswith(mount + "/"):
                    return os.path.join(tmp, mounts[mount]) + p[len(mount):]
            return p
        run_args = [local(a) if a.startswith("/") else a for a in args if a != "--wait"]
        run = subprocess.run([binary] + run_args, capture_output=True, text=True)
        check(run.returncode == 0, f"{path}: `{' '.join(args[:1] + ['...'])}` runs: "
              f"{run.stderr.strip()}")
        if run.returncode != 0:
            return
        installed = os.path.join(local(bin_dir), PROVIDER)
        check(os.access(installed, os.X_OK), f"{path}: it installs {bin_dir}/{PROVIDER}")
        written = json.load(open(local(config)))
        names = [p["name"] for p in written["providers"]]
        check(written["kind"] == "CredentialProviderConfig" and names == [PROVIDER],
              f"{path}: the config it writes names the binary it installs ({names})")
        check(all("args" not in p for p in written["providers"]),
              f"{path}: the config passes no args (the name selects the plugin)")


def check_refresher(path, docs):
    [cron] = [d for d in docs if d["kind"] == "CronJob"]
    [sa] = [d for d in docs if d["kind"] == "ServiceAccount"]
    spec = pod_spec(cron)
    check(cron["spec"]["concurrencyPolicy"] == "Forbid", f"{path}: concurrencyPolicy Forbid")
    check(spec["serviceAccountName"] == sa["metadata"]["name"]
          and cron["metadata"]["namespace"] == sa["metadata"]["namespace"],
          f"{path}: the job runs as its ServiceAccount")
    check(spec.get("securityContext", {}).get("runAsNonRoot") is True,
          f"{path}: the job runs as non-root")
    check(any(k in sa["metadata"].get("annotations", {})
              for k in ("eks.amazonaws.com/role-arn",)),
          f"{path}: the ServiceAccount carries the IRSA annotation")
    [container] = spec["containers"]
    args = container["args"]
    check(args[0] == "kube-secret" and "--apply" in args, f"{path}: kube-secret ... --apply")
    [secret] = option(args, "--name")
    [secret_type] = option(args, "--type")
    check(secret_type == SECRET_TYPES[path], f"{path}: --type {SECRET_TYPES[path]}")
    namespaces = set(option(args, "--namespace"))
    subject = {"kind": "ServiceAccount", "name": sa["metadata"]["name"],
               "namespace": sa["metadata"]["namespace"]}

    roles = {d["metadata"]["namespace"]: d for d in docs if d["kind"] == "Role"}
    bindings = {d["metadata"]["namespace"]: d for d in docs if d["kind"] == "RoleBinding"}
    check(set(roles) == namespaces == set(bindings),
          f"{path}: a Role and a RoleBinding in each namespace written "
          f"({sorted(namespaces)}), no more")
    for ns, role in roles.items():
        rules = role["rules"]
        check(all(r["apiGroups"] == [""] and r["resources"] == ["secrets"] for r in rules),
              f"{path}: {ns} Role covers secrets only")
        verbs = {v for r in rules for v in r["verbs"]}
        check(verbs == {"get", "create", "patch"}, f"{path}: {ns} Role verbs {sorted(verbs)}")
        check(all(r.get("resourceNames") == [secret] for r in rules
                  if set(r["verbs"]) & {"get", "patch"}),
              f"{path}: {ns} get/patch only on Secret {secret}")
        check(all(r["verbs"] == ["create"] for r in rules if "resourceNames" not in r),
              f"{path}: {ns} create is the only verb not narrowed to the name")
        binding = bindings.get(ns)
        check(binding is not None and binding["subjects"] == [subject]
              and binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io",
                                         "kind": "Role", "name": role["metadata"]["name"]},
              f"{path}: {ns} RoleBinding binds that Role to the job's ServiceAccount only")


for path, kinds in FILES.items():
    with open(os.path.join(root, path)) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    check([d["kind"] for d in docs] == kinds, f"{path}: kinds {kinds}")
    for doc in docs:
        spec = pod_spec(doc)
        if spec is None:
            continue
        containers = spec.get("initContainers", []) + spec["containers"]
        for c in containers:
            check(c["image"] == IMAGE, f"{path}: {c['name']} runs the project image")
            check_args(f"{path}: {c['name']}", c)
    if path.endswith("daemonset.yaml"):
        check_daemonset(path, docs[1])
    else:
        check_refresher(path, docs)

# Nothing anywhere in deploy/ that reaches beyond its namespaces, nor a manifest left unchecked.
for dirpath, _, names in os.walk(os.path.join(root, "deploy")):
    for n in names:
        rel = os.path.relpath(os.path.join(dirpath, n), root)
        if n.endswith((".yaml", ".yml")):
            check(rel in FILES, f"{rel} is checked here")
            with open(os.path.join(root, rel)) as f:
                kinds = {d["kind"] for d in yaml.safe_load_all(f) if d}
            check(not kinds & {"ClusterRole", "ClusterRoleBinding"}, f"{rel}: nothing cluster-wide")

print(f"\nmanifests: {failures} failed")
sys.exit(1 if failures else 0)
