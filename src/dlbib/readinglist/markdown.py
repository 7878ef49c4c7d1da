"""Markdown reading lists into the block model, parsed by markdown-it-py (CommonMark + GFM tables):
list items (nested ones too), paragraphs, quotes, headings and table rows become blocks, with
reference-style links already joined to their definitions and lines from markdown-it's line maps;
HTML blocks go through the HTML reader; code blocks are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from markdown_it import MarkdownIt
from markdown_it.token import Token

from dlbib.readinglist.blocks import Block, BlockKind, Document, heading_text, make_block, plain
from dlbib.readinglist.html import html_blocks
from dlbib.readinglist.plaintext import front_matter, stated_date

_MARKS: Final = {"strong_open": "**", "strong_close": "**", "em_open": "*", "em_close": "*"}
CELL_SEPARATOR: Final = " | "
_AUTHOR_LINE: Final = re.compile(r"\s*[*_](?![*_])[^*_\[\]\n]{3,300}[*_]\s*")


def render_inline(children: Sequence[Token]) -> str:
    """An inline token stream back to normalised Markdown: links as ``[text](url)`` with their
    definitions resolved, emphasis as ``**``/``*``, line breaks as newlines (so offsets give
    lines), inline code as its text."""
    out: list[str] = []
    hrefs: list[str] = []
    for tok in children:
        if tok.type == "text":
            out.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif tok.type in _MARKS:
            out.append(_MARKS[tok.type])
        elif tok.type == "link_open":
            hrefs.append(str(tok.attrs.get("href", "")))
            out.append("[")
        elif tok.type == "link_close":
            out.append(f"]({hrefs.pop() if hrefs else ''})")
        elif tok.type == "image":
            alt = render_inline(tok.children or [])
            out.append(f"![{alt}]({tok.attrs.get('src', '')})")
        elif tok.type == "code_inline":
            out.append(tok.content)
        elif tok.type == "html_inline":
            out.append(" " if tok.content.lower().startswith("<br") else tok.content)
    return "".join(out)


class _Walker:
    """Turns markdown-it's token stream into blocks, tracking headings and table headers."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.section: str | None = None
        self.headers: list[str] = []
        self.row: list[tuple[int, str]] = []
        self.item = 0
        self.last: tuple[int, int, str] | None = None
        """The list item, line and text of the last item paragraph."""

    def walk(self, tokens: list[Token]) -> None:
        stack: list[str] = []
        in_head = False
        for tok in tokens:
            if tok.nesting == 1:
                stack.append(tok.type)
            elif tok.nesting == -1 and stack:
                stack.pop()
            if tok.type == "list_item_open":
                self.item += 1
            if tok.type == "thead_open":
                in_head, self.headers = True, []
            elif tok.type == "thead_close":
                in_head = False
            elif tok.type == "tr_open":
                self.row = []
            elif tok.type == "tr_close" and not in_head:
                self._row(tok)
            elif tok.type == "inline":
                self._inline(tok, stack, in_head)
            elif tok.type == "html_block":
                self._html(tok)

    def _inline(self, tok: Token, stack: list[str], in_head: bool) -> None:
        text = render_inline(tok.children or [])
        line = tok.map[0] + 1 if tok.map else 1
        if "th_open" in stack or "td_open" in stack:
            if in_head:
                self.headers.append(plain(text).strip("* ").lower())
            else:
                self.row.append((line, text))
            return
        if not text.strip():
            return
        if "heading_open" in stack:
            self.section = heading_text(text) or self.section
            self.blocks.append(make_block("heading", line, text, self.section))
            return
        kind: BlockKind = (
            "item" if "list_item_open" in stack else "quote" if "blockquote_open" in stack
            else "para"
        )  # fmt: skip
        last = self.last if kind == "item" else None
        if last and last[0] == self.item and _AUTHOR_LINE.fullmatch(text) and self.blocks:
            # "1. **Title.** Venue 2017. [paper](…)" then, a blank line below, "*Authors.*":
            # one citation (newlines keep the author line on its own line number)
            text = last[2] + "\n" * max(1, line - last[1] - last[2].count("\n")) + text
            line = last[1]
            self.blocks.pop()
        self.last = (self.item, line, text) if kind == "item" else None
        self.blocks.append(make_block(kind, line, text, self.section))

    def _row(self, tok: Token) -> None:
        if not self.row:
            return
        parts, cells, at = [], [], 0
        for i, (_line, text) in enumerate(self.row):
            header = self.headers[i] if i < len(self.headers) else ""
            cells.append((header, at, at + len(text)))
            parts.append(text)
            at += len(text) + len(CELL_SEPARATOR)
        line = tok.map[0] + 1 if tok.map else self.row[0][0]
        text = CELL_SEPARATOR.join(parts).replace("\n", " ")
        if text.strip(" |"):
            self.blocks.append(make_block("row", line, text, self.section, tuple(cells)))

    def _html(self, tok: Token) -> None:
        offset = tok.map[0] if tok.map else 0
        for block in html_blocks(tok.content, self.section).blocks:
            if block.kind == "heading":
                self.section = block.section
            for link in block.links:
                link.line += offset
            block.ids = [(line + offset, ident) for line, ident in block.ids]
            block.line += offset
            self.blocks.append(block)


def markdown_blocks(text: str) -> Document:
    """Blocks of a Markdown list."""
    lines = [ln.rstrip("\r") for ln in text.split("\n")]
    start, date = front_matter(lines)
    body = "\n" * start + "\n".join(lines[start:])  # blank front matter keeps line numbers
    # indented code is off: lists indent stray lines by tabs; only fenced code is code
    parser = MarkdownIt("commonmark").enable("table").disable("code")
    walker = _Walker()
    walker.walk(parser.parse(body))
    return Document(walker.blocks, date or stated_date(lines[:60]))
