"""``dlbib export``: the library in other formats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from dlbib.cli._app import Settings, cli, pass_settings
from dlbib.cli._render import (
    render_export_skips,
)

if TYPE_CHECKING:
    pass


_EXPORT_FORMATS = ("bibtex", "biblatex", "csljson", "ris", "zotero")


def _write_exports(
    settings: Settings, formats: list[str], output: str | None, keys: tuple[str, ...], mode: str
) -> int:
    """Export to files (or stdout for ``-o -``); returns how many entries were left out."""
    from dlbib.exports import AttachmentMode, export_library, write_exports

    to_stdout = output == "-"
    warned: set[tuple[str, str]] = set()

    def warn(key: str, message: str) -> None:
        if (key, message) not in warned:
            warned.add((key, message))
            click.echo(f"warning: {key}: {message}", err=True)

    files, skipped = export_library(
        settings.library,
        formats,
        exports_root=settings.config().exports_root,
        output=Path(output) if output and not to_stdout else None,
        keys=keys,
        attachments=cast("AttachmentMode", mode),
        to_stdout=to_stdout,
        on_warning=warn,
    )
    render_export_skips(skipped)
    if to_stdout:  # bytes: UTF-8 whatever the locale, and RIS keeps its CRLF
        for exported in files:
            sys.stdout.buffer.write(exported.text.encode("utf-8"))
    else:
        write_exports(files)
        for exported in files:
            click.echo(f"{exported.path}: {exported.format}")
    return len(skipped)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*_EXPORT_FORMATS, "all"]),
    default="all",
    show_default=True,
    help="Output format; 'all' writes the five files into the exports folder.",
)
@click.option(
    "--report",
    is_flag=True,
    help="Write nothing; list per entry where each field goes in the format(s).",
)
@click.option("-o", "--output", help="Output file ('-' for stdout); only with one --format.")
@click.option(
    "--attachments",
    type=click.Choice(["relative", "absolute", "none"]),
    default="relative",
    show_default=True,
    help="How PDF paths are written (relative to the output file's folder).",
)
@click.argument("keys", nargs=-1)
@pass_settings
def export(
    settings: Settings,
    fmt: str,
    report: bool,
    output: str | None,
    attachments: str,
    keys: tuple[str, ...],
) -> None:
    """Export the library (or some KEYs) as RIS, CSL-JSON, BibTeX, BibLaTeX or Zotero RDF.

    Without -o, writes exports/library.ris, library.json, library-bibtex.bib,
    library-biblatex.bib and library.rdf beside the library. Every entry type goes to
    every format; a field a format has no place for goes to its free-text slot (RIS N1,
    CSL note, Zotero Extra): --report lists where each field went. What BibTeX would only
    warn about is exported and warned about on stderr. An entry a format cannot represent
    (a non-ASCII key in BibTeX) is reported on stderr and left out (exit 1).

    \b
    Example:
        dlbib export                          # all five into exports/
        dlbib export --format zotero          # exports/library.rdf, for Zotero
        dlbib export --format ris -o refs.ris
        dlbib export --format biblatex -o - vaswani2017attention
        dlbib export --format ris --report lecun2015deep
    """
    if output and fmt == "all":
        raise click.UsageError("-o/--output needs a single --format")
    formats = list(_EXPORT_FORMATS) if fmt == "all" else [fmt]
    if report:
        _report(settings, formats, keys)
        return
    skipped = _write_exports(settings, formats, output, keys, attachments)
    if skipped:
        click.echo(f"export: {skipped} entr{'y' if skipped == 1 else 'ies'} left out", err=True)
        raise SystemExit(1)


def _report(settings: Settings, formats: list[str], keys: tuple[str, ...]) -> None:
    from dlbib.exports import field_report
    from dlbib.library.bibfile import load_library

    library = load_library(settings.library)
    refs = [library.get(key) for key in keys] if keys else library.references
    for fmt in formats:
        for entry in field_report(
            refs, fmt, strings=library.strings, library_refs=library.references
        ):
            places = ", ".join(f"{name} → {target}" for name, target in entry.where.items())
            click.echo(f"{fmt} {entry.key}: {places}")
            for message in entry.warnings:
                click.echo(f"{fmt} {entry.key}: warning: {message}")
