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
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, Protocol

from dlbib.errors import SourceError
from dlbib.library.bibfile import Library, library_lock, load_library, save_library
from dlbib.library.keys import base_key, generate_key
from dlbib.library.model import ArxivId, Reference
from dlbib.readinglist.identity import (
    Index,
    describe,
    library_index,
    reference_tokens,
    title_tokens,
    url_tokens,
)
from dlbib.readinglist.read import Candidate, ReadingList, read_reading_list, web_fields
from dlbib.readinglist.urls import strip_tracking
from dlbib.sources.arxiv_record import (
    ArxivRecord,
    FetchResult,
    latex_safe,
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

    def search_title(self, title: str, max_results: int = 10) -> list[ArxivRecord]: ...


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


@dataclass
class ImportPlan:
    """The works to resolve, and what is already decided (present, ignored)."""

    reading: ReadingList
    works: list[Work] = field(default_factory=list)
    decided: list[ImportItem] = field(default_factory=list)
    urldate: str | None = None


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


def plan_import(reading: ReadingList, library: Library) -> ImportPlan:
    """Sort a list's candidates into duplicates, works already present and works to resolve."""
    plan = ImportPlan(reading, urldate=reading.date)
    known = library_index(library.references)
    seen = Index()
    for ignored in reading.ignored:
        plan.decided.append(ImportItem("ignored", ignored.line, ignored.text, ignored.reason,
                                       url=ignored.url))  # fmt: skip
    for order, c in enumerate(reading.candidates):
        tokens = candidate_tokens(c)
        earlier = seen.find(tokens)
        seen.add(str(c.line), tokens)
        if earlier:
            reason = f"the list cites it already on line {earlier[0]} ({describe(earlier[1])})"
            plan.decided.append(_item("ignored", c, order, reason))
            continue
        present = known.find(tokens)
        if present:
            plan.decided.append(_item("present", c, order, describe(present[1]), present[0]))
            continue
        plan.works.append(Work(c, tokens, order))
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
    work.entry_type, work.fields, work.how = "misc", fields, how
    work.tokens = list(dict.fromkeys([*work.tokens, *_record_tokens(record)]))


def _record_tokens(record: ArxivRecord) -> list[str]:
    ref = Reference("", "misc", {k: raw_value(k, v) for k, v in record_fields(record).items()})
    return reference_tokens(ref)


def _ticker(plan: ImportPlan, search: bool, progress: Progress | None) -> Callable[[], None]:
    """A function to call after each arXiv request; it reports (done, total) to ``progress``."""
    ids = sum(1 for w in plan.works if w.candidate.arxiv_id)
    searches = sum(
        1 for w in plan.works if search and not w.candidate.arxiv_id and _searchable(w.candidate)
    )
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
    """Fill in each work's fields: arXiv ids batched, then title searches, then the list's own
    data for papers arXiv lacks and for web items. Stops at the first arXiv failure.

    :param source: the arXiv client; None means no look-ups (arXiv works stay unresolved).
    :param search: look titles without an id up on arXiv.
    :param progress: called with (requests done, requests planned) after each request.
    :returns: the arXiv failure that stopped resolution, or None.
    """
    tick = _ticker(plan, search and source is not None, progress)
    error = _fetch_ids(plan.works, source, tick) if source is not None else None
    for work in plan.works:
        if work.fields is not None or work.problem or work.candidate.arxiv_id:
            continue
        to_search = search and source is not None and _searchable(work.candidate)
        if to_search and error is not None:
            continue  # not built from the list: a later run should still ask arXiv first
        if to_search:
            assert source is not None
            try:
                _search(work, source)
            except SourceError as exc:
                error = exc
                continue
            tick()
        if work.fields is None and not work.problem:
            _from_list(work, plan.urldate, searched=search and source is not None)
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


def _searchable(c: Candidate) -> bool:
    cit = c.citation
    return bool(cit and cit.authors and cit.year and not cit.book and not c.doi)


def _search(work: Work, source: ArxivLookup) -> None:
    cit = work.candidate.citation
    assert cit is not None
    found = source.search_title(cit.title)
    match = accept_match(cit.title, cit.authors, cit.year, found)
    if match.record is not None:
        _from_record(work, match.record, f"arXiv title search: {match.reason}")
    elif work.candidate.kind == "citation":
        work.problem = f"no arXiv match for the title: {match.reason}"


def _from_list(work: Work, urldate: str | None, *, searched: bool) -> None:
    """Build the entry from what the list says (papers arXiv lacks, web items)."""
    c = work.candidate
    keywords = _keyword(c.section)
    if c.kind == "web":
        url = strip_tracking(c.url or "")
        fields = {"title": latex_safe(c.title or url), **web_fields(c), "url": url}
        # natbib labels an author-less entry by its `key` field; the site stands in for a name
        fields["key"] = fields["howpublished"]
        if urldate:
            fields["urldate"] = urldate
        fields["keywords"] = keywords
        work.entry_type, work.fields, work.how = "misc", fields, "web page (from the list)"
        return
    cit = c.citation
    if cit is None or not cit.authors:
        what = f"DOI {c.doi}: " if c.doi else ""
        work.problem = f"{what}the list gives no authors, and dlbib cannot look this link up"
        return
    if c.kind == "citation":
        work.problem = (
            "no link, and the list gives no year to verify an arXiv match"
            if searched
            else "no link, and arXiv title search is off (--no-search)"
        )
        return
    entry_type, venue = _venue(c)
    names = list(cit.authors) + (["others"] if cit.et_al else [])
    fields = {"author": " and ".join(names), "title": latex_safe(cit.title, protect_case=True)}
    fields.update(venue)
    if c.proceedings and c.proceedings.volume:
        fields["volume"] = c.proceedings.volume
    fields.update({"year": cit.year or "", "doi": c.doi or "", "url": strip_tracking(c.url or "")})
    fields["keywords"] = keywords
    how = "from the list (no arXiv match)" if searched else "from the list"
    work.entry_type, work.how = entry_type, how
    work.fields = {k: v for k, v in fields.items() if v}


def _venue(c: Candidate) -> tuple[str, dict[str, str]]:
    cit = c.citation
    assert cit is not None
    journal = cit.journal or ""
    if cit.book:
        return "book", {}
    if re.match(r"(?i)(proceedings|advances in)\b", journal):
        return "inproceedings", {"booktitle": journal}
    if journal:
        return "article", {"journal": journal}
    if cit.booktitle:
        return "inproceedings", {"booktitle": cit.booktitle}
    if c.proceedings:
        name = "journal" if c.proceedings.entry_type == "article" else "booktitle"
        return c.proceedings.entry_type, {name: c.proceedings.container}
    return "misc", {}


def _keyword(section: str | None) -> str:
    # Zotero splits keywords on , and ; so a heading becomes one tag only without them
    return re.sub(r"\s*[,;]\s*", " / ", section or "").strip()


class _TakenKeys:
    """The keys in use, bucketed by prefix so a key for each of thousands of new entries is
    found without rescanning every key (``generate_key`` folds all of ``taken`` per call)."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._buckets: dict[str, set[str]] = {}
        for key in keys:
            self.add(key)

    def add(self, key: str) -> None:
        self._buckets.setdefault(key.lower()[:4], set()).add(key.lower())

    def related(self, base: str) -> set[str]:
        """Every key a ``base`` + suffix could collide with."""
        if len(base) >= 4:
            return {k for k in self._buckets.get(base[:4], ()) if k.startswith(base)}
        return {k for bucket in self._buckets.values() for k in bucket if k.startswith(base)}


def _reference(work: Work, taken: _TakenKeys) -> Reference:
    assert work.fields is not None
    fields = dict(work.fields)
    if work.candidate.section and "keywords" not in fields:
        fields["keywords"] = _keyword(work.candidate.section)
    raw = {name: raw_value(name, value) for name, value in fields.items() if value}
    draft = Reference("", work.entry_type, raw)
    if "author" not in raw and "key" in fields:
        # the library's rule for author-less items: the `key` name takes the author's place
        draft = draft.with_fields({"author": "{" + _key_name(fields["key"]) + "}"})
    key = generate_key(draft, taken.related(base_key(draft)))
    return Reference(key, work.entry_type, raw)


def _key_name(site: str) -> str:
    """``blog.monkeylearn.com`` → ``monkeylearn``; a site name (``Quora``) stays."""
    labels = site.lower().split(".")
    if len(labels) < 2 or " " in site:
        return site
    return (
        labels[-3]
        if labels[-2] in ("github", "co", "ac", "blogspot") and len(labels) > 2
        else labels[-2]
    )


def finish(plan: ImportPlan, library: Library) -> list[ImportItem]:
    """Turn resolved works into new entries appended to ``library`` (in list order), skipping
    works the library or an earlier work already holds; return every item, in list order."""
    items = list(plan.decided)
    known = library_index(library.references)
    taken = _TakenKeys(library.keys())
    added: dict[str, int] = {}
    for work in plan.works:
        c = work.candidate
        if work.fields is None:
            items.append(_item("unresolved", c, work.order, work.problem))
            continue
        present = known.find(work.tokens)
        if present and present[0] in added:
            reason = (
                f"the list cites it already on line {added[present[0]]} ({describe(present[1])})"
            )
            items.append(_item("ignored", c, work.order, reason))
            continue
        if present:
            items.append(_item("present", c, work.order, describe(present[1]), present[0]))
            continue
        ref = _reference(work, taken)
        added[ref.key] = c.line
        taken.add(ref.key)
        library.blocks.append(ref)  # new key by construction; Library.add would rescan all keys
        known.add(ref.key, [*work.tokens, *reference_tokens(ref)])
        items.append(_item("added", c, work.order, work.how, ref.key, ref))
    return sorted(items, key=lambda i: (i.line, i.order))


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
        if report.by_status("added"):
            report.written = save_library(library, library_path)
    return report
