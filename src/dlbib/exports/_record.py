"""One library entry normalised for the exporters: kind, resolved fields, names, dates, arXiv.

:func:`build_record` resolves ``@string`` macros and ``#`` concatenations, decides the kind (a
key of :data:`dlbib.exports.types.KINDS`, the one type table) and parses dates, names, DOI, URL,
keywords and files. What BibTeX only warns about (an undefined ``@string``, a trailing comma in
a name list) is kept as BibTeX keeps it, with a warning in :attr:`Record.warnings`. Field values
stay LaTeX here; each writer decides how to spell them. No writing happens here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from dlbib.exports.types import classify
from dlbib.library.model import (
    ArxivId,
    FileRecord,
    Reference,
    normalize_doi,
    parse_file_field,
    split_concatenation,
)
from dlbib.library.names import Name, NameSplitError, split_name, split_names
from dlbib.library.text import latex_to_text

MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES: Final = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
"""BibTeX predefines the three-letter month macros as these names."""

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
    """A key of :data:`dlbib.exports.types.KINDS` (``preprint``, ``article``, ``blog`` …)."""
    entry_type: str
    """The library's entry type (``misc``)."""
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
    warnings: list[str] = field(default_factory=list)
    """What BibTeX would warn about, or how the type was chosen: one line each."""

    def get(self, name: str) -> str:
        """The LaTeX content of a field, or ``""``."""
        return self.fields.get(name, "")

    def text(self, name: str) -> str:
        """The plain Unicode text of a field (one line), or ``""``."""
        value = self.fields.get(name, "")
        return plain(value) if value else ""

    @property
    def arxiv_note(self) -> str:
        """``arXiv:1706.03762 [cs.CL]`` (arXiv's citation form), or ``""``."""
        if not self.arxiv:
            return ""
        return f"arXiv:{self.arxiv.id}" + (f" [{self.arxiv_class}]" if self.arxiv_class else "")


_HREF: Final = re.compile(r"\\href\s*\{([^{}]*)\}\s*\{([^{}]*)\}")


def plain(value: str) -> str:
    """:func:`~dlbib.library.text.latex_to_text`, safe on the LaTeX pylatexenc trips over.

    pylatexenc (2.10) raises IndexError on ``\\href{url}{text}`` (a note in a real BibDesk
    file); ``\\href`` becomes ``text <url>`` first, and any other such failure falls back to
    the text with macros and braces taken out, never a traceback.
    """
    if "\\href" in value:
        value = _HREF.sub(lambda m: f"{m.group(2)} <{m.group(1)}>", value)
    try:
        return latex_to_text(value)
    except (IndexError, KeyError, ValueError, TypeError):
        return " ".join(re.sub(r"\\[A-Za-z]+\*?|[{}]", "", value).split())


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


def _lenient_value(raw: str, strings: Mapping[str, str], missing: str) -> tuple[str, str]:
    """A value whose macros BibTeX would only warn about: undefined ones read as empty; a
    ``@string`` loop (which ``dlbib check`` reports) makes the whole value empty."""
    try:
        return resolve_value(raw, _Lenient(strings)), f"undefined @string {missing!r} read as empty"
    except KeyError:
        return "", "@string macros refer to each other in a loop; read as empty"


def build_record(ref: Reference, strings: Mapping[str, str]) -> Record:
    """Normalise one entry; every entry of a library BibTeX can read gives a record.

    An undefined ``@string`` macro reads as empty (BibTeX's rule) and a name BibTeX cannot split
    cleanly is read leniently; both leave a line in :attr:`Record.warnings`.
    """
    warnings: list[str] = []
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
                value, why = _lenient_value(raw, strings, exc.args[0])
                warnings.append(f"{name}: {why}")
        if (  # whitespace to fold? (inlined: hot)
            "  " in value or "\n" in value or "\t" in value or "\r" in value
            or value[:1].isspace() or value[-1:].isspace()
        ):  # fmt: skip
            value = " ".join(value.split())
        fields[name] = value
    arxiv = ref.arxiv_id if _may_cite_arxiv(fields) else None  # memoised on the entry
    kind, why = _classify(ref, fields, arxiv is not None)
    if why:
        warnings.append(why)
    authors = _names(fields, "author", warnings)
    editors = _names(fields, "editor", warnings)
    doi = normalize_doi(unescape_verbatim(fields["doi"])) if "doi" in fields else ""
    url = unescape_verbatim(fields["url"]) if "url" in fields else ""
    if arxiv and kind == "preprint":
        doi = doi or arxiv.doi
        url = url or arxiv.abs_url
    return Record(
        key=ref.key,
        kind=kind,
        entry_type=ref.entry_type,
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
        warnings=warnings,
    )


class _Lenient(dict[str, str]):
    """@string macros where an undefined one reads as empty, as BibTeX reads it."""

    def __init__(self, strings: Mapping[str, str]) -> None:
        super().__init__(strings)

    def __contains__(self, key: object) -> bool:
        return key not in MONTHS  # the month macros stay BibTeX's

    def __missing__(self, key: str) -> str:
        return "{}"


def _names(fields: Mapping[str, str], name: str, warnings: list[str]) -> list[Name]:
    """A name list; a name BibTeX only warns about (a trailing comma) is read as BibTeX reads it."""
    value = fields.get(name)
    if not value:
        return []
    try:
        return split_names(value)
    except NameSplitError:
        pass
    names = []
    for person in re.split(r"\s+and\s+", value.strip()):
        try:
            names.append(split_name(person))
        except NameSplitError:
            try:
                names.append(split_name(person.strip().rstrip(",").strip()))
            except NameSplitError:
                names.append(Name(literal=person.strip()))
            warnings.append(
                f"{name}: {person.strip()!r} is not a clean BibTeX name (read leniently)"
            )
    return names


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
    venue = next((fields[n] for n in ("journal", "journaltitle", "booktitle") if fields.get(n)), "")
    has_venue = bool(venue) and not _NOT_A_VENUE.search(venue)
    label = plain(fields["type"]) if fields.get("type") else ""
    return classify(ref.entry_type, label, bool(fields.get("url")), has_arxiv and not has_venue)


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
