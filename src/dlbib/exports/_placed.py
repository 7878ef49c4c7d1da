"""Where each field of an entry went in one export: the base of "no silent field loss".

A writer takes fields through a :class:`Placed` (``take``), which records the target of each;
whatever it did not take goes, as ``field: value`` lines, to the format's free-text slot (RIS
``N1``, CSL ``note``, Zotero Extra) through :meth:`Placed.rest`. ``dlbib export --report``
prints :attr:`Placed.where`.
"""

from __future__ import annotations

from typing import Final

from dlbib.exports._record import Record, plain

INTERNAL: Final = frozenset(
    {
        "crossref",  # resolved into the entry before it is written
        "xdata",
        "archiveprefix",  # part of the arXiv id, which every format carries
        "eprinttype",
        "primaryclass",
        "eprintclass",
        "eprint",
        "year",  # the date (every format has one)
        "month",
        "day",
        "date",
        "urldate",
        "doi",
        "url",
        "keywords",
        "file",
        "key",  # BibTeX's sort key
        "ids",
    }
)
"""Fields read into the record's parsed parts (date, arXiv id, DOI, URL, tags, files) or that
only steer BibTeX: never leftovers."""


class Placed:
    """The fields one writer placed, and their targets."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self.where: dict[str, str] = {}
        """Library field → target (``T2``, ``container-title``, ``extra`` …)."""

    def take(self, name: str, target: str) -> str:
        """The plain text of field ``name``, recorded as written to ``target`` when not empty."""
        value = self.record.text(name)
        if value:
            self.where.setdefault(name, target)
        return value

    def first(self, names: tuple[str, ...], target: str) -> str:
        """The first non-empty of ``names``, taken to ``target``; the others too, if equal."""
        value = ""
        for name in names:
            text = self.record.text(name)
            if text and not value:
                value = self.take(name, target)
            elif text and text == value:
                self.where.setdefault(name, target)
        return value

    def mark(self, name: str, target: str) -> None:
        """Record ``name`` as written to ``target`` by other means (raw LaTeX, parsed parts)."""
        if self.record.fields.get(name):
            self.where.setdefault(name, target)

    def rest(self, slot: str) -> list[str]:
        """``field: value`` lines for every field not placed yet, recorded as going to ``slot``."""
        lines = []
        for name, value in self.record.fields.items():
            if name in self.where or name in INTERNAL or not value.strip():
                continue
            self.where[name] = slot
            lines.append(f"{name}: {plain(value)}")
        for name in INTERNAL:
            if self.record.fields.get(name) and name not in self.where:
                self.where[name] = _PARSED.get(name, "(parsed)")
        return lines


_PARSED: Final = {
    "year": "(the date)",
    "month": "(the date)",
    "day": "(the date)",
    "date": "(the date)",
    "eprint": "(the arXiv id)",
    "archiveprefix": "(the arXiv id)",
    "eprinttype": "(the arXiv id)",
    "primaryclass": "(the arXiv class)",
    "eprintclass": "(the arXiv class)",
    "crossref": "(resolved: the parent's fields)",
    "xdata": "(resolved: the parent's fields)",
    "key": "(BibTeX's sort key: no place)",
}
