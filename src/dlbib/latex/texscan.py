"""The TeX scanner under :mod:`dlbib.latex.citations`: masking comments and verbatim text, and
reading a command's ``[optional]``/``{mandatory}`` arguments with their line numbers.

Pure text in, text or positions out; it knows no citation command.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import Path
from typing import Final

from dlbib.errors import CitationError

VERBATIM_ENVS: Final = (
    "verbatim", "verbatim*", "Verbatim", "Verbatim*", "BVerbatim", "LVerbatim", "lstlisting",
    "minted", "comment", "filecontents", "filecontents*",
)  # fmt: skip
_ENVS = "|".join(re.escape(e) for e in VERBATIM_ENVS)
_MASK_RE: Final = re.compile(
    r"\\[\\%]|(?P<verb>\\verb\*?)(?![A-Za-z])"
    r"|\\begin\s*\{(?P<env>" + _ENVS + r")\}|(?P<pct>%)|(?P<end>\\end\s*\{document\})"
)
_BLANK_LINE: Final = re.compile(r"\n[ \t]*\n")
_SPACE_RE: Final = re.compile(r"\s*")
_BARE_INPUT_RE: Final = re.compile(r"[ \t]+([^\s{}\\%]+)")


def mask_tex(text: str) -> str:
    """``text`` with comments, ``\\verb`` arguments, verbatim-like environments and everything
    after ``\\end{document}`` blanked out; newlines and offsets are kept, so lines still match."""
    pieces: list[str] = []
    pos = 0  # where the search goes on
    kept = 0  # the start of the text not yet copied to ``pieces``
    while (m := _MASK_RE.search(text, pos)) is not None:
        start = m.start()
        if m.group("pct"):
            stop = end_of_line(text, start)
        elif m.group("verb"):
            delim = m.end()
            close = text.find(text[delim], delim + 1) if delim < len(text) else -1
            start, stop = delim, (close + 1 if close >= 0 else end_of_line(text, delim))
        elif m.group("env"):
            end_re = re.compile(r"\\end\s*\{" + re.escape(m.group("env")) + r"\}")
            found = end_re.search(text, m.end())
            start, stop = m.end(), (found.start() if found else len(text))
        elif m.group("end"):
            start, stop = m.end(), len(text)
        else:  # an escaped \ or %: kept as it is, the search goes on after it
            pos = m.end()
            continue
        pieces.append(text[kept:start])
        pieces.append(blank(text[start:stop]))
        pos = kept = stop
    pieces.append(text[kept:])
    return "".join(pieces)


def end_of_line(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def scan_group(text: str, at: int, close: str) -> tuple[int, int]:
    """Where the group opened at ``at`` closes: the index of ``close`` at brace depth 0 (a
    backslash escapes the character after it), and the brace depth there — negative when a
    ``}`` closed more than was open. An index ``>= len(text)`` means it never closes."""
    depth, i = 0, at
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if (depth == 0 and ch == close) or depth < 0:
            break
        i += 1
    return i, depth


class Args:
    """Reads a command's arguments from masked LaTeX, advancing :attr:`pos`."""

    def __init__(self, text: str, path: Path, newlines: list[int]) -> None:
        self.text = text
        self.path = path
        self.newlines = newlines
        self.pos = 0

    def _peek(self, pos: int) -> int:
        """The offset of the next non-space character, or -1 past a blank line or the end."""
        m = _SPACE_RE.match(self.text, pos)
        assert m is not None
        if _BLANK_LINE.search(m.group(0)) or m.end() >= len(self.text):
            return -1
        return m.end()

    def _group(self, name: str, line: int, open_: str, close: str) -> str | None:
        at = self._peek(self.pos)
        if at < 0 or self.text[at] != open_:
            return None
        text = self.text
        i, depth = scan_group(text, at, close)
        content = text[at + 1 : i]
        if i >= len(text) or depth < 0 or _BLANK_LINE.search(content):
            what = "argument" if open_ == "{" else "optional argument"
            raise CitationError(
                self.path, f"unbalanced braces: the {what} of \\{name} is never closed", line
            )
        self.pos = i + 1
        return content

    def optional(self, name: str, line: int) -> str | None:
        return self._group(name, line, "[", "]")

    def mandatory(self, name: str, line: int) -> str | None:
        return self._group(name, line, "{", "}")

    def _optionals(self, name: str, line: int) -> None:
        for _ in range(2):
            if self.optional(name, line) is None:
                return

    def cite_args(self, name: str, line: int) -> list[str]:
        self._optionals(name, line)
        keys = self.mandatory(name, line)
        return keys.split(",") if keys is not None else []

    def multicite_args(self, name: str, line: int) -> list[str]:
        for _ in range(2):
            if self._group(name, line, "(", ")") is None:
                break
        keys: list[str] = []
        while True:
            self._optionals(name, line)
            group = self.mandatory(name, line)
            if group is None:
                return keys
            keys.extend(group.split(","))

    def include_targets(self, name: str, root: Path, path: Path) -> list[tuple[str, Path]]:
        if name in ("import", "subimport"):
            folder = self.mandatory(name, line := bisect_right(self.newlines, self.pos) + 1)
            file = self.mandatory(name, line)
            if folder is None or file is None:
                return []
            base = (root if name == "import" else path.parent) / folder.strip()
            return [(file.strip(), base)]
        line = bisect_right(self.newlines, self.pos) + 1
        arg = self.mandatory(name, line)
        if arg is None and name == "input":  # TeX's own syntax: \input chapter1
            m = _BARE_INPUT_RE.match(self.text, self.pos)
            if m is None:
                return []
            self.pos, arg = m.end(), m.group(1)
        return [] if arg is None else [(arg.strip().strip('"'), root)]
