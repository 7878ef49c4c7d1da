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

import contextlib
import hashlib
import re
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from types import FrameType
from typing import TYPE_CHECKING, Any, Final, Literal

from .arxiv_record import ArxivRecord, raw_value, record_fields
from .errors import ArxivLookupError, ArxivUnreachableError, InvalidArxivIdError
from .matching import accept_match
from .model import ArxivId, Reference, arxiv_id_of, unbrace
from .text import normalize_title

if TYPE_CHECKING:
    from .arxiv_source import ArxivSource
    from .config import Config
    from .library import Library
    from .state import SyncState

PAPER_TYPES: Final = frozenset(
    {"article", "inproceedings", "conference", "incollection", "techreport", "unpublished",
     "phdthesis", "mastersthesis"}
)  # fmt: skip
"""Entry types title-searched on arXiv when they have no arXiv id."""

FINGERPRINT_OVER: Final = 160
"""Fetched values longer than this are kept in the sidecar as a hash."""

_ARXIV_LINK: Final = re.compile(r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/[\w./-]+")

Status = Literal["updated", "unchanged", "fresh", "skipped", "unmatched", "missing", "failed"]
Progress = Callable[[int, int], None]
"""Called with (steps done, steps in total) after each API request."""


SYNCED_FIELDS: Final = (
    "abstract", "archiveprefix", "arxivversion", "author", "doi", "eprint", "journal-ref",
    "month", "primaryclass", "title", "url", "year",
)  # fmt: skip
"""The fields sync writes, so the ones ``--overwrite`` can settle."""


@dataclass(frozen=True)
class SyncOptions:
    """How to sync: see :func:`sync_metadata`."""

    dry_run: bool = False
    """Compute the report, write nothing."""
    refresh: bool = False
    """Look entries up even when their last fetch is fresh."""
    overwrite: frozenset[str] = frozenset()
    """Fields where arXiv's value replaces the user's (settles conflicts)."""
    search: bool = True
    """Title-search papers that have no arXiv id."""
    versions: str | None = None
    """``latest`` follows new arXiv versions; ``pinned`` only reports them (None: the
    library's config, else ``latest``)."""
    fresh_days: float | None = None
    """Results younger than this (days) are not looked up again (None: config, else 7)."""
    now: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    """The current time (UTC)."""


@dataclass(frozen=True)
class FieldChange:
    """One field sync changed (raw values; ``old`` None when the field was absent)."""

    name: str
    old: str | None
    new: str


@dataclass(frozen=True)
class Conflict:
    """A field the user changed while arXiv's value changed too: the user's value was kept."""

    name: str
    current: str
    upstream: str


@dataclass
class EntryOutcome:
    """What sync did with one entry."""

    key: str
    status: Status
    arxiv_id: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    old_version: int | None = None
    new_version: int | None = None
    """Set when arXiv has a newer version than the one last recorded."""
    pinned: bool = False
    """True when a newer version was only reported because the entry is pinned."""
    published: str | None = None
    """``10.1109/ICCV.2015.123 (ICCV 2015)`` when arXiv newly reports the published version."""
    found_by_search: bool = False
    reason: str = ""
    """Why it failed, was skipped or not matched."""
    candidates: list[str] = field(default_factory=list)
    """Title-search candidates (``id: title``) when none was accepted."""

    @property
    def failed(self) -> bool:
        """True for failed look-ups and ids arXiv does not have."""
        return self.status in ("failed", "missing")


@dataclass
class SyncReport:
    """Per-entry outcomes of one sync, in library order, and the API requests it cost."""

    outcomes: list[EntryOutcome] = field(default_factory=list)
    requests: int = 0
    dry_run: bool = False

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
        return {
            "dry_run": self.dry_run,
            "requests": self.requests,
            "entries": [asdict(o) for o in self.outcomes],
        }


def entry_arxiv_id(ref: Reference) -> ArxivId | None:
    """The entry's arXiv id (``eprint``, URL, note, DOI), or None when it has none.

    :raises InvalidArxivIdError: when ``eprint`` is meant as an arXiv id but is malformed.
    """
    eprint = ref.get("eprint")
    prefix = (ref.get("archiveprefix") or ref.get("eprinttype") or "arxiv").lower()
    if eprint and prefix == "arxiv":
        return ArxivId.parse(eprint)
    found = arxiv_id_of(ref)
    if found is None:  # an arxiv.org link pasted into another field (``journal``, ``note``)
        for name in ("journal", "note", "howpublished", "booktitle"):
            m = _ARXIV_LINK.search(ref.get(name) or "")
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
                self.state.section(ref.key, "arxiv")["searched_at"] = _stamp(self.now)
            self.step()

    def apply(self, ref: Reference, record: ArxivRecord, by_search: bool = False) -> None:
        outcome, new_ref = merge_record(ref, record, self.state, self.options, self.now)
        outcome.found_by_search = by_search
        self.report.outcomes.append(outcome)
        if new_ref is not ref:
            self.library.replace(new_ref)


def _batch_size() -> int:
    from .arxiv_source import BATCH_SIZE

    return BATCH_SIZE


def _is_exhaustion(exc: ArxivLookupError) -> bool:
    """True when arXiv is throttling or down (retries spent): further requests are pointless."""
    return exc.retry > 0 or (exc.status is not None and (exc.status == 429 or exc.status >= 500))


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _version_of(text: str | None) -> int | None:
    if text and text.lstrip("v").isdigit():
        return int(text.lstrip("v"))
    return None


def fingerprint(raw: str) -> str:
    """What the sidecar keeps of a fetched value: short values verbatim, long ones (abstracts)
    as ``sha256:<16 hex>``, which is all the merge needs (it only compares for equality)."""
    if len(raw) <= FINGERPRINT_OVER:
        return raw
    return "sha256:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def _same(a: str, b: str) -> bool:
    """Equal content, formatting aside (braces, LaTeX, case, punctuation, spacing)."""
    return a == b or normalize_title(unbrace(a)) == normalize_title(unbrace(b))


def merge_record(
    ref: Reference,
    record: ArxivRecord,
    state: SyncState,
    options: SyncOptions,
    now: datetime,
) -> tuple[EntryOutcome, Reference]:
    """Merge one arXiv record into one entry (the three-way policy of the module docstring).

    Updates ``state`` (sections ``arxiv`` and ``fetched``) and returns the outcome with the new
    entry (``ref`` itself when nothing changed).
    """
    info = state.get(ref.key, "arxiv") or {}
    same_paper = info.get("id") == record.arxiv_id.id
    base: dict[str, str] = (state.get(ref.key, "fetched") or {}) if same_paper else {}
    known = _version_of(ref.get("arxivversion")) or (info.get("version") if same_paper else None)
    latest = record.version
    cited = ArxivId.find(ref.get("eprint") or "")
    entry_pin = cited.version if cited else None
    pin = entry_pin or (known if options.versions == "pinned" else None)
    outcome = EntryOutcome(ref.key, "unchanged", arxiv_id=record.arxiv_id.id)
    if known and latest and latest > known:
        outcome.old_version, outcome.new_version = known, latest
    new_info = {"id": record.arxiv_id.id, "version": latest, "fetched_at": _stamp(now)}
    if pin and latest and latest > pin:
        outcome.old_version, outcome.new_version, outcome.pinned = pin, latest, True
        state.section(ref.key, "arxiv").update(new_info)
        return outcome, ref
    upstream = {name: raw_value(name, v) for name, v in record_fields(record).items()}
    if entry_pin:  # pinned by a versioned eprint: the user's eprint stays as written
        upstream.pop("eprint", None)
    published = {"doi": record.doi, "journal_ref": record.journal_ref}
    if any(published.values()) and any(info.get(k) != v for k, v in published.items()):
        outcome.published = record.doi or ""
        if record.journal_ref:
            outcome.published = f"{outcome.published} ({record.journal_ref})".strip()
    fill_only: frozenset[str] = frozenset()
    if ref.get("journal") or ref.get("booktitle") or ref.get("journaltitle"):
        # A published entry: its date and landing page are the venue's, not the preprint's.
        upstream.pop("year", None)
        upstream.pop("month", None)
        fill_only = frozenset({"url"})
    updates = _merge_fields(ref, upstream, base, options.overwrite, record, outcome, fill_only)
    section = state.section(ref.key, "arxiv")
    section.clear()
    section.update(new_info, **{k: v for k, v in published.items() if v})
    fetched = state.section(ref.key, "fetched")
    fetched.clear()
    fetched.update({name: fingerprint(raw) for name, raw in upstream.items()})
    if not updates:
        return outcome, ref
    outcome.status = "updated"
    return outcome, ref.with_raw_fields(updates)


def _merge_fields(
    ref: Reference,
    upstream: dict[str, str],
    base: dict[str, str],
    overwrite: frozenset[str],
    record: ArxivRecord,
    outcome: EntryOutcome,
    fill_only: frozenset[str] = frozenset(),
) -> dict[str, str | None]:
    updates: dict[str, str | None] = {}
    for name, new in upstream.items():
        current = ref.fields.get(name)
        if name == "doi" and current and _same(current, "{" + record.arxiv_id.doi + "}"):
            current = None
        old = base.get(name)
        if current is not None and _same(current, new):
            continue
        empty = current is None or not unbrace(current).strip()
        untouched = current is not None and fingerprint(current) == old
        if empty or name in overwrite or (untouched and name not in fill_only):
            updates[name] = new
            outcome.changes.append(FieldChange(name, ref.fields.get(name), new))
        elif current is not None and name not in fill_only and old != fingerprint(new):
            outcome.conflicts.append(Conflict(name, current, new))
    return updates


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block ends, so two files are written together or not."""
    pending: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        pending.append(signum)

    try:
        previous = signal.signal(signal.SIGINT, hold)
    except ValueError:  # not the main thread: signals cannot be handled here anyway
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pending:
            raise KeyboardInterrupt


def sync_library(
    config: Config,
    keys: Sequence[str] | None = None,
    options: SyncOptions | None = None,
    *,
    source: ArxivSource | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Lock the library, sync it from arXiv, and save library.bib and the sidecar.

    Both files are written only after the whole sync ran (library first, then the sidecar,
    with Ctrl-C held in between); on an exception or Ctrl-C before that, neither changes.
    With ``options.dry_run`` nothing is written.

    :param options: how to sync; ``versions``/``fresh_days`` left None come from ``config``.
    :param source: default: an :class:`ArxivSource` on ``config``'s API URL and delay.
    :raises ReferenceNotFoundError: for an unknown key (nothing looked up).
    :raises ArxivUnreachableError: when arXiv cannot be reached at all (nothing written).
    :raises LibraryError: when the library or sidecar cannot be read or written.
    """
    from .arxiv_source import ArxivSource
    from .library import library_lock, load_library, save_library
    from .state import load_state, save_state

    options = options or SyncOptions()
    options = replace(
        options,
        versions=options.versions or config.versions,
        fresh_days=config.fresh_days if options.fresh_days is None else options.fresh_days,
    )
    if source is None:
        source = ArxivSource(api_url=config.arxiv_api_url, delay=config.arxiv_delay)
    with library_lock(config.library):
        library = load_library(config.library)
        state = load_state(config.state_path)
        report = sync_metadata(library, state, source, options, progress, keys=keys)
        if not options.dry_run:
            with deferred_interrupts():
                save_library(library)
                save_state(state)
    return report
