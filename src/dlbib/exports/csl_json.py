"""Records → CSL-JSON, for pandoc/citeproc and Zotero (FORMATS.md §3).

A JSON array, UTF-8, real Unicode, ``indent=2``. Every item has ``id`` = ``citation-key`` = the
citation key and the type table's CSL column (:mod:`dlbib.exports.types`), only types Zotero's
CSL JSON.js accepts: an arXiv preprint is ``article`` (Zotero makes it a *Preprint* with
``number: arXiv:<id>`` as its archive id and ``publisher: arXiv`` as its repository); a video is
``motion_picture`` (Zotero: Film); software is ``book`` + ``version`` (Zotero: Computer Program;
``software`` would make Zotero refuse the whole file). Only schema keys are written (the schema
forbids others); dates are ``date-parts``; organisations are ``literal`` names and particles stay
in ``family``. Fields with no CSL key go to ``note`` as ``field: value`` lines (Zotero: Extra).
CSL-JSON cannot carry PDFs, and Zotero ignores ``keyword`` (no tags).
"""

from __future__ import annotations

import functools
from json.encoder import encode_basestring as _encode_string
from typing import Any, Final

from dlbib.exports._options import ExportOptions
from dlbib.exports._pieces import Piece, framed
from dlbib.exports._placed import Placed
from dlbib.exports._record import Record, split_pages
from dlbib.exports.types import KINDS
from dlbib.library.names import OTHERS, Name, NameSplitError, decode_name, split_names

_CONTAINER: Final = {
    "article": ("journal", "journaltitle"),
    "inproceedings": ("booktitle",),
    "chapter": ("booktitle",),
    "blog": ("howpublished", "organization", "journaltitle"),
    "webpage": ("howpublished", "organization", "journaltitle"),
}
_PUBLISHER: Final = {
    "thesis": ("school", "institution", "publisher"),
    "report": ("institution", "publisher", "organization"),
    "patent": ("holder", "assignee", "publisher"),
    "video": ("publisher", "organization", "howpublished"),
    "software": ("publisher", "organization", "howpublished"),
    "dataset": ("publisher", "organization", "howpublished"),
}
_THESIS_TYPES: Final = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}


def _name(name: Name) -> dict[str, str]:
    return dict(_name_parts(name))


@functools.lru_cache(maxsize=16384)
def _name_parts(name: Name) -> tuple[tuple[str, str], ...]:
    plain = decode_name(name)
    if plain.literal:
        return (("literal", plain.literal),)
    parts = (("family", plain.family), ("given", plain.given), ("suffix", plain.suffix))
    return tuple((k, v) for k, v in parts if v)


def item(record: Record) -> dict[str, Any]:
    """The CSL-JSON object of one record (keys in a fixed order)."""
    return place(record)[0]


def _translators(record: Record, p: Placed) -> list[dict[str, str]]:
    """CSL JSON.js reads ``translator`` as Zotero's translator (a bad name list stays in note)."""
    try:
        names = split_names(record.fields.get("translator") or "")
    except NameSplitError:
        return []
    if names:
        p.mark("translator", "translator")
    return [_name(n) for n in names if n != OTHERS]


def place(record: Record) -> tuple[dict[str, Any], dict[str, str]]:
    """The CSL-JSON object of one record, and where each field of the entry went."""
    kind = record.kind
    p = Placed(record)
    title, subtitle = p.take("title", "title"), p.take("subtitle", "title")
    p.mark("author", "author")
    p.mark("editor", "editor")
    data: dict[str, Any] = {
        "id": record.key,
        "citation-key": record.key,
        "type": KINDS[kind].csl,
        "title": f"{title}: {subtitle}" if subtitle else title,
        "author": [_name(n) for n in record.authors if n != OTHERS],
        "editor": [_name(n) for n in record.editors if n != OTHERS],
    }
    translators = _translators(record, p)
    if translators:
        data["translator"] = translators
    data["container-title"] = p.first(_CONTAINER.get(kind, ()), "container-title")
    if kind == "article":
        short = p.take("shortjournal", "journalAbbreviation")
        data["journalAbbreviation"] = data["container-title-short"] = short
    data["event-title"] = p.take("eventtitle", "event-title")
    data["publisher-place"] = p.first(("address", "location"), "publisher-place")
    data["event-place"] = p.take("venue", "event-place")
    data["collection-title"] = p.take("series", "collection-title")
    data["volume"] = p.take("volume", "volume")
    if kind == "article":
        data["issue"] = p.take("number", "issue")
    elif kind in ("book", "collection", "proceedings", "chapter", "inproceedings"):
        data["collection-number"] = p.take("number", "collection-number")
    else:
        data["number"] = p.take("number", "number")
    p.mark("pages", "page")
    data["page"] = "-".join(part for part in split_pages(record.get("pages")) if part)
    data["edition"] = p.take("edition", "edition")
    data["version"] = p.take("version", "version")
    if kind == "preprint":
        data["publisher"] = "arXiv"
        data["number"] = f"arXiv:{record.arxiv.id}" if record.arxiv else ""
    else:
        data["publisher"] = p.first(_PUBLISHER.get(kind, ("publisher",)), "publisher")
    if kind == "software" and not data["version"]:
        data["version"] = "unknown"  # Zotero's book → computerProgram route needs a version
    data["genre"] = p.take("type", "genre") or _THESIS_TYPES.get(record.entry_type, "")
    if record.issued:
        data["issued"] = {"date-parts": [record.issued.parts()]}
    data["ISBN"] = p.take("isbn", "ISBN")
    data["ISSN"] = p.take("issn", "ISSN")
    data["DOI"] = record.doi
    data["URL"] = record.url
    p.mark("doi", "DOI")
    p.mark("url", "URL")
    if record.issued:
        for name in ("year", "month", "day", "date"):
            p.mark(name, "issued")
    if record.accessed:
        p.mark("urldate", "accessed")
        data["accessed"] = {"date-parts": [record.accessed.parts()]}
    data["abstract"] = p.take("abstract", "abstract")
    data["language"] = p.take("language", "language") or p.take("langid", "language")
    data["title-short"] = p.take("shorttitle", "title-short")
    p.mark("keywords", "keyword")
    data["keyword"] = ", ".join(record.keywords)
    if record.arxiv:
        p.mark("howpublished" if "arxiv" in record.get("howpublished").lower() else "", "note")
    note = [record.arxiv_note, p.take("note", "note"), *p.rest("note")]
    data["note"] = "\n".join(n for n in note if n)
    data["source"] = "arXiv.org" if kind == "preprint" else ""
    return {k: v for k, v in data.items() if v}, p.where


def render(record: Record, options: ExportOptions) -> str:
    """One item as indented JSON, ready to sit inside the file's array."""
    del options  # CSL-JSON has no attachments
    return "  " + _dump_item(item(record))


def _dump_item(data: dict[str, Any]) -> str:
    """One item at depth 1, laid out as ``json.dumps(indent=2)`` does (see :func:`_dump`)."""
    members = []
    for key, value in data.items():
        if isinstance(value, str):
            text = _encode_string(value)
        elif key in ("author", "editor", "translator"):
            text = _dump_names(value)
        elif key in ("issued", "accessed") and list(value) == ["date-parts"]:
            numbers = ",\n          ".join(str(n) for n in value["date-parts"][0])
            text = _DATE_OPEN + numbers + _DATE_CLOSE
        else:
            text = _dump(value, 2)
        members.append(f"\n    {_encode_string(key)}: {text}")
    return "{" + ",".join(members) + "\n  }"


_DATE_OPEN: Final = '{\n      "date-parts": [\n        [\n          '
_DATE_CLOSE: Final = "\n        ]\n      ]\n    }"
_NAME_OPEN: Final = "\n      {\n        "
_NAME_SEP: Final = ",\n        "
_NAME_CLOSE: Final = "\n      }"


def _dump(value: Any, level: int) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)`` at nesting ``level``, byte for byte.

    json's C encoder is bypassed whenever ``indent`` is set; this keeps its C string escaping
    and lays out the few shapes CSL items have (objects, arrays, strings, integers) by hand.
    """
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, int):
        return str(value)
    inner = "\n" + "  " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        body = ",".join(
            f"{inner}{_encode_string(k)}: {_dump(v, level + 1)}" for k, v in value.items()
        )
        return "{" + body + "\n" + "  " * level + "}"
    if not value:
        return "[]"
    body = ",".join(inner + _dump(v, level + 1) for v in value)
    return "[" + body + "\n" + "  " * level + "]"


def assemble(entries: list[Piece]) -> list[Piece]:
    """The whole file: a JSON array (``json.dumps(indent=2)`` layout), newline-terminated."""
    if not entries:
        return ["[]\n"]
    return framed("[\n", entries, ",\n", "\n]\n")


def _dump_names(names: list[dict[str, str]]) -> str:
    """A name list at its fixed depth inside an item: the hot path of :func:`_dump`."""
    if not names:
        return "[]"
    objects = []
    for name in names:
        if not name:
            objects.append("\n      {}")
            continue
        body = _NAME_SEP.join(f"{_encode_string(k)}: {_encode_string(v)}" for k, v in name.items())
        objects.append(_NAME_OPEN + body + _NAME_CLOSE)
    return "[" + ",".join(objects) + "\n    ]"
