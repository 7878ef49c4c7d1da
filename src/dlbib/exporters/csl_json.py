"""Records → CSL-JSON, Zotero's best import route (FORMATS.md §3).

A JSON array, UTF-8, real Unicode, ``indent=2``. Every item has ``id`` = ``citation-key`` = the
citation key and one of the CSL types Zotero accepts: ``article`` (arXiv preprint, which Zotero
makes a *Preprint* with ``number: arXiv:<id>`` as its archive id and ``publisher: arXiv`` as its
repository), ``article-journal``, ``paper-conference``, ``chapter``, ``book``, ``post-weblog``,
``webpage``. Only schema keys are written (the schema forbids others); dates are ``date-parts``;
organisations are ``literal`` names and particles stay in ``family``. CSL-JSON cannot carry PDFs.
"""

from __future__ import annotations

import json
from typing import Any, Final

from ..names import Name, decode_name
from ._options import ExportOptions
from ._record import Record, split_pages

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
    plain = decode_name(name)
    if plain.literal:
        return {"literal": plain.literal}
    parts = {"family": plain.family, "given": plain.given, "suffix": plain.suffix}
    return {k: v for k, v in parts.items() if v}


def item(record: Record) -> dict[str, Any]:
    """The CSL-JSON object of one record (keys in a fixed order)."""
    kind = record.subkind or record.kind
    text = record.text
    data: dict[str, Any] = {
        "id": record.key,
        "citation-key": record.key,
        "type": TYPES[kind],
        "title": text("title"),
        "author": [_name(n) for n in record.authors],
        "editor": [_name(n) for n in record.editors],
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
    text = json.dumps(item(record), indent=2, ensure_ascii=False)
    return "\n".join("  " + line for line in text.splitlines())


def assemble(entries: list[str]) -> str:
    """The whole file: a JSON array (``json.dumps(indent=2)`` layout), newline-terminated."""
    if not entries:
        return "[]\n"
    return "[\n" + ",\n".join(entries) + "\n]\n"
