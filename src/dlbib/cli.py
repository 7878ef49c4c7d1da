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
@click.version_option(package_name="dlbib", prog_name="dlbib")
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
    missing required fields, malformed DOIs and arXiv ids, escaped underscores in URLs and
    files that do not exist.

    \b
    Example:
        dlbib check
        dlbib check --json | jq '.[].message'
    """
    from .lint import check_library

    findings = check_library(settings.library)
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
    """The main job: check the library, then write the four exports.

    \b
    Example:
        dlbib update
    """
    from .lint import check_library

    findings = check_library(settings.library)
    for finding in findings:
        click.echo(finding.format(settings.library), err=True)
    click.echo(f"check: {len(findings)} problem(s)" if findings else "check: library is clean")
    skipped = _write_exports(settings, list(_EXPORT_FORMATS), None, (), "relative")
    if findings or skipped:
        raise SystemExit(1)


# --- export (issue 5) -------------------------------------------------------------------------

_EXPORT_FORMATS = ("bibtex", "biblatex", "csljson", "ris")


def _write_exports(
    settings: Settings, formats: list[str], output: str | None, keys: tuple[str, ...], mode: str
) -> int:
    """Export to files (or stdout for ``-o -``); returns how many entries were skipped."""
    from .exporters import EXPORTERS, export_references, write_export
    from .library import load_library

    library = load_library(settings.library)
    refs = [library.get(key) for key in keys] if keys else library.references
    skipped = 0

    def report(exc: DlbibError) -> None:
        nonlocal skipped
        skipped += 1
        click.echo(f"{getattr(exc, 'format', None)}: {exc}", err=True)

    exports_root = settings.config().exports_root
    for name in formats:
        exporter = EXPORTERS[name]
        to_stdout = output == "-"
        target = Path(output) if output and not to_stdout else exports_root / exporter.filename
        text = export_references(
            refs,
            name,
            strings=library.strings,
            base_dir=Path.cwd() if to_stdout else target.parent,
            attachments=mode,  # type: ignore[arg-type]
            library_root=settings.library.parent,
            on_skip=report,
        )
        if to_stdout:  # bytes: UTF-8 whatever the locale, and RIS keeps its CRLF
            click.get_binary_stream("stdout").write(text.encode("utf-8"))
        else:
            write_export(text, target)
            click.echo(f"{target}: {name}")
    return skipped


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*_EXPORT_FORMATS, "all"]),
    default="all",
    show_default=True,
    help="Output format; 'all' writes the four files into the exports folder.",
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
    settings: Settings, fmt: str, output: str | None, attachments: str, keys: tuple[str, ...]
) -> None:
    """Export the library (or some KEYs) as RIS, CSL-JSON, BibTeX or BibLaTeX.

    Without -o, writes exports/library.ris, library.json, library-bibtex.bib and
    library-biblatex.bib beside the library. An entry a format cannot represent is
    reported on stderr and left out (exit 1).

    \b
    Example:
        dlbib export                          # all four into exports/
        dlbib export --format ris -o refs.ris
        dlbib export --format biblatex -o - vaswani2017attention
    """
    if output and fmt == "all":
        raise click.UsageError("-o/--output needs a single --format")
    formats = list(_EXPORT_FORMATS) if fmt == "all" else [fmt]
    skipped = _write_exports(settings, formats, output, keys, attachments)
    if skipped:
        click.echo(f"export: {skipped} entr{'y' if skipped == 1 else 'ies'} left out", err=True)
        raise SystemExit(1)


# --------------------------------------------------------------------------- cite (issue 6)

if TYPE_CHECKING:
    from .docbib import DocumentBib


def _cite_json(bib: DocumentBib) -> dict[str, Any]:
    cited = bib.cited
    return {
        "document": str(cited.source),
        "files": [str(p) for p in cited.files],
        "format": bib.flavour,
        "output": str(bib.output) if bib.output else None,
        "cite_all": cited.cite_all is not None,
        "cited": [{"key": c.key, "file": str(c.path), "line": c.line} for c in cited.citations],
        "written": [r.key for r in bib.references],
        "missing": [
            {
                "key": m.citation.key,
                "file": str(m.citation.path),
                "line": m.citation.line,
                "suggestions": list(m.suggestions),
            }
            for m in bib.missing
        ],
        "uncited": list(bib.uncited),
    }


def _cite_text(bib: DocumentBib) -> None:
    for m in bib.missing:
        c = m.citation
        hint = f"; did you mean {', '.join(m.suggestions)}?" if m.suggestions else ""
        click.echo(f"{c.path}:{c.line}: {c.key}: not in the library{hint}", err=True)
    n_cited = "every entry" if bib.cited.cite_all else f"{len(bib.cited.citations)} cited"
    if bib.output:
        count = len(bib.references)
        noun = "entry" if count == 1 else "entries"
        click.echo(f"{bib.output}: {count} {noun} ({bib.flavour}; {n_cited})")
    else:
        click.echo(f"{bib.cited.source}: {n_cited}, {len(bib.missing)} missing; nothing written")
    if bib.uncited:
        click.echo(f"{len(bib.uncited)} library entries not cited (--json lists them)")


@cli.command()
@click.argument("document", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The .bib to write [default: the .bib the document names, else DOC.bib].",
)
@click.option(
    "--format",
    "flavour",
    type=click.Choice(["bibtex", "biblatex"]),
    help="Flavour of the .bib [default: biblatex when the document uses it, else bibtex].",
)
@click.option("--check", is_flag=True, help="Only report; write nothing (for CI and editors).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_settings
def cite(
    settings: Settings, document: Path, output: Path | None, flavour: str | None, check: bool,
    as_json: bool,
) -> None:  # fmt: skip
    """Write a document's .bib: the library entries it cites; exit 1 if any are missing.

    DOCUMENT is the .tex (read before any LaTeX run, following \\input/\\include), or the .aux
    or .bcf of a run. Cited keys missing from the library are listed with suggestions; the .bib
    is still written for the others (unless --check).

    \b
    Example:
        dlbib cite paper.tex
        dlbib cite thesis.aux -o refs.bib --format bibtex
        dlbib cite paper.tex --check --json | jq '.missing[].key'
    """
    from .docbib import cite_document

    bib = cite_document(document, settings.library, output=output, flavour=flavour, write=not check)
    if as_json:
        _emit_json(_cite_json(bib))
    else:
        _cite_text(bib)
    if bib.missing:
        raise SystemExit(1)
