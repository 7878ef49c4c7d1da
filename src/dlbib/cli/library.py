"""``dlbib check``, ``list`` and ``show``: read-only views of the library."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from dlbib.cli._app import Settings, cli, emit_json, pass_settings

if TYPE_CHECKING:
    pass


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON.")
@pass_settings
def check(settings: Settings, as_json: bool) -> None:
    """Lint the library; exit 1 when anything is wrong.

    Reports parse failures (with line numbers), duplicate keys, two entries for one work,
    missing required fields, malformed DOIs and arXiv ids, escaped underscores in URLs,
    files that do not exist, and downloaded PDFs that changed since (SHA-256 in the sidecar).

    \b
    Example:
        dlbib check
        dlbib check --json | jq '.[].message'
    """
    from dlbib.check import check_library, pdf_files_check
    from dlbib.library.state import load_state

    state = load_state(settings.config().state_path)
    findings = check_library(settings.library, extra=[pdf_files_check(state)])
    if as_json:
        emit_json([f.as_dict() for f in findings])
    else:
        for finding in findings:
            click.echo(finding.format(settings.library))
        summary = f"{len(findings)} problem(s)" if findings else "no problems"
        click.echo(f"{settings.library}: {summary}", err=True)
        _note_lost_entries(settings.library)
    if findings:
        raise SystemExit(1)


def _note_lost_entries(library: Path) -> None:
    """Tell when a backup holds entries the library lacks (a note: it does not fail check)."""
    from dlbib.library.backups import lost_entries

    lost = lost_entries(library)
    if lost:
        newest = lost[0]
        keys = ", ".join(newest.keys[:5]) + (" …" if len(newest.keys) > 5 else "")
        click.echo(
            f"note: backup {newest.backup.path.name} holds {len(newest.keys)} entries this "
            f"file lacks ({keys}); `dlbib restore` lists the backups and puts one back",
            err=True,
        )


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print entries as JSON.")
@pass_settings
def list_(settings: Settings, as_json: bool) -> None:
    """List entries: key, year and title.

    \b
    Example:
        dlbib list
        dlbib list --json
    """
    from dlbib.library.bibfile import load_library
    from dlbib.library.text import latex_to_text

    library = load_library(settings.library)
    rows = [
        {
            "key": r.key,
            "type": r.entry_type,
            "year": r.year,
            "title": latex_to_text(r.title or ""),
        }
        for r in library.references
    ]
    if as_json:
        emit_json(rows)
        return
    width = max((len(r["key"] or "") for r in rows), default=0)
    for row in rows:
        click.echo(f"{row['key']:<{width}}  {row['year'] or '----'}  {row['title']}")


@cli.command()
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="Print the fields as JSON.")
@pass_settings
def show(settings: Settings, key: str, as_json: bool) -> None:
    """Show one entry as it stands in the library.

    \b
    Example:
        dlbib show ioffe2015batch
    """
    from dlbib.library.bibfile import load_library, render_reference

    ref = load_library(settings.library).get(key)
    if as_json:
        emit_json({"key": ref.key, "type": ref.entry_type, "fields": dict(ref.fields)})
    else:
        click.echo(render_reference(ref))
