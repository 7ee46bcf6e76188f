"""Reads what a release binary and its SBOM say about the crates compiled in, as a scanner would.

  audit.py deps BINARY        the binary's `cargo auditable` data (.dep-v0): one line per crate
  audit.py sbom SBOM BINARY   the CycloneDX SBOM valid against its schema, naming the binary's
                              crates (aws-sdk-ecr among them) with versions and pkg:cargo purls

Each check exits non-zero with one line saying what is wrong. Needs cyclonedx-python-lib (with
its json-validation extra), pyelftools and pefile (tests/dist/run.sh installs them in a venv).
"""

import json
import sys
import zlib

SECTION = ".dep-v0"


def fail(message):
    print(f"audit: {message}", file=sys.stderr)
    sys.exit(1)


def section_bytes(path):
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic == b"\x7fELF":
        from elftools.elf.elffile import ELFFile

        with open(path, "rb") as f:
            section = ELFFile(f).get_section_by_name(SECTION)
            return None if section is None else section.data()
    if magic[:2] == b"MZ":
        import pefile

        pe = pefile.PE(path, fast_load=True)
        for section in pe.sections:
            if section.Name.rstrip(b"\0").decode(errors="replace") == SECTION:
                # The raw data is padded to the file alignment; zlib stops at its own end.
                return section.get_data()
        return None
    fail(f"{path}: neither ELF nor PE")


def audit_data(path):
    raw = section_bytes(path)
    if raw is None:
        fail(f"{path} has no {SECTION} section (not built with cargo auditable)")
    try:
        data = json.loads(zlib.decompressobj().decompress(raw))
    except (zlib.error, ValueError) as e:
        fail(f"{path}: {SECTION} is not zlib-compressed JSON: {e}")
    packages = data.get("packages")
    if not isinstance(packages, list) or not packages:
        fail(f"{path}: {SECTION} lists no packages")
    return packages


def crates(packages):
    """(name, version) of every crate the build knew of, and of the root's direct runtime deps.

    cargo-auditable resolves features as `cargo metadata` does, so it may list a crate more
    than the build compiled, never one less; the root's direct dependencies are compiled."""
    every = {(p["name"], p["version"]) for p in packages}
    root = next((p for p in packages if p.get("root")), None)
    if root is None:
        fail("no root package in the audit data")
    direct = {
        (packages[i]["name"], packages[i]["version"])
        for i in root.get("dependencies", [])
        if packages[i].get("kind", "runtime") == "runtime"
    }
    return every, direct


def deps(binary):
    packages = audit_data(binary)
    names = {p["name"] for p in packages}
    for wanted in ("docker-credential-ecr-login", "aws-sdk-ecr"):
        if wanted not in names:
            fail(f"{binary}: {SECTION} does not list {wanted}")
    for p in sorted(packages, key=lambda p: p["name"]):
        print(p["name"], p["version"], p.get("kind", "runtime"), p.get("source", ""))


def validate(validator, document):
    error = validator.validate_str(json.dumps(document))
    return None if error is None else str(error).splitlines()[0]


def sbom(path, binary):
    with open(path) as f:
        try:
            document = json.load(f)
        except ValueError as e:
            fail(f"{path}: not JSON: {e}")
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    spec = document.get("specVersion")
    try:
        validator = JsonStrictValidator(SchemaVersion.from_version(spec))
    except Exception:
        fail(f"{path}: unknown CycloneDX specVersion {spec!r}")
    # The validator must be able to say no, or a pass below would mean nothing.
    if validate(validator, {"bomFormat": "not-CycloneDX", "specVersion": spec}) is None:
        fail("the CycloneDX validator accepts a broken document")
    error = validate(validator, document)
    if error:
        fail(f"{path}: not valid CycloneDX {document.get('specVersion')}: {error}")

    listed = set()
    for c in document.get("components", []):
        name, version, purl = c.get("name"), c.get("version"), c.get("purl")
        if purl != f"pkg:cargo/{name}@{version}":
            fail(f"{path}: {name} {version} has purl {purl!r}, not pkg:cargo/{name}@{version}")
        listed.add((name, version))
    if not any(name == "aws-sdk-ecr" for name, _ in listed):
        fail(f"{path} does not name aws-sdk-ecr")
    main = document.get("metadata", {}).get("component", {})
    if main.get("name") != "docker-credential-ecr-login":
        fail(f"{path}: the SBOM describes {main.get('name')!r}, not docker-credential-ecr-login")

    # Checked against the binary's own account of its crates.
    every, direct = crates(audit_data(binary))
    unknown = listed - every
    if unknown:
        fail(f"{path} lists crates the build of {binary} did not use: {sorted(unknown)}")
    missing = direct - listed
    if missing:
        fail(f"{path} lacks direct dependencies compiled into {binary}: {sorted(missing)}")
    if (main.get("name"), main.get("version")) not in every:
        fail(f"{path} describes {main.get('name')} {main.get('version')}, not the binary's version")
    print(f"{path}: valid CycloneDX {document['specVersion']}, {len(listed)} crates, all in the binary's own list")


def main(argv):
    if len(argv) == 3 and argv[1] == "deps":
        deps(argv[2])
    elif len(argv) == 4 and argv[1] == "sbom":
        sbom(argv[2], argv[3])
    else:
        fail("usage: audit.py deps BINARY | sbom SBOM BINARY")


if __name__ == "__main__":
    main(sys.argv)
