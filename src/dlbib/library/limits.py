"""Bounds on what a library file may contain, checked before any parser recurses into it.

bibtexparser and pylatexenc descend once per brace level, so 100,000 nested braces end in a
``RecursionError`` deep inside them. :func:`check_nesting` refuses such a file first, with the
line where the nesting passes :data:`MAX_BRACE_DEPTH` — in C-speed passes over the braces
alone, so a normal library costs a few string scans.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from dlbib.errors import LibraryError, Problem

MAX_BRACE_DEPTH: Final = 64
"""Real BibTeX rarely nests deeper than 5 (``{\\"{o}}`` inside a protected title is 3)."""

_NOT_BRACES: Final = bytes(b for b in range(256) if b not in b"{}")
"""Every byte but ``{`` and ``}`` (UTF-8 never uses those two inside another character)."""


def check_nesting(text: str, path: Path) -> None:
    """Refuse text whose braces nest deeper than :data:`MAX_BRACE_DEPTH`.

    Each pass removes the innermost ``{}`` pairs, so a file nesting ``d`` deep costs ``d``
    passes; unbalanced braces are left for the parser to report.

    :raises LibraryError: with the line where the nesting gets too deep.
    """
    # the braces alone: bytes.translate is five times as fast as a regex substitution; a
    # megabyte at a time (the encoder's buffer for a whole file is three bytes a character)
    step = 1 << 20
    braces = b"".join(
        text[i : i + step].encode("utf-8", "surrogatepass").translate(None, _NOT_BRACES)
        for i in range(0, len(text), step)
    )
    for _ in range(MAX_BRACE_DEPTH):
        if b"{}" not in braces:
            return
        braces = braces.replace(b"{}", b"")
    if b"{}" not in braces:
        return
    raise LibraryError(
        path,
        "refused: dlbib does not descend into braces nested this deep (nothing was changed)",
        [Problem(_line_of_depth(text), f"braces nest deeper than {MAX_BRACE_DEPTH} levels")],
    )


def _line_of_depth(text: str) -> int:
    depth = 0
    for match in re.finditer(r"[{}]", text):
        depth += 1 if match.group() == "{" else -1
        if depth > MAX_BRACE_DEPTH:
            return text.count("\n", 0, match.start()) + 1
    return 0
