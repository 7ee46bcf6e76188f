"""The workflow rules zizmor does not enforce as such, on every workflow and action given:

- every `uses:` of another repository is pinned by full commit SHA, with the `# vX.Y.Z` tag it
  stands for (so an update is readable in review);
- a workflow's top-level permissions are `{}` or `contents: read`, and every job states its own
  and a `timeout-minutes`;
- a cache (actions/cache, Swatinem/rust-cache) only in a workflow that no tag push or release
  starts: what a release builds must not come from a cache another run could have written;
- the CI workflow (.github/workflows/ci.yml) runs every section of tests/run.sh (`tests/run.sh
  --list`) in some job, through `.ci/run SECTION...` or `tests/run.sh SECTION...`, and names no
  section that does not exist; its `test` section runs on Linux, macOS and Windows;
- no `${{ }}` expression inside a `run:` script: values reach scripts through `env:`, where the
  shell cannot mistake them for code;
- every checkout has `persist-credentials: false`.

Usage: python3 tests/release/workflows.py FILE...
"""

import re
import shlex
import subprocess
import sys

import yaml

from project import ROOT, check

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")
CACHES = ("actions/cache@", "actions/cache/", "Swatinem/rust-cache@")
CI = ROOT / ".github" / "workflows" / "ci.yml"


def steps_of(doc):
    if "jobs" in doc:
        for job_id, job in doc["jobs"].items():
            for step in job.get("steps", []):
                yield job_id, step
    else:
        for step in doc.get("runs", {}).get("steps", []):
            yield "runs", step


def release_triggered(doc):
    """Whether a tag push or a release starts the workflow (PyYAML reads `on:` as True)."""
    on = doc.get("on", doc.get(True))
    if isinstance(on, str):
        on = [on]
    if isinstance(on, list):
        return "release" in on
    on = on or {}
    return "release" in on or bool((on.get("push") or {}).get("tags"))


def sections_run(job, full_run):
    """The tests/run.sh sections a job's run: scripts name (none named: the full run)."""
    for step in job.get("steps", []):
        for line in step.get("run", "").splitlines():
            words = shlex.split(line, comments=True)
            for i, word in enumerate(words):
                if word in (".ci/run", "tests/run.sh"):
                    args = words[i + 1 :]
                    if not any(a.startswith("-") for a in args):
                        yield from args or full_run
                    break


def check_ci(path, doc):
    lines = subprocess.run(
        ["bash", str(ROOT / "tests" / "run.sh"), "--list"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    listed = [line.split()[0] for line in lines if line.strip()]
    full_run = [line.split()[0] for line in lines if len(line.split()) == 1]
    check(listed and full_run, "tests/run.sh --list printed no section")
    covered = {}
    for job_id, job in doc["jobs"].items():
        for section in sections_run(job, full_run):
            check(section in listed + ["platforms"], f"{path}: job {job_id} runs tests/run.sh {section}, no such section")
            covered.setdefault(section, []).append(job_id)
    if "platforms" in covered:
        for s in ("wine", "macos", "dist"):
            covered.setdefault(s, []).extend(covered["platforms"])
    missing = [s for s in listed if s not in covered]
    check(not missing, f"{path}: no job runs these sections of tests/run.sh: {' '.join(missing)}")
    runners = set()
    for job_id in covered["test"]:
        job = doc["jobs"][job_id]
        os_ = job.get("strategy", {}).get("matrix", {}).get("runner") or [job.get("runs-on")]
        runners.update(str(r).split("-")[0] for r in os_)
    check({"ubuntu", "macos", "windows"} <= runners, f"{path}: the test section runs on {sorted(runners)} only")


def main():
    for path in sys.argv[1:]:
        text = open(path).read()
        for n, line in enumerate(text.splitlines(), 1):
            m = re.match(r"^\s*(?:-\s+)?uses:\s*(.*)$", line)
            if m and not m.group(1).startswith("./"):
                check(PINNED.match(m.group(1)), f"{path}:{n}: not pinned by commit with its '# vX.Y.Z': {m.group(1)}")
        doc = yaml.safe_load(text)
        if "jobs" in doc:
            top = doc.get("permissions")
            check(top in ({}, {"contents": "read"}), f"{path}: top-level permissions {top!r}")
            for job_id, job in doc["jobs"].items():
                check("permissions" in job, f"{path}: job {job_id} does not state its permissions")
                check("timeout-minutes" in job, f"{path}: job {job_id} has no timeout-minutes")
            if release_triggered(doc):
                for job_id, step in steps_of(doc):
                    check(
                        not str(step.get("uses", "")).startswith(CACHES),
                        f"{path}: {job_id}: a cache in a workflow that tags or releases start",
                    )
            if CI.samefile(path):
                check_ci(path, doc)
        for job_id, step in steps_of(doc):
            where = f"{path}: {job_id}: step {step.get('name') or step.get('uses') or step.get('run', '')[:40]!r}"
            check("${{" not in step.get("run", ""), f"{where}: a ${{{{ }}}} expression inside run: (use env:)")
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                check(step.get("with", {}).get("persist-credentials") is False, f"{where}: persist-credentials")
    print(
        f"workflows: {len(sys.argv) - 1} file(s) pinned, permissioned, timed out, no expressions in "
        "scripts, no cache where a release is built; CI runs every section of tests/run.sh"
    )


if __name__ == "__main__":
    main()
