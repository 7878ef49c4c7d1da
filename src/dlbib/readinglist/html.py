"""HTML reading lists into the block model: headings, list items, paragraphs, table rows and
comments become blocks whose text is Markdown-like (anchors as ``[text](href)``, ``<b>`` as
``**``), so every format is read by the same code afterwards.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Final

from dlbib.readinglist.blocks import Block, BlockKind, Document, heading_text, make_block

_DATE = r"((?:19|20)\d{2}-\d{2}-\d{2})"

_HTML_BLOCK: Final = frozenset(
    {"p", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "dt", "dd", "blockquote",
     "section", "article", "ul", "ol", "table", "br", "pre"}
)  # fmt: skip
_HTML_MARK: Final = {"b": "**", "strong": "**", "i": "*", "em": "*"}


class _HtmlToBlocks(HTMLParser):
    """HTML → (kind, line, Markdown-like text) rows; anchors become ``[text](href)``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[BlockKind, int, list[str]]] = []
        self.skip = 0
        self.href: list[str | None] = []
        self.date: str | None = None

    def _new(self, kind: BlockKind) -> None:
        self.rows.append((kind, self.getpos()[0], []))

    def _put(self, text: str) -> None:
        if not self.rows:
            self._new("para")
        self.rows[-1][2].append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag == "meta":
            name = (values.get("name") or values.get("property") or "").lower()
            m = re.match(_DATE, values.get("content") or "")
            if m and ("date" in name or "modified" in name or "published" in name):
                self.date = self.date or m.group(1)
        elif tag == "time" and not self.date:
            m = re.match(_DATE, values.get("datetime") or "")
            self.date = m.group(1) if m else None
        elif tag in _HTML_BLOCK:
            kind: BlockKind = (
                "heading" if re.fullmatch(r"h\d", tag) else "item" if tag == "li" else "para"
            )
            self._new(kind)
        elif tag == "a":
            self.href.append(values.get("href"))
            self._put("[")
        elif tag in _HTML_MARK:
            self._put(_HTML_MARK[tag])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag == "a" and self.href:
            href = self.href.pop()
            self._put(f"]({href})" if href else "]")
        elif tag in _HTML_MARK:
            self._put(_HTML_MARK[tag])

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self._put(data)

    def handle_comment(self, data: str) -> None:
        self.rows.append(("comment", self.getpos()[0], [data]))
        self.rows.append(("para", self.getpos()[0] + data.count("\n"), []))


def html_blocks(text: str, section: str | None = None) -> Document:
    """Blocks of an HTML list (or of an HTML block inside Markdown, under ``section``):
    headings, list items, paragraphs, comments."""
    parser = _HtmlToBlocks()
    parser.feed(text)
    parser.close()
    blocks: list[Block] = []
    for kind, line, parts in parser.rows:
        body = "".join(parts).strip("\n")
        lead = len(body) - len(body.lstrip("\n"))
        body = body.strip()
        if not body:
            continue
        if kind == "heading":
            section = heading_text(body) or section
        blocks.append(make_block(kind, line + lead, body, section))
    return Document(blocks, parser.date)
