"""Reading-list import, resolving and writing: look a plan's works up and append the new
entries (planning is ``plan.py``).

:func:`resolve_plan` asks arXiv for every id in ⌈N/100⌉ batched requests, then for the titles
of citations without an id in ⌈T/k⌉ batched ``ti:"…" OR ti:"…"`` searches, each answer accepted
only by :func:`dlbib.sources.match.accept_match` (the rules sync uses); a paper no service
confirms is built from what the list says (``entries.py``), web links become ``@misc`` web
items. :func:`finish` appends the new entries in list order and adds sections to present
entries' keywords. :func:`import_reading_list` does it all under the library's lock. If arXiv
fails midway, what resolved so far is kept and the failure is in :attr:`ImportReport.error`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Final, Protocol

from dlbib.errors import SourceError
from dlbib.library.bibfile import Library, library_lock, save_library
from dlbib.library.cache import load_cached
from dlbib.library.derived import Results, entry_digest, open_results
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
    describe,
    library_index,
    reference_tokens,
)
from dlbib.readinglist.plan import (
    ImportItem,
    ImportPlan,
    ImportReport,
    Work,
    item_of,
    plan_import,
    strong_tokens,
)
from dlbib.readinglist.read import Candidate, read_reading_list
from dlbib.readinglist.urls import arxiv_id_in_url
from dlbib.sources.arxiv_record import (
    ArxivRecord,
    FetchResult,
    record_fields,
    record_raw_fields,
)
from dlbib.sources.arxiv_titles import title_batches
from dlbib.sources.match import accept_match

Progress = Callable[[int, int], None]
BATCH_SIZE: Final = 100
"""arXiv ids per look-up request."""
__all__ = ["ImportItem", "ImportPlan", "ImportReport", "Work", "finish", "import_reading_list",
           "plan_import", "resolve_plan"]  # fmt: skip


class ArxivLookup(Protocol):
    """What the import needs from :class:`dlbib.arxiv_source.ArxivSource`."""

    def fetch(self, ids: Iterable[ArxivId]) -> FetchResult: ...

    def search_titles(self, titles: Sequence[str]) -> dict[str, list[ArxivRecord]]: ...


def _chunks(items: list[Work], size: int) -> Iterable[list[Work]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _from_record(work: Work, record: ArxivRecord, how: str) -> None:
    fields = record_fields(record)
    fields.setdefault("howpublished", f"arXiv:{record.arxiv_id.id} [{record.primary_class}]")
    own = work.candidate.url
    if own and not arxiv_id_in_url(own) and own.lower().split("?")[0].endswith(".pdf"):
        fields.setdefault("pdfurl", own)  # "arXiv:ID … [[pdf]](author's copy)": one work
    if work.candidate.doi and not ArxivId.find(work.candidate.doi):
        fields.setdefault("doi", work.candidate.doi)  # the published version the list names
    work.entry_type, work.fields, work.how = "misc", fields, how
    work.tokens = list(dict.fromkeys([*work.tokens, *_record_tokens(record)]))


def _record_tokens(record: ArxivRecord) -> list[str]:
    ref = Reference("", "misc", record_raw_fields(record))
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
    return bool(cit and cit.authors and cit.year and not cit.book and not c.doi and not c.arxiv_id)


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


def finish(
    plan: ImportPlan,
    library: Library,
    entry_tokens: Callable[[Reference], list[str]] = reference_tokens,
) -> list[ImportItem]:
    """Turn resolved works into new entries appended to ``library`` (in list order), skipping
    works the library or an earlier work already holds, and add the sections the list cites
    present works under to their keywords; return every item, in list order."""
    items = list(plan.decided)
    known = library_index(library.references, entry_tokens)
    taken = TakenKeys(library.keys())
    added: dict[str, int] = {}
    eprints = {ref.key: (ref.get("eprint") or "").lower() for ref in library.references}
    present = {k: list(v) for k, v in plan.present_sections.items()}
    for work in plan.works:
        c = work.candidate
        if work.fields is None:
            items.append(item_of("unresolved", c, work.order, work.problem))
            continue
        # two different arXiv ids are two works, even when their titles and authors agree
        found = known.find(strong_tokens(work.tokens) if c.arxiv_id else work.tokens)
        if found and c.arxiv_id and eprints.get(found[0], "") not in ("", c.arxiv_id.id.lower()):
            found = None  # a project page both cite, yet two arXiv ids: two works
        if found and found[0] in added:
            reason = f"the list cites it already on line {added[found[0]]} ({describe(found[1])})"
            items.append(item_of("ignored", c, work.order, reason))
            continue
        if found:
            items.append(item_of("present", c, work.order, describe(found[1]), found[0]))
            present.setdefault(found[0], []).extend([c.section or "", *work.sections])
            continue
        fields = dict(work.fields)
        for name, url in c.links:
            fields.setdefault(name, url)
        fields["keywords"] = keywords([c.section, *work.sections])
        ref = new_reference(work.entry_type, fields, taken)
        added[ref.key] = c.line
        eprints[ref.key] = (ref.get("eprint") or "").lower()
        taken.add(ref.key)
        library.blocks.append(ref)  # new key by construction; Library.add would rescan all keys
        known.add(ref.key, [*work.tokens, *reference_tokens(ref)])
        items.append(item_of("added", c, work.order, work.how, ref.key, ref))
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
    """The library (through the parse cache), or a new empty one when the file does not exist
    yet (a first import)."""
    if not path.exists() and path.parent.is_dir():
        return Library(path)
    return load_cached(path)


def _kept_tokens(library_path: Path) -> tuple[Callable[[Reference], list[str]], Results]:
    """:func:`reference_tokens` of each entry, kept between runs by the entry's content
    (:mod:`dlbib.library.derived`): an import into a large library works out only the tokens
    of entries it has not seen (the plan and the finish both ask for every entry)."""
    table = open_results(library_path, "import-tokens")

    def tokens(ref: Reference) -> list[str]:
        digest = entry_digest(ref)
        kept = table.get(digest)
        if kept is None:
            kept = reference_tokens(ref)
            table.put(digest, kept)
        return list(kept)

    return tokens, table


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
    tokens, table = _kept_tokens(library_path)
    plan = plan_import(reading, _load(library_path), tokens)
    error = resolve_plan(plan, source, search=search, progress=progress)
    report = ImportReport(list_path, library_path, [], dry_run=dry_run, error=error)
    if dry_run:
        report.items = finish(plan, _load(library_path), tokens)
        table.save()
        return report
    # re-read under the lock: the library may have changed while arXiv was being asked
    with library_lock(library_path):
        library = _load(library_path)
        report.items = finish(plan, library, tokens)
        if report.by_status("added") or plan.changed:
            report.written = save_library(library, library_path)
    table.save()
    return report
