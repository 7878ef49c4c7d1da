"""``crossref`` and ``xdata`` resolved into the child entry, for the formats without them.

biblatex's default inheritance rules (biblatex manual, appendix B): a child takes every field of
its parent it does not have, except the fields that identify or steer the parent itself
(:data:`NOT_INHERITED`); the parent's title becomes the child's ``booktitle`` (a part of a
book, collection or proceedings), ``maintitle`` (from a multi-volume ``@mv…`` parent) or
``journaltitle`` (an article in a ``@periodical``). Then BibTeX's rule: any other parent field
the child lacks is copied as it is — so an ``@inproceedings`` gets its ``@proceedings``
parent's ``booktitle``, editors, publisher and year. ``xdata`` parents give all their fields.
RIS, CSL-JSON and Zotero RDF export the resolved entry; the .bib flavours keep ``crossref`` and
add the parent to the file instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from dlbib.library.model import Reference

NOT_INHERITED: Final = frozenset(
    [
        "ids",
        "crossref",
        "xref",
        "xdata",
        "entryset",
        "entrysubtype",
        "execute",
        "label",
        "options",
        "presort",
        "related",
        "relatedoptions",
        "relatedstring",
        "relatedtype",
        "shorthand",
        "shorthandintro",
        "sortkey",
        "shorttitle",
        "sorttitle",
        "indextitle",
        "indexsorttitle",
        "keywords",
        "file",
    ]
)
_BOOKS: Final = frozenset({"book", "collection", "reference", "proceedings", "periodical"})
_MULTI: Final = frozenset({"mvbook", "mvcollection", "mvreference", "mvproceedings"})
_TITLES: Final = ("title", "subtitle", "titleaddon")
_AS_BOOK: Final = ("booktitle", "booksubtitle", "booktitleaddon")
_AS_MAIN: Final = ("maintitle", "mainsubtitle", "maintitleaddon")
_AS_JOURNAL: Final = ("journaltitle", "journalsubtitle", "journaltitleaddon")
_DEPTH: Final = 8


def resolve(ref: Reference, by_key: Mapping[str, Reference]) -> Reference:
    """``ref`` with its ``crossref``/``xdata`` parents' fields merged in (no parent: ``ref``).

    :param by_key: the library's entries by lower-case key.
    """
    if "crossref" not in ref.fields and "xdata" not in ref.fields:
        return ref
    fields = dict(ref.fields)
    _inherit(fields, ref.entry_type, by_key, _DEPTH, {ref.key.lower()})
    return Reference(ref.key, ref.entry_type, fields)


def _parents(fields: Mapping[str, str], name: str) -> list[str]:
    raw = fields.get(name, "").strip().strip('{}"')
    return [key.strip().lower() for key in raw.split(",") if key.strip()]


def _inherit(
    fields: dict[str, str],
    child_type: str,
    by_key: Mapping[str, Reference],
    depth: int,
    seen: set[str],
) -> None:
    if depth <= 0:
        return
    for name in ("xdata", "crossref"):
        for key in _parents(fields, name):
            parent = by_key.get(key)
            if parent is None or key in seen:
                continue
            seen.add(key)
            parent_fields = dict(parent.fields)
            _inherit(parent_fields, parent.entry_type, by_key, depth - 1, seen)
            _merge(fields, parent_fields, child_type, parent.entry_type, name == "xdata")


def _merge(
    fields: dict[str, str],
    parent: Mapping[str, str],
    child_type: str,
    parent_type: str,
    xdata: bool,
) -> None:
    targets = _TITLES
    if not xdata:
        if parent_type in _MULTI:
            targets = _AS_MAIN
        elif parent_type == "periodical" and child_type in ("article", "suppperiodical"):
            targets = _AS_JOURNAL
        elif parent_type in _BOOKS and child_type != parent_type:
            targets = _AS_BOOK
    for source, target in zip(_TITLES, targets, strict=True):
        if source in parent and target not in fields:
            fields[target] = parent[source]
    for name, value in parent.items():
        if name in _TITLES or name in fields or (name in NOT_INHERITED and not xdata):
            continue
        fields[name] = value
