"""Reading-list import, first half: read a Markdown, plain-text or HTML list and find the works it
cites, as :class:`Candidate` references with their line and section heading.

It recognises arXiv links and ids, DOIs, proceedings links (PMLR, JMLR, NeurIPS, CVF, ACL
Anthology), hand-written citations without a link, and other web links; links that are not works
(anchors, images, search and profile pages, names mentioned in passing) become :class:`Ignored`
with a reason. It does not look anything up, deduplicate or write: see ``importer.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from dlbib.errors import ReadingListError
from dlbib.library.model import ArxivId
from dlbib.readinglist import blocks as _markup
from dlbib.readinglist.blocks import Block, Link
from dlbib.readinglist.citation import Citation, clean_title, is_proper_name, parse_citation
from dlbib.readinglist.html import html_blocks
from dlbib.readinglist.markdown import markdown_blocks
from dlbib.readinglist.plaintext import text_blocks
from dlbib.readinglist.urls import (
    Proceedings,
    arxiv_id_in_url,
    doi_in_url,
    non_work_reason,
    proceedings_of,
    site_name,
    slug_title,
    web_type,
)

Format = Literal["markdown", "text", "html"]
Kind = Literal["arxiv", "doi", "paper", "citation", "web"]

LABELS: Final = frozenset({"pdf", "html", "web", "link", "paper", "arxiv", "abs", "doi", "url"})
"""Link texts that only say what kind of file a link is; the item's text names the work."""
_GENERIC: Final = LABELS | {"here", "this", "click here", "source", "website", "video", "slides"}
_SUFFIXES: Final = {".md": "markdown", ".markdown": "markdown", ".mdown": "markdown",
                    ".html": "html", ".htm": "html", ".txt": "text", ".text": "text"}  # fmt: skip
MENTION: Final = "a name mentioned in passing (person, organisation or product), not a cited work"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One work a reading list cites, with everything the list says about it."""

    line: int
    """1-based line of the link (or of the citation when there is no link)."""
    text: str
    """The source line, stripped, for reports."""
    section: str | None
    """The nearest heading above it."""
    kind: Kind
    """``arxiv`` (has an arXiv id), ``paper`` (a citation with a non-arXiv link or DOI),
    ``citation`` (no link), ``doi`` (a bare DOI) or ``web`` (any other page)."""
    url: str | None = None
    """The work's link as written (cleaned), or None."""
    urls: tuple[str, ...] = ()
    """Every link the list gives for this work."""
    arxiv_id: ArxivId | None = None
    doi: str | None = None
    proceedings: Proceedings | None = None
    citation: Citation | None = None
    """What the list's own text says: title, authors, year, venue."""
    title: str | None = None
    """The title: the citation's, else the link text or one made from the URL."""


@dataclass(frozen=True, slots=True)
class Ignored:
    """A link or line that is not a work, and why."""

    line: int
    text: str
    reason: str
    url: str | None = None


@dataclass
class ReadingList:
    """What a reading list cites, in list order."""

    path: Path
    format: Format
    date: str | None = None
    """The list's own date (``YYYY-MM-DD``) when it states one; used as ``urldate``."""
    candidates: list[Candidate] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)


def read_reading_list(path: Path) -> ReadingList:
    """Read and parse a reading list file.

    :raises ReadingListError: when it is missing, binary, not UTF-8 or empty (with the line).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ReadingListError(path, "no such file") from exc
    except IsADirectoryError as exc:
        raise ReadingListError(path, "is a folder, not a reading list") from exc
    except OSError as exc:
        raise ReadingListError(path, f"cannot be read: {exc.strerror}") from exc
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise ReadingListError(path, "is a binary file, not a text reading list", line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise ReadingListError(path, f"is not UTF-8 text (byte 0x{byte:02x})", line) from exc
    if not text.strip():
        raise ReadingListError(path, "is empty")
    return parse_reading_list(text, path)


def detect_format(text: str, path: Path | None = None) -> Format:
    """``html``, ``markdown`` or ``text``: from the file suffix, else from the content."""
    if path is not None and path.suffix.lower() in _SUFFIXES:
        return _SUFFIXES[path.suffix.lower()]  # type: ignore[return-value]
    head = text[:4096].lower()
    if re.search(r"<!doctype html|<html[\s>]|<body[\s>]", head) or head.count("<a href") >= 3:
        return "html"
    if re.search(r"\]\([^)]+\)|^#{1,6}\s|^\s*[-*+]\s|<https?://", text, re.MULTILINE):
        return "markdown"
    return "text"


def parse_reading_list(text: str, path: Path, fmt: Format | None = None) -> ReadingList:
    """Find the works a reading list's text cites.

    :param path: names the list in reports (nothing is read from it).
    :param fmt: the format; detected when None.
    """
    fmt = fmt or detect_format(text, path)
    if fmt == "html":
        doc = html_blocks(text)
    else:
        doc = markdown_blocks(text) if fmt == "markdown" else text_blocks(text)
    reading = ReadingList(path, fmt, doc.date)
    lines = text.splitlines()
    for block in doc.blocks:
        if block.kind == "comment":
            for link in block.links:
                reading.ignored.append(
                    Ignored(link.line, _line(lines, link.line), "inside an HTML comment", link.url)
                )
            continue
        _read_block(block, lines, reading)
    return reading


def _line(lines: list[str], number: int) -> str:
    return lines[number - 1].strip() if 0 < number <= len(lines) else ""


def _is_label(link: Link) -> bool:
    text = link.text.strip().strip("[]()").strip().lower()
    return link.text.strip().startswith("[") or text in LABELS


def _link_title(link: Link, block: Block) -> str | None:
    """A title for a link that is not part of a citation."""
    text = clean_title(link.text.strip("[] "))
    if text and not re.match(r"https?://", text) and text.lower() not in _GENERIC:
        return text
    if _is_label(link):
        before = clean_title(_markup.plain(block.text[: link.start]))
        if before:
            return before
    return slug_title(link.url) if link.url else None


def _read_block(block: Block, lines: list[str], reading: ReadingList) -> None:
    """Turn one paragraph or list item into candidates and ignored links."""
    usable: list[Link] = []
    for link in block.links:
        reason = link.ignore_reason or (non_work_reason(link.url) if link.url else None)
        if reason is None and _is_mention(link, block):
            reason = MENTION
        if reason:
            reading.ignored.append(Ignored(link.line, _line(lines, link.line), reason, link.url))
        else:
            usable.append(link)
    # the item's title: a leading link (not a "[pdf]" label) or a leading bold span
    lead = usable[0] if usable and block.starts_with(usable[0]) else None
    title = lead.text if lead and not _is_label(lead) else block.bold_lead
    if title is None:
        rest = block.text
    elif lead and title == lead.text:
        rest = block.text_after(lead)
    else:
        rest = block.text_after_bold()
    strict = not usable or block.kind == "para"  # no paper link: only an unmistakable citation
    citation = parse_citation(_markup.citation_text(rest, usable), title, strict=strict)
    if citation and block.kind == "para" and not citation.year:
        citation = None
    section = block.section
    if citation:
        work = [lk for lk in usable if lk is lead or _is_label(lk)]
        others = [lk for lk in usable if lk not in work]
        line = work[0].line if work else block.line
        reading.candidates.append(_work(citation, work, line, _line(lines, line), section))
    else:
        others = usable
    for link in others:
        reading.candidates.append(_single(link, block, _line(lines, link.line), section))
    for line_no, ident in block.ids:
        reading.candidates.append(_bare_id(ident, line_no, _line(lines, line_no), section))


def _is_mention(link: Link, block: Block) -> bool:
    """A well-formed, non-bold link on a short name in the middle of a sentence."""
    if link.bold or link.repaired or not is_proper_name(link.text):
        return False
    after = block.text[link.end : link.end + 40].lstrip("*_")
    return bool(re.match(r"(?:['’]s\b|\s*\(?[\w(])", after)) and not re.match(r"\s*\[", after)


def _ids_of(links: list[Link]) -> tuple[ArxivId | None, str | None, Proceedings | None]:
    arxiv = doi = None
    proc = None
    for link in links:
        for url in link.urls:
            arxiv = arxiv or arxiv_id_in_url(url)
            doi = doi or doi_in_url(url)
            proc = proc or proceedings_of(url)
    return arxiv, doi, proc


def _work(
    citation: Citation, links: list[Link], line: int, text: str, section: str | None
) -> Candidate:
    arxiv, doi, proc = _ids_of(links)
    urls = tuple(u for lk in links for u in lk.urls)
    kind: Kind = "arxiv" if arxiv else ("paper" if urls else "citation")
    url = next((u for u in urls if not arxiv_id_in_url(u)), urls[0] if urls else None)
    return Candidate(line, text, section, kind, url, urls, arxiv, doi, proc, citation,
                     citation.title)  # fmt: skip


def _single(link: Link, block: Block, text: str, section: str | None) -> Candidate:
    arxiv, doi, proc = _ids_of([link])
    title = _link_title(link, block)
    if (arxiv or doi) and title == slug_title(link.url):
        title = None  # the id names the work; a title made from its URL would only mislead
    kind: Kind = "arxiv" if arxiv else "doi" if doi else "paper" if proc else "web"
    return Candidate(link.line, text, section, kind, link.urls[0], link.urls, arxiv, doi, proc,
                     None, title)  # fmt: skip


def _bare_id(ident: str, line: int, text: str, section: str | None) -> Candidate:
    arxiv = ArxivId.find(ident)
    if arxiv:
        return Candidate(line, text, section, "arxiv", None, (), arxiv, title=None)
    return Candidate(line, text, section, "doi", None, (), None, ident, title=None)


def web_fields(candidate: Candidate) -> dict[str, str]:
    """``howpublished`` and ``type`` for a web candidate (site name, kind of page)."""
    url = candidate.url or ""
    return {"howpublished": site_name(url), "type": web_type(url)}
