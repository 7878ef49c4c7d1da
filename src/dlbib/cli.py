"""The ``dlbib`` command line: parses arguments, calls the library, renders results.

The only module that imports click, prints, or decides exit codes. Heavy modules (bibtexparser,
arxiv, requests) are imported inside commands, so ``dlbib --help`` starts fast.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import DlbibError

if TYPE_CHECKING:
    from .config import Config


@dataclass
class Settings:
    """What the group's options say, handed to every command."""

    library: Path
    verbose: int = 0

    def config(self) -> Config:
        """The library's resolved settings (dlbib.toml + environment)."""
        from .config import load_config

        return load_config(self.library)


pass_settings = click.make_pass_decorator(Settings)


class DlbibGroup(click.Group):
    """A group that turns any :class:`DlbibError` into ``Error: …`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DlbibError as exc:
            raise click.ClickException(str(exc)) from exc


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(cls=DlbibGroup)
@click.option(
    "--library",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="DLBIB_LIBRARY",
    default="library.bib",
    show_default=True,
    help="The library file; everything dlbib keeps for it lives beside it. Env: DLBIB_LIBRARY.",
)
@click.option("-v", "--verbose", count=True, help="Log what happens (-vv for HTTP details).")
@click.version_option(package_name="dlbib")
@click.pass_context
def cli(ctx: click.Context, library: Path, verbose: int) -> None:
    """dlbib: a reading list's papers as a living, verified BibTeX library.

    \b
    Example:
        dlbib update              # check, sync from arXiv, export
        dlbib --library ~/refs/library.bib list
    """
    if verbose:
        level = logging.DEBUG if verbose > 1 else logging.INFO
        logging.basicConfig(level=level, format="%(name)s: %(message)s")
    ctx.obj = Settings(library=library, verbose=verbose)


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
    from .lint import check_library, pdf_files_check
    from .state import load_state

    state = load_state(settings.config().state_path)
    findings = check_library(settings.library, extra=[pdf_files_check(state)])
    if as_json:
        _emit_json([f.as_dict() for f in findings])
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
    from .library import load_library
    from .text import latex_to_text

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
        _emit_json(rows)
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
    from .library import load_library, render_reference

    ref = load_library(settings.library).get(key)
    if as_json:
        _emit_json({"key": ref.key, "type": ref.entry_type, "fields": dict(ref.fields)})
    else:
        click.echo(render_reference(ref))


@cli.command()
@pass_settings
def update(settings: Settings) -> None:
    """The main job: check the library (later: sync from arXiv and export).

    \b
    Example:
        dlbib update
    """
    from .lint import check_library

    findings = check_library(settings.library)
    for finding in findings:
        click.echo(finding.format(settings.library), err=True)
    click.echo(f"check: {len(findings)} problem(s)" if findings else "check: library is clean")
    if findings:
        raise SystemExit(1)
