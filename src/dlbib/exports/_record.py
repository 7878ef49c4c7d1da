"""One library entry normalised for the exporters: kind, resolved fields, names, dates, arXiv.

:func:`build_record` resolves ``@string`` macros and ``#`` concatenations, decides the kind
(FORMATS.md §1: ``arxiv``, ``article``, ``inproceedings``, ``chapter``, ``book``, ``web`` with
subkind ``blog``/``course``/``webpage``) and parses dates, names, DOI, URL, keywords and files.
Field values stay LaTeX here; each writer decides how to spell them. No writing happens here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from dlbib.errors import ExportError
from dlbib.library.model import (
    ArxivId,
    FileRecord,
    Reference,
    normalize_doi,
    parse_file_field,
    split_concatenation,
)
from dlbib.library.names import Name, NameSplitError, split_names
from dlbib.library.text import latex_to_text

MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
"""BibTeX predefines the three-letter month macros as these names."""

KINDS: Final = ("arxiv", "article", "inproceedings", "chapter", "book", "web")
_WEB_TYPES: Final = frozenset({"misc", "online", "electronic", "www", "webpage"})
_NOT_A_VENUE: Final = re.compile(r"(?i)\barxiv\b|^corr$")
_VERBATIM_ESCAPE: Final = re.compile(r"\\([_%#&~$])")
_DASHES: Final = re.compile(r"\s*[-\u2013\u2014]+\s*")
_YEAR: Final = re.compile(r"\d{4}")
_KEYWORD_SEPARATORS: Final = re.compile(r"[,;]")
_ARXIV_FIELDS: Final = ("url", "pdfurl", "doi", "note", "howpublished", "journal")
_ISO_DATE: Final = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


@dataclass(frozen=True, slots=True)
class Date:
    """A (partial) date: year, optional month and day."""

    year: int
    month: int | None = None
    day: int | None = None

    def parts(self) -> list[int]:
        """``[2017, 6, 12]``, ``[2017, 6]`` or ``[2017]``."""
        return [p for p in (self.year, self.month, self.day if self.month else None) if p]

    def iso(self) -> str:
        """``2017-06-12``, ``2017-06`` or ``2017``."""
        return "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(self.parts()))


@dataclass(slots=True)  # not frozen: cheaper to build; nothing changes it after build_record
class Record:
    """An entry ready for writing: everything a writer needs, nothing it has to parse."""

    key: str
    kind: str
    """One of :data:`KINDS`."""
    subkind: str
    """``blog``, ``course`` or ``webpage`` for ``web``; empty otherwise."""
    fields: Mapping[str, str]
    """Field name → LaTeX content, macros resolved (``month``, ``author`` … included)."""
    authors: list[Name] = field(default_factory=list)
    editors: list[Name] = field(default_factory=list)
    """Names with LaTeX parts (decode with :func:`dlbib.names.decode_name`)."""
    issued: Date | None = None
    accessed: Date | None = None
    arxiv: ArxivId | None = None
    arxiv_class: str = ""
    doi: str = ""
    """Bare DOI: the entry's own, or the arXiv DOI for a preprint."""
    url: str = ""
    """Landing page, unescaped: the entry's own, or the arXiv abstract page for a preprint."""
    keywords: list[str] = field(default_factory=list)
    files: list[FileRecord] = field(default_factory=list)
    """``file`` records with paths as in the library (relative to its folder)."""

    def get(self, name: str) -> str:
        """The LaTeX content of a field, or ``""``."""
        return self.fields.get(name, "")

    def text(self, name: str) -> str:
        """The plain Unicode text of a field (one line), or ``""``."""
        value = self.fields.get(name, "")
        return latex_to_text(value) if value else ""

    @property
    def arxiv_note(self) -> str:
        """``arXiv:1706.03762 [cs.CL]`` (arXiv's citation form), or ``""``."""
        if not self.arxiv:
            return ""
        return f"arXiv:{self.arxiv.id}" + (f" [{self.arxiv_class}]" if self.arxiv_class else "")


def resolve_value(raw: str, strings: Mapping[str, str], _depth: int = 0) -> str:
    """The content of a raw BibTeX value expression: delimiters off, macros and ``#`` resolved.

    :raises KeyError: naming an undefined macro.
    """
    if raw[:1] == "{" and raw[-1:] == "}" and "#" not in raw:  # the common case
        return raw[1:-1]
    if _depth > 20:
        raise KeyError("(recursive @string)")
    parts = []
    for piece in split_concatenation(raw):
        if piece[:1] in ("{", '"'):
            parts.append(piece[1:-1])
        elif piece.isdigit():
            parts.append(piece)
        elif piece.lower() in strings:
            parts.append(resolve_value(strings[piece.lower()], strings, _depth + 1))
        elif piece.lower() in MONTHS:
            parts.append(MONTH_NAMES[MONTHS.index(piece.lower())])
        else:
            raise KeyError(piece)
    return "".join(parts)


def build_record(ref: Reference, strings: Mapping[str, str]) -> Record:
    """Normalise one entry.

    :raises ExportError: for an undefined ``@string`` macro, a name BibTeX cannot split, or an
        entry type none of the formats' kinds covers (``@phdthesis``, ``@patent``, …).
    """
    fields: dict[str, str] = {}
    for name, raw in ref.fields.items():
        if raw[:1] == "{" and raw[-1:] == "}" and "#" not in raw:
            value = raw[1:-1]  # the common case, inlined (hot: every field of every entry)
        elif name == "month":
            value = raw.strip().strip('{}"').strip()
        else:
            try:
                value = resolve_value(raw, strings)
            except KeyError as exc:
                raise ExportError(
                    f"field {name!r} uses undefined @string macro {exc.args[0]!r}", ref.key
                ) from exc
        if (  # whitespace to fold? (inlined: hot)
            "  " in value or "\n" in value or "\t" in value or "\r" in value
            or value[:1].isspace() or value[-1:].isspace()
        ):  # fmt: skip
            value = " ".join(value.split())
        fields[name] = value
    arxiv = ref.arxiv_id if _may_cite_arxiv(fields) else None  # memoised on the entry
    kind, subkind = _classify(ref, fields, arxiv is not None)
    try:
        authors = split_names(fields["author"]) if fields.get("author") else []
        editors = split_names(fields["editor"]) if fields.get("editor") else []
    except NameSplitError as exc:
        raise ExportError(str(exc), ref.key) from exc
    doi = normalize_doi(unescape_verbatim(fields["doi"])) if "doi" in fields else ""
    url = unescape_verbatim(fields["url"]) if "url" in fields else ""
    if arxiv and kind == "arxiv":
        doi = doi or arxiv.doi
        url = url or arxiv.abs_url
    return Record(
        key=ref.key,
        kind=kind,
        subkind=subkind,
        fields=fields,
        authors=authors,
        editors=editors,
        issued=_issued(fields),
        accessed=_iso_date(fields.get("urldate", "")),
        arxiv=arxiv.with_version(None) if arxiv else None,
        arxiv_class=fields.get("primaryclass") or fields.get("eprintclass", ""),
        doi=doi,
        url=url,
        keywords=_keywords(fields.get("keywords", "")),
        files=parse_file_field(fields["file"]) if fields.get("file") else [],
    )


def _keywords(value: str) -> list[str]:
    """``a, b; c`` → ``["a", "b", "c"]`` (BibTeX keywords; Zotero splits on both)."""
    if not value:
        return []
    return [k.strip() for k in _KEYWORD_SEPARATORS.split(value) if k.strip()]


def _may_cite_arxiv(fields: Mapping[str, str]) -> bool:
    """A cheap pre-check for :func:`~dlbib.model.arxiv_id_of` (which reads the same fields)."""
    if "eprint" in fields:
        return True
    for name in _ARXIV_FIELDS:
        value = fields.get(name)
        if value and "arxiv" in value.lower():
            return True
    return False


def _classify(ref: Reference, fields: Mapping[str, str], has_arxiv: bool) -> tuple[str, str]:
    kind = ref.entry_type
    venue = next((fields[n] for n in ("journal", "journaltitle", "booktitle") if fields.get(n)), "")
    has_venue = bool(venue) and not _NOT_A_VENUE.search(venue)
    if kind == "book":
        return "book", ""
    if kind in ("incollection", "inbook"):
        return "chapter", ""
    if kind in ("inproceedings", "conference") and (has_venue or not has_arxiv):
        return "inproceedings", ""
    if kind == "article" and (has_venue or not has_arxiv):
        return "article", ""
    if has_arxiv:
        return "arxiv", ""
    if kind in _WEB_TYPES:
        label = latex_to_text(fields.get("type", "")).lower()
        sub = "blog" if "blog" in label else "course" if "course" in label else "webpage"
        return "web", sub
    raise ExportError(
        f"@{kind} entries cannot be exported yet (dlbib exports arXiv preprints, @article, "
        "@inproceedings, @incollection, @book and @misc/@online web pages)",
        ref.key,
    )


def unescape_verbatim(value: str) -> str:
    """URLs and DOIs are verbatim: undo LaTeX escapes someone may have added (``\\_`` → ``_``)."""
    if "\\" not in value:
        return value.strip()
    return _VERBATIM_ESCAPE.sub(r"\1", value).strip()


def split_pages(value: str) -> tuple[str, str]:
    """``436--444`` → ``("436", "444")``; an article number ``e123`` → ``("e123", "")``."""
    if not value:
        return "", ""
    first, _, last = _DASHES.sub("-", value.strip()).partition("-")
    return first, last


def _month_number(value: str) -> int | None:
    text = value.strip().lower()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    return MONTHS.index(text[:3]) + 1 if text[:3] in MONTHS else None


def _issued(fields: Mapping[str, str]) -> Date | None:
    date = _iso_date(fields.get("date", ""))
    year_text = fields.get("year", "")
    m = _YEAR.search(year_text)
    if not m:
        return date
    year = int(m.group(0))
    month = _month_number(fields.get("month", ""))
    if date and date.year == year and (month is None or date.month == month):
        return date
    day_text = fields.get("day", "")
    day = int(day_text) if month and day_text.isdigit() and 1 <= int(day_text) <= 31 else None
    return Date(year, month, day)


def _iso_date(value: str) -> Date | None:
    m = _ISO_DATE.match(value.strip())
    if not m:
        return None
    month = int(m.group(2)) if m.group(2) and 1 <= int(m.group(2)) <= 12 else None
    day = int(m.group(3)) if month and m.group(3) and 1 <= int(m.group(3)) <= 31 else None
    return Date(int(m.group(1)), month, day)
