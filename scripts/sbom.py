#!/usr/bin/env python3
"""Writes the CycloneDX 1.6 SBOM of one target's binary (scripts/dist.sh calls it).

Usage: scripts/sbom.py TARGET OUTPUT.cdx.json

The crates are what `cargo tree -e normal --target TARGET` lists: cargo's own resolution of the
features and platform-specific dependencies of that build, with no build or dev dependencies.
(`cargo metadata`, which cargo-cyclonedx and cargo-auditable read, unifies features across
targets and dev-dependencies, and lists crates this build never compiles.) Licenses come from
`cargo metadata`, each crate's SHA-256 from Cargo.lock. Output is byte-for-byte reproducible:
the timestamp is SOURCE_DATE_EPOCH, the serial number is derived from the content.
Needs only python3 and cargo.
"""

import json
import os
import re
import subprocess
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TREE_LINE = re.compile(r"^(\d+)(\S+) v(\S+)(?: \((.*)\))?(?: \(\*\))?$")


def cargo(*args):
    return subprocess.run(["cargo", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def tree(target):
    """{(name, version): set of (name, version) it depends on}, the root first."""
    graph, stack = {}, []
    out = cargo("tree", "--locked", "-e", "normal", "--target", target, "--prefix", "depth", "--format", "{p}")
    for line in out.splitlines():
        m = TREE_LINE.match(line.strip())
        if not m:
            sys.exit(f"sbom: unexpected cargo tree line: {line!r}")
        depth, key = int(m[1]), (m[2], m[3])
        del stack[depth:]
        if stack:
            graph[stack[-1]].add(key)
        graph.setdefault(key, set())
        stack.append(key)
    return graph


def lock_checksums():
    sums, name, version = {}, None, None
    with open(os.path.join(ROOT, "Cargo.lock")) as f:
        for line in f:
            m = re.match(r'^(name|version|checksum) = "(.*)"$', line.strip())
            if not m:
                continue
            if m[1] == "name":
                name = m[2]
            elif m[1] == "version":
                version = m[2]
            else:
                sums[(name, version)] = m[2]
    return sums


def component(package, kind, checksum):
    name, version = package["name"], package["version"]
    purl = f"pkg:cargo/{name}@{version}"
    c = {"type": kind, "bom-ref": purl, "name": name, "version": version, "purl": purl}
    if package.get("description"):
        c["description"] = " ".join(package["description"].split())
    if package.get("license"):
        # Cargo still accepts the old "MIT/Apache-2.0" spelling, which is no SPDX expression.
        c["licenses"] = [{"expression": package["license"].replace("/", " OR ")}]
    if checksum:
        c["hashes"] = [{"alg": "SHA-256", "content": checksum}]
    if package.get("repository"):
        c["externalReferences"] = [{"type": "vcs", "url": package["repository"]}]
    return c


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: scripts/sbom.py TARGET OUTPUT.cdx.json")
    target, output = argv[1], argv[2]
    graph = tree(target)
    root = next(iter(graph))
    meta = json.loads(cargo("metadata", "--locked", "--format-version", "1", "--filter-platform", target))
    packages = {(p["name"], p["version"]): p for p in meta["packages"]}
    sums = lock_checksums()
    ref = {key: f"pkg:cargo/{key[0]}@{key[1]}" for key in graph}

    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)),
            "tools": {"components": [{"type": "application", "name": "scripts/sbom.py"}]},
            "component": component(packages[root], "application", None),
            "properties": [{"name": "cdx:rustc:sbom:target:triple", "value": target}],
        },
        "components": [
            component(packages[key], "library", sums.get(key))
            for key in sorted(graph)
            if key != root
        ],
        "dependencies": [
            {"ref": ref[key], "dependsOn": sorted(ref[d] for d in graph[key])} for key in sorted(graph)
        ],
    }
    body = json.dumps(bom, indent=2, sort_keys=True)
    bom["serialNumber"] = uuid.uuid5(uuid.NAMESPACE_URL, body).urn
    with open(output, "w") as f:
        json.dump(bom, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
