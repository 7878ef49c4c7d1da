"""Records → CSL-JSON, Zotero's best import route (FORMATS.md §3).

A JSON array, UTF-8, real Unicode, ``indent=2``. Every item has ``id`` = ``citation-key`` = the
citation key and one of the CSL types Zotero accepts: ``article`` (arXiv preprint, which Zotero
makes a *Preprint* with ``number: arXiv:<id>`` as its archive id and ``publisher: arXiv`` as its
repository), ``article-journal``, ``paper-conference``, ``chapter``, ``book``, ``post-weblog``,
``webpage``. Only schema keys are written (the schema forbids others); dates are ``date-parts``;
organisations are ``literal`` names and particles stay in ``family``. CSL-JSON cannot carry PDFs.
"""

from __future__ import annotations

import functools
from json.encoder import encode_basestring as _encode_string
from typing import Any, Final

from dlbib.exports._options import ExportOptions
from dlbib.exports._record import Record, split_pages
from dlbib.library.names import OTHERS, Name, decode_name

TYPES: Final = {
    "arxiv": "article",
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "chapter": "chapter",
    "book": "book",
    "blog": "post-weblog",
    "course": "webpage",
    "webpage": "webpage",
}


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
    kind = record.subkind or record.kind
    text = record.text
    data: dict[str, Any] = {
        "id": record.key,
        "citation-key": record.key,
        "type": TYPES[kind],
        "title": text("title"),
        "author": [_name(n) for n in record.authors if n != OTHERS],
        "editor": [_name(n) for n in record.editors if n != OTHERS],
    }
    if kind == "article":
        data["container-title"] = text("journal") or text("journaltitle")
        data["journalAbbreviation"] = data["container-title-short"] = text("shortjournal")
    elif kind in ("inproceedings", "chapter"):
        data["container-title"] = text("booktitle")
        data["event-title"] = text("eventtitle")
    elif record.kind == "web":
        data["container-title"] = text("howpublished") or text("organization")
    if kind == "inproceedings":
        data["event-place"] = text("venue") or text("address")
    else:
        data["publisher-place"] = text("address") or text("location")
    data["collection-title"] = text("series")
    data["volume"] = text("volume")
    data["issue"] = text("number") if kind == "article" else ""
    data["page"] = "-".join(p for p in split_pages(record.get("pages")) if p)
    data["edition"] = text("edition")
    data["publisher"] = "arXiv" if kind == "arxiv" else text("publisher")
    data["number"] = f"arXiv:{record.arxiv.id}" if kind == "arxiv" and record.arxiv else ""
    data["genre"] = text("type") if record.kind == "web" else ""
    if record.issued:
        data["issued"] = {"date-parts": [record.issued.parts()]}
    data["ISBN"] = text("isbn") if kind in ("book", "chapter", "inproceedings") else ""
    data["ISSN"] = text("issn") if kind == "article" else ""
    data["DOI"] = record.doi
    data["URL"] = record.url
    if record.accessed:
        data["accessed"] = {"date-parts": [record.accessed.parts()]}
    data["abstract"] = text("abstract")
    data["keyword"] = ", ".join(record.keywords)
    data["note"] = "\n".join(n for n in (record.arxiv_note, text("note")) if n)
    data["source"] = "arXiv.org" if kind == "arxiv" else ""
    return {k: v for k, v in data.items() if v}


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
        elif key in ("author", "editor"):
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


def assemble(entries: list[str]) -> str:
    """The whole file: a JSON array (``json.dumps(indent=2)`` layout), newline-terminated."""
    if not entries:
        return "[]\n"
    return "[\n" + ",\n".join(entries) + "\n]\n"


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
