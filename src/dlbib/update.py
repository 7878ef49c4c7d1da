"""The main job, ``dlbib update``: check the library, sync it from arXiv, fetch PDFs, export.

It composes the steps and collects their reports; it decides nothing about printing. A source
that cannot be reached at all (no network) does not fail the job: sync is skipped and its reason
recorded, PDF hosts that do not answer are listed, and the rest is done.

The library is loaded once (through the parse cache), every step works on that one in-memory
library, and it is saved once, under the lock and atomically, before the exports are written
from it: one parse and one record per entry, however many steps and formats.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from dlbib.check import Finding, lint_library, pdf_files_check
from dlbib.errors import ArxivUnreachableError, DlbibError, ExportError, StepFailedError
from dlbib.exports import WrittenExport, export_to_files
from dlbib.library.bibfile import library_lock, save_library
from dlbib.library.cache import ParseCache, loaded_to_save
from dlbib.library.files import deferred_interrupts
from dlbib.library.parse import gc_on_for_new, gc_paused
from dlbib.library.state import load_state, save_state
from dlbib.pdfs.sync import PdfReport, make_fetcher, sync_pdfs
from dlbib.sync.arxiv import SyncReport, sync_loaded

if TYPE_CHECKING:
    from dlbib.config import Config
    from dlbib.library.cache import Default
    from dlbib.pdfs.fetch import PdfFetcher
    from dlbib.pdfs.sync import PdfProgress
    from dlbib.sources.arxiv import ArxivSource
    from dlbib.sync.arxiv import Progress


UPDATE_FORMATS: Final = ("bibtex", "biblatex", "csljson", "ris", "zotero")
"""The exports the main job writes, in this order."""


@dataclass
class UpdateReport:
    """What each step of :func:`run_update` did."""

    findings: list[Finding] = field(default_factory=list)
    """``dlbib check``'s findings (the job goes on; they make it fail at the end)."""
    sync: SyncReport | None = None
    sync_skipped: str | None = None
    """Why sync did not run (arXiv could not be reached), or None."""
    pdfs: PdfReport | None = None
    exports: list[WrittenExport] = field(default_factory=list)
    export_skipped: list[ExportError] = field(default_factory=list)
    """Entries a format could not represent (left out of that file)."""

    @property
    def ok(self) -> bool:
        """True when nothing failed (unreachable services do not count as failures)."""
        return not (
            self.findings
            or (self.sync is not None and self.sync.failed)
            or (self.pdfs is not None and self.pdfs.failed_reachable)
            or self.export_skipped
        )


def run_update(
    config: Config,
    *,
    sync_progress: Progress | None = None,
    pdf_progress: PdfProgress | None = None,
    source: ArxivSource | None = None,
    fetcher: PdfFetcher | None = None,
    cache: ParseCache | Default | None = "default",
) -> UpdateReport:
    """Check, sync, fetch PDFs and write every export of the library ``config`` names.

    On Ctrl-C while PDFs download, what finished so far is saved before ``KeyboardInterrupt``
    is re-raised (a rerun resumes); earlier, nothing is written.

    :param source: the arXiv client (default: ``config``'s); ``fetcher`` the PDF fetcher.
    :param cache: the parse cache (default: the user's; None: parse without one).
    :raises LibraryError: when the library cannot be read or written before anything was saved.
    :raises LockedError: when another dlbib process holds the library.
    :raises StepFailedError: when a step fails after earlier ones were saved (disk full,
        unwritable ``exports/``): the message says which were.
    """
    # The cycle collector would walk the whole library (a full collection at 10,000 entries:
    # ~60 ms) while the steps allocate; nothing here makes cycles worth collecting mid-run,
    # and the library is gone (refcounts) before it runs again. As sync_library does.
    with gc_paused():
        return _update(config, sync_progress, pdf_progress, source, fetcher, cache)


def _update(
    config: Config,
    sync_progress: Progress | None,
    pdf_progress: PdfProgress | None,
    source: ArxivSource | None,
    fetcher: PdfFetcher | None,
    cache: ParseCache | Default | None,
) -> UpdateReport:
    """:func:`run_update`'s steps."""
    report = UpdateReport()
    saved: list[str] = []
    with library_lock(config.library), loaded_to_save(config.library, cache) as library:
        state = load_state(config.state_path)
        report.findings = lint_library(library, extra=[pdf_files_check(state)])
        try:
            report.sync = sync_loaded(library, state, config, source=source, progress=sync_progress)
            report.sync_skipped = report.sync.unreachable or None  # published versions still done
        except ArxivUnreachableError as exc:
            report.sync_skipped = str(exc)
        interrupted: KeyboardInterrupt | None = None
        failed: DlbibError | None = None
        try:
            with gc_on_for_new():  # downloads may run long: their garbage is collected
                report.pdfs = sync_pdfs(
                    library, state, config, fetcher or make_fetcher(config), progress=pdf_progress
                )
        except KeyboardInterrupt as exc:
            interrupted = exc
        except DlbibError as exc:  # the sync's results are still saved, and said to be
            failed = exc
        with deferred_interrupts():
            save_library(library)
            save_state(state)
        if report.sync is not None:
            saved.append("the arXiv metadata (library.bib and its sidecar)")
        if interrupted is not None:
            raise interrupted
        if failed is not None:
            if not saved:
                raise failed
            raise StepFailedError("PDFs", saved, failed) from failed
    if report.pdfs and any(o.status in ("downloaded", "moved") for o in report.pdfs.outcomes):
        saved.append("the PDFs (papers/, with library.bib's file fields)")
    with _step("exports", saved):
        report.exports, report.export_skipped = export_to_files(
            library, UPDATE_FORMATS, exports_root=config.exports_root
        )
    return report


@contextlib.contextmanager
def _step(name: str, saved: list[str]) -> Iterator[None]:
    """Turn a step's failure into :class:`StepFailedError` when earlier steps were saved."""
    try:
        yield
    except StepFailedError:
        raise
    except DlbibError as exc:
        if not saved:
            raise
        raise StepFailedError(name, saved, exc) from exc
