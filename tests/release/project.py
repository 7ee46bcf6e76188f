"""What the release checks share: the project's facts, each read from where it is defined.

- the name and the GitHub repository: Cargo.toml (`[package]`, `repository`);
- the released targets: the build matrix of .github/workflows/release.yml;
- an archive's name and layout: scripts/dist.sh's convention, <name>-<target>.tar.xz (.zip for
  Windows) holding <name>-<target>/<name>[.exe]; `archive_members` reads a real archive, so a
  check can hold the convention to what dist.sh really produced.
"""

import re
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def fail(message):
    print(f"release check: {message}", file=sys.stderr)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def cargo_toml():
    with open(ROOT / "Cargo.toml", "rb") as f:
        return tomllib.load(f)


def package():
    return cargo_toml()["package"]


def repository():
    """(url, owner, name) from Cargo.toml's repository."""
    url = package().get("repository", "")
    m = re.fullmatch(r"https://github\.com/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+)", url)
    check(m, f"Cargo.toml's repository is not https://github.com/OWNER/NAME: {url!r}")
    return url, m.group(1), m.group(2)


def bin_name():
    bins = cargo_toml().get("bin", [])
    check(len(bins) == 1, "expected exactly one [[bin]] in Cargo.toml")
    return bins[0]["name"]


def release_workflow():
    with open(ROOT / ".github/workflows/release.yml") as f:
        return yaml.safe_load(f)


def released_targets():
    """The targets the release workflow builds, in its order."""
    matrix = release_workflow()["jobs"]["build"]["strategy"]["matrix"]["include"]
    targets = [entry["target"] for entry in matrix]
    check(targets and len(set(targets)) == len(targets), f"odd build matrix: {targets}")
    return targets


def is_windows(target):
    return "-windows-" in target


def archive_name(target):
    ext = "zip" if is_windows(target) else "tar.xz"
    return f"{package()['name']}-{target}.{ext}"


def binary_path(target):
    """The binary's path inside the archive."""
    exe = bin_name() + (".exe" if is_windows(target) else "")
    return f"{package()['name']}-{target}/{exe}"


def download_url(version, target):
    return f"{repository()[0]}/releases/download/v{version}/{archive_name(target)}"


def archive_members(path):
    path = Path(path)
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            return [n.rstrip("/") for n in z.namelist()]
    with tarfile.open(path, "r:xz") as t:
        return [m.name.rstrip("/") for m in t.getmembers()]
