"""Value types: the :class:`Reference` an entry becomes, and :class:`ArxivId` parsing.

A :class:`Reference` keeps every field as its *raw* BibTeX value expression (``{Deep learning}``,
``jun``, ``"quoted"``, ``jmlr # { 2012}``), so a load/save round trip loses nothing, not even
``@string`` macros. Typed helpers give the plain content of the fields dlbib understands.
This module does no I/O and imports nothing else from dlbib but its errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from dlbib.errors import InvalidArxivIdError

ARXIV_DOI_PREFIX: Final = "10.48550/arXiv."

# New-style ids: YYMM.NNNN (0704-1412) or YYMM.NNNNN (1501 on); old style archive[.XX]/YYMMNNN.
_NEW_ID = r"(?P<new>(?P<yymm>\d{4})\.(?P<num>\d{4,5}))"
_OLD_ID = r"(?P<old>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})"
_VERSION = r"(?:v(?P<version>\d+))?"
_ID_RE = re.compile(rf"(?:{_NEW_ID}|{_OLD_ID}){_VERSION}")
_URL_RE = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/(?P<rest>[^?#]+)",
    re.IGNORECASE,
)
_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_PREFIXES = tuple(
    re.compile(p)
    for p in (r"(?i)^(?:https?://(?:dx\.)?doi\.org/|doi:)", r"(?i)^10\.48550/arxiv\.",
              r"(?i)^arxiv:\s*")
)  # fmt: skip
_PDF_SUFFIX = re.compile(r"(?i)\.pdf$")


@dataclass(frozen=True, slots=True, order=True)
class ArxivId:
    """A normalised arXiv identifier, with the version kept apart."""

    id: str
    """The identifier without version: ``1502.03167`` or ``cs/0112017``."""
    version: int | None = None
    """The version number (``3`` for ``v3``), or None when none was given."""

    @classmethod
    def parse(cls, value: str) -> ArxivId:
        """Parse an arXiv id from any form people write it in.

        Accepts bare ids with or without version, ``arXiv:`` prefixes, abs/pdf URLs (http or https,
        ``export.arxiv.org``, ``.pdf`` suffix, query strings) and arXiv DOIs (``10.48550/arXiv.…``).

        :raises InvalidArxivIdError: when ``value`` holds no valid id.
        """
        found = cls.find(value)
        if found is None:
            raise InvalidArxivIdError(value)
        return found

    @classmethod
    def find(cls, value: str) -> ArxivId | None:
        """Parse ``value`` as an arXiv id, or return None when it is not one."""
        # Memoised: one run asks about the same eprint/url value from check, sync, PDFs and
        # exports; ArxivId is immutable, so the answers can be shared.
        try:
            return _PARSED[value]
        except KeyError:
            pass
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        found = _PARSED[value] = _parse_arxiv_id(value)
        return found

    @property
    def versioned(self) -> str:
        """The id with its version suffix when known: ``1502.03167v3``."""
        return f"{self.id}v{self.version}" if self.version else self.id

    @property
    def doi(self) -> str:
        """arXiv's DataCite DOI for this id: ``10.48550/arXiv.1502.03167``."""
        return ARXIV_DOI_PREFIX + self.id

    @property
    def abs_url(self) -> str:
        """The abstract page: ``https://arxiv.org/abs/<id>``."""
        return f"https://arxiv.org/abs/{self.id}"

    def with_version(self, version: int | None) -> ArxivId:
        """The same id with another version."""
        return ArxivId(self.id, version)

    def __str__(self) -> str:
        return self.versioned


_PARSED: dict[str, ArxivId | None] = {}
_PARSED_MAX: Final = 1 << 18


def _parse_arxiv_id(value: str) -> ArxivId | None:
    text = value.strip()
    # A bare id (what eprint holds) is left alone by every prefix and suffix rule below.
    m = _ID_RE.fullmatch(text)
    if not m:
        url = _URL_RE.match(text)
        if url:
            text = url.group("rest")
        for prefix in _PREFIXES:
            text = prefix.sub("", text)
        text = _PDF_SUFFIX.sub("", text.rstrip("/"))
        m = _ID_RE.fullmatch(text)
    if not m:
        return None
    if m.group("new"):
        yymm, num = m.group("yymm"), m.group("num")
        month = int(yymm[2:])
        if not 1 <= month <= 12 or yymm < "0704" or (len(num) == 5) != (yymm >= "1501"):
            return None
        ident = m.group("new")
    else:
        ident = m.group("old")
    version = int(m.group("version")) if m.group("version") else None
    return ArxivId(ident, version)


def is_valid_doi(doi: str) -> bool:
    """True when ``doi`` is a bare DOI (``10.xxxx/…``, no URL prefix, no spaces)."""
    return bool(_DOI_RE.match(doi))


def normalize_doi(value: str) -> str:
    """Strip ``https://doi.org/``, ``doi:`` and surrounding space from a DOI."""
    text = value.strip()
    return re.sub(r"(?i)^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", text)


def unbrace(raw: str) -> str:
    """The content of a raw BibTeX value: ``{x}`` and ``"x"`` lose their delimiters.

    Bare values (numbers, macro names, ``#`` concatenations) are returned unchanged.
    """
    if len(raw) >= 2 and (
        (raw[0] == "{" and raw[-1] == "}" and _encloses(raw)) or (raw[0] == raw[-1] == '"')
    ):
        return raw[1:-1]
    return raw


def _encloses(raw: str) -> bool:
    """True when the opening brace of ``raw`` closes at its last character."""
    last = len(raw) - 1
    close = raw.find("}")
    if close == last:
        return True  # no closing brace before the last one
    # from brace to brace (str.find), not character by character: values are long, braces few
    depth, i = 0, 0
    while close >= 0:
        opening = raw.find("{", i, close)
        if opening >= 0:
            depth += 1
            i = opening + 1
            continue
        depth -= 1
        if depth == 0:
            return close == last
        i = close + 1
        close = raw.find("}", i)
    return False


_SIMPLE_VALUE_RE = re.compile(r'\{(?:[^{}]|\{[^{}]*\})*\}|"[^"{}]*"|\d+|[A-Za-z_][\w\-.:+/]*')
_PIECE_RE = re.compile(r'\s*(?:"[^"]*"|\d+|[A-Za-z_][\w\-.:+/]*|(?P<brace>\{))\s*')


def is_valid_value(raw: str) -> bool:
    """True when ``raw`` is a well-formed BibTeX value: ``{…}``, ``"…"``, a number or a macro,
    or such pieces joined by ``#``. Catches a missing comma (``{x} year = 2000``)."""
    if "=" not in raw and raw[:1] == "{" and raw[-1:] == "}":
        return True  # the parser balanced it, and a swallowed field would bring its "="
    if _SIMPLE_VALUE_RE.fullmatch(raw):
        return True
    pos = 0
    while True:
        m = _PIECE_RE.match(raw, pos)
        if not m:
            return False
        pos = m.end()
        if m.group("brace"):
            depth = 1
            while pos < len(raw) and depth:
                depth += {"{": 1, "}": -1}.get(raw[pos], 0)
                pos += 1
            if depth:
                return False
            pos += len(raw[pos:]) - len(raw[pos:].lstrip())
        if pos == len(raw):
            return True
        if raw[pos] != "#":
            return False
        pos += 1


def split_concatenation(raw: str) -> list[str]:
    """The pieces of a raw value joined by ``#`` at depth 0: ``jmlr # { 2012}`` → 2 pieces."""
    text = raw.strip()
    if text[:1] == "{" and "#" not in text:  # the common case: one braced value
        return [text]
    pieces: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            pieces.append(text[start:i].strip())
            start = i + 1
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def brace(text: str) -> str:
    """The raw BibTeX value for plain ``text``: ``{text}``."""
    return "{" + text + "}"


_AND_RE = re.compile(r"\s+and\s+", re.IGNORECASE)


def split_names(value: str) -> list[str]:
    """Split an ``author``/``editor`` value on `` and `` at brace depth 0."""
    if "{" not in value:
        return [" ".join(n.split()) for n in _AND_RE.split(value.strip()) if n.strip()]
    names: list[str] = []
    start = 0
    for m in _AND_RE.finditer(value):
        before = value[: m.start()]
        if before.count("{") == before.count("}") and m.start() >= start:
            names.append(value[start : m.start()])
            start = m.end()
    names.append(value[start:])
    return [" ".join(n.split()) for n in names if n.strip()]


@dataclass(frozen=True, slots=True)
class Reference:
    """One bibliography entry: citation key, entry type and raw field values.

    ``fields`` maps lower-case field names to raw BibTeX value expressions, in insertion order.
    """

    key: str
    """The citation key, exactly as written."""
    entry_type: str
    """The lower-case entry type: ``article``, ``misc``, …"""
    fields: Mapping[str, str] = field(default_factory=dict)
    """Lower-case field name → raw value expression (``{…}``, ``"…"``, number or macro)."""
    _arxiv: ArxivId | Literal[False] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """The memoised :func:`arxiv_id_of`: None until asked, False for none (``fields`` never
    change after construction)."""
    _synced_id: object = field(default=None, init=False, repr=False, compare=False)
    """The memoised :func:`~dlbib.sync.arxiv.entry_arxiv_id` (its id, False for none, or the
    error it raised; None until asked)."""
    _digest: str | None = field(default=None, init=False, repr=False, compare=False)
    """The memoised :func:`~dlbib.library.derived.entry_digest` (None until asked)."""

    def get(self, name: str) -> str | None:
        """The content of field ``name`` (delimiters removed), or None when absent or empty."""
        raw = self.fields.get(name)
        if raw is None:
            return None
        text = unbrace(raw).strip()
        return text or None

    def with_fields(self, updates: Mapping[str, str | None]) -> Reference:
        """A copy with fields set to plain ``text`` (braced) or removed (``None``)."""
        return self.with_raw_fields(
            {name: (None if text is None else brace(text)) for name, text in updates.items()}
        )

    def with_raw_fields(self, updates: Mapping[str, str | None]) -> Reference:
        """A copy with raw value expressions set, or fields removed (``None``)."""
        fields = dict(self.fields)
        for name, raw in updates.items():
            if raw is None:
                fields.pop(name, None)
            else:
                fields[name] = raw
        return Reference(self.key, self.entry_type, fields)

    @property
    def title(self) -> str | None:
        """The title's content (LaTeX kept)."""
        return self.get("title")

    @property
    def authors(self) -> list[str]:
        """The author names as written (``Family, Given`` or ``Given Family``); editors if none."""
        value = self.get("author") or self.get("editor")
        return split_names(value) if value else []

    @property
    def year(self) -> str | None:
        """The four-digit year, from ``year`` or else the start of ``date``."""
        for name in ("year", "date"):
            text = self.get(name)
            if text:
                m = re.search(r"\d{4}", text)
                if m:
                    return m.group(0)
        return None

    @property
    def doi(self) -> str | None:
        """The bare DOI, when the entry has one."""
        text = self.get("doi")
        return normalize_doi(text) if text else None

    @property
    def arxiv_id(self) -> ArxivId | None:
        """The arXiv id, from ``eprint`` (arXiv prefix), an arXiv URL, note or arXiv DOI.

        Worked out once per entry (every step of a run asks).
        """
        known = self._arxiv
        if known is None:
            known = arxiv_id_of(self) or False
            object.__setattr__(self, "_arxiv", known)
        return known if isinstance(known, ArxivId) else None

    @property
    def files(self) -> list[FileRecord]:
        """The records of the ``file`` field (JabRef/Zotero/Mendeley convention)."""
        value = self.get("file")
        return parse_file_field(value) if value else []

    @property
    def pdf_path(self) -> str | None:
        """The path of the first PDF record of the ``file`` field, as written."""
        for record in self.files:
            if record.type.lower().endswith("pdf") or record.path.lower().endswith(".pdf"):
                return record.path
        return None


def arxiv_id_of(ref: Reference) -> ArxivId | None:
    """Find an entry's arXiv id: ``eprint``, arXiv URLs, an ``arXiv:`` note/howpublished, a DOI."""
    eprint = ref.get("eprint")
    prefix = (ref.get("archiveprefix") or ref.get("eprinttype") or "arxiv").lower()
    if eprint and prefix == "arxiv":
        found = ArxivId.find(eprint)
        if found:
            return found
    fields = ref.fields
    for name in ("url", "pdfurl", "doi"):
        text = ref.get(name) if name in fields else None
        if text and "arxiv" in text.lower():
            found = ArxivId.find(text)
            if found:
                return found
    for name in ("note", "howpublished", "journal"):
        text = ref.get(name) if name in fields else None
        if text:
            m = re.search(r"(?i)arxiv:\s*([\w./\-]+?)(?=[\s,;\]\)}]|$)", text)
            if m:
                found = ArxivId.find(m.group(1))
                if found:
                    return found
    return None


@dataclass(frozen=True, slots=True)
class FileRecord:
    """One record of a ``file`` field: ``description:path:type``."""

    description: str
    path: str
    type: str


def _split_escaped(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    it = iter(text)
    for ch in it:
        if ch == "\\":
            nxt = next(it, "")
            current.append(ch + nxt)
        elif ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(":", "\\:").replace(";", "\\;")


_MENDELEY_ESCAPES: Final = re.compile(r"\{\\([_&%#$])\}")
"""Mendeley Desktop writes ``_`` in a file path as ``{\\_}`` (and ``\\`` as ``$\\backslash$``)."""
_BARE_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s;]+\Z")


def parse_file_field(value: str) -> list[FileRecord]:
    """Parse a ``file`` field: ``;``-separated records of 3 (or 1) ``:``-separated parts.

    Backslash escapes ``\\:`` ``\\;`` ``\\\\`` are undone; malformed records are skipped, as
    Zotero does. Mendeley's LaTeX-escaped form (``:C$\\backslash$:/Users/A{\\_}B.pdf:pdf``) is read
    as the plain one, and a bare URL (``http://…``, ``ftp://…``, biblatex-examples' form) is one
    record whose path is the URL.
    """
    value = _MENDELEY_ESCAPES.sub(r"\1", value.replace("$\\backslash$", "\\"))
    records: list[FileRecord] = []
    for record in _split_escaped(value, ";"):
        parts = _split_escaped(record, ":")
        if _BARE_URL.match(record.strip()):
            desc, path, kind = "", record.strip(), ""
        elif len(parts) == 3:
            desc, path, kind = (_unescape(p) for p in parts)
        elif len(parts) == 1:
            desc, path, kind = "", _unescape(parts[0]), ""
        else:
            continue
        if path.strip():
            records.append(FileRecord(desc, path, kind))
    return records


def format_file_field(records: Iterable[FileRecord]) -> str:
    """Write ``file`` records: ``desc:path:type`` joined by ``;`` with ``\\`` escaping."""
    return ";".join(
        f"{_escape(r.description)}:{_escape(r.path)}:{_escape(r.type)}" for r in records
    )
