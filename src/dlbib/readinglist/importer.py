"""Reading-list import, second half: decide what a list adds to a library, resolve it through
arXiv, and append the new entries.

:func:`plan_import` (no network) drops works the list cites twice and works already in the
library (same arXiv id, DOI, proceedings id, URL, or title + first author + year).
:func:`resolve_plan` looks the rest up: every arXiv id in ⌈N/100⌉ batched requests, then titles
without an id by arXiv title search, accepted only by :func:`dlbib.matching.accept_match` (the
rules sync uses); a cited paper arXiv does not have is built from what the list says, web links
become ``@misc`` web items. :func:`apply_import` appends the new entries in list order under the
library's lock. :func:`import_reading_list` does all three. If arXiv fails midway, what resolved
so far is kept and the failure is returned in :attr:`ImportReport.error`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, Protocol

from dlbib.errors import SourceError
from dlbib.library.bibfile import Library, library_lock, load_library, save_library
from dlbib.library.model import ArxivId, Reference
from dlbib.readinglist.entries import (
    TakenKeys,
    add_keywords,
    keywords,
    new_reference,
    paper_fields,
    web_fields,
)
from dlbib.readinglist.identity import (
    Index,
    describe,
    library_index,
    reference_tokens,
    title_tokens,
    url_tokens,
)
from dlbib.readinglist.read import Candidate, ReadingList, read_reading_list
from dlbib.readinglist.urls import arxiv_id_in_url
from dlbib.sources.arxiv import title_batches
from dlbib.sources.arxiv_record import (
    ArxivRecord,
    FetchResult,
    raw_value,
    record_fields,
)
from dlbib.sources.match import accept_match

Status = Literal["added", "present", "unresolved", "ignored"]
Progress = Callable[[int, int], None]
BATCH_SIZE: Final = 100
"""arXiv ids per look-up request."""


class ArxivLookup(Protocol):
    """What the import needs from :class:`dlbib.arxiv_source.ArxivSource`."""

    def fetch(self, ids: Iterable[ArxivId]) -> FetchResult: ...

    def search_titles(self, titles: Sequence[str]) -> dict[str, list[ArxivRecord]]: ...


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


def _strong(tokens: list[str]) -> list[str]:
    """Tokens other than title + author ones (ids, URLs)."""
    return [t for t in tokens if not t.startswith(("t:", "t0:"))]


def plan_import(reading: ReadingList, library: Library) -> ImportPlan:
    """Sort a list's candidates into duplicates, works already present and works to resolve."""
    plan = ImportPlan(reading, urldate=reading.date)
    known = library_index(library.references)
    seen = Index()
    for ignored in reading.ignored:
        plan.decided.append(ImportItem("ignored", ignored.line, ignored.text, ignored.reason,
                                       url=ignored.url))  # fmt: skip
    works: dict[str, Work] = {}
    present_of: dict[str, str] = {}
    for order, c in enumerate(reading.candidates):
        tokens = candidate_tokens(c)
        # two different arXiv ids are two works, whatever their titles say
        lookup = _strong(tokens) if c.arxiv_id else tokens
        earlier = seen.find(lookup)
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
            reason = f"the list cites it already on line {first.line} ({describe(earlier[1])})"
            plan.decided.append(_item("ignored", c, order, reason))
            continue
        present = known.find(lookup)
        if present:
            plan.decided.append(_item("present", c, order, describe(present[1]), present[0]))
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


def _item(
    status: Status,
    c: Candidate,
    order: int,
    reason: str,
    key: str | None = None,
    entry: Reference | None = None,
) -> ImportItem:
    return ImportItem(status, c.line, c.text, reason, key, c.title, c.section, c.url, entry, order)


def _chunks(items: list[Work], size: int) -> Iterable[list[Work]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _from_record(work: Work, record: ArxivRecord, how: str) -> None:
    fields = record_fields(record)
    fields.setdefault("howpublished", f"arXiv:{record.arxiv_id.id} [{record.primary_class}]")
    own = work.candidate.url
    if own and not arxiv_id_in_url(own) and own.lower().split("?")[0].endswith(".pdf"):
        fields.setdefault("pdfurl", own)  # "arXiv:ID … [[pdf]](author's copy)": one work
    work.entry_type, work.fields, work.how = "misc", fields, how
    work.tokens = list(dict.fromkeys([*work.tokens, *_record_tokens(record)]))


def _record_tokens(record: ArxivRecord) -> list[str]:
    ref = Reference("", "misc", {k: raw_value(k, v) for k, v in record_fields(record).items()})
    return reference_tokens(ref)


def _ticker(plan: ImportPlan, searches: int, progress: Progress | None) -> Callable[[], None]:
    """A function to call after each arXiv request; it reports (done, total) to ``progress``."""
    ids = sum(1 for w in plan.works if w.candidate.arxiv_id)
    total, done = math.ceil(ids / BATCH_SIZE) + searches, 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    return tick


def resolve_plan(
    plan: ImportPlan,
    source: ArxivLookup | None,
    *,
    search: bool = True,
    progress: Progress | None = None,
) -> SourceError | None:
    """Fill in each work's fields: arXiv ids batched, then titles batched into as few searches
    as fit a request, then the list's own data for papers no service confirms and for web
    items. Stops asking arXiv at the first failure.

    :param source: the arXiv client; None means no look-ups (arXiv works stay unresolved).
    :param search: look titles without an id up on arXiv.
    :param progress: called with (requests done, requests planned) after each request.
    :returns: the arXiv failure that stopped resolution, or None.
    """
    to_search = [w for w in plan.works if search and source and _searchable(w.candidate)]
    titles = list(dict.fromkeys(_title(w) for w in to_search))
    tick = _ticker(plan, len(title_batches(titles)) if source else 0, progress)
    error = _fetch_ids(plan.works, source, tick) if source is not None else None
    if source is not None and error is None and titles:
        error = _search_all(to_search, titles, source, tick)
    pending = {id(w) for w in to_search}
    for work in plan.works:
        if work.fields is not None or work.problem or work.candidate.arxiv_id:
            continue
        if id(work) in pending and error is not None:
            continue  # not built from the list: a later run should still ask arXiv first
        _from_list(work, plan.urldate, searched=id(work) in pending)
    for work in plan.works:
        if work.fields is None and not work.problem:
            work.problem = f"not looked up: {error}" if error else "arXiv look-ups are off"
    return error


def _fetch_ids(
    works: list[Work], source: ArxivLookup, tick: Callable[[], None]
) -> SourceError | None:
    """Look every arXiv id up, :data:`BATCH_SIZE` per request; stop at the first failure."""
    for batch in _chunks([w for w in works if w.candidate.arxiv_id], BATCH_SIZE):
        ids = [w.candidate.arxiv_id for w in batch if w.candidate.arxiv_id]
        try:
            result = source.fetch(ids)
        except SourceError as exc:
            return exc
        tick()
        for work, ident in zip(batch, ids, strict=True):
            record = result.records.get(ident.id)
            if record is None:
                work.problem = f"arXiv has no paper {ident.id}"
            else:
                _from_record(work, record, f"arXiv {record.arxiv_id.id}")
    return None


def _title(work: Work) -> str:
    assert work.candidate.citation is not None
    return work.candidate.citation.title


def _searchable(c: Candidate) -> bool:
    cit = c.citation
    return bool(cit and cit.authors and cit.year and not cit.book and not c.doi)


def _search_all(
    works: list[Work], titles: list[str], source: ArxivLookup, tick: Callable[[], None]
) -> SourceError | None:
    """Batched title searches; each work takes a record only when accept_match agrees."""
    found: dict[str, list[ArxivRecord]] = {}
    for batch in title_batches(titles):
        try:
            found.update(source.search_titles(batch))
        except SourceError as exc:
            return exc
        tick()
    for work in works:
        cit = work.candidate.citation
        assert cit is not None
        match = accept_match(cit.title, cit.authors, cit.year, found.get(cit.title, []))
        if match.record is not None:
            _from_record(work, match.record, f"arXiv title search: {match.reason}")
        else:
            work.how = f"no arXiv match: {match.reason}"
    return None


def _from_list(work: Work, urldate: str | None, *, searched: bool) -> None:
    """Build the entry from what the list says (papers no service confirms, web items)."""
    c = work.candidate
    cit = c.citation
    if cit is not None and cit.authors:
        work.entry_type, work.fields = paper_fields(c, searched=searched)
        work.how = "from the list" + (f" ({work.how})" if work.how else "")
    elif c.url and c.kind in ("web", "paper"):
        work.entry_type, work.fields = "misc", web_fields(c, urldate)
        work.how = "web page (from the list)"
    else:
        what = f"DOI {c.doi}: " if c.doi else ""
        work.problem = f"{what}the list gives no authors, and dlbib cannot look this link up"


def finish(plan: ImportPlan, library: Library) -> list[ImportItem]:
    """Turn resolved works into new entries appended to ``library`` (in list order), skipping
    works the library or an earlier work already holds, and add the sections the list cites
    present works under to their keywords; return every item, in list order."""
    items = list(plan.decided)
    known = library_index(library.references)
    taken = TakenKeys(library.keys())
    added: dict[str, int] = {}
    present = {k: list(v) for k, v in plan.present_sections.items()}
    for work in plan.works:
        c = work.candidate
        if work.fields is None:
            items.append(_item("unresolved", c, work.order, work.problem))
            continue
        # two different arXiv ids are two works, even when their titles and authors agree
        found = known.find(_strong(work.tokens) if c.arxiv_id else work.tokens)
        if found and found[0] in added:
            reason = f"the list cites it already on line {added[found[0]]} ({describe(found[1])})"
            items.append(_item("ignored", c, work.order, reason))
            continue
        if found:
            items.append(_item("present", c, work.order, describe(found[1]), found[0]))
            present.setdefault(found[0], []).extend([c.section or "", *work.sections])
            continue
        fields = dict(work.fields)
        for name, url in c.links:
            fields.setdefault(name, url)
        fields["keywords"] = keywords([c.section, *work.sections])
        ref = new_reference(work.entry_type, fields, taken)
        added[ref.key] = c.line
        taken.add(ref.key)
        library.blocks.append(ref)  # new key by construction; Library.add would rescan all keys
        known.add(ref.key, [*work.tokens, *reference_tokens(ref)])
        items.append(_item("added", c, work.order, work.how, ref.key, ref))
    plan.changed = _add_sections(library, present)
    return sorted(items, key=lambda i: (i.line, i.order))


def _add_sections(library: Library, sections: dict[str, list[str]]) -> list[str]:
    """Add sections to present entries' keywords (never removing one); the keys changed."""
    changed = []
    keys = set(library.keys())
    for key, names in sections.items():
        if key not in keys:
            continue
        ref = library.get(key)
        merged = add_keywords(ref.get("keywords") or "", names)
        if merged and merged != (ref.get("keywords") or ""):
            library.replace(ref.with_fields({"keywords": merged}))
            changed.append(key)
    return changed


def _load(path: Path) -> Library:
    """The library, or a new empty one when the file does not exist yet (a first import)."""
    if not path.exists() and path.parent.is_dir():
        return Library(path)
    return load_library(path)


def import_reading_list(
    list_path: Path,
    library_path: Path,
    source: ArxivLookup | None,
    *,
    dry_run: bool = False,
    search: bool = True,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a reading list into a library: plan, resolve through arXiv, append.

    With ``dry_run`` nothing is written. A library file that does not exist yet is created.
    If arXiv fails midway the works resolved so far are still added (unless ``dry_run``) and
    the failure is in :attr:`ImportReport.error`.

    :raises ReadingListError: when the list cannot be read.
    :raises LibraryError: when the library cannot be read or written.
    """
    reading = read_reading_list(list_path)
    plan = plan_import(reading, _load(library_path))
    error = resolve_plan(plan, source, search=search, progress=progress)
    report = ImportReport(list_path, library_path, [], dry_run=dry_run, error=error)
    if dry_run:
        report.items = finish(plan, _load(library_path))
        return report
    # re-read under the lock: the library may have changed while arXiv was being asked
    with library_lock(library_path):
        library = _load(library_path)
        report.items = finish(plan, library)
        if report.by_status("added") or plan.changed:
            report.written = save_library(library, library_path)
    return report
