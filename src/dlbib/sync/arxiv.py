"""The sync plan: which entries to look up on arXiv, and how arXiv's answer merges into them.

:func:`sync_metadata` works on in-memory objects (a :class:`~dlbib.library.Library`, the
:class:`~dlbib.state.SyncState` sidecar, an :class:`~dlbib.arxiv_source.ArxivSource`), so other
steps (PDF downloads) can be composed between load and save; :func:`sync_library` is the
locked load → sync → save of one library.

**Merge policy (three-way).** For each field arXiv provides (see
:func:`~dlbib.arxiv_record.record_fields`), with *current* = the library's value, *base* = what
sync last fetched (sidecar section ``fetched``) and *upstream* = arXiv's value now:

* current equals upstream (same content, formatting aside): unchanged, the user's formatting kept;
* current is empty: filled from arXiv;
* current equals base (the user never touched it): follows arXiv;
* the field is in ``overwrite``: set to arXiv's value;
* otherwise the user's value is kept; when arXiv's value differs from the last fetch (or there
  was none), it is reported as a conflict.

The sidecar keeps short fetched values verbatim and long ones (abstracts) as a hash
(:func:`fingerprint`): the merge only ever compares them for equality.

Fields arXiv does not provide are never touched, so unknown fields are never dropped. An arXiv
DataCite DOI (``10.48550/arXiv.…``) counts as empty when arXiv reports the published DOI.

**Versions.** ``arxivversion = {v3}`` records the version the metadata came from; a newer one
is reported (``v3 → v4``). With ``versions = "latest"`` (the default) the entry follows it. An
entry is *pinned* when the user wrote the version into ``eprint`` (``eprint = {1502.03167v2}``,
the way one cites a version; sync then leaves ``eprint`` alone) or when the library's config
says ``versions = "pinned"`` (pinned at the version last fetched). A pinned entry whose arXiv
version moved on is only reported, not changed.

**Incremental.** The sidecar section ``arxiv`` records the id, version and fetch time; an entry
fetched less than ``fresh_days`` ago (or title-searched in vain that recently) is not looked up
again unless ``refresh``. Entries without an arXiv id are title-searched when they are papers
(``search``), and a result is accepted only through :func:`~dlbib.matching.accept_match`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from dlbib.errors import ArxivLookupError, ArxivUnreachableError, InvalidArxivIdError
from dlbib.library.files import deferred_interrupts
from dlbib.library.model import ArxivId, Reference
from dlbib.sources.arxiv_record import ArxivRecord
from dlbib.sources.match import accept_match
from dlbib.sync.merge import (
    EntryOutcome,
    Status,
    SyncOptions,
    merge_record,
    utc_stamp,
)

if TYPE_CHECKING:
    from dlbib.config import Config
    from dlbib.library.bibfile import Library
    from dlbib.library.state import SyncState
    from dlbib.sources.arxiv import ArxivSource
    from dlbib.sync.published import PublishedReport
    from dlbib.sync.published_services import Services

PAPER_TYPES: Final = frozenset(
    {"article", "inproceedings", "conference", "incollection", "techreport", "unpublished",
     "phdthesis", "mastersthesis"}
)  # fmt: skip
"""Entry types title-searched on arXiv when they have no arXiv id."""

_ARXIV_LINK: Final = re.compile(r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/[\w./-]+")

Progress = Callable[[int, int], None]
"""Called with (steps done, steps in total) after each API request."""


SYNCED_FIELDS: Final = (
    "abstract", "archiveprefix", "arxivversion", "author", "doi", "eprint", "journal-ref",
    "month", "primaryclass", "title", "url", "year",
)  # fmt: skip
"""The fields sync writes, so the ones ``--overwrite`` can settle."""


@dataclass
class SyncReport:
    """Per-entry outcomes of one sync, in library order, and the API requests it cost."""

    outcomes: list[EntryOutcome] = field(default_factory=list)
    requests: int = 0
    dry_run: bool = False
    publications: PublishedReport | None = None
    """Published versions (:mod:`dlbib.sync.published`), when they were looked up."""
    unreachable: str = ""
    """Why arXiv could not be reached at all (its fields unchanged; published versions of the
    entries with a local arXiv id were still looked up)."""

    def having(self, *statuses: Status) -> list[EntryOutcome]:
        """The outcomes with one of ``statuses``."""
        return [o for o in self.outcomes if o.status in statuses]

    @property
    def failed(self) -> list[EntryOutcome]:
        """Entries that could not be synced (failed or missing on arXiv)."""
        return [o for o in self.outcomes if o.failed]

    @property
    def new_versions(self) -> list[EntryOutcome]:
        """Entries for which arXiv has a newer version."""
        return [o for o in self.outcomes if o.new_version is not None]

    @property
    def published(self) -> list[EntryOutcome]:
        """Entries arXiv newly reports as published."""
        return [o for o in self.outcomes if o.published]

    @property
    def conflicts(self) -> list[EntryOutcome]:
        """Entries with conflicts (user's value kept)."""
        return [o for o in self.outcomes if o.conflicts]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = {
            "dry_run": self.dry_run,
            "requests": self.requests,
            "entries": [asdict(o) for o in self.outcomes],
        }
        if self.unreachable:
            data.update(error=self.unreachable, unreachable=True)
        if self.publications is not None:
            data["published_versions"] = self.publications.as_dict()
        return data


def entry_arxiv_id(ref: Reference) -> ArxivId | None:
    """The entry's arXiv id (``eprint``, URL, note, DOI), or None when it has none.

    :raises InvalidArxivIdError: when ``eprint`` is meant as an arXiv id but is malformed.
    """
    known = ref._synced_id  # worked out once per entry: the plan and the published step ask
    if known is None:
        try:
            known = _entry_arxiv_id(ref) or False
        except InvalidArxivIdError as exc:
            known = exc
        object.__setattr__(ref, "_synced_id", known)
    if isinstance(known, InvalidArxivIdError):
        raise known.with_traceback(None)  # the same error each time, not a growing traceback
    return known if isinstance(known, ArxivId) else None


def _entry_arxiv_id(ref: Reference) -> ArxivId | None:
    eprint = ref.get("eprint")
    prefix = (ref.get("archiveprefix") or ref.get("eprinttype") or "arxiv").lower()
    if eprint and prefix == "arxiv":
        return ArxivId.parse(eprint)
    found = ref.arxiv_id  # memoised: check, PDFs and exports ask too
    if found is None:  # an arxiv.org link pasted into another field (``journal``, ``note``)
        for name in ("journal", "note", "howpublished", "booktitle"):  # (most have none)
            m = _ARXIV_LINK.search(ref.get(name) or "") if name in ref.fields else None
            found = ArxivId.find(m.group(0)) if m else None
            if found:
                break
    return found


def sync_metadata(
    library: Library,
    state: SyncState,
    source: ArxivSource,
    options: SyncOptions,
    progress: Progress | None = None,
    *,
    keys: Sequence[str] | None = None,
) -> SyncReport:
    """Bring entries up to date from arXiv, in memory: ``library`` and ``state`` are changed.

    :param keys: only these entries (default: all).
    :returns: per-entry outcomes; failures are outcomes, not exceptions.
    :raises ReferenceNotFoundError: when a key is not in the library (before any request).
    :raises ArxivUnreachableError: when arXiv cannot be reached at all (nothing was changed).
    """
    refs = [library.get(k) for k in keys] if keys else library.references
    if not keys:  # forget what sync knew of entries that were deleted from the library
        present = {ref.key for ref in refs}
        for gone in [k for k in state.entries if k not in present]:
            state.drop(gone, "arxiv")
            state.drop(gone, "fetched")
    run = _Run(library, state, source, options, progress, SyncReport(dry_run=options.dry_run))
    run.plan(refs)
    run.fetch_all()
    run.search_all()
    order = {ref.key: i for i, ref in enumerate(refs)}
    run.report.outcomes.sort(key=lambda o: order.get(o.key, 0))
    run.report.requests = source.requests_made - run.requests_before
    return run.report


@dataclass
class _Run:
    library: Library
    state: SyncState
    source: ArxivSource
    options: SyncOptions
    progress: Progress | None
    report: SyncReport
    to_fetch: dict[str, list[tuple[Reference, ArxivId]]] = field(default_factory=dict)
    to_search: list[Reference] = field(default_factory=list)
    done: int = 0
    succeeded: int = 0
    requests_before: int = 0

    def __post_init__(self) -> None:
        self.requests_before = self.source.requests_made
        self.now = self.options.now()

    def plan(self, refs: Sequence[Reference]) -> None:
        for ref in refs:
            try:
                ident = entry_arxiv_id(ref)
            except InvalidArxivIdError as exc:
                self.add(ref.key, "failed", reason=str(exc))
                continue
            if ident is not None:
                if self.is_fresh(ref.key, ident.id):
                    self.add(ref.key, "fresh", arxiv_id=ident.id)
                else:
                    self.to_fetch.setdefault(ident.id, []).append((ref, ident))
            elif self.options.search and ref.entry_type in PAPER_TYPES and ref.title:
                if self.is_fresh(ref.key, None):
                    self.add(ref.key, "fresh", reason="title-searched recently")
                else:
                    self.to_search.append(ref)
            else:
                self.add(ref.key, "skipped", reason="no arXiv id")

    def is_fresh(self, key: str, ident: str | None) -> bool:
        info = self.state.get(key, "arxiv") or {}
        stamp = info.get("fetched_at") if ident else info.get("searched_at")
        if self.options.refresh or not stamp or info.get("id") != ident:
            return False
        age = self.now - datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        fresh_days = 7.0 if self.options.fresh_days is None else self.options.fresh_days
        return age < timedelta(days=fresh_days)

    def add(self, key: str, status: Status, **details: Any) -> EntryOutcome:
        outcome = EntryOutcome(key, status, **details)
        self.report.outcomes.append(outcome)
        return outcome

    def step(self) -> None:
        self.done += 1
        if self.progress:
            total = -(-len(self.to_fetch) // _batch_size()) + len(self.to_search)
            self.progress(self.done, total)

    def fetch_all(self) -> None:
        ids = list(self.to_fetch)
        size = _batch_size()
        for start in range(0, len(ids), size):
            batch = ids[start : start + size]
            try:
                found = self.source.fetch(ArxivId(i) for i in batch)
            except ArxivUnreachableError:
                if not self.succeeded:
                    raise
                self.fail_rest(ids[start:], "arXiv could not be reached")
                return
            except ArxivLookupError as exc:
                self.fail_rest(batch, str(exc))
                if _is_exhaustion(exc):  # throttled or down: stop asking
                    self.fail_rest(ids[start + size :], f"not looked up: {exc}")
                    self.fail_searches(self.to_search, f"not looked up: {exc}")
                    self.to_search = []
                    return
                self.step()
                continue
            self.succeeded += 1
            for ident in batch:
                for ref, _ in self.to_fetch[ident]:
                    record = found.records.get(ident)
                    if record is None:
                        self.add(ref.key, "missing", arxiv_id=ident,
                                 reason=f"arXiv has no paper {ident}")  # fmt: skip
                    else:
                        self.apply(ref, record)
            self.step()

    def fail_rest(self, ids: Sequence[str], reason: str) -> None:
        for ident in ids:
            for ref, _ in self.to_fetch[ident]:
                self.add(ref.key, "failed", arxiv_id=ident, reason=reason)

    def fail_searches(self, refs: Sequence[Reference], reason: str) -> None:
        for ref in refs:
            self.add(ref.key, "failed", reason=reason)

    def search_all(self) -> None:
        for i, ref in enumerate(self.to_search):
            try:
                candidates = self.source.search_title(ref.title or "")
            except ArxivUnreachableError:
                if not self.succeeded:
                    raise
                self.fail_searches(self.to_search[i:], "arXiv could not be reached")
                return
            except ArxivLookupError as exc:
                self.add(ref.key, "failed", reason=str(exc))
                if _is_exhaustion(exc):
                    self.fail_searches(self.to_search[i + 1 :], f"not looked up: {exc}")
                    return
                self.step()
                continue
            self.succeeded += 1
            match = accept_match(ref.title, ref.authors, ref.year, candidates)
            if match.record is not None:
                self.apply(ref, match.record, True)
            else:
                listed = [f"{c.arxiv_id.id}: {c.title}" for c in match.candidates[:5]]
                self.add(ref.key, "unmatched", reason=match.reason, candidates=listed)
                self.state.section(ref.key, "arxiv").clear()
                self.state.section(ref.key, "arxiv")["searched_at"] = utc_stamp(self.now)
            self.step()

    def apply(self, ref: Reference, record: ArxivRecord, by_search: bool = False) -> None:
        outcome, new_ref = merge_record(ref, record, self.state, self.options, self.now)
        outcome.found_by_search = by_search
        self.report.outcomes.append(outcome)
        if new_ref is not ref:
            self.library.replace(new_ref)


def _batch_size() -> int:
    from dlbib.sources.arxiv import BATCH_SIZE

    return BATCH_SIZE


def _is_exhaustion(exc: ArxivLookupError) -> bool:
    """True when arXiv is throttling or down (retries spent): further requests are pointless."""
    return exc.retry > 0 or (exc.status is not None and (exc.status == 429 or exc.status >= 500))


def sync_loaded(
    library: Library,
    state: SyncState,
    config: Config,
    keys: Sequence[str] | None = None,
    options: SyncOptions | None = None,
    *,
    source: ArxivSource | None = None,
    progress: Progress | None = None,
    services: Services | None = None,
) -> SyncReport:
    """:func:`sync_metadata` with ``config``'s settings, then published versions, on a library
    already loaded (the caller locks and saves; ``dlbib update`` runs every step on one load).

    :param options: how to sync; ``versions``/``fresh_days`` left None come from ``config``.
    :param source: default: an :class:`ArxivSource` on ``config``'s API URL and delay.
    :param services: the venue/DOI services for published versions (default: from ``config``).
    :raises ReferenceNotFoundError: for an unknown key (nothing looked up).
    :raises ArxivUnreachableError: when arXiv cannot be reached at all and published versions
        are off (nothing changed); with them on, ``report.unreachable`` says so instead.
    """
    from dlbib.library.parse import gc_paused
    from dlbib.sources.arxiv import ArxivSource

    options = options or SyncOptions()
    options = replace(
        options,
        versions=options.versions or config.versions,
        fresh_days=config.fresh_days if options.fresh_days is None else options.fresh_days,
    )
    if source is None:
        source = ArxivSource(
            api_url=config.arxiv_api_url, delay=config.arxiv_delay, deadline=config.http_deadline
        )
    with gc_paused():  # the merge allocates; the collector would walk the library meanwhile
        try:
            report = sync_metadata(library, state, source, options, progress, keys=keys)
        except ArxivUnreachableError as exc:
            if (options.published or config.published) == "off":
                raise
            # the other services still know the entries whose arXiv id is in library.bib
            report = SyncReport(dry_run=options.dry_run, unreachable=str(exc),
                                requests=source.requests_made)  # fmt: skip
        report.publications = _published_step(config, library, state, options, keys, services)
    return report


def sync_library(
    config: Config,
    keys: Sequence[str] | None = None,
    options: SyncOptions | None = None,
    *,
    source: ArxivSource | None = None,
    progress: Progress | None = None,
    services: Services | None = None,
) -> SyncReport:
    """Lock the library, sync it from arXiv, and save library.bib and the sidecar.

    Both files are written only after the whole sync ran (library first, then the sidecar,
    with Ctrl-C held in between); on an exception or Ctrl-C before that, neither changes.
    With ``options.dry_run`` nothing is written.

    :param options: how to sync; ``versions``/``fresh_days`` left None come from ``config``.
    :param source: default: an :class:`ArxivSource` on ``config``'s API URL and delay.
    :param services: the venue/DOI services for published versions (default: from ``config``;
        not used when ``published`` is ``off``).
    :raises ReferenceNotFoundError: for an unknown key (nothing looked up).
    :raises ArxivUnreachableError: when arXiv cannot be reached at all and published versions
        are off (nothing written); with them on, ``report.unreachable`` says so instead.
    :raises LibraryError: when the library or sidecar cannot be read or written.
    """
    from dlbib.library.bibfile import library_lock
    from dlbib.library.parse import gc_paused

    # The cycle collector would walk the whole library again and again while the merge
    # allocates; nothing here makes cycles worth collecting mid-run. The library and sidecar
    # are gone (refcounts) before it runs again, so it does not walk them even once then.
    with library_lock(config.library), gc_paused():
        return _sync_and_save(config, keys, options, source, progress, services)


def _sync_and_save(
    config: Config,
    keys: Sequence[str] | None,
    options: SyncOptions | None,
    source: ArxivSource | None,
    progress: Progress | None,
    services: Services | None,
) -> SyncReport:
    """:func:`sync_library`'s load, sync and save, under its lock."""
    from dlbib.library.bibfile import save_library
    from dlbib.library.cache import loaded_to_save
    from dlbib.library.state import load_state, save_state

    dry_run = bool(options and options.dry_run)
    # cached as read (a miss) when the sync ends: the base from which the next read parses
    # only what the save changed, or the very library it reads when nothing changed (offline)
    with loaded_to_save(config.library) as library:
        state = load_state(config.state_path)
        report = sync_loaded(
            library, state, config, keys, options, source=source, progress=progress,
            services=services,
        )  # fmt: skip
        if not dry_run:
            with deferred_interrupts():
                save_library(library)
                save_state(state)
    return report


def _published_step(
    config: Config,
    library: Library,
    state: SyncState,
    options: SyncOptions,
    keys: Sequence[str] | None,
    services: Services | None,
) -> PublishedReport | None:
    """Published versions after arXiv's fields (issue 15); None when switched off."""
    from dlbib.sync.published import PublishedOptions, resolve_published
    from dlbib.sync.published_services import Services

    mode = options.published or config.published
    if mode == "off":
        return None
    accept = frozenset(keys or [r.key for r in library.references])
    published = PublishedOptions(
        mode=mode,
        accept=accept if options.accept_published else frozenset(),
        refresh=options.refresh,
        fresh_days=config.fresh_days if options.fresh_days is None else options.fresh_days,
        overwrite=options.overwrite,
    )
    services = services or Services.from_config(config)
    return resolve_published(library, state, services, published, options.now(), keys=keys)
