"""``dlbib import``: a reading list into the library, rendered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dlbib.cli._app import Settings, cli, emit_json, pass_settings
from dlbib.cli._render import ProgressBar

_IMPORT_HEADINGS = {
    "added": "Added",
    "present": "Already present",
    "unresolved": "Unresolved",
    "ignored": "Ignored",
}


def _import_table(items: list[Any], status: str) -> list[str]:
    """Rows of one section of the import report: line, key or status, text, reason."""
    rows = []
    for item in items:
        if status in ("added", "present") and item.title:
            text = item.title
        else:
            text = (item.url if status == "ignored" else None) or item.text
        text = text if len(text) <= 70 else text[:67] + "..."
        who = item.key or ""
        rows.append(
            f"  {item.line:>5}  {who:<28}  {text}" + (f"  [{item.reason}]" if item.reason else "")
        )
    return rows


@cli.command("import")
@click.argument("reading_list", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would be added; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--no-search", is_flag=True, help="Do not search arXiv for titles without an id.")
@pass_settings
def import_(
    settings: Settings, reading_list: Path, dry_run: bool, as_json: bool, no_search: bool
) -> None:
    """Add the works a reading list cites (Markdown, plain text or HTML) to the library.

    arXiv ids are looked up in batches of 100, titles of citations without an id in batched
    arXiv title searches; a paper no service confirms is built from what the list says. Works
    already in the library are reported with their key, never added twice. Every section a
    work appears under becomes a keyword (present entries gain the new ones). Exit 1 when
    arXiv fails midway (what resolved before is still added).

    \b
    Example:
        dlbib import readinglist.md --dry-run
        dlbib import awesome-papers.md --json | jq '.items[] | select(.status=="unresolved")'
    """
    from dlbib.readinglist.importer import import_reading_list
    from dlbib.sources.arxiv import ArxivSource

    config = settings.config()
    source = ArxivSource(
        api_url=config.arxiv_api_url, delay=config.arxiv_delay, deadline=config.http_deadline
    )
    bar = ProgressBar("arXiv")
    try:
        report = import_reading_list(
            reading_list, settings.library, source, dry_run=dry_run, search=not no_search,
            progress=bar,
        )  # fmt: skip
    finally:
        bar.close()
    if as_json:
        emit_json({"dry_run": dry_run, "counts": report.counts(),
                    "found": sum(report.counts().values()),
                    "requests": source.requests_made,
                    "error": str(report.error) if report.error else None,
                    "items": [i.as_dict() for i in report.items]})  # fmt: skip
    else:
        for status, heading in _IMPORT_HEADINGS.items():
            items = report.by_status(status)  # type: ignore[arg-type]
            if items:
                heading = "To add" if dry_run and status == "added" else heading
                click.echo(f"{heading} ({len(items)}):")
                click.echo("\n".join(_import_table(items, status)))
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items())
    verb = "would be added (dry run, nothing written)" if dry_run else "written"
    click.echo(f"{reading_list}: {counts}; {source.requests_made} arXiv request(s); "
               f"{report.counts()['added']} {verb}", err=True)  # fmt: skip
    if report.error:
        click.echo(f"Error: arXiv failed midway: {report.error}", err=True)
        raise SystemExit(1)
