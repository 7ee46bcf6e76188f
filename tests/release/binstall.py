"""`cargo binstall` against the release: Cargo.toml's [package.metadata.binstall] rendered for
every target the release builds, as cargo-binstall renders it (its `{ var }` templates, per-target
overrides, one candidate URL per file extension of the package format), must give the archive's
download URL and the binary's path inside the archive. With a DISTRIB_DIR holding real archives
(scripts/dist.sh's output), that path must also be a file in each of them.

Usage: python3 tests/release/binstall.py [DISTRIB_DIR]
"""

import re
import sys
from pathlib import Path

import project
from project import check, fail

# cargo-binstall's PkgFmt::extensions.
EXTENSIONS = {
    "tar": [".tar"],
    "tbz2": [".tbz2", ".tar.bz2", ".tbz", ".tar.bz"],
    "tgz": [".tgz", ".tar.gz"],
    "txz": [".txz", ".tar.xz"],
    "tzstd": [".tzstd", ".tzst", ".tar.zst"],
    "zip": [".zip"],
}

TOKEN = re.compile(r"\\([{}\\])|\{\s*([a-z-]+)\s*\}|([{}])")


def render(template, values):
    def substitute(m):
        escaped, key, stray = m.groups()
        if escaped:
            return escaped
        if stray:
            fail(f"unbalanced brace in template {template!r}")
        if key not in values:
            fail(f"template {template!r} uses {{ {key} }}, which this check does not know")
        return values[key]

    return TOKEN.sub(substitute, template)


def settings(meta, target):
    merged = {k: v for k, v in meta.items() if k != "overrides"}
    for key, override in meta.get("overrides", {}).items():
        check(not key.startswith("cfg("), f"override {key!r}: cfg() overrides are not checked here")
        if key == target:
            merged.update(override)
    return merged


def main():
    pkg = project.package()
    meta = pkg.get("metadata", {}).get("binstall")
    check(meta, "Cargo.toml has no [package.metadata.binstall]")
    check(
        "quick-install" in meta.get("disabled-strategies", []),
        "binstall may fall back to a third party's build (quick-install is not disabled)",
    )
    repo, _, _ = project.repository()
    version = pkg["version"]
    distrib = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    checked_real = 0
    for target in project.released_targets():
        s = settings(meta, target)
        fmt = s.get("pkg-fmt", "tgz")
        check(fmt in EXTENSIONS, f"{target}: pkg-fmt {fmt!r} is not an archive format")
        values = {
            "name": pkg["name"],
            "version": version,
            "repo": repo,
            "bin": project.bin_name(),
            "target": target,
            "binary-ext": ".exe" if "windows" in target else "",
        }
        urls = []
        for suffix in EXTENSIONS[fmt]:
            v = dict(values, **{"archive-suffix": suffix, "archive-format": suffix[1:]})
            urls.append(render(s["pkg-url"], v))
        want = project.download_url(version, target)
        check(want in urls, f"{target}: binstall would try {urls}, the release has {want}")
        bin_dir = render(s["bin-dir"], values)
        check(
            bin_dir == project.binary_path(target),
            f"{target}: bin-dir renders to {bin_dir}, the archive holds {project.binary_path(target)}",
        )
        archive = distrib / project.archive_name(target) if distrib else None
        if archive and archive.is_file():
            members = project.archive_members(archive)
            check(bin_dir in members, f"{archive.name} has no {bin_dir} (it has {members})")
            checked_real += 1
        print(f"binstall: {target}: {want} -> {bin_dir}")
    if distrib:
        print(f"binstall: {checked_real} real archive(s) in {distrib} hold the binary where binstall looks")


if __name__ == "__main__":
    main()
