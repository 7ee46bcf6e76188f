#!/usr/bin/env python3
"""Every relative link of the project's Markdown resolves: the file or directory it names exists,
and an `#anchor` (in the same file or another Markdown file) is the GitHub slug of one of that
file's headings (or an explicit `<a name=...>`/`id=...`).

Links to other sites (`https:`, `mailto:`...) are not fetched. Code (fenced blocks and inline
code spans) is skipped: a `[x](y)` or a `# comment` there is neither a link nor a heading.

Prints one line per broken link, `file:line: target: why`, and exits 1 when there is any.

Usage: python3 tests/docs/check_links.py [FILE.md...]
       (default: README.md, CONTRIBUTING.md, CHANGELOG.md, packaging/README.md, docs/**/*.md)
"""

import re
import sys
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ["README.md", "CONTRIBUTING.md", "CHANGELOG.md", "packaging/README.md"]

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# [text](target) and ![alt](target), target optionally in <>, optionally with a "title".
INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
# [label]: target
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
HTML_ANCHOR = re.compile(r"<a\s+[^>]*?(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", re.I)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def lines_outside_code(text):
    """(line number, line with code spans blanked) for every line outside fenced code."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        yield number, CODE_SPAN.sub(lambda s: " " * len(s.group(0)), line)


def slug(heading):
    """The anchor GitHub gives a heading: its text without markup, lower case, punctuation
    dropped, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


_anchors = {}


def anchors(path):
    """Every anchor of the Markdown file `path`, read once."""
    cache = _anchors
    if path not in cache:
        text = path.read_text(encoding="utf-8")
        found, seen = set(), {}
        fence = None
        for line in text.splitlines():
            m = FENCE.match(line)
            if fence:
                if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                    fence = None
                continue
            if m:
                fence = m.group(1)
                continue
            h = HEADING.match(line)
            if h:
                base = slug(h.group(2))
                n = seen.get(base, 0)
                seen[base] = n + 1
                found.add(base if n == 0 else f"{base}-{n}")
            found.update(HTML_ANCHOR.findall(line))
        cache[path] = found
    return cache[path]


def targets(text):
    for number, line in lines_outside_code(text):
        for m in INLINE.finditer(line):
            yield number, m.group(1)
        m = REFERENCE.match(line)
        if m:
            yield number, m.group(1)


def shown(path):
    try:
        return path.relative_to(ROOT)
    except ValueError:
        return path


def check(doc):
    problems = []
    text = doc.read_text(encoding="utf-8")
    for number, target in targets(text):
        target = target.strip("<>")
        if not target or SCHEME.match(target) or target.startswith("//"):
            continue
        where = f"{shown(doc)}:{number}: {target}"
        path_part, _, anchor = target.partition("#")
        dest = doc if not path_part else (doc.parent / unquote(path_part)).resolve()
        if path_part.startswith("/"):
            problems.append(f"{where}: an absolute path; link relative to the file")
            continue
        if not dest.exists():
            problems.append(f"{where}: no such file or directory")
            continue
        if not anchor:
            continue
        if dest.suffix.lower() != ".md" or not dest.is_file():
            problems.append(f"{where}: an anchor into a file that is not Markdown")
            continue
        if unquote(anchor) not in anchors(dest):
            problems.append(f"{where}: no heading with that anchor in {shown(dest)}")
    return problems


# Headings and the anchors GitHub gives them, so a change to `slug` that would drift from
# GitHub's rules fails here rather than pass broken links.
KNOWN_SLUGS = {
    "Writing the Secret without kubectl (`--apply`)": "writing-the-secret-without-kubectl---apply",
    "What differs from cloud-provider-aws's plugin": "what-differs-from-cloud-provider-awss-plugin",
    "Secrets for Flux, Fleet and imagePullSecrets": "secrets-for-flux-fleet-and-imagepullsecrets",
    "Seeing what docker hid: the log file": "seeing-what-docker-hid-the-log-file",
    "Using it as your only credsStore": "using-it-as-your-only-credsstore",
    "snake_case and **bold** [a link](x.md)": "snake_case-and-bold-a-link",
}


def main(args):
    for heading, want in KNOWN_SLUGS.items():
        if slug(heading) != want:
            print(f"check_links.py: slug({heading!r}) is {slug(heading)!r}, GitHub's is {want!r}")
            return 1
    if args:
        docs = [Path(a).resolve() for a in args]
    else:
        docs = [ROOT / d for d in DEFAULT if (ROOT / d).exists()]
        docs += sorted((ROOT / "docs").rglob("*.md")) if (ROOT / "docs").is_dir() else []
    problems = []
    for doc in docs:
        problems += check(doc)
    for p in problems:
        print(p)
    if problems:
        print(f"docs: {len(problems)} broken link(s)", file=sys.stderr)
        return 1
    print(f"docs: every relative link and anchor of {len(docs)} files resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
