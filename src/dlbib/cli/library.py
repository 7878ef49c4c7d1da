"""``dlbib check``, ``list`` and ``show``: read-only views of the library."""

from __future__ import annotations

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
    if findings:
        raise SystemExit(1)


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
    from dlbib.library.cache import load_cached
    from dlbib.library.text import latex_to_text

    library = load_cached(settings.library)
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
    from dlbib.library.bibfile import render_reference
    from dlbib.library.cache import load_cached

    ref = load_cached(settings.library).get(key)
    if as_json:
        emit_json({"key": ref.key, "type": ref.entry_type, "fields": dict(ref.fields)})
    else:
        click.echo(render_reference(ref))
