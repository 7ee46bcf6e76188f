"""The workflow rules zizmor does not enforce as such, on every workflow and action given:

- every `uses:` of another repository is pinned by full commit SHA, with the `# vX.Y.Z` tag it
  stands for (so an update is readable in review);
- a workflow's top-level permissions are `{}` or `contents: read`, and every job states its own;
- no `${{ }}` expression inside a `run:` script: values reach scripts through `env:`, where the
  shell cannot mistake them for code;
- every checkout has `persist-credentials: false`.

Usage: python3 tests/release/workflows.py FILE...
"""

import re
import sys

import yaml

from project import check

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def steps_of(doc):
    if "jobs" in doc:
        for job_id, job in doc["jobs"].items():
            for step in job.get("steps", []):
                yield job_id, step
    else:
        for step in doc.get("runs", {}).get("steps", []):
            yield "runs", step


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
        for job_id, step in steps_of(doc):
            where = f"{path}: {job_id}: step {step.get('name') or step.get('uses') or step.get('run', '')[:40]!r}"
            check("${{" not in step.get("run", ""), f"{where}: a ${{{{ }}}} expression inside run: (use env:)")
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                check(step.get("with", {}).get("persist-credentials") is False, f"{where}: persist-credentials")
    print(f"workflows: {len(sys.argv) - 1} file(s) pinned, permissioned, no expressions in scripts")


if __name__ == "__main__":
    main()
