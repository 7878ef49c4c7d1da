"""Bring every entry's PDF up to date: choose the source, download or move, record, set ``file``.

For each entry :func:`sync_pdfs` finds a source (the arXiv PDF of the recorded version, else an
open-access ``pdfurl`` or a ``url`` ending in ``.pdf``), computes where the file belongs
(:mod:`dlbib.pdfpaths`), and then:

* **skipped** — the file is where it belongs and matches the SHA-256 recorded in the sync sidecar
  (nothing is transferred), or there is no source, or the file was changed by hand (it differs
  from the record but is still a complete PDF; a damaged one is fetched again);
* **moved** — the recorded file is intact but its computed path changed (metadata or pattern):
  it is renamed, not downloaded again;
* **downloaded** — no intact file, or a new source (a new arXiv version): fetched, verified,
  recorded; an older file at another path is removed;
* **failed** — the download failed; the entry, its file and its record are left as they were.

It works on an in-memory :class:`~dlbib.library.Library` and :class:`~dlbib.state.SyncState`;
:func:`sync_library_pdfs` wraps it with loading and locked, atomic saving. A PDF that changed since
dlbib downloaded it (an annotated copy, say) is never overwritten or deleted.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Final, Protocol

from dlbib.errors import PdfDownloadError
from dlbib.library.files import replace_file
from dlbib.library.model import FileRecord, Reference, brace, format_file_field
from dlbib.library.state import SyncState, load_state, save_state
from dlbib.pdfs.fetch import PdfFetcher, PdfFile, looks_like_pdf, sha256_file
from dlbib.pdfs.paths import Jail, PdfNames, check_pattern, outside_jail, recorded_file
from dlbib.pdfs.report import STATUSES as STATUSES  # re-exported: the public names stay
from dlbib.pdfs.report import PdfOutcome as PdfOutcome
from dlbib.pdfs.report import PdfReport as PdfReport
from dlbib.pdfs.report import Status as Status
from dlbib.pdfs.source import PdfSource as PdfSource  # re-exported: the public names stay
from dlbib.pdfs.source import pdf_source as pdf_source

if TYPE_CHECKING:
    from dlbib.config import Config
    from dlbib.library.bibfile import Library

UP_TO_DATE: Final = "up to date"
"""The reason of a skip because the file is present and matches its recorded hash."""
NO_SOURCE: Final = "no open-access PDF source"
"""The reason of a skip because the entry has no arXiv id, ``pdfurl`` or ``.pdf`` url."""


class PdfProgress(Protocol):
    """Receives progress while PDFs sync (the CLI draws a bar; the library never prints)."""

    def entry(self, key: str, index: int, total: int) -> None:
        """Work on entry ``index`` (0-based) of ``total`` starts."""

    def chunk(self, nbytes: int) -> None:
        """``nbytes`` more bytes arrived."""

    def outcome(self, outcome: PdfOutcome) -> None:
        """The entry is done."""


@dataclass
class _Run:
    """What one sync needs: where things go, who holds which path, the fetcher."""

    root: Path
    pdf_root: Path
    pattern: str
    state: SyncState
    fetcher: PdfFetcher
    arxiv_pdf_url: str
    force: bool
    progress: PdfProgress | None
    names: PdfNames
    jail: Jail
    claimed: dict[str, str] = field(default_factory=dict)  # file path (relative) -> key
    deferred: list[Reference] = field(default_factory=list)
    """Entries whose path is claimed only when a later entry needs a path (see :meth:`target`)."""
    pdf_root_absent: bool = False
    """The PDF folder was found missing, and no entry has gone the full way since (which may
    make it): it is not looked for again (see :func:`_unreachable_at_once`)."""

    @property
    def arxiv_base(self) -> str:
        """What every arXiv PDF URL starts with (its id follows)."""
        return f"{self.arxiv_pdf_url.rstrip('/')}/"

    def rel(self, path: Path) -> str:
        """``path`` as written in ``file`` fields: relative to library.bib's folder if inside."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def target(self, ref: Reference) -> Path:
        """Where ``ref``'s PDF belongs; made unique with `` (2)``… if another entry holds it.

        Entries that failed at once (:func:`_unreachable_at_once`) claim their paths first, in
        order, as if each had asked: every path comes out as without the shortcut.
        """
        for waiting in self.deferred:
            self._claim(waiting)
        self.deferred.clear()
        return self._claim(ref)

    def _claim(self, ref: Reference) -> Path:
        rel = self.names.path(ref)
        candidate = rel
        n = 1
        while self.claimed.get(self.rel(self.pdf_root / candidate), ref.key) != ref.key:
            n += 1
            candidate = rel.with_name(f"{rel.stem} ({n}){rel.suffix}")
        path = self.pdf_root / PurePosixPath(candidate)
        self.claimed[self.rel(path)] = ref.key
        return path


def sync_pdfs(
    library: Library,
    state: SyncState,
    config: Config,
    fetcher: PdfFetcher,
    keys: Collection[str] | None = None,
    progress: PdfProgress | None = None,
    *,
    force: bool = False,
) -> PdfReport:
    """Download, move or skip the PDF of every entry (or of ``keys``); update ``file`` and state.

    Changes ``library`` entries (their ``file`` field) and ``state`` (``pdf`` sections) in place;
    the caller saves them. Entries are independent: one failure does not stop the rest.

    :param config: gives the PDF folder, the pattern and the arXiv PDF base URL.
    :param keys: only these entries (case-insensitive); all by default.
    :param force: download even when an intact or hand-changed file is present.
    :raises ConfigError: when the pattern is invalid (before anything is fetched).
    :raises ReferenceNotFoundError: when a key in ``keys`` is not in the library.
    """
    check_pattern(config.pdf_pattern)
    run = _Run(
        config.root, config.pdf_root, config.pdf_pattern, state, fetcher, config.arxiv_pdf_url,
        force, progress, PdfNames(library.path, config.pdf_pattern), Jail(config.pdf_root),
    )  # fmt: skip
    for key, entry in state.entries.items():
        recorded = entry.get("pdf", {}).get("path")
        if isinstance(recorded, str):
            run.claimed[recorded] = key
    refs = [library.get(k) for k in keys] if keys is not None else library.references
    report = PdfReport()
    for index, ref in enumerate(refs):
        if progress is not None:
            progress.entry(ref.key, index, len(refs))
        outcome, new_ref = _sync_entry(run, ref)
        if new_ref is not ref and new_ref != ref:
            library.replace(new_ref)
        report.outcomes.append(outcome)
        if progress is not None:
            progress.outcome(outcome)
    if keys is None:  # a run for some keys keeps the others' paths as they were
        run.names.save()
    return report


def _sync_entry(run: _Run, ref: Reference) -> tuple[PdfOutcome, Reference]:
    """Bring one entry's PDF up to date; returns its outcome and the (maybe changed) entry."""
    source = pdf_source(ref, run.state, run.arxiv_pdf_url)
    record = _valid_record(run, ref) if ref.key in run.state.entries else None  # most: none
    if source is None:
        return PdfOutcome(ref.key, "skipped", NO_SOURCE), ref
    early = _unreachable_at_once(run, ref, record, source)
    if early is not None:
        return early, ref
    run.pdf_root_absent = False  # the full way may make the PDF folder
    target = run.target(ref)
    escape = run.jail.escape(target)
    if escape is not None:
        return PdfOutcome(ref.key, "failed", escape, run.rel(target), source.url), ref
    if record is None and not run.force:
        manual = ref.pdf_path
        if manual and not _is_url(manual) and (run.root / manual).is_file():
            reason = "has a PDF dlbib did not download (file field); left alone"
            return PdfOutcome(ref.key, "skipped", reason, manual, source.url), ref
    old = run.root / record["path"] if record is not None else None
    if record is not None and old is not None and not run.force:
        intact = _intact(old, record)
        if not intact and looks_like_pdf(old):  # annotated by hand, say: never overwrite it
            reason = "file changed since download (SHA-256 differs); kept; delete it to refetch"
            return PdfOutcome(ref.key, "skipped", reason, record["path"], source.url), ref
        if source.same_as(record):
            if intact if old == target else _intact(target, record):  # hash each file once
                if old != target and intact:
                    _remove(old, run.pdf_root)
                return _settle(run, ref, record, target, "skipped", UP_TO_DATE, source)
            if intact:
                return _move(run, ref, record, old, target, source)
    return _download(run, ref, record, old, target, source)


def _unreachable_at_once(
    run: _Run, ref: Reference, record: dict[str, Any] | None, source: PdfSource
) -> PdfOutcome | None:
    """The outcome of an entry with nothing on disk whose host is already known unreachable:
    the download would fail at once, so its path is not worked out now (an offline run over
    thousands of entries). Only while the PDF folder does not exist, so that no path in it can
    lead outside (a symlink) nor hold a stale part file; None otherwise (the full way)."""
    if record is not None or run.force:
        return None
    if not run.pdf_root_absent:
        if os.path.lexists(run.pdf_root):
            return None
        run.pdf_root_absent = True
    base = run.arxiv_base
    # an arXiv URL is its base and an id (no ":", "?", "#"): the host is the base's, whose
    # parse is cached, rather than each URL parsed once
    probe = base if source.arxiv is not None and _under(source.url, base) else None
    error = run.fetcher.known_unreachable(source.url, probe)
    manual = ref.pdf_path
    if error is None or (manual and not _is_url(manual) and (run.root / manual).is_file()):
        return None
    run.deferred.append(ref)
    return PdfOutcome(ref.key, "failed", str(error), None, source.url, error=error)


def _under(url: str, base: str) -> bool:
    """True when ``url`` is ``base`` followed by a path without ``:``, ``?``, ``#`` or white
    space: its scheme and host are ``base``'s."""
    return url.startswith(base) and _PLAIN_PATH.fullmatch(url, len(base)) is not None


_PLAIN_PATH: Final = re.compile(r"[\w.\-/]+")


def _valid_record(run: _Run, ref: Reference) -> dict[str, Any] | None:
    """The entry's PDF record, forgotten when its path leaves the PDF folder (by ``..``, an
    absolute path, or a symlink that now resolves elsewhere)."""
    record = run.state.get(ref.key, "pdf")
    if record is None:
        return None
    path = recorded_file(run.root, record.get("path"), run.pdf_root)
    if path is None or outside_jail(path, run.pdf_root) is not None:
        run.state.drop(ref.key, "pdf")
        return None
    return record


def _move(
    run: _Run, ref: Reference, record: dict[str, Any], old: Path, target: Path, source: PdfSource
) -> tuple[PdfOutcome, Reference]:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_file(old, target)
    except OSError as exc:
        reason = f"cannot move {record['path']} to {run.rel(target)}: {exc.strerror or exc}"
        return PdfOutcome(ref.key, "failed", reason, record["path"], source.url), ref
    _remove_empty_parents(old.parent, run.pdf_root)
    return _settle(run, ref, record, target, "moved", f"from {record['path']}", source)


def _download(
    run: _Run,
    ref: Reference,
    record: dict[str, Any] | None,
    old: Path | None,
    target: Path,
    source: PdfSource,
) -> tuple[PdfOutcome, Reference]:
    chunk: Callable[[int], None] | None = run.progress.chunk if run.progress else None
    try:
        pdf = run.fetcher.download(source.url, target, chunk)
    except PdfDownloadError as exc:
        path = record.get("path") if record else None
        return PdfOutcome(ref.key, "failed", str(exc), path, source.url, error=exc), ref
    if (
        old is not None
        and old != target
        and record is not None
        and (_intact(old, record) or not looks_like_pdf(old))  # ours, or torn: no user's copy
    ):
        _remove(old, run.pdf_root)
    new_record = _new_record(pdf, source)
    outcome, new_ref = _settle(run, ref, new_record, target, "downloaded", "", source)
    return replace(outcome, bytes=pdf.size), new_ref


def _new_record(pdf: PdfFile, source: PdfSource) -> dict[str, Any]:
    record: dict[str, Any] = {"sha256": pdf.sha256, "size": pdf.size, "url": pdf.url}
    if source.arxiv is not None:
        record["arxiv"] = source.arxiv
        record["version"] = source.version
    return record


def _settle(
    run: _Run,
    ref: Reference,
    record: dict[str, Any],
    target: Path,
    status: Status,
    reason: str,
    source: PdfSource,
) -> tuple[PdfOutcome, Reference]:
    """Record the file at ``target`` in the state and the entry's ``file`` field."""
    rel = run.rel(target)
    old_rel = record.get("path")
    data = {**record, "path": rel}  # record may be the section itself
    section = run.state.section(ref.key, "pdf")
    section.clear()
    section.update(data)
    new_ref = with_pdf_file(ref, rel, old_rel if isinstance(old_rel, str) else None)
    return PdfOutcome(ref.key, status, reason, rel, source.url), new_ref


def with_pdf_file(ref: Reference, path: str, old_path: str | None = None) -> Reference:
    """``ref`` with ``path`` as the first PDF record of its ``file`` field.

    A record for ``old_path`` (the file's previous place) is replaced — or, for a first
    download, the entry's first PDF record unless it is a URL; other records stay.
    """
    replaced = old_path
    if replaced is None and ref.pdf_path and not _is_url(ref.pdf_path):
        replaced = ref.pdf_path
    drop = {path, replaced} - {None}
    records = [FileRecord("", path, "PDF")] + [r for r in ref.files if r.path not in drop]
    raw = brace(format_file_field(records))
    return ref if ref.fields.get("file") == raw else ref.with_raw_fields({"file": raw})


def _is_url(path: str) -> bool:
    return bool(re.match(r"(?i)^[a-z][a-z0-9+.-]*://", path))


def _intact(path: Path, record: dict[str, Any]) -> bool:
    """True when ``path`` is a file with the recorded size and SHA-256."""
    try:
        if path.stat().st_size != record.get("size"):
            return False
        return sha256_file(path) == record.get("sha256")
    except OSError:
        return False


def _remove(path: Path, pdf_root: Path) -> None:
    if outside_jail(path, pdf_root) is not None:
        return
    with contextlib.suppress(OSError):
        path.unlink()
    _remove_empty_parents(path.parent, pdf_root)


def _remove_empty_parents(folder: Path, pdf_root: Path) -> None:
    """Remove ``folder`` and its parents while empty, stopping at ``pdf_root``."""
    for current in _up_to(folder, pdf_root):
        if current.is_symlink() or outside_jail(current, pdf_root) is not None:
            return
        try:
            current.rmdir()
        except OSError:
            return


def _up_to(folder: Path, stop: Path) -> Iterator[Path]:
    current = folder
    while current != stop and stop in current.parents:
        yield current
        current = current.parent


def make_fetcher(config: Config, **overrides: Any) -> PdfFetcher:
    """A :class:`PdfFetcher` with the library's settings: per-host delay, size and time caps."""
    settings: dict[str, Any] = {
        "min_interval": config.pdf_delay,
        "max_bytes": int(config.max_pdf_mb * 1024 * 1024),
        "max_seconds": config.pdf_max_seconds,
    }
    settings.update(overrides)
    return PdfFetcher(**settings)


def sync_library_pdfs(
    config: Config,
    fetcher: PdfFetcher | None = None,
    keys: Collection[str] | None = None,
    progress: PdfProgress | None = None,
    *,
    force: bool = False,
) -> PdfReport:
    """Load the library and its sidecar, :func:`sync_pdfs`, and save both (locked, atomic).

    On Ctrl-C what finished so far is saved before ``KeyboardInterrupt`` is re-raised, so a rerun
    resumes; library.bib is always left valid.

    :raises LibraryError: when the library cannot be loaded or saved.
    :raises LockedError: when another dlbib process holds the library.
    """
    from dlbib.library.bibfile import edit_library

    fetcher = fetcher or make_fetcher(config)
    interrupted: KeyboardInterrupt | None = None
    report = PdfReport()
    with edit_library(config.library) as library:
        state = load_state(config.state_path)
        try:
            report = sync_pdfs(library, state, config, fetcher, keys, progress, force=force)
        except KeyboardInterrupt as exc:
            interrupted = exc
        save_state(state)
    if interrupted is not None:
        raise interrupted
    return report
