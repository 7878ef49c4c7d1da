"""The block model every reading-list format is read into: blocks (list items, paragraphs, table
rows, quotes, headings, comments) holding Markdown-like text, and the links found in that text
with their lines. ``markdown.py`` (markdown-it-py), ``plaintext.py`` (plain text) and ``html.py``
fill it. Broken Markdown (``[text] (url)``, ``((url))``, spaces inside the parentheses) is
repaired rather than dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from dlbib.readinglist.urls import clean_url, split_glued

BlockKind = Literal["item", "para", "row", "quote", "heading", "comment"]

_BARE_URL = re.compile(r"https?://[^\s<>\[\]\"'`]+", re.IGNORECASE)
_ARXIV_TEXT = re.compile(
    r"\barxiv:?\s*((?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?)", re.IGNORECASE
)
_DOI_TEXT = re.compile(r"(?:\bdoi:\s*|(?<![\w/.=]))(10\.\d{4,9}/[^\s\"<>\[\]{}]+)", re.IGNORECASE)


@dataclass(eq=False)
class Link:
    """A link in a block: its span in the block's text, its text and URL(s)."""

    start: int
    end: int
    text: str
    urls: tuple[str, ...]
    line: int
    bold: bool = False
    repaired: bool = False
    """True when written as broken Markdown (``[text] (url)``)."""
    ignore_reason: str | None = None

    @property
    def url(self) -> str:
        """The first URL (a glued link may hold several)."""
        return self.urls[0] if self.urls else ""


@dataclass
class Block:
    """A paragraph, list item, quote, heading or HTML comment, with its links."""

    kind: BlockKind
    line: int
    text: str
    section: str | None
    links: list[Link] = field(default_factory=list)
    ids: list[tuple[int, str]] = field(default_factory=list)
    """Bare arXiv ids and DOIs written in the text, outside links: (line, id)."""
    cells: tuple[tuple[str, int, int], ...] = ()
    """For a table row: (column header, start, end) of each cell in ``text``."""

    def cell_of(self, offset: int) -> str | None:
        """The lower-case header of the cell holding ``offset`` (None outside tables)."""
        for header, start, end in self.cells:
            if start <= offset <= end:
                return header
        return None

    def starts_with(self, link: Link) -> bool:
        """True when only emphasis markers precede ``link``."""
        return not self.text[: link.start].strip(" \t*_\n")

    @property
    def bold_lead(self) -> str | None:
        """The text of a leading ``**bold**`` span that holds no link."""
        m = re.match(r"\s*(\*\*|__)(.+?)\1", self.text, re.DOTALL)
        if m and "](" not in m.group(2) and "http" not in m.group(2):
            return m.group(2)
        return None

    def text_after(self, link: Link) -> str:
        """The text after ``link``, without the emphasis markers that close around it."""
        return re.sub(r"^[*_]+", "", self.text[link.end :])

    def text_after_bold(self) -> str:
        """The text after the leading bold span (all the text when there is none)."""
        m = re.match(r"\s*(\*\*|__)(.+?)\1", self.text, re.DOTALL)
        return self.text[m.end() :] if m and self.bold_lead is not None else self.text


@dataclass
class Document:
    """A reading list as blocks, plus its date when it states one."""

    blocks: list[Block]
    date: str | None = None


def _balanced(text: str, i: int, open_: str, close: str) -> int:
    """Index just past the bracket that closes the one at ``i``, or -1."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == open_:
            depth += 1
        elif text[j] == close:
            depth -= 1
            if depth == 0:
                return j + 1
    return -1


def _is_bold(text: str, start: int, end: int) -> bool:
    before = re.search(r"[*_]*$", text[:start])
    after = re.match(r"[*_]*", text[end:])
    return bool(before and after and len(before.group(0)) >= 2 and len(after.group(0)) >= 2)


def _urls(raw: str) -> tuple[str, ...]:
    inner = raw.strip()
    while inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1].strip()
    # the first word: drops a Markdown link title, and the rest of the line when ")" is missing
    inner = inner.split()[0] if inner.split() else ""
    return tuple(split_glued(inner)) if inner else ()


def _inline(text: str, i: int) -> tuple[int, str, str, bool] | None:
    """A ``[text](url)`` (or broken ``[text] (url)``) link starting at ``i``."""
    close = _balanced(text, i, "[", "]")
    if close < 0:
        return None
    j, repaired = close, False
    if text.startswith(" (", j) and re.match(r" \(\s*(?:https?://|www\.)", text[j:]):
        j, repaired = j + 1, True
    if not text.startswith("(", j):
        return None
    end = _balanced(text, j, "(", ")")
    if end < 0:
        end = len(text)
    return end, text[i + 1 : close - 1], text[j + 1 : end - 1], repaired


def _scan(text: str) -> Iterator[tuple[int, int, str, str, str]]:
    """(start, end, kind, text, raw url) for every link; kind is inline/image/auto/html/bare."""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "!" and text.startswith("![", i):
            found = _inline(text, i + 1)
            if found:
                yield i, found[0], "image", found[1], found[2]
                i = found[0]
                continue
        if ch == "[":
            found = _inline(text, i)
            if found:
                end, label, raw, repaired = found
                yield i, end, "repaired" if repaired else "inline", label, raw
                i = end
                continue
        if ch == "<":
            m = re.match(r"<(https?://[^>\s]+)>", text[i:])
            if m:
                yield i, i + m.end(), "auto", m.group(1), m.group(1)
                i += m.end()
                continue
            m = re.match(r"<a\s[^>]*?href\s*=\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</a\s*>", text[i:],
                         re.IGNORECASE | re.DOTALL)  # fmt: skip
            if m:
                yield i, i + m.end(), "html", re.sub(r"<[^>]+>", "", m.group(2)), m.group(1)
                i += m.end()
                continue
        if ch in "hH":
            m = _BARE_URL.match(text, i)
            if m and (i == 0 or not text[i - 1].isalnum()):
                raw = clean_url(m.group(0))
                yield i, i + len(raw), "bare", raw, raw
                i += max(len(raw), 1)
                continue
        i += 1


def find_links(text: str, line: int) -> list[Link]:
    """Every link in a block's ``text`` whose first line is ``line``."""
    links = []
    for start, end, kind, label, raw in _scan(text):
        at = line + text[:start].count("\n")
        label = " ".join(label.split())
        if kind == "image":
            links.append(Link(start, end, label, _urls(raw), at, ignore_reason="image"))
            continue
        reason = None
        if re.search(r"!\[[^\]]*\]\(", label):
            reason, label = (
                "image link (a badge or figure)",
                # the badge's alt text ("doi", "Preprint") says what the link is
                re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", label).strip(),
            )
        urls = _urls(raw) if kind in ("inline", "repaired") else tuple(split_glued(raw))
        if not urls:
            urls = (raw.strip(),)
            reason = reason or "empty link"
        links.append(Link(start, end, label, urls, at, _is_bold(text, start, end),
                          kind == "repaired", reason))  # fmt: skip
    return links


def _find_ids(text: str, links: list[Link], line: int) -> list[tuple[int, str]]:
    masked = list(text)
    for link in links:
        masked[link.start : link.end] = " " * (link.end - link.start)
    plain = "".join(masked)
    found: list[tuple[int, int, str]] = []
    for m in _ARXIV_TEXT.finditer(plain):
        found.append((m.start(), line + plain[: m.start()].count("\n"), m.group(1)))
    for m in _DOI_TEXT.finditer(plain):
        doi = m.group(1).rstrip(".,;:)")
        found.append((m.start(), line + plain[: m.start()].count("\n"), doi))
    return [(at, ident) for _, at, ident in sorted(found)]


def plain(text: str) -> str:
    """Markdown reduced to its words: links become their text, emphasis and markup go."""
    out, last = [], 0
    for start, end, kind, label, _raw in _scan(text):
        out.append(text[last:start])
        out.append("" if kind in ("image", "bare", "auto") else label)
        last = end
    out.append(text[last:])
    joined = "".join(out)
    joined = re.sub(r"<[^>]+>|(?<!\w)[*_]+|[*_]+(?!\w)|`", "", joined)
    return " ".join(joined.split())


def citation_text(text: str, is_label: Callable[[str], bool]) -> str:
    """``text`` with label links (``[[pdf]](…)``, ``[Code](…)``), images and bare URLs removed,
    other links as their text."""
    out, last = [], 0
    for start, end, kind, label, _raw in _scan(text):
        out.append(text[last:start])
        drop = label.strip().startswith("[") or is_label(label) or "![" in label
        out.append("" if drop or kind in ("image", "bare", "auto") else label)
        last = end
    out.append(text[last:])
    return "".join(out)


def make_block(
    kind: BlockKind,
    line: int,
    text: str,
    section: str | None,
    cells: tuple[tuple[str, int, int], ...] = (),
) -> Block:
    """A block with its links and bare ids found."""
    links = find_links(text, line)
    ids = _find_ids(text, links, line) if kind != "comment" else []
    return Block(kind, line, text, section, links, ids, cells)


def heading_text(text: str) -> str:
    """A heading's words, for the section name."""
    return plain(text).strip(" #:")
