#!/bin/sh
# Prints a version's section of CHANGELOG.md, without its heading: the notes of that release.
# The section is the one headed `## [VERSION]` (Keep a Changelog: `## [1.2.0] - 2026-01-31`);
# `Unreleased` selects `## [Unreleased]`. Fails when there is no such section or it is empty,
# so a release never goes out with notes of another version or none.
#
# Usage: scripts/changelog.sh VERSION [CHANGELOG]    (default: the repository's CHANGELOG.md)
set -eu
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: $0 VERSION [CHANGELOG]" >&2; exit 2; fi
version=$1
file=${2:-$(dirname "$0")/../CHANGELOG.md}
[ -f "$file" ] || { echo "changelog: no file $file" >&2; exit 1; }
# The heading is compared as a string, so 1.2.1 never matches [1.2.10] or [1.2.1-rc.1].
awk -v version="$version" '
    /^## / {
        if (found) exit
        found = index($0, "## [" version "]") == 1 && \
            (length($0) == length(version) + 5 || substr($0, length(version) + 6, 1) == " ")
        next
    }
    # The link definitions at the end of the file belong to no section.
    found && /^\[[^]]+\]: / { exit }
    found {
        if ($0 ~ /^[ \t]*$/) { blank++; next }
        if (printed) while (blank-- > 0) print ""
        blank = 0; printed = 1; print
    }
    END {
        if (!found && !printed) { print "changelog: no section [" version "]" > "/dev/stderr"; exit 1 }
        if (!printed) { print "changelog: the section [" version "] is empty" > "/dev/stderr"; exit 1 }
    }
' "$file"
