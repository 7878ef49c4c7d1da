"""Reading-list import, planning: what a list's works are in the library's terms, before any
look-up. :func:`plan_import` (no network) drops works the list cites twice (a line's own
duplicates silently, others as ignored with the line they repeat), finds works already in the
library (same arXiv id, DOI, proceedings id, URL, or title + first author + year; two different
arXiv ids are never the same work), and collects every section each work appears under. The
report types live here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dlbib.errors import SourceError
from dlbib.library.bibfile import Library
from dlbib.library.model import Reference
from dlbib.readinglist.identity import (
    Index,
    describe,
    library_index,
    reference_tokens,
    title_tokens,
    url_tokens,
)
from dlbib.readinglist.read import Candidate, ReadingList

Status = Literal["added", "present", "unresolved", "ignored"]


@dataclass(frozen=True)
class ImportItem:
    """What became of one thing in the list."""

    status: Status
    line: int
    text: str
    """The list's line, stripped."""
    reason: str = ""
    key: str | None = None
    """The library key: the existing entry's (present) or the new one's (added)."""
    title: str | None = None
    section: str | None = None
    url: str | None = None
    entry: Reference | None = None
    """The new entry (added, or planned under ``--dry-run``)."""
    order: int = field(default=-1, compare=False, repr=False)
    """Position among the list's candidates (ignored links: -1), to keep list order."""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the entry as its raw fields)."""
        data: dict[str, Any] = {
            "status": self.status, "line": self.line, "text": self.text, "reason": self.reason,
            "key": self.key, "title": self.title, "section": self.section, "url": self.url,
        }  # fmt: skip
        if self.entry is not None:
            data["entry"] = {"type": self.entry.entry_type, "fields": dict(self.entry.fields)}
        return data


@dataclass
class Work:
    """One distinct work of the list that is not yet in the library."""

    candidate: Candidate
    tokens: list[str]
    order: int = 0
    """Position among the list's candidates."""
    entry_type: str = "misc"
    fields: dict[str, str] | None = None
    """Field contents of the new entry once resolved."""
    problem: str = ""
    """Why it is unresolved."""
    how: str = ""
    """How it was resolved (for reports)."""
    sections: list[str] = field(default_factory=list)
    """Other sections the list cites it under."""


@dataclass
class ImportPlan:
    """The works to resolve, and what is already decided (present, ignored)."""

    reading: ReadingList
    works: list[Work] = field(default_factory=list)
    decided: list[ImportItem] = field(default_factory=list)
    urldate: str | None = None
    sections: dict[str, list[str]] = field(default_factory=dict)
    """Candidate position → the sections of its later duplicates."""
    present_sections: dict[str, list[str]] = field(default_factory=dict)
    """Library key → the sections the list cites it under (added to its keywords)."""
    changed: list[str] = field(default_factory=list)
    """Keys of present entries whose keywords the import extended."""


@dataclass
class ImportReport:
    """The outcome of an import."""

    list_path: Path
    library_path: Path
    items: list[ImportItem]
    dry_run: bool = False
    written: bool = False
    error: SourceError | None = None
    """The arXiv failure that stopped resolution midway, if any."""

    def by_status(self, status: Status) -> list[ImportItem]:
        """The items with one status, in list order."""
        return [i for i in self.items if i.status == status]

    def counts(self) -> dict[str, int]:
        """Items per status."""
        return {s: len(self.by_status(s)) for s in ("added", "present", "unresolved", "ignored")}


def candidate_tokens(c: Candidate) -> list[str]:
    """The tokens a list item can be recognised by, strongest first."""
    tokens = [f"arxiv:{c.arxiv_id.id.lower()}"] if c.arxiv_id else []
    if c.doi:
        tokens.append(f"doi:{c.doi.lower()}")
    for url in c.urls:
        tokens.extend(url_tokens(url))
    if c.citation:
        cit = c.citation
        tokens.extend(title_tokens(cit.title, cit.authors, cit.year))
    return list(dict.fromkeys(tokens))


def strong_tokens(tokens: list[str]) -> list[str]:
    """Tokens other than title + author ones (ids, URLs)."""
    return [t for t in tokens if not t.startswith(("t:", "t0:"))]


def _richer(later: Candidate, first: Candidate) -> bool:
    """True when ``later`` says who wrote the work and ``first`` does not."""
    return bool(later.citation and later.citation.authors) and not (
        first.citation and first.citation.authors
    )


def _earlier(
    seen: Index, lookup: list[str], c: Candidate, works: dict[str, Work], cands: list[Candidate]
) -> tuple[str, str] | None:
    """The earlier candidate ``c`` repeats, unless the two carry different arXiv ids (a project
    page both cite, yet two papers)."""
    earlier = seen.find(lookup)
    if earlier is None or c.arxiv_id is None:
        return earlier
    work = works.get(earlier[0])
    mine = work.candidate.arxiv_id if work else cands[int(earlier[0])].arxiv_id
    return None if mine and c.arxiv_id.id != mine.id else earlier


def _keeps_ids(later: Candidate, current: Candidate) -> bool:
    """True when taking ``later`` for the work loses none of its arXiv id and DOI."""
    return not (current.arxiv_id and not later.arxiv_id) and not (current.doi and not later.doi)


def plan_import(
    reading: ReadingList,
    library: Library,
    entry_tokens: Callable[[Reference], list[str]] = reference_tokens,
) -> ImportPlan:
    """Sort a list's candidates into duplicates, works already present and works to resolve
    (``entry_tokens``: each entry's identity tokens, as :func:`library_index` takes them)."""
    plan = ImportPlan(reading, urldate=reading.date)
    known = library_index(library.references, entry_tokens)
    seen = Index()
    for ignored in reading.ignored:
        plan.decided.append(ImportItem("ignored", ignored.line, ignored.text, ignored.reason,
                                       url=ignored.url))  # fmt: skip
    works: dict[str, Work] = {}
    present_of: dict[str, str] = {}
    for order, c in enumerate(reading.candidates):
        tokens = candidate_tokens(c)
        # two different arXiv ids are two works, whatever their titles say
        lookup = strong_tokens(tokens) if c.arxiv_id else tokens
        earlier = _earlier(seen, lookup, c, works, reading.candidates)
        seen.add(str(order), tokens)
        if earlier:
            first = reading.candidates[int(earlier[0])]
            if first.section and c.section and first.section != c.section:
                if earlier[0] in present_of:
                    plan.present_sections.setdefault(present_of[earlier[0]], []).append(c.section)
                else:
                    plan.sections.setdefault(earlier[0], []).append(c.section)
            if first.line == c.line:
                continue  # the line's own duplicate: one work, not reported twice
            work = works.get(earlier[0])
            if work is not None and _richer(c, work.candidate) and _keeps_ids(c, work.candidate):
                # "please cite [the paper][ref]" above the paper's own entry: the entry is the work
                reason = f"the list cites it again, with its authors, on line {c.line}"
                plan.decided.append(item_of("ignored", first, work.order, reason))
                work.candidate, work.tokens = c, list(dict.fromkeys([*work.tokens, *tokens]))
                continue
            reason = f"the list cites it already on line {first.line} ({describe(earlier[1])})"
            plan.decided.append(item_of("ignored", c, order, reason))
            continue
        present = known.find(lookup)
        if present:
            plan.decided.append(item_of("present", c, order, describe(present[1]), present[0]))
            present_of[str(order)] = present[0]
            if c.section:
                plan.present_sections.setdefault(present[0], []).append(c.section)
            continue
        works[str(order)] = Work(c, tokens, order)
        plan.works.append(works[str(order)])
    for position, extra in plan.sections.items():
        if position in works:
            works[position].sections.extend(extra)
    return plan


def item_of(
    status: Status,
    c: Candidate,
    order: int,
    reason: str,
    key: str | None = None,
    entry: Reference | None = None,
) -> ImportItem:
    return ImportItem(status, c.line, c.text, reason, key, c.title, c.section, c.url, entry, order)
