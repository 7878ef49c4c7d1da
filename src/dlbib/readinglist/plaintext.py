"""Plain-text reading lists into the block model (one block per line), plus the list's own date
(YAML front matter, or an "updated YYYY-MM-DD" line) that every text format shares.
"""

from __future__ import annotations

import re
from typing import Final

from dlbib.readinglist.blocks import Block, BlockKind, Document, heading_text, make_block

_DATE = r"((?:19|20)\d{2}-\d{2}-\d{2})"
_UPDATED = re.compile(rf"(?i)\b(?:last[\s-]+)?(?:updated|modified)(?:\s+on)?\s*:?\s*{_DATE}")
_FRONT_DATE: Final = re.compile(
    rf"^(?:date|updated|last_modified_at|last_modified|modified|lastmod)\s*:\s*['\"]?{_DATE}"
)


def _looks_like_text_heading(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 8
        and line[:1].isupper()
        and not re.search(r"[.:;,!?)\]]$|https?://|\(\d{4}", line)
        and " by " not in line
    )


class _LineReader:
    """Groups plain-text lines into blocks, tracking the current heading."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.blocks: list[Block] = []
        self.section: str | None = None
        self.cur: tuple[BlockKind, int, list[str]] | None = None
        self.fence = False

    def flush(self) -> None:
        if self.cur is not None:
            kind, line, body = self.cur
            self.blocks.append(make_block(kind, line, "\n".join(body), self.section))
        self.cur = None

    def emit(self, kind: BlockKind, line: int, text: str) -> None:
        if kind == "heading":
            self.section = heading_text(text) or self.section
        self.blocks.append(make_block(kind, line, text, self.section))

    def comment(self, n: int) -> int:
        """Read an HTML comment starting on line index ``n``; return the next line's index."""
        self.flush()
        body = [self.lines[n]]
        closed = "-->" in body[0][body[0].find("<!--") :]
        while not closed and n + len(body) < len(self.lines):
            body.append(self.lines[n + len(body)])
            closed = "-->" in body[-1]
        self.blocks.append(make_block("comment", n + 1, "\n".join(body), self.section))
        return n + len(body)

    def read(self, start: int) -> list[Block]:
        n = start
        while n < len(self.lines):
            raw = self.lines[n]
            stripped = raw.strip()
            if stripped.startswith(("```", "~~~")):
                self.flush()
                self.fence = not self.fence
            elif self.fence:
                pass
            elif "<!--" in raw:
                n = self.comment(n)
                continue
            elif not stripped:
                self.flush()
            else:
                self.text_line(n, stripped)
            n += 1
        self.flush()
        return self.blocks

    def text_line(self, n: int, stripped: str) -> None:
        """Plain text: every line is a block; a short title-like line before a blank is a
        heading."""
        blank_next = n + 1 >= len(self.lines) or not self.lines[n + 1].strip()
        kind: BlockKind = "heading" if blank_next and _looks_like_text_heading(stripped) else "para"
        self.emit(kind, n + 1, stripped)


def text_blocks(text: str) -> Document:
    """Blocks of a plain-text list: one block per line; a short title-like line before a blank
    line is a heading."""
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    start, date = front_matter(lines)
    blocks = _LineReader(lines).read(start)
    return Document(blocks, date or stated_date(lines[:60]))


def front_matter(lines: list[str]) -> tuple[int, str | None]:
    """Skip YAML front matter; return the first body line's index and its date."""
    if not lines or lines[0].strip() != "---":
        return 0, None
    for j in range(1, min(len(lines), 200)):
        if lines[j].strip() in ("---", "..."):
            dates = [m.group(1) for ln in lines[1:j] if (m := _FRONT_DATE.match(ln.strip()))]
            return j + 1, (dates[-1] if dates else None)
    return 0, None


def stated_date(lines: list[str]) -> str | None:
    for line in lines:
        m = _UPDATED.search(line)
        if m:
            return m.group(1)
    return None
