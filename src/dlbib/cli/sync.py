"""``dlbib sync``: arXiv metadata and PDFs, rendered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from dlbib.cli._app import EXIT_UNREACHABLE, Settings, cli, emit_json, pass_settings
from dlbib.cli._render import (
    PdfBar,
    ProgressBar,
    render_pdfs,
    render_sync,
)

if TYPE_CHECKING:
    from dlbib.config import Config


def _check_overwrite(fields: tuple[str, ...]) -> tuple[str, ...]:
    """``--overwrite``: a field sync never writes is a usage error (a typo does nothing)."""
    from dlbib.sync.arxiv import SYNCED_FIELDS
    from dlbib.sync.publication_fields import PUBLISHED_FIELDS

    writable = sorted({*SYNCED_FIELDS, *PUBLISHED_FIELDS})
    unknown = [f for f in fields if f.lower() not in writable]
    if unknown:
        known = ", ".join(writable)
        raise click.BadParameter(
            f"sync does not write {', '.join(unknown)} (it writes {known})",
            param_hint="--overwrite",
        )
    return fields


def _check_pdf_pattern(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--pdf-pattern``: a bad pattern is a usage error (exit 2) before any work."""
    from dlbib.errors import ConfigError
    from dlbib.pdfs.paths import check_pattern

    if value is not None:
        try:
            check_pattern(value)
        except ConfigError as exc:
            raise click.BadParameter(str(exc)) from exc
    return value


# --- sync: enrich the library from arXiv (issue 3) ----------------------------------------


def _run_sync(settings: Settings, keys: tuple[str, ...], options: Any) -> Any:
    """Run sync_library with a progress bar; an unknown KEY is a usage error."""
    from dlbib.errors import ReferenceNotFoundError
    from dlbib.sync.arxiv import sync_library

    bar = ProgressBar("arXiv")
    try:
        return sync_library(settings.config(), keys or None, options, progress=bar)
    except ReferenceNotFoundError as exc:
        raise click.BadParameter(str(exc), param_hint="KEY") from exc
    finally:
        bar.close()


@cli.command()
@click.argument("keys", nargs=-1, metavar="[KEY]...")
@click.option("--dry-run", is_flag=True, help="Print the per-entry, per-field diff; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the per-entry report as JSON.")
@click.option("--refresh", is_flag=True, help="Look entries up even if fetched recently.")
@click.option(
    "--overwrite",
    multiple=True,
    metavar="FIELD",
    callback=lambda ctx, param, value: _check_overwrite(value),
    help="Take arXiv's value for FIELD even where you edited it (repeatable).",
)
@click.option(
    "--search/--no-search",
    default=True,
    show_default=True,
    help="Find papers without an arXiv id by title (strict title+authors+year match).",
)
@click.option(
    "--accept-published",
    is_flag=True,
    help="Turn the entries (KEYs, default all) into their confirmed published versions.",
)
@click.option("--no-pdf", is_flag=True, help="Do not download or move PDFs.")
@click.option("--pdf-only", is_flag=True, help="Only fetch/move PDFs: no arXiv metadata look-ups.")
@click.option(
    "--pdf-pattern",
    metavar="PATTERN",
    callback=_check_pdf_pattern,
    help="PDF file names, e.g. '{section}/{key}.pdf' (default: [pdf] pattern in dlbib.toml, "
    "else '{year}/{key} - {author} {year} - {title}.pdf').",
)
@pass_settings
def sync(
    settings: Settings,
    keys: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
    refresh: bool,
    overwrite: tuple[str, ...],
    search: bool,
    accept_published: bool,
    no_pdf: bool,
    pdf_only: bool,
    pdf_pattern: str | None,
) -> None:
    """Enrich arXiv-backed entries from the arXiv API, never losing an edit; fetch their PDFs.

    PDFs (arXiv's, of the recorded version, or an open-access `pdfurl`) go to papers/ beside
    the library, verified, recorded in the `file` field and the sidecar; present, unchanged
    files are not fetched again. Exit 0 when every entry synced, 1 when any failed (the rest
    is saved), 3 when arXiv cannot be reached at all (nothing changed). Env:
    DLBIB_ARXIV_API_URL, DLBIB_ARXIV_DELAY, DLBIB_ARXIV_PDF_URL, DLBIB_PDF_DELAY.

    Published versions (Semantic Scholar candidates, confirmed by DBLP, OpenReview or
    Crossref) are reported and recorded in the sidecar; no field changes unless
    --accept-published (or published = "follow" in dlbib.toml). Env: DLBIB_PUBLISHED,
    DLBIB_S2_API_URL, DLBIB_S2_API_KEY, DLBIB_DBLP_API_URL, DLBIB_OPENREVIEW_API_URL,
    DLBIB_CROSSREF_API_URL, DLBIB_CONTACT_EMAIL, DLBIB_*_DELAY.

    \b
    Example:
        dlbib sync
        dlbib sync --dry-run ioffe2015batch
        dlbib sync --accept-published --dry-run ioffe2015batch
        dlbib sync --overwrite title --refresh he2015delving
        dlbib sync --pdf-only --pdf-pattern '{section}/{key}.pdf'
    """
    from dlbib.errors import ArxivUnreachableError, DlbibError, StepFailedError
    from dlbib.sync.merge import SyncOptions

    if no_pdf and pdf_only:
        raise click.UsageError("--no-pdf and --pdf-only exclude each other")
    config = _with_pattern(settings.config(), pdf_pattern)
    fields = frozenset(f.lower() for f in overwrite)
    options = SyncOptions(
        dry_run=dry_run,
        refresh=refresh,
        overwrite=fields,
        search=search,
        accept_published=accept_published,
    )
    report = None
    if not pdf_only:
        try:
            report = _run_sync(settings, keys, options)
        except ArxivUnreachableError as exc:
            if as_json:
                emit_json({"error": str(exc), "unreachable": True, "outcomes": []})
            click.echo(f"sync: {exc}; nothing changed", err=True)
            raise SystemExit(EXIT_UNREACHABLE) from exc
    try:
        skip = no_pdf or dry_run or bool(report and report.unreachable)  # PDFs come from arXiv
        pdfs = None if skip else _run_pdfs(config, keys)
    except DlbibError as exc:
        if report is None:
            raise
        render_sync_and_pdfs(report, None, as_json, dry_run)  # what was saved, then why not more
        saved = ["the arXiv metadata (library.bib and its sidecar)"]
        raise StepFailedError("PDFs", saved, exc) from exc
    render_sync_and_pdfs(report, pdfs, as_json, dry_run)
    if report is not None and report.unreachable:
        raise SystemExit(EXIT_UNREACHABLE)
    if (report and report.failed) or (pdfs and pdfs.failed):
        raise SystemExit(1)


# --- dlbib import (issue 7) -------------------------------------------------------------------


def _with_pattern(config: Config, pattern: str | None) -> Config:
    from dataclasses import replace

    return replace(config, pdf_pattern=pattern) if pattern else config


def _run_pdfs(config: Config, keys: tuple[str, ...]) -> Any:
    """Fetch/move/verify PDFs with a progress bar; an unknown KEY is a usage error."""
    from dlbib.errors import ReferenceNotFoundError
    from dlbib.pdfs.sync import sync_library_pdfs

    bar = PdfBar()
    try:
        return sync_library_pdfs(config, keys=keys or None, progress=bar)
    except ReferenceNotFoundError as exc:
        raise click.BadParameter(str(exc), param_hint="KEY") from exc
    finally:
        bar.close()


def render_sync_and_pdfs(report: Any, pdfs: Any, as_json: bool, dry_run: bool) -> None:
    if as_json:
        data = report.as_dict() if report is not None else {}
        if pdfs is not None:
            data["pdfs"] = pdfs.as_dict()
        emit_json(data)
        return
    if report is not None:
        render_sync(report, dry_run)
    if pdfs is not None:
        render_pdfs(pdfs)


# --- export (issue 5) -------------------------------------------------------------------------
