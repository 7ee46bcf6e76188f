#!/usr/bin/env bash
# Regenerates the hashed requirement files of the test tools from their inputs: NAME.in (the
# tools, pinned) gives NAME.txt (every package they pull in, pinned, with the sha256 of every
# wheel and sdist of that version, so one file serves Linux, macOS and Windows and Python 3.11
# and later). The scripts install them with `pip install --require-hashes -r NAME.txt`, and
# reinstall when the file changes.
#
# Usage: tests/tools/requirements/compile.sh [NAME...]   (default: every NAME.in; needs uv:
#        `python3 -m venv /tmp/uv && /tmp/uv/bin/pip install uv`, then UV=/tmp/uv/bin/uv)
set -euo pipefail
cd "$(dirname "$0")"
uv=${UV:-uv}
names=("$@")
if [ ${#names[@]} = 0 ]; then
    for f in *.in; do names+=("${f%.in}"); done
fi
for n in "${names[@]}"; do
    {
        echo "# The $n tool set, every package pinned with the hashes of all its files: install with"
        echo "# \`pip install --require-hashes -r tests/tools/requirements/$n.txt\`."
        echo "# Generated from $n.in; edit that and run tests/tools/requirements/compile.sh $n."
        # --universal: one resolution for every platform and Python >= 3.11, with markers where
        # they differ (CI's runners have 3.12, Debian 12 has 3.11).
        "$uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes \
            --no-header "$n.in"
    } >"$n.txt"
done
