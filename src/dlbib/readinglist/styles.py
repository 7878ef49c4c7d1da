"""Read the authors-first citation styles real reading lists use, from a block's Markdown text:

* quoted titles: ``Family, Given, … and Given Family. "**Title**." Venue 12.3 (2015): 4-5.``
* emphasised titles: ``A, B, and C, *Title*, Venue, year`` / ``Authors. *Title*. In Proc…, 2019.``
* label line + author line: ``**Title** \\`` / ``*Authors* \\`` / ``Venue year.``
* colon lists: ``Given Family, et al.: Title, Venue Year.``
* comma-only lists: ``Given Family, Given Family, Title, Venue, year.`` / ``…, Title (Venue year)``

Pure string work (see ``names.py`` for the author lists, ``venue.py`` for venue and year).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from dlbib.readinglist.citation import Citation, clean_title
from dlbib.readinglist.names import parse_names
from dlbib.readinglist.venue import split_venue

_LEAD_NUMBER: Final = re.compile(r"^\s*(?:[*_]*\s*\[\d{1,4}\]\s*[*_]*|\(?\d{1,4}[.)]\s+)\s*")
_QUOTED: Final = re.compile(r"(?:[*_]*[\"“”])+[*_]*(?P<title>[^\"“”]{3,}?)[*_.,]*[\"“”]")
_EMPH: Final = re.compile(
    r"(?<![\w*])(?P<m>\*\*|\*)(?P<title>[^*\s][^*]*?)(?P=m)(?![\w*])"
    r"|(?<![\w_])(?P<u>__|_)(?P<utitle>[^_\s][^_]*?)(?P=u)(?![\w_])"
)
_VENUE_WORD: Final = re.compile(
    r"^\s*(?:(?i:in\s|proceedings|proc\.|journal|j\.\s|trans|arxiv|corr|advances|conference"
    r"|workshop|nature|science|ieee|acm|ph\.?\s?d|thesis|technical report|tech\.? report"
    r"|(?:annu|ann)\.)|[A-Z]{2,}[a-z]*\b)"
)
"""The start of a venue: venue words (any case) or an acronym (NIPS, SIGKDD, MSR, JMLR)."""
_DATED: Final = re.compile(r"\b(?:19|20)\d{2}\b")


def _strip_lead(text: str) -> str:
    text = " ".join(text.split())
    return _LEAD_NUMBER.sub("", text, count=1)


def _plain(text: str) -> str:
    return re.sub(r"(?<!\w)[*_]+|[*_]+(?!\w)", "", text)


def _build(title: str, authors_text: str, rest: str) -> Citation | None:
    title = clean_title(title)
    parsed = parse_names(_plain(authors_text))
    if parsed is None or len(title) < 3 or not re.search(r"[^\W\d_]{2}", title):
        return None
    names, et_al = parsed
    if len(names) == 1 and not et_al and len(names[0].replace(",", " ").split()) < 2:
        return None  # "Dropout: …", "Adam: …": one bare word is a title, not an author
    rest = re.sub(r"\*\*\s*\([^)]*\)\s*\*\*", " ", rest)  # **(annotations)** are no venue
    venue = split_venue(_plain(rest))
    year = venue.year or split_venue(_plain(authors_text)).year  # "Quill, Ada (2015). *Title*."
    return Citation(
        title, names, et_al, year, venue.journal, venue.booktitle, venue.book,
        venue.volume, venue.number, venue.pages, venue.publisher,
    )  # fmt: skip


def _quoted(text: str) -> Citation | None:
    m = _QUOTED.search(text)
    closed = re.search(r"[.,;:?!][*_]*[\"“”]$", m.group(0)) if m else None
    if not m or m.start() == 0 or (not closed and re.match(r"\s+[a-z]", text[m.end() :])):
        return None  # '"KnightCap" program using …': a quoted word inside the title
    before = text[: m.start()].rstrip(" *_")
    if before.endswith(":"):
        return None  # "Authors: "Why …?": Explaining …": the colon style reads the whole title
    return _build(m.group("title"), before.rstrip(" .,"), text[m.end() :])


class _Span:
    """An emphasised span: where it is and its text."""

    def __init__(self, m: re.Match[str]) -> None:
        self.start, self.end = m.start(), m.end()
        self.text = m.group("title") or m.group("utitle") or ""

    def group(self, _name: str) -> str:
        return self.text


def _emphasised(text: str) -> Citation | None:
    """A bold or italic title after the authors, or a leading title and an author line."""
    spans = [_Span(m) for m in _EMPH.finditer(text)]
    if not spans:
        return None
    first = spans[0]
    if first.start == 0 or not text[: first.start].strip(" *_"):
        # a label line: **Title** then the authors (an italic line, or plain text up to a ".")
        if len(spans) > 1 and not text[first.end : spans[1].start].strip(" \\,.;:-–"):
            found = _build(first.group("title"), spans[1].group("title"), text[spans[1].end :])
            if found:
                return found
        after = text[first.end :].lstrip(" \\,.;:-–")
        m = re.match(r"(?:by\s+)?([^.()\[]+?)(?:\.\s|\(|$)", after)
        if m and re.search(r"[A-Z]", m.group(1)) and len(m.group(1).split()) <= 30:
            return _build(first.group("title"), m.group(1), after[m.end() :])
        return None
    before = text[: first.start].rstrip(" ")
    if not before.endswith((".", ",", ":")):
        return None
    return _build(first.group("title"), before.rstrip(" .,:"), text[first.end :])


def _colon(text: str) -> Citation | None:
    plain = _plain(text)
    m = re.match(r"([^:]{3,200}?):\s+(.+)$", plain)
    if not m or not _colon_authors(m.group(1)):
        return None
    rest = m.group(2)
    names = parse_names(m.group(1))
    if names and len(names[0]) == 1 and not names[1] and not re.search(r"\b(?:19|20)\d{2}\b", rest):
        return None  # "Lattice Transfer: A Survey": a title and subtitle, not "Author: Title"
    # the title runs to the last ", " before the venue and year
    cut = _venue_cut(rest)
    title, tail = (rest[:cut], rest[cut:]) if cut else (rest, "")
    return _build(title, m.group(1), tail)


def _venue_cut(rest: str) -> int:
    """Where the venue starts in ``Title, Venue Year.`` (0 when no venue is found): the first
    separator before venue words, an acronym or a dated parenthesis; else the first before a
    short capitalised tail; else the one before a bare year."""
    cuts = [
        (m.start(), rest[m.end() :], m.group(0))
        for m in re.finditer(r",\s+|\s+\(|\.\s+|\s+[-–]\s+", rest)
        if _DATED.search(rest[m.end() :]) and len(rest[m.end() :].split()) <= 16
    ]
    for at, tail, sep in cuts:
        paren = "(" in sep and re.match(r"[^()]*(?:\b(?:19|20)\d{2}\b|[A-Z]{2,})", tail)
        if paren or ("(" not in sep and _VENUE_WORD.match(tail)):
            return at
    for at, tail, sep in cuts:
        if "(" not in sep and re.match(r"[A-Z]", tail) and len(tail.split()) <= 8:
            return at
    return next((at for at, tail, _sep in cuts if re.match(r"\s*(?:19|20)\d{2}", tail)), 0)


def _colon_authors(prefix: str) -> bool:
    """True when ``prefix`` (before a colon) is an author list, not ``A. Author, Giraffe``."""
    parsed = parse_names(prefix)
    if parsed is None:
        return False
    names = parsed[0]
    bare_last = len(names) > 1 and "," not in names[-1] and len(names[-1].split()) == 1
    return not (bare_last and len(names[0].replace(",", " ").split()) > 1)


def _commas(text: str) -> Citation | None:
    plain = _plain(text).strip()
    parts = [p for p in re.split(r",\s*", plain) if p]
    if len(parts) < 2 or (":" in plain and _colon_authors(plain.split(":")[0])):
        return None  # "A, B, and C: Title, Venue": the colon style
    for n in range(len(parts) - 1, 0, -1):
        authors = ", ".join(parts[:n])
        if parse_names(authors) is None:
            continue
        rest = ", ".join(parts[n:])
        sentence = re.match(r"(.+?[^\W\d_]{2})\.\s+[A-Z\"“]", rest)
        if sentence and parse_names(f"{authors}, {sentence.group(1)}"):
            return None  # "Kevin Knight, Graehl Jonathan. Title. Venue": the period style
        cut = _venue_cut(rest)
        title, tail = (rest[:cut], rest[cut:]) if cut else (rest, "")
        if not re.search(r"\b(?:19|20)\d{2}\b", tail):
            return None
        return _build(title, authors, tail)
    return None


def _periods(text: str) -> Citation | None:
    """``Given Family and Given Family. Title, Venue, 1993.`` / ``A, B. Title.``"""
    plain = _plain(text).strip()
    for m in re.finditer(r"(?<=[^\W\d_]{2})\.\s+(?=[\"“A-Z0-9])", plain):
        authors, rest = plain[: m.start()], plain[m.end() :]
        if parse_names(authors) is None:
            continue
        cut = _venue_cut(rest)
        title, tail = (rest[:cut], rest[cut:]) if cut else (re.split(r"\.\s", rest)[0], "")
        if cut == 0 and "." in rest.rstrip(". "):
            title, tail = rest.split(". ", 1) if ". " in rest else (rest, "")
        return _build(title, authors, tail)
    return None


def parse_styled(text: str) -> Citation | None:
    """A citation in one of the authors-first styles, or None.

    :param text: the block's Markdown with label links removed and other links as their text.
    """
    body = _strip_lead(text)
    if len(body) < 12:
        return None
    for style in (_quoted, _emphasised, _commas, _colon, _periods):
        found = style(body)
        if found is not None:
            return found
    topic = re.match(r"[^-–:]{2,60}?\s+[-–]\s+(?=\S)", body)  # "Atari 2600 Games - Authors, …"
    if topic:
        for style in (_quoted, _emphasised, _commas, _colon):
            found = style(body[topic.end() :])
            if found is not None:
                return found
    return None


def parse_book(text: str) -> Citation | None:
    """``Given Family and Given Family, Title`` before a ``[Book]`` link: no year needed."""
    plain = _plain(_strip_lead(text)).strip(" .,")
    parts = [p for p in re.split(r",\s*", plain) if p]
    for n in range(len(parts) - 1, 0, -1):
        authors = ", ".join(parts[:n])
        if parse_names(authors) is not None:
            found = _build(", ".join(parts[n:]), authors, "")
            return replace(found, book=True) if found else None
    return None
