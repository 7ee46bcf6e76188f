"""The install docs and the changelog, held to the project's facts:

- every reference to the project's GitHub home, tap, bucket, image, Helm chart, attestation
  repository and winget identifier in README.md, CONTRIBUTING.md, CHANGELOG.md,
  packaging/README.md and the manual (docs/*.md) names the owner and repository of Cargo.toml's
  `repository` (the one place they are defined);
- README.md's Install section gives a command for every channel;
- every version the README and the manual pin (the GitHub Action's `<owner>/<repo>@vX.Y.Z`, the
  installer's and helm's `--version X.Y.Z`, the chart's `version:` and the image's `tag:`, an
  image `...ecr-login:X.Y.Z`) is Cargo.toml's `version`, so the examples name a release that
  exists once this one is tagged, and cannot drift from it;
- CHANGELOG.md follows Keep a Changelog: `## [Unreleased]` first, then `## [X.Y.Z] - YYYY-MM-DD`
  sections with the standard subsections, each heading with its link at the end.

Usage: python3 tests/release/docs.py
"""

import re

import project
from project import ROOT, check

DOCS = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", "packaging/README.md"] + sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")
)
NAME = r"[A-Za-z0-9._-]+"


def check_slugs():
    url, owner, repo = project.repository()
    name = project.package()["name"]
    patterns = [
        (rf"github\.com/({NAME})/({NAME})", lambda o, r: r not in (repo, "homebrew-tap", "scoop-bucket") or o == owner),
        # The image, and the chart beside it under charts/ (named as the package).
        (rf"ghcr\.io/({NAME})/(?!charts\b)({NAME})", lambda o, r: (o, r) == (owner.lower(), repo.lower())),
        (rf"ghcr\.io/({NAME})/charts/({NAME})", lambda o, r: (o, r) == (owner.lower(), name)),
        # The charts' registry path alone (an Argo CD repoURL, the chart named apart).
        (rf"ghcr\.io/({NAME})/(charts)\b(?!/)", lambda o, r: o == owner.lower()),
        (rf"--repo ({NAME})/({NAME})", lambda o, r: (o, r) == (owner, repo)),
        (rf"brew (?:install|tap) ({NAME})/(tap)\b", lambda o, r: o == owner),
        (rf"winget install (?:-e )?--id ({NAME})\.({NAME})", lambda o, r: (o, r) == (owner, name)),
    ]
    seen = 0
    for doc in DOCS:
        text = (ROOT / doc).read_text()
        for pattern, ok in patterns:
            for m in re.finditer(pattern, text):
                o, r = m.group(1), m.group(2)
                check(ok(o, r), f"{doc}: {m.group(0)!r} does not match Cargo.toml's repository {url}")
                seen += 1
    check(seen, "no reference to the repository found in the docs")


VERSION = r"(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)"
PIN_DOCS = ["README.md"] + [d for d in DOCS if d.startswith("docs/")]


def version_pins(text, repo):
    """(line number, pin, version) of every pin of this project's version in text."""
    patterns = [
        rf"\b{NAME}/{re.escape(repo)}@v{VERSION}\b",
        rf"^\s*(?:tag|version): [\"']?{VERSION}[\"']?\s*$",
        rf"\becr-login:{VERSION}\b",
    ]
    for n, line in enumerate(text.splitlines(), 1):
        for pattern in patterns:
            for m in re.finditer(pattern, line):
                yield n, m.group(0).strip(), m.group(1)
        # `--version X.Y.Z`: the installer's, or helm's for this chart; not another chart's.
        others = [r for r in re.findall(r"oci://\S+", line) if not r.rstrip("\"'`").endswith("/" + repo)]
        if not others:
            for m in re.finditer(rf"--version {VERSION}\b", line):
                yield n, m.group(0), m.group(1)


def check_version_pins():
    version = project.package()["version"]
    _, _, repo = project.repository()
    seen = 0
    for doc in PIN_DOCS:
        for n, pin, v in version_pins((ROOT / doc).read_text(), repo):
            check(v == version, f"{doc}:{n}: {pin!r} pins {v}, not Cargo.toml's version {version}")
            seen += 1
    check(seen, "no version pin found in the README and the manual")
    return seen


def install_section():
    text = (ROOT / "README.md").read_text()
    m = re.search(r"^## Install\n(.*?)^## ", text, re.S | re.M)
    check(m, "README.md has no Install section")
    return m.group(1)


def check_channels():
    section = install_section()
    channels = {
        "cargo install": r"cargo install --locked",
        "cargo binstall": r"cargo binstall docker-credential-ecr-login",
        "the installer": r"install\.sh",
        ".deb": r"apt install \./\S+\.deb",
        ".rpm": r"dnf install \./\S+\.rpm",
        "Homebrew": r"brew install \S+/tap/docker-credential-ecr-login",
        "Scoop": r"scoop install \S*docker-credential-ecr-login",
        "winget": r"winget install (?:-e )?--id \S+",
        "the image": r"ghcr\.io/\S+",
        "the GitHub Action": r"\(#in-ci\)",
        "checksum": r"sha256sum -c",
        "attestation": r"gh attestation verify \S+\s+(?:\\\s+)?--repo \S+",
    }
    for channel, pattern in channels.items():
        check(re.search(pattern, section), f"README.md's Install section has no command for {channel}")


def check_changelog():
    text = (ROOT / "CHANGELOG.md").read_text()
    check(text.startswith("# Changelog\n"), "CHANGELOG.md must start with '# Changelog'")
    headings = re.findall(r"^## (.*)$", text, re.M)
    check(headings and headings[0] == "[Unreleased]", "CHANGELOG.md: the first section must be [Unreleased]")
    for h in headings[1:]:
        check(
            re.fullmatch(r"\[\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\] - \d{4}-\d{2}-\d{2}", h),
            f"CHANGELOG.md: heading {h!r} is not '[X.Y.Z] - YYYY-MM-DD'",
        )
    for sub in re.findall(r"^### (.*)$", text, re.M):
        check(
            sub in {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"},
            f"CHANGELOG.md: subsection {sub!r} is not one of Keep a Changelog's",
        )
    for h in headings:
        label = h.split("]")[0] + "]"
        check(re.search(rf"^{re.escape(label)}: https://\S+$", text, re.M), f"CHANGELOG.md: no link for {label}")


def main():
    check_slugs()
    check_channels()
    pins = check_version_pins()
    check_changelog()
    print(
        f"docs: the repository named consistently, every channel in Install, {pins} version pins at "
        "Cargo.toml's version, CHANGELOG.md well-formed"
    )


if __name__ == "__main__":
    main()
