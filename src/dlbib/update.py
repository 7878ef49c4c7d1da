"""The main job, ``dlbib update``: check the library, sync it from arXiv, fetch PDFs, export.

It composes the steps and collects their reports; it decides nothing about printing. A source
that cannot be reached at all (no network) does not fail the job: sync is skipped and its reason
recorded, PDF hosts that do not answer are listed, and the rest is done.

The library is loaded once (through the parse cache), every step works on that one in-memory
library, and it is saved once, under the lock and atomically, before the exports are written
from it: one parse and one record per entry, however many steps and formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from dlbib.check import Finding, lint_library, pdf_files_check
from dlbib.errors import ArxivUnreachableError, ExportError
from dlbib.exports import ExportedFile, export_loaded_library, write_exports
from dlbib.library.bibfile import library_lock, save_library
from dlbib.library.cache import ParseCache, load_cached
from dlbib.library.files import deferred_interrupts
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


UPDATE_FORMATS: Final = ("bibtex", "biblatex", "csljson", "ris")
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
    exports: list[ExportedFile] = field(default_factory=list)
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
    :raises LibraryError: when the library cannot be read or written (nothing is changed).
    :raises LockedError: when another dlbib process holds the library.
    """
    report = UpdateReport()
    with library_lock(config.library):
        library = load_cached(config.library, cache)
        state = load_state(config.state_path)
        report.findings = lint_library(library, extra=[pdf_files_check(state)])
        try:
            report.sync = sync_loaded(library, state, config, source=source, progress=sync_progress)
        except ArxivUnreachableError as exc:
            report.sync_skipped = str(exc)
        interrupted: KeyboardInterrupt | None = None
        try:
            report.pdfs = sync_pdfs(
                library, state, config, fetcher or make_fetcher(config), progress=pdf_progress
            )
        except KeyboardInterrupt as exc:
            interrupted = exc
        with deferred_interrupts():
            save_library(library)
            save_state(state)
        if interrupted is not None:
            raise interrupted
    report.exports, report.export_skipped = export_loaded_library(
        library, UPDATE_FORMATS, exports_root=config.exports_root
    )
    write_exports(report.exports)
    return report
