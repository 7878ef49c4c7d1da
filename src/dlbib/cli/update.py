"""``dlbib update``: the main job, rendered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from dlbib.cli._app import Settings, cli, pass_settings
from dlbib.cli._render import (
    PdfBar,
    ProgressBar,
    render_export_skips,
    render_pdfs,
    render_published,
    render_sync,
)

if TYPE_CHECKING:
    pass


@cli.command()
@pass_settings
def update(settings: Settings) -> None:
    """The main job: check the library, sync it from arXiv, fetch PDFs, write the exports.

    When arXiv cannot be reached, sync is skipped with one line and update carries on.

    \b
    Example:
        dlbib update
    """
    from dlbib.update import run_update

    sync_bar, pdf_bar = ProgressBar("arXiv"), PdfBar()
    try:
        report = run_update(settings.config(), sync_progress=sync_bar, pdf_progress=pdf_bar)
    finally:
        sync_bar.close()
        pdf_bar.close()
    _render_update(settings, report)
    if not report.ok:
        raise SystemExit(1)


def _render_update(settings: Settings, report: Any) -> None:
    """Each step's lines; services that could not be reached get one line each."""
    for finding in report.findings:
        click.echo(finding.format(settings.library), err=True)
    count = len(report.findings)
    click.echo(f"check: {count} problem(s)" if count else "check: library is clean")
    if report.sync_skipped:
        click.echo(f"sync: skipped, {report.sync_skipped}")
        if report.sync is not None and report.sync.publications is not None:
            render_published(report.sync.publications, False)  # asked without arXiv
    else:
        render_sync(report.sync, False)
    render_pdfs(report.pdfs, offline_ok=True)
    if report.pdfs.unreachable_hosts:
        skipped = len(report.pdfs.failed) - len(report.pdfs.failed_reachable)
        hosts = ", ".join(report.pdfs.unreachable_hosts)
        click.echo(f"pdf: {skipped} file(s) not fetched, could not reach {hosts}")
    render_export_skips(report.export_skipped)
    for exported in report.exports:
        click.echo(f"{exported.path}: {exported.format}")
