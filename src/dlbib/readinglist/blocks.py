"""Split a reading list into blocks (list items, paragraphs, quotes, headings, comments) and find
the links in each, with their lines. Markdown and plain text are read line by line; HTML is first
rewritten into the same Markdown-like blocks. Broken Markdown (``[text] (url)``, ``((url))``,
spaces inside the parentheses) is repaired rather than dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Final, Literal

from dlbib.readinglist.urls import clean_url, split_glued

BlockKind = Literal["item", "para", "quote", "heading", "comment"]

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
_HR = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")
_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
_BARE_URL = re.compile(r"https?://[^\s<>\[\]\"'`]+", re.IGNORECASE)
_ARXIV_TEXT = re.compile(
    r"\barxiv:?\s*((?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?)", re.IGNORECASE
)
_DOI_TEXT = re.compile(r"(?:\bdoi:\s*|(?<![\w/.=]))(10\.\d{4,9}/[^\s\"<>\[\]{}]+)", re.IGNORECASE)
_DATE = r"((?:19|20)\d{2}-\d{2}-\d{2})"
_UPDATED = re.compile(rf"(?i)\b(?:last[\s-]+)?(?:updated|modified)(?:\s+on)?\s*:?\s*{_DATE}")
_FRONT_DATE = re.compile(
    rf"^(?:date|updated|last_modified_at|last_modified|modified|lastmod)\s*:\s*['\"]?{_DATE}"
)


@dataclass
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
                re.sub(r"!\[[^\]]*\]\([^)]*\)", "", label),
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


def citation_text(text: str, links: list[Link]) -> str:
    """``text`` with label links (``[[pdf]](…)``) and bare URLs removed, other links as text."""
    out, last = [], 0
    for start, end, kind, label, _raw in _scan(text):
        out.append(text[last:start])
        is_label = label.strip().startswith("[") or label.strip().lower() in ("pdf", "web", "html")
        out.append("" if is_label or kind in ("image", "bare", "auto") else " " + label + " ")
        last = end
    out.append(text[last:])
    return "".join(out)


def _make_block(kind: BlockKind, line: int, text: str, section: str | None) -> Block:
    links = find_links(text, line)
    ids = _find_ids(text, links, line) if kind != "comment" else []
    return Block(kind, line, text, section, links, ids)


def _heading_text(text: str) -> str:
    return plain(text).strip(" #:")


def _looks_like_text_heading(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 8
        and line[:1].isupper()
        and not re.search(r"[.:;,!?)\]]$|https?://|\(\d{4}", line)
        and " by " not in line
    )


class _LineReader:
    """Groups Markdown (or plain-text) lines into blocks, tracking the current heading."""

    def __init__(self, lines: list[str], fmt: str) -> None:
        self.lines = lines
        self.fmt = fmt
        self.blocks: list[Block] = []
        self.section: str | None = None
        self.cur: tuple[BlockKind, int, list[str]] | None = None
        self.fence = False

    def flush(self) -> None:
        if self.cur is not None:
            kind, line, body = self.cur
            self.blocks.append(_make_block(kind, line, "\n".join(body), self.section))
        self.cur = None

    def emit(self, kind: BlockKind, line: int, text: str) -> None:
        if kind == "heading":
            self.section = _heading_text(text) or self.section
        self.blocks.append(_make_block(kind, line, text, self.section))

    def comment(self, n: int) -> int:
        """Read an HTML comment starting on line index ``n``; return the next line's index."""
        self.flush()
        body = [self.lines[n]]
        closed = "-->" in body[0][body[0].find("<!--") :]
        while not closed and n + len(body) < len(self.lines):
            body.append(self.lines[n + len(body)])
            closed = "-->" in body[-1]
        self.blocks.append(_make_block("comment", n + 1, "\n".join(body), self.section))
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
            elif self.fmt == "text":
                self.text_line(n, stripped)
            else:
                self.markdown_line(n + 1, raw, stripped)
            n += 1
        self.flush()
        return self.blocks

    def text_line(self, n: int, stripped: str) -> None:
        """Plain text: every line is a block; a short title-like line before a blank is a
        heading."""
        blank_next = n + 1 >= len(self.lines) or not self.lines[n + 1].strip()
        kind: BlockKind = "heading" if blank_next and _looks_like_text_heading(stripped) else "para"
        self.emit(kind, n + 1, stripped)

    def markdown_line(self, number: int, raw: str, stripped: str) -> None:
        cur = self.cur
        m = _ATX.match(raw)
        if m:
            self.flush()
            self.emit("heading", number, m.group(2))
        elif _SETEXT.match(raw) and cur is not None and cur[0] == "para" and len(cur[2]) == 1:
            self.cur = None
            self.emit("heading", cur[1], cur[2][0])
        elif _HR.match(raw):
            self.flush()
        elif m := _LIST.match(raw):
            self.flush()
            self.cur = ("item", number, [raw[m.end() :]])
        elif stripped.startswith(">"):
            if cur is None or cur[0] != "quote":
                self.flush()
                self.cur = ("quote", number, [])
            assert self.cur is not None
            self.cur[2].append(stripped.lstrip("> "))
        else:
            if cur is None:
                self.cur = ("para", number, [])
            assert self.cur is not None
            self.cur[2].append(raw)


def text_blocks(text: str, fmt: str) -> Document:
    """Blocks of a Markdown or plain-text list (plain text: one block per line)."""
    lines = text.splitlines()
    start, date = _front_matter(lines)
    blocks = _LineReader(lines, fmt).read(start)
    return Document(blocks, date or _stated_date(lines[:60]))


def _front_matter(lines: list[str]) -> tuple[int, str | None]:
    """Skip YAML front matter; return the first body line's index and its date."""
    if not lines or lines[0].strip() != "---":
        return 0, None
    for j in range(1, min(len(lines), 200)):
        if lines[j].strip() in ("---", "..."):
            dates = [m.group(1) for ln in lines[1:j] if (m := _FRONT_DATE.match(ln.strip()))]
            return j + 1, (dates[-1] if dates else None)
    return 0, None


def _stated_date(lines: list[str]) -> str | None:
    for line in lines:
        m = _UPDATED.search(line)
        if m:
            return m.group(1)
    return None


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


def html_blocks(text: str) -> Document:
    """Blocks of an HTML list: headings, list items, paragraphs, comments."""
    parser = _HtmlToBlocks()
    parser.feed(text)
    parser.close()
    blocks: list[Block] = []
    section: str | None = None
    for kind, line, parts in parser.rows:
        body = "".join(parts).strip("\n")
        lead = len(body) - len(body.lstrip("\n"))
        body = body.strip()
        if not body:
            continue
        if kind == "heading":
            section = _heading_text(body) or section
        blocks.append(_make_block(kind, line + lead, body, section))
    return Document(blocks, parser.date)
