"""Checks the manifests scripts/manifests.sh rendered: each is valid JSON or YAML, and every
URL and sha256 sits where its package manager reads it for that platform, the sha256 being the
archive's own (computed here from the files in DISTRIB_DIR, not read from their .sha256). The
formula comes in as the JSON tests/release/formula.rb printed from it. Every target the release
builds must reach some package manager, and every target a manifest names must be released.

Usage: python3 tests/release/manifests.py OUT_DIR DISTRIB_DIR VERSION FORMULA_JSON
"""

import hashlib
import json
import re
import sys
from pathlib import Path

import yaml

import project
from project import check

SCOOP_ARCH = {"64bit": "x86_64-pc-windows-gnu", "arm64": "aarch64-pc-windows-gnullvm"}
WINGET_ARCH = {"x64": "x86_64-pc-windows-gnu", "arm64": "aarch64-pc-windows-gnullvm"}
BREW_PLATFORM = {
    "macos-arm": "aarch64-apple-darwin",
    "macos-intel": "x86_64-apple-darwin",
    "linux-arm": "aarch64-unknown-linux-musl",
    "linux-intel": "x86_64-unknown-linux-musl",
}
# The schema's PackageIdentifier pattern (winget manifest schema 1.10.0).
WINGET_ID = re.compile(r'^[^.\s\\/:*?"<>|\x01-\x1f]{1,32}(\.[^.\s\\/:*?"<>|\x01-\x1f]{1,32}){1,7}$')


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def present(distrib, targets):
    """The targets whose archive is in DISTRIB_DIR, with its sha256."""
    found = {}
    for t in targets:
        archive = distrib / project.archive_name(t)
        if archive.is_file():
            found[t] = sha256(archive)
    return found


def check_scoop(path, version, hashes):
    m = json.loads(path.read_text())
    repo = project.repository()[0]
    check(m["version"] == version, f"scoop: version {m['version']}")
    check(m["homepage"] == repo and m["checkver"] == {"github": repo}, "scoop: homepage/checkver")
    check(m["bin"] == project.bin_name() + ".exe", f"scoop: bin {m['bin']}")
    want = {a for a, t in SCOOP_ARCH.items() if t in hashes}
    check(set(m["architecture"]) == want, f"scoop: architectures {set(m['architecture'])}, want {want}")
    check(set(m["autoupdate"]["architecture"]) == want, "scoop: autoupdate architectures")
    check(m["autoupdate"]["hash"] == {"url": "$url.sha256"}, "scoop: autoupdate hash")
    for arch in want:
        t = SCOOP_ARCH[arch]
        entry = m["architecture"][arch]
        check(entry["url"] == project.download_url(version, t), f"scoop {arch}: url {entry['url']}")
        check(entry["hash"] == hashes[t], f"scoop {arch}: hash {entry['hash']}, archive {hashes[t]}")
        top = project.binary_path(t).split("/")[0]
        check(entry["extract_dir"] == top, f"scoop {arch}: extract_dir {entry['extract_dir']}")
        auto = m["autoupdate"]["architecture"][arch]
        check(auto["url"].replace("$version", version) == entry["url"], f"scoop {arch}: autoupdate url")
        check(auto["extract_dir"] == top, f"scoop {arch}: autoupdate extract_dir")
    return {SCOOP_ARCH[a] for a in want}


def check_winget(out, version, hashes):
    _, owner, _ = project.repository()
    ident = f"{owner}.{project.package()['name']}"
    check(WINGET_ID.match(ident), f"winget: {ident!r} is not a valid PackageIdentifier")
    docs = {}
    for kind, suffix in [("version", ""), ("installer", ".installer"), ("defaultLocale", ".locale.en-US")]:
        path = out / f"{ident}{suffix}.yaml"
        check(path.is_file(), f"winget: no {path.name}")
        doc = yaml.safe_load(path.read_text())
        check(doc["ManifestType"] == kind, f"winget {path.name}: ManifestType {doc['ManifestType']}")
        check(doc["PackageIdentifier"] == ident, f"winget {path.name}: PackageIdentifier")
        check(doc["PackageVersion"] == version, f"winget {path.name}: PackageVersion")
        docs[kind] = doc
    check(len({d["ManifestVersion"] for d in docs.values()}) == 1, "winget: ManifestVersion differs")
    check(docs["version"]["DefaultLocale"] == docs["defaultLocale"]["PackageLocale"] == "en-US", "winget: locale")
    locale = docs["defaultLocale"]
    for field in ["Publisher", "PackageName", "License", "ShortDescription"]:
        check(locale.get(field), f"winget: defaultLocale lacks {field}")
    inst = docs["installer"]
    check(inst["InstallerType"] == "zip" and inst["NestedInstallerType"] == "portable", "winget: installer type")
    want = {a for a, t in WINGET_ARCH.items() if t in hashes}
    arches = [i["Architecture"] for i in inst["Installers"]]
    check(sorted(arches) == sorted(want), f"winget: installers {arches}, want {sorted(want)}")
    for i in inst["Installers"]:
        t = WINGET_ARCH[i["Architecture"]]
        check(i["InstallerUrl"] == project.download_url(version, t), f"winget {t}: InstallerUrl")
        check(re.fullmatch(r"[0-9A-F]{64}", i["InstallerSha256"]), f"winget {t}: InstallerSha256 format")
        check(i["InstallerSha256"].lower() == hashes[t], f"winget {t}: InstallerSha256 is not the archive's")
        nested = i["NestedInstallerFiles"]
        check(len(nested) == 1, f"winget {t}: one nested file")
        path = project.binary_path(t).replace("/", "\\")
        check(nested[0]["RelativeFilePath"] == path, f"winget {t}: RelativeFilePath {nested[0]['RelativeFilePath']}")
        check(nested[0]["PortableCommandAlias"] == project.bin_name(), f"winget {t}: alias")
    return {WINGET_ARCH[a] for a in want}


def check_formula(formula, version, hashes):
    check(formula["meta"]["version"] == version, "formula: version")
    check(formula["meta"]["homepage"] == project.repository()[0], "formula: homepage")
    check("docker-credential-helper-ecr" in formula["meta"].get("conflicts_with", []), "formula: conflicts_with")
    check(set(formula["platforms"]) == set(BREW_PLATFORM), f"formula: platforms {set(formula['platforms'])}")
    for platform, t in BREW_PLATFORM.items():
        p = formula["platforms"][platform]
        check(p["url"] == project.download_url(version, t), f"formula {platform}: url {p['url']}")
        check(p["sha256"] == hashes.get(t), f"formula {platform}: sha256 {p['sha256']} is not {t}'s")
    exe = project.bin_name()
    install = formula["install"]
    check(["install", "bin", exe] in install, f"formula: install does not put {exe} in bin")
    completions = [c for c in install if c[0] == "completions"]
    check(completions and completions[0][1:3] == [f"bin/{exe}", "completions"], "formula: completions")
    check(["write", f"man1/{exe}.1", f"popen_read(bin/{exe} man)"] in install, "formula: man page")
    check(["shell_output", f"bin/{exe} version", 0] in formula["test"], "formula: test does not run version")
    return set(BREW_PLATFORM.values())


def main():
    out, distrib, version, formula_json = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    released = project.released_targets()
    hashes = present(distrib, released)
    covered = check_scoop(out / f"{project.package()['name']}.json", version, hashes)
    covered |= check_winget(out, version, hashes)
    covered |= check_formula(json.loads(Path(formula_json).read_text()), version, hashes)
    named = set(SCOOP_ARCH.values()) | set(WINGET_ARCH.values()) | set(BREW_PLATFORM.values())
    check(named <= set(released), f"manifests name unreleased targets: {named - set(released)}")
    if set(hashes) == set(released):
        check(covered == set(released), f"released but in no manifest: {set(released) - covered}")
    print(f"manifests: {len(covered)} targets, every hash in its place ({out})")


if __name__ == "__main__":
    main()
